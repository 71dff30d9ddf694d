//! Durations in the configuration: strings with a unit (`"500ms"`, `"90s"`,
//! `"10m"`, `"24h"`, `"30d"`), parsed by humantime, never by hand.

use std::time::Duration;

use crate::config::ConfigError;

/// Parses the duration written at `key`, or says what is wrong with it.
pub fn parse(key: &str, text: &str) -> Result<Duration, ConfigError> {
    humantime::parse_duration(text.trim()).map_err(|error| ConfigError::Invalid {
        key: key.into(),
        reason: format!("{text:?} is not a duration ({error}): write a number and a unit, e.g. \"90s\", \"10m\", \"24h\" or \"30d\""),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_unit_of_the_contract_parses() {
        assert_eq!(parse("k", "500ms").ok(), Some(Duration::from_millis(500)));
        assert_eq!(parse("k", "90s").ok(), Some(Duration::from_secs(90)));
        assert_eq!(parse("k", "10m").ok(), Some(Duration::from_secs(600)));
        assert_eq!(parse("k", "24h").ok(), Some(Duration::from_secs(86_400)));
        assert_eq!(
            parse("k", "30d").ok(),
            Some(Duration::from_secs(30 * 86_400))
        );
    }

    #[test]
    fn a_number_without_a_unit_is_refused() {
        assert!(parse("k", "150").is_err());
        assert!(parse("k", "").is_err());
    }
}
