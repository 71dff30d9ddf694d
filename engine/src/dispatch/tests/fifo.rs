//! FIFO on both sides, services, withdrawal and a held ticket's end.

use super::*;

#[test]
fn tickets_are_taken_in_the_order_they_joined() {
    let mut h = Harness::new();
    let first = h.join("CLAVE");
    let second = h.join("CLAVE");
    let third = h.join("CLAVE");
    assert_eq!(
        [&first, &second, &third].map(|t| t.receipt.position),
        [1, 2, 3]
    );

    assert_eq!(h.ready_gets("op-0001", &["CLAVE"]), Some(first.id));
    assert_eq!(h.ready_gets("op-0002", &["CLAVE"]), Some(second.id));

    assert_eq!(h.position(&third), 1, "the last one is now first in line");
    assert_eq!(h.waiting_in("CLAVE"), 1);
    assert_eq!(
        h.dispatch.figures().holding,
        BTreeMap::from([(op("op-0001"), first.id), (op("op-0002"), second.id)])
    );
}

#[test]
fn a_join_goes_to_the_operator_who_has_waited_longest() {
    let mut h = Harness::new();
    assert!(matches!(
        h.ready("op-0002", &["CLAVE"]).0,
        Readiness::Waiting { .. }
    ));
    assert!(matches!(
        h.ready("op-0001", &["CLAVE"]).0,
        Readiness::Waiting { .. }
    ));
    assert_eq!(
        h.dispatch.figures().waiting_operators,
        vec![op("op-0002"), op("op-0001")]
    );

    let first = h.join("CLAVE");
    let second = h.join("CLAVE");

    assert_eq!(first.receipt.position, 0, "taken at once");
    let assigned: Vec<(TicketId, OperatorId, bool)> = [&first, &second]
        .iter()
        .flat_map(|joined| joined.effects.iter())
        .filter_map(|effect| match effect {
            Effect::Assigned {
                ticket,
                operator,
                operator_hears,
                ..
            } => Some((ticket.id, operator.clone(), *operator_hears)),
            _ => None,
        })
        .collect();
    assert_eq!(
        assigned,
        vec![
            (first.id, op("op-0002"), true),
            (second.id, op("op-0001"), true)
        ]
    );
    assert!(h.dispatch.figures().waiting_operators.is_empty());
}

#[test]
fn an_operator_of_several_services_takes_the_oldest_ticket_among_them() {
    let mut h = Harness::new();
    let renta = h.join("APOYOIRPF");
    let clave = h.join("CLAVE");
    let renta_again = h.join("APOYOIRPF");

    // Only CLAVE: the oldest CLAVE ticket, though an older one waits elsewhere.
    assert_eq!(h.ready_gets("op-0002", &["CLAVE"]), Some(clave.id));
    // Both services: the oldest of all that are left.
    assert_eq!(
        h.ready_gets("op-0001", &["APOYOIRPF", "CLAVE"]),
        Some(renta.id)
    );
    assert_eq!(
        h.ready_gets("op-0003", &["APOYOIRPF"]),
        Some(renta_again.id)
    );
}

#[test]
fn a_ticket_goes_to_the_longest_waiting_operator_who_takes_its_service() {
    let mut h = Harness::new();
    let _ = h.ready("op-0003", &["APOYOIRPF"]);
    let _ = h.ready("op-0001", &["APOYOIRPF", "CLAVE"]);
    let _ = h.ready("op-0002", &["CLAVE"]);

    let clave = h.join("CLAVE");

    assert_eq!(
        h.dispatch.figures().holding,
        BTreeMap::from([(op("op-0001"), clave.id)])
    );
    assert_eq!(
        h.dispatch.figures().waiting_operators,
        vec![op("op-0003"), op("op-0002")]
    );
    let serving = |code: &str| {
        h.views
            .figures(&service(code))
            .expect("figures")
            .serving_operators()
    };
    // Everybody is on duty, waiting or attending.
    assert_eq!((serving("APOYOIRPF"), serving("CLAVE")), (2, 2));
}

#[test]
fn a_new_service_for_a_waiting_operator_brings_a_match_at_once() {
    let mut h = Harness::new();
    let clave = h.join("CLAVE");
    let _ = h.ready("op-0001", &["APOYOIRPF"]);

    let changed = h
        .dispatch
        .change_waiting_services(&op("op-0001"), services(&["APOYOIRPF", "CLAVE"]));
    assert_eq!(changed, ServicesChange::Applied);
    assert!(h.dispatch.may_match(), "a pair is possible in CLAVE now");
    assert_eq!(h.match_all(), vec![(clave.id, op("op-0001"))]);
    let changed = h
        .dispatch
        .change_waiting_services(&op("op-0001"), services(&["CLAVE"]));
    assert_eq!(changed, ServicesChange::NotWaiting, "matched meanwhile");
}

#[test]
fn a_waiting_operator_withdraws_and_takes_nothing_more() {
    let mut h = Harness::new();
    let _ = h.ready("op-0001", &["CLAVE"]);

    let plan = match h.dispatch.decide_withdraw(op("op-0001"), h.now) {
        WithdrawDecision::Commit(plan) => plan,
        other => panic!("a waiting operator may withdraw: {other:?}"),
    };
    assert_eq!(
        h.dispatch.commit_withdraw(plan, h.now),
        Withdrawal::Withdrawn
    );

    let joined = h.join("CLAVE");
    assert_eq!(joined.receipt.position, 1, "nobody took it");
    let serving = h
        .views
        .figures(&service("CLAVE"))
        .expect("figures")
        .serving_operators();
    assert_eq!(serving, 0);
    assert_eq!(
        h.dispatch.decide_withdraw(op("op-0001"), h.now),
        WithdrawDecision::Answer(Withdrawal::NotWaiting)
    );
}

#[test]
fn an_interrumpir_that_lost_the_race_is_told_what_the_operator_holds() {
    let mut h = Harness::new();
    let _ = h.ready("op-0001", &["CLAVE"]);
    let joined = h.join("CLAVE");

    match h.dispatch.decide_withdraw(op("op-0001"), h.now) {
        WithdrawDecision::Answer(Withdrawal::Assigned { ticket, .. }) => {
            assert_eq!(ticket.id, joined.id)
        }
        other => panic!("the match came first: {other:?}"),
    }
}

#[test]
fn atender_twice_is_refused() {
    let mut h = Harness::new();
    let _ = h.ready("op-0001", &["CLAVE"]);
    let again = h
        .dispatch
        .decide_ready(op("op-0001"), services(&["CLAVE"]), h.now);
    assert_eq!(again, Err(EngineError::invalid_state("waiting")));
}

#[test]
fn one_live_ticket_per_taxpayer_and_service_until_it_ends() {
    let mut h = Harness::new();
    let nif = Nif::parse(&dni(7)).expect("a valid NIF");
    let plan = match h.decide_join(nif, "CLAVE") {
        Ok(JoinDecision::Join(plan)) => plan,
        other => panic!("first join: {other:?}"),
    };
    let (receipt, _) = h.dispatch.commit_join(plan, true);

    assert_eq!(
        h.decide_join(nif, "CLAVE"),
        Err(EngineError::AlreadyWaiting)
    );
    let resumed = h
        .dispatch
        .decide_join(nif, "ANA".to_string(), service("CLAVE"), true, h.now);
    assert!(
        matches!(&resumed, Ok(JoinDecision::Resume(plan)) if plan.ticket == receipt.ticket_id),
        "a verified taxpayer takes their ticket up again: {resumed:?}"
    );
    assert!(matches!(
        h.decide_join(nif, "APOYOIRPF"),
        Ok(JoinDecision::Join(_))
    ));
}

#[test]
fn an_abandonar_from_the_queue_moves_everybody_behind_up() {
    let mut h = Harness::new();
    let leaving = h.join("CLAVE");
    let staying = h.join("CLAVE");

    let plan = match h.dispatch.decide_abandon(
        leaving.id,
        &leaving.service,
        leaving.seq,
        observations(),
        h.now,
    ) {
        AbandonDecision::Commit(plan) => plan,
        other => panic!("a waiting ticket may leave: {other:?}"),
    };
    assert!(
        h.dispatch.commit_leave(plan).is_empty(),
        "the reply tells the taxpayer"
    );

    assert_eq!(h.position(&staying), 1);
    assert_eq!(
        h.dispatch.figures().queues[&service("CLAVE")],
        vec![staying.id]
    );
    assert_eq!(
        h.dispatch.decide_abandon(
            leaving.id,
            &leaving.service,
            leaving.seq,
            observations(),
            h.now
        ),
        AbandonDecision::Gone
    );
}

#[test]
fn an_abandonar_after_the_match_is_sent_to_the_holder() {
    let mut h = Harness::new();
    let joined = h.join("CLAVE");
    let _ = h.ready("op-0001", &["CLAVE"]);

    assert!(matches!(
        h.dispatch
            .decide_abandon(joined.id, &joined.service, joined.seq, observations(), h.now),
        AbandonDecision::Assigned { operator, .. } if operator == op("op-0001")
    ));
}

#[test]
fn finalizar_frees_the_operator_and_a_held_ticket_ending_frees_the_taxpayer() {
    let mut h = Harness::new();
    let joined = h.join("CLAVE");
    let _ = h.ready("op-0001", &["CLAVE"]);
    let service = joined.service.clone();

    h.dispatch
        .attention_closed(&op("op-0001"), joined.id, &service, None, true, h.now);
    h.dispatch.ticket_ended(
        Nif::parse(&dni(1)).expect("the first taxpayer's NIF"),
        service.clone(),
    );

    assert!(h.dispatch.figures().holding.is_empty());
    assert!(!h.dispatch.has_live_tickets(&service));
    let serving = h
        .views
        .figures(&service)
        .expect("figures")
        .serving_operators();
    assert_eq!(serving, 0, "Finalizar e Interrumpir: off duty");
    assert!(matches!(
        h.decide_join(Nif::parse(&dni(1)).expect("NIF"), "CLAVE"),
        Ok(JoinDecision::Join(_))
    ));
}
