//! The engine benchmark (no HTTP): match throughput, memory per waiting
//! ticket and join latency against queue length, with the in-memory store.
//!
//! Run with `ops/bench` (release build). Prints a Markdown table for
//! BENCHMARKS.md. Sizes can be lowered for a quick look:
//! `ops/bench --tickets 100000 --operators 64 --seconds 5`; the presence
//! case alone (half the queue absent against all present):
//! `ops/bench --only presence`. With `--json` the rows go to stderr and
//! stdout gets one JSON object of named figures (`matches_per_second`,
//! `durable_matches_per_second`, `durable_joins_per_second`,
//! `raw_commit_script_per_second`, `durable_matches_ratio_to_raw`,
//! `recovery_seconds`, `bytes_per_waiting_ticket`, …). The month benchmark
//! (issue 12, `bench/month.rs`): `ops/bench --month [--days N]
//! [--per-day N] [--short-retention]`, on Redis with
//! `ops/bench --with-redis --month …` (a private redis-server).

use std::sync::Arc;
use std::time::{Duration, Instant};

use engine::clock::{SharedClock, SystemClock};
use engine::meeting::LocalMeetings;
use engine::store::MemoryStore;
use engine::testsuite::{dni, settings_from};
use engine::{Engine, EngineParts, FinalizeInput, JoinInput};
use hdrhistogram::Histogram;

#[path = "bench/month.rs"]
mod month;
#[path = "bench/month_load.rs"]
mod month_load;
#[path = "bench/month_store.rs"]
mod month_store;
#[path = "bench/presence.rs"]
mod presence;
#[path = "bench/raw_commit.rs"]
mod raw_commit;
#[path = "bench/redis.rs"]
mod redis;
#[path = "bench/report.rs"]
mod report;

/// Counts live heap bytes, so memory per ticket is measured exactly rather
/// than through RSS (which freed-but-kept pages blur).
struct Counting;

static LIVE_BYTES: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);

unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size() as i64, std::sync::atomic::Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { std::alloc::System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        LIVE_BYTES.fetch_sub(layout.size() as i64, std::sync::atomic::Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live_bytes() -> i64 {
    LIVE_BYTES.load(std::sync::atomic::Ordering::Relaxed)
}

struct Options {
    tickets: u32,
    operators: u32,
    seconds: u64,
    /// `--redis URL`: measure durable matches and recovery on Redis instead.
    redis: Option<String>,
    /// `--only presence`: just the presence case.
    only_presence: bool,
    /// `--only matches`: just the in-memory burst of matches, three times.
    only_matches: bool,
    /// `--min-replicas N` (with `--redis`): each commit waits for N replicas.
    min_replicas: u32,
    /// `--month`: the month benchmark, `--days` days of `--per-day` attentions.
    month: bool,
    /// `--short-retention` (with `--month`): events and history kept a day.
    short_retention: bool,
    days: u32,
    per_day: u32,
    /// `--load-tickets N` (with `--month`): waiting during the recoveries.
    load_tickets: u32,
    /// `--load-operators N` (with `--month`): holding one during them.
    load_operators: u32,
}

fn options() -> Options {
    let mut options = Options {
        tickets: 1_000_000,
        operators: 64,
        seconds: 10,
        redis: None,
        only_presence: false,
        only_matches: false,
        min_replicas: 0,
        month: false,
        short_retention: false,
        days: 30,
        per_day: 20_000,
        load_tickets: 100_000,
        load_operators: 10_000,
    };
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|arg| arg == "--json") {
        args.retain(|arg| arg != "--json");
        report::use_json();
    }
    if args.iter().any(|arg| arg == "--month") {
        args.retain(|arg| arg != "--month");
        options.month = true;
    }
    if args.iter().any(|arg| arg == "--short-retention") {
        args.retain(|arg| arg != "--short-retention");
        options.short_retention = true;
    }
    for pair in args.chunks(2) {
        let value = pair.get(1).and_then(|v| v.parse::<u64>().ok());
        if pair[0] == "--redis" {
            options.redis = pair.get(1).cloned();
            continue;
        }
        if pair[0] == "--only" && pair.get(1).is_some_and(|v| v == "presence") {
            options.only_presence = true;
            continue;
        }
        if pair[0] == "--only" && pair.get(1).is_some_and(|v| v == "matches") {
            options.only_matches = true;
            continue;
        }
        match (pair[0].as_str(), value) {
            ("--tickets", Some(v)) => options.tickets = v as u32,
            ("--operators", Some(v)) => options.operators = v as u32,
            ("--seconds", Some(v)) => options.seconds = v,
            ("--min-replicas", Some(v)) => options.min_replicas = v as u32,
            ("--days", Some(v)) => options.days = v as u32,
            ("--per-day", Some(v)) => options.per_day = v as u32,
            ("--load-tickets", Some(v)) => options.load_tickets = v as u32,
            ("--load-operators", Some(v)) => options.load_operators = v as u32,
            _ => {
                eprintln!("usage: bench [--tickets N] [--operators N] [--seconds N] [--redis URL [--min-replicas N]] [--only presence|matches] [--month [--days N] [--per-day N] [--short-retention] [--load-tickets N] [--load-operators N] [--redis URL]] [--json]");
                std::process::exit(2);
            }
        }
    }
    options
}

/// A configuration with one all-day service and `operators` operators.
fn config(operators: u32) -> String {
    let mut text = String::from(
        "[calendar]\ntimezone = \"Europe/Madrid\"\nholidays = []\n\n\
         [[services]]\ncode = \"BENCH\"\ndescription = \"Benchmark\"\ndays = \"every_day\"\n\
         open = \"00:00\"\nclose = \"24:00\"\nattention_minutes = 4\n",
    );
    for n in 0..operators {
        text.push_str(&format!(
            "\n[[operators]]\nid = \"op-{n:05}\"\nname = \"Operador {n}\"\nid_number = \"B-{n:05}\"\npassword = \"bench\"\n"
        ));
    }
    text
}

async fn start(operators: u32) -> Engine {
    start_on(operators, Arc::new(SystemClock)).await
}

/// [`start`] on `clock` (the presence case moves a manual one).
async fn start_on(operators: u32, clock: SharedClock) -> Engine {
    Engine::start(EngineParts {
        settings: settings_from(&config(operators)),
        // The event log is the store's business, not the engine's: keep it off.
        store: Arc::new(MemoryStore::with_event_capacity(0)),
        meetings: Arc::new(LocalMeetings::new("")),
        clock,
    })
    .await
    .expect("engine starts")
}

fn join_input(n: u32) -> JoinInput {
    JoinInput {
        nif: dni(n),
        name: format!("CONTRIBUYENTE {n}"),
        contrast: "x".to_string(),
        service: "BENCH".to_string(),
    }
}

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// CPU time this process has used, every thread (`/proc/self/stat` utime
/// and stime, in the kernel's 100 Hz ticks): unlike wall time, hardly
/// moved by what else runs on a shared machine.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The command name, in parentheses, may hold spaces: count after it.
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let ticks: u64 = after_name
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|v| v.parse::<u64>().ok())
        .sum();
    ticks as f64 / 100.0
}

/// Joins tickets `from..to` with `concurrency` clients.
async fn join_range(engine: &Engine, from: u32, to: u32, concurrency: u32) {
    let mut tasks = Vec::new();
    for client in 0..concurrency {
        let engine = engine.clone();
        tasks.push(tokio::spawn(async move {
            let mut n = from + client;
            while n < to {
                engine.join(join_input(n)).await.expect("join");
                n += concurrency;
            }
        }));
    }
    for task in tasks {
        task.await.expect("join task");
    }
}

/// Joins tickets `from..to` with `concurrency` clients; every join's latency.
async fn timed_join_range(engine: &Engine, from: u32, to: u32, concurrency: u32) -> Histogram<u64> {
    let mut tasks = Vec::new();
    for client in 0..concurrency {
        let engine = engine.clone();
        tasks.push(tokio::spawn(async move {
            let mut histogram = Histogram::<u64>::new(3).expect("histogram");
            let mut n = from + client;
            while n < to {
                let started = Instant::now();
                engine.join(join_input(n)).await.expect("join");
                histogram
                    .record(started.elapsed().as_nanos() as u64)
                    .expect("record");
                n += concurrency;
            }
            histogram
        }));
    }
    let mut all = Histogram::<u64>::new(3).expect("histogram");
    for task in tasks {
        all.add(task.await.expect("join task"))
            .expect("same bounds");
    }
    all
}

/// Sequential join latencies for `count` tickets starting at `from`.
async fn join_latency(engine: &Engine, from: u32, count: u32) -> Histogram<u64> {
    let mut histogram = Histogram::<u64>::new(3).expect("histogram");
    for n in from..from + count {
        let started = Instant::now();
        engine.join(join_input(n)).await.expect("join");
        histogram
            .record(started.elapsed().as_nanos() as u64)
            .expect("record");
    }
    histogram
}

/// Operators loop Iniciar → Finalizar y Atender siguiente against a deep queue.
async fn matches_per_second(operators: u32, seconds: u64) -> (u64, f64) {
    let engine = start(operators).await;
    // Deep enough never to run dry: well above the rate times the duration.
    let queue = (150_000 * seconds as u32).max(operators * 20);
    join_range(&engine, 0, queue, 8).await;
    let map = std::collections::BTreeMap::from([("BENCH".to_string(), true)]);
    for n in 0..operators {
        let id = engine::domain::OperatorId::parse(&format!("op-{n:05}")).expect("id");
        engine
            .set_availability(&id, &map)
            .await
            .expect("availability");
        engine.attend(&id).await.expect("attend");
    }
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for n in 0..operators {
        let engine = engine.clone();
        tasks.push(tokio::spawn(async move {
            let id = engine::domain::OperatorId::parse(&format!("op-{n:05}")).expect("id");
            let mut matches = 0u64;
            while Instant::now() < deadline {
                engine.start_meeting(&id).await.expect("start");
                let finalize = FinalizeInput {
                    outcome: "success".to_string(),
                    observations: None,
                    represented_nif: None,
                    next: "attend".to_string(),
                };
                engine.finalize(&id, finalize).await.expect("finalize");
                matches += 1;
            }
            matches
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += task.await.expect("operator task");
    }
    let elapsed = started.elapsed().as_secs_f64();
    (total, total as f64 / elapsed)
}

/// `operators` operators press Atender Contribuyente at once against a deep
/// queue: every press is one dispatcher match, with nothing else in between.
async fn burst_of_matches(operators: u32) -> f64 {
    let engine = start(operators).await;
    join_range(&engine, 0, operators * 2, 8).await;
    press_atender(&engine, operators).await
}

/// `operators` operators (`op-00000`…) mark themselves available for BENCH,
/// then all press Atender Contribuyente at once from 64 tasks: answers
/// matches per second, once every press has matched.
async fn press_atender(engine: &Engine, operators: u32) -> f64 {
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
    let started = Instant::now();
    let mut tasks = Vec::new();
    for chunk in ids.chunks(ids.len().div_ceil(64)) {
        let engine = engine.clone();
        let chunk = chunk.to_vec();
        tasks.push(tokio::spawn(async move {
            for id in &chunk {
                engine.attend(id).await.expect("attend");
            }
        }));
    }
    for task in tasks {
        task.await.expect("attend task");
    }
    let rate = f64::from(operators) / started.elapsed().as_secs_f64();
    let figures = engine.inspect().await.expect("inspect");
    assert_eq!(
        figures.holding.len(),
        operators as usize,
        "every press matched"
    );
    rate
}

fn micros(histogram: &Histogram<u64>, quantile: f64) -> f64 {
    histogram.value_at_quantile(quantile) as f64 / 1000.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() {
    let options = options();
    if options.month {
        month::month_benchmark(month::MonthOptions {
            days: options.days,
            per_day: options.per_day,
            operators: options.operators,
            short_retention: options.short_retention,
            redis: options.redis.clone(),
            load_tickets: options.load_tickets,
            load_operators: options.load_operators,
        })
        .await;
        report::finish();
        return;
    }
    if let Some(url) = &options.redis {
        redis::redis_benchmarks(
            url,
            options.tickets,
            options.operators,
            options.min_replicas,
        )
        .await;
        report::finish();
        return;
    }
    if options.only_matches {
        // The in-memory match burst alone, three times in fresh engines.
        for _ in 0..3 {
            let burst = burst_of_matches(10_000).await;
            report::figure("matches_per_second", burst);
            report::row(&format!("| matches per second, 10,000 operators pressing Atender against a deep queue | {burst:.0} /s |"));
        }
        report::finish();
        return;
    }
    if options.only_presence {
        presence::presence_benchmarks(options.tickets).await;
        report::finish();
        return;
    }

    // Memory and latency first, in a fresh process, so nothing freed by an
    // earlier phase hides in the numbers.
    let engine = start(1).await;
    join_range(&engine, 0, 10_000, 8).await;
    let small = join_latency(&engine, 10_000, 10_000).await;
    let (heap_before, rss_before) = (live_bytes(), rss_bytes());
    join_range(&engine, 20_000, options.tickets, 8).await;
    let (heap_after, rss_after) = (live_bytes(), rss_bytes());
    let large = join_latency(&engine, options.tickets, 10_000).await;
    let filled = f64::from(options.tickets - 20_000);
    let heap_per_ticket = (heap_after - heap_before) as f64 / filled;
    let rss_per_ticket = rss_after.saturating_sub(rss_before) as f64 / filled;
    report::figure("bytes_per_waiting_ticket", heap_per_ticket);
    report::figure("rss_bytes_per_waiting_ticket", rss_per_ticket);
    let waiting = engine
        .views()
        .figures(&engine.catalog().services()[0].code)
        .map_or(0, |f| f.waiting());
    report::row(&format!(
        "| waiting tickets at the end of the fill | {waiting} |"
    ));
    report::row(&format!(
        "| memory per waiting ticket: live heap (actor, mailbox, snapshot, queue entry, store record) | {heap_per_ticket:.0} bytes ({:.2} KiB) |",
        heap_per_ticket / 1024.0
    ));
    report::row(&format!(
        "| memory per waiting ticket: process RSS growth | {rss_per_ticket:.0} bytes ({:.2} KiB) |",
        rss_per_ticket / 1024.0
    ));
    report::row(&format!(
        "| join latency at ~10k waiting: p50 / p99 | {:.1} µs / {:.1} µs |",
        micros(&small, 0.5),
        micros(&small, 0.99)
    ));
    report::row(&format!(
        "| join latency at ~{}k waiting: p50 / p99 | {:.1} µs / {:.1} µs |",
        options.tickets / 1000,
        micros(&large, 0.5),
        micros(&large, 0.99)
    ));
    report::row(&format!(
        "| join p50 ratio (large / small queue) | {:.2} |",
        micros(&large, 0.5) / micros(&small, 0.5)
    ));
    drop(engine);

    let burst = burst_of_matches(10_000).await;
    report::figure("matches_per_second", burst);
    report::row(&format!("| matches per second, 10,000 operators pressing Atender against a deep queue | {burst:.0} /s |"));

    let (matches, rate) = matches_per_second(options.operators, options.seconds).await;
    report::figure("attention_cycles_per_second", rate);
    report::row(&format!(
        "| matches per second ({} operators; each match is one Iniciar + Finalizar y Atender siguiente cycle: 3 commits) | {rate:.0} /s ({matches} matches) |",
        options.operators
    ));

    presence::presence_benchmarks(options.tickets).await;
    report::finish();
}
