//! The presence case: join and match figures with a deep queue of which half
//! the taxpayers are absent, against the same queue all present, in one run.
//!
//! Each case fills a fresh engine on a manual clock, moves the clock past
//! `absent_after` and stamps a poll for the tickets that stay present, so
//! the cases differ only in who polled. "Set aside" runs presence sweeps
//! until the dispatcher holds every silent ticket aside (what a queue looks
//! like a while after the silences began); "not yet swept" measures at once,
//! when the match path itself meets the silent heads and sets them aside.

use std::sync::Arc;
use std::time::Instant;

use engine::clock::{Clock as _, ManualClock, SharedClock};
use engine::Engine;

use super::{join_latency, join_range, live_bytes, micros, press_atender, start_on};

/// Operators pressing Atender at once in each case (as the burst above).
const OPERATORS: u32 = 10_000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Case {
    AllPresent,
    HalfAbsentSetAside,
    HalfAbsentNotYetSwept,
}

impl Case {
    fn label(self) -> &'static str {
        match self {
            Case::AllPresent => "all present",
            Case::HalfAbsentSetAside => "half absent, set aside by the sweeps",
            Case::HalfAbsentNotYetSwept => {
                "half absent, not yet swept (matches set silent heads aside)"
            }
        }
    }
}

struct Figures {
    join_p50: f64,
    join_p99: f64,
    matches: f64,
    /// CPU time of the engine's thread per match, µs: what contention on
    /// the shared machine blurs least.
    match_cpu: f64,
    /// Same, per join.
    join_cpu: f64,
}

/// Rounds of the two steady cases, alternated, best of each taken: the
/// machine is shared, and a burst of matches lasts well under a second.
const ROUNDS: usize = 2;

/// Runs the cases on `tickets` waiting tickets and prints their rows.
pub async fn presence_benchmarks(tickets: u32) {
    let mut present = Vec::new();
    let mut aside = Vec::new();
    for _ in 0..ROUNDS {
        present.push(run(Case::AllPresent, tickets).await);
        aside.push(run(Case::HalfAbsentSetAside, tickets).await);
    }
    let unswept = vec![run(Case::HalfAbsentNotYetSwept, tickets).await];
    let present = best(&present);
    for (case, runs) in [
        (Case::HalfAbsentSetAside, &aside),
        (Case::HalfAbsentNotYetSwept, &unswept),
    ] {
        let figures = best(runs);
        crate::report::row(&format!(
            "| presence, {} against all present (best of each): join p50 ratio / matches per second ratio / engine CPU per match ratio / per join ratio | {:.2} / {:.2} / {:.2} / {:.2} |",
            case.label(),
            figures.join_p50 / present.join_p50,
            figures.matches / present.matches,
            figures.match_cpu / present.match_cpu,
            figures.join_cpu / present.join_cpu,
        ));
    }
}

/// The lowest join p50 and the highest match rate among `runs`.
fn best(runs: &[Figures]) -> Figures {
    Figures {
        join_p50: runs.iter().map(|f| f.join_p50).fold(f64::MAX, f64::min),
        join_p99: runs.iter().map(|f| f.join_p99).fold(f64::MAX, f64::min),
        matches: runs.iter().map(|f| f.matches).fold(0.0, f64::max),
        match_cpu: runs.iter().map(|f| f.match_cpu).fold(f64::MAX, f64::min),
        join_cpu: runs.iter().map(|f| f.join_cpu).fold(f64::MAX, f64::min),
    }
}

async fn run(case: Case, tickets: u32) -> Figures {
    let clock = ManualClock::new(jiff::Timestamp::now());
    let engine = start_on(OPERATORS, Arc::clone(&clock) as SharedClock).await;
    let started = Instant::now();
    join_range(&engine, 0, tickets, 8).await;
    let fill = started.elapsed();

    // Those who stay present poll at `absent_after` from the fill; then the
    // clock gets there (stamped first, so that the engine's own sweep never
    // sees a present ticket silent).
    let settings = engine.catalog().presence;
    let later = clock.now() + settings.absent_after;
    let mut silent = 0u32;
    engine.views().for_each_ticket(|view| {
        if case == Case::AllPresent || view.seq % 2 == 0 {
            engine.heartbeat_at(view, later);
        } else {
            silent += 1;
        }
    });
    clock.set(later);

    let heap_before = live_bytes();
    let started = Instant::now();
    let mut sweeps = 0u32;
    if case == Case::HalfAbsentSetAside {
        // One sweep looks at 20,000 queued tickets (the engine's own
        // once-a-second sweep runs too); all silent ones are aside once a
        // pass finds none left. Twice a full pass is a generous bound.
        let bound = tickets / 10_000 + 10;
        loop {
            assert!(
                sweeps < bound,
                "{sweeps} sweeps did not set every silent ticket aside"
            );
            sweeps += 1;
            if engine.sweep_presence().await.expect("sweep").set_aside == 0 {
                break;
            }
        }
        let mut aside = 0u32;
        engine
            .views()
            .for_each_ticket(|view| aside += u32::from(view.seen.marked_absent()));
        assert_eq!(aside, silent, "every silent ticket is set aside");
    }
    let sweeping = started.elapsed();
    let heap_aside = live_bytes() - heap_before;

    let cpu = engine_cpu_ns();
    let matches = burst(&engine).await;
    let match_cpu = (engine_cpu_ns() - cpu) as f64 / 1000.0 / f64::from(OPERATORS);
    let cpu = engine_cpu_ns();
    let joins = join_latency(&engine, tickets, 10_000).await;
    let join_cpu = (engine_cpu_ns() - cpu) as f64 / 1000.0 / 10_000.0;
    let figures = Figures {
        join_p50: micros(&joins, 0.5),
        join_p99: micros(&joins, 0.99),
        matches,
        match_cpu,
        join_cpu,
    };
    let absent = engine.inspect().await.expect("inspect").absent.len();
    crate::report::row(&format!(
        "| presence, {}: {tickets} waiting, {silent} silent | join p50 / p99 {:.1} µs / {:.1} µs, engine CPU {join_cpu:.1} µs per join; {matches:.0} matches/s ({OPERATORS} operators pressing Atender), engine CPU {match_cpu:.1} µs per match; {absent} held aside at the end (fill {:.1} s) |",
        case.label(),
        figures.join_p50,
        figures.join_p99,
        fill.as_secs_f64(),
    ));
    if case == Case::HalfAbsentSetAside {
        crate::report::row(&format!(
            "| presence: setting {silent} silent tickets aside | {sweeps} sweeps, {:.2} s; live heap {:+.0} bytes per ticket set aside |",
            sweeping.as_secs_f64(),
            heap_aside as f64 / f64::from(silent.max(1)),
        ));
    }
    drop(engine);
    figures
}

/// `OPERATORS` operators press Atender Contribuyente at once: every press is
/// one dispatcher match against the deep queue. Answers matches per second.
async fn burst(engine: &Engine) -> f64 {
    let rate = press_atender(engine, OPERATORS).await;
    let figures = engine.inspect().await.expect("inspect");
    // Nobody silent was handed to an operator.
    for ticket in figures.holding.values() {
        let view = engine.views().ticket(ticket).expect("a held ticket's view");
        assert!(view.present(), "a silent ticket was matched");
    }
    rate
}

/// Nanoseconds the engine's thread has run on a CPU (its `schedstat`).
fn engine_cpu_ns() -> u64 {
    let mut total = None;
    let tasks = std::fs::read_dir("/proc/self/task").expect("/proc/self/task is readable");
    for task in tasks.flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        // "ventanilla-engine", cut to the kernel's 15 characters.
        if !"ventanilla-engine".starts_with(comm.trim()) || comm.trim().len() < 15 {
            continue;
        }
        let schedstat = std::fs::read_to_string(task.path().join("schedstat"))
            .expect("the engine thread's schedstat is readable");
        let ns: u64 = schedstat
            .split_whitespace()
            .next()
            .and_then(|v| v.parse().ok())
            .expect("schedstat starts with the run time in ns");
        *total.get_or_insert(0) += ns;
    }
    total.expect("the engine's thread is running")
}
