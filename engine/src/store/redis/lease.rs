//! The dispatcher lease: which one process may write, with a fencing token
//! that the commit script checks on every write. How a standby takes over is
//! told in the module doc of `store::redis`.

use std::sync::Arc;
use std::time::Duration;

use deadpool_redis::redis::{self, Value};

use super::holder::{describe, Liveness, ProcessIdentity};
use super::{failover, store_error, token_and_value, Fence, RedisStore, Shared};
use crate::store::StoreError;

/// Longest holder name, in characters.
const MAX_HOLDER_CHARS: usize = 200;

/// This process's hold on the dispatcher lease. While it is held, the
/// store it was acquired through may write; once another process acquires
/// it, that store's writes are refused.
///
/// Dropping it stops the renewal but does not give the lease up (the store
/// keeps writing under its token until the lease lapses and someone else
/// takes it); call [`RedisLease::release`] to hand over at once.
pub struct RedisLease {
    shared: Arc<Shared>,
    fence: Fence,
    holder: String,
    ttl: Duration,
    renewal: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for RedisLease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisLease")
            .field("holder", &self.holder)
            .field("fencing_token", &self.fence.token)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

/// What the acquire script answered.
enum Attempt {
    Taken(Fence),
    Held { value: String, left_ms: i64 },
}

impl RedisLease {
    /// Takes the lease for `holder` (a name for people: host and process)
    /// for `ttl`, if no live process holds it; `store` then writes under its
    /// fencing token. Refused with [`StoreError::Conflict`] naming the holder
    /// when another process has it.
    pub async fn acquire(
        store: &RedisStore,
        holder: &str,
        ttl: Duration,
    ) -> Result<RedisLease, StoreError> {
        let holder = checked_holder(holder)?;
        match attempt(&store.shared, &holder, ttl, None).await? {
            Attempt::Taken(fence) => Ok(RedisLease::hold(store, fence, holder, ttl)),
            Attempt::Held { value, left_ms } => {
                let (token, other) = split_value(&value);
                Err(StoreError::Conflict(format!(
                    "the dispatcher lease is held by {} (fencing token {token}) for another {left_ms} ms: \
                     this process must not dispatch",
                    describe(other)
                )))
            }
        }
    }

    /// How a process started without `--standby` takes the lease, so that a
    /// restart after a crash needs nobody: a free lease is taken; a lease
    /// whose holder was this host's and is gone (its pid no longer runs the
    /// process that took it) is taken over at once, by compare-and-set on its
    /// exact value with a higher fencing token; any other holder is watched
    /// until its lease lapses (then it is taken) or is renewed (the holder is
    /// alive: refused, saying so). Waits at most about one ttl.
    pub async fn acquire_on_start(
        store: &RedisStore,
        me: &ProcessIdentity,
        ttl: Duration,
    ) -> Result<RedisLease, StoreError> {
        let holder = checked_holder(&me.to_string())?;
        let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
        let poll = (ttl / 10).clamp(Duration::from_millis(10), Duration::from_millis(200));
        // A holder nothing could be told about: its lease value and ms left when last seen.
        let mut watched: Option<(String, i64)> = None;
        loop {
            let (value, left_ms) = match attempt(&store.shared, &holder, ttl, None).await? {
                Attempt::Taken(fence) => return Ok(RedisLease::hold(store, fence, holder, ttl)),
                Attempt::Held { value, left_ms } => (value, left_ms),
            };
            let (_, other) = split_value(&value);
            match me.judge_here(other) {
                Liveness::Gone => {
                    tracing::info!(holder = %describe(other), "the lease holder is gone: taking the lease over");
                    let taken = attempt(&store.shared, &holder, ttl, Some(&value)).await?;
                    if let Attempt::Taken(fence) = taken {
                        return Ok(RedisLease::hold(store, fence, holder, ttl));
                    }
                    // Someone else changed the lease meanwhile: look again.
                }
                Liveness::Alive => {
                    return Err(StoreError::Conflict(format!(
                    "the dispatcher lease is held by {}, which is alive (a process on this host): \
                         this process must not dispatch",
                    describe(other)
                )))
                }
                Liveness::Unknown => {
                    let renewed = watched
                        .as_ref()
                        .is_some_and(|(seen, seen_left)| *seen != value || left_ms > *seen_left);
                    if renewed {
                        return Err(StoreError::Conflict(format!(
                            "the dispatcher lease is held by {}, which renewed it about {} ms ago, so it is alive: \
                             this process must not dispatch",
                            describe(other),
                            ttl_ms.saturating_sub(left_ms).max(0)
                        )));
                    }
                    tracing::info!(holder = %describe(other), left_ms, "waiting to see whether the lease holder is alive");
                    watched = Some((value, left_ms));
                    let left = Duration::from_millis(u64::try_from(left_ms.max(1)).unwrap_or(1));
                    tokio::time::sleep(poll.min(left)).await;
                }
            }
        }
    }

    fn hold(store: &RedisStore, fence: Fence, holder: String, ttl: Duration) -> RedisLease {
        tracing::info!(token = fence.token, holder = %holder, "dispatcher lease acquired");
        store.shared.hold(fence.clone());
        RedisLease {
            shared: Arc::clone(&store.shared),
            fence,
            holder,
            ttl,
            renewal: None,
        }
    }

    /// Acquires the lease as soon as it is free, trying every `poll`: how a
    /// standby waits for the active process to stop or die. Returns only on
    /// success or on an error other than "held by another process".
    pub async fn acquire_when_free(
        store: &RedisStore,
        holder: &str,
        ttl: Duration,
        poll: Duration,
    ) -> Result<RedisLease, StoreError> {
        loop {
            match RedisLease::acquire(store, holder, ttl).await {
                Err(StoreError::Conflict(reason))
                    if reason.starts_with("the dispatcher lease is held by") =>
                {
                    tracing::debug!(%reason, "standing by");
                    tokio::time::sleep(poll).await;
                }
                other => return other,
            }
        }
    }

    /// The fencing token: higher for every new acquisition (and for every
    /// time the lease had to be taken again after a failover).
    pub fn fencing_token(&self) -> u64 {
        self.shared
            .current()
            .map_or(self.fence.token, |fence| fence.token)
    }

    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// Whether this process still holds the lease, as far as it knows (a
    /// refused renewal or commit says it does not): for readiness checks.
    pub fn is_held(&self) -> bool {
        self.shared.current().is_some()
    }

    /// Extends the lease by its ttl, or takes it back if it lapsed and
    /// nobody took it since. [`StoreError::Conflict`] when it is lost.
    pub async fn renew(&self) -> Result<(), StoreError> {
        let fence = self.shared.fence()?;
        renew(&self.shared, &fence).await
    }

    /// Renews the lease every third of its ttl until dropped, released or
    /// lost (a lost lease is logged and fences the store).
    pub fn keep_renewed(&mut self) {
        if self.renewal.is_some() {
            return;
        }
        let shared = Arc::clone(&self.shared);
        let every = (self.ttl / 3).max(Duration::from_millis(1));
        self.renewal = Some(self.shared.runtime.spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                // The current fence: a failover may have replaced it.
                let Some(fence) = shared.current() else {
                    return;
                };
                match renew(&shared, &fence).await {
                    Ok(()) => {}
                    Err(StoreError::Conflict(_)) => return,
                    Err(error) => {
                        tracing::warn!(%error, "dispatcher lease renewal failed; retrying")
                    }
                }
            }
        }));
    }

    /// Gives the lease up, so a standby may take over at once; this store
    /// may not write any more.
    pub async fn release(mut self) -> Result<(), StoreError> {
        if let Some(renewal) = self.renewal.take() {
            renewal.abort();
        }
        let fence = self.shared.current().unwrap_or_else(|| self.fence.clone());
        self.shared
            .lose(fence.token, "the lease was released".to_string());
        let (lease_key, value) = (self.shared.keys.lease.clone(), fence.value);
        self.shared
            .on_runtime(move |shared| async move {
                let mut connection = shared.connection().await?;
                shared
                    .scripts
                    .release
                    .key(&lease_key)
                    .arg(&value)
                    .invoke_async::<u8>(&mut connection)
                    .await
                    .map(|_| ())
                    .map_err(|error| store_error(&error))
            })
            .await
    }
}

impl Drop for RedisLease {
    fn drop(&mut self) {
        if let Some(renewal) = self.renewal.take() {
            renewal.abort();
        }
    }
}

fn checked_holder(holder: &str) -> Result<String, StoreError> {
    let holder = holder.trim().to_string();
    if holder.is_empty()
        || holder.chars().count() > MAX_HOLDER_CHARS
        || holder.chars().any(char::is_control)
    {
        return Err(StoreError::Conflict(format!(
            "a lease holder name is 1 to {MAX_HOLDER_CHARS} characters without control characters"
        )));
    }
    Ok(holder)
}

/// `"<token> <holder>"` split in two.
pub(super) fn split_value(value: &str) -> (&str, &str) {
    value.split_once(' ').unwrap_or(("?", value))
}

/// One run of the acquire script, on the store's runtime; `replace` is the
/// exact lease value of a dead holder, which may be taken over.
async fn attempt(
    shared: &Arc<Shared>,
    holder: &str,
    ttl: Duration,
    replace: Option<&str>,
) -> Result<Attempt, StoreError> {
    let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
    let (holder, replace) = (holder.to_string(), replace.map(str::to_string));
    shared
        .on_runtime(move |shared| async move {
            try_acquire(&shared, &holder, ttl_ms, replace.as_deref()).await
        })
        .await
}

async fn try_acquire(
    shared: &Shared,
    holder: &str,
    ttl_ms: u64,
    replace: Option<&str>,
) -> Result<Attempt, StoreError> {
    let mut connection = shared.connection().await?;
    let mut invocation = shared.scripts.acquire.prepare_invoke();
    invocation
        .key(&shared.keys.lease)
        .key(&shared.keys.fence)
        .arg(holder)
        .arg(ttl_ms);
    if let Some(value) = replace {
        invocation.arg(value);
    }
    let reply: Vec<Value> = invocation
        .invoke_async(&mut connection)
        .await
        .map_err(|error| store_error(&error))?;
    let (token, value) = token_and_value(&reply, "lease")?;
    if token == 0 {
        let left_ms = reply
            .get(2)
            .and_then(|v| redis::from_redis_value_ref(v).ok())
            .unwrap_or(-1);
        return Ok(Attempt::Held { value, left_ms });
    }
    Ok(Attempt::Taken(Fence {
        token,
        value,
        ttl_ms,
    }))
}

async fn renew(shared: &Arc<Shared>, fence: &Fence) -> Result<(), StoreError> {
    let (token, sent) = (fence.token, fence.clone());
    let result = shared
        .on_runtime(move |shared| async move {
            let mut connection = shared.connection().await?;
            let reply: Value = shared
                .scripts
                .renew
                .key(&shared.keys.lease)
                .key(&shared.keys.fence)
                .arg(&sent.value)
                .arg(sent.token)
                .arg(sent.ttl_ms)
                .invoke_async(&mut connection)
                .await
                .map_err(|error| store_error(&error))?;
            match reply {
                Value::Int(1) => Ok(None),
                Value::Array(items) => {
                    let holder: String = items
                        .get(1)
                        .and_then(|v| redis::from_redis_value_ref(v).ok())
                        .unwrap_or_else(|| "-".to_string());
                    Ok(Some(holder))
                }
                other => Err(StoreError::Corrupt(format!(
                    "unexpected reply from the renewal script: {other:?}"
                ))),
            }
        })
        .await?;
    match result {
        None => Ok(()),
        Some(holder) if holder == "-" => match failover::reacquire(shared, fence).await {
            Ok(Some(again)) if shared.refence(token, again.clone()) => Ok(()),
            // Not reached this time: the next renewal looks again.
            Err(StoreError::Unavailable(reason)) => Err(StoreError::Unavailable(reason)),
            _ => lost(shared, token, "nobody".to_string()),
        },
        Some(holder) => lost(shared, token, holder),
    }
}

/// Records the lease under `token` as lost to `holder`; the error to return.
fn lost(shared: &Shared, token: u64, holder: String) -> Result<(), StoreError> {
    shared.lose(
        token,
        format!("the dispatcher lease is now held by {holder}"),
    );
    Err(shared.fence().err().unwrap_or_else(|| {
        StoreError::Conflict(format!("the dispatcher lease is now held by {holder}"))
    }))
}
