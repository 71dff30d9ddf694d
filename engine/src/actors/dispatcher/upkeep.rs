//! The dispatcher's own upkeep: retrying matches whose commit failed, and
//! a consistent copy of its bookkeeping for checks and metrics.

use super::*;

/// Retries matches whose commit failed (the store was briefly unavailable).
#[derive(Message)]
#[rtype(result = "()")]
pub struct RetryMatches;

impl Handler<RetryMatches> for Dispatcher {
    type Result = AtomicResponse<Self, ()>;

    fn handle(&mut self, _msg: RetryMatches, _ctx: &mut Context<Self>) -> Self::Result {
        AtomicResponse::new(self.match_pending())
    }
}

/// Matching that goes on until no pair is left.
pub(super) type Pending = std::pin::Pin<Box<dyn ActorFuture<Dispatcher, Output = ()>>>;

/// A decision still to be committed, answered once it is.
pub(super) type Decision<T> =
    std::pin::Pin<Box<dyn ActorFuture<Dispatcher, Output = Result<T, EngineError>>>>;

impl Dispatcher {
    /// Commits the oldest pair that should be matched now, then the next,
    /// until none is left. Run inside the message that made the pair (a
    /// return, a change of availability) so that no Atender handled in
    /// between can take the ticket from an operator who waited longer.
    pub(super) fn match_pending(&mut self) -> Pending {
        let Some((service, seq, ticket, operator)) = self.any_pending_pair() else {
            self.retry_due = false;
            return Box::pin(actix::fut::ready(()));
        };
        let now = self.shared.clock.now();
        let change = Change::Matched {
            ticket: ticket.id,
            operator: operator.clone(),
            at: now,
        };
        let store = Arc::clone(&self.shared.store);
        Box::pin(
            async move { store.apply(&change).await }
                .into_actor(self)
                .then(move |result, this, ctx| match result {
                    Ok(()) => {
                        this.commit_match(&service, seq, &operator, now, true);
                        this.match_pending()
                    }
                    Err(error) => {
                        tracing::warn!(%error, "match retry not committed");
                        this.retry_later(ctx);
                        Box::pin(actix::fut::ready(()))
                    }
                }),
        )
    }

    /// A match's commit failed: the pair stays, both still waiting, and is
    /// tried again before any later join or Atender is decided.
    pub(super) fn retry_later(&mut self, ctx: &mut Context<Self>) {
        self.retry_due = true;
        ctx.notify_later(RetryMatches, MATCH_RETRY);
    }

    /// Decides with `decide` once every pair left by a failed commit is
    /// matched, so that a newer join or Atender can never pass over them;
    /// while one still cannot be committed the store is down, and the
    /// request is refused as such.
    pub(super) fn after_pending<T: 'static>(
        &mut self,
        decide: impl FnOnce(&mut Dispatcher) -> Decision<T> + 'static,
    ) -> AtomicResponse<Self, Result<T, EngineError>> {
        if !self.retry_due {
            return AtomicResponse::new(decide(self));
        }
        AtomicResponse::new(Box::pin(self.match_pending().then(
            move |(), this, _ctx| {
                if this.retry_due {
                    let refused: Decision<T> =
                        Box::pin(actix::fut::ready(Err(EngineError::StoreUnavailable {
                            reason: "an earlier match is not committed yet".to_string(),
                        })));
                    return refused;
                }
                decide(this)
            },
        )))
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
    /// Waiting tickets set aside as absent, in join order.
    pub absent: Vec<TicketId>,
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
            absent: self
                .absent
                .values()
                .map(|absent| absent.queued.id)
                .collect(),
        })
    }
}
