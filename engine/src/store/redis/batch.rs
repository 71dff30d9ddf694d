//! One commit batch: the changes checked against a scratch copy of the
//! records they touch (so what a change means, and which are refused, is
//! exactly what the memory store does), and what the commit script gets
//! for them.

use std::collections::{BTreeSet, HashMap};

use tokio::sync::oneshot;

use super::codec;
use super::Shared;
use crate::domain::OperatorId;
use crate::store::{Change, OperatorRecord, StoreError, StoredState, TicketRecord, TicketState};
use crate::ticket::TicketId;

pub(super) type Reply = oneshot::Sender<Result<(), StoreError>>;

/// What one script call will write, built from a scratch copy of the records.
pub(super) struct Batch {
    pub scratch: StoredState,
    pub tickets: BTreeSet<TicketId>,
    pub operators: BTreeSet<OperatorId>,
    pub accepted: Vec<(Change, Reply)>,
}

impl Batch {
    /// Checks each change against a scratch copy of the records it touches;
    /// answers the refused ones at once.
    pub fn stage(mirror: &StoredState, applies: Vec<(Change, Reply)>) -> Batch {
        let mut batch = Batch {
            scratch: StoredState {
                next_seq: mirror.next_seq,
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
                    mirror.tickets.get(&id),
                ) {
                    batch.scratch.tickets.insert(id, record.clone());
                }
            }
            if let Some(id) = operator {
                if let (false, Some(record)) = (
                    batch.scratch.operators.contains_key(id),
                    mirror.operators.get(id),
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

    /// The batch is in Redis: `mirror` takes its records.
    pub fn adopt_into(&self, mirror: &mut StoredState) {
        for id in &self.tickets {
            match self.scratch.tickets.get(id) {
                Some(record) => mirror.tickets.insert(*id, record.clone()),
                None => mirror.tickets.remove(id),
            };
        }
        for id in &self.operators {
            if let Some(record) = self.scratch.operators.get(id) {
                mirror.operators.insert(id.clone(), record.clone());
            }
        }
        mirror.next_seq = self.scratch.next_seq;
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
pub(super) type ScriptInput = (Vec<String>, Vec<String>);

/// The keys every commit script call starts with (KEYS[1..9]).
pub(super) fn commit_keys(shared: &Shared) -> Vec<String> {
    let names = &shared.keys;
    vec![
        names.lease.clone(),
        names.fence.clone(),
        names.writer.clone(),
        names.tickets.clone(),
        names.operators.clone(),
        names.waiting.clone(),
        names.next_seq.clone(),
        names.events.clone(),
        names.event_seq.clone(),
    ]
}

/// The operations that write ticket `id` as `record` and put it in the
/// queue, or take it out, as its state says.
pub(super) fn push_ticket(
    args: &mut Vec<String>,
    id: &TicketId,
    record: &TicketRecord,
) -> Result<(), StoreError> {
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
    Ok(())
}

/// The operation that writes operator `id` as `record`.
pub(super) fn push_operator(
    args: &mut Vec<String>,
    id: &OperatorId,
    record: &OperatorRecord,
) -> Result<(), StoreError> {
    args.extend([
        "O".to_string(),
        id.to_string(),
        codec::to_json::<OperatorRecord>(record)?,
    ]);
    Ok(())
}

pub(super) fn script_input(shared: &Shared, batch: &Batch) -> Result<ScriptInput, StoreError> {
    let names = &shared.keys;
    let mut keys = commit_keys(shared);
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
        push_ticket(&mut args, id, record)?;
    }
    for id in &batch.operators {
        let Some(record) = batch.scratch.operators.get(id) else {
            continue;
        };
        push_operator(&mut args, id, record)?;
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
