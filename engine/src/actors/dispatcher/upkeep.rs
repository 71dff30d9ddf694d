//! The dispatcher's own upkeep: matching pairs a message made possible,
//! retrying matches whose commit failed, and a consistent copy of its
//! bookkeeping for checks and metrics.

use super::*;
use crate::actors::Ping;

/// Retries matches whose commit failed (the store was briefly unavailable).
#[derive(Message)]
#[rtype(result = "()")]
pub struct RetryMatches;

impl Handler<RetryMatches> for Dispatcher {
    type Result = ();

    fn handle(&mut self, _msg: RetryMatches, ctx: &mut Context<Self>) {
        self.match_pending(ctx);
    }
}

impl Dispatcher {
    /// Decides every pair that should be matched now, oldest first, and
    /// hands each to the store. Run inside the message that made the pairs
    /// (a return, a change of availability, a commit that settled) so that
    /// no Atender decided after it can take the ticket from an operator who
    /// waited longer: each decided pair is parked until its commit settles.
    pub(super) fn match_pending(&mut self, ctx: &mut Context<Self>) {
        let now = self.shared.clock.now();
        let refused_before = self.refused_matches;
        // A refusal met at once (a store that answers at once) puts its pair
        // back in reach: `match_refused` has decided what comes next.
        while self.refused_matches == refused_before {
            let Some(plan) = self.dispatch.next_match(now) else {
                break;
            };
            self.commit(
                ctx,
                vec![plan.change()],
                move |this, ctx, results| match first(results) {
                    Ok(()) => {
                        this.retried.remove(&plan.operator);
                        let effects = this.dispatch.commit_match(plan, true);
                        this.deliver(effects);
                    }
                    Err(error) => {
                        tracing::warn!(%error, "match not committed");
                        let (operator, ticket) = (plan.operator.clone(), plan.ticket.id);
                        this.dispatch.rollback_match(plan);
                        this.match_refused(ctx, operator, ticket);
                    }
                },
            );
        }
    }

    /// A match the store refused has been rolled back: matching is tried
    /// again at once, so a store that failed one commit delays nobody; a
    /// pair refused twice in a row waits `MATCH_RETRY` (the store is likely
    /// down) instead of looping on it.
    pub(super) fn match_refused(
        &mut self,
        ctx: &mut Context<Self>,
        operator: OperatorId,
        ticket: crate::ticket::TicketId,
    ) {
        self.refused_matches += 1;
        if self.retried.get(&operator) == Some(&ticket) {
            self.retried.remove(&operator);
            ctx.notify_later(RetryMatches, MATCH_RETRY);
        } else {
            self.retried.insert(operator, ticket);
            self.match_pending(ctx);
        }
    }

    /// Matches pending pairs if a settled commit may have made one (with
    /// commits in flight, a join and an Atender may each have been decided
    /// without seeing the other).
    pub(super) fn match_if_possible(&mut self, ctx: &mut Context<Self>) {
        if self.dispatch.may_match() {
            self.match_pending(ctx);
        }
    }
}

/// The dispatcher's figures, for invariant checks in tests and for metrics.
#[derive(Message)]
#[rtype(result = "DispatcherFigures")]
pub struct Inspect;

impl Handler<Inspect> for Dispatcher {
    type Result = Response<DispatcherFigures>;

    fn handle(&mut self, _msg: Inspect, _ctx: &mut Context<Self>) -> Self::Result {
        // Once every decision made before it has settled: a copy never
        // shows a ticket or an operator parked by a commit in flight.
        let (reply, answer) = oneshot::channel();
        self.when_drained(move |this| {
            let _ = reply.send(this.dispatch.figures());
        });
        pipeline::answer(answer, DispatcherFigures::default())
    }
}

/// Answers as soon as the dispatcher reads it: `/readyz`'s check that it is
/// alive and reading its mailbox. (A [`Ping`] waits until no commit is in
/// flight, which under steady load may not happen within a probe's time.)
#[derive(Message)]
#[rtype(result = "()")]
pub struct Probe;

impl Handler<Probe> for Dispatcher {
    type Result = ();

    fn handle(&mut self, _msg: Probe, _ctx: &mut Context<Self>) {}
}

impl Handler<Ping> for Dispatcher {
    type Result = Response<()>;

    /// Answers once every decision made before it has settled, so
    /// [`crate::Engine::settle`] covers commits in flight.
    fn handle(&mut self, _msg: Ping, _ctx: &mut Context<Self>) -> Self::Result {
        let (reply, answer) = oneshot::channel();
        self.when_drained(move |_| {
            let _ = reply.send(());
        });
        pipeline::answer(answer, ())
    }
}
