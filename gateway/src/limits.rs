//! Rate limits (`[limits]`): fixed one-minute windows per key.
//!
//! A fixed window is crude at its edges (up to twice the limit across a
//! window boundary) but needs one small entry per key and no timer, and
//! the limits only exist to slow down floods and password guessing.
//!
//! Joins count every request per client address ([`RateLimiter`]). Logins
//! count failures only, per operator id and per address ([`LoginGuard`]), so
//! that one operator's wrong passwords never lock another out.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use engine::domain::OperatorId;
use parking_lot::Mutex;

const WINDOW: Duration = Duration::from_secs(60);
/// Past this many tracked keys, expired windows are dropped on the next check.
const PRUNE_ABOVE: usize = 10_000;
/// Past this many keys with a live window, new keys are not tracked at all:
/// the map stays bounded even under a flood from that many addresses.
const TRACK_AT_MOST: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    count: u32,
}

/// Counts per key in one-minute windows, bounded in size.
#[derive(Debug)]
struct Windows<K> {
    // A plain mutex, never held across an await: a few map operations.
    state: Mutex<WindowMap<K>>,
}

#[derive(Debug)]
struct WindowMap<K> {
    map: HashMap<K, Window>,
    pruned_at: Option<Instant>,
}

/// Expired windows are swept at most this often, so a flood of new keys
/// does not sweep the whole map on every request.
const PRUNE_EVERY: Duration = Duration::from_secs(1);

impl<K: Hash + Eq + Clone> Windows<K> {
    fn new() -> Windows<K> {
        Windows {
            state: Mutex::new(WindowMap {
                map: HashMap::new(),
                pruned_at: None,
            }),
        }
    }

    /// With `key`'s live window (a fresh one if it expired); `None` when the
    /// map is full of live windows and `key` is not among them.
    fn with<T>(&self, key: &K, now: Instant, f: impl FnOnce(&mut Window) -> T) -> Option<T> {
        let mut state = self.state.lock();
        if state.map.len() > PRUNE_ABOVE && !state.map.contains_key(key) {
            let due = state
                .pruned_at
                .is_none_or(|at| now.saturating_duration_since(at) >= PRUNE_EVERY);
            if due {
                state
                    .map
                    .retain(|_, window| now.saturating_duration_since(window.started) < WINDOW);
                state.pruned_at = Some(now);
            }
            if state.map.len() >= TRACK_AT_MOST {
                return None;
            }
        }
        let window = state.map.entry(key.clone()).or_insert(Window {
            started: now,
            count: 0,
        });
        if now.saturating_duration_since(window.started) >= WINDOW {
            *window = Window {
                started: now,
                count: 0,
            };
        }
        Some(f(window))
    }

    /// The wait until `key`'s window ends, if it already holds `limit` counts.
    fn over(&self, key: &K, limit: u32, now: Instant) -> Option<Duration> {
        let state = self.state.lock();
        let window = state.map.get(key)?;
        let age = now.saturating_duration_since(window.started);
        (age < WINDOW && window.count >= limit).then(|| WINDOW.saturating_sub(age))
    }
}

/// Counts requests per address per minute; a limit of 0 disables it.
#[derive(Debug)]
pub struct RateLimiter {
    /// A reload may change it (SIGHUP).
    per_minute: AtomicU32,
    windows: Windows<IpAddr>,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> RateLimiter {
        RateLimiter {
            per_minute: AtomicU32::new(per_minute),
            windows: Windows::new(),
        }
    }

    /// A reload changed the limit: counts so far stay, the new limit applies
    /// from the next request.
    pub fn set_per_minute(&self, per_minute: u32) {
        self.per_minute.store(per_minute, Ordering::Relaxed);
    }

    /// Counts one request from `client`: `Err(wait)` when over the limit, with
    /// the time until its window ends.
    pub fn check(&self, client: IpAddr) -> Result<(), Duration> {
        self.check_at(client, Instant::now())
    }

    fn check_at(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        let limit = self.per_minute.load(Ordering::Relaxed);
        if limit == 0 {
            return Ok(());
        }
        self.windows
            .with(&client, now, |window| {
                if window.count >= limit {
                    return Err(
                        WINDOW.saturating_sub(now.saturating_duration_since(window.started))
                    );
                }
                window.count += 1;
                Ok(())
            })
            .unwrap_or(Ok(()))
    }
}

/// Why a login is refused before its password is even checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginLocked {
    /// This operator id failed too often this minute.
    Operator(Duration),
    /// This address failed too often this minute, across all ids.
    Address(Duration),
}

impl LoginLocked {
    /// How long until the window that locked it ends.
    pub fn wait(&self) -> Duration {
        match self {
            LoginLocked::Operator(wait) | LoginLocked::Address(wait) => *wait,
        }
    }
}

/// Failed logins per operator id (`[limits] logins_per_minute`) and per
/// address (ten times as many, across all ids: password spraying); 0
/// disables both. Only configured operator ids are counted, so that map is
/// as small as the catalog.
#[derive(Debug)]
pub struct LoginGuard {
    /// `logins_per_minute` (a reload may change it); an address may fail
    /// [`ADDRESS_FACTOR`] times as often.
    per_operator_limit: AtomicU32,
    operators: Windows<OperatorId>,
    addresses: Windows<IpAddr>,
}

/// How many more failures an address may have than one operator id.
pub const ADDRESS_FACTOR: u32 = 10;

impl LoginGuard {
    pub fn new(logins_per_minute: u32) -> LoginGuard {
        LoginGuard {
            per_operator_limit: AtomicU32::new(logins_per_minute),
            operators: Windows::new(),
            addresses: Windows::new(),
        }
    }

    /// A reload changed `logins_per_minute`.
    pub fn set_logins_per_minute(&self, logins_per_minute: u32) {
        self.per_operator_limit
            .store(logins_per_minute, Ordering::Relaxed);
    }

    /// Whether a login for `operator` (a configured one, if any) from
    /// `client` may be tried now.
    pub fn check(&self, client: IpAddr, operator: Option<&OperatorId>) -> Result<(), LoginLocked> {
        self.check_at(client, operator, Instant::now())
    }

    /// Counts a failed login.
    pub fn failed(&self, client: IpAddr, operator: Option<&OperatorId>) {
        self.failed_at(client, operator, Instant::now());
    }

    fn check_at(
        &self,
        client: IpAddr,
        operator: Option<&OperatorId>,
        now: Instant,
    ) -> Result<(), LoginLocked> {
        let per_operator = self.per_operator_limit.load(Ordering::Relaxed);
        if per_operator == 0 {
            return Ok(());
        }
        if let Some(wait) = operator.and_then(|id| self.operators.over(id, per_operator, now)) {
            return Err(LoginLocked::Operator(wait));
        }
        let per_address = per_operator.saturating_mul(ADDRESS_FACTOR);
        if let Some(wait) = self.addresses.over(&client, per_address, now) {
            return Err(LoginLocked::Address(wait));
        }
        Ok(())
    }

    fn failed_at(&self, client: IpAddr, operator: Option<&OperatorId>, now: Instant) {
        if self.per_operator_limit.load(Ordering::Relaxed) == 0 {
            return;
        }
        if let Some(id) = operator {
            self.operators.with(id, now, |window| window.count += 1);
        }
        self.addresses
            .with(&client, now, |window| window.count += 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    const CLIENT: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
    const OTHER: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2));

    fn operator(id: &str) -> OperatorId {
        OperatorId::parse(id).expect("valid id")
    }

    #[test]
    fn a_client_over_its_limit_waits_for_the_next_window() {
        let limiter = RateLimiter::new(2);
        let start = Instant::now();
        assert!(limiter.check_at(CLIENT, start).is_ok());
        assert!(limiter.check_at(CLIENT, start).is_ok());
        let wait = limiter
            .check_at(CLIENT, start + Duration::from_secs(10))
            .expect_err("limited");
        assert_eq!(wait, Duration::from_secs(50));
        assert!(
            limiter.check_at(OTHER, start).is_ok(),
            "other addresses have their own count"
        );
        assert!(limiter.check_at(CLIENT, start + WINDOW).is_ok());
    }

    #[test]
    fn a_limit_of_zero_never_refuses() {
        let limiter = RateLimiter::new(0);
        for _ in 0..1000 {
            assert!(limiter.check(CLIENT).is_ok());
        }
        let guard = LoginGuard::new(0);
        for _ in 0..1000 {
            guard.failed(CLIENT, Some(&operator("op-0001")));
        }
        assert!(guard.check(CLIENT, Some(&operator("op-0001"))).is_ok());
    }

    #[test]
    fn an_operator_locked_by_failures_waits_for_the_end_of_its_minute_alone() {
        let guard = LoginGuard::new(2);
        let start = Instant::now();
        let one = operator("op-0001");
        let two = operator("op-0002");
        guard.failed_at(CLIENT, Some(&one), start);
        guard.failed_at(OTHER, Some(&one), start);

        let locked = guard.check_at(CLIENT, Some(&one), start + Duration::from_secs(15));

        assert_eq!(locked, Err(LoginLocked::Operator(Duration::from_secs(45))));
        assert!(guard.check_at(CLIENT, Some(&two), start).is_ok());
        assert!(guard.check_at(CLIENT, Some(&one), start + WINDOW).is_ok());
    }

    #[test]
    fn an_address_may_fail_ten_times_the_limit_across_ids() {
        let guard = LoginGuard::new(1);
        let start = Instant::now();
        for _ in 0..ADDRESS_FACTOR - 1 {
            guard.failed_at(CLIENT, None, start);
        }
        assert!(guard.check_at(CLIENT, None, start).is_ok());
        guard.failed_at(CLIENT, None, start);
        assert!(matches!(
            guard.check_at(CLIENT, Some(&operator("op-0003")), start),
            Err(LoginLocked::Address(_))
        ));
        assert!(guard.check_at(OTHER, None, start).is_ok());
    }

    #[test]
    fn the_tracked_keys_stay_bounded_under_a_flood_of_addresses() {
        let limiter = RateLimiter::new(1);
        let now = Instant::now();
        for index in 0..(TRACK_AT_MOST as u32 + 10) {
            let address = IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + index));
            let _ = limiter.check_at(address, now);
        }
        assert!(limiter.windows.state.lock().map.len() <= TRACK_AT_MOST);
    }
}
