//! How true the waits told to taxpayers were: for every taxpayer whose
//! real wait (join to assignment, the engine's timestamps) became known,
//! the estimate told at join and at each poll against what was left of it.
//!
//! The error of one estimate is |told − real| / real, kept for real waits
//! of at least [`MIN_REAL_WAIT`] (below that any estimate is "wrong" by a
//! large ratio and says nothing); a taxpayer told "no wait" (0 s) who then
//! waited at least a second is counted apart, and so is one served within a
//! second who had been told to wait.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use hdrhistogram::Histogram;
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

/// Real waits shorter than this are not judged by their relative error.
pub const MIN_REAL_WAIT: Duration = Duration::from_secs(3);

/// A taxpayer "waited" when it took at least this long to be assigned.
const WAITED: Duration = Duration::from_secs(1);

/// Polls remembered per ticket until its wait is known (the rest are dropped).
pub const MAX_POLLS_PER_TICKET: usize = 1024;

/// Relative errors are kept in permille, up to 1000× the real wait.
const MAX_PERMILLE: u64 = 1_000_000;

/// What one taxpayer was told while waiting.
#[derive(Debug, Clone, Default)]
pub struct Told {
    /// The join answer's `estimated_wait_seconds` (`None`: null, no operator).
    pub at_join: Option<Option<u64>>,
    /// Each waiting poll: time since the join answer, `estimated_wait_seconds`.
    pub polls: Vec<(Duration, Option<u64>)>,
}

impl Told {
    /// Remembers one poll that showed the ticket waiting.
    pub fn poll(&mut self, since_join: Duration, told: Option<u64>) {
        if self.polls.len() < MAX_POLLS_PER_TICKET {
            self.polls.push((since_join, told));
        }
    }
}

/// The run's accumulated errors.
#[derive(Debug)]
pub struct EstimateAccuracy {
    join: Mutex<Histogram<u64>>,
    polls: Mutex<Histogram<u64>>,
    /// Judged at join: the sums of told and real waits, in milliseconds.
    told_sum_ms: AtomicU64,
    real_sum_ms: AtomicU64,
    /// Taxpayers whose real wait is known and who had a join answer.
    known: AtomicU64,
    told_no_operator: AtomicU64,
    told_no_wait: AtomicU64,
    told_no_wait_but_waited: AtomicU64,
    served_within_a_second: AtomicU64,
    served_within_a_second_told_to_wait: AtomicU64,
}

impl Default for EstimateAccuracy {
    fn default() -> Self {
        // unwrap: constant, valid bounds.
        let histogram = || Histogram::new_with_bounds(1, MAX_PERMILLE, 3).expect("valid bounds");
        EstimateAccuracy {
            join: Mutex::new(histogram()),
            polls: Mutex::new(histogram()),
            told_sum_ms: AtomicU64::new(0),
            real_sum_ms: AtomicU64::new(0),
            known: AtomicU64::new(0),
            told_no_operator: AtomicU64::new(0),
            told_no_wait: AtomicU64::new(0),
            told_no_wait_but_waited: AtomicU64::new(0),
            served_within_a_second: AtomicU64::new(0),
            served_within_a_second_told_to_wait: AtomicU64::new(0),
        }
    }
}

/// |told − real| / real in permille (at least 1, so that a perfect estimate is kept).
fn permille(told_seconds: u64, real: Duration) -> u64 {
    let real = real.as_secs_f64();
    let error = (told_seconds as f64 - real).abs() / real;
    ((error * 1000.0).round() as u64).clamp(1, MAX_PERMILLE)
}

impl EstimateAccuracy {
    /// One taxpayer's real wait became known: judges what they were told.
    pub fn record(&self, told: &Told, wait: Duration) {
        let Some(at_join) = told.at_join else {
            return;
        };
        self.known.fetch_add(1, Ordering::Relaxed);
        match at_join {
            None => {
                self.told_no_operator.fetch_add(1, Ordering::Relaxed);
            }
            Some(seconds) => {
                if seconds == 0 {
                    self.told_no_wait.fetch_add(1, Ordering::Relaxed);
                    if wait >= WAITED {
                        self.told_no_wait_but_waited.fetch_add(1, Ordering::Relaxed);
                    }
                }
                if wait < WAITED {
                    self.served_within_a_second.fetch_add(1, Ordering::Relaxed);
                    if seconds > 0 {
                        self.served_within_a_second_told_to_wait
                            .fetch_add(1, Ordering::Relaxed);
                    }
                }
                if wait >= MIN_REAL_WAIT {
                    self.join.lock().saturating_record(permille(seconds, wait));
                    self.told_sum_ms
                        .fetch_add(seconds * 1000, Ordering::Relaxed);
                    self.real_sum_ms
                        .fetch_add(wait.as_millis() as u64, Ordering::Relaxed);
                }
            }
        }
        let mut polls = self.polls.lock();
        for (since_join, told) in &told.polls {
            let (Some(seconds), Some(left)) = (told, wait.checked_sub(*since_join)) else {
                continue;
            };
            if left >= MIN_REAL_WAIT {
                polls.saturating_record(permille(*seconds, left));
            }
        }
    }

    /// The summary the report shows.
    pub fn report(&self) -> EstimateReport {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        let join = self.join.lock();
        let judged = join.len();
        EstimateReport {
            taxpayers: load(&self.known),
            at_join: ErrorSummary::from_histogram(&join),
            at_polls: ErrorSummary::from_histogram(&self.polls.lock()),
            mean_told_seconds: (judged > 0)
                .then(|| load(&self.told_sum_ms) as f64 / 1000.0 / judged as f64),
            mean_waited_seconds: (judged > 0)
                .then(|| load(&self.real_sum_ms) as f64 / 1000.0 / judged as f64),
            told_no_operator: load(&self.told_no_operator),
            told_no_wait: load(&self.told_no_wait),
            told_no_wait_but_waited: load(&self.told_no_wait_but_waited),
            served_within_a_second: load(&self.served_within_a_second),
            served_within_a_second_told_to_wait: load(&self.served_within_a_second_told_to_wait),
        }
    }
}

/// Relative errors of one kind of estimate (waits of at least 3 s).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorSummary {
    pub count: u64,
    /// |told − real| / real, in percent.
    pub median_percent: Option<f64>,
    pub p90_percent: Option<f64>,
}

impl ErrorSummary {
    fn from_histogram(histogram: &Histogram<u64>) -> ErrorSummary {
        let percent =
            |q: f64| (!histogram.is_empty()).then(|| histogram.value_at_quantile(q) as f64 / 10.0);
        ErrorSummary {
            count: histogram.len(),
            median_percent: percent(0.5),
            p90_percent: percent(0.9),
        }
    }
}

/// What the report says about the estimates.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EstimateReport {
    /// Taxpayers whose join answer and real wait are both known.
    pub taxpayers: u64,
    /// The estimate told at join, for waits of at least 3 s.
    pub at_join: ErrorSummary,
    /// Every estimate told by a poll while waiting, against the wait left (≥ 3 s).
    pub at_polls: ErrorSummary,
    pub mean_told_seconds: Option<f64>,
    pub mean_waited_seconds: Option<f64>,
    /// Told null at join: no operator was serving the service.
    pub told_no_operator: u64,
    /// Told 0 s at join, and of those, who waited at least a second.
    pub told_no_wait: u64,
    pub told_no_wait_but_waited: u64,
    /// Assigned within a second, and of those, who had been told to wait.
    pub served_within_a_second: u64,
    pub served_within_a_second_told_to_wait: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn told(at_join: Option<u64>, polls: &[(u64, Option<u64>)]) -> Told {
        Told {
            at_join: Some(at_join),
            polls: polls
                .iter()
                .map(|(since, told)| (Duration::from_secs(*since), *told))
                .collect(),
        }
    }

    #[test]
    fn the_error_is_relative_to_the_real_wait_and_short_waits_are_not_judged() {
        let accuracy = EstimateAccuracy::default();
        // Told 20 s, waited 10 s: 100 % off. At 5 s, told 4 s of 5 s left: 20 %.
        accuracy.record(&told(Some(20), &[(5, Some(4))]), Duration::from_secs(10));
        // Told 10 s, waited 8 s: 25 %; a poll with 2 s left is not judged.
        accuracy.record(&told(Some(10), &[(6, Some(1))]), Duration::from_secs(8));
        // Waited 2 s: not judged by ratio.
        accuracy.record(&told(Some(30), &[]), Duration::from_secs(2));

        let report = accuracy.report();

        assert_eq!(report.taxpayers, 3);
        assert_eq!(report.at_join.count, 2);
        assert_eq!(report.at_join.median_percent, Some(25.0));
        assert_eq!(report.at_join.p90_percent, Some(100.0));
        assert_eq!(report.at_polls.count, 1);
        assert_eq!(report.at_polls.median_percent, Some(20.0));
        assert_eq!(report.mean_told_seconds, Some(15.0));
        assert_eq!(report.mean_waited_seconds, Some(9.0));
    }

    #[test]
    fn no_wait_no_operator_and_quick_service_are_counted_apart() {
        let accuracy = EstimateAccuracy::default();
        accuracy.record(&told(Some(0), &[]), Duration::from_millis(200));
        accuracy.record(&told(Some(0), &[]), Duration::from_secs(4));
        accuracy.record(&told(Some(6), &[]), Duration::from_millis(500));
        accuracy.record(&told(None, &[]), Duration::from_secs(20));
        // No join answer recorded: not counted at all.
        accuracy.record(&Told::default(), Duration::from_secs(20));

        let report = accuracy.report();

        assert_eq!(report.taxpayers, 4);
        assert_eq!(report.told_no_wait, 2);
        assert_eq!(report.told_no_wait_but_waited, 1);
        assert_eq!(report.served_within_a_second, 2);
        assert_eq!(report.served_within_a_second_told_to_wait, 1);
        assert_eq!(report.told_no_operator, 1);
        // The one told 0 who waited 4 s is 100 % off.
        assert_eq!(report.at_join.count, 1);
        assert_eq!(report.at_join.median_percent, Some(100.0));
    }
}
