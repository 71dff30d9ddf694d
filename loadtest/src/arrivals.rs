//! The open arrival model: when each taxpayer arrives, decided in advance
//! from the scenario's phases and never from how the gateway answers.
//!
//! Each arrival's offset is its *intended* send time; latencies of joins are
//! measured from it, so a client or gateway that falls behind shows up in the
//! numbers instead of hiding (coordinated omission).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::scenario::Phase;

/// An exponential draw with the given rate (events per unit of time).
pub fn exponential(rng: &mut impl Rng, rate: f64) -> f64 {
    // 1 - u lies in (0, 1], so the logarithm is finite.
    -(1.0 - rng.random::<f64>()).ln() / rate
}

/// The arrival instants of a list of phases, in seconds from the start, in
/// increasing order. Lazy: a long flood needs no list in memory.
#[derive(Debug)]
pub struct ArrivalSchedule {
    phases: Vec<Phase>,
    rng: StdRng,
    /// Index of the phase being generated.
    phase_index: usize,
    /// Where that phase starts, in seconds from the run's start.
    phase_start: f64,
    /// The last instant generated (or the phase start).
    clock: f64,
    /// A burst's remaining instants, sorted, latest last.
    burst_pending: Vec<f64>,
    /// Whether the current phase has been set up.
    phase_ready: bool,
}

impl ArrivalSchedule {
    /// A schedule over `phases`, reproducible for a given `seed`.
    pub fn new(phases: &[Phase], seed: u64) -> ArrivalSchedule {
        ArrivalSchedule {
            phases: phases.to_vec(),
            rng: StdRng::seed_from_u64(seed),
            phase_index: 0,
            phase_start: 0.0,
            clock: 0.0,
            burst_pending: Vec::new(),
            phase_ready: false,
        }
    }

    /// Moves on to the next phase.
    fn next_phase(&mut self) {
        if let Some(phase) = self.phases.get(self.phase_index) {
            self.phase_start += phase.duration_seconds();
        }
        self.clock = self.phase_start;
        self.phase_index += 1;
        self.phase_ready = false;
        self.burst_pending.clear();
    }
}

impl Iterator for ArrivalSchedule {
    type Item = f64;

    fn next(&mut self) -> Option<f64> {
        loop {
            let phase = self.phases.get(self.phase_index)?.clone();
            let end = self.phase_start + phase.duration_seconds();
            match phase {
                Phase::Poisson {
                    rate_per_second, ..
                } => {
                    if rate_per_second <= 0.0 {
                        self.next_phase();
                        continue;
                    }
                    // Memoryless: restarting the draw at a phase boundary is exact.
                    let candidate = self.clock + exponential(&mut self.rng, rate_per_second);
                    if candidate >= end {
                        self.next_phase();
                        continue;
                    }
                    self.clock = candidate;
                    return Some(candidate);
                }
                Phase::Ramp {
                    from_per_second,
                    to_per_second,
                    duration_seconds,
                } => {
                    // Thinning (Lewis and Shedler): draw at the peak rate and keep
                    // each candidate with probability rate(t) / peak.
                    let peak = from_per_second.max(to_per_second);
                    if peak <= 0.0 || duration_seconds <= 0.0 {
                        self.next_phase();
                        continue;
                    }
                    let candidate = self.clock + exponential(&mut self.rng, peak);
                    if candidate >= end {
                        self.next_phase();
                        continue;
                    }
                    self.clock = candidate;
                    let progress = (candidate - self.phase_start) / duration_seconds;
                    let rate = from_per_second + (to_per_second - from_per_second) * progress;
                    if self.rng.random::<f64>() * peak < rate {
                        return Some(candidate);
                    }
                }
                Phase::Burst {
                    count,
                    spread_seconds,
                    ..
                } => {
                    if !self.phase_ready {
                        self.phase_ready = true;
                        let start = self.phase_start;
                        let mut instants: Vec<f64> = (0..count)
                            .map(|_| start + spread_seconds * self.rng.random::<f64>())
                            .collect();
                        // Latest first, so that pop() yields them in order.
                        instants.sort_by(|a, b| b.total_cmp(a));
                        self.burst_pending = instants;
                    }
                    match self.burst_pending.pop() {
                        Some(instant) => return Some(instant),
                        None => self.next_phase(),
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn poisson(rate: f64, seconds: f64) -> Phase {
        Phase::Poisson {
            rate_per_second: rate,
            duration_seconds: seconds,
        }
    }

    #[test]
    fn a_poisson_phase_has_the_requested_mean_count_over_many_runs() {
        // 400 runs of 10 s at 20/s: 200 expected each; the mean of 400 runs has a
        // standard error of sqrt(200 / 400) ≈ 0.7.
        let phases = [poisson(20.0, 10.0)];
        let runs = 400;
        let counts: Vec<f64> = (0..runs)
            .map(|seed| ArrivalSchedule::new(&phases, seed).count() as f64)
            .collect();
        let mean = counts.iter().sum::<f64>() / runs as f64;
        let variance = counts
            .iter()
            .map(|count| (count - mean).powi(2))
            .sum::<f64>()
            / (runs - 1) as f64;
        assert!((mean - 200.0).abs() < 3.0, "mean count {mean}");
        // A Poisson count's variance equals its mean.
        assert!(
            (variance / mean - 1.0).abs() < 0.25,
            "variance {variance}, mean {mean}"
        );
    }

    #[test]
    fn poisson_gaps_are_exponential_with_mean_one_over_the_rate() {
        let schedule: Vec<f64> = ArrivalSchedule::new(&[poisson(50.0, 2_000.0)], 42).collect();
        let gaps: Vec<f64> = schedule.windows(2).map(|pair| pair[1] - pair[0]).collect();
        let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
        let variance = gaps.iter().map(|gap| (gap - mean).powi(2)).sum::<f64>() / gaps.len() as f64;
        assert!((mean - 0.02).abs() < 0.02 * 0.02, "mean gap {mean}");
        // Coefficient of variation 1: an exponential's standard deviation is its mean.
        let variation = variance.sqrt() / mean;
        assert!(
            (variation - 1.0).abs() < 0.02,
            "coefficient of variation {variation}"
        );
    }

    #[test]
    fn arrivals_are_ordered_and_inside_their_phases() {
        let phases = [
            poisson(30.0, 5.0),
            Phase::Burst {
                count: 100,
                spread_seconds: 1.0,
                duration_seconds: 2.0,
            },
            Phase::Ramp {
                from_per_second: 0.0,
                to_per_second: 40.0,
                duration_seconds: 5.0,
            },
        ];
        let schedule: Vec<f64> = ArrivalSchedule::new(&phases, 3).collect();
        assert!(schedule.windows(2).all(|pair| pair[0] <= pair[1]));
        assert!(schedule
            .iter()
            .all(|&instant| (0.0..12.0).contains(&instant)));
        let burst = schedule
            .iter()
            .filter(|&&instant| (5.0..7.0).contains(&instant))
            .count();
        assert_eq!(burst, 100, "a burst delivers exactly its count");
        assert!(schedule
            .iter()
            .filter(|&&instant| (5.0..7.0).contains(&instant))
            .all(|&instant| instant <= 6.0));
    }

    #[test]
    fn a_ramp_delivers_the_integral_of_its_rate_and_more_at_the_high_end() {
        let phases = [Phase::Ramp {
            from_per_second: 0.0,
            to_per_second: 100.0,
            duration_seconds: 100.0,
        }];
        let schedule: Vec<f64> = ArrivalSchedule::new(&phases, 9).collect();
        // 5,000 expected, standard deviation about 71.
        assert!(
            (schedule.len() as f64 - 5_000.0).abs() < 300.0,
            "{}",
            schedule.len()
        );
        let first_half = schedule.iter().filter(|&&instant| instant < 50.0).count() as f64;
        // A quarter of the integral lies in the first half.
        assert!((first_half / schedule.len() as f64 - 0.25).abs() < 0.03);
    }

    #[test]
    fn the_same_seed_gives_the_same_schedule() {
        let phases = [poisson(10.0, 10.0)];
        let first: Vec<f64> = ArrivalSchedule::new(&phases, 7).collect();
        let second: Vec<f64> = ArrivalSchedule::new(&phases, 7).collect();
        assert_eq!(first, second);
    }

    #[test]
    fn a_silent_phase_only_shifts_the_next_one() {
        let phases = [poisson(0.0, 3.0), poisson(100.0, 1.0)];
        let schedule: Vec<f64> = ArrivalSchedule::new(&phases, 1).collect();
        assert!(!schedule.is_empty());
        assert!(schedule
            .iter()
            .all(|&instant| (3.0..4.0).contains(&instant)));
    }
}
