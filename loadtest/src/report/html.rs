//! The HTML report: one self-contained page (inline CSS and SVG, no script,
//! no network) that a person opens in a browser after the run.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context as _;

use super::svg::{escape, render, Chart, Series, XAxis};
use super::terminal::milliseconds;
use super::{LatencySummary, Report, Sample};
use crate::metrics::Endpoint;

/// Writes the page for `report` to `path`.
pub fn write(report: &Report, path: &Path) -> anyhow::Result<()> {
    std::fs::write(path, page(report))
        .with_context(|| format!("cannot write the HTML report to {}", path.display()))
}

const STYLE: &str = r#"
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1000px; color: #222; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; }
.sub { color: #555; margin-top: 0; }
.verdict { display: inline-block; padding: 0.3rem 0.8rem; border-radius: 4px; font-weight: bold; color: white; }
.pass { background: #2e7d32; } .fail { background: #c62828; }
table { border-collapse: collapse; margin: 0.5rem 0; font-size: 0.9rem; }
th, td { padding: 0.25rem 0.6rem; border-bottom: 1px solid #eee; text-align: right; }
th { background: #f6f6f6; } td:first-child, th:first-child { text-align: left; }
td.ok { color: #2e7d32; font-weight: bold; } td.bad { color: #c62828; font-weight: bold; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 0.5rem; }
.figure { background: #fafafa; border: 1px solid #eee; padding: 0.4rem 0.6rem; }
.figure b { display: block; font-size: 1.3rem; }
svg { max-width: 100%; height: auto; display: block; margin: 0.8rem 0; }
pre { background: #f6f6f6; padding: 0.8rem; overflow-x: auto; font-size: 0.8rem; }
.note { color: #666; font-size: 0.85rem; }
"#;

/// The whole page.
pub fn page(report: &Report) -> String {
    let mut out = String::new();
    let title = format!("ventanilla-load · {}", report.scenario.name);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>",
        escape(&title)
    );
    let _ = write!(
        out,
        "<h1>{}</h1><p class=\"sub\">{} · target {} ({}) · started {} · {:.1} s · seed {}</p>",
        escape(&title),
        escape(&report.scenario.description),
        escape(&report.target.url),
        if report.target.spawned {
            format!(
                "spawned, store {}",
                escape(report.target.store.as_deref().unwrap_or("?"))
            )
        } else {
            "external".into()
        },
        escape(&report.started_at),
        report.elapsed_seconds,
        report.seed
    );
    let _ = write!(
        out,
        "<p><span class=\"verdict {}\">{}</span> exit status {}{}</p>",
        if report.passed { "pass" } else { "fail" },
        if report.passed { "PASSED" } else { "FAILED" },
        report.exit_code,
        if report.interrupted {
            " · interrupted by the user"
        } else {
            ""
        }
    );
    summary(&mut out, report);
    slos(&mut out, report);
    charts(&mut out, report);
    endpoints(&mut out, report);
    errors(&mut out, report);
    consistency(&mut out, report);
    let scenario = toml::to_string(&report.scenario).unwrap_or_default();
    let _ = write!(
        out,
        "<h2>Scenario as run</h2><pre>{}</pre>",
        escape(&scenario)
    );
    out.push_str("</body></html>\n");
    out
}

fn figure(out: &mut String, label: &str, value: String) {
    let _ = write!(
        out,
        "<div class=\"figure\">{}<b>{}</b></div>",
        escape(label),
        escape(&value)
    );
}

fn summary(out: &mut String, report: &Report) {
    let counts = &report.counts;
    let rates = &report.throughput;
    out.push_str("<h2>Summary</h2><div class=\"grid\">");
    figure(
        out,
        "arrivals",
        format!("{} ({} dropped)", counts.arrivals, counts.dropped),
    );
    figure(out, "joined", counts.joined.to_string());
    figure(
        out,
        "served (attentions finalized)",
        counts.served.to_string(),
    );
    figure(out, "accepted by taxpayers", counts.accepted.to_string());
    figure(
        out,
        "abandoned (waiting / assigned)",
        format!(
            "{} / {}",
            counts.abandoned_waiting, counts.abandoned_assigned
        ),
    );
    figure(out, "never accepted", counts.never_accepted.to_string());
    figure(out, "requests", counts.requests.to_string());
    figure(out, "errors", counts.errors.to_string());
    figure(
        out,
        "requests/s (peak)",
        format!(
            "{:.0} ({:.0})",
            rates.requests_per_second, rates.peak_requests_per_second
        ),
    );
    figure(
        out,
        "polls/s (peak)",
        format!(
            "{:.0} ({:.0})",
            rates.polls_per_second, rates.peak_polls_per_second
        ),
    );
    figure(
        out,
        "lifecycles/s (peak)",
        format!(
            "{:.1} ({:.1})",
            rates.served_per_second, rates.peak_served_per_second
        ),
    );
    figure(
        out,
        "wait join→assignment p50 / p99",
        format!(
            "{} / {} ms",
            milliseconds(report.wait.p50_ms),
            milliseconds(report.wait.p99_ms)
        ),
    );
    out.push_str("</div>");
    if !report.outcomes.is_empty() {
        out.push_str("<table><tr><th>outcome</th><th>attentions</th></tr>");
        for (outcome, count) in &report.outcomes {
            let _ = write!(out, "<tr><td>{}</td><td>{count}</td></tr>", escape(outcome));
        }
        out.push_str("</table>");
    }
}

fn slos(out: &mut String, report: &Report) {
    out.push_str("<h2>Service-level objectives</h2>");
    if report.slo.is_empty() {
        out.push_str("<p class=\"note\">The scenario sets no threshold.</p>");
        return;
    }
    out.push_str(
        "<table><tr><th>objective</th><th>threshold</th><th>observed</th><th>verdict</th></tr>",
    );
    for slo in &report.slo {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{} {} {}</td><td>{}</td><td class=\"{}\">{}</td></tr>",
            escape(&slo.name),
            escape(&slo.comparison),
            slo.threshold,
            escape(&slo.unit),
            slo.observed.map_or_else(
                || "nothing measured".to_string(),
                |value| format!("{value:.3}")
            ),
            if slo.passed { "ok" } else { "bad" },
            if slo.passed { "pass" } else { "FAIL" }
        );
    }
    out.push_str("</table>");
}

/// Points of a latency spectrum, for a percentile chart.
fn spectrum(name: &str, summary: &LatencySummary) -> Series {
    Series {
        name: name.to_string(),
        points: summary.spectrum.clone(),
    }
}

fn series_of(name: &str, samples: &[Sample], value: impl Fn(&Sample) -> Option<f64>) -> Series {
    Series {
        name: name.to_string(),
        points: samples
            .iter()
            .filter_map(|sample| value(sample).map(|y| (sample.t, y)))
            .collect(),
    }
}

/// Per-second rate of a cumulative counter between consecutive samples.
fn rate_of(name: &str, report: &Report, value: fn(&Sample) -> u64) -> Series {
    Series {
        name: name.to_string(),
        points: super::rates(
            &report.series,
            value,
            report.scenario.sample_interval_seconds / 2.0,
        ),
    }
}

fn charts(out: &mut String, report: &Report) {
    let key_calls = [
        Endpoint::Join,
        Endpoint::TicketPoll,
        Endpoint::ConsolePoll,
        Endpoint::Attend,
        Endpoint::Start,
        Endpoint::Finalize,
        Endpoint::Accept,
        Endpoint::Abandon,
    ];
    let pick = |service_time: bool| -> Vec<Series> {
        report
            .endpoints
            .iter()
            .filter(|endpoint| key_calls.contains(&endpoint.endpoint))
            .map(|endpoint| {
                let summary = if service_time {
                    &endpoint.service
                } else {
                    &endpoint.corrected
                };
                spectrum(&short_label(endpoint.endpoint), summary)
            })
            .collect()
    };
    out.push_str("<h2>Latency distributions</h2>");
    out.push_str("<p class=\"note\">Corrected latencies run from the instant a request was meant to be sent (the arrival time of an open-model taxpayer, the scheduled tick of a poll), so a client or gateway that falls behind shows up here; service times run from the actual send.</p>");
    out.push_str(&render(&Chart {
        title: "Latency by percentile, corrected for coordinated omission".into(),
        x_label: "percentile".into(),
        y_label: "milliseconds".into(),
        x_axis: XAxis::Percentile,
        y_log: true,
        series: pick(false),
    }));
    out.push_str(&render(&Chart {
        title: "Service time by percentile (from the actual send)".into(),
        x_label: "percentile".into(),
        y_label: "milliseconds".into(),
        x_axis: XAxis::Percentile,
        y_log: true,
        series: pick(true),
    }));

    let samples = &report.series;
    out.push_str("<h2>Over time</h2>");
    out.push_str(&render(&Chart {
        title: "Queue length and taxpayers on the client".into(),
        x_label: "seconds since start".into(),
        y_label: "taxpayers".into(),
        x_axis: XAxis::Linear,
        y_log: false,
        series: vec![
            series_of("waiting (gateway)", samples, |s| s.queue.map(|q| q as f64)),
            series_of("live on client", samples, |s| Some(s.live_taxpayers as f64)),
        ],
    }));
    out.push_str(&render(&Chart {
        title: "Operators".into(),
        x_label: "seconds since start".into(),
        y_label: "operators".into(),
        x_axis: XAxis::Linear,
        y_log: false,
        series: vec![
            series_of("busy", samples, |s| Some(s.operators_busy as f64)),
            series_of("waiting", samples, |s| Some(s.operators_waiting as f64)),
            series_of("idle", samples, |s| Some(s.operators_idle as f64)),
        ],
    }));
    out.push_str(&render(&Chart {
        title: "Wait from join to assignment, per sample window".into(),
        x_label: "seconds since start".into(),
        y_label: "milliseconds".into(),
        x_axis: XAxis::Linear,
        y_log: false,
        series: vec![
            series_of("p50", samples, |s| s.wait_p50_ms),
            series_of("p99", samples, |s| s.wait_p99_ms),
        ],
    }));
    out.push_str(&render(&Chart {
        title: "Wait from join to assignment, whole run".into(),
        x_label: "percentile".into(),
        y_label: "milliseconds".into(),
        x_axis: XAxis::Percentile,
        y_log: true,
        series: vec![spectrum("wait", &report.wait)],
    }));
    out.push_str(&render(&Chart {
        title: "Throughput".into(),
        x_label: "seconds since start".into(),
        y_label: "per second".into(),
        x_axis: XAxis::Linear,
        y_log: false,
        series: vec![
            rate_of("requests", report, |s| s.requests),
            rate_of("polls", report, |s| s.polls),
            rate_of("joins", report, |s| s.joined),
            rate_of("served", report, |s| s.served),
        ],
    }));
    out.push_str(&render(&Chart {
        title: "Errors (cumulative)".into(),
        x_label: "seconds since start".into(),
        y_label: "errors".into(),
        x_axis: XAxis::Linear,
        y_log: false,
        series: vec![series_of("errors", samples, |s| Some(s.errors as f64))],
    }));
}

fn short_label(endpoint: Endpoint) -> String {
    match endpoint {
        Endpoint::Join => "join",
        Endpoint::TicketPoll => "ticket poll",
        Endpoint::ConsolePoll => "console poll",
        Endpoint::Attend => "attend",
        Endpoint::Start => "start",
        Endpoint::Finalize => "finalize",
        Endpoint::Accept => "accept",
        Endpoint::Abandon => "abandon",
        other => other.label(),
    }
    .to_string()
}

fn endpoints(out: &mut String, report: &Report) {
    out.push_str("<h2>Calls</h2><table><tr><th>call</th><th>count</th><th>304</th><th>409 (race)</th><th>errors</th><th>p50 ms</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th><th>p99 service</th></tr>");
    for endpoint in &report.endpoints {
        let latency = &endpoint.corrected;
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&endpoint.label),
            endpoint.requests,
            endpoint.not_modified,
            endpoint.conflicts,
            endpoint.errors,
            milliseconds(latency.p50_ms),
            milliseconds(latency.p90_ms),
            milliseconds(latency.p99_ms),
            milliseconds(latency.p999_ms),
            milliseconds(latency.max_ms),
            milliseconds(endpoint.service.p99_ms)
        );
    }
    let wait = &report.wait;
    let _ = write!(
        out,
        "<tr><td>wait join→assignment (engine timestamps)</td><td>{}</td><td></td><td></td><td></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td></td></tr></table>",
        wait.count,
        milliseconds(wait.p50_ms),
        milliseconds(wait.p90_ms),
        milliseconds(wait.p99_ms),
        milliseconds(wait.p999_ms),
        milliseconds(wait.max_ms)
    );
}

fn errors(out: &mut String, report: &Report) {
    out.push_str("<h2>Errors and races</h2>");
    if report.errors.by_kind.is_empty() {
        out.push_str("<p>No error.</p>");
    } else {
        out.push_str("<table><tr><th>error</th><th>count</th></tr>");
        for (kind, count) in &report.errors.by_kind {
            let _ = write!(out, "<tr><td>{}</td><td>{count}</td></tr>", escape(kind));
        }
        out.push_str("</table><pre>");
        for sample in &report.errors.samples {
            let _ = writeln!(out, "{}", escape(sample));
        }
        out.push_str("</pre>");
    }
    if !report.errors.conflicts_by_kind.is_empty() {
        out.push_str("<p class=\"note\">Expected refusals (a taxpayer and an operator acting at the same moment); not errors:</p><table><tr><th>refusal</th><th>count</th></tr>");
        for (kind, count) in &report.errors.conflicts_by_kind {
            let _ = write!(out, "<tr><td>{}</td><td>{count}</td></tr>", escape(kind));
        }
        out.push_str("</table>");
    }
}

fn consistency(out: &mut String, report: &Report) {
    out.push_str("<h2>Consistency check</h2>");
    let Some(check) = &report.consistency else {
        out.push_str("<p>Not checked.</p>");
        return;
    };
    let _ = write!(
        out,
        "<p><span class=\"verdict {}\">{}</span> {} tickets polled with their tokens after the run.</p>",
        if check.passed { "pass" } else { "fail" },
        if check.passed { "PASSED" } else { "FAILED" },
        check.tickets_checked
    );
    out.push_str("<table><tr><th>final state</th><th>tickets</th></tr>");
    for (state, count) in &check.states {
        let _ = write!(out, "<tr><td>{}</td><td>{count}</td></tr>", escape(state));
    }
    out.push_str("</table><table>");
    for (label, value) in [
        ("lost (404/401 after a 201 join)", check.lost),
        ("shown to two operators", check.double_assigned),
        ("state went backwards", check.regressions),
        ("final state contradicts history", check.wrong_final_state),
        ("unreadable at the end", check.unreadable),
        (
            "joins never answered (not checkable)",
            check.unconfirmed_joins,
        ),
    ] {
        let _ = write!(out, "<tr><td>{}</td><td>{value}</td></tr>", escape(label));
    }
    if let Some(matches) = check.queue_count_matches {
        let _ = write!(
            out,
            "<tr><td>queue count matches the waiting tickets</td><td>{}</td></tr>",
            if matches { "yes" } else { "NO" }
        );
    }
    out.push_str("</table>");
    if !check.violations.is_empty() {
        out.push_str("<pre>");
        for violation in &check.violations {
            let _ = writeln!(out, "{}", escape(violation));
        }
        out.push_str("</pre>");
    }
}
