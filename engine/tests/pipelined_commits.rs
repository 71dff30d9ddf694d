//! Pipelined commits: with a store that answers late (and, in one test,
//! sometimes refuses), the dispatcher goes on deciding while its commits are
//! in flight. Nothing it decides may break FIFO, lose an acknowledged join
//! or leave its queues disagreeing with the store.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use engine::domain::{Annotation, Nif, OperatorId, ServiceCode};
use engine::store::{
    Change, LoggedChange, MemoryStore, Store, StoreError, StoredState, TrimCutoffs, TrimReport,
};
use engine::testsuite::faults::{Fault, FaultyStore};
use engine::testsuite::{default_settings, dni, madrid, op, TestEngine};
use engine::ticket::TicketId;
use engine::views::DutyView;
use engine::EngineError;

/// Who attends what in these runs.
const STAFF: [(&str, &[&str]); 3] = [
    ("op-0001", &["APOYOIRPF", "CLAVE"]),
    ("op-0002", &["CLAVE"]),
    ("op-0003", &["APOYOIRPF"]),
];

/// A memory store whose commits are durable only a few milliseconds after
/// they were handed over (applied at once, so in the order they came), and
/// which refuses every `refuse_every`-th change the dispatcher makes.
struct LateStore {
    inner: MemoryStore,
    refuse_every: Option<u64>,
    seen: AtomicU64,
    /// Dispatcher changes handed over and not yet answered, and the most
    /// there ever were at once.
    in_flight: AtomicU64,
    most_in_flight: AtomicU64,
}

impl LateStore {
    fn new(refuse_every: Option<u64>) -> LateStore {
        LateStore {
            inner: MemoryStore::new(),
            refuse_every,
            seen: AtomicU64::new(0),
            in_flight: AtomicU64::new(0),
            most_in_flight: AtomicU64::new(0),
        }
    }
}

fn decided_by_dispatcher(change: &Change) -> bool {
    matches!(
        change,
        Change::TicketJoined { .. }
            | Change::Matched { .. }
            | Change::OperatorWaiting { .. }
            | Change::OperatorInterrupted { .. }
            | Change::TicketAbandoned { operator: None, .. }
    )
}

#[async_trait]
impl Store for LateStore {
    async fn load(&self) -> Result<StoredState, StoreError> {
        self.inner.load().await
    }

    async fn apply(&self, change: &Change) -> Result<(), StoreError> {
        if !decided_by_dispatcher(change) {
            return self.inner.apply(change).await;
        }
        let count = self.seen.fetch_add(1, Ordering::SeqCst) + 1;
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_in_flight.fetch_max(now, Ordering::SeqCst);
        let refused = self.refuse_every.is_some_and(|every| count % every == 0);
        let result = if refused {
            Err(StoreError::Unavailable("refused by the test".to_string()))
        } else {
            self.inner.apply(change).await
        };
        let late = Duration::from_micros(500 + count * 7919 % 2500);
        tokio::time::sleep(late).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        result
    }

    async fn history(&self, nif: &Nif) -> Result<Vec<Annotation>, StoreError> {
        self.inner.history(nif).await
    }

    async fn events(&self, from: u64, limit: usize) -> Result<Vec<LoggedChange>, StoreError> {
        self.inner.events(from, limit).await
    }

    async fn trim(&self, cutoffs: &TrimCutoffs) -> Result<TrimReport, StoreError> {
        self.inner.trim(cutoffs).await
    }
}

fn code(text: &str) -> ServiceCode {
    ServiceCode::parse(text).expect("a configured service")
}

fn services_of(operator: &OperatorId) -> BTreeSet<ServiceCode> {
    STAFF
        .iter()
        .filter(|(id, _)| *id == operator.as_str())
        .flat_map(|(_, services)| services.iter().map(|s| code(s)))
        .collect()
}

/// One operator's next step of the guide from where their console is.
async fn operator_turn(app: &TestEngine, id: &str, round: usize) -> Result<(), EngineError> {
    let duty = app
        .engine
        .views()
        .operator(&op(id))
        .map(|view| view.duty.clone());
    match duty {
        Some(DutyView::Off) => app.engine.attend(&op(id)).await,
        Some(DutyView::Waiting { .. }) if round % 4 == 3 => app.engine.interrupt(&op(id)).await,
        Some(DutyView::Assigned { assignment }) => {
            app.engine.accept(assignment.ticket_id).await?;
            app.engine.start_meeting(&op(id)).await.map(|_| ())
        }
        Some(DutyView::InMeeting { .. }) => app.finalize(id, "success", "", "attend").await,
        Some(DutyView::TaxpayerAbandoned { .. }) => {
            app.finalize(id, "taxpayer_abandoned", "", "attend").await
        }
        _ => Ok(()),
    }
}

/// Rounds of joins, abandonments and operators' steps, all at once within a
/// round. Answers every acknowledged join.
async fn run(app: &TestEngine, rounds: usize) -> Vec<TicketId> {
    let mut joined = Vec::new();
    for round in 0..rounds {
        let joins = (0..3).map(|k| {
            let taxpayer = (round * 3 + k) as u32 + 200;
            let service = if k % 2 == 0 { "CLAVE" } else { "APOYOIRPF" };
            async move { app.join(&dni(taxpayer), service).await.map(|r| r.ticket_id) }
        });
        let leaving = joined.get(round * 5 % joined.len().max(1)).copied();
        let (joins, turns, left) = tokio::join!(
            futures_util::future::join_all(joins),
            futures_util::future::join_all(
                STAFF.iter().map(|(id, _)| operator_turn(app, id, round))
            ),
            async move {
                match leaving {
                    Some(ticket) if round % 3 == 1 => app.engine.abandon(ticket, "").await,
                    _ => Ok(()),
                }
            },
        );
        for result in turns.into_iter().chain([left]) {
            assert!(
                !matches!(result, Err(EngineError::EngineUnavailable)),
                "round {round}: the engine stopped answering"
            );
        }
        joined.extend(joins.into_iter().flatten());
        agree(app, &joined).await;
    }
    joined
}

/// The dispatcher's queues and holders are the store's, once settled.
async fn agree(app: &TestEngine, joined: &[TicketId]) {
    app.engine.settle().await.expect("settle");
    let state = app.store.load().await.expect("load");
    let figures = app.engine.inspect().await.expect("inspect");
    for ticket in joined {
        assert!(
            state.tickets.contains_key(ticket),
            "acknowledged join {ticket} lost"
        );
    }
    let mut waiting: Vec<TicketId> = state.waiting_in_order().iter().map(|t| t.id).collect();
    let mut queued: Vec<TicketId> = figures.queues.values().flatten().copied().collect();
    waiting.sort();
    queued.sort();
    assert_eq!(queued, waiting, "queues and the store's waiting tickets");
    let holding = state.holding();
    assert_eq!(figures.holding, holding, "holders and the store's duties");
}

/// Replays the log: each match took the longest-waiting ticket of the
/// operator's services, and the longest-waiting operator of its service.
async fn assert_fifo(app: &TestEngine) {
    let log = app.store.events(0, usize::MAX).await.expect("events");
    let mut tickets: BTreeMap<u64, (TicketId, ServiceCode)> = BTreeMap::new();
    let mut seqs: BTreeMap<TicketId, u64> = BTreeMap::new();
    let mut operators: Vec<OperatorId> = Vec::new();
    let mut matches = 0;
    for LoggedChange { change, .. } in log {
        match change {
            Change::TicketJoined { ticket } => {
                seqs.insert(ticket.id, ticket.seq);
                tickets.insert(ticket.seq, (ticket.id, ticket.service));
            }
            Change::OperatorWaiting { operator, .. } => operators.push(operator),
            Change::OperatorInterrupted { operator, .. } => operators.retain(|o| *o != operator),
            Change::TicketAbandoned {
                ticket,
                operator: None,
                ..
            } => {
                tickets.remove(&seqs[&ticket]);
            }
            Change::Matched {
                ticket, operator, ..
            } => {
                matches += 1;
                let serves = services_of(&operator);
                let oldest = tickets
                    .iter()
                    .find(|(_, (_, service))| serves.contains(service))
                    .map(|(_, (id, _))| *id);
                assert_eq!(oldest, Some(ticket), "{operator} skipped an older ticket");
                let (_, service) = tickets.remove(&seqs[&ticket]).expect("was waiting");
                if let Some(first) = operators.iter().find(|o| services_of(o).contains(&service)) {
                    assert_eq!(
                        *first, operator,
                        "an operator who waited longer was passed over"
                    );
                }
                operators.retain(|o| *o != operator);
            }
            _ => {}
        }
    }
    assert!(matches > 10, "the run matched only {matches} tickets");
}

async fn start(store: Arc<LateStore>) -> TestEngine {
    let app = TestEngine::start_with(default_settings(), store, madrid("2026-11-30 10:00")).await;
    for (id, services) in STAFF {
        app.make_available(id, services).await;
    }
    app
}

#[tokio::test]
async fn decisions_made_while_commits_are_in_flight_keep_fifo_on_both_sides() {
    let store = Arc::new(LateStore::new(None));
    let app = start(Arc::clone(&store)).await;

    run(&app, 30).await;

    assert_fifo(&app).await;
    assert!(
        store.most_in_flight.load(Ordering::SeqCst) > 1,
        "the dispatcher never had two commits in flight"
    );
}

#[tokio::test]
async fn refused_commits_roll_back_and_leave_queues_and_store_agreeing() {
    let store = Arc::new(LateStore::new(Some(4)));
    let app = start(Arc::clone(&store)).await;

    let joined = run(&app, 30).await;

    // Refused matches are retried: after a second nothing is left behind.
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    agree(&app, &joined).await;
    assert!(
        store.seen.load(Ordering::SeqCst) >= 40,
        "the run made few decisions"
    );
}

/// The shipped configuration on a store whose commits meet planned faults.
async fn on_a_faulty_store() -> (TestEngine, Arc<FaultyStore>) {
    let store = Arc::new(FaultyStore::new());
    let app = TestEngine::start_with(
        default_settings(),
        Arc::clone(&store) as Arc<dyn Store>,
        madrid("2026-11-30 10:00"),
    )
    .await;
    (app, store)
}

/// op-0002 waits for APOYOIRPF while a taxpayer waits for CLAVE; then they
/// add CLAVE, on a store that commits the availability and then meets
/// `faults` (the match's commit first).
async fn a_waiting_operator_adds_a_service(faults: &[Fault]) -> (TestEngine, Arc<FaultyStore>) {
    let (app, store) = on_a_faulty_store().await;
    app.join(&dni(7), "CLAVE").await.expect("join");
    app.make_available("op-0002", &["APOYOIRPF"]).await;
    app.engine.attend(&op("op-0002")).await.expect("attend");
    store.plan(Fault::Pass); // the availability
    for fault in faults {
        store.plan(*fault);
    }
    let clave = BTreeMap::from([("CLAVE".to_string(), true)]);
    app.engine
        .set_availability(&op("op-0002"), &clave)
        .await
        .expect("availability");
    app.engine.settle().await.expect("settled");
    (app, store)
}

fn holds(app: &TestEngine, operator: &str) -> bool {
    matches!(
        app.engine
            .views()
            .operator(&op(operator))
            .map(|view| view.duty.clone()),
        Some(DutyView::Assigned { .. })
    )
}

#[tokio::test]
async fn a_match_the_store_refuses_once_is_tried_again_at_once() {
    let (app, store) = a_waiting_operator_adds_a_service(&[Fault::Fail]).await;

    let refused = store.take_refused();
    assert!(
        matches!(refused.as_slice(), [Change::Matched { .. }]),
        "the match was refused once: {refused:?}"
    );
    assert!(
        holds(&app, "op-0002"),
        "matched again as soon as the refusal settled, not a second later"
    );
}

#[tokio::test]
async fn a_match_refused_twice_waits_for_the_store_then_goes_through() {
    let (app, store) = a_waiting_operator_adds_a_service(&[Fault::Fail, Fault::Fail]).await;

    assert_eq!(
        store.take_refused().len(),
        2,
        "refused, retried once, refused"
    );
    assert!(!holds(&app, "op-0002"), "no loop on a store that is down");
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    app.engine.settle().await.expect("settled");
    assert!(holds(&app, "op-0002"), "retried once the store may be back");
    assert!(store.take_refused().is_empty());
}

#[tokio::test]
async fn the_readiness_probe_answers_while_a_commit_is_in_flight() {
    let (app, store) = on_a_faulty_store().await;
    store.plan(Fault::Delay(Duration::from_secs(3)));
    let engine = app.engine.clone();
    let join = tokio::spawn(async move {
        engine
            .join(engine::JoinInput {
                nif: dni(8),
                name: "ANA".to_string(),
                contrast: "01-01-2030".to_string(),
                service: "CLAVE".to_string(),
            })
            .await
    });
    tokio::time::sleep(Duration::from_millis(100)).await;

    let probe = tokio::time::timeout(Duration::from_secs(1), app.engine.ping_dispatcher()).await;

    assert!(
        matches!(probe, Ok(Ok(()))),
        "the dispatcher answers its probe while the join commits: {probe:?}"
    );
    assert!(!join.is_finished(), "the join was still committing");
    join.await.expect("join task").expect("the join commits");
}
