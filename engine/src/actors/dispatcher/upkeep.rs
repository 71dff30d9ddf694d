//! The dispatcher's own upkeep: matching pairs a message made possible,
//! retrying matches whose commit failed, and a consistent copy of its
//! bookkeeping for checks and metrics.

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

impl Dispatcher {
    /// Commits the oldest pair that should be matched now, then the next,
    /// until none is left. Run inside the message that made the pair (a
    /// return, a change of availability) so that no Atender handled in
    /// between can take the ticket from an operator who waited longer.
    pub(super) fn match_pending(&mut self) -> Pending {
        let Some(plan) = self.dispatch.next_match(self.shared.clock.now()) else {
            return Box::pin(actix::fut::ready(()));
        };
        let change = plan.change();
        let store = Arc::clone(&self.shared.store);
        Box::pin(
            async move { store.apply(&change).await }
                .into_actor(self)
                .then(move |result, this, ctx| match result {
                    Ok(()) => {
                        let effects = this.dispatch.commit_match(plan, true);
                        this.deliver(effects);
                        this.match_pending()
                    }
                    Err(error) => {
                        tracing::warn!(%error, "match retry not committed");
                        this.dispatch.rollback_match(plan);
                        ctx.notify_later(RetryMatches, MATCH_RETRY);
                        Box::pin(actix::fut::ready(()))
                    }
                }),
        )
    }
}

/// The dispatcher's figures, for invariant checks in tests and for metrics.
#[derive(Message)]
#[rtype(result = "DispatcherFigures")]
pub struct Inspect;

impl Handler<Inspect> for Dispatcher {
    type Result = MessageResult<Inspect>;

    fn handle(&mut self, _msg: Inspect, _ctx: &mut Context<Self>) -> Self::Result {
        MessageResult(self.dispatch.figures())
    }
}
