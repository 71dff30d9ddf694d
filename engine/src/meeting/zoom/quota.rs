//! Zoom lets each host user create or update at most 100 meetings per UTC day.
//! With one meeting per taxpayer a busy operator gets close, so creates are
//! counted here per host and day: for the metric, for warnings before the cap,
//! and to refuse at once (without asking Zoom) once Zoom said the host is done.

use std::collections::HashMap;

use jiff::Timestamp;
use parking_lot::Mutex;

use crate::clock::SharedClock;

/// Zoom's per-host cap on meeting creates and updates per UTC day.
pub const DAILY_CREATE_CAP: u32 = 100;

/// Default count from which a host is "near the cap" (warnings, metric).
pub const DEFAULT_WARNING_THRESHOLD: u32 = 90;

const SECONDS_PER_DAY: i64 = 86_400;

/// One host's count for one UTC day.
#[derive(Debug, Clone, Copy)]
struct HostDay {
    /// Days since 1970-01-01 UTC.
    day: i64,
    creates: u32,
    /// Zoom answered "daily limit" today.
    exhausted: bool,
}

/// Meeting creates per Zoom host per UTC day. Cheap to share behind an `Arc`.
pub struct DailyCreates {
    clock: SharedClock,
    // A std-style mutex: held for a map lookup, never across an await.
    hosts: Mutex<HashMap<String, HostDay>>,
}

impl std::fmt::Debug for DailyCreates {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("DailyCreates")
            .field("hosts", &self.hosts.lock().len())
            .finish()
    }
}

/// Days since the epoch, in UTC: Zoom's counters reset at 00:00 UTC.
fn utc_day(at: Timestamp) -> i64 {
    at.as_second().div_euclid(SECONDS_PER_DAY)
}

impl DailyCreates {
    /// An empty count that reads the day from `clock`.
    pub fn new(clock: SharedClock) -> DailyCreates {
        DailyCreates {
            clock,
            hosts: Mutex::new(HashMap::new()),
        }
    }

    /// Runs `change` on today's entry for `host`, starting a fresh one on a new day.
    fn with_today<T>(&self, host: &str, change: impl FnOnce(&mut HostDay) -> T) -> T {
        let today = utc_day(self.clock.now());
        let mut hosts = self.hosts.lock();
        // Yesterday's entries are useless: drop them so the map stays one entry per
        // host of today.
        hosts.retain(|_, entry| entry.day == today);
        let entry = hosts.entry(host.to_owned()).or_insert(HostDay {
            day: today,
            creates: 0,
            exhausted: false,
        });
        change(entry)
    }

    /// Today's entry for `host`, if it has one.
    fn today(&self, host: &str) -> Option<HostDay> {
        let today = utc_day(self.clock.now());
        self.hosts
            .lock()
            .get(host)
            .copied()
            .filter(|entry| entry.day == today)
    }

    /// Counts one successful create for `host`; returns today's count.
    pub fn record_create(&self, host: &str) -> u32 {
        self.with_today(host, |entry| {
            entry.creates = entry.creates.saturating_add(1);
            entry.creates
        })
    }

    /// Zoom said `host` reached its daily limit: refuse until 00:00 UTC.
    pub fn record_daily_limit(&self, host: &str) {
        self.with_today(host, |entry| entry.exhausted = true);
    }

    /// Meetings created today (UTC) for `host`.
    pub fn creates_today(&self, host: &str) -> u32 {
        self.today(host).map_or(0, |entry| entry.creates)
    }

    /// Creates left today for `host` (0 once Zoom said the limit is reached).
    pub fn remaining_today(&self, host: &str) -> u32 {
        match self.today(host) {
            Some(entry) if entry.exhausted => 0,
            Some(entry) => DAILY_CREATE_CAP.saturating_sub(entry.creates),
            None => DAILY_CREATE_CAP,
        }
    }

    /// Whether Zoom said today that `host` reached its daily limit.
    pub fn is_exhausted(&self, host: &str) -> bool {
        self.today(host).is_some_and(|entry| entry.exhausted)
    }

    /// Whether `host` has created at least `threshold` meetings today, or is
    /// exhausted: time to warn the operator and the supervisors.
    pub fn is_near_cap(&self, host: &str, threshold: u32) -> bool {
        self.today(host)
            .is_some_and(|entry| entry.exhausted || entry.creates >= threshold)
    }

    /// How many hosts are near the cap today (a gauge: no host in the label).
    pub fn near_daily_cap(&self, threshold: u32) -> usize {
        let today = utc_day(self.clock.now());
        self.hosts
            .lock()
            .values()
            .filter(|entry| entry.day == today && (entry.exhausted || entry.creates >= threshold))
            .count()
    }

    /// Meetings created today by all hosts together.
    pub fn total_today(&self) -> u64 {
        let today = utc_day(self.clock.now());
        self.hosts
            .lock()
            .values()
            .filter(|entry| entry.day == today)
            .map(|entry| u64::from(entry.creates))
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::clock::ManualClock;

    fn at(text: &str) -> Timestamp {
        text.parse().expect("valid instant")
    }

    #[test]
    fn creates_are_counted_per_host_and_reset_at_midnight_utc() {
        let clock = ManualClock::new(at("2026-11-30T23:58:00Z"));
        let creates = DailyCreates::new(clock.clone());
        creates.record_create("ana@example.org");
        creates.record_create("ana@example.org");
        creates.record_create("luis@example.org");
        assert_eq!(creates.creates_today("ana@example.org"), 2);
        assert_eq!(creates.creates_today("luis@example.org"), 1);
        assert_eq!(creates.remaining_today("ana@example.org"), 98);
        assert_eq!(creates.total_today(), 3);

        // 00:00 UTC is 01:00 in Madrid: the count follows UTC, not local time.
        clock.advance(Duration::from_secs(180));
        assert_eq!(creates.creates_today("ana@example.org"), 0);
        assert_eq!(creates.total_today(), 0);
        assert_eq!(creates.record_create("ana@example.org"), 1);
    }

    #[test]
    fn hosts_near_the_cap_are_reported() {
        let clock = ManualClock::new(at("2026-11-30T09:00:00Z"));
        let creates = DailyCreates::new(clock);
        for _ in 0..90 {
            creates.record_create("ana@example.org");
        }
        creates.record_create("luis@example.org");
        creates.record_daily_limit("eva@example.org");
        assert!(creates.is_near_cap("ana@example.org", DEFAULT_WARNING_THRESHOLD));
        assert!(!creates.is_near_cap("luis@example.org", DEFAULT_WARNING_THRESHOLD));
        assert!(creates.is_exhausted("eva@example.org"));
        assert_eq!(creates.remaining_today("eva@example.org"), 0);
        assert_eq!(creates.near_daily_cap(DEFAULT_WARNING_THRESHOLD), 2);
    }
}
