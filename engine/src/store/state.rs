//! The meaning of every [`Change`]: a fold that refuses transitions which do
//! not fit, so no store can record a ticket matched twice.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{AbandonReason, Change, Duty, OperatorRecord, StoreError, TicketRecord, TicketState};
use crate::domain::{Observations, OperatorId};
use crate::ticket::TicketId;

/// Everything the engine recovers from: operators, and every ticket of the
/// store's retention window (live ones in full; terminal ones so taxpayers can
/// still read how their ticket ended).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StoredState {
    pub operators: BTreeMap<OperatorId, OperatorRecord>,
    /// A B-tree rather than a hash map: at a million tickets a hash table sits
    /// half empty after its last doubling, which costs more than the ticket.
    pub tickets: BTreeMap<TicketId, TicketRecord>,
    /// The next global join sequence number.
    pub next_seq: u64,
}

fn conflict(what: impl Into<String>) -> StoreError {
    StoreError::Conflict(what.into())
}

impl StoredState {
    /// Applies `change`, or leaves the state untouched and says why it does
    /// not fit.
    pub fn apply(&mut self, change: &Change) -> Result<(), StoreError> {
        match change {
            Change::AvailabilitySet {
                operator,
                availability,
                ..
            } => {
                self.operators
                    .entry(operator.clone())
                    .or_default()
                    .availability = availability.clone();
            }
            Change::TicketJoined { ticket } => {
                if self.tickets.contains_key(&ticket.id) {
                    return Err(conflict(format!("ticket {} joined twice", ticket.id)));
                }
                if ticket.state != TicketState::Waiting {
                    return Err(conflict(format!("ticket {} joined not waiting", ticket.id)));
                }
                self.next_seq = self.next_seq.max(ticket.seq + 1);
                self.tickets.insert(ticket.id, ticket.clone());
            }
            Change::OperatorWaiting { operator, at } => {
                let record = self.operators.entry(operator.clone()).or_default();
                if record.duty != Duty::Off {
                    return Err(conflict(format!("operator {operator} waits while on duty")));
                }
                record.duty = Duty::Waiting { since: *at };
            }
            Change::OperatorInterrupted { operator, .. } => {
                let record = self.operator_mut(operator)?;
                if !matches!(record.duty, Duty::Waiting { .. }) {
                    return Err(conflict(format!(
                        "operator {operator} interrupted while not waiting"
                    )));
                }
                record.duty = Duty::Off;
            }
            Change::Matched {
                ticket,
                operator,
                at,
            } => {
                // An operator who presses Atender while a ticket waits is
                // matched at once, straight from Off.
                let free = self
                    .operators
                    .get(operator)
                    .is_none_or(|record| matches!(record.duty, Duty::Waiting { .. } | Duty::Off));
                if !free {
                    return Err(conflict(format!(
                        "operator {operator} matched while holding a ticket"
                    )));
                }
                let stored = self.ticket_mut(ticket)?;
                if stored.state != TicketState::Waiting {
                    return Err(conflict(format!(
                        "ticket {ticket} matched while {}",
                        stored.state.name()
                    )));
                }
                stored.state = TicketState::Assigned {
                    operator: operator.clone(),
                    assigned_at: *at,
                };
                self.operators.entry(operator.clone()).or_default().duty = Duty::Assigned {
                    ticket: *ticket,
                    assigned_at: *at,
                };
            }
            Change::MeetingStarted {
                operator,
                ticket,
                meeting,
                at,
            } => {
                let record = self.operator_mut(operator)?;
                match &record.duty {
                    Duty::Assigned {
                        ticket: held,
                        assigned_at,
                    } if held == ticket => {
                        record.duty = Duty::InMeeting {
                            ticket: *ticket,
                            assigned_at: *assigned_at,
                            meeting: meeting.clone(),
                            started_at: *at,
                        };
                    }
                    _ => {
                        return Err(conflict(format!(
                            "operator {operator} started a meeting without holding {ticket}"
                        )))
                    }
                }
            }
            Change::TicketAccepted {
                operator,
                ticket,
                at,
                day,
            } => {
                let holds =
                    self.operators.get(operator).and_then(|r| r.duty.ticket()) == Some(*ticket);
                let stored = self.ticket_mut(ticket)?;
                let assigned_at = match &stored.state {
                    TicketState::Assigned {
                        operator: holder,
                        assigned_at,
                    } if holder == operator && holds => *assigned_at,
                    _ => {
                        return Err(conflict(format!(
                            "ticket {ticket} accepted while {}",
                            stored.state.name()
                        )))
                    }
                };
                stored.state = TicketState::Accepted {
                    operator: operator.clone(),
                    assigned_at,
                    accepted_at: *at,
                };
                self.operator_mut(operator)?.attended.increment(*day);
            }
            Change::TicketAbandoned {
                ticket,
                operator,
                observations,
                at,
                reason,
                ..
            } => self.abandon(ticket, operator.as_ref(), observations, *at, *reason)?,
            Change::TicketForgotten { ticket, .. } => {
                let stored = self
                    .tickets
                    .get(ticket)
                    .ok_or_else(|| conflict(format!("unknown ticket {ticket}")))?;
                if !stored.state.is_terminal() {
                    return Err(conflict(format!(
                        "ticket {ticket} forgotten while {}",
                        stored.state.name()
                    )));
                }
                self.tickets.remove(ticket);
            }
            Change::TicketTokenRenewed { ticket, token, .. } => {
                let stored = self.ticket_mut(ticket)?;
                if stored.state.is_terminal() {
                    return Err(conflict(format!(
                        "ticket {ticket} taken up again while {}",
                        stored.state.name()
                    )));
                }
                stored.token = *token;
            }
            Change::AttentionFinalized {
                operator,
                ticket,
                at,
                ..
            } => {
                let record = self.operator_mut(operator)?;
                let holds = matches!(&record.duty,
                    Duty::InMeeting { ticket: held, .. } | Duty::TaxpayerAbandoned { ticket: held, .. } if held == ticket);
                if !holds {
                    return Err(conflict(format!(
                        "operator {operator} finalized {ticket} without holding it in a meeting"
                    )));
                }
                let stored = self.ticket_mut(ticket)?;
                match &stored.state {
                    TicketState::Assigned { assigned_at, .. }
                    | TicketState::Accepted { assigned_at, .. } => {
                        stored.state = TicketState::Finished {
                            operator: operator.clone(),
                            assigned_at: *assigned_at,
                            finished_at: *at,
                        };
                    }
                    TicketState::Abandoned { .. } => {}
                    other => {
                        return Err(conflict(format!(
                            "ticket {ticket} finalized while {}",
                            other.name()
                        )))
                    }
                }
                self.operator_mut(operator)?.duty = Duty::Off;
            }
        }
        Ok(())
    }

    fn abandon(
        &mut self,
        ticket: &TicketId,
        operator: Option<&OperatorId>,
        observations: &Observations,
        at: jiff::Timestamp,
        reason: AbandonReason,
    ) -> Result<(), StoreError> {
        let stored = self
            .tickets
            .get(ticket)
            .ok_or_else(|| conflict(format!("unknown ticket {ticket}")))?;
        match (operator, &stored.state) {
            (None, TicketState::Waiting) => {}
            (Some(operator), state) if state.holder() == Some(operator) => {
                let record = self.operator_mut(operator)?;
                record.duty = match &record.duty {
                    Duty::Assigned {
                        ticket: held,
                        assigned_at,
                    } if held == ticket => Duty::TaxpayerAbandoned {
                        ticket: *ticket,
                        assigned_at: *assigned_at,
                        meeting: None,
                        started_at: None,
                        abandoned_at: at,
                        taxpayer_observations: observations.clone(),
                        reason,
                    },
                    Duty::InMeeting {
                        ticket: held,
                        assigned_at,
                        meeting,
                        started_at,
                    } if held == ticket => Duty::TaxpayerAbandoned {
                        ticket: *ticket,
                        assigned_at: *assigned_at,
                        meeting: Some(meeting.clone()),
                        started_at: Some(*started_at),
                        abandoned_at: at,
                        taxpayer_observations: observations.clone(),
                        reason,
                    },
                    _ => {
                        return Err(conflict(format!(
                            "operator {operator} does not hold {ticket}"
                        )))
                    }
                };
            }
            (_, state) => {
                return Err(conflict(format!(
                    "ticket {ticket} abandoned while {}",
                    state.name()
                )))
            }
        }
        let stored = self.ticket_mut(ticket)?;
        let assigned_at = stored.state.hold().map(|(_, assigned_at)| assigned_at);
        stored.state = TicketState::Abandoned {
            operator: operator.cloned(),
            assigned_at,
            abandoned_at: at,
            reason,
        };
        Ok(())
    }

    fn operator_mut(&mut self, operator: &OperatorId) -> Result<&mut OperatorRecord, StoreError> {
        self.operators
            .get_mut(operator)
            .ok_or_else(|| conflict(format!("unknown operator {operator}")))
    }

    fn ticket_mut(&mut self, ticket: &TicketId) -> Result<&mut TicketRecord, StoreError> {
        self.tickets
            .get_mut(ticket)
            .ok_or_else(|| conflict(format!("unknown ticket {ticket}")))
    }

    /// Live tickets waiting in queue, in join order.
    pub fn waiting_in_order(&self) -> Vec<&TicketRecord> {
        let mut waiting: Vec<&TicketRecord> = self
            .tickets
            .values()
            .filter(|t| t.state == TicketState::Waiting)
            .collect();
        waiting.sort_by_key(|t| t.seq);
        waiting
    }

    /// Which ticket each operator holds (assigned or in a meeting), by the
    /// operators' stored duties: what the dispatcher's holders must match.
    pub fn holding(&self) -> BTreeMap<OperatorId, TicketId> {
        self.operators
            .iter()
            .filter(|(_, record)| !matches!(record.duty, Duty::Off | Duty::Waiting { .. }))
            .filter_map(|(operator, record)| record.duty.ticket().map(|t| (operator.clone(), t)))
            .collect()
    }
}
