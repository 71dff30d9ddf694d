//! What taxpayers ask of the queues: join, leave, and a held ticket's end.

use super::*;
use crate::dispatch::{AbandonDecision, JoinDecision, JoinPlan, ResumePlan};
use crate::domain::Nif;
use crate::store::StoreError;
use crate::ticket::TicketId;
use jiff::Timestamp;

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
    /// The identity was verified against the directory: a taxpayer who
    /// already has a live ticket in the service takes it up again (a new
    /// token) instead of being refused.
    pub may_resume: bool,
}

impl Handler<Join> for Dispatcher {
    type Result = AtomicResponse<Self, Result<JoinReceipt, EngineError>>;

    fn handle(&mut self, msg: Join, _ctx: &mut Context<Self>) -> Self::Result {
        let now = self.shared.clock.now();
        let decision =
            self.dispatch
                .decide_join(msg.nif, msg.name, msg.service, msg.may_resume, now);
        match decision {
            Err(error) => ready(Err(error)),
            Ok(JoinDecision::Resume(plan)) => self.resume(plan),
            Ok(JoinDecision::Join(plan)) => self.join(plan),
        }
    }
}

impl Dispatcher {
    /// Commits the join, then the match with the operator parked for it.
    fn join(&mut self, plan: JoinPlan) -> AtomicResponse<Self, Result<JoinReceipt, EngineError>> {
        let (joined, matched) = (plan.joined(), plan.matched());
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
                let match_result = match result {
                    Ok(match_result) => match_result,
                    Err(error) => {
                        this.dispatch.rollback_join(plan);
                        return Err(refused(error));
                    }
                };
                if let Some(Err(error)) = &match_result {
                    tracing::warn!(%error, "match after join not committed; retrying");
                    ctx.notify_later(RetryMatches, MATCH_RETRY);
                }
                let matched = matches!(match_result, Some(Ok(())));
                let (receipt, effects) = this.dispatch.commit_join(plan, matched);
                this.deliver(effects);
                Ok(receipt)
            },
        )))
    }

    /// A verified taxpayer asks again for a service where their ticket is
    /// still live: the same ticket, its current place and a new token (the
    /// old one stops working).
    fn resume(
        &mut self,
        plan: ResumePlan,
    ) -> AtomicResponse<Self, Result<JoinReceipt, EngineError>> {
        commit_and(
            self,
            &self.shared.store,
            plan.change(),
            move |result, this, _ctx| {
                result.map_err(refused)?;
                if this.ticket_actor(&plan.ticket).is_none() {
                    return Err(EngineError::UnknownTicket);
                }
                let now = this.shared.clock.now();
                let (receipt, effects) = this.dispatch.commit_resume(plan, now);
                this.deliver(effects);
                Ok(receipt)
            },
        )
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
        let at = self.shared.clock.now();
        let decision =
            self.dispatch
                .decide_abandon(msg.ticket, &msg.service, msg.seq, msg.observations, at);
        let plan = match decision {
            AbandonDecision::Commit(plan) => plan,
            AbandonDecision::Assigned {
                operator,
                assigned_at,
            } => {
                let answer = match self.operators.get(&operator) {
                    Some(addr) => Abandonment::Assigned {
                        operator_addr: addr.clone(),
                        operator,
                        assigned_at,
                    },
                    None => Abandonment::Gone,
                };
                return ready(Ok(answer));
            }
            AbandonDecision::Gone => return ready(Ok(Abandonment::Gone)),
        };
        let change = plan.change.clone();
        commit_and(
            self,
            &self.shared.store,
            change,
            move |result, this, _ctx| match result {
                Ok(()) => {
                    let effects = this.dispatch.commit_leave(plan);
                    this.deliver(effects);
                    Ok(Abandonment::Abandoned { at })
                }
                Err(error) => {
                    this.dispatch.rollback_leave(plan);
                    Err(refused(error))
                }
            },
        )
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
        self.dispatch.ticket_ended(msg.nif, msg.service);
    }
}
