//! What operators ask of dispatch: be matched or wait (Atender), withdraw
//! (Interrumpir), hand a finished attention back, change what they wait for.

use std::time::Duration;

use jiff::Timestamp;

use super::pending::PendingOperator;
use super::{Dispatch, Effect, MatchPlan, ReadyPlan, WithdrawPlan};
use crate::domain::{OperatorId, ServiceCode};
use crate::error::EngineError;
use crate::ticket::{TicketDetails, TicketId};

/// Whether a ready operator got a taxpayer at once.
#[derive(Debug, Clone, PartialEq)]
pub enum Readiness {
    /// Matched at once with this ticket, whose details the match carries.
    Matched {
        ticket: TicketDetails,
        assigned_at: Timestamp,
    },
    Waiting {
        since: Timestamp,
    },
}

/// How an Interrumpir ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Withdrawal {
    Withdrawn,
    /// Too late: a taxpayer was matched first.
    Assigned {
        ticket: TicketDetails,
        assigned_at: Timestamp,
    },
    NotWaiting,
}

/// What Interrumpir amounts to.
#[derive(Debug, PartialEq)]
pub enum WithdrawDecision {
    /// The operator waits: commit the plan's change.
    Commit(WithdrawPlan),
    /// Nothing to commit: the answer.
    Answer(Withdrawal),
    /// A decision about this operator is being committed (a match): decide
    /// again once it has settled, when the answer is known.
    Later,
}

/// What a waiting operator's change of services amounts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServicesChange {
    /// Applied: a pair may have become possible ([`Dispatch::next_match`]).
    Applied,
    /// Not waiting: their next Atender reads the new availability anyway.
    NotWaiting,
    /// A decision about this operator is being committed: apply it again
    /// once that has settled.
    Later,
}

impl Dispatch {
    /// Atender Contribuyente for `services` (available and active now):
    /// the longest-waiting present ticket among them, or a place at the end
    /// of the waiting operators. Refused for an operator already waiting,
    /// holding a ticket, or in a decision under way.
    pub fn decide_ready(
        &mut self,
        operator: OperatorId,
        services: Vec<ServiceCode>,
        now: Timestamp,
    ) -> Result<ReadyPlan, EngineError> {
        if self.waiting.contains(&operator)
            || self.holders.holds(&operator)
            || self.pending.operators.contains_key(&operator)
        {
            return Err(EngineError::invalid_state("waiting"));
        }
        if let Some((service, seq)) = self.longest_waiting_ticket(&services, now) {
            self.pending.operators.insert(
                operator.clone(),
                PendingOperator::Matching {
                    services: services.clone(),
                    place: None,
                },
            );
            if let Some(plan) = self.park_ticket_for_match(&service, seq, operator.clone(), now) {
                return Ok(ReadyPlan::Match(plan));
            }
            // A queue out of step with itself (logged, operator unparked):
            // wait instead.
        }
        self.pending
            .operators
            .insert(operator.clone(), PendingOperator::Waiting { services });
        Ok(ReadyPlan::Wait { operator, at: now })
    }

    /// Atender is committed: the operator holds the ticket (they hear it in
    /// the answer) or waits from now on.
    pub fn commit_ready(&mut self, plan: ReadyPlan) -> (Readiness, Vec<Effect>) {
        match plan {
            ReadyPlan::Match(plan) => {
                let readiness = Readiness::Matched {
                    ticket: plan.ticket.clone(),
                    assigned_at: plan.at,
                };
                (readiness, self.commit_match(plan, false))
            }
            ReadyPlan::Wait { operator, at } => {
                if let Some(PendingOperator::Waiting { services }) =
                    self.pending.operators.remove(&operator)
                {
                    // A ticket may have joined while this wait was committed.
                    self.unsettle(&services);
                    self.add_waiting_operator(operator, services);
                }
                (Readiness::Waiting { since: at }, Vec::new())
            }
        }
    }

    /// Atender was not committed: the ticket goes back to its place, and an
    /// operator between Finalizar and this Atender (kept on duty for the
    /// estimates) goes off duty.
    pub fn rollback_ready(&mut self, plan: ReadyPlan) {
        let operator = match plan {
            ReadyPlan::Match(MatchPlan { seq, operator, .. }) => {
                self.restore_ticket(seq);
                operator
            }
            ReadyPlan::Wait { operator, .. } => operator,
        };
        self.restore_operator(&operator);
        if !self.holders.holds(&operator) && !self.waiting.contains(&operator) {
            self.set_off_duty(&operator);
        }
    }

    /// Interrumpir while waiting. An operator matched first is told what
    /// they hold.
    pub fn decide_withdraw(&mut self, operator: OperatorId, now: Timestamp) -> WithdrawDecision {
        if self.pending.operators.contains_key(&operator) {
            return WithdrawDecision::Later;
        }
        let Some(waiting) = self.waiting.remove(&operator) else {
            let held = self
                .holders
                .of_operator(&operator)
                .map(|holder| Withdrawal::Assigned {
                    ticket: (*holder.ticket).clone(),
                    assigned_at: holder.assigned_at,
                });
            return WithdrawDecision::Answer(held.unwrap_or(Withdrawal::NotWaiting));
        };
        self.pending
            .operators
            .insert(operator.clone(), PendingOperator::Leaving { waiting });
        WithdrawDecision::Commit(WithdrawPlan { operator, at: now })
    }

    /// Interrumpir is committed: off duty; the estimates learn an operator
    /// left their services at `now`.
    pub fn commit_withdraw(&mut self, plan: WithdrawPlan, now: Timestamp) -> Withdrawal {
        self.pending.operators.remove(&plan.operator);
        let services = self
            .on_duty
            .services(&plan.operator)
            .cloned()
            .unwrap_or_default();
        self.set_off_duty(&plan.operator);
        self.views.waits().operator_left(&services, now);
        Withdrawal::Withdrawn
    }

    /// Interrumpir was not committed: the operator waits at their old place.
    pub fn rollback_withdraw(&mut self, plan: WithdrawPlan) {
        self.restore_operator(&plan.operator);
    }

    /// `operator` finalized `ticket` and holds nothing any more. `leaving`
    /// (Finalizar e Interrumpir, or nothing left to attend) takes them off
    /// duty; otherwise they press Atender again at once and stay on duty.
    pub fn attention_closed(
        &mut self,
        operator: &OperatorId,
        ticket: TicketId,
        service: &ServiceCode,
        attention: Option<Duration>,
        leaving: bool,
        now: Timestamp,
    ) {
        if let Some(holder) = self.holders.release(operator, ticket) {
            // From assignment to Finalizar: how long the queue lost this operator.
            let took =
                Duration::try_from(now.duration_since(holder.assigned_at)).unwrap_or_default();
            let today = self.views.catalog().calendar.local_date(now);
            self.views
                .waits()
                .record_attention(&holder.service, took, today);
        }
        if leaving {
            let services = self.on_duty.services(operator).cloned().unwrap_or_default();
            self.set_off_duty(operator);
            self.views.waits().operator_left(&services, now);
        } else {
            // Back in a moment (Finalizar y Atender siguiente): on duty and free.
            self.publish_duty(operator);
        }
        if let (Some(took), Some(figures)) = (attention, self.views.figures(service)) {
            figures.record_attention(took);
        }
    }

    /// A waiting operator's availability changed ("Gestión disponibilidad"
    /// while "A la espera"): same place among the waiting operators, new
    /// services. Once applied, a taxpayer may already wait in a service just
    /// added, so the caller matches pending pairs at once
    /// ([`Dispatch::next_match`]).
    pub fn change_waiting_services(
        &mut self,
        operator: &OperatorId,
        services: Vec<ServiceCode>,
    ) -> ServicesChange {
        if self.pending.operators.contains_key(operator) {
            return ServicesChange::Later;
        }
        let Some(waiting) = self.waiting.remove(operator) else {
            return ServicesChange::NotWaiting;
        };
        self.unsettle(&services);
        self.insert_waiting_operator(operator.clone(), waiting.wait_seq, services);
        ServicesChange::Applied
    }
}
