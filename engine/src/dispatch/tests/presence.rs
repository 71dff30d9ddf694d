//! Tickets set aside for silence: their place, their return, their end.

use super::*;

#[test]
fn a_ticket_set_aside_is_skipped_and_comes_back_at_its_place() {
    let mut h = Harness::new();
    let first = h.join("CLAVE");
    let second = h.join("CLAVE");
    let third = h.join("CLAVE");
    first.seen.leave();

    // The match looks at the head, finds it silent and passes over it.
    assert_eq!(h.ready_gets("op-0001", &["CLAVE"]), Some(second.id));
    assert_eq!(h.dispatch.figures().absent, vec![first.id]);
    assert_eq!(h.position(&third), 1, "the absent one does not count");

    // Its page polls again: back in front of everybody who joined after it.
    assert!(first.seen.touch(h.now), "the poll reports the return");
    assert!(h.dispatch.ticket_returned(first.id, first.seq));
    assert!(h.dispatch.figures().absent.is_empty());
    assert_eq!(h.position(&first), 1);
    assert_eq!(h.position(&third), 2);
    assert_eq!(h.ready_gets("op-0002", &["CLAVE"]), Some(first.id));
    assert!(!h.dispatch.ticket_returned(first.id, first.seq), "once");
}

#[test]
fn a_returned_ticket_goes_to_the_operator_who_waited_longest() {
    // The rule `git show 1ebe182` fixed in the actor: a ticket that comes
    // back is matched to the operators already waiting before anything else,
    // and once that match is decided no later Atender can take it.
    let mut h = Harness::new();
    let ticket = h.join("CLAVE");
    ticket.seen.leave();
    assert_eq!(
        h.ready_gets("op-0001", &["CLAVE"]),
        None,
        "set aside: op-0001 waits"
    );
    assert_eq!(
        h.ready_gets("op-0002", &["CLAVE"]),
        None,
        "op-0002 waits after"
    );

    ticket.seen.touch(h.now);
    assert!(h.dispatch.ticket_returned(ticket.id, ticket.seq));
    let plan = h.dispatch.next_match(h.now).expect("a pair to match");
    assert_eq!(
        (plan.ticket.id, &plan.operator),
        (ticket.id, &op("op-0001"))
    );

    // An Atender decided while that match commits finds nobody to take.
    let pressed = h
        .dispatch
        .decide_ready(op("op-0003"), services(&["CLAVE"]), h.now)
        .expect("op-0003 is idle");
    assert!(matches!(pressed, ReadyPlan::Wait { .. }), "{pressed:?}");
    let _ = h.dispatch.commit_ready(pressed);

    let effects = h.dispatch.commit_match(plan, true);
    assert!(matches!(
        effects.as_slice(),
        [Effect::Assigned { operator, operator_hears: true, .. }] if *operator == op("op-0001")
    ));
    assert_eq!(
        h.dispatch.figures().waiting_operators,
        vec![op("op-0002"), op("op-0003")]
    );
}

#[test]
fn the_sweep_sets_silent_tickets_aside_and_ends_them_after_their_grace() {
    let mut h = Harness::new();
    let silent = h.join("CLAVE");
    let polling = h.join("CLAVE");

    // 150 s without a poll (only `polling` polls): set aside, not ended.
    h.advance(Duration::from_secs(151));
    polling.seen.touch(h.now);
    let plan = h.dispatch.sweep(h.now);
    assert_eq!(plan.sweep.set_aside, 1);
    assert!(plan.expiries.is_empty());
    assert_eq!(h.dispatch.figures().absent, vec![silent.id]);

    // Ten minutes more: its abandonment is decided and committed.
    h.advance(Duration::from_secs(600));
    polling.seen.touch(h.now);
    let plan = h.dispatch.sweep(h.now);
    let [expiry] = <[LeavePlan; 1]>::try_from(plan.expiries).expect("one expiry");
    assert_eq!(expiry.ticket, silent.id);
    assert!(matches!(
        &expiry.change,
        Change::TicketAbandoned {
            reason: AbandonReason::Absent,
            annotation: Some(_),
            ..
        }
    ));
    let effects = h.dispatch.commit_leave(expiry);

    assert!(matches!(
        effects.as_slice(),
        [Effect::TicketExpired { ticket, .. }] if *ticket == silent.id
    ));
    assert!(h.dispatch.figures().absent.is_empty());
    assert_eq!(h.position(&polling), 1);
    assert!(
        matches!(
            h.decide_join(Nif::parse(&dni(1)).expect("NIF"), "CLAVE"),
            Ok(JoinDecision::Join(_))
        ),
        "the taxpayer may join again"
    );
}

#[test]
fn a_ticket_polled_before_its_expiry_comes_back_at_the_sweep() {
    let mut h = Harness::new();
    let ticket = h.join("CLAVE");
    h.advance(Duration::from_secs(151));
    let _ = h.dispatch.sweep(h.now);
    assert_eq!(h.dispatch.figures().absent, vec![ticket.id]);

    // It polls, but the return message is lost in flight: the sweep finds it.
    h.advance(Duration::from_secs(600));
    ticket.seen.touch(h.now);
    let plan = h.dispatch.sweep(h.now);

    assert_eq!(plan.sweep.returned, 1);
    assert!(plan.expiries.is_empty());
    assert_eq!(
        h.dispatch.figures().queues[&service("CLAVE")],
        vec![ticket.id]
    );
}
