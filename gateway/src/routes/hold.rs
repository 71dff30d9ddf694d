//! Held polls in the gateway (docs/api.md "Instant updates"): the `wait`
//! query parameter of the two polls, and the bound on how many polls one
//! process holds at once. What a held poll waits for is in
//! `crate::longpoll`.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use crate::error::ApiError;

/// The longest a client may ask a poll to be held.
pub const MAX_WAIT_SECONDS: u64 = 30;

/// Polls held at once in one process; past it a poll is answered at once,
/// as if it had no `wait`, and its page falls back to polling. Every held
/// poll is an open connection, so the process's open-files limit bounds them
/// first in practice; this keeps the bound when a deployment raises that
/// limit far (BENCHMARKS.md measures what a held poll costs).
pub const MAX_HELD_POLLS: usize = 100_000;

const WAIT_MESSAGE: &str = "wait must be a whole number of seconds from 1 to 30";

/// The `wait` of a poll's query string: `None` without one.
pub fn wait_of(query: Option<&str>) -> Result<Option<Duration>, ApiError> {
    let mut wait = None;
    for pair in query.unwrap_or("").split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        if name != "wait" {
            continue;
        }
        if wait.is_some() {
            return Err(ApiError::invalid_request("wait is given more than once"));
        }
        wait = Some(value);
    }
    let Some(value) = wait else {
        return Ok(None);
    };
    match value.parse::<u64>() {
        Ok(seconds)
            if value.bytes().all(|b| b.is_ascii_digit())
                && (1..=MAX_WAIT_SECONDS).contains(&seconds) =>
        {
            Ok(Some(Duration::from_secs(seconds)))
        }
        _ => Err(ApiError::invalid_request(WAIT_MESSAGE)),
    }
}

/// How many polls are held, up to a limit; and the stop that answers them
/// all at shutdown.
#[derive(Debug)]
pub struct HeldPolls {
    limit: usize,
    held: AtomicUsize,
    stopping: AtomicBool,
    stopped: Notify,
}

impl HeldPolls {
    pub fn new(limit: usize) -> HeldPolls {
        HeldPolls {
            limit,
            held: AtomicUsize::new(0),
            stopping: AtomicBool::new(false),
            stopped: Notify::new(),
        }
    }

    /// Polls held now.
    pub fn held(&self) -> usize {
        self.held.load(Ordering::Acquire)
    }

    /// A place for one more held poll, unless full or stopping.
    pub fn try_hold(self: &Arc<Self>) -> Option<HoldPermit> {
        if self.stopping.load(Ordering::Acquire) {
            return None;
        }
        self.held
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |held| {
                (held < self.limit).then_some(held + 1)
            })
            .ok()?;
        Some(HoldPermit {
            polls: Arc::clone(self),
        })
    }

    /// The process is stopping: held polls answer now, no new one is held.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::Release);
        self.stopped.notify_waiters();
    }

    async fn until_stopped(&self) {
        let stopped = self.stopped.notified();
        tokio::pin!(stopped);
        stopped.as_mut().enable();
        if self.stopping.load(Ordering::Acquire) {
            return;
        }
        stopped.await;
    }
}

/// One held poll's place; given back when dropped.
#[derive(Debug)]
pub struct HoldPermit {
    polls: Arc<HeldPolls>,
}

impl Drop for HoldPermit {
    fn drop(&mut self) {
        self.polls.held.fetch_sub(1, Ordering::AcqRel);
    }
}

/// How long a response was held: the request metrics leave it out, so a
/// 25-second hold does not read as a slow answer.
#[derive(Debug, Clone, Copy)]
pub struct HeldFor(pub Duration);

/// Runs `poll` as a held poll of `wait` seconds. `None` when it is not held
/// (no `wait`, the bound reached, the process stopping) or `poll` found
/// nothing: the caller then answers at once, as without `wait`.
pub async fn hold<T, F>(
    polls: &Arc<HeldPolls>,
    wait: Option<Duration>,
    poll: impl FnOnce(Instant) -> F,
) -> Option<(T, HeldFor)>
where
    F: Future<Output = Option<T>>,
{
    let wait = wait?;
    let Some(_permit) = polls.try_hold() else {
        tracing::debug!(
            limit = polls.limit,
            "held polls at their bound: answered at once"
        );
        return None;
    };
    let started = Instant::now();
    let held = tokio::select! {
        held = poll(started + wait) => held,
        () = polls.until_stopped() => None,
    };
    held.map(|held| (held, HeldFor(started.elapsed())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_is_a_whole_number_of_seconds_from_1_to_30() {
        assert_eq!(wait_of(None).ok(), Some(None));
        assert_eq!(wait_of(Some("other=1")).ok(), Some(None));
        assert_eq!(
            wait_of(Some("wait=25")).ok(),
            Some(Some(Duration::from_secs(25)))
        );
        assert_eq!(
            wait_of(Some("x=y&wait=1")).ok(),
            Some(Some(Duration::from_secs(1)))
        );
        for bad in [
            "wait=0",
            "wait=31",
            "wait=",
            "wait",
            "wait=+5",
            "wait=1.5",
            "wait=-1",
            "wait=ten",
            "wait=1&wait=2",
            "wait=99999999999999999999999",
        ] {
            assert!(wait_of(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn past_the_bound_no_poll_is_held_until_one_ends() {
        let polls = Arc::new(HeldPolls::new(2));
        let first = polls.try_hold().expect("first");
        let _second = polls.try_hold().expect("second");
        assert!(polls.try_hold().is_none());
        drop(first);
        assert_eq!(polls.held(), 1);
        assert!(polls.try_hold().is_some());
    }

    #[tokio::test]
    async fn stopping_answers_the_held_polls_and_gives_their_places_back() {
        let polls = Arc::new(HeldPolls::new(2));
        let held = {
            let polls = Arc::clone(&polls);
            tokio::spawn(async move {
                // A poll that nothing but the stop ends.
                hold(&polls, Some(Duration::from_secs(30)), |_| {
                    std::future::pending::<Option<()>>()
                })
                .await
            })
        };
        while polls.held() == 0 {
            tokio::task::yield_now().await;
        }

        polls.stop();

        assert!(
            held.await.expect("task").is_none(),
            "answered as without wait"
        );
        assert_eq!(polls.held(), 0);
    }

    #[test]
    fn a_stopping_process_holds_no_new_poll() {
        let polls = Arc::new(HeldPolls::new(2));
        polls.stop();
        assert!(polls.try_hold().is_none());
    }
}
