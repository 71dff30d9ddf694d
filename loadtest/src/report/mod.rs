//! The run's report: one serializable value built from the metrics, then
//! shown three ways (terminal table, JSON file, HTML page with SVG plots).
//! Every view renders the same `Report`, so they can never disagree.

pub mod html;
pub mod json;
pub mod svg;
pub mod terminal;

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use crate::consistency::ConsistencyReport;
use crate::estimates::EstimateReport;
use crate::metrics::{Endpoint, Metrics};
use crate::scenario::Scenario;

/// Exit status when every SLO held and the consistency check passed.
pub const EXIT_PASSED: i32 = 0;
/// Exit status when an SLO threshold was missed.
pub const EXIT_SLO_FAILED: i32 = 3;
/// Exit status when the consistency check found a violation (wins over 3).
pub const EXIT_INCONSISTENT: i32 = 4;
/// Exit status of a run cut short by Ctrl-C that found nothing worse: a
/// partial run proves nothing, so it never passes.
pub const EXIT_INTERRUPTED: i32 = 130;

/// Everything a run produced.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub tool: String,
    pub version: String,
    /// The scenario as it ran.
    pub scenario: Scenario,
    /// The seed of the arrival schedule and behaviours.
    pub seed: u64,
    pub target: TargetSummary,
    /// Wall-clock start, RFC 3339 UTC.
    pub started_at: String,
    /// From the first arrival slot to the last operator leaving.
    pub elapsed_seconds: f64,
    /// The run was cut short by Ctrl-C.
    pub interrupted: bool,
    pub counts: Counts,
    pub throughput: Throughput,
    /// Outcome code → attentions finalized with it.
    pub outcomes: BTreeMap<String, u64>,
    pub endpoints: Vec<EndpointReport>,
    /// `assigned_at − joined_at` from the engine's timestamps.
    pub wait: LatencySummary,
    /// The estimates told at join and at each poll against the real waits.
    #[serde(default)]
    pub estimates: EstimateReport,
    pub errors: ErrorReport,
    /// Time series, one sample per `sample_interval_seconds`.
    pub series: Vec<Sample>,
    pub slo: Vec<SloResult>,
    /// Absent when skipped.
    pub consistency: Option<ConsistencyReport>,
    /// Every SLO held and the consistency check passed (or was skipped).
    pub passed: bool,
    pub exit_code: i32,
}

/// Where the run went.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TargetSummary {
    pub url: String,
    /// The load tester started the gateway itself (`--spawn`).
    pub spawned: bool,
    /// The store given to a spawned gateway.
    pub store: Option<String>,
}

/// Whole-run counts.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Counts {
    pub arrivals: u64,
    pub dropped: u64,
    pub joined: u64,
    pub join_failed: u64,
    pub accepted: u64,
    pub abandoned_waiting: u64,
    pub abandoned_assigned: u64,
    pub never_accepted: u64,
    pub finished_seen: u64,
    /// Attentions finalized after a meeting.
    pub served: u64,
    /// Attentions closed because the taxpayer had left.
    pub closed_abandoned: u64,
    pub interrupts: u64,
    pub requests: u64,
    pub errors: u64,
    pub polls: u64,
    pub not_modified: u64,
    pub conflicts: u64,
}

/// Rates over the whole run and at their peak sample.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Throughput {
    pub requests_per_second: f64,
    pub polls_per_second: f64,
    pub joins_per_second: f64,
    /// Full taxpayer lifecycles (join … finalize) per second.
    pub served_per_second: f64,
    pub peak_requests_per_second: f64,
    pub peak_polls_per_second: f64,
    pub peak_served_per_second: f64,
}

/// One call's statistics.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EndpointReport {
    pub endpoint: Endpoint,
    pub label: String,
    pub requests: u64,
    pub not_modified: u64,
    pub conflicts: u64,
    pub errors: u64,
    /// From the intended send time (coordinated omission corrected).
    pub corrected: LatencySummary,
    /// From the actual send time.
    pub service: LatencySummary,
}

/// A latency distribution in milliseconds.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LatencySummary {
    pub count: u64,
    pub min_ms: f64,
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
    /// (percentile, milliseconds) pairs, for plots.
    pub spectrum: Vec<(f64, f64)>,
}

/// Percentiles of the plotted spectra.
const SPECTRUM: [f64; 26] = [
    0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 75.0, 80.0, 85.0, 90.0, 92.5, 95.0, 96.0, 97.0,
    98.0, 99.0, 99.25, 99.5, 99.75, 99.9, 99.95, 99.99, 99.999, 100.0,
];

impl LatencySummary {
    /// Summarizes a histogram of microseconds.
    pub fn from_histogram(histogram: &Histogram<u64>) -> LatencySummary {
        if histogram.is_empty() {
            return LatencySummary::default();
        }
        let ms = |micros: u64| micros as f64 / 1_000.0;
        LatencySummary {
            count: histogram.len(),
            min_ms: ms(histogram.min()),
            mean_ms: histogram.mean() / 1_000.0,
            p50_ms: ms(histogram.value_at_quantile(0.50)),
            p90_ms: ms(histogram.value_at_quantile(0.90)),
            p99_ms: ms(histogram.value_at_quantile(0.99)),
            p999_ms: ms(histogram.value_at_quantile(0.999)),
            max_ms: ms(histogram.max()),
            spectrum: SPECTRUM
                .iter()
                .map(|percentile| (*percentile, ms(histogram.value_at_percentile(*percentile))))
                .collect(),
        }
    }
}

/// What went wrong, grouped.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ErrorReport {
    /// "call: kind" → count.
    pub by_kind: BTreeMap<String, u64>,
    /// The first messages verbatim.
    pub samples: Vec<String>,
    /// Expected refusals of races, "call: code" → count (not errors).
    pub conflicts_by_kind: BTreeMap<String, u64>,
}

/// One point of the time series.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Sample {
    /// Seconds since the first arrival slot.
    pub t: f64,
    pub arrivals: u64,
    pub joined: u64,
    pub served: u64,
    pub abandoned: u64,
    pub requests: u64,
    pub polls: u64,
    pub errors: u64,
    /// Taxpayers waiting as the gateway's `/api/v1/services` counts them.
    pub queue: Option<u64>,
    pub live_taxpayers: u64,
    pub operators_idle: u64,
    pub operators_waiting: u64,
    pub operators_busy: u64,
    /// Assignments seen in this window and their wait percentiles.
    pub window_assignments: u64,
    pub wait_p50_ms: Option<f64>,
    pub wait_p99_ms: Option<f64>,
}

/// One SLO, judged.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SloResult {
    pub name: String,
    /// "≤" or "≥".
    pub comparison: String,
    pub threshold: f64,
    /// Absent when nothing was measured (which fails the SLO).
    pub observed: Option<f64>,
    pub unit: String,
    pub passed: bool,
}

/// Everything `build` needs beside the metrics.
#[derive(Debug)]
pub struct RunFacts {
    pub scenario: Scenario,
    pub seed: u64,
    pub target: TargetSummary,
    pub started_at: String,
    pub elapsed_seconds: f64,
    pub interrupted: bool,
    pub series: Vec<Sample>,
    pub consistency: Option<ConsistencyReport>,
}

/// Builds the report and decides the exit status.
pub fn build(metrics: &Metrics, facts: RunFacts) -> Report {
    let load = |counter: &std::sync::atomic::AtomicU64| counter.load(Ordering::Relaxed);
    let counters = &metrics.counters;
    let (requests, errors) = metrics.totals();
    let endpoints: Vec<EndpointReport> = Endpoint::ALL
        .iter()
        .map(|endpoint| {
            let stats = metrics.endpoint(*endpoint);
            let latency = stats.latency.lock();
            EndpointReport {
                endpoint: *endpoint,
                label: endpoint.label().to_string(),
                requests: load(&stats.requests),
                not_modified: load(&stats.not_modified),
                conflicts: load(&stats.conflicts),
                errors: load(&stats.errors),
                corrected: LatencySummary::from_histogram(&latency.corrected),
                service: LatencySummary::from_histogram(&latency.service),
            }
        })
        .filter(|report| report.requests > 0)
        .collect();
    let not_modified = endpoints.iter().map(|e| e.not_modified).sum();
    let conflicts = endpoints.iter().map(|e| e.conflicts).sum();
    let counts = Counts {
        arrivals: load(&counters.arrivals),
        dropped: load(&counters.dropped),
        joined: load(&counters.joined),
        join_failed: load(&counters.join_failed),
        accepted: load(&counters.accepted),
        abandoned_waiting: load(&counters.abandoned_waiting),
        abandoned_assigned: load(&counters.abandoned_assigned),
        never_accepted: load(&counters.never_accepted),
        finished_seen: load(&counters.finished_seen),
        served: load(&counters.served),
        closed_abandoned: load(&counters.closed_abandoned),
        interrupts: load(&counters.interrupts),
        requests,
        errors,
        polls: metrics.polls(),
        not_modified,
        conflicts,
    };
    let elapsed = facts.elapsed_seconds.max(1e-9);
    let min_gap = facts.scenario.sample_interval_seconds / 2.0;
    let peak = |value: fn(&Sample) -> u64| peak_rate(&facts.series, value, min_gap);
    let throughput = Throughput {
        requests_per_second: requests as f64 / elapsed,
        polls_per_second: counts.polls as f64 / elapsed,
        joins_per_second: counts.joined as f64 / elapsed,
        served_per_second: counts.served as f64 / elapsed,
        peak_requests_per_second: peak(|sample| sample.requests),
        peak_polls_per_second: peak(|sample| sample.polls),
        peak_served_per_second: peak(|sample| sample.served),
    };
    let wait_histogram = metrics.wait.lock().clone();
    let slo = judge_slos(&facts.scenario, metrics, &counts, &wait_histogram);
    let slo_passed = slo.iter().all(|result| result.passed);
    let consistent = facts
        .consistency
        .as_ref()
        .is_none_or(|consistency| consistency.passed);
    let exit_code = if !consistent {
        EXIT_INCONSISTENT
    } else if !slo_passed {
        EXIT_SLO_FAILED
    } else if facts.interrupted {
        EXIT_INTERRUPTED
    } else {
        EXIT_PASSED
    };
    Report {
        tool: "ventanilla-load".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        scenario: facts.scenario,
        seed: facts.seed,
        target: facts.target,
        started_at: facts.started_at,
        elapsed_seconds: facts.elapsed_seconds,
        interrupted: facts.interrupted,
        counts,
        throughput,
        outcomes: metrics.outcomes.lock().clone(),
        endpoints,
        wait: LatencySummary::from_histogram(&wait_histogram),
        estimates: metrics.estimates.report(),
        errors: ErrorReport {
            by_kind: metrics.error_kinds.lock().clone(),
            samples: metrics.error_samples.lock().clone(),
            conflicts_by_kind: metrics.conflict_kinds.lock().clone(),
        },
        series: facts.series,
        slo,
        consistency: facts.consistency,
        passed: exit_code == EXIT_PASSED,
        exit_code,
    }
}

/// Per-second rates of a cumulative counter between consecutive samples, at
/// the later sample's time. Pairs closer than `min_gap` seconds (the last
/// sample, taken when the run stops) are skipped: their rate is noise.
pub fn rates(series: &[Sample], value: fn(&Sample) -> u64, min_gap: f64) -> Vec<(f64, f64)> {
    series
        .windows(2)
        .filter(|pair| pair[1].t - pair[0].t >= min_gap.max(1e-6))
        .map(|pair| {
            let count = value(&pair[1]).saturating_sub(value(&pair[0]));
            (pair[1].t, count as f64 / (pair[1].t - pair[0].t))
        })
        .collect()
}

/// The highest per-second rate of a cumulative counter between two samples.
fn peak_rate(series: &[Sample], value: fn(&Sample) -> u64, min_gap: f64) -> f64 {
    rates(series, value, min_gap)
        .into_iter()
        .map(|(_, rate)| rate)
        .fold(0.0, f64::max)
}

/// Judges every threshold the scenario sets.
fn judge_slos(
    scenario: &Scenario,
    metrics: &Metrics,
    counts: &Counts,
    wait: &Histogram<u64>,
) -> Vec<SloResult> {
    let p99_ms = |histogram: &Histogram<u64>| {
        (!histogram.is_empty()).then(|| histogram.value_at_quantile(0.99) as f64 / 1_000.0)
    };
    let corrected =
        |endpoint: Endpoint| metrics.endpoint(endpoint).latency.lock().corrected.clone();
    let at_most = |name: &str, threshold: f64, observed: Option<f64>, unit: &str| SloResult {
        name: name.into(),
        comparison: "≤".into(),
        threshold,
        observed,
        unit: unit.into(),
        passed: observed.is_some_and(|value| value <= threshold),
    };
    let spec = &scenario.slo;
    let mut results = Vec::new();
    if let Some(threshold) = spec.join_p99_ms {
        let observed = p99_ms(&corrected(Endpoint::Join));
        results.push(at_most("join p99 (corrected)", threshold, observed, "ms"));
    }
    if let Some(threshold) = spec.poll_p99_ms {
        let mut polls = corrected(Endpoint::TicketPoll);
        // unwrap-free: both histograms share bounds, so adding cannot fail.
        let _ = polls.add(corrected(Endpoint::ConsolePoll));
        results.push(at_most(
            "poll p99 (corrected)",
            threshold,
            p99_ms(&polls),
            "ms",
        ));
    }
    if let Some(threshold) = spec.join_to_assignment_p99_ms {
        results.push(at_most(
            "join-to-assignment p99 (engine timestamps)",
            threshold,
            p99_ms(wait),
            "ms",
        ));
    }
    if let Some(threshold) = spec.error_rate_max {
        let observed = (counts.requests > 0).then(|| {
            (counts.errors + counts.dropped) as f64 / (counts.requests + counts.dropped) as f64
        });
        results.push(at_most("error rate", threshold, observed, "of requests"));
    }
    if let Some(minimum) = spec.min_served {
        let observed = counts.served as f64;
        results.push(SloResult {
            name: "attentions served".into(),
            comparison: "≥".into(),
            threshold: minimum as f64,
            observed: Some(observed),
            unit: "attentions".into(),
            passed: observed >= minimum as f64,
        });
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::new_histogram;

    #[test]
    fn a_summary_reads_milliseconds_from_microseconds() {
        let mut histogram = new_histogram();
        for value in 1..=1_000u64 {
            histogram.record(value * 1_000).expect("in range");
        }
        let summary = LatencySummary::from_histogram(&histogram);
        assert_eq!(summary.count, 1_000);
        assert!((summary.p50_ms - 500.0).abs() < 1.0);
        assert!((summary.p99_ms - 990.0).abs() < 1.0);
        assert_eq!(summary.spectrum.len(), SPECTRUM.len());
    }

    #[test]
    fn an_slo_with_nothing_measured_fails() {
        let scenario = Scenario::load("smoke").expect("smoke");
        let metrics = Metrics::new(0);
        let results = judge_slos(&scenario, &metrics, &Counts::default(), &new_histogram());
        assert!(!results.is_empty());
        assert!(results
            .iter()
            .filter(|result| result.comparison == "≤")
            .all(|result| !result.passed));
    }

    #[test]
    fn peaks_come_from_consecutive_samples() {
        let series = [(0.0, 0), (1.0, 10), (2.0, 40), (2.5, 45)].map(|(t, served)| Sample {
            t,
            served,
            ..Sample::default()
        });
        assert_eq!(peak_rate(&series, |sample| sample.served, 0.25), 30.0);
        // The last pair is only 0.5 s apart: skipped when samples are 1 s apart.
        assert_eq!(rates(&series, |sample| sample.served, 0.5).len(), 3);
        assert_eq!(rates(&series, |sample| sample.served, 0.6).len(), 2);
    }
}
