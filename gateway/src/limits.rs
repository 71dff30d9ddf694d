//! Per-client-address rate limits (`[limits]`): a fixed one-minute window.
//!
//! A fixed window is crude at its edges (up to twice the limit across a
//! window boundary) but needs one small entry per address and no timer, and
//! the limits only exist to slow down floods and password guessing.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

const WINDOW: Duration = Duration::from_secs(60);
/// Past this many tracked addresses, expired windows are dropped on the next check.
const PRUNE_ABOVE: usize = 10_000;

/// Counts requests per address per minute; a limit of 0 disables it.
#[derive(Debug)]
pub struct RateLimiter {
    per_minute: u32,
    windows: Mutex<HashMap<IpAddr, Window>>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    count: u32,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> RateLimiter {
        RateLimiter {
            per_minute,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request from `client`: `Err(wait)` when over the limit, with
    /// the time until its window ends.
    pub fn check(&self, client: IpAddr) -> Result<(), Duration> {
        self.check_at(client, Instant::now())
    }

    fn check_at(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        if self.per_minute == 0 {
            return Ok(());
        }
        // A std-style mutex, never held across an await: the section is a few
        // hash-map operations.
        let mut windows = self.windows.lock();
        if windows.len() > PRUNE_ABOVE {
            windows.retain(|_, window| now.duration_since(window.started) < WINDOW);
        }
        let window = windows.entry(client).or_insert(Window {
            started: now,
            count: 0,
        });
        if now.duration_since(window.started) >= WINDOW {
            *window = Window {
                started: now,
                count: 0,
            };
        }
        if window.count >= self.per_minute {
            return Err(WINDOW.saturating_sub(now.duration_since(window.started)));
        }
        window.count += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    const CLIENT: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
    const OTHER: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2));

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
    }
}
