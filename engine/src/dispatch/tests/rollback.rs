//! A commit that fails leaves dispatch exactly as it was before the
//! decision, so the next decision is the one it would have been.

use super::*;

/// A harness with a bit of everything: op-0001 holds a ticket, two more
/// wait in CLAVE behind one set aside, op-0003 waits for APOYOIRPF and
/// op-0002 is idle. Answers the tickets: held, aside, first, second.
fn busy() -> (Harness, Vec<Joined>) {
    let mut h = Harness::new();
    let held = h.join("CLAVE");
    assert_eq!(h.ready_gets("op-0001", &["CLAVE"]), Some(held.id));
    let aside = h.join("CLAVE");
    let first = h.join("CLAVE");
    let second = h.join("CLAVE");
    aside.seen.leave();
    let _ = h.dispatch.sweep(h.now);
    assert_eq!(h.ready_gets("op-0003", &["APOYOIRPF"]), None);
    assert_eq!(h.dispatch.figures().absent, vec![aside.id]);
    (h, vec![held, aside, first, second])
}

#[test]
fn a_failed_atender_leaves_everything_as_it_was() {
    let (mut h, tickets) = busy();
    let before = h.digest();

    let plan = h
        .dispatch
        .decide_ready(op("op-0002"), services(&["CLAVE"]), h.now)
        .expect("op-0002 is idle");
    assert!(matches!(&plan, ReadyPlan::Match(m) if m.ticket.id == tickets[2].id));
    h.dispatch.rollback_ready(plan);
    assert_eq!(h.digest(), before, "after a failed match");

    let plan = h
        .dispatch
        .decide_ready(op("op-0002"), services(&["APOYOIRPF"]), h.now)
        .expect("op-0002 is idle");
    assert!(matches!(plan, ReadyPlan::Wait { .. }));
    h.dispatch.rollback_ready(plan);
    assert_eq!(h.digest(), before, "after a failed wait");
}

#[test]
fn a_failed_atender_after_finalizar_takes_the_operator_off_duty() {
    let mut h = Harness::new();
    let held = h.join("CLAVE");
    let _ = h.ready("op-0001", &["CLAVE"]);
    let serving = |h: &Harness| {
        h.views
            .figures(&service("CLAVE"))
            .expect("figures")
            .serving_operators()
    };
    // Finalizar y Atender siguiente: still counted as serving meanwhile.
    h.dispatch
        .attention_closed(&op("op-0001"), held.id, &held.service, None, false, h.now);
    assert_eq!(serving(&h), 1);

    let plan = h
        .dispatch
        .decide_ready(op("op-0001"), services(&["CLAVE"]), h.now)
        .expect("op-0001 is free");
    h.dispatch.rollback_ready(plan);

    assert_eq!(serving(&h), 0);
    assert!(h.dispatch.figures().waiting_operators.is_empty());
}

#[test]
fn a_failed_join_leaves_everything_as_it_was() {
    let mut h = Harness::new();
    let _ = h.join("CLAVE");
    let _ = h.ready("op-0002", &["APOYOIRPF"]);
    let before = h.digest();

    // With an operator waiting (the join would bring a match) and without.
    for code in ["APOYOIRPF", "CLAVE"] {
        let plan = match h.decide_join(Nif::parse(&dni(50)).expect("NIF"), code) {
            Ok(JoinDecision::Join(plan)) => plan,
            other => panic!("a new taxpayer: {other:?}"),
        };
        assert_eq!(plan.operator.is_some(), code == "APOYOIRPF");
        h.dispatch.rollback_join(plan);
        assert_eq!(h.digest(), before, "after a failed join to {code}");
    }
}

#[test]
fn a_join_whose_match_fails_waits_and_its_operator_keeps_their_place() {
    let mut h = Harness::new();
    let _ = h.ready("op-0002", &["CLAVE"]);
    let _ = h.ready("op-0001", &["CLAVE"]);
    let plan = match h.decide_join(Nif::parse(&dni(50)).expect("NIF"), "CLAVE") {
        Ok(JoinDecision::Join(plan)) => plan,
        other => panic!("a new taxpayer: {other:?}"),
    };
    assert_eq!(plan.operator, Some(op("op-0002")));

    let (receipt, effects) = h.dispatch.commit_join(plan, false);

    assert_eq!(receipt.position, 1);
    assert!(matches!(effects.as_slice(), [Effect::StartTicket(_)]));
    assert_eq!(
        h.dispatch.figures().waiting_operators,
        vec![op("op-0002"), op("op-0001")]
    );
    // The retry gives the same pair.
    let matched = h.match_all();
    assert_eq!(matched, vec![(receipt.ticket_id, op("op-0002"))]);
}

#[test]
fn a_failed_match_puts_the_ticket_and_the_operator_back_in_their_places() {
    let mut h = Harness::new();
    let first = h.join("CLAVE");
    let _second = h.join("CLAVE");
    first.seen.leave();
    let _ = h.ready("op-0001", &["APOYOIRPF"]);
    let _ = h.ready("op-0002", &["APOYOIRPF"]);
    let _ = h.dispatch.sweep(h.now);
    first.seen.touch(h.now);
    assert!(h.dispatch.ticket_returned(first.id, first.seq));
    let _ = h
        .dispatch
        .change_waiting_services(&op("op-0002"), services(&["CLAVE"]));
    let before = h.digest();

    let plan = h
        .dispatch
        .next_match(h.now)
        .expect("op-0002 may take CLAVE");
    let (ticket, operator) = (plan.ticket.id, plan.operator.clone());
    h.dispatch.rollback_match(plan);

    assert_eq!(h.digest(), before);
    let retried = h.dispatch.next_match(h.now).expect("the same pair");
    assert_eq!(
        (retried.ticket.id, retried.operator.clone()),
        (ticket, operator)
    );
    h.dispatch.rollback_match(retried);
}

#[test]
fn a_failed_abandonar_or_interrumpir_leaves_everything_as_it_was() {
    let (mut h, tickets) = busy();
    let before = h.digest();

    for ticket in &tickets {
        match h.dispatch.decide_abandon(
            ticket.id,
            &ticket.service,
            ticket.seq,
            observations(),
            h.now,
        ) {
            AbandonDecision::Commit(plan) => h.dispatch.rollback_leave(plan),
            AbandonDecision::Assigned { .. } | AbandonDecision::Gone => {}
            AbandonDecision::Later => panic!("nothing is being committed"),
        }
        assert_eq!(h.digest(), before, "after a failed abandonment");
    }
    let withdrawn = h.dispatch.figures().waiting_operators;
    assert!(!withdrawn.is_empty());
    for operator in withdrawn {
        match h.dispatch.decide_withdraw(operator, h.now) {
            WithdrawDecision::Commit(plan) => h.dispatch.rollback_withdraw(plan),
            other => panic!("a waiting operator, nothing being committed: {other:?}"),
        }
        assert_eq!(h.digest(), before, "after a failed withdrawal");
    }
}

#[test]
fn a_failed_expiry_keeps_the_ticket_aside_and_tries_again_next_pass() {
    let mut h = Harness::new();
    let ticket = h.join("CLAVE");
    h.advance(Duration::from_secs(151));
    let _ = h.dispatch.sweep(h.now);
    h.advance(Duration::from_secs(600));
    let before = h.digest();

    let plan = h.dispatch.sweep(h.now);
    let [expiry] = <[LeavePlan; 1]>::try_from(plan.expiries).expect("one expiry");
    assert!(!h.dispatch.has_live_tickets(&service("APOYOIRPF")));
    assert!(
        h.dispatch.has_live_tickets(&service("CLAVE")),
        "parked, still live"
    );
    h.dispatch.rollback_leave(expiry);

    assert_eq!(h.digest(), before);
    let again = h.dispatch.sweep(h.now);
    assert_eq!(
        again.expiries.iter().map(|e| e.ticket).collect::<Vec<_>>(),
        vec![ticket.id]
    );
    for expiry in again.expiries {
        h.dispatch.rollback_leave(expiry);
    }
}
