//! The ticket actor: one per live ticket. Owns what its taxpayer sees and
//! forwards their commands to whoever owns the ticket now (the dispatcher
//! while it waits, the operator once assigned). Stops when the ticket ends;
//! its last snapshot stays readable. It knows the others only by their
//! handles ([`super::protocol`]).

use std::sync::Arc;

use actix::prelude::*;
use jiff::Timestamp;

use super::protocol::{
    Abandon, AbandonWaiting, Abandonment, Accept, OperatorHandle, Ping, TaxpayerAbandons,
    TaxpayerAccepts, TicketNotice,
};
use super::Shared;
use crate::domain::{Observations, OperatorId};
use crate::error::EngineError;
use crate::store::{AbandonReason, TicketState};
use crate::views::{OperatorBadge, TicketView};

pub struct TicketActor {
    shared: Arc<Shared>,
    /// The current snapshot, shared with the registry (one copy per ticket).
    view: Arc<TicketView>,
    /// The operator holding the ticket, once assigned.
    holder: Option<OperatorHandle>,
}

impl Actor for TicketActor {
    type Context = Context<Self>;

    fn stopped(&mut self, _ctx: &mut Context<Self>) {
        self.shared.tickets.remove(&self.view.id);
    }
}

type Reply<T> = AtomicResponse<TicketActor, Result<T, EngineError>>;

fn ready<T: 'static>(value: Result<T, EngineError>) -> Reply<T> {
    AtomicResponse::new(Box::pin(actix::fut::ready(value)))
}

/// Refuses a command in the ticket's current state.
fn refuse<T: 'static>(
    state: &'static str,
) -> ResponseActFuture<TicketActor, Result<T, EngineError>> {
    Box::pin(actix::fut::ready(Err(EngineError::invalid_state(state))))
}

impl TicketActor {
    /// A ticket actor with its first snapshot, published at once.
    pub fn new(shared: Arc<Shared>, view: TicketView) -> TicketActor {
        let view = Arc::new(view);
        shared.views.publish_ticket_arc(Arc::clone(&view));
        TicketActor {
            shared,
            view,
            holder: None,
        }
    }

    /// A recovered ticket held by an operator.
    pub fn held(shared: Arc<Shared>, view: TicketView, holder: OperatorHandle) -> TicketActor {
        TicketActor {
            holder: Some(holder),
            ..TicketActor::new(shared, view)
        }
    }

    /// Publishes the next version of the snapshot, changed by `change`.
    fn publish(&mut self, change: impl FnOnce(&mut TicketView)) {
        let mut next = (*self.view).clone();
        change(&mut next);
        next.version += 1;
        self.view = Arc::new(next);
        self.shared.views.publish_ticket_arc(Arc::clone(&self.view));
    }

    /// The ticket reached its end: later commands find the final snapshot
    /// instead of a stopping actor.
    fn end(&mut self, ctx: &mut Context<Self>) {
        self.shared.tickets.remove(&self.view.id);
        ctx.stop();
    }

    fn badge(&self, operator: &OperatorId) -> Option<OperatorBadge> {
        self.shared
            .catalog()
            .operator(operator)
            .map(|profile| OperatorBadge {
                name: profile.name.clone(),
                id_number: profile.id_number.clone(),
            })
    }

    fn apply_assignment(
        &mut self,
        operator: OperatorId,
        holder: OperatorHandle,
        assigned_at: Timestamp,
    ) {
        if self.view.state != TicketState::Waiting {
            return;
        }
        let badge = self.badge(&operator);
        self.holder = Some(holder);
        self.publish(|view| {
            view.state = TicketState::Assigned {
                operator,
                assigned_at,
            };
            view.slot = None;
            view.operator = badge;
        });
    }
}

impl Handler<TicketNotice> for TicketActor {
    type Result = ();

    fn handle(&mut self, notice: TicketNotice, ctx: &mut Context<Self>) {
        match notice {
            TicketNotice::Assigned {
                operator,
                holder,
                assigned_at,
            } => self.apply_assignment(operator, holder, assigned_at),
            TicketNotice::Expired { at } => self.expire(at, ctx),
            TicketNotice::SilentAssignment => {
                // As an Abandonar would: the mailbox waits for the operator.
                let abandon = Abandon {
                    observations: Observations::default(),
                    reason: AbandonReason::Absent,
                };
                ctx.wait(self.abandon(abandon).map(|_ended, _, _| ()));
            }
            TicketNotice::TokenRenewed { token } => self.publish(|view| view.token = token),
            TicketNotice::MeetingStarted { join_url } => {
                self.publish(|view| view.join_url = Some(join_url))
            }
            TicketNotice::Finished { at } => self.finish(at, ctx),
        }
    }
}

impl Handler<Ping> for TicketActor {
    type Result = ();

    fn handle(&mut self, _msg: Ping, _ctx: &mut Context<Self>) {}
}

impl Handler<Accept> for TicketActor {
    type Result = Reply<Option<String>>;

    fn handle(&mut self, _msg: Accept, _ctx: &mut Context<Self>) -> Self::Result {
        let (
            TicketState::Assigned {
                operator,
                assigned_at,
            },
            Some(holder),
        ) = (&self.view.state, &self.holder)
        else {
            return ready(Err(EngineError::invalid_state(self.view.state.name())));
        };
        let (operator, assigned_at) = (operator.clone(), *assigned_at);
        let holder = holder.clone();
        let ticket = self.view.id;
        AtomicResponse::new(Box::pin(
            async move { holder.taxpayer_accepts(TaxpayerAccepts { ticket }).await? }
                .into_actor(self)
                .map(move |result, this, _ctx| {
                    let operator_join_url = result?;
                    let accepted_at = this.shared.clock.now();
                    this.publish(|view| {
                        view.state = TicketState::Accepted {
                            operator,
                            assigned_at,
                            accepted_at,
                        };
                        if operator_join_url.is_some() {
                            view.join_url = operator_join_url;
                        }
                    });
                    Ok(this.view.join_url.clone())
                }),
        ))
    }
}

impl Handler<Abandon> for TicketActor {
    type Result = Reply<()>;

    fn handle(&mut self, msg: Abandon, _ctx: &mut Context<Self>) -> Self::Result {
        AtomicResponse::new(self.abandon(msg))
    }
}

impl TicketActor {
    /// Abandonar: leaves the queue through the dispatcher, or ends the
    /// assignment through the operator who holds the ticket.
    fn abandon(&mut self, msg: Abandon) -> ResponseActFuture<Self, Result<(), EngineError>> {
        let ticket = self.view.id;
        let observations = msg.observations;
        let reason = msg.reason;
        if reason == AbandonReason::Absent {
            // Only an assignment not yet accepted ends for silence, and only
            // if no poll came since the dispatcher decided.
            let settings = &self.shared.catalog().presence;
            let silent = self.view.seen.is_absent(self.shared.clock.now(), settings);
            if !silent || !matches!(self.view.state, TicketState::Assigned { .. }) {
                return refuse(self.view.state.name());
            }
        }
        let holder = match (&self.view.state, self.view.state.hold()) {
            (TicketState::Waiting, _) => None,
            (_, Some((operator, assigned_at))) => match &self.holder {
                Some(holder) => Some((operator.clone(), holder.clone(), assigned_at)),
                None => return refuse(self.view.state.name()),
            },
            (state, None) => return refuse(state.name()),
        };
        let leave_queue = AbandonWaiting {
            ticket,
            service: self.view.service.clone(),
            seq: self.view.seq,
            nif: self.view.nif,
            observations: observations.clone(),
        };
        let dispatcher = self.shared.dispatcher.clone();
        Box::pin(
            async move {
                let _in_flight = holder
                    .is_none()
                    .then(crate::metrics::DispatcherMessageInFlight::sent);
                let (operator, holder, assigned_at) = match holder {
                    Some(holder) => holder,
                    None => match dispatcher.abandon_waiting(leave_queue).await?? {
                        Abandonment::Abandoned { at } => return Ok((None, at)),
                        Abandonment::Assigned {
                            operator,
                            holder,
                            assigned_at,
                        } => (operator, holder, assigned_at),
                        Abandonment::Gone => return Err(EngineError::invalid_state("finished")),
                    },
                };
                let at = holder
                    .taxpayer_abandons(TaxpayerAbandons {
                        ticket,
                        observations,
                        reason,
                    })
                    .await??;
                Ok((Some((operator, assigned_at)), at))
            }
            .into_actor(self)
            .map(move |result: Result<_, EngineError>, this, ctx| {
                let (held, abandoned_at) = result?;
                this.publish(|view| {
                    view.slot = None;
                    view.state = TicketState::Abandoned {
                        operator: held.as_ref().map(|(operator, _)| operator.clone()),
                        assigned_at: held.map(|(_, assigned_at)| assigned_at),
                        abandoned_at,
                        reason,
                    };
                });
                this.end(ctx);
                Ok(())
            }),
        )
    }
}

impl TicketActor {
    /// The operator finalized the attention.
    fn finish(&mut self, at: Timestamp, ctx: &mut Context<Self>) {
        let Some((operator, assigned_at)) = self.view.state.hold() else {
            return;
        };
        let operator = operator.clone();
        self.publish(|view| {
            view.state = TicketState::Finished {
                operator,
                assigned_at,
                finished_at: at,
            }
        });
        self.end(ctx);
    }

    /// The dispatcher ended this waiting ticket (already committed).
    fn expire(&mut self, at: Timestamp, ctx: &mut Context<Self>) {
        if self.view.state != TicketState::Waiting {
            return;
        }
        self.publish(|view| {
            view.slot = None;
            view.state = TicketState::Abandoned {
                operator: None,
                assigned_at: None,
                abandoned_at: at,
                reason: AbandonReason::Absent,
            };
        });
        self.end(ctx);
    }
}

#[cfg(test)]
mod tests;
