//! Dispatch as a plain state machine: who waits for whom, and what each
//! command decides. No actor, no store, no clock in here.
//!
//! Every command is a decision, a commit and an outcome. The `decide_*`
//! methods look at the state, park what they decided on (`pending`) so no
//! other decision can take it, and answer a plan whose `change()` the
//! caller commits to the store. Once the store has answered, `commit_*`
//! moves what was parked to where it goes, publishes the figures polls read
//! and answers the [`Effect`]s to deliver (who hears what); `rollback_*`
//! puts everything back where it was. Transitions that need no commit (a
//! ticket set aside for silence, an attention handed back) change the state
//! at once. The dispatcher actor (`actors/dispatcher`) is the shell that
//! runs these steps against the store and delivers the effects.
//!
//! The state is owned in parts: [`queues`] (present waiting tickets per
//! service), [`absent`] (tickets set aside), [`waiting`] (waiting
//! operators), [`holders`] (who holds which ticket, who is on duty) and
//! [`pending`] (parked decisions).

mod absent;
mod holders;
mod matching;
mod operators;
mod pending;
mod positions;
mod presence;
mod queues;
mod taxpayers;
mod waiting;

#[cfg(test)]
mod tests;

pub use operators::{Readiness, ServicesChange, WithdrawDecision, Withdrawal};
pub use pending::{JoinPlan, LeavePlan, MatchPlan, ReadyPlan, ResumePlan, WithdrawPlan};
pub use presence::{PresenceSweep, SweepPlan};
pub use taxpayers::{AbandonDecision, JoinDecision, JoinReceipt};

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use jiff::Timestamp;

use crate::domain::{Nif, OperatorId, ServiceCode};
use crate::presence::Seen;
use crate::store::TicketRecord;
use crate::ticket::{TicketDetails, TicketId, TicketToken};
use crate::views::{TicketView, Views};
use absent::AbsentTickets;
use holders::{Holder, Holders, OnDuty};
use pending::Pending;
use queues::{Queued, Queues};
use waiting::{WaitingOperator, WaitingOperators};

/// What a committed decision tells the actors, in order.
#[derive(Debug)]
pub enum Effect {
    /// A join is committed: the ticket's actor starts with this snapshot.
    StartTicket(TicketView),
    /// A match is committed: the ticket's page shows its operator, and the
    /// operator's console the ticket unless `operator_hears` is false (they
    /// hear through the reply to their Atender).
    Assigned {
        ticket: TicketDetails,
        operator: OperatorId,
        assigned_at: Timestamp,
        operator_hears: bool,
    },
    /// A waiting ticket's abandonment for silence is committed.
    TicketExpired { ticket: TicketId, at: Timestamp },
    /// An assignment not yet accepted went silent: its ticket actor ends it
    /// through the operator who holds it (who commits it).
    EndSilentAssignment { ticket: TicketId },
    /// A resumed ticket's new token is committed.
    TokenRenewed {
        ticket: TicketId,
        token: TicketToken,
    },
}

/// A consistent copy of the dispatcher's bookkeeping.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DispatcherFigures {
    /// Waiting tickets per service, in queue order.
    pub queues: BTreeMap<ServiceCode, Vec<TicketId>>,
    /// Waiting operators, longest-waiting first.
    pub waiting_operators: Vec<OperatorId>,
    /// Ticket held by each operator.
    pub holding: BTreeMap<OperatorId, TicketId>,
    /// Waiting tickets set aside as absent, in join order.
    pub absent: Vec<TicketId>,
}

/// What the store held at start, in the order dispatch needs it.
#[derive(Default)]
pub struct DispatchSeed {
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

/// The dispatch state machine (see the module's comment).
pub struct Dispatch {
    /// Where the figures polls read are published, and the catalog read.
    views: Arc<Views>,
    queues: Queues,
    absent: AbsentTickets,
    waiting: WaitingOperators,
    holders: Holders,
    on_duty: OnDuty,
    pending: Pending,
    /// One live ticket per NIF and service (a taxpayer who comes back from
    /// another browser takes it up again).
    live: HashMap<(Nif, ServiceCode), TicketId>,
    /// The next join's global sequence: FIFO across services.
    next_seq: u64,
    /// Services where a commit or a rollback added a waiting operator or a
    /// queued ticket since the last [`Dispatch::may_match`].
    unsettled: BTreeSet<ServiceCode>,
}

impl Dispatch {
    /// Dispatch as the store left it.
    pub fn recover(views: Arc<Views>, seed: DispatchSeed) -> Dispatch {
        let mut dispatch = Dispatch {
            views,
            queues: Queues::default(),
            absent: AbsentTickets::default(),
            waiting: WaitingOperators::default(),
            holders: Holders::default(),
            on_duty: OnDuty::default(),
            pending: Pending::default(),
            live: HashMap::new(),
            next_seq: seed.next_seq,
            unsettled: BTreeSet::new(),
        };
        for (record, slot, seen) in seed.queued {
            dispatch
                .live
                .insert((record.nif, record.service.clone()), record.id);
            let queued = Queued::new(&record, slot, seen);
            dispatch.queues.insert(&record.service, record.seq, queued);
        }
        let services: Vec<ServiceCode> = dispatch.queues.services().cloned().collect();
        for service in &services {
            dispatch.publish_oldest(service);
        }
        for (record, seen) in seed.held {
            let Some((operator, assigned_at)) = record.state.hold() else {
                continue;
            };
            let operator = operator.clone();
            dispatch
                .live
                .insert((record.nif, record.service.clone()), record.id);
            dispatch.holders.insert(Holder {
                ticket: Arc::new(TicketDetails {
                    id: record.id,
                    nif: record.nif,
                    name: record.name.clone(),
                    service: record.service.clone(),
                    joined_at: record.joined_at,
                }),
                operator,
                assigned_at,
                service: record.service.clone(),
                seen,
                ending: None,
            });
        }
        for (operator, services) in seed.waiting_operators {
            dispatch.add_waiting_operator(operator, services);
        }
        for (operator, services) in seed.attending_operators {
            dispatch.set_on_duty(operator, services);
        }
        dispatch
    }

    /// A consistent copy of the bookkeeping (tests and checks: it copies
    /// every queued ticket id).
    pub fn figures(&self) -> DispatcherFigures {
        DispatcherFigures {
            queues: self.queues.ids(),
            waiting_operators: self
                .waiting
                .in_order()
                .into_iter()
                .map(|(operator, _)| operator)
                .collect(),
            holding: self.holders.by_operator(),
            absent: self.absent.ids(),
        }
    }

    /// Whether any ticket of `code` still waits (present or absent), is
    /// being attended or is in a decision under way: a service a reload
    /// removes is kept, withdrawn, until none is left.
    pub fn has_live_tickets(&self, code: &ServiceCode) -> bool {
        self.queues.has_tickets(code)
            || self.absent.has_tickets(code)
            || self.holders.has_tickets(code)
            || self.pending.has_tickets(code)
    }

    fn add_waiting_operator(&mut self, operator: OperatorId, services: Vec<ServiceCode>) {
        let wait_seq = self.waiting.next_place();
        self.insert_waiting_operator(operator, wait_seq, services);
    }

    /// Registers a waiting operator at `wait_seq` (their place among the
    /// operators waiting) for `services`, on duty for them.
    fn insert_waiting_operator(
        &mut self,
        operator: OperatorId,
        wait_seq: u64,
        services: Vec<ServiceCode>,
    ) {
        self.set_on_duty(operator.clone(), services.clone());
        self.waiting
            .insert(operator, WaitingOperator { wait_seq, services });
    }

    fn set_on_duty(&mut self, operator: OperatorId, services: Vec<ServiceCode>) {
        self.set_off_duty(&operator);
        self.on_duty.put(operator.clone(), services.clone());
        self.publish_serving(&services);
        self.publish_duty(&operator);
    }

    fn set_off_duty(&mut self, operator: &OperatorId) {
        if let Some(services) = self.on_duty.take(operator) {
            self.publish_serving(&services);
            self.publish_duty(operator);
        }
    }

    /// Publishes one operator's line of the duty roster the wait estimates
    /// read: their services and the attention in progress, if any.
    fn publish_duty(&self, operator: &OperatorId) {
        let entry = self.on_duty.services(operator).map(|services| {
            let busy = self
                .holders
                .of_operator(operator)
                .map(|holder| (holder.assigned_at, holder.service.clone()));
            crate::waits::DutyEntry {
                services: services.as_slice().into(),
                busy,
            }
        });
        self.views.waits().set_duty(operator, entry);
    }

    /// Publishes when the head of `service`'s queue joined (for the metrics'
    /// oldest wait): called after every change to that queue.
    fn publish_oldest(&self, service: &ServiceCode) {
        let Some(figures) = self.views.figures(service) else {
            return;
        };
        let oldest = self
            .queues
            .head(service)
            .map(|(_, queued)| queued.joined_at);
        figures.set_oldest_joined(oldest);
    }

    fn publish_serving(&self, services: &[ServiceCode]) {
        for service in services {
            if let Some(figures) = self.views.figures(service) {
                figures.set_serving_operators(self.on_duty.serving(service));
            }
        }
    }
}
