//! Decisions between being made and being committed.
//!
//! A decision takes what it decided on out of every place another decision
//! looks (queues, absent tickets, waiting operators) and parks it here, so
//! that nothing else can take it until the store has answered: the commit
//! then moves it to where it goes, a rollback puts it back exactly where it
//! was. Each plan is the receipt for one parked decision; it is consumed by
//! its commit or its rollback, never both.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;

use super::queues::Queued;
use super::waiting::WaitingOperator;
use crate::domain::{OperatorId, ServiceCode};
use crate::store::{Change, TicketRecord};
use crate::ticket::{TicketDetails, TicketId, TicketToken};

/// A ticket parked by a decision.
#[derive(Debug)]
pub(crate) enum PendingTicket {
    /// Its join is being committed: it is in no queue yet.
    Joining { record: TicketRecord },
    /// Its match is being committed; the operator is parked too.
    Matching {
        service: ServiceCode,
        queued: Queued,
    },
    /// Its abandonment (Abandonar, or silence past its grace) is being
    /// committed.
    Leaving {
        service: ServiceCode,
        queued: Queued,
        /// Where it goes back to if the commit fails.
        from: Origin,
    },
}

impl PendingTicket {
    /// The parked ticket's id (a joining one has none to act on yet).
    pub fn id(&self) -> Option<TicketId> {
        match self {
            PendingTicket::Joining { .. } => None,
            PendingTicket::Matching { queued, .. } | PendingTicket::Leaving { queued, .. } => {
                Some(queued.id)
            }
        }
    }
}

/// Where a leaving ticket waited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    Queue,
    /// Set aside as absent, ending at this time if still silent.
    Absent {
        expires_at: Timestamp,
    },
}

/// An operator parked by a decision.
#[derive(Debug)]
pub(crate) enum PendingOperator {
    /// Matched; `place` is where they waited, if they were waiting.
    Matching {
        services: Vec<ServiceCode>,
        place: Option<u64>,
    },
    /// Starting to wait (Atender with nobody to take).
    Waiting { services: Vec<ServiceCode> },
    /// Interrumpir while waiting.
    Leaving { waiting: WaitingOperator },
}

/// The parked tickets (by join sequence) and operators.
#[derive(Debug, Default)]
pub(crate) struct Pending {
    pub tickets: BTreeMap<u64, PendingTicket>,
    pub operators: HashMap<OperatorId, PendingOperator>,
}

impl Pending {
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.tickets.is_empty() && self.operators.is_empty()
    }

    /// Whether a parked ticket belongs to `service`.
    pub fn has_tickets(&self, service: &ServiceCode) -> bool {
        self.tickets.values().any(|ticket| match ticket {
            PendingTicket::Joining { record } => &record.service == service,
            PendingTicket::Matching { service: s, .. }
            | PendingTicket::Leaving { service: s, .. } => s == service,
        })
    }
}

/// A match decided: the ticket and the operator are parked until
/// [`super::Dispatch::commit_match`] or [`super::Dispatch::rollback_match`].
#[derive(Debug, PartialEq)]
#[must_use = "a parked match must be committed or rolled back"]
pub struct MatchPlan {
    /// What the operator is told of the ticket.
    pub ticket: TicketDetails,
    /// The ticket's join sequence (its key among the parked tickets).
    pub seq: u64,
    pub operator: OperatorId,
    pub at: Timestamp,
}

impl MatchPlan {
    pub fn change(&self) -> Change {
        Change::Matched {
            ticket: self.ticket.id,
            operator: self.operator.clone(),
            at: self.at,
        }
    }
}

/// Atender Contribuyente decided.
#[derive(Debug, PartialEq)]
#[must_use = "a parked decision must be committed or rolled back"]
pub enum ReadyPlan {
    /// A taxpayer waits: the operator takes them.
    Match(MatchPlan),
    /// Nobody waits: the operator starts waiting.
    Wait { operator: OperatorId, at: Timestamp },
}

impl ReadyPlan {
    pub fn change(&self) -> Change {
        match self {
            ReadyPlan::Match(plan) => plan.change(),
            ReadyPlan::Wait { operator, at } => Change::OperatorWaiting {
                operator: operator.clone(),
                at: *at,
            },
        }
    }
}

/// A join decided: the new ticket (and the operator who takes it at once,
/// if one waits) are parked.
#[derive(Debug, PartialEq)]
#[must_use = "a parked join must be committed or rolled back"]
pub struct JoinPlan {
    pub record: TicketRecord,
    /// The operator who waited longest for the service, matched at once.
    pub operator: Option<OperatorId>,
}

impl JoinPlan {
    /// The join, committed first.
    pub fn joined(&self) -> Change {
        Change::TicketJoined {
            ticket: self.record.clone(),
        }
    }

    /// The match with the waiting operator, committed once the join is.
    pub fn matched(&self) -> Option<Change> {
        self.operator.as_ref().map(|operator| Change::Matched {
            ticket: self.record.id,
            operator: operator.clone(),
            at: self.record.joined_at,
        })
    }
}

/// A verified taxpayer takes their live ticket up again with a new token.
#[derive(Debug, PartialEq)]
#[must_use = "a decision must be committed or dropped"]
pub struct ResumePlan {
    pub ticket: TicketId,
    pub token: TicketToken,
    pub at: Timestamp,
}

impl ResumePlan {
    pub fn change(&self) -> Change {
        Change::TicketTokenRenewed {
            ticket: self.ticket,
            token: self.token,
            at: self.at,
        }
    }
}

/// A waiting ticket's abandonment decided (Abandonar from the queue, or
/// silence past its grace): the ticket is parked.
#[derive(Debug, PartialEq)]
#[must_use = "a parked abandonment must be committed or rolled back"]
pub struct LeavePlan {
    pub ticket: TicketId,
    pub seq: u64,
    /// The abandonment as it is committed.
    pub change: Change,
}

/// Interrumpir while waiting decided: the operator is parked.
#[derive(Debug, PartialEq)]
#[must_use = "a parked withdrawal must be committed or rolled back"]
pub struct WithdrawPlan {
    pub operator: OperatorId,
    pub at: Timestamp,
}

impl WithdrawPlan {
    pub fn change(&self) -> Change {
        Change::OperatorInterrupted {
            operator: self.operator.clone(),
            at: self.at,
        }
    }
}
