//! The ticket actor: one per live ticket. Owns what its taxpayer sees and
//! forwards their commands to whoever owns the ticket now (the dispatcher
//! while it waits, the operator once assigned). Stops when the ticket ends;
//! its last snapshot stays readable.

use std::sync::Arc;

use actix::prelude::*;
use jiff::Timestamp;

use super::dispatcher::{AbandonWaiting, Abandonment};
use super::operator::{OperatorActor, TaxpayerAbandons, TaxpayerAccepts};
use super::Shared;
use crate::domain::{Observations, OperatorId};
use crate::error::EngineError;
use crate::store::{AbandonReason, TicketState};
use crate::ticket::TicketToken;
use crate::views::{OperatorBadge, TicketView};

pub struct TicketActor {
    shared: Arc<Shared>,
    /// The current snapshot, shared with the registry (one copy per ticket).
    view: Arc<TicketView>,
    /// The operator holding the ticket, once assigned.
    holder: Option<Addr<OperatorActor>>,
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
    pub fn held(shared: Arc<Shared>, view: TicketView, holder: Addr<OperatorActor>) -> TicketActor {
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
        operator_addr: Addr<OperatorActor>,
        assigned_at: Timestamp,
    ) {
        if self.view.state != TicketState::Waiting {
            return;
        }
        let badge = self.badge(&operator);
        self.holder = Some(operator_addr);
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

/// The dispatcher matched this ticket to an operator.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Assigned {
    /// Who holds the ticket now.
    pub operator: OperatorId,
    /// Their actor, which owns the ticket from now on.
    pub operator_addr: Addr<OperatorActor>,
    /// When the match was committed.
    pub assigned_at: Timestamp,
}

impl Handler<Assigned> for TicketActor {
    type Result = ();

    fn handle(&mut self, msg: Assigned, _ctx: &mut Context<Self>) {
        self.apply_assignment(msg.operator, msg.operator_addr, msg.assigned_at);
    }
}

/// "Aceptar y Acceder a la videoconferencia".
#[derive(Message)]
#[rtype(result = "Result<Option<String>, EngineError>")]
pub struct Accept;

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
            async move { holder.send(TaxpayerAccepts { ticket }).await? }
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

/// Abandonar, from any state before the end; or the engine ending an
/// assigned ticket whose page went silent before the taxpayer accepted.
#[derive(Message)]
#[rtype(result = "Result<(), EngineError>")]
pub struct Abandon {
    /// "Observaciones (en caso de abandonar)".
    pub observations: Observations,
    /// Pressed Abandonar, or absent.
    pub reason: AbandonReason,
}

impl Handler<Abandon> for TicketActor {
    type Result = Reply<()>;

    fn handle(&mut self, msg: Abandon, _ctx: &mut Context<Self>) -> Self::Result {
        let ticket = self.view.id;
        let observations = msg.observations;
        let reason = msg.reason;
        if reason == AbandonReason::Absent {
            // Only an assignment not yet accepted ends for silence, and only
            // if no poll came since the dispatcher decided.
            let settings = &self.shared.catalog().presence;
            let silent = self.view.seen.is_absent(self.shared.clock.now(), settings);
            if !silent || !matches!(self.view.state, TicketState::Assigned { .. }) {
                return ready(Err(EngineError::invalid_state(self.view.state.name())));
            }
        }
        let holder = match (&self.view.state, self.view.state.hold()) {
            (TicketState::Waiting, _) => None,
            (_, Some((operator, assigned_at))) => match &self.holder {
                Some(addr) => Some((operator.clone(), addr.clone(), assigned_at)),
                None => return ready(Err(EngineError::invalid_state(self.view.state.name()))),
            },
            (state, None) => return ready(Err(EngineError::invalid_state(state.name()))),
        };
        let leave_queue = AbandonWaiting {
            ticket,
            service: self.view.service.clone(),
            seq: self.view.seq,
            nif: self.view.nif,
            observations: observations.clone(),
        };
        let dispatcher = self.shared.dispatcher.clone();
        AtomicResponse::new(Box::pin(
            async move {
                let _in_flight = holder
                    .is_none()
                    .then(crate::metrics::DispatcherMessageInFlight::sent);
                let (operator, operator_addr, assigned_at) = match holder {
                    Some(holder) => holder,
                    None => match dispatcher.send(leave_queue).await?? {
                        Abandonment::Abandoned { at } => return Ok((None, at)),
                        Abandonment::Assigned {
                            operator,
                            operator_addr,
                            assigned_at,
                        } => (operator, operator_addr, assigned_at),
                        Abandonment::Gone => return Err(EngineError::invalid_state("finished")),
                    },
                };
                let at = operator_addr
                    .send(TaxpayerAbandons {
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
        ))
    }
}

/// The operator started the meeting: the taxpayer's link exists.
#[derive(Message)]
#[rtype(result = "()")]
pub struct MeetingStarted {
    /// The taxpayer's link to the meeting.
    pub join_url: String,
}

impl Handler<MeetingStarted> for TicketActor {
    type Result = ();

    fn handle(&mut self, msg: MeetingStarted, _ctx: &mut Context<Self>) {
        self.publish(|view| view.join_url = Some(msg.join_url));
    }
}

/// The operator finalized the attention.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Finished {
    /// When the attention was finalized.
    pub at: Timestamp,
}

impl Handler<Finished> for TicketActor {
    type Result = ();

    fn handle(&mut self, msg: Finished, ctx: &mut Context<Self>) {
        let Some((operator, assigned_at)) = self.view.state.hold() else {
            return;
        };
        let operator = operator.clone();
        self.publish(|view| {
            view.state = TicketState::Finished {
                operator,
                assigned_at,
                finished_at: msg.at,
            }
        });
        self.end(ctx);
    }
}

/// The dispatcher ended this waiting ticket: its page was silent past
/// `absent_after + grace`. The abandonment is already committed.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Expired {
    /// When the abandonment was committed.
    pub at: Timestamp,
}

impl Handler<Expired> for TicketActor {
    type Result = ();

    fn handle(&mut self, msg: Expired, ctx: &mut Context<Self>) {
        if self.view.state != TicketState::Waiting {
            return;
        }
        self.publish(|view| {
            view.slot = None;
            view.state = TicketState::Abandoned {
                operator: None,
                assigned_at: None,
                abandoned_at: msg.at,
                reason: AbandonReason::Absent,
            };
        });
        self.end(ctx);
    }
}

/// The taxpayer took their ticket up again from another browser (the
/// directory verified them): the committed new token replaces the old one.
#[derive(Message)]
#[rtype(result = "()")]
pub struct TokenRenewed {
    /// The token that works from now on.
    pub token: TicketToken,
}

impl Handler<TokenRenewed> for TicketActor {
    type Result = ();

    fn handle(&mut self, msg: TokenRenewed, _ctx: &mut Context<Self>) {
        self.publish(|view| view.token = msg.token);
    }
}
