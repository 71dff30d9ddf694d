//! The dispatcher: the actor around [`crate::dispatch::Dispatch`], the only
//! writer of queue order. Each handler asks `Dispatch` to decide, hands the
//! decision's changes to the store (`pipeline.rs`), and once they are
//! durable tells `Dispatch` how the commit went, delivers the effects it
//! answers and replies. Every match is committed to the store before either
//! party hears of it. The mailbox is not held across commits: what a
//! decision parked is out of reach of the next ones until it settles, and
//! decisions settle in the order they were made. It knows the operators
//! and tickets only by their handles ([`super::protocol`]), and starts
//! new ones through the front door's [`ActorStarter`].

mod operators;
mod pipeline;
mod presence;
mod reload;
mod taxpayers;
mod upkeep;

pub use crate::dispatch::{DispatcherFigures, JoinReceipt, PresenceSweep, Readiness, Withdrawal};
pub use presence::{SweepPresence, TicketReturned};
pub use reload::Reload;
pub use taxpayers::Join;
pub use upkeep::{Inspect, Probe, RetryMatches};

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use tokio::sync::oneshot;

use super::protocol::{
    AbandonWaiting, ActorStarter, DispatcherNotice, OperatorHandle, OperatorNotice, OperatorReady,
    TicketHandle, TicketNotice, WithdrawOperator,
};
use super::Shared;
use crate::dispatch::{Dispatch, DispatchSeed, Effect};
use crate::domain::{OperatorId, ServiceCode};
use crate::error::EngineError;
use crate::presence::Seen;
use crate::store::TicketRecord;
use pipeline::{first, Pipeline};

/// How long to wait before retrying a match whose commit failed twice (the
/// first failure is retried at once: `upkeep.rs` `match_refused`).
const MATCH_RETRY: Duration = Duration::from_secs(1);

/// How often the presence sweep runs (it reads the engine's clock, so on a
/// manual clock it decides nothing until the test moves time).
const PRESENCE_SWEEP_EVERY: Duration = Duration::from_secs(1);

pub struct Dispatcher {
    shared: Arc<Shared>,
    /// Who waits for whom; decides every command.
    dispatch: Dispatch,
    /// Where effects for operators go.
    operators: HashMap<OperatorId, OperatorHandle>,
    /// Starts the ticket actors of joins and the operator actors of reloads.
    starter: Box<dyn ActorStarter>,
    /// Decisions handed to the store and not yet settled.
    pipeline: Pipeline,
    /// The pair each operator's last refused match was retried at once for:
    /// a second refusal of the same pair waits for `MATCH_RETRY`. One entry
    /// per configured operator at most.
    retried: HashMap<OperatorId, crate::ticket::TicketId>,
    /// Matches refused so far: a matching loop stops at a refusal it met
    /// (with a store that answers at once, the pair is back in reach).
    refused_matches: u64,
}

impl Actor for Dispatcher {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.run_interval(PRESENCE_SWEEP_EVERY, |_, ctx| ctx.notify(SweepPresence));
    }
}

/// What the engine recovered for the dispatcher.
pub struct DispatcherSeed {
    /// Every configured operator's actor, already started.
    pub operators: HashMap<OperatorId, OperatorHandle>,
    /// How the dispatcher starts the actors it brings to life later.
    pub starter: Box<dyn ActorStarter>,
    /// Waiting tickets in join order, with their slots and presence.
    pub queued: Vec<(TicketRecord, usize, Arc<Seen>)>,
    /// Live tickets held by an operator, with their presence.
    pub held: Vec<(TicketRecord, Arc<Seen>)>,
    /// Operators waiting, in the order they started, with their services.
    pub waiting_operators: Vec<(OperatorId, Vec<ServiceCode>)>,
    /// Operators attending, with their services.
    pub attending_operators: Vec<(OperatorId, Vec<ServiceCode>)>,
    pub next_seq: u64,
}

impl Dispatcher {
    pub fn new(shared: Arc<Shared>, seed: DispatcherSeed) -> Dispatcher {
        let dispatch = Dispatch::recover(
            Arc::clone(&shared.views),
            DispatchSeed {
                queued: seed.queued,
                held: seed.held,
                waiting_operators: seed.waiting_operators,
                attending_operators: seed.attending_operators,
                next_seq: seed.next_seq,
            },
        );
        Dispatcher {
            shared,
            dispatch,
            operators: seed.operators,
            starter: seed.starter,
            pipeline: Pipeline::default(),
            retried: HashMap::new(),
            refused_matches: 0,
        }
    }

    /// Tells the actors what a committed decision means for them, in order.
    fn deliver(&self, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::StartTicket(view) => {
                    let id = view.id;
                    let handle = self.starter.ticket(&self.shared, view);
                    self.shared.tickets.insert(id, handle);
                }
                Effect::Assigned {
                    ticket,
                    operator,
                    assigned_at,
                    operator_hears,
                } => {
                    let Some(holder) = self.operators.get(&operator).cloned() else {
                        continue;
                    };
                    let Some(held) = self.ticket_actor(&ticket.id) else {
                        tracing::error!(ticket = %ticket.id, "matched ticket has no actor");
                        continue;
                    };
                    held.notify(TicketNotice::Assigned {
                        operator,
                        holder: holder.clone(),
                        assigned_at,
                    });
                    if operator_hears {
                        holder.notify(OperatorNotice::Assigned {
                            ticket,
                            assigned_at,
                        });
                    }
                }
                Effect::TicketExpired { ticket, at } => {
                    if let Some(held) = self.ticket_actor(&ticket) {
                        held.notify(TicketNotice::Expired { at });
                    }
                }
                Effect::EndSilentAssignment { ticket } => {
                    if let Some(held) = self.ticket_actor(&ticket) {
                        held.notify(TicketNotice::SilentAssignment);
                    }
                }
                Effect::TokenRenewed { ticket, token } => {
                    if let Some(held) = self.ticket_actor(&ticket) {
                        held.notify(TicketNotice::TokenRenewed { token });
                    }
                }
            }
        }
    }

    fn ticket_actor(&self, ticket: &crate::ticket::TicketId) -> Option<TicketHandle> {
        self.shared
            .tickets
            .get(ticket)
            .map(|entry| entry.value().clone())
    }
}

impl Handler<DispatcherNotice> for Dispatcher {
    type Result = ();

    fn handle(&mut self, notice: DispatcherNotice, ctx: &mut Context<Self>) {
        match notice {
            DispatcherNotice::WaitingServicesChanged { operator, services } => {
                self.waiting_services_changed(operator, services, ctx)
            }
            DispatcherNotice::TicketEnded { nif, service } => self.ticket_ended(nif, service),
            DispatcherNotice::AttentionClosed {
                operator,
                ticket,
                service,
                attention,
                leaving,
            } => self.attention_closed(operator, ticket, service, attention, leaving),
        }
    }
}

/// The store's refusal as the engine's error.
fn refused(error: crate::store::StoreError) -> EngineError {
    error.into()
}
