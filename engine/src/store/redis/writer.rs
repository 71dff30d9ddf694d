//! The commit task: the only place that writes the stored state to Redis.
//!
//! It owns the mirror of the stored state and serialises commits, so the
//! mirror and Redis move together. Changes waiting in its queue when a commit
//! starts are committed together by one script call (group commit); each is
//! still checked, and answered, on its own.

use std::sync::Arc;

use deadpool_redis::redis::RedisError;
use tokio::sync::{mpsc, oneshot};

use super::batch::{script_input, Batch, Reply, ScriptInput};
use super::failover;
use super::replicas::{self, Revert};
use super::stored::read_state;
use super::{failure, Connection, Failure, Fence, Shared};
use crate::store::{Change, StoreError, StoredState};

/// A request to the commit task.
pub(crate) enum Command {
    /// Commit one change.
    Apply {
        change: Change,
        reply: oneshot::Sender<Result<(), StoreError>>,
    },
    /// Read the whole state from Redis (and refresh the mirror with it).
    Load {
        reply: oneshot::Sender<Result<StoredState, StoreError>>,
    },
}

pub(crate) struct Writer {
    shared: Arc<Shared>,
    mirror: StoredState,
    /// The fencing token under which the mirror is known to equal Redis;
    /// `None` when it must be reloaded before the next commit.
    mirror_token: Option<u64>,
    /// The id of the last commit applied under `mirror_token`, which the
    /// next commit tells the script to expect.
    last_applied: u64,
    next_write_id: u64,
    /// A commit (token, write id) whose outcome is still unknown.
    undecided: Option<(u64, u64)>,
    /// A batch that no replica confirmed and that could not be taken back
    /// yet: done before anything else (see `replicas.rs`).
    pending_revert: Option<Revert>,
    connection: Option<Connection>,
}

/// How one commit attempt ended.
enum Outcome {
    /// `confirmable`: the script's own reply came on the commit connection,
    /// so a `WAIT` there covers it (not so when a lost reply was decided).
    Applied {
        confirmable: bool,
    },
    /// Redis holds other writes than the mirror thinks: reload and re-check.
    Diverged,
    /// The lease went missing in a failover and was taken again under a new
    /// token: reload from the new primary and re-check.
    Refenced,
    Failed(StoreError),
}

impl Writer {
    pub fn new(shared: Arc<Shared>) -> Writer {
        Writer {
            shared,
            mirror: StoredState::default(),
            mirror_token: None,
            last_applied: 0,
            next_write_id: 1,
            undecided: None,
            pending_revert: None,
            connection: None,
        }
    }

    /// Serves commands until every store handle is dropped.
    pub async fn run(mut self, mut commands: mpsc::Receiver<Command>) {
        let max_batch = self.shared.options.max_batch.max(1);
        while let Some(first) = commands.recv().await {
            let mut applies = Vec::new();
            let mut next = Some(first);
            while let Some(command) = next.take() {
                match command {
                    Command::Apply { change, reply } => applies.push((change, reply)),
                    Command::Load { reply } => {
                        // Loads keep their place in the order of commands.
                        self.commit(std::mem::take(&mut applies)).await;
                        let _ = reply.send(self.load().await);
                    }
                }
                if applies.len() < max_batch {
                    next = commands.try_recv().ok();
                }
            }
            self.commit(applies).await;
        }
    }

    async fn load(&mut self) -> Result<StoredState, StoreError> {
        let (state, writer) = read_state(&self.shared).await?;
        self.mirror = state.clone();
        self.mirror_token = None;
        if let Ok(fence) = self.shared.fence() {
            if self.undecided.is_none() {
                self.mirror_token = Some(fence.token);
                self.last_applied = writer.applied_under(fence.token);
            }
        }
        Ok(state)
    }

    /// Commits `applies`, answering each.
    async fn commit(&mut self, applies: Vec<(Change, Reply)>) {
        if applies.is_empty() {
            return;
        }
        let mut pending = applies;
        // A second pass only when Redis turned out to hold other writes than
        // the mirror (it restarted and lost some): re-check against the truth.
        for pass in 0..2 {
            let fence = match self.ready().await {
                Ok(fence) => fence,
                Err(error) => return answer_all(pending, &error),
            };
            let batch = Batch::stage(&self.mirror, pending);
            if batch.accepted.is_empty() {
                return;
            }
            let input = match script_input(&self.shared, &batch) {
                Ok(input) => input,
                Err(error) => return answer_all(batch.accepted, &error),
            };
            let expected = self.last_applied;
            match self.write(&fence, &input, expected).await {
                Outcome::Applied { confirmable } => {
                    if let Err(reason) = self.confirm(confirmable).await {
                        // No client hears of it: it is taken back, so that
                        // what they were told (not done) is what holds.
                        self.take_back(&fence, &batch).await;
                        return answer_all(batch.accepted, &StoreError::Unavailable(reason));
                    }
                    self.adopt(&batch);
                    for (_, reply) in batch.accepted {
                        let _ = reply.send(Ok(()));
                    }
                    return;
                }
                Outcome::Failed(error) => {
                    let replies = batch.accepted;
                    return answer_all(replies, &error);
                }
                Outcome::Refenced if pass == 0 => pending = batch.accepted,
                Outcome::Diverged if pass == 0 => {
                    tracing::warn!("redis holds other writes than this process made (a restart that lost data?); reloading");
                    self.mirror_token = None;
                    pending = batch.accepted;
                }
                Outcome::Diverged | Outcome::Refenced => {
                    let error = StoreError::Unavailable(
                        "redis keeps diverging from this process's writes".to_string(),
                    );
                    return answer_all(batch.accepted, &error);
                }
            }
        }
    }

    /// Makes the mirror trustworthy for a commit under the current lease.
    async fn ready(&mut self) -> Result<Fence, StoreError> {
        let fence = self.shared.fence()?;
        if let Some((token, write_id)) = self.undecided {
            // Under an older token the commit can never apply: its lease check fails.
            if token == fence.token {
                // Applied or not, the reload below reads the truth (the
                // mirror was marked stale when the reply was lost).
                self.decide(&fence, write_id).await?;
            }
            self.undecided = None;
        }
        if let Some(revert) = self.pending_revert.take() {
            if revert.token == fence.token {
                let outcome = self.write(&fence, &revert.input, revert.expected).await;
                self.settle_revert(outcome, revert)?;
            } else {
                tracing::warn!("a change no replica confirmed could not be taken back before the lease changed");
                self.mirror_token = None;
            }
        }
        if self.mirror_token != Some(fence.token) {
            let (state, writer) = read_state(&self.shared).await?;
            self.mirror = state;
            self.mirror_token = Some(fence.token);
            self.last_applied = writer.applied_under(fence.token);
        }
        Ok(fence)
    }

    /// Sends one commit script (`input`: its keys and operations) that
    /// expects `expected` to be the last write applied, retrying while Redis
    /// cannot be reached and deciding any commit whose reply was lost.
    async fn write(&mut self, fence: &Fence, input: &ScriptInput, expected: u64) -> Outcome {
        let shared = Arc::clone(&self.shared);
        let options = &shared.options;
        let (keys, args) = input;
        let mut attempt = 0;
        loop {
            let write_id = self.next_write_id;
            self.next_write_id += 1;
            let result = match self.connection().await {
                Ok(connection) => {
                    let mut invocation = shared.scripts.commit.prepare_invoke();
                    invocation
                        .key(keys)
                        .arg(&fence.value)
                        .arg(fence.token)
                        .arg(fence.ttl_ms)
                        .arg(write_id)
                        .arg(expected)
                        .arg(options.event_stream_max_len.unwrap_or(0))
                        .arg(args);
                    invocation.invoke_async::<(u64, u64)>(connection).await
                }
                Err(error) => return Outcome::Failed(error),
            };
            let reason = match result {
                Ok(_) => {
                    self.last_applied = write_id;
                    return Outcome::Applied { confirmable: true };
                }
                Err(error) if lease_missing(&error) => {
                    return match failover::reacquire(&shared, fence).await {
                        Ok(Some(again)) if shared.refence(fence.token, again.clone()) => {
                            self.mirror_token = None;
                            Outcome::Refenced
                        }
                        Ok(_) => self.refusal(fence, &error).unwrap_or(Outcome::Failed(
                            StoreError::Conflict("the dispatcher lease is lost".to_string()),
                        )),
                        // Nothing was written; the next commit checks again.
                        Err(unreachable) => Outcome::Failed(unreachable),
                    };
                }
                Err(error) => match self.refusal(fence, &error) {
                    Some(outcome) => return outcome,
                    None => match failure(&error) {
                        Failure::Definite(error) => return Outcome::Failed(error),
                        Failure::Transient(reason) => reason,
                    },
                },
            };
            // The reply was lost: the commit may or may not have run.
            self.replace_broken_connection();
            tracing::warn!(%reason, write_id, "redis commit reply lost; deciding it");
            match self.decide(fence, write_id).await {
                Ok(true) => {
                    self.last_applied = write_id;
                    return Outcome::Applied { confirmable: false };
                }
                Ok(false) if attempt < options.retries => {
                    attempt += 1;
                    tokio::time::sleep(options.backoff(attempt)).await;
                }
                Ok(false) => return Outcome::Failed(StoreError::Unavailable(reason)),
                Err(error) => {
                    self.undecided = Some((fence.token, write_id));
                    self.mirror_token = None;
                    return Outcome::Failed(StoreError::Unavailable(format!(
                        "{error}; whether the last change was applied is decided on the next one"
                    )));
                }
            }
        }
    }

    /// With `min_replicas`, waits until that many replicas hold everything
    /// this connection wrote; why not, otherwise.
    async fn confirm(&mut self, confirmable: bool) -> Result<(), String> {
        let (wanted, timeout) = (
            self.shared.options.min_replicas,
            self.shared.options.replica_timeout,
        );
        if wanted == 0 {
            return Ok(());
        }
        if !confirmable {
            return Err(
                "the commit's reply was lost, so no replica can be said to hold it".to_string(),
            );
        }
        let connection = self.connection().await.map_err(|error| error.to_string())?;
        let confirmed = replicas::wait_for(connection, wanted, timeout).await;
        if let Err(replicas::Unconfirmed::Broken(_)) = &confirmed {
            self.replace_broken_connection();
        }
        confirmed.map_err(|unconfirmed| unconfirmed.to_string())
    }

    /// Takes back a batch that no replica confirmed (its changes are still
    /// in the mirror's past: the mirror never adopted them). Until that is
    /// done, no other commit runs (see [`Writer::ready`]).
    async fn take_back(&mut self, fence: &Fence, batch: &Batch) {
        let input = match replicas::revert_input(&self.shared, &self.mirror, batch) {
            Ok(input) => input,
            Err(error) => {
                tracing::error!(%error, "cannot build the take-back of an unconfirmed change; reloading");
                self.mirror_token = None;
                return;
            }
        };
        let revert = Revert {
            token: fence.token,
            expected: self.last_applied,
            input,
        };
        let outcome = self.write(fence, &revert.input, revert.expected).await;
        if let Err(error) = self.settle_revert(outcome, revert) {
            tracing::warn!(%error, "an unconfirmed change is taken back before the next commit");
        }
    }

    /// What a take-back's outcome leaves to do.
    fn settle_revert(&mut self, outcome: Outcome, revert: Revert) -> Result<(), StoreError> {
        match outcome {
            Outcome::Applied { .. } => {
                tracing::warn!("a change no replica confirmed was taken back");
                Ok(())
            }
            // The batch is not this node's last write (a failover to a
            // replica that never got it): nothing to take back; re-read.
            Outcome::Diverged | Outcome::Refenced => {
                self.mirror_token = None;
                Ok(())
            }
            Outcome::Failed(error) => {
                self.pending_revert = Some(revert);
                Err(error)
            }
        }
    }

    /// The outcome of an error the commit script itself returned.
    fn refusal(&mut self, fence: &Fence, error: &RedisError) -> Option<Outcome> {
        match error.code() {
            Some("FENCED") => {
                let holder = error.detail().unwrap_or("-");
                let holder = if holder == "-" { "nobody" } else { holder };
                let reason = format!(
                    "the dispatcher lease is now held by {holder} (this process had fencing token {})",
                    fence.token
                );
                self.shared.lose(fence.token, reason);
                self.mirror_token = None;
                Some(Outcome::Failed(self.shared.fence().err().unwrap_or_else(
                    || {
                        // A newer lease was taken meanwhile by this very process.
                        StoreError::Conflict(
                            "the dispatcher lease changed during the commit".to_string(),
                        )
                    },
                )))
            }
            Some("DIVERGED") => Some(Outcome::Diverged),
            Some("CANCELLED" | "BADOPS") => {
                self.mirror_token = None;
                Some(Outcome::Failed(StoreError::Unavailable(format!(
                    "commit refused: {error}"
                ))))
            }
            _ => None,
        }
    }

    /// Decides whether commit `write_id` was applied, making sure that if it
    /// was not, it never will be. Retries while Redis cannot be reached.
    async fn decide(&mut self, fence: &Fence, write_id: u64) -> Result<bool, StoreError> {
        let shared = Arc::clone(&self.shared);
        let mut attempt = 0;
        loop {
            let connection = self.connection().await?;
            let result = shared
                .scripts
                .resolve
                .key(&shared.keys.fence)
                .key(&shared.keys.writer)
                .arg(fence.token)
                .arg(write_id)
                .invoke_async::<u8>(connection)
                .await;
            match result {
                Ok(applied) => return Ok(applied == 1),
                Err(error) => match failure(&error) {
                    Failure::Transient(reason) if attempt < shared.options.retries => {
                        self.replace_broken_connection();
                        attempt += 1;
                        tracing::debug!(%reason, attempt, "deciding a commit failed; retrying");
                        tokio::time::sleep(shared.options.backoff(attempt)).await;
                    }
                    Failure::Transient(reason) => {
                        self.replace_broken_connection();
                        return Err(StoreError::Unavailable(reason));
                    }
                    Failure::Definite(error) => return Err(error),
                },
            }
        }
    }

    /// The commit connection: one kept across commits (no PING per commit).
    async fn connection(&mut self) -> Result<&mut Connection, StoreError> {
        if self.connection.is_none() {
            self.connection = Some(self.shared.connection().await?);
        }
        self.connection
            .as_mut()
            .ok_or_else(|| StoreError::Unavailable("no redis connection".to_string()))
    }

    /// Drops a commit connection that failed: the next command opens another.
    fn replace_broken_connection(&mut self) {
        if self.connection.is_some() {
            crate::metrics::record_store_reconnect();
        }
        self.discard_connection();
    }

    /// Drops the commit connection for good: it may hold a lost reply.
    fn discard_connection(&mut self) {
        if let Some(connection) = self.connection.take() {
            drop(Connection::take(connection));
        }
    }

    /// The batch is in Redis: the mirror takes its records.
    fn adopt(&mut self, batch: &Batch) {
        batch.adopt_into(&mut self.mirror);
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.discard_connection();
    }
}

/// The commit script found no lease and another last token on this node:
/// what a failover to a replica that lacked the lease looks like.
fn lease_missing(error: &RedisError) -> bool {
    error.code() == Some("FENCED") && error.detail().map(str::trim) == Some("-")
}

fn answer_all(replies: Vec<(Change, Reply)>, error: &StoreError) {
    for (_, reply) in replies {
        let _ = reply.send(Err(error.clone()));
    }
}
