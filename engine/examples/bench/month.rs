//! The month benchmark (issue 12): `--month` simulates `--days` days of
//! `--per-day` attentions on the manual clock with the default retention
//! (memory store), and prints, day by day after the retention pass, the
//! process RSS, the live heap, the tickets still held, and the recovery time
//! at day 2 and at the last day (a new engine on the same store).

use std::sync::Arc;
use std::time::Instant;

use engine::clock::{ManualClock, SharedClock};
use engine::meeting::LocalMeetings;
use engine::store::{MemoryStore, Store};
use engine::testsuite::{dni, madrid, settings_from};
use engine::{Engine, EngineParts, FinalizeInput, JoinInput};

use super::{config, live_bytes, report, rss_bytes};

/// `--short-retention`: events and history kept one day instead of the
/// defaults (30 and 1461 days), to tell what they hold from the rest.
const SHORT_RETENTION: &str = "\n[retention]\nevents = \"1d\"\nhistory = \"1d\"\n";

async fn start(operators: u32, short: bool, store: Arc<dyn Store>, clock: SharedClock) -> Engine {
    let retention = if short { SHORT_RETENTION } else { "" };
    Engine::start(EngineParts {
        settings: settings_from(&format!("{}{retention}", config(operators))),
        store,
        meetings: Arc::new(LocalMeetings::new("")),
        clock,
    })
    .await
    .expect("engine starts")
}

fn operator(n: u32) -> engine::domain::OperatorId {
    engine::domain::OperatorId::parse(&format!("op-{n:05}")).expect("id")
}

/// One working day: `per_day` taxpayers join (each a new NIF, so every
/// attention adds to the retained history), `operators` operators serve
/// them all (Iniciar, then Finalizar y Atender siguiente; the last ones
/// Finalizar e Interrumpir).
async fn working_day(engine: &Engine, day: u32, per_day: u32, operators: u32) {
    for n in 0..per_day {
        let number = day * per_day + n;
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

/// Retention passes until one forgets nothing (each forgets at most 2,000).
async fn prune(engine: &Engine) -> u64 {
    let mut forgotten = 0;
    loop {
        let pass = engine.prune_now().await.expect("prune");
        forgotten += pass.tickets as u64;
        if pass.tickets == 0 {
            return forgotten;
        }
    }
}

pub async fn month_benchmark(days: u32, per_day: u32, operators: u32, short: bool) {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    // A Monday; every day's work at 09:00, measured the next day at 09:30
    // (the day before's tickets ended 24.5 h earlier: past `ended_tickets`).
    let first = madrid("2026-11-30 09:00");
    let clock = ManualClock::new(first);
    let shared: SharedClock = Arc::clone(&clock) as SharedClock;
    let mut engine = start(operators, short, Arc::clone(&store), Arc::clone(&shared)).await;
    let map = std::collections::BTreeMap::from([("BENCH".to_string(), true)]);
    for n in 0..operators {
        engine
            .set_availability(&operator(n), &map)
            .await
            .expect("availability");
    }
    report::row(&format!(
        "| day (after its retention pass; {per_day} attentions a day, {operators} operators) | RSS | live heap | tickets held | forgotten that morning | simulated in |"
    ));
    report::row("|---|---|---|---|---|---|");
    let mut rss_by_day = Vec::new();
    let mut recoveries = Vec::new();
    for day in 0..days {
        let started = Instant::now();
        let at = first
            .checked_add(jiff::SignedDuration::from_hours(24 * i64::from(day)))
            .expect("in range");
        clock.set(at);
        working_day(&engine, day, per_day, operators).await;
        engine.settle().await.expect("settles");
        clock.set(
            at.checked_add(jiff::SignedDuration::from_mins(24 * 60 + 30))
                .expect("in range"),
        );
        let forgotten = prune(&engine).await;
        let (rss, heap) = (rss_bytes(), live_bytes());
        rss_by_day.push(rss);
        report::row(&format!(
            "| {} | {:.1} MiB | {:.1} MiB | {} | {forgotten} | {:.1} s |",
            day + 1,
            rss as f64 / 1048576.0,
            heap as f64 / 1048576.0,
            engine.views().ticket_count(),
            started.elapsed().as_secs_f64()
        ));
        if day == 1 || day + 1 == days {
            // Recovery: a new engine rebuilt from what the store kept.
            drop(engine);
            let started = Instant::now();
            engine = start(operators, short, Arc::clone(&store), Arc::clone(&shared)).await;
            recoveries.push((day + 1, started.elapsed().as_secs_f64()));
        }
    }
    for (day, seconds) in &recoveries {
        report::row(&format!("| recovery at day {day} | {seconds:.3} s |"));
    }
    if let (Some(second), Some(last)) = (rss_by_day.get(1), rss_by_day.last()) {
        let ratio = *last as f64 / *second as f64;
        report::figure("month_rss_last_over_day2", ratio);
        report::row(&format!("| RSS last day / day 2 | {ratio:.2} |"));
    }
    if let [(_, second), .., (_, last)] = recoveries.as_slice() {
        report::figure("month_recovery_last_over_day2", last / second);
    }
}
