//! Acknowledged means on more than one node (`[store] min_replicas`).
//!
//! After each commit script, the commit task sends `WAIT min_replicas
//! replica_timeout_ms` on the connection that committed, before any caller
//! hears of the batch. When fewer replicas confirm in time, the batch is on
//! the primary alone: a failover now would lose it, and telling the callers
//! "done" would be a promise Redis cannot keep. The callers are told
//! [`StoreError::Unavailable`] (503 `store_unavailable`, with Retry-After),
//! and the batch is settled the way a lost reply is: made certainly not
//! applied, so that what the engine and the clients were told is what holds
//! and a retry never applies a change twice. Here that means taking it back:
//! one more commit script call writes the records as they were before the
//! batch (the writer's mirror still holds them: it adopts a batch only once
//! confirmed), drops the tickets and operator records the batch created, its
//! annotations and its events. That call expects the batch to be the last
//! write applied (the script's `applied` check), so it can neither run twice
//! nor undo anything else; if it cannot be sent, the commit task does it
//! before its next commit. After a failover to a replica that never got the
//! batch, the check fails (`DIVERGED`): there is nothing to take back, and the
//! mirror is reloaded from the new primary.

use std::collections::BTreeMap;
use std::time::Duration;

use deadpool_redis::redis;

use super::batch::{commit_keys, push_operator, push_ticket, Batch, ScriptInput};
use super::{Connection, Shared};
use crate::store::{StoreError, StoredState};

/// A take-back still to be done: under which fencing token, expecting which
/// write to be the last applied, with which script input.
pub(super) struct Revert {
    pub token: u64,
    pub expected: u64,
    pub input: ScriptInput,
}

/// Why a batch is not confirmed.
#[derive(Debug, thiserror::Error)]
pub(super) enum Unconfirmed {
    #[error("only {confirmed} of the {wanted} replicas (store.min_replicas) confirmed the change within {timeout_ms} ms")]
    Short {
        confirmed: i64,
        wanted: u32,
        timeout_ms: u64,
    },
    /// The connection failed while waiting: it must be replaced.
    #[error("waiting for the replicas failed: {0}")]
    Broken(String),
}

/// `WAIT wanted timeout` on the connection that wrote the batch.
pub(super) async fn wait_for(
    connection: &mut Connection,
    wanted: u32,
    timeout: Duration,
) -> Result<(), Unconfirmed> {
    let timeout_ms = u64::try_from(timeout.as_millis())
        .unwrap_or(u64::MAX)
        .max(1);
    let confirmed: i64 = redis::cmd("WAIT")
        .arg(wanted)
        .arg(timeout_ms)
        .query_async(connection)
        .await
        .map_err(|error| Unconfirmed::Broken(error.to_string()))?;
    if confirmed >= i64::from(wanted) {
        Ok(())
    } else {
        Err(Unconfirmed::Short {
            confirmed,
            wanted,
            timeout_ms,
        })
    }
}

/// The script input that takes `batch` back: every record it wrote as the
/// mirror (`before`) holds it, and what it created or appended removed.
pub(super) fn revert_input(
    shared: &Shared,
    before: &StoredState,
    batch: &Batch,
) -> Result<ScriptInput, StoreError> {
    let mut keys = commit_keys(shared);
    let mut args = Vec::new();
    for id in &batch.tickets {
        match before.tickets.get(id) {
            Some(record) => push_ticket(&mut args, id, record)?,
            None => args.extend(["T-".to_string(), id.to_string()]),
        }
    }
    for id in &batch.operators {
        match before.operators.get(id) {
            Some(record) => push_operator(&mut args, id, record)?,
            None => args.extend(["O-".to_string(), id.to_string()]),
        }
    }
    // The annotations the batch appended, per history list.
    let mut appended: BTreeMap<String, usize> = BTreeMap::new();
    for (change, _) in &batch.accepted {
        if let Some((ticket, _)) = change.annotation() {
            if let Some(record) = batch.scratch.tickets.get(ticket) {
                *appended
                    .entry(shared.keys.history(&record.nif))
                    .or_default() += 1;
            }
        }
    }
    for (key, count) in appended {
        keys.push(key);
        args.extend(["H-".to_string(), keys.len().to_string(), count.to_string()]);
    }
    // One event per accepted change.
    args.extend(["X-".to_string(), batch.accepted.len().to_string()]);
    args.extend(["S".to_string(), before.next_seq.to_string()]);
    Ok((keys, args))
}
