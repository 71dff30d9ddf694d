//! What taxpayers ask of dispatch: join (or take their live ticket up
//! again), leave the queue, and a held ticket's end.

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;

use super::absent::AbsentTicket;
use super::pending::{Origin, PendingOperator, PendingTicket};
use super::queues::Queued;
use super::{Dispatch, Effect, JoinPlan, LeavePlan, ResumePlan};
use crate::domain::{Nif, Observations, OperatorId, ServiceCode};
use crate::error::EngineError;
use crate::metrics::AbandonedWhile;
use crate::presence::Seen;
use crate::store::{AbandonReason, Change, TicketRecord, TicketState};
use crate::ticket::{TicketId, TicketToken};
use crate::views::TicketView;

/// What a taxpayer gets back from joining.
#[derive(Debug, Clone, PartialEq)]
pub struct JoinReceipt {
    pub ticket_id: TicketId,
    pub token: TicketToken,
    /// 1-based position in the queue; 0 when an operator took it at once.
    pub position: u32,
    /// `None` when no operator is serving the service right now.
    pub estimated_wait: Option<Duration>,
    /// The estimated start of the attention is after the service's closing time today.
    pub estimate_past_closing: bool,
    /// The taxpayer took up the ticket they already had (same id, new token).
    pub resumed: bool,
}

/// What a join amounts to.
#[derive(Debug, PartialEq)]
pub enum JoinDecision {
    /// A new ticket: commit `joined()`, then `matched()` if an operator waits.
    Join(JoinPlan),
    /// The verified taxpayer's live ticket, with a new token.
    Resume(ResumePlan),
}

/// What an Abandonar from the queue amounts to.
#[derive(Debug, PartialEq)]
pub enum AbandonDecision {
    /// The ticket waits: commit the plan's change.
    Commit(LeavePlan),
    /// Too late: an operator holds the ticket, who must hear of it.
    Assigned {
        operator: OperatorId,
        assigned_at: Timestamp,
    },
    /// The ticket is not waiting any more.
    Gone,
    /// A decision about this ticket is being committed (a match, an
    /// expiry): decide again once it has settled, when the answer is known.
    Later,
}

impl Dispatch {
    /// A taxpayer joins `service` (the engine has checked the form, the
    /// identity and the hours). The ticket gets the next join sequence, and
    /// the operator who waited longest for the service, if any, is parked
    /// to take it at once. `may_resume`: the identity was verified against
    /// the directory, so a live ticket in the service is taken up again.
    pub fn decide_join(
        &mut self,
        nif: Nif,
        name: String,
        service: ServiceCode,
        may_resume: bool,
        now: Timestamp,
    ) -> Result<JoinDecision, EngineError> {
        if let Some(ticket) = self.live.get(&(nif, service.clone())).copied() {
            if !may_resume {
                return Err(EngineError::AlreadyWaiting);
            }
            return Ok(JoinDecision::Resume(ResumePlan {
                ticket,
                token: TicketToken::random(),
                at: now,
            }));
        }
        let catalog = self.views.catalog();
        // The front door checked the service against the catalog it loaded;
        // a reload handled in between may have withdrawn it.
        if catalog.service_by_text(service.as_str()).is_none() {
            return Err(EngineError::UnknownService {
                code: service.as_str().to_string(),
            });
        }
        let operator = self.waiting.longest_waiting(&service).cloned();
        if operator.is_none() && catalog.refuse_joins_past_closing {
            // Everybody waiting is ahead of the newcomer.
            let ahead = self
                .views
                .figures(&service)
                .map_or(0, |figures| figures.waiting());
            if self.views.estimate(&service, ahead, now).past_closing {
                return Err(EngineError::ServiceClosing);
            }
        }
        let record = TicketRecord {
            id: self.fresh_ticket_id(),
            token: TicketToken::random(),
            nif,
            name,
            service,
            // Taken now, so no other decision can take it too.
            seq: self.next_seq,
            joined_at: now,
            state: TicketState::Waiting,
        };
        self.next_seq += 1;
        self.live
            .insert((record.nif, record.service.clone()), record.id);
        if let Some(operator) = &operator {
            if let Some(waiting) = self.waiting.remove(operator) {
                self.pending.operators.insert(
                    operator.clone(),
                    PendingOperator::Matching {
                        services: waiting.services,
                        place: Some(waiting.wait_seq),
                    },
                );
            }
        }
        self.pending.tickets.insert(
            record.seq,
            PendingTicket::Joining {
                record: record.clone(),
            },
        );
        Ok(JoinDecision::Join(JoinPlan { record, operator }))
    }

    fn fresh_ticket_id(&self) -> TicketId {
        loop {
            let id = TicketId::random();
            if self.views.ticket(&id).is_none() {
                return id;
            }
        }
    }

    /// The join is committed: the ticket takes its place in line (its
    /// actor starts). `matched`: the match with the parked operator is
    /// committed too; if it is not, the operator waits at their old place
    /// and the caller retries pending matches later.
    pub fn commit_join(&mut self, plan: JoinPlan, matched: bool) -> (JoinReceipt, Vec<Effect>) {
        let JoinPlan { record, operator } = plan;
        self.pending.tickets.remove(&record.seq);
        self.next_seq = self.next_seq.max(record.seq + 1);
        let (id, token, service, seq, now) = (
            record.id,
            record.token,
            record.service.clone(),
            record.seq,
            record.joined_at,
        );
        let figures = self.views.figures(&service);
        let slot = figures.as_ref().map_or(0, |figures| figures.enqueue());
        let seen = Arc::new(Seen::new(now));
        let queued = Queued::new(&record, slot, Arc::clone(&seen));
        let mut effects = vec![Effect::StartTicket(TicketView {
            version: 1,
            id,
            token,
            nif: record.nif,
            name: record.name,
            service: service.clone(),
            seq,
            joined_at: now,
            state: TicketState::Waiting,
            slot: Some(slot),
            operator: None,
            join_url: None,
            seen,
        })];
        self.queues.insert(&service, seq, queued);
        self.publish_oldest(&service);
        crate::metrics::record_join(&service);
        if let Some(operator) = operator {
            if matched {
                if let Some(plan) = self.park_ticket_for_match(&service, seq, operator, now) {
                    effects.extend(self.commit_match(plan, true));
                }
                let receipt = JoinReceipt {
                    ticket_id: id,
                    token,
                    position: 0,
                    estimated_wait: Some(Duration::ZERO),
                    estimate_past_closing: false,
                    resumed: false,
                };
                return (receipt, effects);
            }
            self.restore_operator(&operator);
        }
        // An operator may have started waiting while this join was committed.
        self.unsettle(std::slice::from_ref(&service));
        let position = figures.map_or(1, |figures| figures.position(slot));
        let estimate = self
            .views
            .estimate(&service, position.saturating_sub(1), now);
        if let Some(queued) = self.queues.get_mut(&service, seq) {
            queued.estimated_wait_secs = estimate
                .wait_seconds()
                .map(|secs| u32::try_from(secs).unwrap_or(u32::MAX));
        }
        let receipt = JoinReceipt {
            ticket_id: id,
            token,
            position,
            estimated_wait: estimate.wait,
            estimate_past_closing: estimate.past_closing,
            resumed: false,
        };
        (receipt, effects)
    }

    /// The join was not committed: no ticket, and the operator parked to
    /// take it waits at their old place.
    pub fn rollback_join(&mut self, plan: JoinPlan) {
        self.restore_ticket(plan.record.seq);
        if let Some(operator) = &plan.operator {
            self.restore_operator(operator);
        }
    }

    /// The new token is committed: the ticket's current place (re-estimated
    /// now if it still waits; a held ticket is being served).
    pub fn commit_resume(
        &mut self,
        plan: ResumePlan,
        now: Timestamp,
    ) -> (JoinReceipt, Vec<Effect>) {
        let ResumePlan { ticket, token, .. } = plan;
        let (position, estimate) = self
            .views
            .ticket(&ticket)
            .and_then(|view| {
                let figures = self.views.figures(&view.service)?;
                let position = figures.position(view.slot?);
                let estimate = matches!(view.state, TicketState::Waiting).then(|| {
                    self.views
                        .estimate(&view.service, position.saturating_sub(1), now)
                });
                Some((position, estimate))
            })
            .unwrap_or((0, None));
        let receipt = JoinReceipt {
            ticket_id: ticket,
            token,
            position,
            estimated_wait: estimate.map_or(Some(Duration::ZERO), |estimate| estimate.wait),
            estimate_past_closing: estimate.is_some_and(|estimate| estimate.past_closing),
            resumed: true,
        };
        (receipt, vec![Effect::TokenRenewed { ticket, token }])
    }

    /// Abandonar from the queue, for `ticket` waiting at `seq` in
    /// `service` (present or set aside).
    pub fn decide_abandon(
        &mut self,
        ticket: TicketId,
        service: &ServiceCode,
        seq: u64,
        observations: Observations,
        now: Timestamp,
    ) -> AbandonDecision {
        if matches!(self.pending.tickets.get(&seq), Some(parked) if parked.id() == Some(ticket)) {
            return AbandonDecision::Later;
        }
        let parked = if self.queues.holds(ticket, service, seq) {
            self.queues
                .remove(service, seq)
                .map(|queued| (queued, Origin::Queue))
        } else if self.absent.holds(ticket, seq) {
            self.absent_remove(seq).map(|absent| {
                let from = Origin::Absent {
                    expires_at: absent.expires_at,
                };
                (absent.queued, from)
            })
        } else {
            None
        };
        let Some((queued, from)) = parked else {
            return match self.holders.of_ticket(&ticket) {
                Some(holder) => AbandonDecision::Assigned {
                    operator: holder.operator.clone(),
                    assigned_at: holder.assigned_at,
                },
                None => AbandonDecision::Gone,
            };
        };
        self.pending.tickets.insert(
            seq,
            PendingTicket::Leaving {
                service: service.clone(),
                queued,
                from,
            },
        );
        AbandonDecision::Commit(LeavePlan {
            ticket,
            seq,
            change: Change::TicketAbandoned {
                ticket,
                operator: None,
                observations,
                at: now,
                reason: AbandonReason::Taxpayer,
                annotation: None,
            },
        })
    }

    /// A waiting ticket's abandonment is committed (Abandonar, or silence
    /// past its grace): it leaves for good, and its taxpayer may join the
    /// service again. One ended for silence tells its actor.
    pub fn commit_leave(&mut self, plan: LeavePlan) -> Vec<Effect> {
        let Some(PendingTicket::Leaving {
            service,
            queued,
            from,
        }) = self.pending.tickets.remove(&plan.seq)
        else {
            tracing::error!(seq = plan.seq, "committed abandonment has no parked ticket");
            return Vec::new();
        };
        if from == Origin::Queue {
            // Set aside as absent, its slot already left the position tree.
            if let Some(figures) = self.views.figures(&service) {
                figures.dequeue(queued.slot);
            }
            self.publish_oldest(&service);
        }
        let reason = match &plan.change {
            Change::TicketAbandoned { reason, .. } => *reason,
            _ => AbandonReason::Taxpayer,
        };
        crate::metrics::record_abandon(&service, AbandonedWhile::Waiting, reason);
        self.live.remove(&(queued.nif, service));
        match reason {
            AbandonReason::Absent => vec![Effect::TicketExpired {
                ticket: queued.id,
                at: plan.change.at(),
            }],
            // The taxpayer who pressed Abandonar hears through the reply.
            AbandonReason::Taxpayer => Vec::new(),
        }
    }

    /// The abandonment was not committed: the ticket waits where it waited.
    pub fn rollback_leave(&mut self, plan: LeavePlan) {
        self.restore_ticket(plan.seq);
    }

    /// Puts a leaving ticket back: in its queue, or aside with its expiry.
    pub(super) fn put_back_leaving(
        &mut self,
        seq: u64,
        service: ServiceCode,
        queued: Queued,
        from: Origin,
    ) {
        match from {
            Origin::Queue => {
                self.unsettle(std::slice::from_ref(&service));
                self.queues.insert(&service, seq, queued)
            }
            Origin::Absent { expires_at } => self.absent_insert(
                seq,
                AbsentTicket {
                    service,
                    queued,
                    expires_at,
                },
            ),
        }
    }

    /// A held ticket reached its end (finished, or abandoned after
    /// assignment): its taxpayer may join that service again.
    pub fn ticket_ended(&mut self, nif: Nif, service: ServiceCode) {
        self.live.remove(&(nif, service));
    }
}
