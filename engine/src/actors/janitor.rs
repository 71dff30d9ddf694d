//! The janitor: bounded retention passes on the engine's clock. Ended
//! tickets whose `[retention] ended_tickets` ran out are forgotten (one
//! committed `TicketForgotten` each, batched by the store's writer), then
//! the store trims its event log and the taxpayers' histories. What a
//! forgotten ticket means is the fold's (`StoredState::apply`), so memory
//! and Redis can never disagree; it runs on its own actor, so dispatch only
//! waits for the moment it takes to pick what is due.

use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;

use super::Shared;
use crate::store::{Change, TrimReport};

/// How often a retention pass runs.
const PASS_EVERY: Duration = Duration::from_secs(10);

/// Ended tickets one pass forgets; the rest wait for the next.
const TICKETS_PER_PASS: usize = 2_000;

pub struct Janitor {
    shared: Arc<Shared>,
}

impl Janitor {
    pub fn new(shared: Arc<Shared>) -> Janitor {
        Janitor { shared }
    }
}

impl Actor for Janitor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.run_interval(PASS_EVERY, |_, ctx| ctx.notify(Prune));
    }
}

/// One retention pass now (tests call it after moving a manual clock).
#[derive(Message)]
#[rtype(result = "PruneReport")]
pub struct Prune;

/// What one pass removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PruneReport {
    /// Ended tickets forgotten.
    pub tickets: usize,
    /// What the store trimmed (none when the trim failed; it is retried).
    pub store: TrimReport,
    /// Whether anything failed and will be tried again.
    pub failed: bool,
}

impl Handler<Prune> for Janitor {
    type Result = AtomicResponse<Self, PruneReport>;

    fn handle(&mut self, _msg: Prune, _ctx: &mut Context<Self>) -> Self::Result {
        let now = self.shared.clock.now();
        let retention = self.shared.catalog().retention;
        let due = self
            .shared
            .views
            .take_ended(retention.ended_tickets_before(now), TICKETS_PER_PASS);
        let store = Arc::clone(&self.shared.store);
        let cutoffs = retention.store_cutoffs(now);
        AtomicResponse::new(Box::pin(
            async move {
                let changes: Vec<Change> = due
                    .iter()
                    .map(|(_, ticket)| Change::TicketForgotten {
                        ticket: *ticket,
                        at: now,
                    })
                    .collect();
                let results =
                    futures_util::future::join_all(changes.iter().map(|c| store.apply(c))).await;
                let trimmed = store.trim(&cutoffs).await;
                (due, results, trimmed)
            }
            .into_actor(self)
            .map(|(due, results, trimmed), this, _ctx| {
                let mut report = PruneReport::default();
                for ((ended_at, ticket), result) in due.into_iter().zip(results) {
                    match result {
                        Ok(()) => {
                            this.shared.views.forget_ticket(&ticket);
                            report.tickets += 1;
                        }
                        Err(error) => {
                            tracing::warn!(%ticket, %error, "ended ticket not forgotten; retrying later");
                            this.shared.views.give_back_ended(ended_at, ticket);
                            report.failed = true;
                        }
                    }
                }
                match trimmed {
                    Ok(store) => report.store = store,
                    Err(error) => {
                        tracing::warn!(%error, "store retention pass failed; retrying later");
                        report.failed = true;
                    }
                }
                crate::metrics::record_prune(&report);
                report
            }),
        ))
    }
}
