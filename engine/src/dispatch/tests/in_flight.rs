//! Decisions whose commits are still in flight: what they parked is out of
//! reach of every other decision until they settle.

use super::*;

/// A join decided now and not yet committed.
fn decide_new_join(h: &mut Harness, number: u32, code: &str) -> JoinPlan {
    match h.decide_join(Nif::parse(&dni(number)).expect("NIF"), code) {
        Ok(JoinDecision::Join(plan)) => plan,
        other => panic!("a new taxpayer: {other:?}"),
    }
}

#[test]
fn atender_decided_while_another_match_commits_takes_the_next_ticket() {
    let mut h = Harness::new();
    let first = h.join("CLAVE");
    let second = h.join("CLAVE");

    let to_first = h
        .dispatch
        .decide_ready(op("op-0001"), services(&["CLAVE"]), h.now)
        .expect("idle");
    let to_second = h
        .dispatch
        .decide_ready(op("op-0002"), services(&["CLAVE"]), h.now)
        .expect("idle");

    let taken = |plan: &ReadyPlan| match plan {
        ReadyPlan::Match(plan) => Some(plan.ticket.id),
        ReadyPlan::Wait { .. } => None,
    };
    assert_eq!(
        (taken(&to_first), taken(&to_second)),
        (Some(first.id), Some(second.id))
    );
    let _ = h.dispatch.commit_ready(to_first);
    let _ = h.dispatch.commit_ready(to_second);
    assert_eq!(h.waiting_in("CLAVE"), 0);
}

#[test]
fn an_interrumpir_of_an_operator_being_matched_waits_for_the_match() {
    let mut h = Harness::new();
    let _ = h.ready("op-0001", &["CLAVE"]);
    let plan = decide_new_join(&mut h, 60, "CLAVE");
    assert_eq!(plan.operator, Some(op("op-0001")));

    assert_eq!(
        h.dispatch.decide_withdraw(op("op-0001"), h.now),
        WithdrawDecision::Later
    );
    let (receipt, _) = h.dispatch.commit_join(plan, true);

    match h.dispatch.decide_withdraw(op("op-0001"), h.now) {
        WithdrawDecision::Answer(Withdrawal::Assigned { ticket, .. }) => {
            assert_eq!(ticket.id, receipt.ticket_id)
        }
        other => panic!("the match settled first: {other:?}"),
    }
}

#[test]
fn an_abandonar_of_a_ticket_being_matched_waits_and_proceeds_if_the_match_fails() {
    let mut h = Harness::new();
    let ticket = h.join("CLAVE");
    let plan = h
        .dispatch
        .decide_ready(op("op-0001"), services(&["CLAVE"]), h.now)
        .expect("idle");

    let abandon = |h: &mut Harness| {
        h.dispatch.decide_abandon(
            ticket.id,
            &ticket.service,
            ticket.seq,
            observations(),
            h.now,
        )
    };
    assert_eq!(abandon(&mut h), AbandonDecision::Later);
    h.dispatch.rollback_ready(plan);

    assert!(matches!(abandon(&mut h), AbandonDecision::Commit(_)));
}

#[test]
fn a_new_service_for_an_operator_being_matched_waits_for_the_match() {
    let mut h = Harness::new();
    let _ = h.ready("op-0001", &["CLAVE"]);
    let plan = decide_new_join(&mut h, 61, "CLAVE");

    let change = h
        .dispatch
        .change_waiting_services(&op("op-0001"), services(&["APOYOIRPF"]));
    assert_eq!(change, ServicesChange::Later);
    h.dispatch.rollback_join(plan);

    let change = h
        .dispatch
        .change_waiting_services(&op("op-0001"), services(&["APOYOIRPF"]));
    assert_eq!(
        change,
        ServicesChange::Applied,
        "waiting again at their place"
    );
}

#[test]
fn a_join_and_an_atender_that_missed_each_other_are_matched_once_both_settle() {
    let mut h = Harness::new();
    // Each is decided while the other's commit is in flight: neither sees
    // the other.
    let wait = h
        .dispatch
        .decide_ready(op("op-0001"), services(&["CLAVE"]), h.now)
        .expect("idle");
    assert!(matches!(wait, ReadyPlan::Wait { .. }));
    let join = decide_new_join(&mut h, 62, "CLAVE");
    assert_eq!(join.operator, None);

    let _ = h.dispatch.commit_ready(wait);
    assert!(!h.dispatch.may_match(), "the ticket is not in line yet");
    let (receipt, _) = h.dispatch.commit_join(join, false);
    assert_eq!(receipt.position, 1);

    assert!(h.dispatch.may_match());
    assert_eq!(h.match_all(), vec![(receipt.ticket_id, op("op-0001"))]);
    assert!(!h.dispatch.may_match(), "nothing left to pair");
}

#[test]
fn a_parked_ticket_keeps_its_service_live_for_a_reload() {
    let mut h = Harness::new();
    let plan = decide_new_join(&mut h, 63, "APOYOIRPF");
    assert!(h.dispatch.has_live_tickets(&service("APOYOIRPF")));
    h.dispatch.rollback_join(plan);
    assert!(!h.dispatch.has_live_tickets(&service("APOYOIRPF")));
}
