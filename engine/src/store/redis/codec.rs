//! How records and event log entries are written as Redis values.
//!
//! Records are JSON (the serde form of the store types). The event stream is
//! the audit trail anyone with read access to the log may browse, so it holds
//! no personal data beyond what the history holds:
//!
//! - `TicketJoined` is logged *without* the NIF, the name and the ticket
//!   token: only the ticket id, service, join seq and time. The full record is
//!   in the `tickets` hash, and [`LoggedJoin::rejoin`] puts the two back
//!   together when the log is read, so [`Store::events`](crate::store::Store::events)
//!   still returns the exact `Change` that was applied.
//! - `AttentionFinalized` carries the annotation (the operator's observations):
//!   that is the history itself.
//! - `TicketAbandoned` keeps the taxpayer's observations. They are bounded
//!   text the taxpayer chose to leave for the operator, the operator record
//!   holds them until the attention is finalized, and replaying the log must
//!   rebuild that operator state exactly; dropping them would make the log
//!   unable to replay to the loaded state.
//! - `TicketTokenRenewed` is logged without the new token, and completed
//!   from the stored record like a join.
//! - Every other change holds ids, codes, times and meeting links only.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::domain::ServiceCode;
use crate::store::{Change, StoreError, TicketRecord, TicketState};
use crate::ticket::TicketId;

/// The stream's `kind` field for a change.
pub fn kind(change: &Change) -> &'static str {
    match change {
        Change::AvailabilitySet { .. } => "availability_set",
        Change::TicketJoined { .. } => "ticket_joined",
        Change::OperatorWaiting { .. } => "operator_waiting",
        Change::OperatorInterrupted { .. } => "operator_interrupted",
        Change::Matched { .. } => "matched",
        Change::MeetingStarted { .. } => "meeting_started",
        Change::TicketAccepted { .. } => "ticket_accepted",
        Change::TicketAbandoned { .. } => "ticket_abandoned",
        Change::TicketTokenRenewed { .. } => RENEWED,
        Change::TicketForgotten { .. } => "ticket_forgotten",
        Change::AttentionFinalized { .. } => "attention_finalized",
    }
}

const JOINED: &str = "ticket_joined";
const RENEWED: &str = "ticket_token_renewed";

/// A ticket taken up again, as the stream holds it: without the token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoggedRenewal {
    pub ticket: TicketId,
    pub at: Timestamp,
}

impl LoggedRenewal {
    /// The change, with the token from the ticket's stored record: exact for
    /// a ticket's latest renewal (earlier ones read back its current token).
    pub fn renewed(&self, stored: &TicketRecord) -> Change {
        Change::TicketTokenRenewed {
            ticket: self.ticket,
            token: stored.token,
            at: self.at,
        }
    }
}

/// A join as the stream holds it: no NIF, name or token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoggedJoin {
    pub ticket: TicketId,
    pub service: ServiceCode,
    pub seq: u64,
    pub joined_at: Timestamp,
}

impl LoggedJoin {
    /// The change that was applied, from this entry and the ticket's stored
    /// record (whose state may have moved on since; a join is always `Waiting`).
    pub fn rejoin(&self, stored: &TicketRecord) -> Change {
        Change::TicketJoined {
            ticket: TicketRecord {
                id: self.ticket,
                token: stored.token,
                nif: stored.nif,
                name: stored.name.clone(),
                service: self.service.clone(),
                seq: self.seq,
                joined_at: self.joined_at,
                state: TicketState::Waiting,
            },
        }
    }
}

/// A stream entry's `change` field for `change`.
pub fn event_json(change: &Change) -> Result<String, StoreError> {
    match change {
        Change::TicketJoined { ticket } => to_json(&LoggedJoin {
            ticket: ticket.id,
            service: ticket.service.clone(),
            seq: ticket.seq,
            joined_at: ticket.joined_at,
        }),
        Change::TicketTokenRenewed { ticket, at, .. } => to_json(&LoggedRenewal {
            ticket: *ticket,
            at: *at,
        }),
        other => to_json(other),
    }
}

/// A stream entry read back: a whole change, or a join to complete.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    Change(Change),
    Join(LoggedJoin),
    Renewal(LoggedRenewal),
}

impl Entry {
    /// The ticket whose stored record completes this entry, if it needs one.
    pub fn incomplete_ticket(&self) -> Option<TicketId> {
        match self {
            Entry::Join(join) => Some(join.ticket),
            Entry::Renewal(renewal) => Some(renewal.ticket),
            Entry::Change(_) => None,
        }
    }
}

/// Parses one stream entry from its `kind` and `change` fields.
pub fn parse_entry(kind: &str, json: &str) -> Result<Entry, StoreError> {
    if kind == JOINED {
        from_json(json).map(Entry::Join)
    } else if kind == RENEWED {
        from_json(json).map(Entry::Renewal)
    } else {
        from_json(json).map(Entry::Change)
    }
}

pub fn to_json<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value)
        .map_err(|error| StoreError::Corrupt(format!("cannot encode a record: {error}")))
}

pub fn from_json<T: for<'de> Deserialize<'de>>(json: &str) -> Result<T, StoreError> {
    serde_json::from_str(json)
        .map_err(|error| StoreError::Corrupt(format!("cannot decode a stored value: {error}")))
}

/// The stream entry id of event `seq`: the ids are the seqs themselves, so
/// `events(from, …)` is one `XRANGE` from `<from>-0`.
pub fn entry_id(seq: u64) -> String {
    format!("{seq}-0")
}

/// The event seq of a stream entry id.
pub fn seq_of(entry_id: &str) -> Result<u64, StoreError> {
    entry_id
        .split_once('-')
        .and_then(|(seq, _)| seq.parse().ok())
        .ok_or_else(|| StoreError::Corrupt(format!("unexpected event id {entry_id:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Nif;
    use crate::ticket::TicketToken;

    fn record() -> TicketRecord {
        TicketRecord {
            id: TicketId::from_u64(0xABC),
            token: TicketToken::random(),
            nif: Nif::parse("12345678Z").expect("valid"),
            name: "ANA PÉREZ".to_string(),
            service: ServiceCode::parse("CLAVE").expect("valid"),
            seq: 7,
            joined_at: Timestamp::from_second(1_796_029_200).expect("valid"),
            state: TicketState::Waiting,
        }
    }

    #[test]
    fn a_logged_join_holds_no_nif_name_or_token_and_rejoins_to_the_applied_change() {
        let ticket = record();
        let change = Change::TicketJoined {
            ticket: ticket.clone(),
        };

        let json = event_json(&change).expect("encodes");

        assert!(
            !json.contains("12345678Z")
                && !json.contains("PÉREZ")
                && !json.contains(&ticket.token.to_hex())
        );
        let Entry::Join(join) = parse_entry(kind(&change), &json).expect("parses") else {
            panic!("a join entry reads back as a join");
        };
        let mut moved_on = ticket.clone();
        moved_on.state = TicketState::Abandoned {
            operator: None,
            assigned_at: None,
            abandoned_at: ticket.joined_at,
            reason: crate::store::AbandonReason::Taxpayer,
        };
        assert_eq!(join.rejoin(&moved_on), change);
    }

    #[test]
    fn other_changes_round_trip_whole() {
        let change = Change::OperatorWaiting {
            operator: crate::domain::OperatorId::parse("op-0001").expect("valid"),
            at: Timestamp::UNIX_EPOCH,
        };
        let json = event_json(&change).expect("encodes");
        assert_eq!(
            parse_entry(kind(&change), &json).expect("parses"),
            Entry::Change(change)
        );
        assert_eq!(seq_of(&entry_id(42)).expect("parses"), 42);
        assert!(seq_of("nonsense").is_err());
    }
}
