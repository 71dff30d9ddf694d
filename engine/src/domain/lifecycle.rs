//! Where a ticket and an operator are in the attention's life: the states
//! the fold moves between, stored as they are (serde), shown by the views.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{Observations, OperatorId};
use crate::ticket::TicketId;

/// Why a ticket was abandoned.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AbandonReason {
    /// The taxpayer pressed Abandonar.
    #[default]
    Taxpayer,
    /// The taxpayer's page stopped polling for longer than `[presence]` allows.
    Absent,
}

impl AbandonReason {
    /// The API's name of the reason.
    pub fn as_str(self) -> &'static str {
        match self {
            AbandonReason::Taxpayer => "taxpayer",
            AbandonReason::Absent => "absent",
        }
    }
}

/// Where a ticket is in its life.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum TicketState {
    Waiting,
    Assigned {
        operator: OperatorId,
        assigned_at: Timestamp,
    },
    Accepted {
        operator: OperatorId,
        assigned_at: Timestamp,
        accepted_at: Timestamp,
    },
    Finished {
        operator: OperatorId,
        assigned_at: Timestamp,
        finished_at: Timestamp,
    },
    Abandoned {
        operator: Option<OperatorId>,
        assigned_at: Option<Timestamp>,
        abandoned_at: Timestamp,
        #[serde(default)]
        reason: AbandonReason,
    },
}

impl TicketState {
    /// The API's name of the state.
    pub fn name(&self) -> &'static str {
        match self {
            TicketState::Waiting => "waiting",
            TicketState::Assigned { .. } => "assigned",
            TicketState::Accepted { .. } => "accepted",
            TicketState::Finished { .. } => "finished",
            TicketState::Abandoned { .. } => "abandoned",
        }
    }

    /// When a finished or abandoned ticket ended.
    pub fn ended_at(&self) -> Option<Timestamp> {
        match self {
            TicketState::Finished { finished_at, .. } => Some(*finished_at),
            TicketState::Abandoned { abandoned_at, .. } => Some(*abandoned_at),
            _ => None,
        }
    }

    /// Finished and abandoned tickets never change again.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            TicketState::Finished { .. } | TicketState::Abandoned { .. }
        )
    }

    /// The operator holding the ticket, while one does.
    pub fn holder(&self) -> Option<&OperatorId> {
        self.hold().map(|(operator, _)| operator)
    }

    /// Who holds the ticket and since when, while assigned or accepted.
    pub fn hold(&self) -> Option<(&OperatorId, Timestamp)> {
        match self {
            TicketState::Assigned {
                operator,
                assigned_at,
            }
            | TicketState::Accepted {
                operator,
                assigned_at,
                ..
            } => Some((operator, *assigned_at)),
            _ => None,
        }
    }
}

/// A meeting as stored: enough to show the links again after a restart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingRecord {
    pub id: String,
    pub start_url: String,
    pub join_url: String,
}

/// What an operator is doing, as far as it must survive a restart. Whether an
/// operator who is `Off` sees "unavailable", "closed" or "idle" depends on the
/// availability and the clock, so it is derived, not stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "duty", rename_all = "snake_case")]
pub enum Duty {
    Off,
    Waiting {
        since: Timestamp,
    },
    Assigned {
        ticket: TicketId,
        assigned_at: Timestamp,
    },
    InMeeting {
        ticket: TicketId,
        assigned_at: Timestamp,
        meeting: MeetingRecord,
        started_at: Timestamp,
    },
    TaxpayerAbandoned {
        ticket: TicketId,
        assigned_at: Timestamp,
        meeting: Option<MeetingRecord>,
        started_at: Option<Timestamp>,
        abandoned_at: Timestamp,
        taxpayer_observations: Observations,
        /// Pressed Abandonar, or their page stopped answering.
        #[serde(default)]
        reason: AbandonReason,
    },
}

impl Duty {
    /// The meeting of the attention in progress, if one was started.
    pub fn meeting(&self) -> Option<&MeetingRecord> {
        match self {
            Duty::InMeeting { meeting, .. } => Some(meeting),
            Duty::TaxpayerAbandoned { meeting, .. } => meeting.as_ref(),
            _ => None,
        }
    }

    /// The ticket the operator holds, if any.
    pub fn ticket(&self) -> Option<TicketId> {
        match self {
            Duty::Off | Duty::Waiting { .. } => None,
            Duty::Assigned { ticket, .. }
            | Duty::InMeeting { ticket, .. }
            | Duty::TaxpayerAbandoned { ticket, .. } => Some(*ticket),
        }
    }
}
