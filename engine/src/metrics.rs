//! The engine's Prometheus metrics: one `record_…` function per event, called
//! beside the state change that makes the event true (after the store has
//! committed it), and [`observe`] for the gauges read from the published
//! snapshots when Prometheus scrapes.
//!
//! Metrics go through the `metrics` facade: without an installed recorder
//! (engine tests, benchmarks) every call is a no-op. The gateway installs the
//! Prometheus recorder, with the histogram buckets of [`HISTOGRAM_BUCKETS`].
//! Labels come from small fixed sets only (service codes from the
//! configuration, outcomes, console states, operation names): never an
//! operator id, a NIF or a ticket id.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};

use crate::catalog::Catalog;
use crate::console::{attention_time_exceeded, console_state, ConsoleState};
use crate::domain::{Annotation, Nif, Outcome, ServiceCode};
use crate::meeting::{MeetingError, MeetingProvider, MeetingRequest};
use crate::store::{
    AbandonReason, Change, LoggedChange, MeetingRecord, Store, StoreError, StoredState,
    TrimCutoffs, TrimReport,
};
use crate::views::DutyView;
use crate::{Engine, EngineParts};

// Events (counters and histograms recorded at commit points).
pub const TICKETS_JOINED: &str = "ventanilla_tickets_joined_total";
pub const TICKETS_ASSIGNED: &str = "ventanilla_tickets_assigned_total";
pub const TICKETS_ASSIGNED_WITHIN_TARGET: &str = "ventanilla_tickets_assigned_within_target_total";
pub const TICKETS_ABANDONED: &str = "ventanilla_tickets_abandoned_total";
pub const TICKETS_RETURNED: &str = "ventanilla_tickets_returned_total";
pub const RETENTION_REMOVED: &str = "ventanilla_retention_removed_total";
pub const TICKETS_ABSENT: &str = "ventanilla_tickets_absent";
pub const TICKETS_ACCEPTED: &str = "ventanilla_tickets_accepted_total";
pub const TICKET_WAIT: &str = "ventanilla_ticket_wait_seconds";
pub const ESTIMATED_WAIT_ERROR: &str = "ventanilla_estimated_wait_error_seconds";
pub const ATTENTIONS_FINALIZED: &str = "ventanilla_attentions_finalized_total";
pub const ATTENTION_DURATION: &str = "ventanilla_attention_duration_seconds";
pub const ATTENTIONS_OVER_TIME: &str = "ventanilla_attentions_over_time_total";
pub const INTERRUPTS_REFUSED: &str = "ventanilla_interrupts_refused_total";
pub const STORE_OPERATION_DURATION: &str = "ventanilla_store_operation_duration_seconds";
pub const STORE_ERRORS: &str = "ventanilla_store_errors_total";
pub const STORE_RECONNECTS: &str = "ventanilla_store_reconnects_total";
pub const MEETING_CALLS: &str = "ventanilla_meeting_provider_calls_total";
pub const MEETING_CALL_DURATION: &str = "ventanilla_meeting_provider_call_duration_seconds";
pub const DISPATCHER_IN_FLIGHT: &str = "ventanilla_dispatcher_messages_in_flight";
pub const CONFIG_RELOADS: &str = "ventanilla_config_reloads_total";

// Gauges computed from the snapshots at scrape time ([`observe`]).
pub const TICKETS_WAITING: &str = "ventanilla_tickets_waiting";
pub const OLDEST_WAITING_AGE: &str = "ventanilla_oldest_waiting_ticket_age_seconds";
pub const SERVICE_OPEN: &str = "ventanilla_service_open";
pub const OPERATORS: &str = "ventanilla_operators";
pub const OPERATORS_AVAILABLE: &str = "ventanilla_operators_available";
pub const OPERATORS_SERVING: &str = "ventanilla_operators_serving";
pub const OPERATORS_ATTENTION_TIME_EXCEEDED: &str = "ventanilla_operators_attention_time_exceeded";
pub const AVERAGE_ATTENTION: &str = "ventanilla_average_attention_seconds";
pub const ATTENDED_TODAY: &str = "ventanilla_taxpayers_attended_today";
pub const ACTORS_ALIVE: &str = "ventanilla_actors_alive";
pub const SERVICE_LEVEL_TARGET: &str = "ventanilla_service_level_target_seconds";

/// Explicit buckets for every engine histogram (without them the Prometheus
/// exporter renders a summary, which cannot be aggregated across services).
pub const HISTOGRAM_BUCKETS: &[(&str, &[f64])] = &[
    (
        TICKET_WAIT,
        &[
            5.0, 15.0, 30.0, 60.0, 120.0, 180.0, 300.0, 600.0, 900.0, 1200.0, 1800.0, 2700.0,
            3600.0, 5400.0, 7200.0,
        ],
    ),
    (
        ESTIMATED_WAIT_ERROR,
        &[
            5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0,
        ],
    ),
    (
        ATTENTION_DURATION,
        &[
            30.0, 60.0, 120.0, 180.0, 240.0, 300.0, 420.0, 600.0, 900.0, 1200.0, 1800.0, 3600.0,
        ],
    ),
    (
        STORE_OPERATION_DURATION,
        &[
            0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
        ],
    ),
    (
        MEETING_CALL_DURATION,
        &[0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0],
    ),
];

/// The service-level target when none is configured: a taxpayer assigned
/// within five minutes of joining counts as served in time.
pub const DEFAULT_SERVICE_LEVEL_TARGET: Duration = Duration::from_secs(300);

/// Process-wide, like the recorder: the gateway sets it from its command line.
static SERVICE_LEVEL_TARGET_MS: AtomicU64 =
    AtomicU64::new(DEFAULT_SERVICE_LEVEL_TARGET.as_millis() as u64);

/// Sets the wait within which an assignment counts toward the service level.
pub fn set_service_level_target(target: Duration) {
    SERVICE_LEVEL_TARGET_MS.store(target.as_millis() as u64, Ordering::Relaxed);
}

/// The wait within which an assignment counts toward the service level.
pub fn service_level_target() -> Duration {
    Duration::from_millis(SERVICE_LEVEL_TARGET_MS.load(Ordering::Relaxed))
}

/// Where a ticket was when its taxpayer pressed Abandonar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbandonedWhile {
    /// Still in the queue.
    Waiting,
    /// Held by an operator (assigned or in the meeting).
    Assigned,
}

impl AbandonedWhile {
    fn as_str(self) -> &'static str {
        match self {
            AbandonedWhile::Waiting => "waiting",
            AbandonedWhile::Assigned => "assigned",
        }
    }
}

const STORE_OPERATIONS: [&str; 5] = ["load", "apply", "history", "events", "trim"];
const STORE_ERROR_KINDS: [&str; 3] = ["unavailable", "conflict", "corrupt"];
const MEETING_OPERATIONS: [&str; 2] = ["create", "end"];

fn service_label(service: &ServiceCode) -> String {
    service.as_str().to_string()
}

/// A taxpayer joined `service`'s queue (the join is committed).
pub fn record_join(service: &ServiceCode) {
    counter!(TICKETS_JOINED, "service" => service_label(service)).increment(1);
}

/// A ticket of `service` was matched to an operator (the match is committed)
/// after waiting `waited`; `estimated` is what its taxpayer was told at join
/// (none for a ticket matched at once, or recovered after a restart).
pub fn record_assignment(service: &ServiceCode, waited: Duration, estimated: Option<Duration>) {
    let label = service_label(service);
    counter!(TICKETS_ASSIGNED, "service" => label.clone()).increment(1);
    if waited <= service_level_target() {
        counter!(TICKETS_ASSIGNED_WITHIN_TARGET, "service" => label.clone()).increment(1);
    }
    histogram!(TICKET_WAIT, "service" => label.clone()).record(waited.as_secs_f64());
    if let Some(estimated) = estimated {
        let error = estimated.as_secs_f64() - waited.as_secs_f64();
        histogram!(ESTIMATED_WAIT_ERROR, "service" => label).record(error.abs());
    }
}

/// A ticket of `service` was abandoned (the abandonment is committed): its
/// taxpayer pressed Abandonar, or its page went silent.
pub fn record_abandon(service: &ServiceCode, stage: AbandonedWhile, reason: AbandonReason) {
    counter!(TICKETS_ABANDONED, "service" => service_label(service), "state" => stage.as_str(), "reason" => reason.as_str())
        .increment(1);
}

/// An absent ticket of `service` was polled again within its grace and is
/// back in its place.
pub fn record_return(service: &ServiceCode) {
    counter!(TICKETS_RETURNED, "service" => service_label(service)).increment(1);
}

/// What a retention pass removed, by kind.
pub fn record_prune(report: &crate::actors::janitor::PruneReport) {
    counter!(RETENTION_REMOVED, "kind" => "tickets").increment(report.tickets as u64);
    counter!(RETENTION_REMOVED, "kind" => "events").increment(report.store.events);
    counter!(RETENTION_REMOVED, "kind" => "annotations").increment(report.store.annotations);
}

/// Waiting tickets of `service` set aside as absent now (the sweep sets it).
pub fn record_absent(service: &ServiceCode, absent: usize) {
    gauge!(TICKETS_ABSENT, "service" => service_label(service)).set(absent as f64);
}

/// A taxpayer of `service` pressed "Aceptar y Acceder" (counts as attended).
pub fn record_accept(service: &ServiceCode) {
    counter!(TICKETS_ACCEPTED, "service" => service_label(service)).increment(1);
}

/// An attention of `service` was finalized with `outcome`. `attention` is
/// the start-to-finalize time that feeds the estimate (none without a
/// meeting or when the taxpayer abandoned); `over_time` says whether the
/// console was showing the attention-time warning when it was finalized.
pub fn record_outcome(
    service: &ServiceCode,
    outcome: Outcome,
    attention: Option<Duration>,
    over_time: bool,
) {
    let label = service_label(service);
    counter!(ATTENTIONS_FINALIZED, "service" => label.clone(), "outcome" => outcome.as_str())
        .increment(1);
    if let Some(attention) = attention {
        histogram!(ATTENTION_DURATION, "service" => label.clone()).record(attention.as_secs_f64());
    }
    if over_time {
        counter!(ATTENTIONS_OVER_TIME, "service" => label).increment(1);
    }
}

/// Interrumpir (or Finalizar e Interrumpir) was refused: the end of the day
/// is near and taxpayers wait.
pub fn record_interrupt_refused() {
    counter!(INTERRUPTS_REFUSED).increment(1);
}

/// A configuration reload ended: `"applied"` or `"refused"`.
pub fn record_config_reload(result: &'static str) {
    counter!(CONFIG_RELOADS, "result" => result).increment(1);
}

/// One store call ended after `took`, failing with `error` if it did.
pub fn record_store_operation(operation: &'static str, took: Duration, error: Option<&StoreError>) {
    histogram!(STORE_OPERATION_DURATION, "operation" => operation).record(took.as_secs_f64());
    if let Some(error) = error {
        let kind = match error {
            StoreError::Unavailable(_) => "unavailable",
            StoreError::Conflict(_) => "conflict",
            StoreError::Corrupt(_) => "corrupt",
        };
        counter!(STORE_ERRORS, "operation" => operation, "kind" => kind).increment(1);
    }
}

/// The store dropped a broken connection or retried opening one.
pub fn record_store_reconnect() {
    counter!(STORE_RECONNECTS).increment(1);
}

/// One call to the meeting provider ended after `took`.
pub fn record_meeting_call(operation: &'static str, took: Duration, succeeded: bool) {
    let status = if succeeded { "ok" } else { "error" };
    counter!(MEETING_CALLS, "operation" => operation, "status" => status).increment(1);
    histogram!(MEETING_CALL_DURATION, "operation" => operation).record(took.as_secs_f64());
}

/// Counts one request message to the dispatcher from creation to drop: hold
/// it across the `send(…).await`. Actix does not expose a mailbox's length, so
/// this is the dispatcher's queue depth plus the message it is handling.
#[must_use = "the message counts as in flight only while the guard lives"]
pub struct DispatcherMessageInFlight(());

impl DispatcherMessageInFlight {
    pub fn sent() -> DispatcherMessageInFlight {
        gauge!(DISPATCHER_IN_FLIGHT).increment(1.0);
        DispatcherMessageInFlight(())
    }
}

impl Drop for DispatcherMessageInFlight {
    fn drop(&mut self) {
        gauge!(DISPATCHER_IN_FLIGHT).decrement(1.0);
    }
}

/// Sets every scrape-time gauge from the engine's published snapshots: the
/// same snapshots and the same decisions (`crate::console`) the consoles use, so the
/// dashboards never disagree with what operators see. No actor is messaged.
pub fn observe(engine: &Engine) {
    let views = engine.views();
    let catalog = engine.catalog();
    let now = engine.now();
    let today = catalog.calendar.local_date(now);

    let mut by_state: HashMap<ConsoleState, u64> =
        ConsoleState::ALL.iter().map(|state| (*state, 0)).collect();
    let mut available: HashMap<ServiceCode, u64> = HashMap::new();
    let mut over_time: HashMap<ServiceCode, u64> = HashMap::new();
    let mut attended_today = 0u64;
    for profile in &catalog.operators {
        let Some(view) = views.operator(&profile.id) else {
            continue;
        };
        *by_state
            .entry(console_state(views, &view, now))
            .or_default() += 1;
        for code in view.available_services(&catalog) {
            *available.entry(code.clone()).or_default() += 1;
        }
        attended_today += u64::from(view.attended.on(today));
        let meeting = match &view.duty {
            DutyView::InMeeting {
                assignment,
                meeting,
            } => Some((assignment, meeting)),
            DutyView::TaxpayerAbandoned {
                assignment,
                meeting: Some(meeting),
                ..
            } => Some((assignment, meeting)),
            _ => None,
        };
        if let Some((assignment, meeting)) = meeting {
            let exceeded = catalog.service(&assignment.service).is_some_and(|service| {
                attention_time_exceeded(service, meeting.attention_started_at(), now)
            });
            if exceeded {
                *over_time.entry(assignment.service.clone()).or_default() += 1;
            }
        }
    }
    for (state, count) in by_state {
        gauge!(OPERATORS, "state" => state.as_str()).set(count as f64);
    }
    gauge!(ATTENDED_TODAY).set(attended_today as f64);

    for service in catalog.services() {
        let code = &service.code;
        let label = service_label(code);
        let figures = views.figures(code);
        let figures = figures.as_deref();
        let waiting = figures.map_or(0, |figures| figures.waiting());
        let oldest_age = figures
            .and_then(|figures| figures.oldest_joined())
            .map_or(0.0, |joined| {
                now.duration_since(joined).as_secs_f64().max(0.0)
            });
        gauge!(TICKETS_WAITING, "service" => label.clone()).set(f64::from(waiting));
        gauge!(OLDEST_WAITING_AGE, "service" => label.clone()).set(oldest_age);
        gauge!(SERVICE_OPEN, "service" => label.clone()).set(if catalog.is_open(code, now) {
            1.0
        } else {
            0.0
        });
        gauge!(OPERATORS_AVAILABLE, "service" => label.clone())
            .set(available.get(code).copied().unwrap_or(0) as f64);
        gauge!(OPERATORS_SERVING, "service" => label.clone()).set(f64::from(
            figures.map_or(0, |figures| figures.serving_operators()),
        ));
        gauge!(OPERATORS_ATTENTION_TIME_EXCEEDED, "service" => label.clone())
            .set(over_time.get(code).copied().unwrap_or(0) as f64);
        gauge!(AVERAGE_ATTENTION, "service" => label).set(
            figures
                .map_or(service.attention, |figures| figures.average_attention())
                .as_secs_f64(),
        );
    }

    let actors = engine.actor_counts();
    gauge!(ACTORS_ALIVE, "kind" => "dispatcher").set(actors.dispatcher as f64);
    gauge!(ACTORS_ALIVE, "kind" => "operator").set(actors.operators as f64);
    gauge!(ACTORS_ALIVE, "kind" => "ticket").set(actors.tickets as f64);
    gauge!(SERVICE_LEVEL_TARGET).set(service_level_target().as_secs_f64());
}

/// Live actors by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ActorCounts {
    pub dispatcher: usize,
    pub operators: usize,
    pub tickets: usize,
}

/// Help text for every engine metric. Call once, after installing a recorder.
pub fn describe() {
    describe_counter!(TICKETS_JOINED, "Taxpayers who joined a service queue.");
    describe_counter!(
        TICKETS_ASSIGNED,
        "Tickets matched to an operator (the match committed to the store)."
    );
    describe_counter!(
        TICKETS_ASSIGNED_WITHIN_TARGET,
        "Tickets matched to an operator within the service-level target wait (see ventanilla_service_level_target_seconds)."
    );
    describe_counter!(
        TICKETS_ABANDONED,
        "Abandoned tickets, by where the ticket was (waiting in the queue or assigned to an operator) and why (reason: taxpayer pressed Abandonar, or absent: their page stopped answering)."
    );
    describe_counter!(
        RETENTION_REMOVED,
        "What retention removed ([retention]): ended tickets, event log entries and annotations, by kind."
    );
    describe_counter!(
        TICKETS_RETURNED,
        "Absent tickets whose page polled again within [presence] grace: back in their original place."
    );
    describe_gauge!(
        TICKETS_ABSENT,
        "Waiting tickets set aside as absent (no poll for [presence] absent_after): skipped by dispatch, keeping their place."
    );
    describe_counter!(
        TICKETS_ACCEPTED,
        "Taxpayers who pressed Aceptar y Acceder a la videoconferencia (counted as attended)."
    );
    describe_histogram!(
        TICKET_WAIT,
        "Time from joining the queue to being matched to an operator."
    );
    describe_histogram!(
        ESTIMATED_WAIT_ERROR,
        "Absolute difference between the wait estimated at join and the real wait, measured at assignment."
    );
    describe_counter!(
        ATTENTIONS_FINALIZED,
        "Attentions finalized by the operator, by outcome."
    );
    describe_histogram!(
        ATTENTION_DURATION,
        "Time from Iniciar Videoasistencia to Finalizar, for attentions the taxpayer did not abandon."
    );
    describe_counter!(
        ATTENTIONS_OVER_TIME,
        "Attentions finalized after the attention-time warning appeared on the console."
    );
    describe_counter!(
        INTERRUPTS_REFUSED,
        "Interrumpir refused because the end of the service day is near and taxpayers wait."
    );
    describe_histogram!(
        STORE_OPERATION_DURATION,
        "Duration of store operations, retries included."
    );
    describe_counter!(STORE_ERRORS, "Store operations that failed, by error kind.");
    describe_counter!(
        STORE_RECONNECTS,
        "Broken store connections dropped and connection attempts retried."
    );
    describe_counter!(
        MEETING_CALLS,
        "Calls to the meeting provider (Zoom or local), by operation and status."
    );
    describe_histogram!(
        MEETING_CALL_DURATION,
        "Duration of calls to the meeting provider."
    );
    describe_gauge!(
        DISPATCHER_IN_FLIGHT,
        "Request messages sent to the dispatcher and not answered yet: its mailbox depth plus the one being handled."
    );
    describe_gauge!(TICKETS_WAITING, "Tickets waiting in the service queue now.");
    describe_gauge!(
        OLDEST_WAITING_AGE,
        "How long the oldest waiting ticket of the service has waited (0 when none waits)."
    );
    describe_gauge!(
        SERVICE_OPEN,
        "Whether the service is within its opening hours now (1) or not (0)."
    );
    describe_gauge!(OPERATORS, "Operators by the state their console shows now.");
    describe_gauge!(
        OPERATORS_AVAILABLE,
        "Operators marked Disponible SÍ for the service."
    );
    describe_gauge!(
        OPERATORS_SERVING,
        "Operators on duty for the service now: waiting for a taxpayer or attending one."
    );
    describe_gauge!(
        OPERATORS_ATTENTION_TIME_EXCEEDED,
        "Operators whose console shows the attention-time warning now."
    );
    describe_gauge!(
        AVERAGE_ATTENTION,
        "Running average attention time used for wait estimates."
    );
    describe_gauge!(
        ATTENDED_TODAY,
        "Taxpayers attended today (Europe/Madrid day), summed over operators."
    );
    describe_gauge!(ACTORS_ALIVE, "Engine actors alive, by kind.");
    describe_counter!(
        CONFIG_RELOADS,
        "Configuration reloads (SIGHUP), by result: applied or refused."
    );
    describe_gauge!(
        SERVICE_LEVEL_TARGET,
        "The wait within which an assignment counts toward the service level."
    );
}

/// Registers every labelled series the engine can produce for `catalog`'s
/// services at zero, so rates and ratios exist before the first event.
pub fn initialize(catalog: &Catalog) {
    for result in ["applied", "refused"] {
        counter!(CONFIG_RELOADS, "result" => result).increment(0);
    }
    for service in catalog.services() {
        let label = service_label(&service.code);
        for name in [
            TICKETS_JOINED,
            TICKETS_ASSIGNED,
            TICKETS_ASSIGNED_WITHIN_TARGET,
            TICKETS_ACCEPTED,
            ATTENTIONS_OVER_TIME,
        ] {
            counter!(name, "service" => label.clone()).increment(0);
        }
        for stage in [AbandonedWhile::Waiting, AbandonedWhile::Assigned] {
            for reason in [AbandonReason::Taxpayer, AbandonReason::Absent] {
                counter!(TICKETS_ABANDONED, "service" => label.clone(), "state" => stage.as_str(), "reason" => reason.as_str())
                    .increment(0);
            }
        }
        counter!(TICKETS_RETURNED, "service" => label.clone()).increment(0);
        for kind in ["tickets", "events", "annotations"] {
            counter!(RETENTION_REMOVED, "kind" => kind).increment(0);
        }
        gauge!(TICKETS_ABSENT, "service" => label.clone()).set(0.0);
        for outcome in Outcome::ALL {
            counter!(ATTENTIONS_FINALIZED, "service" => label.clone(), "outcome" => outcome.as_str())
                .increment(0);
        }
        for name in [TICKET_WAIT, ESTIMATED_WAIT_ERROR, ATTENTION_DURATION] {
            let _ = histogram!(name, "service" => label.clone());
        }
    }
    counter!(INTERRUPTS_REFUSED).increment(0);
    counter!(STORE_RECONNECTS).increment(0);
    for operation in STORE_OPERATIONS {
        let _ = histogram!(STORE_OPERATION_DURATION, "operation" => operation);
        for kind in STORE_ERROR_KINDS {
            counter!(STORE_ERRORS, "operation" => operation, "kind" => kind).increment(0);
        }
    }
    for operation in MEETING_OPERATIONS {
        let _ = histogram!(MEETING_CALL_DURATION, "operation" => operation);
        for status in ["ok", "error"] {
            counter!(MEETING_CALLS, "operation" => operation, "status" => status).increment(0);
        }
    }
    gauge!(DISPATCHER_IN_FLIGHT).increment(0.0);
}

/// The engine's parts with the store and the meeting provider timed.
pub fn metered(parts: EngineParts) -> EngineParts {
    EngineParts {
        store: Arc::new(MeteredStore { inner: parts.store }),
        meetings: Arc::new(MeteredMeetings {
            inner: parts.meetings,
        }),
        ..parts
    }
}

async fn timed<T>(
    operation: &'static str,
    work: impl Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    let started = Instant::now();
    let result = work.await;
    record_store_operation(operation, started.elapsed(), result.as_ref().err());
    result
}

/// A store that records the duration and errors of every call.
struct MeteredStore {
    inner: Arc<dyn Store>,
}

#[async_trait]
impl Store for MeteredStore {
    async fn load(&self) -> Result<StoredState, StoreError> {
        timed("load", self.inner.load()).await
    }

    async fn apply(&self, change: &Change) -> Result<(), StoreError> {
        timed("apply", self.inner.apply(change)).await
    }

    async fn history(&self, nif: &Nif) -> Result<Vec<Annotation>, StoreError> {
        timed("history", self.inner.history(nif)).await
    }

    async fn events(&self, from: u64, limit: usize) -> Result<Vec<LoggedChange>, StoreError> {
        timed("events", self.inner.events(from, limit)).await
    }

    async fn trim(&self, cutoffs: &TrimCutoffs) -> Result<TrimReport, StoreError> {
        timed("trim", self.inner.trim(cutoffs)).await
    }
}

/// A meeting provider that records the duration and result of every call.
struct MeteredMeetings {
    inner: Arc<dyn MeetingProvider>,
}

#[async_trait]
impl MeetingProvider for MeteredMeetings {
    async fn create(&self, request: &MeetingRequest) -> Result<MeetingRecord, MeetingError> {
        let started = Instant::now();
        let result = self.inner.create(request).await;
        record_meeting_call("create", started.elapsed(), result.is_ok());
        result
    }

    async fn end(&self, meeting: &MeetingRecord) -> Result<(), MeetingError> {
        let started = Instant::now();
        let result = self.inner.end(meeting).await;
        record_meeting_call("end", started.elapsed(), result.is_ok());
        result
    }

    fn quota_warning(&self, provider_user: Option<&str>) -> Option<String> {
        self.inner.quota_warning(provider_user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_engine_histogram_has_explicit_buckets_in_increasing_order() {
        for name in [
            TICKET_WAIT,
            ESTIMATED_WAIT_ERROR,
            ATTENTION_DURATION,
            STORE_OPERATION_DURATION,
            MEETING_CALL_DURATION,
        ] {
            let (_, buckets) = HISTOGRAM_BUCKETS
                .iter()
                .find(|(histogram, _)| *histogram == name)
                .unwrap_or_else(|| panic!("{name} has no buckets"));
            assert!(buckets.windows(2).all(|pair| pair[0] < pair[1]), "{name}");
        }
    }
}
