//! The summary printed at the end of a run: what happened, how fast, the
//! latency table, the SLOs and the consistency verdict, in 80-odd columns.

use std::fmt::Write as _;

use super::{LatencySummary, Report};

/// How true the estimated waits were (only when some taxpayer's is known).
fn render_estimates(out: &mut String, estimates: &crate::estimates::EstimateReport) {
    if estimates.taxpayers == 0 {
        return;
    }
    let percent =
        |value: Option<f64>| value.map_or_else(|| "-".to_string(), |v| format!("{v:.0} %"));
    let seconds =
        |value: Option<f64>| value.map_or_else(|| "-".to_string(), |v| format!("{v:.1} s"));
    let _ = writeln!(
        out,
        "\nestimated waits (|told − real| / real, real waits ≥ 3 s): {} taxpayers",
        estimates.taxpayers
    );
    let judged = |errors: &crate::estimates::ErrorSummary| {
        format!(
            "{:>6} judged · median {} · p90 {}",
            errors.count,
            percent(errors.median_percent),
            percent(errors.p90_percent),
        )
    };
    let _ = writeln!(
        out,
        "  at join:  {} · on average told {}, waited {}",
        judged(&estimates.at_join),
        seconds(estimates.mean_told_seconds),
        seconds(estimates.mean_waited_seconds),
    );
    let _ = writeln!(out, "  at polls: {}", judged(&estimates.at_polls));
    let _ = writeln!(
        out,
        "  told no wait: {} (of whom {} waited ≥ 1 s) · served within 1 s: {} (of whom {} had been told to wait) · told no operator: {}",
        estimates.told_no_wait,
        estimates.told_no_wait_but_waited,
        estimates.served_within_a_second,
        estimates.served_within_a_second_told_to_wait,
        estimates.told_no_operator,
    );
}

/// The summary as text.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail: the results are ignored throughout.
    let target = &report.target;
    let how = match (&target.store, target.spawned) {
        (Some(store), true) => format!("spawned, store {store}"),
        _ => "external".to_string(),
    };
    let _ = writeln!(
        out,
        "\nventanilla-load · {} · {} ({how}) · {:.1} s{}",
        report.scenario.name,
        target.url,
        report.elapsed_seconds,
        if report.interrupted {
            " · INTERRUPTED"
        } else {
            ""
        }
    );
    let counts = &report.counts;
    let _ = writeln!(
        out,
        "taxpayers: {} arrived ({} dropped) · {} joined · {} accepted · {} abandoned waiting · {} after assignment · {} never accepted",
        counts.arrivals,
        counts.dropped,
        counts.joined,
        counts.accepted,
        counts.abandoned_waiting,
        counts.abandoned_assigned,
        counts.never_accepted
    );
    let outcomes: Vec<String> = report
        .outcomes
        .iter()
        .map(|(outcome, count)| format!("{outcome} {count}"))
        .collect();
    let _ = writeln!(
        out,
        "operators: {} served · {} closed after abandonment · {} interrupts · outcomes: {}",
        counts.served,
        counts.closed_abandoned,
        counts.interrupts,
        if outcomes.is_empty() {
            "none".to_string()
        } else {
            outcomes.join(", ")
        }
    );
    let rates = &report.throughput;
    let _ = writeln!(
        out,
        "requests: {} · {} errors · {} polls ({} not modified) · {} expected conflicts",
        counts.requests, counts.errors, counts.polls, counts.not_modified, counts.conflicts
    );
    let _ = writeln!(
        out,
        "throughput: {:.0} req/s (peak {:.0}) · {:.0} polls/s (peak {:.0}) · {:.1} served/s (peak {:.1})",
        rates.requests_per_second,
        rates.peak_requests_per_second,
        rates.polls_per_second,
        rates.peak_polls_per_second,
        rates.served_per_second,
        rates.peak_served_per_second
    );

    let _ = writeln!(
        out,
        "\n{:<34} {:>8} {:>7} {:>5} {:>5} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9}",
        "call (latency ms, corrected)",
        "count",
        "304",
        "409",
        "err",
        "p50",
        "p90",
        "p99",
        "p99.9",
        "max",
        "p99 sent"
    );
    for endpoint in &report.endpoints {
        let corrected = &endpoint.corrected;
        let _ = writeln!(
            out,
            "{:<34} {:>8} {:>7} {:>5} {:>5} {} {:>9}",
            shorten(&endpoint.label, 34),
            endpoint.requests,
            endpoint.not_modified,
            endpoint.conflicts,
            endpoint.errors,
            percentiles(corrected),
            milliseconds(endpoint.service.p99_ms)
        );
    }
    let _ = writeln!(
        out,
        "{:<34} {:>8} {:>7} {:>5} {:>5} {}",
        "wait join→assignment (engine)",
        report.wait.count,
        "",
        "",
        "",
        percentiles(&report.wait)
    );

    render_estimates(&mut out, &report.estimates);

    if !report.errors.by_kind.is_empty() {
        let _ = writeln!(out, "\nerrors:");
        for (kind, count) in &report.errors.by_kind {
            let _ = writeln!(out, "  {count:>8}  {kind}");
        }
        for sample in report.errors.samples.iter().take(5) {
            let _ = writeln!(out, "  e.g. {}", shorten(sample, 160));
        }
    }

    if !report.slo.is_empty() {
        let _ = writeln!(out, "\nSLOs:");
        for slo in &report.slo {
            let observed = slo.observed.map_or_else(
                || "nothing measured".to_string(),
                |value| format!("{value:.3}"),
            );
            let _ = writeln!(
                out,
                "  {} {} {} {} {}: {observed}",
                if slo.passed { "PASS" } else { "FAIL" },
                slo.name,
                slo.comparison,
                slo.threshold,
                slo.unit
            );
        }
    }

    match &report.consistency {
        None => {
            let _ = writeln!(out, "\nconsistency: not checked");
        }
        Some(consistency) => {
            let states: Vec<String> = consistency
                .states
                .iter()
                .map(|(state, count)| format!("{state} {count}"))
                .collect();
            let _ = writeln!(
                out,
                "\nconsistency: {} · {} tickets checked ({}) · lost {} · double-assigned {} · regressions {} · wrong final state {}{}",
                if consistency.passed { "PASSED" } else { "FAILED" },
                consistency.tickets_checked,
                states.join(", "),
                consistency.lost,
                consistency.double_assigned,
                consistency.regressions,
                consistency.wrong_final_state,
                match consistency.queue_count_matches {
                    Some(true) => " · queue count matches",
                    Some(false) => " · QUEUE COUNT DIFFERS",
                    None => "",
                }
            );
            for violation in consistency.violations.iter().take(10) {
                let _ = writeln!(out, "  {violation}");
            }
        }
    }
    let _ = writeln!(
        out,
        "\nresult: {} (exit status {})",
        if report.passed { "PASSED" } else { "FAILED" },
        report.exit_code
    );
    out
}

fn percentiles(summary: &LatencySummary) -> String {
    format!(
        "{:>8} {:>8} {:>8} {:>8} {:>8}",
        milliseconds(summary.p50_ms),
        milliseconds(summary.p90_ms),
        milliseconds(summary.p99_ms),
        milliseconds(summary.p999_ms),
        milliseconds(summary.max_ms)
    )
}

/// Three significant figures, enough for latencies from microseconds to minutes.
pub fn milliseconds(value: f64) -> String {
    if value == 0.0 {
        "-".into()
    } else if value < 0.01 {
        // The engine's timestamps have millisecond precision: a wait below
        // it is recorded as one microsecond.
        "<0.01".into()
    } else if value < 10.0 {
        format!("{value:.2}")
    } else if value < 100.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.0}")
    }
}

fn shorten(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let kept: String = text.chars().take(width - 1).collect();
        format!("{kept}…")
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::estimates::Told;
    use crate::metrics::Metrics;
    use crate::report::{build, RunFacts, TargetSummary};
    use crate::scenario::Scenario;

    #[test]
    fn the_summary_shows_how_true_the_estimated_waits_were() {
        let metrics = Metrics::new(0);
        let told = Told {
            at_join: Some(Some(20)),
            polls: vec![(Duration::from_secs(5), Some(4))],
        };
        metrics.estimates.record(&told, Duration::from_secs(10));
        let report = build(
            &metrics,
            RunFacts {
                scenario: Scenario::load("mmc-honest-wait").expect("shipped"),
                seed: 15,
                target: TargetSummary {
                    url: "http://127.0.0.1:1".into(),
                    spawned: false,
                    store: None,
                },
                started_at: "2026-12-01T10:00:00Z".into(),
                elapsed_seconds: 1.0,
                interrupted: false,
                series: Vec::new(),
                consistency: None,
            },
        );

        let text = render(&report);

        assert!(
            text.contains("estimated waits (|told − real| / real, real waits ≥ 3 s): 1 taxpayers"),
            "{text}"
        );
        assert!(
            text.contains("median 100 % · p90 100 % · on average told 20.0 s, waited 10.0 s"),
            "{text}"
        );
        assert!(
            text.contains("at polls:      1 judged · median 20 %"),
            "{text}"
        );
    }
}
