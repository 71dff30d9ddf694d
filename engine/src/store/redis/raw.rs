//! The commit script driven without the writer's waiting, for the
//! benchmark's raw rate (`ops/bench --redis`, `raw_commit_script_per_second`).
//!
//! The writer sends one script call and waits for its reply before the next;
//! the raw rate is what the same calls cost when one ordered writer sends
//! them back to back in one pipeline: the ceiling the durable figures are
//! stated against. To be the *same* calls, each batch is staged and encoded
//! exactly as the writer does it ([`Batch::stage`], [`script_input`]) and
//! carries the store's fence and write-id chain, so the script runs every
//! check and write it runs in production. Nothing here is used by the engine.

use std::sync::Arc;

use deadpool_redis::redis;
use tokio::sync::oneshot;

use super::batch::{script_input, Batch, ScriptInput};
use super::{RedisStore, Shared};
use crate::store::{Change, StoreError, StoredState};

/// Stages and sends commit script calls in order, on a store whose lease is
/// held and whose namespace holds nothing else (it starts from an empty
/// state, and the store's own writer must not write meanwhile).
pub struct RawCommits {
    shared: Arc<Shared>,
    state: StoredState,
    last_applied: u64,
}

/// One script call's input, staged in order against the state before it.
pub struct StagedCall {
    input: ScriptInput,
    expected: u64,
    write_id: u64,
    changes: usize,
}

impl StagedCall {
    /// How many changes the call commits.
    pub fn changes(&self) -> usize {
        self.changes
    }
}

impl RawCommits {
    /// For `store`, which must hold the dispatcher lease, over an empty keyspace.
    pub fn new(store: &RedisStore) -> RawCommits {
        RawCommits {
            shared: Arc::clone(&store.shared),
            state: StoredState::default(),
            last_applied: 0,
        }
    }

    /// Stages one batch as the writer would; a change the state refuses is
    /// an error (the benchmark's changes must all commit).
    pub fn stage(&mut self, changes: Vec<Change>) -> Result<StagedCall, StoreError> {
        let count = changes.len();
        // The writer answers each change on its own channel; here nobody
        // listens, and a refusal shows as a change missing from `accepted`.
        let applies = changes
            .into_iter()
            .map(|change| (change, oneshot::channel().0))
            .collect();
        let batch = Batch::stage(&self.state, applies);
        if batch.accepted.len() != count {
            return Err(StoreError::Conflict(format!(
                "{} of {count} changes refused by the state",
                count - batch.accepted.len()
            )));
        }
        let input = script_input(&self.shared, &batch)?;
        batch.adopt_into(&mut self.state);
        let call = StagedCall {
            input,
            expected: self.last_applied,
            write_id: self.last_applied + 1,
            changes: count,
        };
        self.last_applied = call.write_id;
        Ok(call)
    }

    /// Sends `calls` (staged in this order) in one pipeline of `EVALSHA`s
    /// and waits for every reply; an error if any call was refused.
    pub async fn send(&self, calls: &[StagedCall]) -> Result<(), StoreError> {
        let fence = self.shared.fence()?;
        let script = &self.shared.scripts.commit;
        let mut connection = self.shared.connection().await?;
        script
            .prepare_invoke()
            .load_async(&mut connection)
            .await
            .map_err(|error| StoreError::Unavailable(error.to_string()))?;
        let max_len = self.shared.options.event_stream_max_len.unwrap_or(0);
        let mut pipeline = redis::pipe();
        for call in calls {
            let (keys, args) = &call.input;
            pipeline
                .cmd("EVALSHA")
                .arg(script.get_hash())
                .arg(keys.len())
                .arg(keys)
                .arg(&fence.value)
                .arg(fence.token)
                .arg(fence.ttl_ms)
                .arg(call.write_id)
                .arg(call.expected)
                .arg(max_len)
                .arg(args);
        }
        pipeline
            .query_async::<Vec<(u64, u64)>>(&mut connection)
            .await
            .map(|_| ())
            .map_err(|error| StoreError::Unavailable(format!("raw commit refused: {error}")))
    }

    /// Deletes what the staged calls wrote (the namespace's state keys),
    /// leaving the lease to its holder.
    pub async fn discard(&self) -> Result<(), StoreError> {
        let names = &self.shared.keys;
        let mut connection = self.shared.connection().await?;
        redis::cmd("DEL")
            .arg(&names.tickets)
            .arg(&names.operators)
            .arg(&names.waiting)
            .arg(&names.next_seq)
            .arg(&names.events)
            .arg(&names.event_seq)
            .arg(&names.writer)
            .query_async::<u64>(&mut connection)
            .await
            .map(|_| ())
            .map_err(|error| StoreError::Unavailable(error.to_string()))
    }
}
