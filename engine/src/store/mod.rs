//! What must survive a restart, and the one trait every store implements.
//!
//! The engine never writes a field: it submits a [`Change`], one committed
//! transition of the guide (a join, a match, a finalization…), which a store
//! applies atomically and appends to its event log. [`StoredState::apply`] is
//! the meaning of each change; the in-memory store is exactly that fold, and
//! any other store must load back what the fold would have produced (the
//! contract suite in `testsuite` checks it).

pub mod memory;
pub mod redis;
mod state;

use std::collections::BTreeMap;

use async_trait::async_trait;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::domain::{Annotation, Nif, Observations, ObservationsError, OperatorId, ServiceCode};
use crate::ticket::{TicketId, TicketToken};

// The lifecycle's states are the domain's; the store keeps them as they are.
pub use crate::domain::{AbandonReason, Duty, MeetingRecord, TicketState};
pub use memory::MemoryStore;
pub use redis::RedisStore;
pub use state::StoredState;

/// A store failed to do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The store cannot be reached now; nothing was applied.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// The change does not fit the stored state (a ticket matched twice, an
    /// operator holding two tickets…): nothing was applied. Seeing this means
    /// two engines write to one store, or a bug.
    #[error("change refused: {0}")]
    Conflict(String),
    /// Stored data could not be read back.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

impl From<ObservationsError> for StoreError {
    fn from(error: ObservationsError) -> StoreError {
        StoreError::Corrupt(error.to_string())
    }
}

/// Durable state of the attention lifecycle.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Everything the engine rebuilds itself from on start.
    async fn load(&self) -> Result<StoredState, StoreError>;
    /// Applies one change atomically and appends it to the event log: either
    /// all of it is durable when this returns `Ok`, or none of it.
    async fn apply(&self, change: &Change) -> Result<(), StoreError>;
    /// The annotations on one taxpayer, oldest first.
    async fn history(&self, nif: &Nif) -> Result<Vec<Annotation>, StoreError>;
    /// The event log from sequence number `from` on (at most `limit` entries).
    async fn events(&self, from: u64, limit: usize) -> Result<Vec<LoggedChange>, StoreError>;
    /// One bounded retention pass: drops the event log's entries older than
    /// `cutoffs.events` and the annotations older than `cutoffs.history`
    /// (a taxpayer left with none has no history at all). Refused, like a
    /// commit, by a store whose writer lost the dispatcher lease.
    async fn trim(&self, cutoffs: &TrimCutoffs) -> Result<TrimReport, StoreError>;
}

/// What one retention pass of a store removes: everything older than these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrimCutoffs {
    pub events: Timestamp,
    pub history: Timestamp,
}

/// What one retention pass removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TrimReport {
    /// Event log entries dropped.
    pub events: u64,
    /// Annotations dropped.
    pub annotations: u64,
    /// Whether every taxpayer's history was looked at (a store may spread
    /// one sweep over several passes).
    pub history_complete: bool,
}

impl Change {
    /// When the change was committed, by the engine's clock.
    pub fn at(&self) -> Timestamp {
        match self {
            Change::TicketJoined { ticket } => ticket.joined_at,
            Change::AvailabilitySet { at, .. }
            | Change::OperatorWaiting { at, .. }
            | Change::OperatorInterrupted { at, .. }
            | Change::Matched { at, .. }
            | Change::MeetingStarted { at, .. }
            | Change::TicketAccepted { at, .. }
            | Change::TicketAbandoned { at, .. }
            | Change::TicketTokenRenewed { at, .. }
            | Change::TicketForgotten { at, .. }
            | Change::AttentionFinalized { at, .. } => *at,
        }
    }
}

/// One entry of the event log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoggedChange {
    pub seq: u64,
    pub change: Change,
}

/// One committed transition. Each variant is applied atomically.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// "Gestión disponibilidad operador": the whole per-service map.
    AvailabilitySet {
        operator: OperatorId,
        availability: BTreeMap<ServiceCode, bool>,
        at: Timestamp,
    },
    /// A taxpayer joined a service queue.
    TicketJoined { ticket: TicketRecord },
    /// Atender Contribuyente with nobody waiting: the operator waits.
    OperatorWaiting { operator: OperatorId, at: Timestamp },
    /// Interrumpir while waiting.
    OperatorInterrupted { operator: OperatorId, at: Timestamp },
    /// The dispatcher's match: the ticket leaves its queue and is bound to the
    /// operator, who must have been waiting.
    Matched {
        ticket: TicketId,
        operator: OperatorId,
        at: Timestamp,
    },
    /// Iniciar Videoasistencia: the meeting exists.
    MeetingStarted {
        operator: OperatorId,
        ticket: TicketId,
        meeting: MeetingRecord,
        at: Timestamp,
    },
    /// Aceptar y Acceder: counts as attended for the operator that day.
    TicketAccepted {
        operator: OperatorId,
        ticket: TicketId,
        at: Timestamp,
        /// The operator's local day (Europe/Madrid) the count belongs to.
        day: jiff::civil::Date,
    },
    /// Abandonar: from the queue (`operator` is None) or from an assignment.
    TicketAbandoned {
        ticket: TicketId,
        operator: Option<OperatorId>,
        /// What the taxpayer wrote on leaving, shown to the operator.
        observations: Observations,
        at: Timestamp,
        /// Pressed Abandonar, or their page stopped answering.
        #[serde(default)]
        reason: AbandonReason,
        /// Appended to the taxpayer's history: a ticket that ends in the queue
        /// because its page went silent leaves a note for the next operator
        /// (an abandonment after assignment is annotated at Finalizar).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        annotation: Option<Annotation>,
    },
    /// A taxpayer verified by the directory took their live ticket up again
    /// from another browser: the new token replaces the old one.
    TicketTokenRenewed {
        ticket: TicketId,
        token: TicketToken,
        at: Timestamp,
    },
    /// An ended ticket's retention (`[retention] ended_tickets`) ran out: its
    /// record is deleted (its page answers 404). Only ended tickets go.
    TicketForgotten { ticket: TicketId, at: Timestamp },
    /// Finalizar: the outcome is recorded on the taxpayer's history and the
    /// operator is free again.
    AttentionFinalized {
        operator: OperatorId,
        ticket: TicketId,
        annotation: Annotation,
        at: Timestamp,
    },
}

impl Change {
    /// The annotation this change appends to its taxpayer's history, if any.
    pub fn annotation(&self) -> Option<(&TicketId, &Annotation)> {
        match self {
            Change::AttentionFinalized {
                ticket, annotation, ..
            } => Some((ticket, annotation)),
            Change::TicketAbandoned {
                ticket,
                annotation: Some(annotation),
                ..
            } => Some((ticket, annotation)),
            _ => None,
        }
    }
}

/// A taxpayer's ticket as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketRecord {
    pub id: TicketId,
    pub token: TicketToken,
    pub nif: Nif,
    pub name: String,
    pub service: ServiceCode,
    /// Global join order: the dispatcher's FIFO key across services.
    pub seq: u64,
    pub joined_at: Timestamp,
    pub state: TicketState,
}

/// An operator as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperatorRecord {
    pub availability: BTreeMap<ServiceCode, bool>,
    pub duty: Duty,
    pub attended: AttendedCount,
}

impl Default for OperatorRecord {
    fn default() -> OperatorRecord {
        OperatorRecord {
            availability: BTreeMap::new(),
            duty: Duty::Off,
            attended: AttendedCount::default(),
        }
    }
}

/// Taxpayers attended on one local day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AttendedCount {
    pub day: Option<jiff::civil::Date>,
    pub count: u32,
}

impl AttendedCount {
    /// The count for `today`: a count from an earlier day reads as zero.
    pub fn on(&self, today: jiff::civil::Date) -> u32 {
        if self.day == Some(today) {
            self.count
        } else {
            0
        }
    }

    /// One more taxpayer attended on `today`.
    pub fn increment(&mut self, today: jiff::civil::Date) {
        self.count = self.on(today) + 1;
        self.day = Some(today);
    }
}
