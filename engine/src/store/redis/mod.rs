//! The production store: Redis through a deadpool-redis pool, every change
//! committed by one Lua script, fenced by the dispatcher lease.
//!
//! # How a change is committed
//! The store keeps a mirror of the stored state in memory. A dedicated
//! commit task (`writer.rs`) takes the changes in arrival order, applies each
//! to a scratch copy of the records it touches with [`StoredState::apply`] —
//! so what a change means, and which changes are refused, is exactly what the
//! memory store does — and then writes the resulting records, the waiting
//! queue, the history and the event stream entries in one `EVALSHA`
//! (`scripts/commit.lua`). Changes that arrive while a commit is in flight go
//! together in the next script call (group commit): one round trip commits
//! many changes, each of which the caller sees succeed or fail on its own
//! terms. Only after Redis has answered is the mirror updated.
//!
//! # When Redis does not answer
//! A failure to reach Redis before sending is retried with exponential
//! backoff (see [`RedisOptions`]); after the retries the change fails with
//! [`StoreError::Unavailable`] and nothing was applied. A failure *after*
//! sending (a timeout, a dropped connection) leaves the outcome unknown; the
//! store then decides it with `scripts/resolve.lua`, which either finds the
//! commit applied or guarantees it never will be. If even that cannot reach
//! Redis, the change fails, the mirror is marked stale, and before the next
//! commit the store decides the pending one and reloads the mirror. Each
//! commit also checks that the last write Redis holds is the last one this
//! process made: a Redis that restarted and lost acknowledged writes (see
//! `ops/redis.conf` on `appendfsync`) is noticed and the mirror reloaded
//! instead of overwritten.
//!
//! # The lease, and how a standby takes over
//! Only one engine may dispatch from one Redis. Before writing, a process
//! takes the dispatcher lease with [`RedisLease::acquire`]: `SET lease
//! "<token> <holder>" NX PX ttl` with a fencing token from `INCR`. A second
//! process's acquire is refused with a message naming the holder, and the
//! store refuses writes until it holds the lease. The active process renews
//! the lease ([`RedisLease::keep_renewed`], every third of the ttl), and every
//! commit script first checks that the lease still holds this process's exact
//! value.
//!
//! A standby runs [`RedisLease::acquire_when_free`]. When the active process
//! dies (`kill -9`, a lost host), it stops renewing and the lease expires
//! after at most one ttl; the standby's acquire then succeeds with a higher
//! fencing token, it loads the state and starts dispatching. If the old
//! process was only paused and wakes up, its commits are refused by the
//! script (`FENCED`) and fail with [`StoreError::Conflict`] naming the new
//! holder: it can never overwrite what the new one wrote. A process that
//! stops cleanly calls [`RedisLease::release`] so the standby need not wait
//! for the ttl. A lease that lapsed while nobody else took it (an outage or
//! a pause longer than the ttl) is taken back by the same process on its
//! next renewal or commit, which is safe because no newer token exists.
//!
//! A process started without `--standby` uses [`RedisLease::acquire_on_start`]
//! so that a crash restart needs nobody: the lease value names its holder's
//! host, pid and process start time (`holder.rs`); a holder of this host
//! whose pid is gone (or now runs another process) is taken over at once by
//! compare-and-set on the exact lease value, with a higher fencing token; a
//! holder elsewhere is watched until its lease lapses (taken) or is renewed
//! (alive: refused, saying who and how recently).
//!
//! # Replicas and Sentinel
//! With [`RedisOptions::min_replicas`], a batch is confirmed with `WAIT`
//! before anyone hears of it, and one that no replica confirms is taken
//! back (`replicas.rs`). A `redis+sentinel://` URL makes the pool find the
//! primary through Sentinel and follow a failover (`pool.rs`); a lease that
//! went missing in the failover is taken again with a higher token, never
//! assumed (`failover.rs`).
//!
//! Keys are listed in `keys.rs`; what the event stream holds in `codec.rs`.

mod batch;
mod codec;
mod failover;
pub mod holder;
pub mod keys;
mod lease;
mod pool;
pub mod raw;
mod reads;
mod replicas;
mod sessions;
mod stored;
mod trim;
mod writer;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use deadpool_redis::redis::{self, AsyncConnectionConfig, RedisError};
use parking_lot::Mutex;
use pool::{Connection, Manager, Pool, PoolError};
use tokio::sync::{mpsc, oneshot};

use super::{Change, LoggedChange, Store, StoreError, StoredState, TrimCutoffs, TrimReport};
use crate::domain::{Annotation, Nif};
use keys::Keys;
pub use lease::RedisLease;
pub use pool::{SentinelUrl, SENTINEL_SCHEME};
pub use trim::HISTORY_KEYS_PER_PASS;
use writer::{Command, Writer};

/// How the store talks to Redis. The defaults suit a Redis on the same host
/// or LAN; tests shorten the timeouts.
#[derive(Debug, Clone)]
pub struct RedisOptions {
    /// Connections in the pool (commits use one; reads share the rest).
    pub pool_size: usize,
    /// Longest wait to open a connection (or for a free one in the pool).
    pub connect_timeout: Duration,
    /// Longest wait for the reply to one command or script.
    pub command_timeout: Duration,
    /// Retries after a failure to reach Redis, before giving up with
    /// [`StoreError::Unavailable`].
    pub retries: u32,
    /// The wait before the first retry; doubled for each further retry.
    pub retry_backoff: Duration,
    /// The longest wait between two retries.
    pub retry_backoff_max: Duration,
    /// The hash tag of every key (see `keys.rs`); several deployments may
    /// share one Redis under different namespaces.
    pub namespace: String,
    /// Trim the event stream to about this many entries (`XADD MAXLEN ~`);
    /// `None` keeps the whole audit trail (archive and trim it outside).
    pub event_stream_max_len: Option<usize>,
    /// Most changes committed by one script call.
    pub max_batch: usize,
    /// Replicas that must hold a commit before anyone hears of it (Redis
    /// `WAIT`); 0: the primary's answer is enough. See `replicas.rs`.
    pub min_replicas: u32,
    /// How long to wait for them; past it the change fails as unavailable.
    pub replica_timeout: Duration,
}

impl Default for RedisOptions {
    fn default() -> RedisOptions {
        RedisOptions {
            pool_size: 16,
            connect_timeout: Duration::from_secs(2),
            command_timeout: Duration::from_secs(2),
            retries: 4,
            retry_backoff: Duration::from_millis(50),
            retry_backoff_max: Duration::from_secs(1),
            namespace: "vt".to_string(),
            event_stream_max_len: None,
            max_batch: 256,
            min_replicas: 0,
            replica_timeout: Duration::from_millis(200),
        }
    }
}

impl RedisOptions {
    /// The wait before retry number `attempt` (1-based).
    fn backoff(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        self.retry_backoff
            .saturating_mul(factor)
            .min(self.retry_backoff_max)
    }
}

/// [`Store`] on Redis. Cheap to clone; clones share the pool, the mirror and
/// the lease. URLs: `redis://[user:password@]host:port/db`, `rediss://…`
/// (TLS: needs the engine's `redis-tls` feature, see the crate manifest),
/// `redis+unix:///path/to/socket`, `unix:///path/to/socket`, or
/// `redis+sentinel://host:port[,host:port…]/master_name[/db]` to follow
/// Sentinel failovers (`pool.rs`).
#[derive(Clone)]
pub struct RedisStore {
    shared: Arc<Shared>,
    commands: mpsc::Sender<Command>,
    /// Where the next retention pass goes on scanning histories from.
    trim_cursor: Arc<Mutex<u64>>,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("keys", &self.shared.keys)
            .field("options", &self.shared.options)
            .finish_non_exhaustive()
    }
}

/// What the store's parts share: the pool, the scripts, the fencing token.
pub(crate) struct Shared {
    pool: Pool,
    keys: Keys,
    options: RedisOptions,
    scripts: Scripts,
    fence: Mutex<FenceCell>,
    /// The runtime the store was connected on: every Redis call runs there,
    /// so pooled connections never belong to a runtime that has stopped (the
    /// engine calls the store from its own actor thread).
    runtime: tokio::runtime::Handle,
    /// The connection the taxpayers' history reads share, with a direct
    /// URL (every match reads one): a multiplexed connection answers
    /// concurrent reads in one round trip, and is used from any thread
    /// (its driver runs on `runtime`), so a read needs neither a pool
    /// checkout nor a task of its own. Dropped on a failure; the next read
    /// takes a new one. With Sentinel the reads go through the pool, whose
    /// `ROLE` check follows a failover.
    reader: Mutex<Option<deadpool_redis::redis::aio::MultiplexedConnection>>,
}

struct Scripts {
    commit: redis::Script,
    resolve: redis::Script,
    acquire: redis::Script,
    renew: redis::Script,
    release: redis::Script,
    reacquire: redis::Script,
    trim: redis::Script,
}

impl Scripts {
    fn new() -> Scripts {
        Scripts {
            commit: redis::Script::new(include_str!("scripts/commit.lua")),
            resolve: redis::Script::new(include_str!("scripts/resolve.lua")),
            acquire: redis::Script::new(include_str!("scripts/acquire.lua")),
            renew: redis::Script::new(include_str!("scripts/renew.lua")),
            release: redis::Script::new(include_str!("scripts/release.lua")),
            reacquire: redis::Script::new(include_str!("scripts/reacquire.lua")),
            trim: redis::Script::new(include_str!("scripts/trim.lua")),
        }
    }
}

/// The fencing token this process writes under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fence {
    pub token: u64,
    /// The lease's value, `"<token> <holder>"`, which commits compare.
    pub value: String,
    pub ttl_ms: u64,
}

#[derive(Debug)]
enum FenceCell {
    Never,
    Held(Fence),
    Lost { reason: String },
}

impl Shared {
    /// The token to write under, or why this process may not write.
    fn fence(&self) -> Result<Fence, StoreError> {
        match &*self.fence.lock() {
            FenceCell::Held(fence) => Ok(fence.clone()),
            FenceCell::Never => Err(StoreError::Conflict(
                "this process does not hold the dispatcher lease (RedisLease::acquire): it may not write".to_string(),
            )),
            FenceCell::Lost { reason } => Err(StoreError::Conflict(format!(
                "fenced out: {reason}; this process is no longer the active dispatcher"
            ))),
        }
    }

    fn hold(&self, fence: Fence) {
        *self.fence.lock() = FenceCell::Held(fence);
    }

    /// Records that the lease under `token` is gone (unless a newer one is held).
    fn lose(&self, token: u64, reason: String) {
        let mut cell = self.fence.lock();
        if matches!(&*cell, FenceCell::Held(fence) if fence.token == token) {
            tracing::warn!(token, %reason, "dispatcher lease lost");
            *cell = FenceCell::Lost { reason };
        }
    }

    /// The fence this process writes under now, if it holds the lease.
    fn current(&self) -> Option<Fence> {
        match &*self.fence.lock() {
            FenceCell::Held(fence) => Some(fence.clone()),
            _ => None,
        }
    }

    /// Replaces the fence under `old` by `new` (the lease taken again after
    /// a failover); false if `old` is no longer held (lost or released
    /// meanwhile). Already holding `new` counts as done.
    fn refence(&self, old: u64, new: Fence) -> bool {
        let mut cell = self.fence.lock();
        match &*cell {
            FenceCell::Held(fence) if fence.token == old => {
                *cell = FenceCell::Held(new);
                true
            }
            FenceCell::Held(fence) => fence.token == new.token,
            _ => false,
        }
    }
}

/// What a failed Redis call means for the caller.
enum Failure {
    /// Redis could not be reached, or is busy loading, or the reply was lost:
    /// worth retrying (for a commit: worth deciding first).
    Transient(String),
    /// Redis answered with an error: retrying the same call will not help.
    Definite(StoreError),
}

fn failure(error: &RedisError) -> Failure {
    use redis::{ErrorKind, ServerErrorKind};
    match error.kind() {
        ErrorKind::Parse | ErrorKind::UnexpectedReturnType => Failure::Definite(
            StoreError::Corrupt(format!("unexpected reply from redis: {error}")),
        ),
        // READONLY: the node was demoted in a failover; another connection
        // (through Sentinel) reaches the new primary.
        ErrorKind::Server(
            ServerErrorKind::BusyLoading
            | ServerErrorKind::TryAgain
            | ServerErrorKind::MasterDown
            | ServerErrorKind::ReadOnly,
        ) => Failure::Transient(error.to_string()),
        ErrorKind::Io | ErrorKind::Client => Failure::Transient(error.to_string()),
        _ if error.is_timeout() || error.is_connection_dropped() || error.is_io_error() => {
            Failure::Transient(error.to_string())
        }
        _ => Failure::Definite(StoreError::Unavailable(format!("redis refused: {error}"))),
    }
}

/// The error of a call that is not retried here: a transient failure is
/// [`StoreError::Unavailable`] (the caller may try again later).
fn store_error(error: &RedisError) -> StoreError {
    match failure(error) {
        Failure::Transient(reason) => StoreError::Unavailable(reason),
        Failure::Definite(error) => error,
    }
}

/// The fencing token and lease value that open the reply of a lease
/// script (acquire, re-acquire); `script` names it in the error.
fn token_and_value(reply: &[redis::Value], script: &str) -> Result<(u64, String), StoreError> {
    let corrupt = || StoreError::Corrupt(format!("unexpected reply from the {script} script"));
    let token: u64 = reply
        .first()
        .and_then(|v| redis::from_redis_value_ref(v).ok())
        .ok_or_else(corrupt)?;
    let value: String = reply
        .get(1)
        .and_then(|v| redis::from_redis_value_ref(v).ok())
        .ok_or_else(corrupt)?;
    Ok((token, value))
}

fn pool_error(error: &PoolError) -> String {
    match error {
        PoolError::Backend(error) => format!("cannot reach redis: {error}"),
        PoolError::Timeout(kind) => format!("cannot reach redis: {kind:?} timed out"),
        other => format!("cannot reach redis: {other}"),
    }
}

impl RedisStore {
    /// Connects to Redis at `url` and checks it answers. Must be called
    /// within a tokio runtime, which then runs the store's Redis calls. The
    /// store can read at once; it writes only once this process holds the
    /// lease ([`RedisLease::acquire`]).
    pub async fn connect(url: &str, options: RedisOptions) -> Result<RedisStore, StoreError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            StoreError::Unavailable("the redis store needs a tokio runtime".to_string())
        })?;
        let keys = Keys::new(&options.namespace)
            .map_err(|error| StoreError::Unavailable(error.to_string()))?;
        let connection_config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(options.connect_timeout))
            .set_response_timeout(Some(options.command_timeout));
        let manager = Manager::new(url, connection_config).map_err(StoreError::Unavailable)?;
        let pool = Pool::builder(manager)
            .max_size(options.pool_size.max(1))
            .wait_timeout(Some(options.connect_timeout))
            .create_timeout(Some(options.connect_timeout))
            .recycle_timeout(Some(options.command_timeout))
            .runtime(deadpool::Runtime::Tokio1)
            .build()
            .map_err(|error| {
                StoreError::Unavailable(format!("cannot build the redis pool: {error}"))
            })?;
        let shared = Arc::new(Shared {
            pool,
            keys,
            options,
            scripts: Scripts::new(),
            fence: Mutex::new(FenceCell::Never),
            runtime: runtime.clone(),
            reader: Mutex::new(None),
        });
        let _: String = shared
            .read(redis::pipe().cmd("PING"))
            .await
            .map(|(pong,): (String,)| pong)?;
        let (sender, receiver) = mpsc::channel(shared.options.max_batch.max(1) * 4);
        runtime.spawn(Writer::new(Arc::clone(&shared)).run(receiver));
        Ok(RedisStore {
            shared,
            commands: sender,
            trim_cursor: Arc::new(Mutex::new(0)),
        })
    }

    /// The store's key names.
    pub fn keys(&self) -> &Keys {
        &self.shared.keys
    }

    async fn command<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<Result<T, StoreError>>) -> Command,
    ) -> Result<T, StoreError> {
        let stopped =
            || StoreError::Unavailable("the redis store's commit task has stopped".to_string());
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(make(reply))
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

#[async_trait]
impl Store for RedisStore {
    async fn load(&self) -> Result<StoredState, StoreError> {
        self.command(|reply| Command::Load { reply }).await
    }

    async fn apply(&self, change: &Change) -> Result<(), StoreError> {
        let change = change.clone();
        self.command(|reply| Command::Apply { change, reply }).await
    }

    async fn history(&self, nif: &Nif) -> Result<Vec<Annotation>, StoreError> {
        reads::history(&self.shared, nif).await
    }

    async fn events(&self, from: u64, limit: usize) -> Result<Vec<LoggedChange>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        self.shared
            .on_runtime(
                move |shared| async move { stored::read_events(&shared, from, limit).await },
            )
            .await
    }

    async fn trim(&self, cutoffs: &TrimCutoffs) -> Result<TrimReport, StoreError> {
        let cutoffs = *cutoffs;
        let cursor = *self.trim_cursor.lock();
        let (report, next) = self
            .shared
            .on_runtime(move |shared| async move { trim::trim(&shared, cutoffs, cursor).await })
            .await?;
        *self.trim_cursor.lock() = next;
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_up_to_its_cap() {
        let options = RedisOptions {
            retry_backoff: Duration::from_millis(10),
            retry_backoff_max: Duration::from_millis(35),
            ..RedisOptions::default()
        };
        let waits: Vec<u128> = (1..=4)
            .map(|attempt| options.backoff(attempt).as_millis())
            .collect();
        assert_eq!(waits, vec![10, 20, 35, 35]);
    }
}
