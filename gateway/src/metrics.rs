//! `GET /metrics` (Prometheus text) and the gateway's own metrics: requests by
//! matched route and status, their latency, and the share of the consoles'
//! polls answered 304.
//!
//! One Prometheus recorder per process, installed the first time an
//! [`AppState`] is built (tests build many in one process): the engine's
//! `record_…` functions go through the `metrics` facade, so they need the
//! global recorder. Scrape-time gauges are set from the engine's snapshots
//! just before each render.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use engine::meeting::activity::MeetingActivity;
use engine::Engine;
use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use parking_lot::RwLock;

use crate::routes::hold::HeldFor;
use crate::state::AppState;

pub const HTTP_REQUESTS: &str = "ventanilla_http_requests_total";
pub const HTTP_REQUEST_DURATION: &str = "ventanilla_http_request_duration_seconds";
pub const POLL_RESPONSES: &str = "ventanilla_http_poll_responses_total";
pub const STORE_UP: &str = "ventanilla_store_up";
pub const DISPATCHER_LEASE_HELD: &str = "ventanilla_dispatcher_lease_held";
pub const ZOOM_HOSTS_NEAR_DAILY_CAP: &str = "ventanilla_zoom_hosts_near_daily_cap";
pub const BUILD_INFO: &str = "ventanilla_build_info";
pub const MEETING_EVENTS: &str = "ventanilla_meeting_events_total";
pub const HELD_POLLS: &str = "ventanilla_http_held_polls";

/// The `provider` label of [`MEETING_EVENTS`].
pub const MEETING_EVENT_PROVIDERS: [&str; 2] = ["zoom", "local"];

/// The `kind` label of [`MEETING_EVENTS`]: the activities the consoles use,
/// and `other` for every event they do not (the host's own joins, admissions,
/// event types we do not read).
pub const MEETING_EVENT_KINDS: [&str; 6] = [
    "started",
    "waiting_room",
    "joined",
    "left",
    "ended",
    "other",
];

/// What became of one meeting event (the `result` label of [`MEETING_EVENTS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeetingEventResult {
    /// A console holds the meeting and took the event in.
    Applied,
    /// No console holds the meeting (ended already, another system's meeting,
    /// a stale room page): ignored.
    UnknownMeeting,
    /// An event the consoles do not use: ignored.
    Ignored,
    /// A redelivery of an event already handled: ignored.
    Duplicate,
}

impl MeetingEventResult {
    pub const ALL: [MeetingEventResult; 4] = [
        MeetingEventResult::Applied,
        MeetingEventResult::UnknownMeeting,
        MeetingEventResult::Ignored,
        MeetingEventResult::Duplicate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MeetingEventResult::Applied => "applied",
            MeetingEventResult::UnknownMeeting => "unknown_meeting",
            MeetingEventResult::Ignored => "ignored",
            MeetingEventResult::Duplicate => "duplicate",
        }
    }
}

/// The `kind` label of a meeting activity (`other` for none).
pub fn meeting_event_kind(activity: Option<&MeetingActivity>) -> &'static str {
    match activity {
        Some(MeetingActivity::Started { .. }) => "started",
        Some(MeetingActivity::TaxpayerInWaitingRoom) => "waiting_room",
        Some(MeetingActivity::TaxpayerJoined) => "joined",
        Some(MeetingActivity::TaxpayerLeft) => "left",
        Some(MeetingActivity::Ended) => "ended",
        None => "other",
    }
}

/// One meeting event (a Zoom webhook or a local room button) and what
/// became of it. Unknown meetings and events are counted, never an error.
pub fn record_meeting_event(
    provider: &'static str,
    kind: &'static str,
    result: MeetingEventResult,
) {
    counter!(
        MEETING_EVENTS,
        "provider" => provider,
        "kind" => kind,
        "result" => result.as_str()
    )
    .increment(1);
}

/// The two polls of API.md (the consoles refresh every 9 seconds): their 304
/// share says how much the snapshot ETags save.
pub const POLL_ROUTES: [&str; 2] = ["/api/v1/tickets/{id}", "/api/v1/operator/console"];

/// The route label of requests no route matched (404s, probes): one value,
/// so that scanning random paths cannot create series.
pub const UNMATCHED_ROUTE: &str = "unmatched";

const HTTP_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How long a scrape waits for the store to answer before reporting it down.
const STORE_PROBE_TIMEOUT: Duration = Duration::from_millis(500);

/// How often histograms are folded when nobody scrapes (bounds their memory).
const UPKEEP_PERIOD: Duration = Duration::from_secs(5);

/// Counts Zoom hosts at or over the daily-create warning threshold
/// (`ZoomMeetings::hosts_near_daily_cap`).
pub type HostsNearDailyCap = Arc<dyn Fn() -> usize + Send + Sync>;

/// What `/metrics` renders from, shared by the router's clones.
pub struct GatewayMetrics {
    handle: PrometheusHandle,
    zoom_hosts_near_daily_cap: RwLock<Option<HostsNearDailyCap>>,
}

impl std::fmt::Debug for GatewayMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayMetrics")
            .field(
                "zoom_watched",
                &self.zoom_hosts_near_daily_cap.read().is_some(),
            )
            .finish()
    }
}

impl GatewayMetrics {
    /// The metrics of a gateway in front of `engine`: installs the process's
    /// recorder if none is yet, and zeroes every series the engine's
    /// services can produce so rates exist before the first event.
    pub fn for_engine(engine: &Engine) -> Arc<GatewayMetrics> {
        let handle = recorder().clone();
        engine::metrics::initialize(&engine.catalog());
        for route in POLL_ROUTES {
            for status in ["200", "304"] {
                counter!(POLL_RESPONSES, "route" => route, "status" => status).increment(0);
            }
        }
        gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION")).set(1.0);
        for provider in MEETING_EVENT_PROVIDERS {
            for kind in MEETING_EVENT_KINDS {
                for result in MeetingEventResult::ALL {
                    counter!(
                        MEETING_EVENTS,
                        "provider" => provider,
                        "kind" => kind,
                        "result" => result.as_str()
                    )
                    .increment(0);
                }
            }
        }
        Arc::new(GatewayMetrics {
            handle,
            zoom_hosts_near_daily_cap: RwLock::new(None),
        })
    }

    /// The hook the Zoom wiring sets so that `/metrics` reports how many
    /// hosts are near Zoom's daily create cap. Without it the gauge reads 0.
    pub fn watch_zoom_quota(&self, hosts_near_daily_cap: HostsNearDailyCap) {
        *self.zoom_hosts_near_daily_cap.write() = Some(hosts_near_daily_cap);
    }

    /// The Prometheus text for a scrape: the scrape-time gauges first.
    pub fn render(&self, engine: &Engine, store_up: bool, lease_held: bool) -> String {
        engine::metrics::observe(engine);
        gauge!(STORE_UP).set(if store_up { 1.0 } else { 0.0 });
        gauge!(DISPATCHER_LEASE_HELD).set(if lease_held { 1.0 } else { 0.0 });
        let hosts_near_cap = self
            .zoom_hosts_near_daily_cap
            .read()
            .as_ref()
            .map_or(0, |count| count());
        gauge!(ZOOM_HOSTS_NEAR_DAILY_CAP).set(hosts_near_cap as f64);
        self.handle.render()
    }
}

/// Installs the process's Prometheus recorder, if not yet installed. Events
/// recorded before it are lost: call it before starting the engine.
pub fn install() {
    recorder();
}

/// The process's recorder, installed on first use.
fn recorder() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let mut builder = PrometheusBuilder::new();
        let buckets = engine::metrics::HISTOGRAM_BUCKETS
            .iter()
            .copied()
            .chain([(HTTP_REQUEST_DURATION, HTTP_BUCKETS)]);
        for (name, values) in buckets {
            builder = builder
                .set_buckets_for_metric(Matcher::Full(name.to_string()), values)
                // unwrap: the bucket lists are non-empty constants.
                .expect("histogram buckets are not empty");
        }
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!(
                "another metrics recorder is installed: /metrics shows no engine metrics"
            );
        }
        engine::metrics::describe();
        describe();
        let upkeep = handle.clone();
        let spawned = std::thread::Builder::new()
            .name("metrics-upkeep".to_string())
            .spawn(move || loop {
                std::thread::sleep(UPKEEP_PERIOD);
                upkeep.run_upkeep();
            });
        if let Err(error) = spawned {
            tracing::warn!(%error, "no metrics upkeep thread: histograms fold at each scrape");
        }
        handle
    })
}

fn describe() {
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests answered, by matched route, method and status."
    );
    describe_histogram!(
        HTTP_REQUEST_DURATION,
        "Time to answer an HTTP request (until the response headers), by matched route and method; a held poll's hold (?wait=N) is not counted."
    );
    describe_counter!(
        POLL_RESPONSES,
        "Answers to the ticket and console polls: 304 (unchanged snapshot) or 200."
    );
    describe_gauge!(
        STORE_UP,
        "Whether the store answered a cheap read at the last scrape (1) or not (0)."
    );
    describe_gauge!(
        DISPATCHER_LEASE_HELD,
        "Whether this process holds the dispatcher lease (always 1 with the memory store)."
    );
    describe_gauge!(
        ZOOM_HOSTS_NEAR_DAILY_CAP,
        "Zoom hosts at or over the warning threshold of their daily meeting-create cap."
    );
    describe_gauge!(
        HELD_POLLS,
        "Console and ticket polls held now (?wait=N), waiting for a change."
    );
    describe_gauge!(BUILD_INFO, "The running version of ventanilla (always 1).");
    describe_counter!(
        MEETING_EVENTS,
        "Meeting events received (Zoom webhooks, local room buttons), by provider, kind and result: applied to a console, or ignored as unknown_meeting, ignored (not used) or duplicate (a redelivery)."
    );
}

/// `GET /metrics`.
pub fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(scrape))
}

async fn scrape(State(state): State<AppState>) -> Response {
    let store_up = matches!(
        tokio::time::timeout(STORE_PROBE_TIMEOUT, state.engine.check_store()).await,
        Ok(Ok(()))
    );
    gauge!(HELD_POLLS).set(state.held_polls.held() as f64);
    let body = state
        .metrics
        .render(&state.engine, store_up, state.holds_lease());
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Middleware: counts and times every request by its matched route (the
/// route template, never the path: ticket ids stay out of the labels).
pub async fn track_requests(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED_ROUTE, MatchedPath::as_str)
        .to_string();
    let method = method_label(request.method());
    let response = next.run(request).await;
    let held = response
        .extensions()
        .get::<HeldFor>()
        .map_or(Duration::ZERO, |held| held.0);
    record_request(
        route,
        method,
        response.status(),
        started.elapsed().saturating_sub(held),
    );
    response
}

/// One answered request.
fn record_request(route: String, method: &'static str, status: StatusCode, took: Duration) {
    let status_label = status.as_u16().to_string();
    if POLL_ROUTES.contains(&route.as_str())
        && (status == StatusCode::OK || status == StatusCode::NOT_MODIFIED)
    {
        counter!(POLL_RESPONSES, "route" => route.clone(), "status" => status_label.clone())
            .increment(1);
    }
    counter!(
        HTTP_REQUESTS,
        "route" => route.clone(),
        "method" => method,
        "status" => status_label
    )
    .increment(1);
    histogram!(HTTP_REQUEST_DURATION, "route" => route, "method" => method)
        .record(took.as_secs_f64());
}

/// The method as a label: the standard ones, anything else as "other".
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unusual_methods_share_one_label() {
        assert_eq!(method_label(&Method::GET), "GET");
        let custom = Method::from_bytes(b"PROPFIND").expect("valid method");
        assert_eq!(method_label(&custom), "other");
    }
}
