//! The contract every [`Store`] must pass. A store's own test calls
//! [`run`] with a function that makes a fresh, empty instance.

use std::collections::BTreeMap;
use std::future::Future;

use jiff::Timestamp;

use super::{dni, op};
use crate::domain::{Annotation, Nif, Observations, Outcome, ServiceCode};
use crate::store::{
    AbandonReason, Change, Duty, MeetingRecord, Store, StoreError, StoredState, TicketRecord,
    TicketState, TrimCutoffs,
};
use crate::ticket::{TicketId, TicketToken};

fn at(seconds: i64) -> Timestamp {
    // 2026-11-30T09:00:00Z plus `seconds`.
    Timestamp::from_second(1_796_029_200 + seconds).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn service(code: &str) -> ServiceCode {
    ServiceCode::parse(code).unwrap_or_else(|error| panic!("bad code: {error}"))
}

fn ticket(seq: u64, nif_number: u32, code: &str) -> TicketRecord {
    TicketRecord {
        id: TicketId::from_u64(0xABC0 + seq),
        token: TicketToken::random(),
        nif: Nif::parse(&dni(nif_number)).unwrap_or_else(|error| panic!("bad nif: {error}")),
        name: format!("CONTRIBUYENTE {seq}"),
        service: service(code),
        seq,
        joined_at: at(seq as i64),
        state: TicketState::Waiting,
    }
}

fn availability(code: &str) -> BTreeMap<ServiceCode, bool> {
    BTreeMap::from([(service(code), true)])
}

async fn apply_all(store: &dyn Store, changes: &[Change]) {
    for change in changes {
        store
            .apply(change)
            .await
            .unwrap_or_else(|error| panic!("{change:?} refused: {error}"));
    }
}

/// Runs every contract check, each on a fresh store from `make`.
pub async fn run<S, F, Fut>(make: F)
where
    S: Store,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    an_empty_store_loads_nothing(&make().await).await;
    a_joined_ticket_loads_back_waiting_in_join_order(&make().await).await;
    a_ticket_is_matched_once_and_only_once(&make().await).await;
    an_operator_never_holds_two_tickets(&make().await).await;
    a_whole_attention_leaves_a_history_entry(&make().await).await;
    abandonment_before_and_after_assignment(&make().await).await;
    an_absent_ticket_ends_with_a_note_in_the_taxpayers_history(&make().await).await;
    a_ticket_taken_up_again_keeps_only_its_new_token(&make().await).await;
    an_ended_ticket_is_forgotten_and_a_live_one_never(&make().await).await;
    a_retention_pass_trims_old_events_and_old_annotations(&make().await).await;
    the_event_log_replays_to_the_loaded_state(&make().await).await;
}

async fn an_absent_ticket_ends_with_a_note_in_the_taxpayers_history(store: &dyn Store) {
    let silent = ticket(1, 7, "CLAVE");
    let note = Annotation {
        at: at(900),
        operator_id: None,
        service: service("CLAVE"),
        outcome: Outcome::TaxpayerAbandoned,
        observations: Observations::parse("El contribuyente perdió la conexión").expect("valid"),
        represented_nif: None,
        taxpayer_observations: None,
        abandon_reason: Some(AbandonReason::Absent),
    };
    apply_all(
        store,
        &[
            Change::TicketJoined {
                ticket: silent.clone(),
            },
            Change::TicketAbandoned {
                ticket: silent.id,
                operator: None,
                observations: Observations::default(),
                at: at(900),
                reason: AbandonReason::Absent,
                annotation: Some(note.clone()),
            },
        ],
    )
    .await;
    let state = store.load().await.expect("load");
    assert!(matches!(
        state.tickets[&silent.id].state,
        TicketState::Abandoned {
            reason: AbandonReason::Absent,
            operator: None,
            ..
        }
    ));
    assert_eq!(
        store.history(&silent.nif).await.expect("history"),
        vec![note]
    );
}

async fn an_ended_ticket_is_forgotten_and_a_live_one_never(store: &dyn Store) {
    let (ended, live) = (ticket(1, 20, "CLAVE"), ticket(2, 21, "CLAVE"));
    apply_all(
        store,
        &[
            Change::TicketJoined {
                ticket: ended.clone(),
            },
            Change::TicketJoined {
                ticket: live.clone(),
            },
            Change::TicketAbandoned {
                ticket: ended.id,
                operator: None,
                observations: Observations::default(),
                at: at(10),
                reason: AbandonReason::Taxpayer,
                annotation: None,
            },
            Change::TicketForgotten {
                ticket: ended.id,
                at: at(100),
            },
        ],
    )
    .await;
    let refused = store
        .apply(&Change::TicketForgotten {
            ticket: live.id,
            at: at(101),
        })
        .await;
    assert!(
        matches!(refused, Err(StoreError::Conflict(_))),
        "{refused:?}"
    );
    let state = store.load().await.expect("load");
    assert!(!state.tickets.contains_key(&ended.id), "forgotten");
    assert_eq!(state.tickets[&live.id].state, TicketState::Waiting);
    assert_eq!(state.waiting_in_order().len(), 1);
}

async fn a_retention_pass_trims_old_events_and_old_annotations(store: &dyn Store) {
    let old = ticket(1, 30, "CLAVE");
    // Commit times follow commit order, as on one engine clock.
    let recent = TicketRecord {
        joined_at: at(250),
        ..ticket(2, 31, "CLAVE")
    };
    let annotation = |seconds: i64| Annotation {
        at: at(seconds),
        operator_id: None,
        service: service("CLAVE"),
        outcome: Outcome::TaxpayerAbandoned,
        observations: Observations::default(),
        represented_nif: None,
        taxpayer_observations: None,
        abandon_reason: Some(AbandonReason::Absent),
    };
    let abandoned = |record: &TicketRecord, seconds: i64| Change::TicketAbandoned {
        ticket: record.id,
        operator: None,
        observations: Observations::default(),
        at: at(seconds),
        reason: AbandonReason::Absent,
        annotation: Some(annotation(seconds)),
    };
    apply_all(
        store,
        &[
            Change::TicketJoined {
                ticket: old.clone(),
            },
            abandoned(&old, 100),
            Change::TicketJoined {
                ticket: recent.clone(),
            },
            abandoned(&recent, 300),
        ],
    )
    .await;
    let before = store.events(0, usize::MAX).await.expect("events");
    assert_eq!(before.len(), 4);

    let report = store
        .trim(&TrimCutoffs {
            events: at(200),
            history: at(200),
        })
        .await
        .expect("trim");

    assert_eq!(
        report.events, 2,
        "the join at 1 s and the abandonment at 100 s"
    );
    assert_eq!(report.annotations, 1);
    assert!(report.history_complete);
    let after = store.events(0, usize::MAX).await.expect("events");
    assert_eq!(after.len(), 2);
    assert!(after.iter().all(|logged| logged.change.at() >= at(200)));
    assert_eq!(
        after,
        before[2..].to_vec(),
        "the newer events are untouched"
    );
    assert!(store.history(&old.nif).await.expect("history").is_empty());
    assert_eq!(
        store.history(&recent.nif).await.expect("history"),
        vec![annotation(300)]
    );
    // A second pass finds nothing more.
    let again = store
        .trim(&TrimCutoffs {
            events: at(200),
            history: at(200),
        })
        .await
        .expect("trim");
    assert_eq!((again.events, again.annotations), (0, 0));
}

async fn a_ticket_taken_up_again_keeps_only_its_new_token(store: &dyn Store) {
    let waiting = ticket(1, 8, "CLAVE");
    let renewed = TicketToken::random();
    apply_all(
        store,
        &[
            Change::TicketJoined {
                ticket: waiting.clone(),
            },
            Change::TicketTokenRenewed {
                ticket: waiting.id,
                token: renewed,
                at: at(60),
            },
        ],
    )
    .await;
    let state = store.load().await.expect("load");
    assert_eq!(state.tickets[&waiting.id].token, renewed);
    assert_ne!(renewed, waiting.token);
    assert_eq!(state.tickets[&waiting.id].state, TicketState::Waiting);
    // A ticket that has ended cannot be taken up again.
    apply_all(
        store,
        &[Change::TicketAbandoned {
            ticket: waiting.id,
            operator: None,
            observations: Observations::default(),
            at: at(61),
            reason: AbandonReason::Taxpayer,
            annotation: None,
        }],
    )
    .await;
    let again = store
        .apply(&Change::TicketTokenRenewed {
            ticket: waiting.id,
            token: TicketToken::random(),
            at: at(62),
        })
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
}

async fn an_empty_store_loads_nothing(store: &dyn Store) {
    let state = store.load().await.expect("load");
    assert_eq!(state, StoredState::default());
    assert!(store.events(0, 10).await.expect("events").is_empty());
}

async fn a_joined_ticket_loads_back_waiting_in_join_order(store: &dyn Store) {
    let (first, second) = (ticket(1, 1, "CLAVE"), ticket(2, 2, "CLAVE"));
    apply_all(
        store,
        &[
            Change::TicketJoined {
                ticket: second.clone(),
            },
            Change::TicketJoined {
                ticket: first.clone(),
            },
        ],
    )
    .await;
    let state = store.load().await.expect("load");
    let order: Vec<TicketId> = state.waiting_in_order().iter().map(|t| t.id).collect();
    assert_eq!(order, vec![first.id, second.id]);
    assert_eq!(state.tickets[&first.id], first);
    assert_eq!(state.next_seq, 3);
    let refused = store
        .apply(&Change::TicketJoined {
            ticket: first.clone(),
        })
        .await;
    assert!(
        matches!(refused, Err(StoreError::Conflict(_))),
        "{refused:?}"
    );
}

async fn a_ticket_is_matched_once_and_only_once(store: &dyn Store) {
    let waiting = ticket(1, 1, "CLAVE");
    let (ana, bea) = (op("op-ana"), op("op-bea"));
    apply_all(
        store,
        &[
            Change::TicketJoined {
                ticket: waiting.clone(),
            },
            Change::OperatorWaiting {
                operator: ana.clone(),
                at: at(5),
            },
            Change::OperatorWaiting {
                operator: bea.clone(),
                at: at(6),
            },
            Change::Matched {
                ticket: waiting.id,
                operator: ana.clone(),
                at: at(7),
            },
        ],
    )
    .await;
    let before = store.load().await.expect("load");
    let second = store
        .apply(&Change::Matched {
            ticket: waiting.id,
            operator: bea.clone(),
            at: at(8),
        })
        .await;
    assert!(matches!(second, Err(StoreError::Conflict(_))), "{second:?}");
    let after = store.load().await.expect("load");
    assert_eq!(before, after, "a refused change must change nothing");
    assert_eq!(after.tickets[&waiting.id].state.holder(), Some(&ana));
    assert_eq!(after.operators[&bea].duty, Duty::Waiting { since: at(6) });
}

async fn an_operator_never_holds_two_tickets(store: &dyn Store) {
    let (one, two) = (ticket(1, 1, "CLAVE"), ticket(2, 2, "CLAVE"));
    let ana = op("op-ana");
    apply_all(
        store,
        &[
            Change::TicketJoined {
                ticket: one.clone(),
            },
            Change::TicketJoined {
                ticket: two.clone(),
            },
            Change::Matched {
                ticket: one.id,
                operator: ana.clone(),
                at: at(3),
            },
        ],
    )
    .await;
    let refused = store
        .apply(&Change::Matched {
            ticket: two.id,
            operator: ana.clone(),
            at: at(4),
        })
        .await;
    assert!(
        matches!(refused, Err(StoreError::Conflict(_))),
        "{refused:?}"
    );
    assert_eq!(
        store.load().await.expect("load").tickets[&two.id].state,
        TicketState::Waiting
    );
}

fn meeting() -> MeetingRecord {
    MeetingRecord {
        id: "m-1".to_string(),
        start_url: "https://meet/start".to_string(),
        join_url: "https://meet/join".to_string(),
    }
}

async fn a_whole_attention_leaves_a_history_entry(store: &dyn Store) {
    let waiting = ticket(1, 89890002, "CLAVE");
    let ana = op("op-ana");
    let day = jiff::civil::date(2026, 11, 30);
    let annotation = Annotation {
        at: at(300),
        operator_id: Some(ana.clone()),
        service: service("CLAVE"),
        outcome: Outcome::Success,
        observations: Observations::parse("Todo bien <script>").expect("valid"),
        represented_nif: None,
        taxpayer_observations: None,
        abandon_reason: None,
    };
    apply_all(
        store,
        &[
            Change::AvailabilitySet {
                operator: ana.clone(),
                availability: availability("CLAVE"),
                at: at(0),
            },
            Change::TicketJoined {
                ticket: waiting.clone(),
            },
            Change::Matched {
                ticket: waiting.id,
                operator: ana.clone(),
                at: at(10),
            },
            Change::MeetingStarted {
                operator: ana.clone(),
                ticket: waiting.id,
                meeting: meeting(),
                at: at(20),
            },
            Change::TicketAccepted {
                operator: ana.clone(),
                ticket: waiting.id,
                at: at(30),
                day,
            },
            Change::AttentionFinalized {
                operator: ana.clone(),
                ticket: waiting.id,
                annotation: annotation.clone(),
                at: at(300),
            },
        ],
    )
    .await;
    let state = store.load().await.expect("load");
    let operator = &state.operators[&ana];
    assert_eq!(operator.availability, availability("CLAVE"));
    assert_eq!(operator.duty, Duty::Off);
    assert_eq!(operator.attended.on(day), 1);
    assert!(matches!(
        state.tickets[&waiting.id].state,
        TicketState::Finished { .. }
    ));
    assert_eq!(
        store.history(&waiting.nif).await.expect("history"),
        vec![annotation]
    );
    let other = Nif::parse(&dni(5)).expect("valid");
    assert!(store.history(&other).await.expect("history").is_empty());
}

async fn abandonment_before_and_after_assignment(store: &dyn Store) {
    let (queued, held) = (ticket(1, 1, "CLAVE"), ticket(2, 2, "CLAVE"));
    let ana = op("op-ana");
    let left = Observations::parse("me voy").expect("valid");
    apply_all(
        store,
        &[
            Change::TicketJoined {
                ticket: queued.clone(),
            },
            Change::TicketJoined {
                ticket: held.clone(),
            },
            Change::TicketAbandoned {
                ticket: queued.id,
                operator: None,
                observations: left.clone(),
                at: at(5),
                reason: AbandonReason::Taxpayer,
                annotation: None,
            },
            Change::Matched {
                ticket: held.id,
                operator: ana.clone(),
                at: at(6),
            },
            Change::MeetingStarted {
                operator: ana.clone(),
                ticket: held.id,
                meeting: meeting(),
                at: at(7),
            },
            Change::TicketAbandoned {
                ticket: held.id,
                operator: Some(ana.clone()),
                observations: left.clone(),
                at: at(8),
                reason: AbandonReason::Taxpayer,
                annotation: None,
            },
        ],
    )
    .await;
    let state = store.load().await.expect("load");
    assert!(matches!(
        state.tickets[&queued.id].state,
        TicketState::Abandoned { operator: None, .. }
    ));
    assert!(matches!(
        &state.operators[&ana].duty,
        Duty::TaxpayerAbandoned { ticket, meeting: Some(_), taxpayer_observations, .. }
            if *ticket == held.id && *taxpayer_observations == left
    ));
    // Abandoning twice is refused.
    let again = store
        .apply(&Change::TicketAbandoned {
            ticket: queued.id,
            operator: None,
            observations: left,
            at: at(9),
            reason: AbandonReason::Taxpayer,
            annotation: None,
        })
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
}

async fn the_event_log_replays_to_the_loaded_state(store: &dyn Store) {
    let ana = op("op-ana");
    let tickets: Vec<TicketRecord> = (1..=5).map(|n| ticket(n, n as u32, "APOYOIRPF")).collect();
    let mut changes: Vec<Change> = tickets
        .iter()
        .map(|t| Change::TicketJoined { ticket: t.clone() })
        .collect();
    changes.push(Change::OperatorWaiting {
        operator: ana.clone(),
        at: at(10),
    });
    changes.push(Change::OperatorInterrupted {
        operator: ana.clone(),
        at: at(11),
    });
    changes.push(Change::Matched {
        ticket: tickets[0].id,
        operator: ana.clone(),
        at: at(12),
    });
    apply_all(store, &changes).await;
    let log = store.events(0, 1000).await.expect("events");
    assert_eq!(log.len(), changes.len());
    assert!(
        log.windows(2).all(|pair| pair[0].seq < pair[1].seq),
        "sequence numbers increase"
    );
    let mut replayed = StoredState::default();
    for entry in &log {
        replayed
            .apply(&entry.change)
            .expect("a logged change replays");
    }
    assert_eq!(replayed, store.load().await.expect("load"));
    let tail = store.events(log[3].seq, 2).await.expect("events");
    assert_eq!(tail.len(), 2);
    assert_eq!(tail[0], log[3]);
}
