//! The standing load the month benchmark measures recovery with (issue 12:
//! "≤ 3 s with 100,000 waiting and 10,000 operators"): `operators`
//! operators each holding a ticket and `tickets` more tickets waiting,
//! on top of whatever the month has retained. Added after the last day's
//! row is taken, so no memory figure includes it.

use std::collections::BTreeMap;
use std::time::Instant;

use engine::domain::OperatorId;
use engine::testsuite::dni;
use engine::{Engine, JoinInput};

use super::month::operator;

/// Concurrent clients while the load is built or removed.
const CLIENTS: usize = 64;

/// The load's NIFs start here: far above the month's (`day × per_day + n`),
/// so its taxpayers have no history of their own.
const FIRST_NIF: u32 = 90_000_000;

/// The load in place: how many wait, how many operators hold one.
pub struct Load {
    waiting: usize,
    operators: u32,
}

/// Joins `tickets + operators` taxpayers, then operators `op-00000`… (all
/// configured) mark themselves available and press Atender: each takes one
/// of the first tickets (FIFO) and the rest wait. Answers the seconds taken.
/// Taxpayer `number` (a new NIF) joins the benchmark's service.
pub async fn join(engine: Engine, number: u32) {
    engine
        .join(JoinInput {
            nif: dni(number),
            name: format!("CONTRIBUYENTE {number}"),
            contrast: "x".to_string(),
            service: "BENCH".to_string(),
        })
        .await
        .expect("join");
}

pub async fn add(engine: &Engine, tickets: u32, operators: u32) -> (Load, f64) {
    let started = Instant::now();
    let numbers: Vec<u32> = (FIRST_NIF..FIRST_NIF + tickets + operators).collect();
    on_clients(engine, numbers, join).await;
    let map = BTreeMap::from([("BENCH".to_string(), true)]);
    let ids: Vec<OperatorId> = (0..operators).map(operator).collect();
    on_clients(engine, ids.clone(), move |engine, id| {
        let map = map.clone();
        async move {
            engine
                .set_availability(&id, &map)
                .await
                .expect("availability");
        }
    })
    .await;
    on_clients(engine, ids, |engine, id| async move {
        engine.attend(&id).await.expect("attend");
    })
    .await;
    engine.settle().await.expect("settles");
    let load = Load {
        waiting: tickets as usize,
        operators,
    };
    (load, started.elapsed().as_secs_f64())
}

/// Checks that a recovered engine holds the load: every holder's ticket and
/// every waiting ticket.
pub async fn check(engine: &Engine, load: &Load) {
    let figures = engine.inspect().await.expect("inspect");
    assert_eq!(
        figures.holding.len(),
        load.operators as usize,
        "every load operator holds a ticket after recovery"
    );
    let waiting: usize = figures.queues.values().map(Vec::len).sum();
    assert_eq!(
        waiting, load.waiting,
        "every load ticket waits after recovery"
    );
}

/// Runs `work` on every item, `CLIENTS` at a time; the answers, in no order.
pub async fn on_clients<T, R, F, Fut>(engine: &Engine, items: Vec<T>, work: F) -> Vec<R>
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(Engine, T) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = R> + Send,
{
    let chunk = items.len().div_ceil(CLIENTS).max(1);
    let mut items = items.into_iter().peekable();
    let mut tasks = Vec::new();
    while items.peek().is_some() {
        let part: Vec<T> = items.by_ref().take(chunk).collect();
        let (engine, work) = (engine.clone(), work.clone());
        tasks.push(tokio::spawn(async move {
            let mut answers = Vec::with_capacity(part.len());
            for item in part {
                answers.push(work(engine.clone(), item).await);
            }
            answers
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.expect("client task"));
    }
    all
}
