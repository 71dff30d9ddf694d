//! The position trees stay small: the slots below the oldest one still in
//! use are dropped, and nobody's place changes.

use super::*;

impl Harness {
    /// The taxpayer of `ticket` presses Abandonar while waiting.
    fn abandon(&mut self, ticket: &Joined) {
        let plan = match self.dispatch.decide_abandon(
            ticket.id,
            &ticket.service,
            ticket.seq,
            observations(),
            self.now,
        ) {
            AbandonDecision::Commit(plan) => plan,
            other => panic!("a waiting ticket may leave: {other:?}"),
        };
        let _ = self.dispatch.commit_leave(plan);
    }

    fn slots_held(&self, code: &str) -> usize {
        self.views
            .figures(&service(code))
            .expect("figures")
            .positions_held()
    }
}

#[test]
fn the_slots_of_tickets_gone_are_dropped_and_every_place_stays() {
    let mut h = Harness::new();
    let joined: Vec<Joined> = (0..5_000).map(|_| h.join("CLAVE")).collect();
    for ticket in &joined[..4_990] {
        h.abandon(ticket);
    }
    let staying = &joined[4_990..];
    assert_eq!(h.slots_held("CLAVE"), 5_000);

    assert_eq!(h.dispatch.compact_positions(), 1);

    assert_eq!(h.slots_held("CLAVE"), 10);
    let places: Vec<u32> = staying.iter().map(|t| h.position(t)).collect();
    assert_eq!(places, (1..=10).collect::<Vec<u32>>());
    let next = h.join("CLAVE");
    assert_eq!(
        h.position(&next),
        11,
        "a new join goes on from the last slot"
    );
    assert_eq!(h.dispatch.compact_positions(), 0, "nothing more to drop");
    assert_eq!(h.ready_gets("op-0001", &["CLAVE"]), Some(staying[0].id));
}

#[test]
fn an_absent_ticket_keeps_its_slot_until_it_is_gone() {
    let mut h = Harness::new();
    let joined: Vec<Joined> = (0..5_000).map(|_| h.join("CLAVE")).collect();
    let absent = &joined[2];
    for ticket in joined[..4_990].iter().filter(|t| t.id != absent.id) {
        h.abandon(ticket);
    }
    absent.seen.touch(h.now); // polled until now, then the tab closes
    absent.seen.leave();
    let plan = h.dispatch.sweep(h.now);
    assert_eq!(plan.sweep.set_aside, 1);
    assert!(plan.expiries.is_empty());

    assert_eq!(h.dispatch.compact_positions(), 0);
    assert_eq!(h.slots_held("CLAVE"), 5_000, "its slot pins the tree");

    assert!(absent.seen.touch(h.now));
    assert!(h.dispatch.ticket_returned(absent.id, absent.seq));
    assert_eq!(h.position(absent), 1, "back at its place");
    assert_eq!(h.position(&joined[4_990]), 2);

    h.abandon(absent);
    assert_eq!(h.dispatch.compact_positions(), 1);
    assert_eq!(h.slots_held("CLAVE"), 10);
    assert_eq!(h.position(&joined[4_990]), 1);
    assert_eq!(h.position(&joined[4_999]), 10);
}
