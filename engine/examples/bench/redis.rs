//! The engine on Redis (`ops/bench --with-redis`, or `--redis URL`): durable
//! joins and their latency, durable matches against the raw commit script,
//! the engine's CPU per match, and recovery.

use std::sync::Arc;
use std::time::{Duration, Instant};

use engine::clock::SystemClock;
use engine::meeting::LocalMeetings;
use engine::{Engine, EngineParts};

use super::{
    config, cpu_seconds, join_latency, micros, raw_commit, report, settings_from, timed_join_range,
};

/// A Redis store holding the dispatcher lease (an empty keyspace is the
/// caller's business: give the benchmark its own redis-server).
async fn redis_store(
    url: &str,
    min_replicas: u32,
) -> (
    Arc<dyn engine::store::Store>,
    engine::store::redis::RedisLease,
) {
    let options = engine::store::redis::RedisOptions {
        min_replicas,
        ..engine::store::redis::RedisOptions::default()
    };
    let store = engine::store::RedisStore::connect(url, options)
        .await
        .expect("redis reachable");
    let mut lease =
        engine::store::redis::RedisLease::acquire(&store, "bench", Duration::from_secs(30))
            .await
            .expect("lease");
    lease.keep_renewed();
    (Arc::new(store), lease)
}

/// How many clients press Atender at once in the Redis match phase
/// (`BENCH_MATCH_CLIENTS`, default 64).
fn match_clients() -> usize {
    std::env::var("BENCH_MATCH_CLIENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

/// Durable matches per second and recovery time, on Redis.
pub async fn redis_benchmarks(url: &str, tickets: u32, operators: u32, min_replicas: u32) {
    let (store, lease) = redis_store(url, min_replicas).await;
    report::row(&format!(
        "| min_replicas (WAIT before answering) | {min_replicas} |"
    ));
    let settings = settings_from(&config(operators));
    let engine = Engine::start(EngineParts {
        settings,
        store: Arc::clone(&store),
        meetings: Arc::new(LocalMeetings::new("")),
        clock: Arc::new(SystemClock),
    })
    .await
    .expect("engine starts");
    let sequential = join_latency(&engine, 0, 1_000).await;
    report::row(&format!(
        "| durable join latency, one client: p50 / p99 | {:.2} ms / {:.2} ms |",
        micros(&sequential, 0.5) / 1000.0,
        micros(&sequential, 0.99) / 1000.0
    ));
    let started = Instant::now();
    let latency = timed_join_range(&engine, 1_000, tickets + operators, 64).await;
    let joins = f64::from(tickets + operators - 1_000) / started.elapsed().as_secs_f64();
    report::row(&format!(
        "| durable joins per second (64 concurrent clients) | {joins:.0} /s |"
    ));
    report::figure("durable_joins_per_second", joins);
    report::figure(
        "durable_join_p99_ms_64_clients",
        micros(&latency, 0.99) / 1000.0,
    );
    report::row(&format!(
        "| durable join latency, 64 concurrent clients: p50 / p99 | {:.2} ms / {:.2} ms |",
        micros(&latency, 0.5) / 1000.0,
        micros(&latency, 0.99) / 1000.0
    ));
    let map = std::collections::BTreeMap::from([("BENCH".to_string(), true)]);
    let ids: Vec<engine::domain::OperatorId> = (0..operators)
        .map(|n| engine::domain::OperatorId::parse(&format!("op-{n:05}")).expect("id"))
        .collect();
    let mut setting = Vec::new();
    for chunk in ids.chunks(ids.len().div_ceil(64)) {
        let (engine, chunk, map) = (engine.clone(), chunk.to_vec(), map.clone());
        setting.push(tokio::spawn(async move {
            for id in &chunk {
                engine
                    .set_availability(id, &map)
                    .await
                    .expect("availability");
            }
        }));
    }
    for task in setting {
        task.await.expect("availability task");
    }
    eprintln!("bench: durable matches start");
    let started = Instant::now();
    let cpu_before = cpu_seconds();
    let mut tasks = Vec::new();
    for chunk in ids.chunks(ids.len().div_ceil(match_clients())) {
        let (engine, chunk) = (engine.clone(), chunk.to_vec());
        tasks.push(tokio::spawn(async move {
            for id in &chunk {
                engine.attend(id).await.expect("attend");
            }
        }));
    }
    for task in tasks {
        task.await.expect("attend task");
    }
    let elapsed = started.elapsed().as_secs_f64();
    let matches = f64::from(operators) / elapsed;
    let cpu = cpu_seconds() - cpu_before;
    report::row(&format!("| durable matches per second, {operators} operators pressing Atender ({} concurrent) | {matches:.0} /s |", match_clients()));
    report::row(&format!(
        "| engine CPU per durable match (process, all threads) / cores busy | {:.1} µs / {:.2} |",
        cpu / f64::from(operators) * 1e6,
        cpu / elapsed
    ));
    report::figure(
        "engine_cpu_us_per_durable_match",
        cpu / f64::from(operators) * 1e6,
    );
    report::figure("durable_matches_per_second", matches);
    raw_commit::compare(url, operators, matches).await;
    drop(engine);
    lease.release().await.expect("release the lease");
    drop(store);
    // Recovery: a new process's store and engine, rebuilt from Redis.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let store =
        engine::store::RedisStore::connect(url, engine::store::redis::RedisOptions::default())
            .await
            .expect("redis reachable");
    let lease = engine::store::redis::RedisLease::acquire_when_free(
        &store,
        "bench-recovery",
        Duration::from_secs(30),
        Duration::from_millis(50),
    );
    let lease = tokio::time::timeout(Duration::from_secs(60), lease)
        .await
        .expect("lease in time")
        .expect("lease");
    let lease_wait = started.elapsed();
    let started = Instant::now();
    let engine = Engine::start(EngineParts {
        settings: settings_from(&config(operators)),
        store: Arc::new(store),
        meetings: Arc::new(LocalMeetings::new("")),
        clock: Arc::new(SystemClock),
    })
    .await
    .expect("engine recovers");
    let recovery = started.elapsed();
    report::figure("recovery_seconds", recovery.as_secs_f64());
    let waiting = engine
        .views()
        .figures(&engine.catalog().services()[0].code)
        .map_or(0, |f| f.waiting());
    report::row(&format!(
        "| recovery to ready with {waiting} waiting tickets and {operators} operators ({} held) | {:.2} s (after {:.2} s waiting for the lease) |",
        operators,
        recovery.as_secs_f64(),
        lease_wait.as_secs_f64()
    ));
    drop(lease);
}
