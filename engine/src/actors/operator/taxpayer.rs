//! What the assigned taxpayer does, as it reaches the operator who holds
//! the ticket: accept and abandon.

use super::*;
use crate::actors::protocol::{TaxpayerAbandons, TaxpayerAccepts};
use crate::store::AbandonReason;

impl Handler<TaxpayerAccepts> for OperatorActor {
    type Result = Reply<Option<String>>;

    fn handle(&mut self, msg: TaxpayerAccepts, _ctx: &mut Context<Self>) -> Self::Result {
        let join_url = match &self.duty {
            Duty::Assigned { ticket, .. } if *ticket == msg.ticket => None,
            Duty::InMeeting {
                ticket, meeting, ..
            } if *ticket == msg.ticket => Some(meeting.join_url.clone()),
            _ => return ready(Err(EngineError::invalid_state("finished"))),
        };
        let now = self.shared.clock.now();
        let day = self.shared.catalog().calendar.local_date(now);
        let change = Change::TicketAccepted {
            operator: self.id().clone(),
            ticket: msg.ticket,
            at: now,
            day,
        };
        commit_then(self, &self.shared.store, change, move |this, _ctx| {
            this.attended.increment(day);
            this.publish();
            if let Some(assignment) = &this.assignment {
                crate::metrics::record_accept(&assignment.service);
            }
            Ok(join_url)
        })
    }
}

impl Handler<TaxpayerAbandons> for OperatorActor {
    type Result = Reply<Timestamp>;

    fn handle(&mut self, msg: TaxpayerAbandons, _ctx: &mut Context<Self>) -> Self::Result {
        let reason = msg.reason;
        let next_duty = |at: Timestamp, observations: Observations| match &self.duty {
            // A silent page ends an assignment only before the meeting: once
            // it started, the operator sees the taxpayer (or not) in Zoom.
            Duty::Assigned {
                ticket,
                assigned_at,
            } if *ticket == msg.ticket => Some(Duty::TaxpayerAbandoned {
                ticket: *ticket,
                assigned_at: *assigned_at,
                meeting: None,
                started_at: None,
                abandoned_at: at,
                taxpayer_observations: observations,
                reason,
            }),
            Duty::InMeeting {
                ticket,
                assigned_at,
                meeting,
                started_at,
            } if *ticket == msg.ticket && reason == AbandonReason::Taxpayer => {
                Some(Duty::TaxpayerAbandoned {
                    ticket: *ticket,
                    assigned_at: *assigned_at,
                    meeting: Some(meeting.clone()),
                    started_at: Some(*started_at),
                    abandoned_at: at,
                    taxpayer_observations: observations,
                    reason,
                })
            }
            _ => None,
        };
        let now = self.shared.clock.now();
        let Some(duty) = next_duty(now, msg.observations.clone()) else {
            return ready(Err(EngineError::invalid_state("finished")));
        };
        let change = Change::TicketAbandoned {
            ticket: msg.ticket,
            operator: Some(self.id().clone()),
            observations: msg.observations,
            at: now,
            reason,
            annotation: None,
        };
        commit_then(self, &self.shared.store, change, move |this, _ctx| {
            this.duty = duty;
            this.publish();
            // An Iniciar still waiting for the provider hears at once; the
            // meeting, if it comes, is ended on arrival.
            this.answer_start(Err(EngineError::invalid_state(this.state_name())));
            if let Some(assignment) = &this.assignment {
                crate::metrics::record_abandon(
                    &assignment.service,
                    crate::metrics::AbandonedWhile::Assigned,
                    reason,
                );
                this.shared
                    .dispatcher
                    .notify(DispatcherNotice::TicketEnded {
                        nif: assignment.nif,
                        service: assignment.service.clone(),
                    });
            }
            Ok(now)
        })
    }
}
