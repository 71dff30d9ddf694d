//! Thousands of random interleavings of the guide's actions, several at a
//! time, some meeting failed or slow commits (a store that fails or delays
//! the commits it is told to), with the dispatch invariants checked after
//! every step.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use engine::console::ConsoleState;
use engine::domain::{OperatorId, ServiceCode};
use engine::store::{Change, Duty, Store, StoredState, TicketState};
use engine::testsuite::faults::{Fault, FaultyStore};
use engine::testsuite::{default_settings, dni, madrid, op, TestEngine};
use engine::ticket::TicketId;
use engine::EngineError;
use proptest::prelude::*;

/// Operators and the services they are available for, fixed for a run.
const OPERATORS: [(&str, &[&str]); 3] = [
    ("op-0001", &["APOYOIRPF", "CLAVE"]),
    ("op-0002", &["CLAVE"]),
    ("op-0003", &["APOYOIRPF"]),
];
const SERVICES: [&str; 2] = ["APOYOIRPF", "CLAVE"];
const OUTCOMES: [&str; 4] = [
    "success",
    "technical_error",
    "functional_error",
    "taxpayer_abandoned",
];

#[derive(Debug, Clone)]
enum Action {
    Join {
        taxpayer: u8,
        service: u8,
    },
    Abandon {
        pick: u8,
    },
    Accept {
        pick: u8,
    },
    Attend {
        operator: u8,
    },
    Interrupt {
        operator: u8,
    },
    Start {
        operator: u8,
    },
    Finalize {
        operator: u8,
        outcome: u8,
        attend_next: bool,
    },
    Advance {
        seconds: u16,
    },
    /// Time passes with no page polling, then a presence sweep runs.
    Silence {
        seconds: u16,
    },
    /// One taxpayer's page polls.
    Poll {
        pick: u8,
    },
    /// One taxpayer's page says it was closed.
    Leave {
        pick: u8,
    },
    /// The next commits of the batch fail, as if the store were unreachable.
    FailCommits {
        count: u8,
    },
    /// The next commit of the batch takes this long: others overtake it.
    SlowCommit {
        millis: u8,
    },
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        3 => (0u8..12, 0u8..2).prop_map(|(taxpayer, service)| Action::Join { taxpayer, service }),
        1 => any::<u8>().prop_map(|pick| Action::Abandon { pick }),
        2 => any::<u8>().prop_map(|pick| Action::Accept { pick }),
        3 => (0u8..3).prop_map(|operator| Action::Attend { operator }),
        1 => (0u8..3).prop_map(|operator| Action::Interrupt { operator }),
        2 => (0u8..3).prop_map(|operator| Action::Start { operator }),
        2 => (0u8..3, 0u8..4, any::<bool>())
            .prop_map(|(operator, outcome, attend_next)| Action::Finalize { operator, outcome, attend_next }),
        1 => (1u16..1200).prop_map(|seconds| Action::Advance { seconds }),
        1 => (1u16..900).prop_map(|seconds| Action::Silence { seconds }),
        2 => any::<u8>().prop_map(|pick| Action::Poll { pick }),
        1 => any::<u8>().prop_map(|pick| Action::Leave { pick }),
        1 => (1u8..3).prop_map(|count| Action::FailCommits { count }),
        1 => (1u8..20).prop_map(|millis| Action::SlowCommit { millis }),
    ]
}

/// Runs one action; refusals are fine, an engine or store failure is not,
/// unless the batch planned failed commits.
async fn perform(
    app: &TestEngine,
    faults: &FaultyStore,
    failing: bool,
    tickets: &[TicketId],
    away: &Mutex<HashSet<TicketId>>,
    action: &Action,
) -> Option<TicketId> {
    let operator = |index: &u8| op(OPERATORS[*index as usize].0);
    let pick = |pick: &u8| (!tickets.is_empty()).then(|| tickets[*pick as usize % tickets.len()]);
    let result: Result<Option<TicketId>, EngineError> = match action {
        Action::Join { taxpayer, service } => app
            .join(&dni(*taxpayer as u32 + 100), SERVICES[*service as usize])
            .await
            .map(|receipt| Some(receipt.ticket_id)),
        Action::Abandon { pick: index } => match pick(index) {
            Some(ticket) => app.engine.abandon(ticket, "me voy").await.map(|_| None),
            None => Ok(None),
        },
        Action::Accept { pick: index } => match pick(index) {
            Some(ticket) => app.engine.accept(ticket).await.map(|_| None),
            None => Ok(None),
        },
        Action::Attend { operator: index } => {
            app.engine.attend(&operator(index)).await.map(|_| None)
        }
        Action::Interrupt { operator: index } => {
            app.engine.interrupt(&operator(index)).await.map(|_| None)
        }
        Action::Start { operator: index } => app
            .engine
            .start_meeting(&operator(index))
            .await
            .map(|_| None),
        Action::Finalize {
            operator: index,
            outcome,
            attend_next,
        } => app
            .finalize(
                OPERATORS[*index as usize].0,
                OUTCOMES[*outcome as usize],
                "",
                if *attend_next { "attend" } else { "interrupt" },
            )
            .await
            .map(|_| None),
        Action::Advance { seconds } => {
            app.advance(Duration::from_secs(*seconds as u64));
            Ok(None)
        }
        Action::Silence { seconds } => {
            // Any page may have gone silent long enough to be set aside,
            // including those joining in this very batch.
            let mark_all = || {
                app.engine.views().for_each_ticket(|view| {
                    away.lock().expect("lock").insert(view.id);
                })
            };
            mark_all();
            app.advance_without_polls(Duration::from_secs(*seconds as u64));
            let swept = app.engine.sweep_presence().await.map(|_| None);
            mark_all();
            swept
        }
        Action::Poll { pick: index } => {
            if let Some(ticket) = pick(index) {
                app.poll(ticket);
            }
            Ok(None)
        }
        Action::Leave { pick: index } => {
            if let Some(view) = pick(index).and_then(|ticket| app.engine.views().ticket(&ticket)) {
                away.lock().expect("lock").insert(view.id);
                app.engine.leave(&view);
            }
            Ok(None)
        }
        Action::FailCommits { count } => {
            for _ in 0..*count {
                faults.plan(Fault::Fail);
            }
            Ok(None)
        }
        Action::SlowCommit { millis } => {
            faults.plan(Fault::Delay(Duration::from_millis(*millis as u64)));
            Ok(None)
        }
    };
    match result {
        Ok(ticket) => ticket,
        Err(EngineError::StoreUnavailable { .. }) if failing => None,
        Err(EngineError::EngineUnavailable | EngineError::StoreUnavailable { .. }) => {
            panic!("{action:?} broke the engine: {result:?}")
        }
        Err(_) => None,
    }
}

fn services_of(operator: &OperatorId) -> BTreeSet<ServiceCode> {
    OPERATORS
        .iter()
        .find(|(id, _)| *id == operator.as_str())
        .map(|(_, services)| {
            services
                .iter()
                .map(|s| ServiceCode::parse(s).expect("code"))
                .collect()
        })
        .unwrap_or_default()
}

/// Replays the event log and checks that every match respected FIFO on both
/// sides (a match may pass over only tickets whose page may have been away),
/// and that attended counts equal accepted tickets.
fn check_log(
    log: &[Change],
    state: &StoredState,
    away: &HashSet<TicketId>,
    refused: &HashSet<OperatorId>,
) -> Result<(), TestCaseError> {
    let mut waiting_tickets: BTreeMap<u64, (TicketId, ServiceCode)> = BTreeMap::new();
    let mut seq_of: HashMap<TicketId, u64> = HashMap::new();
    let mut waiting_operators: Vec<OperatorId> = Vec::new();
    let mut accepted: HashMap<OperatorId, u32> = HashMap::new();
    for change in log {
        match change {
            Change::TicketJoined { ticket } => {
                waiting_tickets.insert(ticket.seq, (ticket.id, ticket.service.clone()));
                seq_of.insert(ticket.id, ticket.seq);
            }
            Change::OperatorWaiting { operator, .. } => waiting_operators.push(operator.clone()),
            Change::OperatorInterrupted { operator, .. } => {
                waiting_operators.retain(|o| o != operator)
            }
            Change::Matched {
                ticket, operator, ..
            } => {
                let seq = seq_of[ticket];
                let services = services_of(operator);
                let oldest = waiting_tickets
                    .iter()
                    .find(|(seq, (id, service))| {
                        services.contains(service)
                            && (**seq == seq_of[ticket] || !away.contains(id))
                    })
                    .map(|(seq, _)| *seq);
                prop_assert_eq!(
                    oldest,
                    Some(seq),
                    "{} did not get the longest-waiting ticket",
                    operator
                );
                let (_, service) = waiting_tickets
                    .remove(&seq)
                    .expect("matched ticket was waiting");
                // An operator whose match the store refused was put back
                // while the dispatcher went on deciding: they may be passed
                // over, as their ticket may (both are kept by the caller),
                // or get it at their old place.
                let first_waiting = waiting_operators.iter().find(|o| {
                    services_of(o).contains(&service) && (*o == operator || !refused.contains(*o))
                });
                if let Some(first) = first_waiting {
                    prop_assert_eq!(
                        first,
                        operator,
                        "the longest-waiting operator must get the ticket"
                    );
                }
                waiting_operators.retain(|o| o != operator);
            }
            Change::TicketAbandoned {
                ticket,
                operator: None,
                ..
            } => {
                waiting_tickets.remove(&seq_of[ticket]);
            }
            Change::TicketAccepted { operator, .. } => {
                *accepted.entry(operator.clone()).or_default() += 1
            }
            _ => {}
        }
    }
    for (operator, record) in &state.operators {
        prop_assert_eq!(
            record.attended.count,
            accepted.get(operator).copied().unwrap_or(0)
        );
    }
    Ok(())
}

async fn check_invariants(
    app: &TestEngine,
    joined: &[TicketId],
    away: &HashSet<TicketId>,
    refused: &HashSet<OperatorId>,
) -> Result<(), TestCaseError> {
    app.engine.settle().await.expect("settle");
    let state = app.store.load().await.expect("load");
    let figures = app.engine.inspect().await.expect("inspect");

    // Nothing lost: every acknowledged join is in the store.
    for ticket in joined {
        prop_assert!(state.tickets.contains_key(ticket), "ticket {} lost", ticket);
    }
    // The dispatcher's queues and its absent tickets are exactly the store's
    // waiting tickets, each once, in join order.
    let absent_seqs: Vec<u64> = figures
        .absent
        .iter()
        .map(|t| state.tickets[t].seq)
        .collect();
    prop_assert!(
        absent_seqs.windows(2).all(|w| w[0] < w[1]),
        "absent tickets out of join order"
    );
    // A ticket held aside has not polled since (a poll brings it back, and
    // `settle` has delivered every return).
    for ticket in &figures.absent {
        let present = app
            .engine
            .views()
            .ticket(ticket)
            .is_some_and(|view| view.present());
        prop_assert!(!present, "ticket {} held aside after polling", ticket);
    }
    // Tickets set aside count as possibly away for the FIFO check (a ticket
    // that joined during a silence may be set aside by the background sweep).
    let mut away = away.clone();
    away.extend(figures.absent.iter().copied());
    let away = &away;
    let mut queued: Vec<TicketId> = figures
        .queues
        .values()
        .flatten()
        .chain(figures.absent.iter())
        .copied()
        .collect();
    let unique: BTreeSet<TicketId> = queued.iter().copied().collect();
    prop_assert_eq!(unique.len(), queued.len(), "a ticket is queued twice");
    for queue in figures.queues.values() {
        let seqs: Vec<u64> = queue.iter().map(|t| state.tickets[t].seq).collect();
        prop_assert!(
            seqs.windows(2).all(|w| w[0] < w[1]),
            "queue out of join order"
        );
    }
    let mut waiting: Vec<TicketId> = state.waiting_in_order().iter().map(|t| t.id).collect();
    queued.sort();
    waiting.sort();
    prop_assert_eq!(queued, waiting);

    // Each held ticket has exactly one holder, who holds only it.
    let mut held_by: HashMap<TicketId, OperatorId> = HashMap::new();
    for (operator, record) in &state.operators {
        if let Some(ticket) = record.duty.ticket() {
            prop_assert!(
                held_by.insert(ticket, operator.clone()).is_none(),
                "ticket {} held twice",
                ticket
            );
            let ticket_state = &state.tickets[&ticket].state;
            match &record.duty {
                Duty::TaxpayerAbandoned { .. } => {
                    let left_from_operator = matches!(ticket_state, TicketState::Abandoned { operator: Some(o), .. } if o == operator);
                    prop_assert!(
                        left_from_operator,
                        "abandoned ticket not left from its holder"
                    );
                }
                _ => prop_assert_eq!(ticket_state.holder(), Some(operator)),
            }
        }
    }
    for ticket in state.tickets.values() {
        if let Some(holder) = ticket.state.holder() {
            prop_assert_eq!(held_by.get(&ticket.id), Some(holder));
        }
    }
    let holding = state.holding();
    prop_assert_eq!(&figures.holding, &holding);

    // What consoles and ticket pages show agrees with the store.
    for (id, _) in OPERATORS {
        let console = app.console_state(id);
        let duty = state
            .operators
            .get(&op(id))
            .map(|r| r.duty.clone())
            .unwrap_or(Duty::Off);
        let expected = match duty {
            Duty::Off => None,
            Duty::Waiting { .. } => Some(ConsoleState::Waiting),
            Duty::Assigned { .. } => Some(ConsoleState::Assigned),
            Duty::InMeeting { .. } => Some(ConsoleState::InMeeting),
            Duty::TaxpayerAbandoned { .. } => Some(ConsoleState::TaxpayerAbandoned),
        };
        match expected {
            Some(expected) => prop_assert_eq!(console, expected),
            None => prop_assert!(matches!(
                console,
                ConsoleState::Idle | ConsoleState::Closed | ConsoleState::Unavailable
            )),
        }
    }
    for ticket in state.tickets.values() {
        prop_assert_eq!(app.ticket_state(ticket.id), ticket.state.name());
    }
    let log: Vec<Change> = app
        .store
        .events(0, usize::MAX)
        .await
        .expect("events")
        .into_iter()
        .map(|entry| entry.change)
        .collect();
    check_log(&log, &state, away, refused)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn random_interleavings_keep_every_dispatch_invariant(
        batches in proptest::collection::vec(proptest::collection::vec(action(), 1..4), 1..40)
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        runtime.block_on(async {
            let faults = Arc::new(FaultyStore::new());
            let app = TestEngine::start_with(
                default_settings(),
                Arc::clone(&faults) as Arc<dyn Store>,
                madrid("2026-11-30 12:30"),
            )
            .await;
            for (operator, services) in OPERATORS {
                app.make_available(operator, services).await;
            }
            let mut joined: Vec<TicketId> = Vec::new();
            let away = Mutex::new(HashSet::new());
            let mut refused: HashSet<OperatorId> = HashSet::new();
            for batch in &batches {
                // The actions of a batch run concurrently: real interleavings.
                // Moving the clock comes after them: on one engine clock a
                // join is stamped with the time it commits at, never with a
                // time the clock already left (a harness race, not a real one).
                let (moves, acts): (Vec<&Action>, Vec<&Action>) = batch
                    .iter()
                    .partition(|action| matches!(action, Action::Advance { .. } | Action::Silence { .. }));
                // Faults are planned before the batch's other actions start,
                // so that those are the commits that meet them.
                let (plans, acts): (Vec<&Action>, Vec<&Action>) = acts
                    .into_iter()
                    .partition(|action| matches!(action, Action::FailCommits { .. } | Action::SlowCommit { .. }));
                let failing = plans.iter().any(|action| matches!(action, Action::FailCommits { .. }));
                for action in plans {
                    perform(&app, &faults, failing, &joined, &away, action).await;
                }
                let results = futures_join_all(
                    acts.into_iter().map(|action| perform(&app, &faults, failing, &joined, &away, action)),
                )
                .await;
                joined.extend(results.into_iter().flatten());
                for action in moves {
                    joined.extend(perform(&app, &faults, failing, &joined, &away, action).await);
                }
                // A fault no commit met does not outlive its batch.
                faults.clear();
                for change in faults.take_refused() {
                    if let Change::Matched { ticket, operator, .. } = change {
                        away.lock().expect("lock").insert(ticket);
                        refused.insert(operator);
                    }
                }
                let away = away.lock().expect("lock").clone();
                check_invariants(&app, &joined, &away, &refused).await?;
            }
            Ok::<(), TestCaseError>(())
        })?;
    }
}

/// Polls all futures together on the current task (a tiny `join_all`).
async fn futures_join_all<F: std::future::Future>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output> {
    let mut set = Vec::new();
    for future in futures {
        set.push(Box::pin(future));
    }
    let mut outputs: Vec<Option<F::Output>> = set.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in set.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => *output = Some(value),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}
