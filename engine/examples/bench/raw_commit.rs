//! The raw commit script's rate on the benchmark's Redis (`--redis`): the
//! ceiling the durable matches are stated against
//! (`durable_matches_ratio_to_raw`, issue 10's goal ≥ 0.34).
//!
//! The changes are the ones a match really commits: an in-memory engine with
//! `operators` operators and as many waiting tickets lets every operator
//! press Atender, and its event log is replayed. The joins and availability
//! changes set the keyspace up (not timed); the match phase's changes are
//! staged in batches of the writer's `max_batch`, encoded beforehand, and
//! sent in order in one pipeline of `EVALSHA`s on one connection: one
//! ordered writer that never waits for a reply. Each round runs in a fresh
//! namespace of its own, deleted afterwards, so the engine's keyspace is
//! untouched.

use std::sync::Arc;
use std::time::{Duration, Instant};

use engine::clock::SystemClock;
use engine::meeting::LocalMeetings;
use engine::store::redis::raw::{RawCommits, StagedCall};
use engine::store::redis::{RedisLease, RedisOptions};
use engine::store::{Change, MemoryStore, RedisStore, Store};
use engine::testsuite::settings_from;
use engine::{Engine, EngineParts};

/// Timed rounds; the figure is all their matches over all their time.
const ROUNDS: u32 = 5;

/// The changes of `operators` matches, as the engine commits them: the
/// set-up (joins, availability) and the match phase (every Atender's).
async fn match_changes(operators: u32) -> (Vec<Change>, Vec<Change>) {
    let store = Arc::new(MemoryStore::with_event_capacity(operators as usize * 4));
    let engine = Engine::start(EngineParts {
        settings: settings_from(&super::config(operators)),
        store: Arc::clone(&store) as Arc<dyn Store>,
        meetings: Arc::new(LocalMeetings::new("")),
        clock: Arc::new(SystemClock),
    })
    .await
    .expect("engine starts");
    super::join_range(&engine, 0, operators, 8).await;
    let map = std::collections::BTreeMap::from([("BENCH".to_string(), true)]);
    let ids: Vec<engine::domain::OperatorId> = (0..operators)
        .map(|n| engine::domain::OperatorId::parse(&format!("op-{n:05}")).expect("id"))
        .collect();
    for id in &ids {
        engine
            .set_availability(id, &map)
            .await
            .expect("availability");
    }
    let setup = store.events(0, usize::MAX).await.expect("events").len();
    for id in &ids {
        engine.attend(id).await.expect("attend");
    }
    let mut all: Vec<Change> = store
        .events(0, usize::MAX)
        .await
        .expect("events")
        .into_iter()
        .map(|logged| logged.change)
        .collect();
    let matching = all.split_off(setup);
    (all, matching)
}

/// `changes` staged in batches of `max_batch`, in order.
fn staged(raw: &mut RawCommits, changes: &[Change], max_batch: usize) -> Vec<StagedCall> {
    changes
        .chunks(max_batch)
        .map(|batch| raw.stage(batch.to_vec()).expect("every change commits"))
        .collect()
}

/// Measures the raw rate and reports `durable` (durable matches per second,
/// measured just before on the same Redis) as a ratio of it.
pub async fn compare(url: &str, operators: u32, durable: f64) {
    let raw = raw_commit_rate(url, operators).await;
    let ratio = durable / raw;
    super::report::row(&format!(
        "| durable matches / raw commit script (goal ≥ 0.34 with everysec) | {ratio:.2} |"
    ));
    super::report::figure("durable_matches_ratio_to_raw", ratio);
}

/// Matches per second of the commit script alone (see the module doc).
async fn raw_commit_rate(url: &str, operators: u32) -> f64 {
    let (setup, matching) = match_changes(operators).await;
    let matches = matching
        .iter()
        .filter(|change| matches!(change, Change::Matched { .. }))
        .count();
    assert_eq!(matches, operators as usize, "every press matched");
    let mut elapsed = Duration::ZERO;
    for round in 0..ROUNDS {
        let options = RedisOptions {
            namespace: format!("bench-raw-{round}"),
            // One pipeline holds a round's whole match phase.
            command_timeout: Duration::from_secs(60),
            ..RedisOptions::default()
        };
        let max_batch = options.max_batch.max(1);
        let store = RedisStore::connect(url, options)
            .await
            .expect("redis reachable");
        let lease = RedisLease::acquire(&store, "bench-raw", Duration::from_secs(60))
            .await
            .expect("lease");
        let mut raw = RawCommits::new(&store);
        raw.discard().await.expect("an empty namespace");
        let calls = staged(&mut raw, &setup, max_batch);
        raw.send(&calls).await.expect("set-up commits");
        let calls = staged(&mut raw, &matching, max_batch);
        let started = Instant::now();
        raw.send(&calls).await.expect("match commits");
        elapsed += started.elapsed();
        raw.discard().await.expect("clean up");
        lease.release().await.expect("release the lease");
    }
    let rate = (matches as f64 * f64::from(ROUNDS)) / elapsed.as_secs_f64();
    super::report::row(&format!(
        "| raw commit script, match batches ({operators} matches, {} per call, pipelined EVALSHA, one ordered connection; {ROUNDS} rounds) | {rate:.0} /s |",
        RedisOptions::default().max_batch
    ));
    super::report::figure("raw_commit_script_per_second", rate);
    rate
}
