//! The dispatcher: owns the per-service queues and the waiting operators, and
//! is the only writer of queue order. Every match is committed to the store
//! before either party hears of it.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use jiff::Timestamp;

use super::operator::{self, OperatorActor};
use super::ticket::{self, TicketActor};
use super::Shared;
use crate::domain::{Nif, Observations, OperatorId, ServiceCode};
use crate::error::EngineError;
use crate::store::{Change, StoreError, TicketRecord, TicketState};
use crate::ticket::{TicketId, TicketToken};
use crate::views::TicketView;

/// How long to wait before retrying a match whose commit failed.
const MATCH_RETRY: Duration = Duration::from_secs(1);

pub struct Dispatcher {
    shared: Arc<Shared>,
    /// Waiting tickets per service, keyed by global join sequence.
    queues: HashMap<ServiceCode, BTreeMap<u64, Queued>>,
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
    /// One live ticket per NIF and service.
    live: HashSet<(Nif, ServiceCode)>,
    operators: HashMap<OperatorId, Addr<OperatorActor>>,
    next_seq: u64,
    next_wait_seq: u64,
}

/// A queued ticket. Deliberately small (no actor address): a million of
/// them may wait; the address is looked up in `Shared::tickets` on a match.
struct Queued {
    id: TicketId,
    slot: usize,
    /// The wait its taxpayer was told at join, in seconds (none after a
    /// restart): the metrics compare it with the real wait at assignment.
    estimated_wait_secs: Option<u32>,
}

struct WaitingOperator {
    wait_seq: u64,
    services: Vec<ServiceCode>,
}

#[derive(Debug, Clone)]
struct Holder {
    operator: OperatorId,
    assigned_at: Timestamp,
}

impl Actor for Dispatcher {
    type Context = Context<Self>;
}

/// What the engine recovered for the dispatcher.
pub struct DispatcherSeed {
    pub operators: HashMap<OperatorId, Addr<OperatorActor>>,
    /// Waiting tickets in join order, with their slots and actors.
    pub queued: Vec<(TicketRecord, usize)>,
    /// Live tickets held by an operator.
    pub held: Vec<TicketRecord>,
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
            live: HashSet::new(),
            operators: seed.operators,
            next_seq: seed.next_seq,
            next_wait_seq: 0,
            shared,
        };
        for (record, slot) in seed.queued {
            dispatcher.live.insert((record.nif, record.service.clone()));
            dispatcher
                .queues
                .entry(record.service.clone())
                .or_default()
                .insert(
                    record.seq,
                    Queued {
                        id: record.id,
                        slot,
                        estimated_wait_secs: None,
                    },
                );
        }
        let services: Vec<ServiceCode> = dispatcher.queues.keys().cloned().collect();
        for service in &services {
            dispatcher.publish_oldest(service);
        }
        for record in seed.held {
            let (operator, assigned_at) = match &record.state {
                TicketState::Assigned {
                    operator,
                    assigned_at,
                }
                | TicketState::Accepted {
                    operator,
                    assigned_at,
                    ..
                } => (operator.clone(), *assigned_at),
                _ => continue,
            };
            dispatcher.live.insert((record.nif, record.service.clone()));
            dispatcher.holding.insert(operator.clone(), record.id);
            dispatcher.holders.insert(
                record.id,
                Holder {
                    operator,
                    assigned_at,
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

    /// The longest-waiting ticket among `services`: (service, join seq).
    fn longest_waiting_ticket(
        &self,
        services: &[ServiceCode],
    ) -> Option<(ServiceCode, u64, TicketId)> {
        services
            .iter()
            .filter_map(|service| {
                self.queues
                    .get(service)
                    .and_then(|queue| queue.first_key_value())
                    .map(|(seq, queued)| (service.clone(), *seq, queued.id))
            })
            .min_by_key(|(_, seq, _)| *seq)
    }

    /// The oldest pair that should be matched now (after a failed commit).
    fn any_pending_pair(&self) -> Option<(ServiceCode, u64, TicketId, OperatorId)> {
        let mut operators: Vec<(&OperatorId, &WaitingOperator)> =
            self.waiting_operators.iter().collect();
        operators.sort_by_key(|(_, waiting)| waiting.wait_seq);
        operators.into_iter().find_map(|(operator, waiting)| {
            self.longest_waiting_ticket(&waiting.services)
                .map(|(service, seq, ticket)| (service, seq, ticket, operator.clone()))
        })
    }

    fn add_waiting_operator(&mut self, operator: OperatorId, services: Vec<ServiceCode>) {
        let wait_seq = self.next_wait_seq;
        self.next_wait_seq += 1;
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
        self.on_duty.insert(operator, services);
    }

    fn set_off_duty(&mut self, operator: &OperatorId) {
        if let Some(services) = self.on_duty.remove(operator) {
            for service in &services {
                if let Some(count) = self.serving.get_mut(service) {
                    *count = count.saturating_sub(1);
                }
            }
            self.publish_serving(&services);
        }
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
            .and_then(|(_, queued)| self.shared.views.ticket(&queued.id))
            .map(|view| view.joined_at);
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
        self.live.insert((record.nif, record.service.clone()));
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
        };
        let id = view.id;
        let addr = TicketActor::new(Arc::clone(&self.shared), view).start();
        self.shared.tickets.insert(id, addr);
        self.queue(&record.service).insert(
            record.seq,
            Queued {
                id,
                slot,
                estimated_wait_secs: None,
            },
        );
        self.publish_oldest(&record.service);
        crate::metrics::record_join(&record.service);
    }

    /// The match is committed: the ticket leaves its queue, both sides hear.
    /// `tell_operator` is false when the operator hears through a reply.
    fn commit_match(
        &mut self,
        service: &ServiceCode,
        seq: u64,
        operator: &OperatorId,
        assigned_at: Timestamp,
        tell_operator: bool,
    ) {
        let Some(queued) = self.queue(service).remove(&seq) else {
            return;
        };
        if let Some(figures) = self.shared.views.figures(service) {
            figures.dequeue(queued.slot);
        }
        self.publish_oldest(service);
        if let Some(view) = self.shared.views.ticket(&queued.id) {
            let waited = assigned_at.duration_since(view.joined_at);
            crate::metrics::record_assignment(
                service,
                Duration::try_from(waited).unwrap_or_default(),
                queued
                    .estimated_wait_secs
                    .map(|secs| Duration::from_secs(secs.into())),
            );
        }
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
                operator: operator.clone(),
                assigned_at,
            },
        );
        self.holding.insert(operator.clone(), queued.id);
        let Some(operator_addr) = self.operators.get(operator).cloned() else {
            return;
        };
        let Some(ticket_addr) = self
            .shared
            .tickets
            .get(&queued.id)
            .map(|entry| entry.value().clone())
        else {
            tracing::error!(ticket = %queued.id, "matched ticket has no actor");
            return;
        };
        ticket_addr.do_send(ticket::Assigned {
            operator: operator.clone(),
            operator_addr: operator_addr.clone(),
            assigned_at,
        });
        if tell_operator {
            operator_addr.do_send(operator::Assigned {
                ticket: queued.id,
                assigned_at,
            });
        }
    }
}

fn ready<T: 'static>(value: T) -> AtomicResponse<Dispatcher, T> {
    AtomicResponse::new(Box::pin(actix::fut::ready(value)))
}

/// A taxpayer joins a service queue (already validated by the engine).
#[derive(Message)]
#[rtype(result = "Result<JoinReceipt, EngineError>")]
pub struct Join {
    /// The taxpayer's NIF/NIE.
    pub nif: Nif,
    /// The name the taxpayer gave.
    pub name: String,
    /// The service they queue for.
    pub service: ServiceCode,
}

/// What a taxpayer gets back from joining.
#[derive(Debug, Clone, PartialEq)]
pub struct JoinReceipt {
    pub ticket_id: TicketId,
    pub token: TicketToken,
    /// 1-based position in the queue; 0 when an operator took it at once.
    pub position: u32,
    pub estimated_wait: Duration,
}

impl Handler<Join> for Dispatcher {
    type Result = AtomicResponse<Self, Result<JoinReceipt, EngineError>>;

    fn handle(&mut self, msg: Join, _ctx: &mut Context<Self>) -> Self::Result {
        if self.live.contains(&(msg.nif, msg.service.clone())) {
            return ready(Err(EngineError::AlreadyWaiting));
        }
        let now = self.shared.clock.now();
        let record = TicketRecord {
            id: self.fresh_ticket_id(),
            token: TicketToken::random(),
            nif: msg.nif,
            name: msg.name,
            service: msg.service,
            seq: self.next_seq,
            joined_at: now,
            state: TicketState::Waiting,
        };
        let operator = self.longest_waiting_operator(&record.service);
        let joined = Change::TicketJoined {
            ticket: record.clone(),
        };
        let matched = operator.clone().map(|operator| Change::Matched {
            ticket: record.id,
            operator,
            at: now,
        });
        let store = Arc::clone(&self.shared.store);
        let commit = async move {
            store.apply(&joined).await?;
            let match_result = match &matched {
                Some(change) => Some(store.apply(change).await),
                None => None,
            };
            Ok::<_, StoreError>(match_result)
        };
        AtomicResponse::new(Box::pin(commit.into_actor(self).map(
            move |result, this, ctx| {
                let match_result = result?;
                this.next_seq = this.next_seq.max(record.seq + 1);
                let (id, token, service, seq) =
                    (record.id, record.token, record.service.clone(), record.seq);
                this.commit_join(record);
                match (operator, match_result) {
                    (Some(operator), Some(Ok(()))) => {
                        this.commit_match(&service, seq, &operator, now, true);
                        return Ok(JoinReceipt {
                            ticket_id: id,
                            token,
                            position: 0,
                            estimated_wait: Duration::ZERO,
                        });
                    }
                    (Some(_), Some(Err(error))) => {
                        tracing::warn!(%error, "match after join not committed; retrying");
                        ctx.notify_later(RetryMatches, MATCH_RETRY);
                    }
                    _ => {}
                }
                let (position, estimated_wait) = this
                    .shared
                    .views
                    .ticket(&id)
                    .and_then(|view| {
                        let figures = this.shared.views.figures(&service)?;
                        let position = figures.position(view.slot?);
                        Some((position, figures.estimated_wait(position)))
                    })
                    .unwrap_or((1, Duration::ZERO));
                if let Some(queued) = this
                    .queues
                    .get_mut(&service)
                    .and_then(|queue| queue.get_mut(&seq))
                {
                    queued.estimated_wait_secs =
                        Some(u32::try_from(estimated_wait.as_secs()).unwrap_or(u32::MAX));
                }
                Ok(JoinReceipt {
                    ticket_id: id,
                    token,
                    position,
                    estimated_wait,
                })
            },
        )))
    }
}

/// Atender Contribuyente: the operator is ready for the next taxpayer.
#[derive(Message)]
#[rtype(result = "Result<Readiness, EngineError>")]
pub struct OperatorReady {
    /// Who pressed the button.
    pub operator: OperatorId,
    /// The services they are available for and that are active now.
    pub services: Vec<ServiceCode>,
}

/// Whether a ready operator got a taxpayer at once.
#[derive(Debug, Clone, PartialEq)]
pub enum Readiness {
    Matched {
        ticket: TicketId,
        assigned_at: Timestamp,
    },
    Waiting {
        since: Timestamp,
    },
}

impl Handler<OperatorReady> for Dispatcher {
    type Result = AtomicResponse<Self, Result<Readiness, EngineError>>;

    fn handle(&mut self, msg: OperatorReady, _ctx: &mut Context<Self>) -> Self::Result {
        if self.waiting_operators.contains_key(&msg.operator)
            || self.holding.contains_key(&msg.operator)
        {
            return ready(Err(EngineError::invalid_state("waiting")));
        }
        let now = self.shared.clock.now();
        let best = self.longest_waiting_ticket(&msg.services);
        let change = match &best {
            Some((_, _, ticket)) => Change::Matched {
                ticket: *ticket,
                operator: msg.operator.clone(),
                at: now,
            },
            None => Change::OperatorWaiting {
                operator: msg.operator.clone(),
                at: now,
            },
        };
        let store = Arc::clone(&self.shared.store);
        AtomicResponse::new(Box::pin(
            async move { store.apply(&change).await }
                .into_actor(self)
                .map(move |result, this, _ctx| {
                    result?;
                    match best {
                        Some((service, seq, ticket)) => {
                            this.set_on_duty(msg.operator.clone(), msg.services);
                            this.commit_match(&service, seq, &msg.operator, now, false);
                            Ok(Readiness::Matched {
                                ticket,
                                assigned_at: now,
                            })
                        }
                        None => {
                            this.add_waiting_operator(msg.operator, msg.services);
                            Ok(Readiness::Waiting { since: now })
                        }
                    }
                }),
        ))
    }
}

/// Interrumpir while waiting.
#[derive(Message)]
#[rtype(result = "Result<Withdrawal, EngineError>")]
pub struct WithdrawOperator {
    /// Who pressed Interrumpir.
    pub operator: OperatorId,
}

/// How an Interrumpir ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Withdrawal {
    Withdrawn,
    /// Too late: a taxpayer was matched first.
    Assigned {
        ticket: TicketId,
        assigned_at: Timestamp,
    },
    NotWaiting,
}

impl Handler<WithdrawOperator> for Dispatcher {
    type Result = AtomicResponse<Self, Result<Withdrawal, EngineError>>;

    fn handle(&mut self, msg: WithdrawOperator, _ctx: &mut Context<Self>) -> Self::Result {
        if !self.waiting_operators.contains_key(&msg.operator) {
            let held = self.holding.get(&msg.operator).and_then(|ticket| {
                self.holders.get(ticket).map(|holder| Withdrawal::Assigned {
                    ticket: *ticket,
                    assigned_at: holder.assigned_at,
                })
            });
            return ready(Ok(held.unwrap_or(Withdrawal::NotWaiting)));
        }
        let change = Change::OperatorInterrupted {
            operator: msg.operator.clone(),
            at: self.shared.clock.now(),
        };
        let store = Arc::clone(&self.shared.store);
        AtomicResponse::new(Box::pin(
            async move { store.apply(&change).await }
                .into_actor(self)
                .map(move |result, this, _ctx| {
                    result?;
                    this.remove_waiting_operator(&msg.operator);
                    this.set_off_duty(&msg.operator);
                    Ok(Withdrawal::Withdrawn)
                }),
        ))
    }
}

/// Abandonar from the queue.
#[derive(Message)]
#[rtype(result = "Result<Abandonment, EngineError>")]
pub struct AbandonWaiting {
    /// The ticket that leaves.
    pub ticket: TicketId,
    /// Its service and join sequence: where it sits in the queues.
    pub service: ServiceCode,
    pub seq: u64,
    /// Its NIF, to free the one-live-ticket rule.
    pub nif: Nif,
    /// "Observaciones (en caso de abandonar)".
    pub observations: Observations,
}

/// How an Abandonar from the queue ended.
#[derive(Debug, Clone)]
pub enum Abandonment {
    Abandoned {
        at: Timestamp,
    },
    /// Too late: an operator holds the ticket, who must hear of it.
    Assigned {
        operator: OperatorId,
        operator_addr: Addr<OperatorActor>,
        assigned_at: Timestamp,
    },
    Gone,
}

impl Handler<AbandonWaiting> for Dispatcher {
    type Result = AtomicResponse<Self, Result<Abandonment, EngineError>>;

    fn handle(&mut self, msg: AbandonWaiting, _ctx: &mut Context<Self>) -> Self::Result {
        let queued = self
            .queues
            .get(&msg.service)
            .and_then(|queue| queue.get(&msg.seq))
            .is_some_and(|queued| queued.id == msg.ticket);
        if !queued {
            let held = self.holders.get(&msg.ticket).and_then(|holder| {
                self.operators
                    .get(&holder.operator)
                    .map(|addr| Abandonment::Assigned {
                        operator: holder.operator.clone(),
                        operator_addr: addr.clone(),
                        assigned_at: holder.assigned_at,
                    })
            });
            return ready(Ok(held.unwrap_or(Abandonment::Gone)));
        }
        let at = self.shared.clock.now();
        let change = Change::TicketAbandoned {
            ticket: msg.ticket,
            operator: None,
            observations: msg.observations.clone(),
            at,
        };
        let store = Arc::clone(&self.shared.store);
        AtomicResponse::new(Box::pin(
            async move { store.apply(&change).await }
                .into_actor(self)
                .map(move |result, this, _ctx| {
                    result?;
                    if let Some(queued) = this.queue(&msg.service).remove(&msg.seq) {
                        if let Some(figures) = this.shared.views.figures(&msg.service) {
                            figures.dequeue(queued.slot);
                        }
                    }
                    this.publish_oldest(&msg.service);
                    crate::metrics::record_abandon(
                        &msg.service,
                        crate::metrics::AbandonedWhile::Waiting,
                    );
                    this.live.remove(&(msg.nif, msg.service));
                    Ok(Abandonment::Abandoned { at })
                }),
        ))
    }
}

/// A held ticket reached its end (finished, or abandoned after assignment):
/// its taxpayer may join that service again.
#[derive(Message)]
#[rtype(result = "()")]
pub struct TicketEnded {
    /// The taxpayer's NIF.
    pub nif: Nif,
    /// The service the ticket was for.
    pub service: ServiceCode,
}

impl Handler<TicketEnded> for Dispatcher {
    type Result = ();

    fn handle(&mut self, msg: TicketEnded, _ctx: &mut Context<Self>) {
        self.live.remove(&(msg.nif, msg.service));
    }
}

/// An operator finalized an attention and holds nothing any more.
#[derive(Message)]
#[rtype(result = "()")]
pub struct AttentionClosed {
    /// Who finalized.
    pub operator: OperatorId,
    /// The ticket they held.
    pub ticket: TicketId,
    /// The ticket's service.
    pub service: ServiceCode,
    /// From Iniciar Videoasistencia to Finalizar, when a meeting took place.
    pub attention: Option<Duration>,
}

impl Handler<AttentionClosed> for Dispatcher {
    type Result = ();

    fn handle(&mut self, msg: AttentionClosed, _ctx: &mut Context<Self>) {
        self.holders.remove(&msg.ticket);
        if self.holding.get(&msg.operator) == Some(&msg.ticket) {
            self.holding.remove(&msg.operator);
        }
        self.set_off_duty(&msg.operator);
        if let (Some(took), Some(figures)) =
            (msg.attention, self.shared.views.figures(&msg.service))
        {
            figures.record_attention(took);
        }
    }
}

/// Retries matches whose commit failed (the store was briefly unavailable).
#[derive(Message)]
#[rtype(result = "()")]
pub struct RetryMatches;

impl Handler<RetryMatches> for Dispatcher {
    type Result = AtomicResponse<Self, ()>;

    fn handle(&mut self, _msg: RetryMatches, _ctx: &mut Context<Self>) -> Self::Result {
        let Some((service, seq, ticket, operator)) = self.any_pending_pair() else {
            return ready(());
        };
        let now = self.shared.clock.now();
        let change = Change::Matched {
            ticket,
            operator: operator.clone(),
            at: now,
        };
        let store = Arc::clone(&self.shared.store);
        AtomicResponse::new(Box::pin(
            async move { store.apply(&change).await }
                .into_actor(self)
                .map(move |result, this, ctx| match result {
                    Ok(()) => {
                        this.commit_match(&service, seq, &operator, now, true);
                        ctx.notify(RetryMatches);
                    }
                    Err(error) => {
                        tracing::warn!(%error, "match retry not committed");
                        ctx.notify_later(RetryMatches, MATCH_RETRY);
                    }
                }),
        ))
    }
}

/// The dispatcher's figures, for invariant checks in tests and for metrics.
#[derive(Message)]
#[rtype(result = "DispatcherFigures")]
pub struct Inspect;

/// A consistent copy of the dispatcher's bookkeeping.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DispatcherFigures {
    /// Waiting tickets per service, in queue order.
    pub queues: BTreeMap<ServiceCode, Vec<TicketId>>,
    /// Waiting operators, longest-waiting first.
    pub waiting_operators: Vec<OperatorId>,
    /// Ticket held by each operator.
    pub holding: BTreeMap<OperatorId, TicketId>,
}

impl Handler<Inspect> for Dispatcher {
    type Result = MessageResult<Inspect>;

    fn handle(&mut self, _msg: Inspect, _ctx: &mut Context<Self>) -> Self::Result {
        let mut waiting: Vec<(&u64, &OperatorId)> = self
            .waiting_operators
            .iter()
            .map(|(operator, waiting)| (&waiting.wait_seq, operator))
            .collect();
        waiting.sort();
        MessageResult(DispatcherFigures {
            queues: self
                .queues
                .iter()
                .map(|(service, queue)| (service.clone(), queue.values().map(|q| q.id).collect()))
                .collect(),
            waiting_operators: waiting
                .into_iter()
                .map(|(_, operator)| operator.clone())
                .collect(),
            holding: self.holding.iter().map(|(o, t)| (o.clone(), *t)).collect(),
        })
    }
}
