//! The dispatcher: owns the per-service queues and the waiting operators, and
//! is the only writer of queue order. Every match is committed to the store
//! before either party hears of it.

mod operators;
mod presence;
mod reload;
mod taxpayers;
mod upkeep;

pub use operators::{
    AttentionClosed, OperatorReady, Readiness, WaitingServicesChanged, WithdrawOperator, Withdrawal,
};
pub use presence::{PresenceSweep, SweepPresence, TicketReturned};
pub use reload::{OperatorDirectory, Reload};
pub use taxpayers::{AbandonWaiting, Abandonment, Join, JoinReceipt, TicketEnded};
use upkeep::Decision;
pub use upkeep::{DispatcherFigures, Inspect, RetryMatches};

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use jiff::Timestamp;

use super::operator::{self, OperatorActor};
use super::ticket::{self, TicketActor};
use super::{commit_then, Shared};
use crate::domain::{Nif, Observations, OperatorId, ServiceCode};
use crate::error::EngineError;
use crate::presence::Seen;
use crate::store::{AbandonReason, Change, StoreError, TicketRecord, TicketState};
use crate::ticket::{TicketDetails, TicketId, TicketToken};
use crate::views::TicketView;

/// How long to wait before retrying a match whose commit failed.
const MATCH_RETRY: Duration = Duration::from_secs(1);

pub struct Dispatcher {
    shared: Arc<Shared>,
    /// Waiting tickets per service whose pages answer, keyed by global join
    /// sequence: the only ones a match considers.
    queues: HashMap<ServiceCode, BTreeMap<u64, Queued>>,
    /// Waiting tickets set aside because their page went silent, by join
    /// sequence: they keep their place and go back into `queues` at it.
    absent: BTreeMap<u64, AbsentTicket>,
    /// When each absent ticket ends if it stays silent, soonest first.
    expiries: BTreeSet<(Timestamp, u64)>,
    /// Absent tickets per service, for the metrics.
    absent_count: HashMap<ServiceCode, usize>,
    /// Where the presence sweep goes on scanning each queue from.
    sweep_cursor: HashMap<ServiceCode, u64>,
    /// Waiting operators per service, keyed by the order they started waiting.
    waiting: HashMap<ServiceCode, BTreeMap<u64, OperatorId>>,
    waiting_operators: HashMap<OperatorId, WaitingOperator>,
    /// Tickets held by an operator, and the reverse.
    holders: HashMap<TicketId, Holder>,
    holding: HashMap<OperatorId, TicketId>,
    /// Operators waiting or attending, with their services: the estimate's
    /// "operators serving the service".
    on_duty: HashMap<OperatorId, Vec<ServiceCode>>,
    serving: HashMap<ServiceCode, u32>,
    /// One live ticket per NIF and service (a taxpayer who comes back from
    /// another browser takes it up again).
    live: HashMap<(Nif, ServiceCode), TicketId>,
    operators: HashMap<OperatorId, Addr<OperatorActor>>,
    next_seq: u64,
    next_wait_seq: u64,
    /// A match's commit failed and its pair still waits: it is retried
    /// before the next join or Atender is decided.
    retry_due: bool,
}

/// A queued ticket. Deliberately small (no actor address): a million of
/// them may wait; the address is looked up in `Shared::tickets` on a match.
struct Queued {
    id: TicketId,
    /// What the operator who takes it is told (so a match needs no lookup).
    nif: Nif,
    name: Box<str>,
    joined_at: Timestamp,
    slot: usize,
    /// The page's last poll, shared with the ticket's snapshot.
    seen: Arc<Seen>,
    /// The wait its taxpayer was told at join, in seconds (none after a
    /// restart): the metrics compare it with the real wait at assignment.
    estimated_wait_secs: Option<u32>,
}

impl Queued {
    fn new(record: &TicketRecord, slot: usize, seen: Arc<Seen>) -> Queued {
        Queued {
            id: record.id,
            nif: record.nif,
            name: record.name.as_str().into(),
            joined_at: record.joined_at,
            slot,
            seen,
            estimated_wait_secs: None,
        }
    }

    fn details(&self, service: &ServiceCode) -> TicketDetails {
        TicketDetails {
            id: self.id,
            nif: self.nif,
            name: self.name.to_string(),
            service: service.clone(),
            joined_at: self.joined_at,
        }
    }
}

/// A waiting ticket set aside as absent.
struct AbsentTicket {
    service: ServiceCode,
    queued: Queued,
    /// Its entry in `expiries`.
    expires_at: Timestamp,
}

struct WaitingOperator {
    wait_seq: u64,
    services: Vec<ServiceCode>,
}

#[derive(Debug, Clone)]
struct Holder {
    /// The held ticket's details, for an Interrumpir that lost the race.
    ticket: Arc<TicketDetails>,
    operator: OperatorId,
    assigned_at: Timestamp,
    /// The ticket's service: whose attention times the hold adds to.
    service: ServiceCode,
    /// The page's last poll: an assignment not accepted ends when it goes silent.
    seen: Arc<Seen>,
    /// The sweep asked the ticket to end for silence, at this last poll.
    ending: Option<Timestamp>,
}

/// How often the presence sweep runs (it reads the engine's clock, so on a
/// manual clock it decides nothing until the test moves time).
const PRESENCE_SWEEP_EVERY: Duration = Duration::from_secs(1);

impl Actor for Dispatcher {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.run_interval(PRESENCE_SWEEP_EVERY, |_, ctx| ctx.notify(SweepPresence));
    }
}

/// What the engine recovered for the dispatcher.
pub struct DispatcherSeed {
    pub operators: HashMap<OperatorId, Addr<OperatorActor>>,
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
        let mut dispatcher = Dispatcher {
            queues: HashMap::new(),
            waiting: HashMap::new(),
            waiting_operators: HashMap::new(),
            holders: HashMap::new(),
            holding: HashMap::new(),
            on_duty: HashMap::new(),
            serving: HashMap::new(),
            live: HashMap::new(),
            absent: BTreeMap::new(),
            expiries: BTreeSet::new(),
            sweep_cursor: HashMap::new(),
            absent_count: HashMap::new(),
            operators: seed.operators,
            next_seq: seed.next_seq,
            next_wait_seq: 0,
            retry_due: false,
            shared,
        };
        for (record, slot, seen) in seed.queued {
            dispatcher
                .live
                .insert((record.nif, record.service.clone()), record.id);
            dispatcher
                .queues
                .entry(record.service.clone())
                .or_default()
                .insert(record.seq, Queued::new(&record, slot, seen));
        }
        let services: Vec<ServiceCode> = dispatcher.queues.keys().cloned().collect();
        for service in &services {
            dispatcher.publish_oldest(service);
        }
        for (record, seen) in seed.held {
            let Some((operator, assigned_at)) = record.state.hold() else {
                continue;
            };
            let operator = operator.clone();
            dispatcher
                .live
                .insert((record.nif, record.service.clone()), record.id);
            dispatcher.holding.insert(operator.clone(), record.id);
            dispatcher.holders.insert(
                record.id,
                Holder {
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
                },
            );
        }
        for (operator, services) in seed.waiting_operators {
            dispatcher.add_waiting_operator(operator, services);
        }
        for (operator, services) in seed.attending_operators {
            dispatcher.set_on_duty(operator, services);
        }
        dispatcher
    }

    fn queue(&mut self, service: &ServiceCode) -> &mut BTreeMap<u64, Queued> {
        self.queues.entry(service.clone()).or_default()
    }

    /// The operator who has waited longest for `service`.
    fn longest_waiting_operator(&self, service: &ServiceCode) -> Option<OperatorId> {
        self.waiting
            .get(service)
            .and_then(|operators| operators.first_key_value())
            .map(|(_, operator)| operator.clone())
    }

    /// The longest-waiting present ticket among `services`: (service, join
    /// seq, details). Heads whose page went silent are set aside on the way, so a
    /// match never goes to a taxpayer who is not there.
    fn longest_waiting_ticket(
        &mut self,
        services: &[ServiceCode],
    ) -> Option<(ServiceCode, u64, TicketDetails)> {
        let now = self.shared.clock.now();
        for service in services {
            self.set_aside_silent_heads(service, now);
        }
        services
            .iter()
            .filter_map(|service| {
                self.queues
                    .get(service)
                    .and_then(|queue| queue.first_key_value())
                    .map(|(seq, queued)| (service, *seq, queued))
            })
            .min_by_key(|(_, seq, _)| *seq)
            .map(|(service, seq, queued)| (service.clone(), seq, queued.details(service)))
    }

    /// The oldest pair that should be matched now (after a failed commit,
    /// a return, a change of availability).
    fn any_pending_pair(&mut self) -> Option<(ServiceCode, u64, TicketDetails, OperatorId)> {
        let mut operators: Vec<(u64, OperatorId, Vec<ServiceCode>)> = self
            .waiting_operators
            .iter()
            .map(|(operator, waiting)| {
                (waiting.wait_seq, operator.clone(), waiting.services.clone())
            })
            .collect();
        operators.sort_by_key(|(wait_seq, _, _)| *wait_seq);
        operators.into_iter().find_map(|(_, operator, services)| {
            self.longest_waiting_ticket(&services)
                .map(|(service, seq, ticket)| (service, seq, ticket, operator))
        })
    }

    fn add_waiting_operator(&mut self, operator: OperatorId, services: Vec<ServiceCode>) {
        let wait_seq = self.next_wait_seq;
        self.next_wait_seq += 1;
        self.insert_waiting_operator(operator, wait_seq, services);
    }

    /// Registers a waiting operator at `wait_seq` (their place among the
    /// operators waiting) for `services`.
    fn insert_waiting_operator(
        &mut self,
        operator: OperatorId,
        wait_seq: u64,
        services: Vec<ServiceCode>,
    ) {
        for service in &services {
            self.waiting
                .entry(service.clone())
                .or_default()
                .insert(wait_seq, operator.clone());
        }
        self.set_on_duty(operator.clone(), services.clone());
        self.waiting_operators
            .insert(operator, WaitingOperator { wait_seq, services });
    }

    fn remove_waiting_operator(&mut self, operator: &OperatorId) {
        if let Some(waiting) = self.waiting_operators.remove(operator) {
            for service in &waiting.services {
                if let Some(operators) = self.waiting.get_mut(service) {
                    operators.remove(&waiting.wait_seq);
                }
            }
        }
    }

    fn set_on_duty(&mut self, operator: OperatorId, services: Vec<ServiceCode>) {
        self.set_off_duty(&operator);
        for service in &services {
            *self.serving.entry(service.clone()).or_default() += 1;
        }
        self.publish_serving(&services);
        self.on_duty.insert(operator.clone(), services);
        self.publish_duty(&operator);
    }

    fn set_off_duty(&mut self, operator: &OperatorId) {
        if let Some(services) = self.on_duty.remove(operator) {
            for service in &services {
                if let Some(count) = self.serving.get_mut(service) {
                    *count = count.saturating_sub(1);
                }
            }
            self.publish_serving(&services);
            self.publish_duty(operator);
        }
    }

    /// Publishes one operator's line of the duty roster the wait estimates
    /// read: their services and the attention in progress, if any.
    fn publish_duty(&self, operator: &OperatorId) {
        let entry = self.on_duty.get(operator).map(|services| {
            let busy = self
                .holding
                .get(operator)
                .and_then(|ticket| self.holders.get(ticket))
                .map(|holder| (holder.assigned_at, holder.service.clone()));
            crate::waits::DutyEntry {
                services: services.as_slice().into(),
                busy,
            }
        });
        self.shared.views.waits().set_duty(operator, entry);
    }

    /// Publishes when the head of `service`'s queue joined (for the metrics'
    /// oldest wait): called after every change to that queue.
    fn publish_oldest(&self, service: &ServiceCode) {
        let Some(figures) = self.shared.views.figures(service) else {
            return;
        };
        let oldest = self
            .queues
            .get(service)
            .and_then(|queue| queue.first_key_value())
            .map(|(_, queued)| queued.joined_at);
        figures.set_oldest_joined(oldest);
    }

    fn publish_serving(&self, services: &[ServiceCode]) {
        for service in services {
            if let Some(figures) = self.shared.views.figures(service) {
                figures.set_serving_operators(self.serving.get(service).copied().unwrap_or(0));
            }
        }
    }

    fn fresh_ticket_id(&self) -> TicketId {
        loop {
            let id = TicketId::random();
            if self.shared.views.ticket(&id).is_none() {
                return id;
            }
        }
    }

    /// The new ticket is committed: give it an actor and a place in line.
    fn commit_join(&mut self, record: TicketRecord) {
        let slot = match self.shared.views.figures(&record.service) {
            Some(figures) => figures.enqueue(),
            None => 0,
        };
        self.live
            .insert((record.nif, record.service.clone()), record.id);
        let seen = Arc::new(Seen::new(record.joined_at));
        let queued = Queued::new(&record, slot, Arc::clone(&seen));
        let view = TicketView {
            version: 1,
            id: record.id,
            token: record.token,
            nif: record.nif,
            name: record.name,
            service: record.service.clone(),
            seq: record.seq,
            joined_at: record.joined_at,
            state: TicketState::Waiting,
            slot: Some(slot),
            operator: None,
            join_url: None,
            seen: Arc::clone(&seen),
        };
        let id = view.id;
        let addr = TicketActor::new(Arc::clone(&self.shared), view).start();
        self.shared.tickets.insert(id, addr);
        self.queue(&record.service).insert(record.seq, queued);
        self.publish_oldest(&record.service);
        crate::metrics::record_join(&record.service);
    }

    /// The match is committed: the ticket leaves its queue, both sides hear.
    /// `tell_operator` is false when the operator hears through a reply.
    /// Answers the ticket's details; `None` (logged) if it was not queued.
    fn commit_match(
        &mut self,
        service: &ServiceCode,
        seq: u64,
        operator: &OperatorId,
        assigned_at: Timestamp,
        tell_operator: bool,
    ) -> Option<TicketDetails> {
        let Some(queued) = self.queue(service).remove(&seq) else {
            tracing::error!(seq, "matched ticket is not in its queue");
            return None;
        };
        let details = queued.details(service);
        if let Some(figures) = self.shared.views.figures(service) {
            figures.dequeue(queued.slot);
        }
        self.publish_oldest(service);
        let waited = assigned_at.duration_since(queued.joined_at);
        crate::metrics::record_assignment(
            service,
            Duration::try_from(waited).unwrap_or_default(),
            queued
                .estimated_wait_secs
                .map(|secs| Duration::from_secs(secs.into())),
        );
        let services = match self.waiting_operators.get(operator) {
            Some(waiting) => waiting.services.clone(),
            None => self
                .on_duty
                .get(operator)
                .cloned()
                .unwrap_or_else(|| vec![service.clone()]),
        };
        self.remove_waiting_operator(operator);
        self.set_on_duty(operator.clone(), services);
        self.holders.insert(
            queued.id,
            Holder {
                ticket: Arc::new(details.clone()),
                operator: operator.clone(),
                assigned_at,
                service: service.clone(),
                seen: Arc::clone(&queued.seen),
                ending: None,
            },
        );
        self.holding.insert(operator.clone(), queued.id);
        self.publish_duty(operator);
        let Some(operator_addr) = self.operators.get(operator).cloned() else {
            return Some(details);
        };
        let Some(ticket_addr) = self
            .shared
            .tickets
            .get(&queued.id)
            .map(|entry| entry.value().clone())
        else {
            tracing::error!(ticket = %queued.id, "matched ticket has no actor");
            return Some(details);
        };
        ticket_addr.do_send(ticket::Assigned {
            operator: operator.clone(),
            operator_addr: operator_addr.clone(),
            assigned_at,
        });
        if tell_operator {
            operator_addr.do_send(operator::Assigned {
                ticket: details.clone(),
                assigned_at,
            });
        }
        Some(details)
    }
}

fn ready<T: 'static>(value: T) -> AtomicResponse<Dispatcher, T> {
    AtomicResponse::new(Box::pin(actix::fut::ready(value)))
}
