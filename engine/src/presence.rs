//! Whether a taxpayer is still there: their page's polls are heartbeats.
//!
//! Presence is data, not timers. Every ticket's snapshot shares one [`Seen`]
//! (two atomics) that the gateway touches on each authenticated poll without
//! messaging any actor; the dispatcher reads it when it considers a match and
//! in one periodic sweep. Nothing here is stored: heartbeats stay in memory
//! and only the transition they lead to (absent → abandoned) is committed.
//! A restarted engine gives every ticket a fresh `absent_after`, so a restart
//! never abandons everybody at once.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

use jiff::Timestamp;
use serde::Deserialize;

use crate::config::ConfigError;

/// The last sign of life of one ticket's page.
#[derive(Debug)]
pub struct Seen {
    /// Milliseconds since the Unix epoch of the last authenticated poll.
    last_ms: AtomicI64,
    /// The page said it was closed (a `pagehide` beacon) after that poll.
    left: AtomicBool,
    /// The dispatcher moved the ticket out of its queue as absent; the next
    /// poll must tell it the taxpayer came back.
    absent: AtomicBool,
    /// A poll came while set aside: the taxpayer is back, the dispatcher
    /// about to hear it.
    returning: AtomicBool,
}

impl Seen {
    /// A ticket seen at `now` (a join, or a recovery after a restart).
    pub fn new(now: Timestamp) -> Seen {
        Seen {
            last_ms: AtomicI64::new(now.as_millisecond()),
            left: AtomicBool::new(false),
            absent: AtomicBool::new(false),
            returning: AtomicBool::new(false),
        }
    }

    /// A poll at `now`. Answers true when the dispatcher had set the ticket
    /// aside as absent: the caller tells it the taxpayer is back.
    pub fn touch(&self, now: Timestamp) -> bool {
        self.last_ms
            .fetch_max(now.as_millisecond(), Ordering::Relaxed);
        self.left.store(false, Ordering::Relaxed);
        let absent = self.absent.load(Ordering::Acquire);
        if absent {
            self.returning.store(true, Ordering::Release);
        }
        absent
    }

    /// The page said it was closed. A reload sends this too and polls again
    /// within seconds, so it only makes the ticket absent, never ends it.
    pub fn leave(&self) {
        self.left.store(true, Ordering::Relaxed);
    }

    /// The page said it was closed and has not polled since.
    pub fn has_left(&self) -> bool {
        self.left.load(Ordering::Relaxed)
    }

    /// When the last poll came.
    pub fn last_seen(&self) -> Timestamp {
        Timestamp::from_millisecond(self.last_ms.load(Ordering::Relaxed))
            .unwrap_or(Timestamp::UNIX_EPOCH)
    }

    /// Whether the page is gone: it said so, or has not polled for `absent_after`.
    pub fn is_absent(&self, now: Timestamp, settings: &PresenceSettings) -> bool {
        self.left.load(Ordering::Relaxed) || self.silent_for(now) >= settings.absent_after
    }

    /// How long since the last poll (zero if the clock went back).
    pub fn silent_for(&self, now: Timestamp) -> Duration {
        let millis = now.as_millisecond() - self.last_ms.load(Ordering::Relaxed);
        Duration::from_millis(u64::try_from(millis).unwrap_or(0))
    }

    /// When an absent ticket ends, if it is not polled again.
    pub fn expires_at(&self, settings: &PresenceSettings) -> Timestamp {
        let after = settings.absent_after + settings.grace;
        let after = jiff::SignedDuration::try_from(after).unwrap_or(jiff::SignedDuration::MAX);
        self.last_seen()
            .checked_add(after)
            .unwrap_or(Timestamp::MAX)
    }

    /// Set by the dispatcher when it moves the ticket in or out of its queue.
    pub(crate) fn set_absent(&self, absent: bool) {
        self.returning.store(false, Ordering::Release);
        self.absent.store(absent, Ordering::Release);
    }

    /// Whether the page counts as there: it has not said it left, and it
    /// is not set aside (or polled since it was).
    pub fn is_present(&self) -> bool {
        !self.has_left()
            && (!self.absent.load(Ordering::Acquire) || self.returning.load(Ordering::Acquire))
    }

    /// Whether the dispatcher holds the ticket aside as absent.
    pub fn marked_absent(&self) -> bool {
        self.absent.load(Ordering::Acquire)
    }
}

/// `[presence]`, as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PresenceConfig {
    /// No poll for this long (or the page said it left): skipped, keeps its place.
    pub absent_after: String,
    /// Absent this much longer: abandoned with reason "absent".
    pub grace: String,
}

impl Default for PresenceConfig {
    fn default() -> Self {
        PresenceConfig {
            absent_after: "150s".into(),
            grace: "10m".into(),
        }
    }
}

impl PresenceConfig {
    /// Checks both durations, naming the key at fault.
    pub fn validate(&self) -> Result<PresenceSettings, ConfigError> {
        let absent_after = crate::duration::parse("presence.absent_after", &self.absent_after)?;
        let grace = crate::duration::parse("presence.grace", &self.grace)?;
        if absent_after < Duration::from_secs(1) {
            return Err(ConfigError::Invalid {
                key: "presence.absent_after".into(),
                reason: "must be at least 1s: every poll would find the taxpayer gone".into(),
            });
        }
        Ok(PresenceSettings {
            absent_after,
            grace,
        })
    }
}

/// `[presence]`, validated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PresenceSettings {
    /// Silence after which a waiting ticket is skipped (and an assigned one
    /// that has not accepted ends).
    pub absent_after: Duration,
    /// Further silence after which an absent waiting ticket ends.
    pub grace: Duration,
}

impl Default for PresenceSettings {
    fn default() -> Self {
        // unwrap: the defaults are constants that validate.
        PresenceConfig::default()
            .validate()
            .expect("default presence settings are valid")
    }
}

/// The Spanish note a taxpayer's history gets when their ticket ended
/// because their page stopped answering.
pub const CONNECTION_LOST_NOTE: &str = "El contribuyente perdió la conexión con la página de espera y no volvió a tiempo: la solicitud se dio por abandonada.";

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + seconds).expect("valid")
    }

    #[test]
    fn a_ticket_is_absent_only_after_absent_after_without_a_poll() {
        let settings = PresenceSettings::default();
        let seen = Seen::new(at(0));
        assert!(!seen.is_absent(at(149), &settings));
        assert!(seen.is_absent(at(150), &settings));
        assert!(!seen.touch(at(150)), "not yet set aside by the dispatcher");
        assert!(!seen.is_absent(at(299), &settings));
    }

    #[test]
    fn a_beacon_makes_the_ticket_absent_until_the_next_poll() {
        let settings = PresenceSettings::default();
        let seen = Seen::new(at(0));
        seen.leave();
        assert!(seen.is_absent(at(1), &settings));
        seen.touch(at(2));
        assert!(!seen.is_absent(at(3), &settings), "a reload polls again");
    }

    #[test]
    fn a_poll_after_the_dispatcher_set_the_ticket_aside_reports_a_return() {
        let seen = Seen::new(at(0));
        seen.set_absent(true);
        assert!(seen.touch(at(10)));
        seen.set_absent(false);
        assert!(!seen.touch(at(11)));
    }

    #[test]
    fn expiry_is_absent_after_plus_grace_from_the_last_poll() {
        let settings = PresenceSettings::default();
        let seen = Seen::new(at(0));
        seen.touch(at(100));
        assert_eq!(seen.expires_at(&settings), at(100 + 150 + 600));
    }

    #[test]
    fn a_poll_stamped_earlier_than_the_last_one_never_moves_it_back() {
        let seen = Seen::new(at(50));
        seen.touch(at(10));
        assert_eq!(seen.last_seen(), at(50));
    }

    #[test]
    fn bad_durations_are_refused_naming_the_key() {
        let config = PresenceConfig {
            absent_after: "soon".into(),
            ..PresenceConfig::default()
        };
        let error = config.validate().expect_err("refused").to_string();
        assert!(error.contains("presence.absent_after"), "{error}");
        let config = PresenceConfig {
            grace: "10".into(),
            ..PresenceConfig::default()
        };
        let error = config
            .validate()
            .expect_err("a unit is required")
            .to_string();
        assert!(error.contains("presence.grace"), "{error}");
    }
}
