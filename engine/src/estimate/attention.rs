//! A service's observed attention times: the last few hundred of today,
//! and the distribution the estimator samples from.
//!
//! "Attention" here is what the queue sees: the operator is taken from the
//! moment a taxpayer is assigned until Finalizar hands them back. A sliding
//! window of the most recent attentions is a bounded-memory sample of the
//! distribution that also follows the day's drift (a slow afternoon, a new
//! procedure). Until a handful of today's attentions are known, the window
//! is topped up with copies of the configured `attention_minutes`.

use std::collections::VecDeque;
use std::time::Duration;

use jiff::civil::Date;

/// Attentions remembered per service (4 bytes each).
pub const WINDOW: usize = 256;

/// Below this many of today's attentions, the configured attention time
/// fills the gap (each missing sample is one copy of it).
pub const MIN_SAMPLES: usize = 4;

/// The most recent attention times of one service today. Plain data: the
/// dispatcher owns one per service and records into it.
#[derive(Debug, Clone, Default)]
pub struct AttentionTimes {
    /// The local day the samples belong to; a sample of another day starts afresh.
    day: Option<Date>,
    /// Milliseconds, oldest first.
    recent: VecDeque<u32>,
}

impl AttentionTimes {
    pub fn new() -> AttentionTimes {
        AttentionTimes::default()
    }

    /// Remembers one attention that ended on local day `day`.
    pub fn record(&mut self, took: Duration, day: Date) {
        if self.day != Some(day) {
            self.recent.clear();
            self.day = Some(day);
        }
        if self.recent.len() == WINDOW {
            self.recent.pop_front();
        }
        self.recent
            .push_back(u32::try_from(took.as_millis()).unwrap_or(u32::MAX));
    }

    /// How many of `today`'s attentions are remembered.
    pub fn count_on(&self, today: Date) -> usize {
        if self.day == Some(today) {
            self.recent.len()
        } else {
            0
        }
    }

    /// The distribution to estimate with on `today`: today's attentions,
    /// topped up to [`MIN_SAMPLES`] with copies of `configured`.
    pub fn distribution(&self, today: Date, configured: Duration) -> AttentionDistribution {
        let real = self.count_on(today);
        let seconds = self
            .recent
            .iter()
            .take(real)
            .map(|millis| f64::from(*millis) / 1000.0)
            .chain(std::iter::repeat_n(
                configured.as_secs_f64(),
                MIN_SAMPLES.saturating_sub(real),
            ));
        AttentionDistribution::from_seconds(seconds)
            .unwrap_or_else(|| AttentionDistribution::constant(configured))
    }
}

/// An empirical distribution of attention times, sorted, never empty.
#[derive(Debug, Clone, PartialEq)]
pub struct AttentionDistribution {
    /// Seconds, ascending.
    seconds: Vec<f64>,
    mean: f64,
}

impl AttentionDistribution {
    /// Every attention takes exactly `duration`.
    pub fn constant(duration: Duration) -> AttentionDistribution {
        AttentionDistribution {
            seconds: vec![duration.as_secs_f64()],
            mean: duration.as_secs_f64(),
        }
    }

    /// The distribution of these samples (negative or non-finite ones are
    /// dropped); `None` if none is left.
    pub fn from_seconds(samples: impl IntoIterator<Item = f64>) -> Option<AttentionDistribution> {
        let mut seconds: Vec<f64> = samples
            .into_iter()
            .filter(|value| value.is_finite() && *value >= 0.0)
            .collect();
        if seconds.is_empty() {
            return None;
        }
        seconds.sort_by(f64::total_cmp);
        let mean = seconds.iter().sum::<f64>() / seconds.len() as f64;
        Some(AttentionDistribution { seconds, mean })
    }

    /// The mean attention time, in seconds.
    pub fn mean_seconds(&self) -> f64 {
        self.mean
    }

    /// The `q`-quantile (0 ≤ q ≤ 1), in seconds: the sample below which a
    /// share `q` of the samples lie.
    pub fn quantile_seconds(&self, q: f64) -> f64 {
        self.sample(q.clamp(0.0, 1.0))
    }

    /// The attention time at uniform draw `u` in [0, 1): inverse CDF.
    pub(crate) fn sample(&self, u: f64) -> f64 {
        let count = self.seconds.len();
        let index = ((u * count as f64) as usize).min(count - 1);
        self.seconds[index]
    }

    /// The time left of an attention that has already run `elapsed` seconds,
    /// at uniform draw `u`: a draw among the samples longer than `elapsed`.
    /// An attention that has outlasted every sample is assumed to end within
    /// one mean attention from now (uniformly): nothing observed says more.
    pub(crate) fn remaining(&self, elapsed: f64, u: f64) -> f64 {
        let first_longer = self.seconds.partition_point(|value| *value <= elapsed);
        let longer = self.seconds.len() - first_longer;
        if longer == 0 {
            return u * self.mean;
        }
        let index = first_longer + ((u * longer as f64) as usize).min(longer - 1);
        self.seconds[index] - elapsed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Date {
        text.parse().expect("date")
    }

    #[test]
    fn with_no_attention_today_the_configured_time_is_the_whole_distribution() {
        let times = AttentionTimes::new();
        let distribution = times.distribution(day("2026-11-30"), Duration::from_secs(240));
        assert_eq!(distribution.mean_seconds(), 240.0);
        assert_eq!(distribution.quantile_seconds(0.0), 240.0);
        assert_eq!(distribution.quantile_seconds(1.0), 240.0);
    }

    #[test]
    fn the_first_attentions_of_the_day_are_topped_up_with_the_configured_time() {
        let today = day("2026-11-30");
        let mut times = AttentionTimes::new();
        for _ in 0..2 {
            times.record(Duration::from_secs(60), today);
        }
        let distribution = times.distribution(today, Duration::from_secs(240));
        // 2 real samples of 60 s and 2 copies of 240 s.
        assert_eq!(
            distribution.mean_seconds(),
            (2.0 * 60.0 + 2.0 * 240.0) / 4.0
        );
        for _ in 0..MIN_SAMPLES {
            times.record(Duration::from_secs(60), today);
        }
        assert_eq!(
            times
                .distribution(today, Duration::from_secs(240))
                .mean_seconds(),
            60.0
        );
    }

    #[test]
    fn yesterdays_attentions_do_not_count_today() {
        let mut times = AttentionTimes::new();
        for _ in 0..20 {
            times.record(Duration::from_secs(30), day("2026-11-29"));
        }
        let today = day("2026-11-30");
        assert_eq!(times.count_on(today), 0);
        assert_eq!(
            times
                .distribution(today, Duration::from_secs(240))
                .mean_seconds(),
            240.0
        );
        times.record(Duration::from_secs(90), today);
        assert_eq!(times.count_on(today), 1);
    }

    #[test]
    fn the_window_keeps_only_the_most_recent_attentions() {
        let today = day("2026-11-30");
        let mut times = AttentionTimes::new();
        for _ in 0..WINDOW {
            times.record(Duration::from_secs(500), today);
        }
        for _ in 0..WINDOW {
            times.record(Duration::from_secs(100), today);
        }
        assert_eq!(times.count_on(today), WINDOW);
        let distribution = times.distribution(today, Duration::from_secs(240));
        assert_eq!(distribution.quantile_seconds(1.0), 100.0);
    }

    #[test]
    fn the_time_left_counts_only_attentions_longer_than_the_one_running() {
        let distribution =
            AttentionDistribution::from_seconds([10.0, 20.0, 60.0, 100.0]).expect("samples");
        // Running 30 s: it is one of the 60 s or 100 s ones.
        assert_eq!(distribution.remaining(30.0, 0.0), 30.0);
        assert_eq!(distribution.remaining(30.0, 0.99), 70.0);
        // Longer than every sample: within one mean (47.5 s) from now.
        assert_eq!(distribution.remaining(150.0, 0.5), 47.5 / 2.0);
    }
}
