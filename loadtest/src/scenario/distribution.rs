//! Random durations for behaviours (attention times, patience, delays),
//! written in scenarios as small tables such as
//! `{ distribution = "lognormal", mean_seconds = 240, sigma = 0.5 }`.

use std::time::Duration;

use rand::Rng;
use serde::{Deserialize, Serialize};

/// A random duration. Tables such as
/// `{ distribution = "lognormal", mean_seconds = 240, sigma = 0.5 }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "distribution", rename_all = "snake_case", deny_unknown_fields)]
pub enum Distribution {
    /// Always the same.
    Constant { seconds: f64 },
    /// Uniform between two bounds.
    Uniform { min_seconds: f64, max_seconds: f64 },
    /// Exponential with the given mean.
    Exponential { mean_seconds: f64 },
    /// Log-normal with the given mean and shape `sigma` (of the underlying normal).
    Lognormal { mean_seconds: f64, sigma: f64 },
}

impl Distribution {
    /// The distribution's mean, in seconds.
    pub fn mean_seconds(&self) -> f64 {
        match self {
            Distribution::Constant { seconds } => *seconds,
            Distribution::Uniform {
                min_seconds,
                max_seconds,
            } => (min_seconds + max_seconds) / 2.0,
            Distribution::Exponential { mean_seconds }
            | Distribution::Lognormal { mean_seconds, .. } => *mean_seconds,
        }
    }

    /// Draws one value, in seconds.
    pub fn sample_seconds(&self, rng: &mut impl Rng) -> f64 {
        match self {
            Distribution::Constant { seconds } => *seconds,
            Distribution::Uniform {
                min_seconds,
                max_seconds,
            } => min_seconds + (max_seconds - min_seconds) * rng.random::<f64>(),
            Distribution::Exponential { mean_seconds } => {
                crate::arrivals::exponential(rng, 1.0 / mean_seconds)
            }
            Distribution::Lognormal {
                mean_seconds,
                sigma,
            } => {
                // E[e^X] = e^(mu + sigma²/2) for X ~ N(mu, sigma²): pick mu for the mean.
                let mu = mean_seconds.ln() - sigma * sigma / 2.0;
                (mu + sigma * standard_normal(rng)).exp()
            }
        }
    }

    /// Draws one value as a `Duration`.
    pub fn sample(&self, rng: &mut impl Rng) -> Duration {
        Duration::from_secs_f64(self.sample_seconds(rng).max(0.0))
    }

    /// Adds a problem to `problems` if the parameters make no sense.
    pub(super) fn check(&self, key: &str, problems: &mut Vec<(String, String)>) {
        let mut problem = |reason: &str| problems.push((key.to_string(), reason.to_string()));
        match self {
            Distribution::Constant { seconds } if !(seconds.is_finite() && *seconds >= 0.0) => {
                problem("seconds must be a non-negative number")
            }
            Distribution::Uniform {
                min_seconds,
                max_seconds,
            } if !(min_seconds.is_finite()
                && max_seconds.is_finite()
                && *min_seconds >= 0.0
                && min_seconds <= max_seconds) =>
            {
                problem("expected 0 <= min_seconds <= max_seconds")
            }
            Distribution::Exponential { mean_seconds }
                if !(mean_seconds.is_finite() && *mean_seconds > 0.0) =>
            {
                problem("mean_seconds must be positive")
            }
            Distribution::Lognormal {
                mean_seconds,
                sigma,
            } if !(mean_seconds.is_finite()
                && *mean_seconds > 0.0
                && sigma.is_finite()
                && *sigma >= 0.0) =>
            {
                problem("expected mean_seconds > 0 and sigma >= 0")
            }
            _ => {}
        }
    }
}

/// A standard normal draw (Box–Muller).
fn standard_normal(rng: &mut impl Rng) -> f64 {
    // 1 - u is in (0, 1]: its logarithm is finite.
    let radius = (-2.0 * (1.0 - rng.random::<f64>()).ln()).sqrt();
    let angle = std::f64::consts::TAU * rng.random::<f64>();
    radius * angle.cos()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn a_lognormal_attention_time_has_the_requested_mean() {
        let distribution = Distribution::Lognormal {
            mean_seconds: 240.0,
            sigma: 0.5,
        };
        let mut rng = StdRng::seed_from_u64(11);
        let samples = 200_000;
        let mean = (0..samples)
            .map(|_| distribution.sample_seconds(&mut rng))
            .sum::<f64>()
            / samples as f64;
        assert!((mean - 240.0).abs() < 240.0 * 0.01, "mean {mean}");
    }
}
