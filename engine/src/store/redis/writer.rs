//! The commit task: the only place that writes the stored state to Redis.
//!
//! It owns the mirror of the stored state and serialises commits, so the
//! mirror and Redis move together. Changes waiting in its queue when a commit
//! starts are committed together by one script call (group commit); each is
//! still checked, and answered, on its own.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use deadpool_redis::redis::{self, RedisError};
use deadpool_redis::Connection;
use tokio::sync::{mpsc, oneshot};

use super::codec;
use super::{failure, Failure, Fence, Shared};
use crate::domain::OperatorId;
use crate::store::{Change, OperatorRecord, StoreError, StoredState, TicketRecord, TicketState};
use crate::ticket::TicketId;

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

type Reply = oneshot::Sender<Result<(), StoreError>>;

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
    connection: Option<Connection>,
}

/// What one script call will write, built from a scratch copy of the records.
struct Batch {
    scratch: StoredState,
    tickets: BTreeSet<TicketId>,
    operators: BTreeSet<OperatorId>,
    accepted: Vec<(Change, Reply)>,
}

/// How one commit attempt ended.
enum Outcome {
    Applied,
    /// Redis holds other writes than the mirror thinks: reload and re-check.
    Diverged,
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
            let batch = self.stage(pending);
            if batch.accepted.is_empty() {
                return;
            }
            match self.write(&fence, &batch).await {
                Outcome::Applied => {
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
                Outcome::Diverged if pass == 0 => {
                    tracing::warn!("redis holds other writes than this process made (a restart that lost data?); reloading");
                    self.mirror_token = None;
                    pending = batch.accepted;
                }
                Outcome::Diverged => {
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
        if self.mirror_token != Some(fence.token) {
            let (state, writer) = read_state(&self.shared).await?;
            self.mirror = state;
            self.mirror_token = Some(fence.token);
            self.last_applied = writer.applied_under(fence.token);
        }
        Ok(fence)
    }

    /// Checks each change against a scratch copy of the records it touches;
    /// answers the refused ones at once.
    fn stage(&self, applies: Vec<(Change, Reply)>) -> Batch {
        let mut batch = Batch {
            scratch: StoredState {
                next_seq: self.mirror.next_seq,
                ..StoredState::default()
            },
            tickets: BTreeSet::new(),
            operators: BTreeSet::new(),
            accepted: Vec::new(),
        };
        for (change, reply) in applies {
            let (ticket, operator) = touched(&change);
            if let Some(id) = ticket {
                if let (false, Some(record)) = (
                    batch.scratch.tickets.contains_key(&id),
                    self.mirror.tickets.get(&id),
                ) {
                    batch.scratch.tickets.insert(id, record.clone());
                }
            }
            if let Some(id) = operator {
                if let (false, Some(record)) = (
                    batch.scratch.operators.contains_key(id),
                    self.mirror.operators.get(id),
                ) {
                    batch.scratch.operators.insert(id.clone(), record.clone());
                }
            }
            match batch.scratch.apply(&change) {
                Ok(()) => {
                    batch.tickets.extend(ticket);
                    batch.operators.extend(operator.cloned());
                    batch.accepted.push((change, reply));
                }
                Err(error) => {
                    let _ = reply.send(Err(error));
                }
            }
        }
        batch
    }

    /// Sends the batch as one commit script, retrying while Redis cannot be
    /// reached and deciding any commit whose reply was lost.
    async fn write(&mut self, fence: &Fence, batch: &Batch) -> Outcome {
        let shared = Arc::clone(&self.shared);
        let options = &shared.options;
        let (keys, args) = match script_input(&shared, batch) {
            Ok(input) => input,
            Err(error) => return Outcome::Failed(error),
        };
        let mut attempt = 0;
        loop {
            let write_id = self.next_write_id;
            self.next_write_id += 1;
            let expected = self.last_applied;
            let result = match self.connection().await {
                Ok(connection) => {
                    let mut invocation = shared.scripts.commit.prepare_invoke();
                    invocation
                        .key(&keys)
                        .arg(&fence.value)
                        .arg(fence.token)
                        .arg(fence.ttl_ms)
                        .arg(write_id)
                        .arg(expected)
                        .arg(options.event_stream_max_len.unwrap_or(0))
                        .arg(&args);
                    invocation.invoke_async::<(u64, u64)>(connection).await
                }
                Err(error) => return Outcome::Failed(error),
            };
            let reason = match result {
                Ok(_) => {
                    self.last_applied = write_id;
                    return Outcome::Applied;
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
                    return Outcome::Applied;
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
        for id in &batch.tickets {
            match batch.scratch.tickets.get(id) {
                Some(record) => self.mirror.tickets.insert(*id, record.clone()),
                None => self.mirror.tickets.remove(id),
            };
        }
        for id in &batch.operators {
            if let Some(record) = batch.scratch.operators.get(id) {
                self.mirror.operators.insert(id.clone(), record.clone());
            }
        }
        self.mirror.next_seq = batch.scratch.next_seq;
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.discard_connection();
    }
}

fn answer_all(replies: Vec<(Change, Reply)>, error: &StoreError) {
    for (_, reply) in replies {
        let _ = reply.send(Err(error.clone()));
    }
}

/// The ticket and the operator whose records a change reads or writes.
fn touched(change: &Change) -> (Option<TicketId>, Option<&OperatorId>) {
    match change {
        Change::AvailabilitySet { operator, .. }
        | Change::OperatorWaiting { operator, .. }
        | Change::OperatorInterrupted { operator, .. } => (None, Some(operator)),
        Change::TicketJoined { ticket } => (Some(ticket.id), None),
        Change::TicketTokenRenewed { ticket, .. } | Change::TicketForgotten { ticket, .. } => {
            (Some(*ticket), None)
        }
        Change::Matched {
            ticket, operator, ..
        }
        | Change::MeetingStarted {
            ticket, operator, ..
        }
        | Change::TicketAccepted {
            ticket, operator, ..
        }
        | Change::AttentionFinalized {
            ticket, operator, ..
        } => (Some(*ticket), Some(operator)),
        Change::TicketAbandoned {
            ticket, operator, ..
        } => (Some(*ticket), operator.as_ref()),
    }
}

/// The KEYS and the operations (ARGV from 7 on) of `scripts/commit.lua`.
fn script_input(shared: &Shared, batch: &Batch) -> Result<(Vec<String>, Vec<String>), StoreError> {
    let names = &shared.keys;
    let mut keys = vec![
        names.lease.clone(),
        names.fence.clone(),
        names.writer.clone(),
        names.tickets.clone(),
        names.operators.clone(),
        names.waiting.clone(),
        names.next_seq.clone(),
        names.events.clone(),
        names.event_seq.clone(),
    ];
    let mut args = Vec::new();
    // Events first: an XADD is the only write that can fail on data, and
    // nothing else may be written before it (scripts are not rolled back).
    for (change, _) in &batch.accepted {
        args.extend([
            "E".to_string(),
            codec::kind(change).to_string(),
            codec::event_json(change)?,
        ]);
    }
    for id in &batch.tickets {
        let Some(record) = batch.scratch.tickets.get(id) else {
            // Forgotten: its retention ran out.
            args.extend(["T-".to_string(), id.to_string()]);
            continue;
        };
        let field = id.to_string();
        args.extend([
            "T".to_string(),
            field.clone(),
            codec::to_json::<TicketRecord>(record)?,
        ]);
        if record.state == TicketState::Waiting {
            args.extend(["Q+".to_string(), field, record.seq.to_string()]);
        } else {
            args.extend(["Q-".to_string(), field]);
        }
    }
    for id in &batch.operators {
        let Some(record) = batch.scratch.operators.get(id) else {
            continue;
        };
        args.extend([
            "O".to_string(),
            id.to_string(),
            codec::to_json::<OperatorRecord>(record)?,
        ]);
    }
    let mut history_keys: HashMap<String, usize> = HashMap::new();
    for (change, _) in &batch.accepted {
        if let Some((ticket, annotation)) = change.annotation() {
            let Some(record) = batch.scratch.tickets.get(ticket) else {
                continue;
            };
            let key = names.history(&record.nif);
            let index = *history_keys.entry(key.clone()).or_insert_with(|| {
                keys.push(key);
                keys.len()
            });
            args.extend([
                "H".to_string(),
                index.to_string(),
                codec::to_json(annotation)?,
            ]);
        }
    }
    args.extend(["S".to_string(), batch.scratch.next_seq.to_string()]);
    Ok((keys, args))
}

/// The commit bookkeeping as `read_state` found it.
pub(crate) struct WriterRecord {
    fence: Option<String>,
    applied: Option<u64>,
}

impl WriterRecord {
    /// The last commit applied under `token` (0: none).
    fn applied_under(&self, token: u64) -> u64 {
        match (&self.fence, self.applied) {
            (Some(fence), Some(applied)) if *fence == token.to_string() => applied,
            _ => 0,
        }
    }
}

type RawState = (
    HashMap<String, String>,
    HashMap<String, String>,
    Option<u64>,
    Vec<String>,
    (Option<String>, Option<u64>),
);

/// Everything, read in one `MULTI`/`EXEC` so it is one consistent moment.
pub(crate) async fn read_state(shared: &Shared) -> Result<(StoredState, WriterRecord), StoreError> {
    let keys = &shared.keys;
    let (tickets, operators, next_seq, waiting, (fence, applied)): RawState = shared
        .read(
            redis::pipe()
                .atomic()
                .hgetall(&keys.tickets)
                .hgetall(&keys.operators)
                .get(&keys.next_seq)
                .zrange(&keys.waiting, 0, -1)
                .cmd("HMGET")
                .arg(&keys.writer)
                .arg("fence")
                .arg("applied"),
        )
        .await?;
    let mut state = StoredState {
        next_seq: next_seq.unwrap_or(0),
        ..StoredState::default()
    };
    for (field, json) in &tickets {
        let record: TicketRecord = codec::from_json(json)?;
        if record.id.to_string() != *field {
            return Err(StoreError::Corrupt(format!(
                "ticket {field} holds the record of {}",
                record.id
            )));
        }
        state.tickets.insert(record.id, record);
    }
    for (field, json) in &operators {
        let id = OperatorId::parse(field)
            .map_err(|error| StoreError::Corrupt(format!("operator {field:?}: {error}")))?;
        state
            .operators
            .insert(id, codec::from_json::<OperatorRecord>(json)?);
    }
    // The queue is written with the records by the same script: if the two
    // disagree, something else wrote here, and recovering from it would
    // serve the wrong taxpayers.
    let queued: BTreeSet<&str> = waiting.iter().map(String::as_str).collect();
    let should: BTreeMap<String, ()> = state
        .tickets
        .values()
        .filter(|t| t.state == TicketState::Waiting)
        .map(|t| (t.id.to_string(), ()))
        .collect();
    if queued.len() != should.len() || queued.iter().any(|id| !should.contains_key(*id)) {
        return Err(StoreError::Corrupt(format!(
            "the waiting queue ({} tickets) disagrees with the waiting tickets ({})",
            queued.len(),
            should.len()
        )));
    }
    Ok((state, WriterRecord { fence, applied }))
}
