//! One run from start to report: target (given or spawned), operators
//! logged in, the open arrival process, the drain, the wrap-up, the
//! consistency check. Every loop here is bounded by the scenario's duration
//! plus its drain and a grace period for requests in flight.

use std::io::IsTerminal as _;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::Method;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::arrivals::ArrivalSchedule;
use crate::client::{Api, Call, Credentials, Reply, ServicesAnswer};
use crate::consistency::{self, Ledger};
use crate::metrics::{Endpoint, Metrics};
use crate::operator::{self, OperatorPlan};
use crate::report::{self, Report, RunFacts, Sample, TargetSummary};
use crate::scenario::Scenario;
use crate::spawn::SpawnedGateway;
use crate::taxpayer::{self, NifSequence, TaxpayerPlan};

/// Where the load goes.
#[derive(Debug, Clone)]
pub enum Target {
    /// A gateway already running at this URL (loopback only).
    Url(String),
    /// Start one with a generated configuration.
    Spawn {
        /// `memory` or a `redis://` URL.
        store: String,
        /// The `ventanilla` binary; found beside this one if absent.
        ventanilla: Option<PathBuf>,
    },
}

/// Everything a run needs.
#[derive(Debug)]
pub struct RunOptions {
    pub scenario: Scenario,
    pub target: Target,
    /// Overrides the scenario's seed.
    pub seed: Option<u64>,
    /// No progress bar.
    pub quiet: bool,
    /// Skip the final check (e.g. against a gateway shared with other clients).
    pub skip_consistency: bool,
}

/// What every simulated client of a run shares.
#[derive(Debug)]
pub struct RunContext {
    pub api: Api,
    pub scenario: Arc<Scenario>,
    pub ledger: Ledger,
    pub nifs: NifSequence,
    /// No taxpayer acts after this instant.
    pub drain_deadline: Instant,
}

/// Refuses any target that is not this machine.
pub fn ensure_loopback(url: &str) -> anyhow::Result<()> {
    let parsed = reqwest::Url::parse(url).with_context(|| format!("{url} is not a URL"))?;
    anyhow::ensure!(
        parsed.scheme() == "http",
        "{url}: only plain http to a loopback address is supported"
    );
    let host = parsed.host_str().unwrap_or_default();
    // host_str keeps an IPv6 address in its brackets.
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = host == "localhost"
        || host
            .parse::<IpAddr>()
            .is_ok_and(|address| address.is_loopback());
    anyhow::ensure!(
        loopback,
        "{url}: the load tester only targets loopback (127.0.0.0/8, ::1, localhost)"
    );
    Ok(())
}

/// Runs the scenario and builds the report (written and printed by the caller).
pub async fn execute(options: RunOptions) -> anyhow::Result<Report> {
    let (gateway, url, store) = match &options.target {
        Target::Url(url) => {
            ensure_loopback(url)?;
            (None, url.trim_end_matches('/').to_string(), None)
        }
        Target::Spawn { store, ventanilla } => {
            let gateway =
                SpawnedGateway::start(&options.scenario, store, ventanilla.as_deref()).await?;
            let url = gateway.base_url.clone();
            (Some(gateway), url, Some(store.clone()))
        }
    };
    let target = TargetSummary {
        url: url.clone(),
        spawned: gateway.is_some(),
        store,
    };
    let result = drive(&options, target).await;
    if let Some(gateway) = gateway {
        if result.is_err() {
            eprintln!(
                "the spawned gateway's last log lines:\n{}",
                gateway.log_tail()
            );
        }
        gateway.stop().await;
    }
    result
}

/// Waits for `/readyz` (a gateway just started elsewhere may still be recovering).
async fn wait_ready(api: &Api) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if api
            .probe("/readyz")
            .await
            .is_some_and(|status| status.is_success())
        {
            return Ok(());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "{} did not answer /readyz with 200 within 30 s",
            api.base()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Every service of the scenario must exist; a closed one is reported now,
/// since its joins will fail.
async fn check_services(api: &Api, scenario: &Scenario) -> anyhow::Result<()> {
    let credentials = Credentials::None;
    let call = Call::new(
        Endpoint::Services,
        Method::GET,
        "/api/v1/services",
        &credentials,
    );
    let Reply::Ok { value, .. } = api.send::<ServicesAnswer>(call).await else {
        anyhow::bail!(
            "GET /api/v1/services failed: is {} a Ventanilla?",
            api.base()
        );
    };
    for service in &scenario.services {
        match value.services.iter().find(|line| line.code == service.code) {
            None => anyhow::bail!(
                "the gateway has no service {} (it has: {})",
                service.code,
                value
                    .services
                    .iter()
                    .map(|line| line.code.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Some(line) if !line.open => {
                eprintln!(
                    "warning: service {} is closed now: its joins will be refused",
                    service.code
                )
            }
            Some(_) => {}
        }
    }
    Ok(())
}

fn progress_bar(scenario: &Scenario, quiet: bool) -> ProgressBar {
    let length = (scenario.duration_seconds * 1_000.0) as u64;
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(length), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} {elapsed_precise} [{bar:30}] {msg}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Waits for a set of tasks until `grace` passes, then aborts the rest.
async fn join_all_until(tasks: &mut JoinSet<()>, grace: Instant) {
    loop {
        tokio::select! {
            next = tasks.join_next() => if next.is_none() { return },
            _ = tokio::time::sleep_until(grace.into()) => {
                tasks.abort_all();
                while tasks.join_next().await.is_some() {}
                return;
            }
        }
    }
}

async fn drive(options: &RunOptions, target: TargetSummary) -> anyhow::Result<Report> {
    let scenario = Arc::new(options.scenario.clone());
    let operator_ids = scenario.operators.operator_ids();
    let metrics = Arc::new(Metrics::new(operator_ids.len()));
    let request_timeout = Duration::from_secs_f64(scenario.request_timeout_seconds);
    let api = Api::new(
        &target.url,
        metrics.clone(),
        request_timeout,
        scenario.max_in_flight,
    )?;
    wait_ready(&api).await?;
    check_services(&api, &scenario).await?;
    let seed = options
        .seed
        .or(scenario.seed)
        .unwrap_or_else(|| rand::rng().random());
    // The DNIs change on every run (not with the seed): a second run against
    // the same gateway must not meet its own taxpayers still waiting.
    let nifs = NifSequence::new(rand::rng().random());
    let started_at = jiff::Timestamp::now().to_string();

    // Operators log in and make themselves available before the clock starts.
    let mut preparing = JoinSet::new();
    for (index, id) in operator_ids.iter().enumerate() {
        let plan = OperatorPlan {
            index,
            id: id.clone(),
            services: scenario.operator_services(),
            rng: StdRng::seed_from_u64(
                seed ^ (index as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            ),
        };
        let (api, scenario) = (api.clone(), scenario.clone());
        preparing.spawn(async move { operator::prepare(&api, &scenario, plan).await });
    }
    let mut ready = Vec::with_capacity(operator_ids.len());
    while let Some(prepared) = preparing.join_next().await {
        ready.push(prepared.context("an operator task panicked")??);
    }

    let interrupted = Arc::new(AtomicBool::new(false));
    {
        let interrupted = interrupted.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                interrupted.store(true, Ordering::Relaxed);
            }
        });
    }

    let duration = Duration::from_secs_f64(scenario.duration_seconds);
    let start = Instant::now();
    let arrivals_end = start + duration;
    let drain_deadline = arrivals_end + Duration::from_secs_f64(scenario.drain_seconds);
    let context = Arc::new(RunContext {
        api: api.clone(),
        scenario: scenario.clone(),
        ledger: Ledger::default(),
        nifs,
        drain_deadline,
    });
    let progress = progress_bar(&scenario, options.quiet);

    let (stop_operators, operators_stopped) = watch::channel(false);
    let mut operators = JoinSet::new();
    for operator in ready {
        operators.spawn(operator::run(
            context.clone(),
            operator,
            operators_stopped.clone(),
        ));
    }
    let (stop_sampler, sampler_stopped) = watch::channel(false);
    let sampler = tokio::spawn(sample_loop(
        context.clone(),
        start,
        progress.clone(),
        sampler_stopped,
    ));

    // The open model: arrivals at their scheduled instants, whatever happens.
    let counters = &metrics.counters;
    let mut behaviour = StdRng::seed_from_u64(seed.wrapping_add(1));
    let mut taxpayers = JoinSet::new();
    for (index, offset) in ArrivalSchedule::new(&scenario.arrivals, seed).enumerate() {
        if offset >= scenario.duration_seconds || interrupted.load(Ordering::Relaxed) {
            break;
        }
        let intended = start + Duration::from_secs_f64(offset);
        tokio::time::sleep_until(intended.into()).await;
        counters.arrivals.fetch_add(1, Ordering::Relaxed);
        if counters.live_taxpayers.load(Ordering::Relaxed) >= scenario.max_live_taxpayers {
            counters.dropped.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        counters.live_taxpayers.fetch_add(1, Ordering::Relaxed);
        let plan = TaxpayerPlan::draw(&context, &mut behaviour, index as u64, intended);
        taxpayers.spawn(taxpayer::run(context.clone(), plan));
        // Reap finished tasks so that a long run does not hoard their handles.
        while taxpayers.try_join_next().is_some() {}
    }
    if !interrupted.load(Ordering::Relaxed) {
        tokio::time::sleep_until(arrivals_end.into()).await;
    }

    // The drain: until every taxpayer is done or the deadline passes.
    while counters.live_taxpayers.load(Ordering::Relaxed) > 0
        && Instant::now() < drain_deadline
        && !interrupted.load(Ordering::Relaxed)
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
        while taxpayers.try_join_next().is_some() {}
    }
    // Past the deadline a taxpayer stops at its next step; one with a request
    // in flight gets that request's timeout.
    let grace = if interrupted.load(Ordering::Relaxed) {
        Instant::now()
    } else {
        Instant::now() + request_timeout + Duration::from_secs(1)
    };
    join_all_until(&mut taxpayers, grace).await;

    // Operators close what they hold and leave their consoles idle.
    let _ = stop_operators.send(true);
    join_all_until(
        &mut operators,
        Instant::now() + request_timeout * 4 + Duration::from_secs(1),
    )
    .await;
    let elapsed_seconds = start.elapsed().as_secs_f64();
    let _ = stop_sampler.send(true);
    let series = sampler.await.unwrap_or_default();
    progress.finish_and_clear();

    let consistency = if options.skip_consistency {
        None
    } else {
        if !options.quiet {
            eprintln!("checking {} tickets through the API…", context.ledger.len());
        }
        Some(consistency::check(&api, &context.ledger, target.spawned, 32).await)
    };

    Ok(report::build(
        &metrics,
        RunFacts {
            scenario: options.scenario.clone(),
            seed,
            target,
            started_at,
            elapsed_seconds,
            interrupted: interrupted.load(Ordering::Relaxed),
            series,
            consistency,
        },
    ))
}

/// Samples the run every `sample_interval_seconds` and keeps the progress
/// bar current, until told to stop (one last sample then).
async fn sample_loop(
    context: Arc<RunContext>,
    start: Instant,
    progress: ProgressBar,
    mut stop: watch::Receiver<bool>,
) -> Vec<Sample> {
    let interval = Duration::from_secs_f64(context.scenario.sample_interval_seconds);
    let duration_ms = (context.scenario.duration_seconds * 1_000.0) as u64;
    let mut series = vec![take_sample(&context, start, Some(0))];
    let mut next = start + interval;
    loop {
        let stopping = tokio::select! {
            _ = tokio::time::sleep_until(next.into()) => false,
            _ = stop.changed() => true,
        } || *stop.borrow();
        let queue = waiting_count(&context.api).await;
        let sample = take_sample(&context, start, queue);
        let elapsed_ms = (sample.t * 1_000.0) as u64;
        progress.set_position(elapsed_ms.min(duration_ms));
        progress.set_message(format!(
            "{}arrivals {} · waiting {} · served {} · errors {}",
            if elapsed_ms > duration_ms {
                "draining · "
            } else {
                ""
            },
            sample.arrivals,
            sample
                .queue
                .map_or_else(|| "?".to_string(), |queue| queue.to_string()),
            sample.served,
            sample.errors
        ));
        series.push(sample);
        if stopping {
            return series;
        }
        next += interval;
        // A sampler that fell behind skips slots rather than bunching samples.
        if next < Instant::now() {
            next = Instant::now() + interval;
        }
    }
}

/// The gateway's count of waiting taxpayers over all services.
async fn waiting_count(api: &Api) -> Option<u64> {
    let credentials = Credentials::None;
    let call = Call::new(
        Endpoint::Services,
        Method::GET,
        "/api/v1/services",
        &credentials,
    );
    match api.send::<ServicesAnswer>(call).await {
        Reply::Ok { value, .. } => Some(value.services.iter().map(|line| line.waiting).sum()),
        _ => None,
    }
}

fn take_sample(context: &RunContext, start: Instant, queue: Option<u64>) -> Sample {
    let metrics = context.api.metrics();
    let counters = &metrics.counters;
    let load = |counter: &std::sync::atomic::AtomicU64| counter.load(Ordering::Relaxed);
    let (requests, errors) = metrics.totals();
    let (idle, waiting, busy) = metrics.operator_phase_counts();
    let window = metrics.take_wait_window();
    let ms = |quantile: f64| {
        (!window.is_empty()).then(|| window.value_at_quantile(quantile) as f64 / 1_000.0)
    };
    Sample {
        t: start.elapsed().as_secs_f64(),
        arrivals: load(&counters.arrivals),
        joined: load(&counters.joined),
        served: load(&counters.served),
        abandoned: load(&counters.abandoned_waiting) + load(&counters.abandoned_assigned),
        requests,
        polls: metrics.polls(),
        errors: errors + load(&counters.dropped),
        queue,
        live_taxpayers: counters.live_taxpayers.load(Ordering::Relaxed) as u64,
        operators_idle: idle,
        operators_waiting: waiting,
        operators_busy: busy,
        window_assignments: window.len(),
        wait_p50_ms: ms(0.5),
        wait_p99_ms: ms(0.99),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_targets_are_accepted() {
        for url in [
            "http://127.0.0.1:8080",
            "http://127.3.2.1:9000/",
            "http://localhost:8080",
            "http://[::1]:8080",
        ] {
            assert!(ensure_loopback(url).is_ok(), "{url}");
        }
        for url in [
            "http://10.0.0.1:8080",
            "http://192.168.1.10",
            "http://example.org",
            "https://127.0.0.1:8080",
            "not a url",
        ] {
            assert!(ensure_loopback(url).is_err(), "{url}");
        }
    }
}
