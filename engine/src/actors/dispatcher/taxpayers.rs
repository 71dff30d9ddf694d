//! What taxpayers ask of the queues: join, leave, and a held ticket's end.

use super::*;
use crate::actors::protocol::Abandonment;
use crate::dispatch::{AbandonDecision, JoinDecision, JoinPlan, ResumePlan};
use crate::domain::Nif;

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
    type Result = Response<Result<JoinReceipt, EngineError>>;

    fn handle(&mut self, msg: Join, ctx: &mut Context<Self>) -> Self::Result {
        let now = self.shared.clock.now();
        let decision =
            self.dispatch
                .decide_join(msg.nif, msg.name, msg.service, msg.may_resume, now);
        let (reply, answer) = oneshot::channel();
        match decision {
            Err(error) => return Response::reply(Err(error)),
            Ok(JoinDecision::Resume(plan)) => self.resume(plan, reply, ctx),
            Ok(JoinDecision::Join(plan)) => self.join(plan, reply, ctx),
        }
        pipeline::answer(answer, Err(EngineError::EngineUnavailable))
    }
}

type ReplyTo<T> = oneshot::Sender<Result<T, EngineError>>;

impl Dispatcher {
    /// Commits the join and, right behind it, the match with the operator
    /// parked for it.
    fn join(&mut self, plan: JoinPlan, reply: ReplyTo<JoinReceipt>, ctx: &mut Context<Self>) {
        let mut changes = vec![plan.joined()];
        changes.extend(plan.matched());
        self.commit(ctx, changes, move |this, ctx, results| {
            let mut results = results.into_iter();
            let joined = results.next().unwrap_or(Ok(()));
            let receipt = match joined {
                Err(error) => {
                    this.dispatch.rollback_join(plan);
                    this.match_if_possible(ctx);
                    Err(refused(error))
                }
                Ok(()) => {
                    let (matched, refused) = match (&plan.operator, results.next()) {
                        (Some(operator), Some(Ok(()))) => {
                            this.retried.remove(operator);
                            (true, None)
                        }
                        (Some(operator), Some(Err(error))) => {
                            tracing::warn!(%error, "match after join not committed");
                            (false, Some((operator.clone(), plan.record.id)))
                        }
                        _ => (false, None),
                    };
                    let (receipt, effects) = this.dispatch.commit_join(plan, matched);
                    this.deliver(effects);
                    if let Some((operator, ticket)) = refused {
                        this.match_refused(ctx, operator, ticket);
                    }
                    // An operator may have started waiting while this join
                    // was committed.
                    this.match_if_possible(ctx);
                    Ok(receipt)
                }
            };
            let _ = reply.send(receipt);
        });
    }

    /// A verified taxpayer asks again for a service where their ticket is
    /// still live: the same ticket, its current place and a new token (the
    /// old one stops working).
    fn resume(&mut self, plan: ResumePlan, reply: ReplyTo<JoinReceipt>, ctx: &mut Context<Self>) {
        self.commit(ctx, vec![plan.change()], move |this, _ctx, results| {
            let receipt = match first(results) {
                Err(error) => Err(refused(error)),
                Ok(()) if this.ticket_actor(&plan.ticket).is_none() => {
                    Err(EngineError::UnknownTicket)
                }
                Ok(()) => {
                    let now = this.shared.clock.now();
                    let (receipt, effects) = this.dispatch.commit_resume(plan, now);
                    this.deliver(effects);
                    Ok(receipt)
                }
            };
            let _ = reply.send(receipt);
        });
    }
}

impl Handler<AbandonWaiting> for Dispatcher {
    type Result = Response<Result<Abandonment, EngineError>>;

    fn handle(&mut self, msg: AbandonWaiting, ctx: &mut Context<Self>) -> Self::Result {
        let (reply, answer) = oneshot::channel();
        self.abandon_waiting(msg, reply, ctx);
        pipeline::answer(answer, Err(EngineError::EngineUnavailable))
    }
}

impl Dispatcher {
    fn abandon_waiting(
        &mut self,
        msg: AbandonWaiting,
        reply: ReplyTo<Abandonment>,
        ctx: &mut Context<Self>,
    ) {
        let at = self.shared.clock.now();
        let decision = self.dispatch.decide_abandon(
            msg.ticket,
            &msg.service,
            msg.seq,
            msg.observations.clone(),
            at,
        );
        let plan = match decision {
            AbandonDecision::Commit(plan) => plan,
            AbandonDecision::Assigned {
                operator,
                assigned_at,
            } => {
                let answer = match self.operators.get(&operator) {
                    Some(holder) => Abandonment::Assigned {
                        holder: holder.clone(),
                        operator,
                        assigned_at,
                    },
                    None => Abandonment::Gone,
                };
                let _ = reply.send(Ok(answer));
                return;
            }
            AbandonDecision::Gone => {
                let _ = reply.send(Ok(Abandonment::Gone));
                return;
            }
            // Being matched or expired: the answer is that decision's, or
            // an abandonment if its commit fails.
            AbandonDecision::Later => {
                self.defer(move |this, ctx| this.abandon_waiting(msg, reply, ctx));
                return;
            }
        };
        let change = plan.change.clone();
        self.commit(ctx, vec![change], move |this, ctx, results| {
            let abandonment = match first(results) {
                Ok(()) => {
                    let effects = this.dispatch.commit_leave(plan);
                    this.deliver(effects);
                    Ok(Abandonment::Abandoned { at })
                }
                Err(error) => {
                    this.dispatch.rollback_leave(plan);
                    this.match_if_possible(ctx);
                    Err(refused(error))
                }
            };
            let _ = reply.send(abandonment);
        });
    }
}

impl Dispatcher {
    /// A held ticket reached its end: its taxpayer may join that service again.
    pub(super) fn ticket_ended(&mut self, nif: Nif, service: ServiceCode) {
        self.dispatch.ticket_ended(nif, service);
    }
}
