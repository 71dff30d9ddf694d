//! How long what has ended is kept (`[retention]`): ended tickets, the event
//! log and the taxpayers' histories. Taxpayers' names and NIFs may be kept
//! only as long as they are needed (GDPR art. 5.1.e, LOPDGDD art. 32); how
//! long that is, is the data controller's decision, so every period is
//! configurable.

use std::time::Duration;

use jiff::Timestamp;
use serde::Deserialize;

use crate::config::ConfigError;
use crate::store::TrimCutoffs;

/// `[retention]`, as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionConfig {
    /// Then an ended ticket is gone from memory and the store (its page: 404).
    pub ended_tickets: String,
    /// The event log is trimmed past this age.
    pub events: String,
    /// Annotations older than this are deleted.
    pub history: String,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        RetentionConfig {
            ended_tickets: "24h".into(),
            events: "30d".into(),
            history: "1461d".into(),
        }
    }
}

impl RetentionConfig {
    /// Checks every period, naming the key at fault.
    pub fn validate(&self) -> Result<RetentionSettings, ConfigError> {
        Ok(RetentionSettings {
            ended_tickets: crate::duration::parse("retention.ended_tickets", &self.ended_tickets)?,
            events: crate::duration::parse("retention.events", &self.events)?,
            history: crate::duration::parse("retention.history", &self.history)?,
        })
    }
}

/// `[retention]`, validated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetentionSettings {
    pub ended_tickets: Duration,
    pub events: Duration,
    pub history: Duration,
}

impl Default for RetentionSettings {
    fn default() -> Self {
        // unwrap: the defaults are constants that validate.
        RetentionConfig::default()
            .validate()
            .expect("default retention settings are valid")
    }
}

impl RetentionSettings {
    /// Tickets that ended before this are forgotten at `now`.
    pub fn ended_tickets_before(&self, now: Timestamp) -> Timestamp {
        before(now, self.ended_tickets)
    }

    /// What the store trims at `now`.
    pub fn store_cutoffs(&self, now: Timestamp) -> TrimCutoffs {
        TrimCutoffs {
            events: before(now, self.events),
            history: before(now, self.history),
        }
    }
}

fn before(now: Timestamp, age: Duration) -> Timestamp {
    jiff::SignedDuration::try_from(age)
        .ok()
        .and_then(|age| now.checked_sub(age).ok())
        .unwrap_or(Timestamp::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_a_day_a_month_and_four_years() {
        let settings = RetentionSettings::default();
        assert_eq!(settings.ended_tickets, Duration::from_secs(86_400));
        assert_eq!(settings.events, Duration::from_secs(30 * 86_400));
        assert_eq!(settings.history, Duration::from_secs(1461 * 86_400));
    }

    #[test]
    fn a_bad_period_is_refused_naming_its_key() {
        let config = RetentionConfig {
            history: "four years".into(),
            ..RetentionConfig::default()
        };
        let error = config.validate().expect_err("refused").to_string();
        assert!(error.contains("retention.history"), "{error}");
    }

    #[test]
    fn cutoffs_are_that_long_before_now() {
        let settings = RetentionSettings::default();
        let now: Timestamp = "2026-12-31T00:00:00Z".parse().expect("valid");
        assert_eq!(
            settings.ended_tickets_before(now),
            "2026-12-30T00:00:00Z".parse::<Timestamp>().expect("valid")
        );
        assert_eq!(
            settings.store_cutoffs(now).events,
            "2026-12-01T00:00:00Z".parse::<Timestamp>().expect("valid")
        );
    }
}
