//! The month benchmark (issue 12): `--month` simulates `--days` days of
//! `--per-day` attentions on the manual clock with the default retention,
//! on the memory store or (`--redis URL`) on Redis. Every morning the
//! retention passes run (until no ended ticket is left to forget and one
//! whole sweep of the histories has been made), then the row is taken:
//! process RSS, live heap, Redis's `used_memory` and keys, what the passes
//! removed and how long the slowest took. After the last day's row,
//! recovery is timed with a standing load in the store (`month_load.rs`:
//! 100,000 waiting and 10,000 operators holding one, unless told otherwise)
//! on top of what the month retained: a new engine on the same memory
//! store, or a new Redis store and engine reading everything back. Day 2's
//! recovery is that of a `--days 2` run.

use std::sync::Arc;
use std::time::{Duration, Instant};

use engine::clock::{ManualClock, SharedClock};
use engine::meeting::LocalMeetings;
use engine::store::Store;
use engine::testsuite::{madrid, settings_from};
use engine::{Engine, EngineParts, FinalizeInput};

use super::month_load::{self, on_clients};
use super::month_store::{MonthStore, RedisMemory, ScriptTimes};
use super::{config, cpu_seconds, live_bytes, report, rss_bytes};

/// `--short-retention`: events and history kept one day instead of the
/// defaults (30 and 1461 days), to tell what they hold from the rest.
const SHORT_RETENTION: &str = "\n[retention]\nevents = \"1d\"\nhistory = \"1d\"\n";

/// From one day's work to the next: a day and a minute, so the morning's
/// passes find the day before's tickets past `ended_tickets` (24 h), and the
/// clock never goes back (the event stream's times follow its ids, which
/// the Redis trim's search relies on).
const STEP: jiff::SignedDuration = jiff::SignedDuration::from_mins(24 * 60 + 1);

/// Recoveries timed each time, one after the other: the figure is their
/// median.
const RECOVERY_ROUNDS: usize = 5;

/// `ops/bench --month …`, as parsed.
pub struct MonthOptions {
    pub days: u32,
    pub per_day: u32,
    /// Operators serving the day's attentions.
    pub operators: u32,
    pub short_retention: bool,
    /// `--redis URL`: the Redis store on that (empty) server.
    pub redis: Option<String>,
    /// `--load-tickets`: waiting tickets during the recoveries.
    pub load_tickets: u32,
    /// `--load-operators`: operators holding a ticket during them.
    pub load_operators: u32,
}

/// One morning's row.
struct Day {
    rss: u64,
    heap: i64,
    redis: Option<RedisMemory>,
}

/// What one morning's retention passes did.
#[derive(Default)]
struct Pruned {
    forgotten: u64,
    events: u64,
    annotations: u64,
    passes: u32,
    /// Passes the last whole sweep of the histories took.
    sweep_passes: u32,
    /// The slowest pass that forgot no ticket: the store's trim alone.
    slowest_trim: Duration,
    /// All those passes' time, and how many there were.
    trim_time: Duration,
    trim_passes: u32,
}

async fn start(options: &MonthOptions, store: Arc<dyn Store>, clock: SharedClock) -> Engine {
    let retention = if options.short_retention {
        SHORT_RETENTION
    } else {
        ""
    };
    let operators = options.operators.max(options.load_operators);
    Engine::start(EngineParts {
        settings: settings_from(&format!("{}{retention}", config(operators))),
        store,
        meetings: Arc::new(LocalMeetings::new("")),
        clock,
    })
    .await
    .expect("engine starts")
}

pub fn operator(n: u32) -> engine::domain::OperatorId {
    engine::domain::OperatorId::parse(&format!("op-{n:05}")).expect("id")
}

/// One working day: `per_day` taxpayers join (each a new NIF, so every
/// attention adds to the retained history), `operators` operators serve
/// them all (Iniciar, then Finalizar y Atender siguiente; the last ones
/// Finalizar e Interrumpir).
async fn working_day(engine: &Engine, day: u32, per_day: u32, operators: u32) {
    let numbers: Vec<u32> = (day * per_day..(day + 1) * per_day).collect();
    on_clients(engine, numbers, month_load::join).await;
    let share = per_day / operators;
    let mut tasks = Vec::new();
    for n in 0..operators {
        let engine = engine.clone();
        let cycles = share + u32::from(n < per_day % operators);
        tasks.push(tokio::spawn(async move {
            let id = operator(n);
            if cycles == 0 {
                return;
            }
            engine.attend(&id).await.expect("attend");
            for cycle in 0..cycles {
                engine.start_meeting(&id).await.expect("start");
                let last = cycle + 1 == cycles;
                let finalize = FinalizeInput {
                    outcome: "success".to_string(),
                    observations: Some("Atendido".to_string()),
                    represented_nif: None,
                    next: if last { "interrupt" } else { "attend" }.to_string(),
                };
                engine.finalize(&id, finalize).await.expect("finalize");
            }
        }));
    }
    for task in tasks {
        task.await.expect("operator task");
    }
}

/// The morning's retention passes, as the janitor would run them every ten
/// seconds: until one forgets no ticket and drops no event and, after the
/// sweep under way ends, one whole sweep of the histories under this
/// morning's cutoffs.
async fn prune(engine: &Engine, backend: &mut MonthStore) -> Pruned {
    let mut pruned = Pruned::default();
    let (mut sweeps_ended, mut this_sweep) = (0, 0);
    loop {
        let started = Instant::now();
        let pass = engine.prune_now().await.expect("prune");
        let took = started.elapsed();
        assert!(!pass.failed, "a retention pass failed");
        backend.collect_script_times().await;
        pruned.passes += 1;
        this_sweep += 1;
        pruned.forgotten += pass.tickets as u64;
        pruned.events += pass.store.events;
        pruned.annotations += pass.store.annotations;
        if pass.tickets == 0 {
            pruned.slowest_trim = pruned.slowest_trim.max(took);
            pruned.trim_time += took;
            pruned.trim_passes += 1;
        }
        if pass.store.history_complete {
            sweeps_ended += 1;
            pruned.sweep_passes = this_sweep;
            this_sweep = 0;
        }
        // A pass drops a bounded number of events (the memory store's
        // `DROPPED_PER_PASS`): one that dropped any may have left more.
        if pass.tickets == 0 && pass.store.events == 0 && sweeps_ended >= 2 {
            return pruned;
        }
    }
}

fn mib(bytes: f64) -> String {
    format!("{:.1} MiB", bytes / 1048576.0)
}

pub async fn month_benchmark(options: MonthOptions) {
    let mut backend = match &options.redis {
        Some(url) => MonthStore::redis(url).await,
        None => MonthStore::memory(),
    };
    let (days, per_day, operators) = (options.days, options.per_day, options.operators);
    // A Monday, 09:00; each day's work one `STEP` after the day before's.
    let first = madrid("2026-11-30 09:00");
    let clock = ManualClock::new(first);
    let shared: SharedClock = Arc::clone(&clock) as SharedClock;
    let mut engine = start(&options, backend.store(), Arc::clone(&shared)).await;
    let map = std::collections::BTreeMap::from([("BENCH".to_string(), true)]);
    for n in 0..operators {
        engine
            .set_availability(&operator(n), &map)
            .await
            .expect("availability");
    }
    report::row(&format!(
        "| day ({per_day} attentions a day, {operators} operators; after the morning's passes) | RSS | live heap | Redis used_memory | Redis keys | events kept (stream size) | tickets held | forgotten | annotations dropped | events dropped | passes (last history sweep) | trim pass: mean / slowest | trim script in Redis: runs, mean / slowest | simulated in |"
    ));
    report::row("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    let mut rows: Vec<Day> = Vec::new();
    for day in 0..days {
        let started = Instant::now();
        let at = first.checked_add(STEP * day as i32).expect("in range");
        clock.set(at);
        working_day(&engine, day, per_day, operators).await;
        engine.settle().await.expect("settles");
        let held = engine.views().ticket_count();
        clock.set(at.checked_add(STEP).expect("in range"));
        backend.watch_commands().await;
        let mut pruned = prune(&engine, &mut backend).await;
        // The janitor's own pass (every ten seconds of real time) may have
        // come first: what it did is not in the passes' reports.
        pruned.forgotten = (held - engine.views().ticket_count()) as u64;
        let script = backend.trim_script_times().await;
        let row = Day {
            rss: rss_bytes(),
            heap: live_bytes(),
            redis: backend.redis_memory().await,
        };
        print_row(day, &row, &pruned, script, &engine, started.elapsed());
        rows.push(row);
        if day + 1 == days {
            // Only after the last row: the standing load and the engines
            // started and dropped would be in every later row (what the
            // load leaves in the event log and histories; the pages the
            // allocator keeps). Day 2's recovery is the last day of a
            // `--days 2` run: the same state, the month being replayed
            // exactly.
            let load = month_load::add(&engine, options.load_tickets, options.load_operators).await;
            let (recovered, seconds) =
                recover(engine, &mut backend, &options, &shared, load, day).await;
            engine = recovered;
            report::figure("month_recovery_seconds_last", seconds);
        }
    }
    summary(&options, &rows);
}

fn print_row(
    day: u32,
    row: &Day,
    pruned: &Pruned,
    script: Option<ScriptTimes>,
    engine: &Engine,
    took: Duration,
) {
    let (used, keys, events) = match &row.redis {
        Some(redis) => (
            mib(redis.used_memory as f64),
            redis.keys.to_string(),
            format!("{} ({})", redis.events, mib(redis.events_bytes as f64)),
        ),
        None => ("–".to_string(), "–".to_string(), "–".to_string()),
    };
    let script = match script {
        Some(times) => format!(
            "{}, {:.2} / {:.2} ms",
            times.calls,
            times.total_micros as f64 / 1000.0 / times.calls.max(1) as f64,
            times.slowest_micros as f64 / 1000.0
        ),
        None => "–".to_string(),
    };
    report::row(&format!(
        "| {} | {} | {} | {used} | {keys} | {events} | {} | {} | {} | {} | {} ({}) | {:.2} / {:.1} ms | {script} | {:.1} s |",
        day + 1,
        mib(row.rss as f64),
        mib(row.heap as f64),
        engine.views().ticket_count(),
        pruned.forgotten,
        pruned.annotations,
        pruned.events,
        pruned.passes,
        pruned.sweep_passes,
        pruned.trim_time.as_secs_f64() * 1000.0 / f64::from(pruned.trim_passes.max(1)),
        pruned.slowest_trim.as_secs_f64() * 1000.0,
        took.as_secs_f64()
    ));
}

/// Recovery: a new engine rebuilt from what the store kept, a few times
/// (one start is at the mercy of the shared machine), with the CPU time it
/// took in this process and in Redis (which the machine's other load moves
/// far less than the wall time). Answers the last engine and the median
/// wall time.
async fn recover(
    mut engine: Engine,
    backend: &mut MonthStore,
    options: &MonthOptions,
    clock: &SharedClock,
    (load, built): (month_load::Load, f64),
    day: u32,
) -> (Engine, f64) {
    let (mut starts, mut cpu) = (Vec::new(), Vec::new());
    for _ in 0..RECOVERY_ROUNDS {
        drop(engine);
        let store = backend.reopen().await;
        let (cpu_before, redis_before) = (cpu_seconds(), backend.redis_cpu_seconds().await);
        let started = Instant::now();
        engine = start(options, store, Arc::clone(clock)).await;
        starts.push(started.elapsed().as_secs_f64());
        let redis = backend.redis_cpu_seconds().await - redis_before;
        cpu.push((cpu_seconds() - cpu_before, redis));
        month_load::check(&engine, &load).await;
        // An engine dropped before every actor has started panics in
        // actix's shutdown (an interval started with no reactor left) and
        // leaks what it held: let them all start first.
        engine.settle().await.expect("settles");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    starts.sort_by(f64::total_cmp);
    let seconds = starts[starts.len() / 2];
    cpu.sort_by(|a, b| (a.0 + a.1).total_cmp(&(b.0 + b.1)));
    let (process_cpu, redis_cpu) = cpu[cpu.len() / 2];
    let starts: Vec<String> = starts.iter().map(|s| format!("{s:.3}")).collect();
    report::row(&format!(
        "| recovery at day {} ({} waiting, {} operators holding one; built in {built:.1} s): median of {RECOVERY_ROUNDS} | {seconds:.3} s ({} s); CPU {:.2} s (process {process_cpu:.2} s, Redis {redis_cpu:.2} s) |",
        day + 1,
        options.load_tickets,
        options.load_operators,
        starts.join(", "),
        process_cpu + redis_cpu
    ));
    report::figure(
        &format!("month_recovery_cpu_seconds_day{}", day + 1),
        process_cpu + redis_cpu,
    );
    (engine, seconds)
}

/// Day 2 against the last day, and growth per retained attention (the
/// recoveries are compared across runs: see above).
fn summary(options: &MonthOptions, rows: &[Day]) {
    let (Some(second), Some(last)) = (rows.get(1), rows.last()) else {
        return;
    };
    let ratio = last.rss as f64 / second.rss as f64;
    report::figure("month_rss_last_over_day2", ratio);
    report::row(&format!("| RSS last day / day 2 | {ratio:.2} |"));
    let ratio = last.heap as f64 / second.heap as f64;
    report::figure("month_heap_last_over_day2", ratio);
    report::row(&format!("| live heap last day / day 2 | {ratio:.2} |"));
    if let (Some(second), Some(last)) = (second.redis, last.redis) {
        let ratio = last.used_memory as f64 / second.used_memory as f64;
        report::figure("month_used_memory_last_over_day2", ratio);
        report::row(&format!(
            "| Redis used_memory last day / day 2 | {ratio:.2} |"
        ));
    }
    // Between day 3 and the day before last nothing retained is old enough
    // to go with the default windows: the slope is what one more day of
    // attentions keeps.
    let days = options.days as usize;
    if days >= 5 {
        let (from, to) = (&rows[2], &rows[days - 2]);
        let attentions = f64::from(options.per_day) * (days - 4) as f64;
        let per = |a: f64, b: f64| (b - a) / attentions;
        let mut line = format!(
            "| growth per attention, day 3 → day {}: RSS / live heap | {:.0} / {:.0} bytes",
            days - 1,
            per(from.rss as f64, to.rss as f64),
            per(from.heap as f64, to.heap as f64),
        );
        report::figure(
            "month_heap_bytes_per_attention",
            per(from.heap as f64, to.heap as f64),
        );
        if let (Some(a), Some(b)) = (from.redis, to.redis) {
            let used = per(a.used_memory as f64, b.used_memory as f64);
            report::figure("month_used_memory_bytes_per_attention", used);
            line.push_str(&format!(
                "; Redis used_memory {used:.0} bytes (event stream {:.0})",
                per(a.events_bytes as f64, b.events_bytes as f64)
            ));
        }
        report::row(&format!("{line} |"));
    }
}
