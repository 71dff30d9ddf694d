//! What serde cannot check in a scenario: ranges, sums and cross-references.
//! The first problem found is reported with the key it concerns.

use std::collections::HashSet;

use super::{Phase, Scenario, ScenarioError};

impl Scenario {
    /// Checks everything serde cannot: ranges, sums and cross-references.
    pub(super) fn validate(&self, origin: &str) -> Result<(), ScenarioError> {
        let mut problems: Vec<(String, String)> = Vec::new();
        let mut problem = |key: &str, reason: &str| problems.push((key.into(), reason.into()));
        let positive = |value: f64| value.is_finite() && value > 0.0;
        let non_negative = |value: f64| value.is_finite() && value >= 0.0;
        let share = |value: f64| (0.0..=1.0).contains(&value);

        if !positive(self.duration_seconds) {
            problem("duration_seconds", "must be positive");
        }
        if !non_negative(self.drain_seconds) {
            problem("drain_seconds", "must not be negative");
        }
        if !positive(self.poll_interval_seconds) {
            problem("poll_interval_seconds", "must be positive");
        }
        if let Some(seconds) = self.taxpayer_poll_interval_seconds {
            if !positive(seconds) {
                problem("taxpayer_poll_interval_seconds", "must be positive");
            }
        }
        if !positive(self.sample_interval_seconds) {
            problem("sample_interval_seconds", "must be positive");
        }
        if !positive(self.request_timeout_seconds) {
            problem("request_timeout_seconds", "must be positive");
        }
        if self.max_in_flight == 0 {
            problem("max_in_flight", "must be at least 1");
        }
        if self.max_live_taxpayers == 0 {
            problem("max_live_taxpayers", "must be at least 1");
        }

        if self.services.is_empty() {
            problem("services", "at least one service is needed");
        }
        let mut codes = HashSet::new();
        for (index, service) in self.services.iter().enumerate() {
            let valid_code = !service.code.is_empty()
                && service
                    .code
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-');
            if !valid_code {
                problem(
                    &format!("services[{index}].code"),
                    "expected letters and digits",
                );
            }
            if !codes.insert(service.code.as_str()) {
                problem(&format!("services[{index}].code"), "duplicate service code");
            }
            if !non_negative(service.weight) {
                problem(&format!("services[{index}].weight"), "must not be negative");
            }
        }
        if self
            .services
            .iter()
            .map(|service| service.weight)
            .sum::<f64>()
            <= 0.0
        {
            problem("services", "the weights add up to zero: nobody would join");
        }

        if let Some(ids) = &self.operators.ids {
            if ids.len() < self.operators.count {
                problem("operators.ids", "fewer ids than operators.count");
            }
        }
        if let Some(services) = &self.operators.services {
            for code in services {
                if !codes.contains(code.as_str()) {
                    problem(
                        "operators.services",
                        &format!("{code} is not in [[services]]"),
                    );
                }
            }
        }
        self.operators
            .attention
            .check("operators.attention", &mut problems);
        let mix = &self.operators.outcomes;
        let weights = mix.weighted();
        if weights.iter().any(|(_, weight)| !non_negative(*weight))
            || weights.iter().map(|(_, weight)| weight).sum::<f64>() <= 0.0
        {
            problems.push((
                "operators.outcomes".into(),
                "weights must be non-negative and not all zero".into(),
            ));
        }
        let habits = &self.operators.interrupts;
        for (key, value) in [
            (
                "operators.interrupts.after_attention_share",
                habits.after_attention_share,
            ),
            (
                "operators.interrupts.while_waiting_share",
                habits.while_waiting_share,
            ),
            (
                "taxpayers.abandon_while_waiting_share",
                self.taxpayers.abandon_while_waiting_share,
            ),
            (
                "taxpayers.never_accept_share",
                self.taxpayers.never_accept_share,
            ),
        ] {
            if !share(value) {
                problems.push((key.into(), "a share is between 0 and 1".into()));
            }
        }
        habits
            .waiting_patience
            .check("operators.interrupts.waiting_patience", &mut problems);
        habits
            .break_time
            .check("operators.interrupts.break_time", &mut problems);
        self.taxpayers
            .patience
            .check("taxpayers.patience", &mut problems);
        self.taxpayers
            .accept_delay
            .check("taxpayers.accept_delay", &mut problems);

        let mut total = 0.0;
        for (index, phase) in self.arrivals.iter().enumerate() {
            let key = format!("arrivals[{index}]");
            let duration = phase.duration_seconds();
            if !non_negative(duration) {
                problems.push((key.clone(), "duration_seconds must not be negative".into()));
            }
            total += duration;
            let rates_ok = match phase {
                Phase::Poisson {
                    rate_per_second, ..
                } => non_negative(*rate_per_second),
                Phase::Ramp {
                    from_per_second,
                    to_per_second,
                    ..
                } => non_negative(*from_per_second) && non_negative(*to_per_second),
                Phase::Burst { spread_seconds, .. } => {
                    non_negative(*spread_seconds) && *spread_seconds <= duration
                }
            };
            if !rates_ok {
                problems.push((
                    key,
                    "rates must not be negative, and a burst's spread fits in its phase".into(),
                ));
            }
        }
        // A millisecond of slack for decimal sums such as 0.1 + 0.2.
        if total > self.duration_seconds + 1e-3 {
            problems.push((
                "arrivals".into(),
                format!(
                    "the phases last {total} s, longer than duration_seconds = {}",
                    self.duration_seconds
                ),
            ));
        }

        for (key, value) in [
            ("slo.join_p99_ms", self.slo.join_p99_ms),
            ("slo.poll_p99_ms", self.slo.poll_p99_ms),
            (
                "slo.join_to_assignment_p99_ms",
                self.slo.join_to_assignment_p99_ms,
            ),
            ("slo.error_rate_max", self.slo.error_rate_max),
        ] {
            if value.is_some_and(|value| !non_negative(value)) {
                problems.push((key.into(), "must not be negative".into()));
            }
        }

        match problems.into_iter().next() {
            None => Ok(()),
            Some((key, reason)) => Err(ScenarioError::Invalid {
                origin: origin.to_string(),
                key,
                reason,
            }),
        }
    }
}
