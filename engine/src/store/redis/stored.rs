//! Reading back what the commits wrote: the whole stored state at once,
//! and the event log.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use deadpool_redis::redis;

use super::codec::{self, Entry};
use super::Shared;
use crate::domain::OperatorId;
use crate::store::{
    LoggedChange, OperatorRecord, StoreError, StoredState, TicketRecord, TicketState,
};
use crate::ticket::TicketId;

/// The commit bookkeeping as `read_state` found it.
pub(crate) struct WriterRecord {
    fence: Option<String>,
    applied: Option<u64>,
}

impl WriterRecord {
    /// The last commit applied under `token` (0: none).
    pub(super) fn applied_under(&self, token: u64) -> u64 {
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

/// The event log from seq `from`, at most `limit` entries, joins completed
/// from the tickets hash.
pub(super) async fn read_events(
    shared: &Shared,
    from: u64,
    limit: usize,
) -> Result<Vec<LoggedChange>, StoreError> {
    let count = i64::try_from(limit).unwrap_or(i64::MAX);
    let (range,): (redis::streams::StreamRangeReply,) = shared
        .read(
            redis::pipe()
                .cmd("XRANGE")
                .arg(&shared.keys.events)
                .arg(codec::entry_id(from))
                .arg("+")
                .arg("COUNT")
                .arg(count),
        )
        .await?;
    let mut entries = Vec::with_capacity(range.ids.len());
    for stream_id in &range.ids {
        let field = |name: &str| -> Result<String, StoreError> {
            let value = stream_id.map.get(name).ok_or_else(|| {
                StoreError::Corrupt(format!("event {} has no {name}", stream_id.id))
            })?;
            redis::from_redis_value_ref(value).map_err(|error| {
                StoreError::Corrupt(format!("event {} field {name}: {error}", stream_id.id))
            })
        };
        let entry = codec::parse_entry(&field("kind")?, &field("change")?)?;
        entries.push((codec::seq_of(&stream_id.id)?, entry));
    }
    // Joins are logged without personal data: complete them from the tickets hash.
    let joined: Vec<TicketId> = entries
        .iter()
        .filter_map(|(_, entry)| entry.incomplete_ticket())
        .collect();
    let mut records = std::collections::HashMap::new();
    if !joined.is_empty() {
        let fields: Vec<String> = joined.iter().map(TicketId::to_string).collect();
        let (found,): (Vec<Option<String>>,) = shared
            .read(
                redis::pipe()
                    .cmd("HMGET")
                    .arg(&shared.keys.tickets)
                    .arg(&fields),
            )
            .await?;
        for (id, json) in joined.iter().zip(found) {
            if let Some(json) = json {
                records.insert(*id, codec::from_json::<TicketRecord>(&json)?);
            }
        }
    }
    entries
        .into_iter()
        .map(|(seq, entry)| {
            let change = match entry {
                Entry::Change(change) => change,
                Entry::Join(join) => match records.get(&join.ticket) {
                    Some(record) => join.rejoin(record),
                    None => return Err(missing_record(seq, join.ticket)),
                },
                Entry::Renewal(renewal) => match records.get(&renewal.ticket) {
                    Some(record) => renewal.renewed(record),
                    None => return Err(missing_record(seq, renewal.ticket)),
                },
            };
            Ok(LoggedChange { seq, change })
        })
        .collect()
}

fn missing_record(seq: u64, ticket: TicketId) -> StoreError {
    StoreError::Corrupt(format!(
        "event {seq}: ticket {ticket} is no longer in the tickets hash"
    ))
}
