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
    type Result = ();

    fn handle(&mut self, msg: TicketReturned, ctx: &mut Context<Self>) {
        if self.dispatch.ticket_returned(msg.ticket, msg.seq) {
            // An operator may be waiting for exactly this taxpayer: they get
            // it before any Atender pressed since.
            self.match_pending(ctx);
        }
    }
}

/// One pass of presence upkeep: set silent tickets aside, end those whose
/// grace ran out, end silent assignments. Sent every second by the engine
/// (and by tests, after moving the manual clock).
#[derive(Message)]
#[rtype(result = "PresenceSweep")]
pub struct SweepPresence;

impl Handler<SweepPresence> for Dispatcher {
    type Result = Response<PresenceSweep>;

    fn handle(&mut self, _msg: SweepPresence, ctx: &mut Context<Self>) -> Self::Result {
        let now = self.shared.clock.now();
        let plan = self.dispatch.sweep(now);
        // The silent assignments' asks go out now: their ticket actors
        // commit through the operators.
        self.deliver(plan.effects);
        let expiries = plan.expiries;
        let changes = expiries
            .iter()
            .map(|expiry| expiry.change.clone())
            .collect();
        let sweep = plan.sweep;
        let (reply, answer) = oneshot::channel();
        // One commit for the pass: the store's writer takes them as one batch.
        self.commit(ctx, changes, move |this, _ctx, results| {
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
            let _ = reply.send(sweep);
        });
        if sweep.returned > 0 {
            // Tickets that came back go to the operators already waiting
            // before anything else is decided.
            self.match_pending(ctx);
        }
        pipeline::answer(answer, sweep)
    }
}
