//! Taxpayers who leave and come back: the messages of presence. What they
//! decide is in [`crate::dispatch`]'s `presence`.

use super::*;
use crate::ticket::TicketId;

/// A ticket the dispatcher had set aside was polled again.
#[derive(Message)]
#[rtype(result = "()")]
pub struct TicketReturned {
    /// The ticket whose page answered.
    pub ticket: TicketId,
    /// Its join sequence: its place.
    pub seq: u64,
}

impl Handler<TicketReturned> for Dispatcher {
    type Result = AtomicResponse<Self, ()>;

    fn handle(&mut self, msg: TicketReturned, _ctx: &mut Context<Self>) -> Self::Result {
        if self.dispatch.ticket_returned(msg.ticket, msg.seq) {
            // An operator may be waiting for exactly this taxpayer: they get
            // it before any Atender pressed since.
            return AtomicResponse::new(self.match_pending());
        }
        ready(())
    }
}

/// One pass of presence upkeep: set silent tickets aside, end those whose
/// grace ran out, end silent assignments. Sent every second by the engine
/// (and by tests, after moving the manual clock).
#[derive(Message)]
#[rtype(result = "PresenceSweep")]
pub struct SweepPresence;

impl Handler<SweepPresence> for Dispatcher {
    type Result = AtomicResponse<Self, PresenceSweep>;

    fn handle(&mut self, _msg: SweepPresence, _ctx: &mut Context<Self>) -> Self::Result {
        let now = self.shared.clock.now();
        let plan = self.dispatch.sweep(now);
        // The silent assignments' asks go out now: their ticket actors
        // commit through the operators.
        self.deliver(plan.effects);
        let expiries = plan.expiries;
        let changes: Vec<_> = expiries
            .iter()
            .map(|expiry| expiry.change.clone())
            .collect();
        let store = Arc::clone(&self.shared.store);
        let sweep = plan.sweep;
        AtomicResponse::new(Box::pin(
            async move {
                // Concurrent applies: the store's writer commits them as one batch.
                futures_util::future::join_all(changes.iter().map(|change| store.apply(change)))
                    .await
            }
            .into_actor(self)
            .then(move |results, this, _ctx| {
                let mut sweep = sweep;
                for (expiry, result) in expiries.into_iter().zip(results) {
                    match result {
                        Ok(()) => {
                            let effects = this.dispatch.commit_leave(expiry);
                            this.deliver(effects);
                            sweep.expired += 1;
                        }
                        Err(error) => {
                            // Tried again at the next pass.
                            tracing::warn!(%error, "absent ticket's abandonment not committed");
                            this.dispatch.rollback_leave(expiry);
                        }
                    }
                }
                this.dispatch.publish_absent_counts();
                // Tickets that came back go to the operators already waiting
                // before anything else is handled.
                let pending = if sweep.returned > 0 {
                    this.match_pending()
                } else {
                    Box::pin(actix::fut::ready(()))
                };
                pending.map(move |(), _, _| sweep)
            }),
        ))
    }
}
