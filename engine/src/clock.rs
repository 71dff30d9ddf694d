//! The one source of "now" for the engine: schedules, warnings and day counters read it.

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use parking_lot::Mutex;

/// Where the engine reads the current instant. Engine logic never calls
/// `Timestamp::now()` itself, so tests can drive time by hand.
pub trait Clock: Send + Sync + 'static {
    /// The current instant.
    fn now(&self) -> Timestamp;
}

/// A clock shared by every actor of one engine.
pub type SharedClock = Arc<dyn Clock>;

/// The real wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that only moves when told to: tests and time-compressed load runs.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<Timestamp>,
}

impl ManualClock {
    /// A clock stopped at `at`.
    pub fn new(at: Timestamp) -> Arc<ManualClock> {
        Arc::new(ManualClock {
            now: Mutex::new(at),
        })
    }

    /// Moves the clock to `at` (backwards too: tests of day boundaries need it).
    pub fn set(&self, at: Timestamp) {
        *self.now.lock() = at;
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock();
        // unwrap-free: an overflow here would mean a test asked for centuries.
        *now = now.checked_add(by).unwrap_or(*now);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.now.lock()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told() {
        let start: Timestamp = "2026-11-30T09:00:00Z".parse().expect("valid instant");
        let clock = ManualClock::new(start);
        assert_eq!(clock.now(), start);
        clock.advance(Duration::from_secs(90));
        assert_eq!(clock.now(), start + Duration::from_secs(90));
        clock.set(start);
        assert_eq!(clock.now(), start);
    }
}
