//! What the run measures while it runs: latency histograms per call,
//! counters, the operators' states and the per-window waits that the
//! sampler turns into time series.
//!
//! Latencies are kept twice. *Corrected* latencies run from the instant the
//! request was meant to be sent (the arrival time of an open-model taxpayer,
//! the scheduled tick of a poll); *service* latencies from the instant it was
//! actually sent. When the client or the gateway falls behind, only the
//! corrected ones show it: that is the correction for coordinated omission.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

/// Largest latency a histogram holds: one hour, in microseconds.
const HIGHEST_MICROS: u64 = 3_600_000_000;

/// A histogram of microseconds, 1 µs to one hour, 3 significant digits.
pub fn new_histogram() -> Histogram<u64> {
    // unwrap: constant, valid bounds.
    Histogram::new_with_bounds(1, HIGHEST_MICROS, 3).expect("valid histogram bounds")
}

fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros())
        .unwrap_or(u64::MAX)
        .max(1)
}

/// The two views of one kind of request's latency.
#[derive(Debug)]
pub struct LatencyRecorder {
    /// From the intended send time (coordinated-omission corrected).
    pub corrected: Histogram<u64>,
    /// From the actual send time (what the gateway alone took, plus the network).
    pub service: Histogram<u64>,
}

impl Default for LatencyRecorder {
    fn default() -> Self {
        LatencyRecorder {
            corrected: new_histogram(),
            service: new_histogram(),
        }
    }
}

impl LatencyRecorder {
    /// Records one request meant to leave at `intended`, sent at `sent`,
    /// answered at `done`. A request sent early (never happens) counts as on time.
    pub fn record(&mut self, intended: Instant, sent: Instant, done: Instant) {
        let corrected = done.saturating_duration_since(intended.min(sent));
        let service = done.saturating_duration_since(sent);
        self.record_durations(corrected, service);
    }

    /// Records one request by its two durations.
    pub fn record_durations(&mut self, corrected: Duration, service: Duration) {
        self.corrected.saturating_record(micros(corrected));
        self.service.saturating_record(micros(service));
    }
}

/// The calls the load tester makes, for per-call statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    Join,
    TicketPoll,
    Accept,
    Abandon,
    Login,
    Availability,
    Attend,
    Interrupt,
    Start,
    Finalize,
    ConsolePoll,
    Services,
    ConsistencyPoll,
}

impl Endpoint {
    /// Every endpoint, in report order.
    pub const ALL: [Endpoint; 13] = [
        Endpoint::Join,
        Endpoint::TicketPoll,
        Endpoint::Accept,
        Endpoint::Abandon,
        Endpoint::Login,
        Endpoint::Availability,
        Endpoint::Attend,
        Endpoint::Interrupt,
        Endpoint::Start,
        Endpoint::Finalize,
        Endpoint::ConsolePoll,
        Endpoint::Services,
        Endpoint::ConsistencyPoll,
    ];

    /// The call as API.md writes it.
    pub fn label(self) -> &'static str {
        match self {
            Endpoint::Join => "POST /api/v1/tickets",
            Endpoint::TicketPoll => "GET /api/v1/tickets/{id}",
            Endpoint::Accept => "POST /api/v1/tickets/{id}/accept",
            Endpoint::Abandon => "POST /api/v1/tickets/{id}/abandon",
            Endpoint::Login => "POST /api/v1/session",
            Endpoint::Availability => "PUT /api/v1/operator/availability",
            Endpoint::Attend => "POST /api/v1/operator/attend",
            Endpoint::Interrupt => "POST /api/v1/operator/interrupt",
            Endpoint::Start => "POST /api/v1/operator/start",
            Endpoint::Finalize => "POST /api/v1/operator/finalize",
            Endpoint::ConsolePoll => "GET /api/v1/operator/console",
            Endpoint::Services => "GET /api/v1/services",
            Endpoint::ConsistencyPoll => "GET /api/v1/tickets/{id} (check)",
        }
    }

    /// Whether this call is one of the 9-second polls.
    pub fn is_poll(self) -> bool {
        matches!(self, Endpoint::TicketPoll | Endpoint::ConsolePoll)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Counters and histograms of one endpoint.
#[derive(Debug, Default)]
pub struct EndpointStats {
    pub latency: Mutex<LatencyRecorder>,
    pub requests: AtomicU64,
    pub not_modified: AtomicU64,
    /// Expected refusals of a race (e.g. 409 `invalid_state` on accept after the
    /// operator already finalized): not errors.
    pub conflicts: AtomicU64,
    pub errors: AtomicU64,
}

/// A simulated operator's console state, as the sampler counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum OperatorPhase {
    /// Not logged in yet, or stopped.
    Offline = 0,
    /// Idle: on a break or about to press Atender.
    Idle = 1,
    /// Waiting for a taxpayer.
    Waiting = 2,
    /// Holding a taxpayer: assigned, in a meeting or closing an abandonment.
    Busy = 3,
}

/// Whole-run counters that the progress bar and the report show.
#[derive(Debug, Default)]
pub struct Counters {
    /// Arrivals the schedule produced (sent or dropped).
    pub arrivals: AtomicU64,
    /// Arrivals not sent because `max_live_taxpayers` was reached.
    pub dropped: AtomicU64,
    /// Joins answered 201.
    pub joined: AtomicU64,
    /// Joins refused (any non-201 answer or a transport error).
    pub join_failed: AtomicU64,
    /// Taxpayers who pressed Aceptar successfully.
    pub accepted: AtomicU64,
    /// Taxpayers who abandoned while waiting.
    pub abandoned_waiting: AtomicU64,
    /// Taxpayers who abandoned after being assigned (a race with assignment).
    pub abandoned_assigned: AtomicU64,
    /// Taxpayers who saw their operator and never accepted.
    pub never_accepted: AtomicU64,
    /// Tickets whose taxpayer saw them finished.
    pub finished_seen: AtomicU64,
    /// Attentions finalized after a meeting (the operator's "attended").
    pub served: AtomicU64,
    /// Attentions closed because the taxpayer had left.
    pub closed_abandoned: AtomicU64,
    /// Interrumpir pressed (while waiting or at Finalizar).
    pub interrupts: AtomicU64,
    /// Taxpayers alive on the client now.
    pub live_taxpayers: AtomicUsize,
}

/// Everything measured during one run; shared by every simulated client.
#[derive(Debug)]
pub struct Metrics {
    endpoints: Vec<EndpointStats>,
    pub counters: Counters,
    /// Outcome code → finalizations.
    pub outcomes: Mutex<BTreeMap<String, u64>>,
    /// "call: status code" → count, for the report.
    pub error_kinds: Mutex<BTreeMap<String, u64>>,
    /// The first few error messages, verbatim, for diagnosis.
    pub error_samples: Mutex<Vec<String>>,
    /// Conflict code → count.
    pub conflict_kinds: Mutex<BTreeMap<String, u64>>,
    /// `assigned_at − joined_at`, the engine's own timestamps, whole run.
    pub wait: Mutex<Histogram<u64>>,
    /// The same, for the current sampling window only.
    pub wait_window: Mutex<Histogram<u64>>,
    /// One slot per simulated operator.
    pub operator_phases: Vec<AtomicU8>,
    /// The estimates told to taxpayers against their real waits.
    pub estimates: crate::estimates::EstimateAccuracy,
}

/// How many error messages are kept verbatim.
const ERROR_SAMPLES: usize = 20;

impl Metrics {
    /// Fresh metrics for `operators` simulated operators.
    pub fn new(operators: usize) -> Metrics {
        Metrics {
            endpoints: Endpoint::ALL
                .iter()
                .map(|_| EndpointStats::default())
                .collect(),
            counters: Counters::default(),
            outcomes: Mutex::new(BTreeMap::new()),
            error_kinds: Mutex::new(BTreeMap::new()),
            error_samples: Mutex::new(Vec::new()),
            conflict_kinds: Mutex::new(BTreeMap::new()),
            wait: Mutex::new(new_histogram()),
            wait_window: Mutex::new(new_histogram()),
            operator_phases: (0..operators).map(|_| AtomicU8::new(0)).collect(),
            estimates: crate::estimates::EstimateAccuracy::default(),
        }
    }

    /// The statistics of one endpoint.
    pub fn endpoint(&self, endpoint: Endpoint) -> &EndpointStats {
        &self.endpoints[endpoint.index()]
    }

    /// Records an answered or failed request's latency.
    pub fn record_latency(
        &self,
        endpoint: Endpoint,
        intended: Instant,
        sent: Instant,
        done: Instant,
    ) {
        let stats = self.endpoint(endpoint);
        stats.requests.fetch_add(1, Ordering::Relaxed);
        stats.latency.lock().record(intended, sent, done);
    }

    /// Counts a 304.
    pub fn record_not_modified(&self, endpoint: Endpoint) {
        self.endpoint(endpoint)
            .not_modified
            .fetch_add(1, Ordering::Relaxed);
    }

    /// Counts an expected refusal.
    pub fn record_conflict(&self, endpoint: Endpoint, code: &str) {
        self.endpoint(endpoint)
            .conflicts
            .fetch_add(1, Ordering::Relaxed);
        *self
            .conflict_kinds
            .lock()
            .entry(format!("{}: {code}", endpoint.label()))
            .or_default() += 1;
    }

    /// Counts an error: `kind` groups it in the report, `detail` may be kept.
    pub fn record_error(&self, endpoint: Endpoint, kind: &str, detail: &str) {
        self.endpoint(endpoint)
            .errors
            .fetch_add(1, Ordering::Relaxed);
        *self
            .error_kinds
            .lock()
            .entry(format!("{}: {kind}", endpoint.label()))
            .or_default() += 1;
        let mut samples = self.error_samples.lock();
        if samples.len() < ERROR_SAMPLES {
            samples.push(format!("{}: {kind}: {detail}", endpoint.label()));
        }
    }

    /// Records one ticket's wait from join to assignment.
    pub fn record_wait(&self, wait: Duration) {
        let value = micros(wait);
        self.wait.lock().saturating_record(value);
        self.wait_window.lock().saturating_record(value);
    }

    /// Counts a finalization by outcome.
    pub fn record_outcome(&self, outcome: &str) {
        *self.outcomes.lock().entry(outcome.to_string()).or_default() += 1;
    }

    /// Sets a simulated operator's phase.
    pub fn set_operator_phase(&self, operator: usize, phase: OperatorPhase) {
        if let Some(slot) = self.operator_phases.get(operator) {
            slot.store(phase as u8, Ordering::Relaxed);
        }
    }

    /// How many operators are in each phase: (idle, waiting, busy).
    pub fn operator_phase_counts(&self) -> (u64, u64, u64) {
        let (mut idle, mut waiting, mut busy) = (0, 0, 0);
        for slot in &self.operator_phases {
            match slot.load(Ordering::Relaxed) {
                1 => idle += 1,
                2 => waiting += 1,
                3 => busy += 1,
                _ => {}
            }
        }
        (idle, waiting, busy)
    }

    /// Requests and errors over all endpoints except the consistency check.
    pub fn totals(&self) -> (u64, u64) {
        Endpoint::ALL
            .iter()
            .filter(|endpoint| **endpoint != Endpoint::ConsistencyPoll)
            .map(|endpoint| {
                let stats = self.endpoint(*endpoint);
                (
                    stats.requests.load(Ordering::Relaxed),
                    stats.errors.load(Ordering::Relaxed),
                )
            })
            .fold((0, 0), |(requests, errors), (r, e)| {
                (requests + r, errors + e)
            })
    }

    /// Polls answered so far (200 or 304).
    pub fn polls(&self) -> u64 {
        [Endpoint::TicketPoll, Endpoint::ConsolePoll]
            .iter()
            .map(|endpoint| self.endpoint(*endpoint).requests.load(Ordering::Relaxed))
            .sum()
    }

    /// Takes the current window's waits and starts a new window.
    pub fn take_wait_window(&self) -> Histogram<u64> {
        let mut window = self.wait_window.lock();
        let taken = window.clone();
        window.reset();
        taken
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One connection, requests meant every millisecond; the gateway answers in
    /// 100 µs except once, when it stalls for 200 ms. Returns the recorder.
    fn stalled_run() -> LatencyRecorder {
        let base = Instant::now();
        let interval = Duration::from_millis(1);
        let mut recorder = LatencyRecorder::default();
        let mut free_at = base;
        for index in 0..1_000u32 {
            let intended = base + interval * index;
            // A closed-loop client cannot send before the previous answer.
            let sent = intended.max(free_at);
            let took = if index == 500 {
                Duration::from_millis(200)
            } else {
                Duration::from_micros(100)
            };
            let done = sent + took;
            free_at = done;
            recorder.record(intended, sent, done);
        }
        recorder
    }

    #[test]
    fn a_stall_is_charged_to_every_request_that_should_have_been_sent_during_it() {
        let recorder = stalled_run();
        // Measured from the send time, the stall is one request in a thousand.
        assert!(recorder.service.value_at_quantile(0.99) < 1_000);
        assert_eq!(recorder.service.len(), 1_000);
        // From the intended times, about 200 requests waited behind it: p90
        // and p99 show the stall.
        assert!(recorder.corrected.value_at_quantile(0.99) > 150_000);
        assert!(recorder.corrected.value_at_quantile(0.90) > 50_000);
        assert!(recorder.corrected.value_at_quantile(0.50) < 1_000);
    }

    #[test]
    fn the_correction_matches_hdrhistograms_own_for_a_fixed_interval() {
        // hdrhistogram's record_correct fills in the requests a closed-loop
        // client failed to send; measuring from intended send times gives the
        // same tail (the two differ in the middle only by how many requests
        // they count: the phantom ones add to the total, ours do not).
        let recorder = stalled_run();
        let mut expected = new_histogram();
        for index in 0..1_000u32 {
            let value = if index == 500 { 200_000 } else { 100 };
            expected
                .record_correct(value, 1_000)
                .expect("value within bounds");
        }
        for quantile in [0.5, 0.99, 0.999, 1.0] {
            let ours = recorder.corrected.value_at_quantile(quantile) as f64;
            let theirs = expected.value_at_quantile(quantile) as f64;
            assert!(
                (ours - theirs).abs() <= theirs * 0.05 + 200.0,
                "q{quantile}: ours {ours} µs, hdrhistogram {theirs} µs"
            );
        }
    }

    #[test]
    fn operator_phases_are_counted() {
        let metrics = Metrics::new(3);
        metrics.set_operator_phase(0, OperatorPhase::Busy);
        metrics.set_operator_phase(1, OperatorPhase::Waiting);
        metrics.set_operator_phase(2, OperatorPhase::Busy);
        assert_eq!(metrics.operator_phase_counts(), (0, 1, 2));
    }

    #[test]
    fn errors_are_grouped_and_sampled() {
        let metrics = Metrics::new(0);
        for _ in 0..30 {
            metrics.record_error(Endpoint::Join, "500 internal", "boom");
        }
        assert_eq!(metrics.error_kinds.lock().values().sum::<u64>(), 30);
        assert_eq!(metrics.error_samples.lock().len(), ERROR_SAMPLES);
        assert_eq!(
            metrics
                .endpoint(Endpoint::Join)
                .errors
                .load(Ordering::Relaxed),
            30
        );
    }
}
