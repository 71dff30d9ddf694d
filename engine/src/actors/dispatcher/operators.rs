//! What operators ask of the dispatcher: be matched or wait, withdraw,
//! and hand a finished attention back (the messages are in
//! [`crate::actors::protocol`]).

use super::*;
use crate::dispatch::{ServicesChange, WithdrawDecision};
use crate::ticket::TicketId;

impl Handler<OperatorReady> for Dispatcher {
    type Result = Response<Result<Readiness, EngineError>>;

    fn handle(&mut self, msg: OperatorReady, ctx: &mut Context<Self>) -> Self::Result {
        let now = self.shared.clock.now();
        let plan = match self.dispatch.decide_ready(msg.operator, msg.services, now) {
            Ok(plan) => plan,
            Err(error) => return Response::reply(Err(error)),
        };
        let (reply, answer) = oneshot::channel();
        self.commit(ctx, vec![plan.change()], move |this, ctx, results| {
            let readiness = match first(results) {
                Ok(()) => {
                    let (readiness, effects) = this.dispatch.commit_ready(plan);
                    this.deliver(effects);
                    Ok(readiness)
                }
                Err(error) => {
                    this.dispatch.rollback_ready(plan);
                    Err(refused(error))
                }
            };
            // A join decided while this commit was in flight may wait for
            // exactly this operator (or for the ticket given back).
            this.match_if_possible(ctx);
            let _ = reply.send(readiness);
        });
        pipeline::answer(answer, Err(EngineError::EngineUnavailable))
    }
}

impl Handler<WithdrawOperator> for Dispatcher {
    type Result = Response<Result<Withdrawal, EngineError>>;

    fn handle(&mut self, msg: WithdrawOperator, ctx: &mut Context<Self>) -> Self::Result {
        let (reply, answer) = oneshot::channel();
        self.withdraw(msg.operator, reply, ctx);
        pipeline::answer(answer, Err(EngineError::EngineUnavailable))
    }
}

impl Dispatcher {
    fn withdraw(
        &mut self,
        operator: OperatorId,
        reply: oneshot::Sender<Result<Withdrawal, EngineError>>,
        ctx: &mut Context<Self>,
    ) {
        let now = self.shared.clock.now();
        let plan = match self.dispatch.decide_withdraw(operator.clone(), now) {
            WithdrawDecision::Commit(plan) => plan,
            WithdrawDecision::Answer(answer) => {
                let _ = reply.send(Ok(answer));
                return;
            }
            // Being matched: the answer is the match, or a withdrawal if
            // the match's commit fails.
            WithdrawDecision::Later => {
                self.defer(move |this, ctx| this.withdraw(operator, reply, ctx));
                return;
            }
        };
        self.commit(ctx, vec![plan.change()], move |this, ctx, results| {
            let withdrawal = match first(results) {
                Ok(()) => {
                    let now = this.shared.clock.now();
                    Ok(this.dispatch.commit_withdraw(plan, now))
                }
                Err(error) => {
                    this.dispatch.rollback_withdraw(plan);
                    this.match_if_possible(ctx);
                    Err(refused(error))
                }
            };
            let _ = reply.send(withdrawal);
        });
    }
}

impl Dispatcher {
    /// An operator finalized an attention and holds nothing any more.
    pub(super) fn attention_closed(
        &mut self,
        operator: OperatorId,
        ticket: TicketId,
        service: ServiceCode,
        attention: Option<Duration>,
        leaving: bool,
    ) {
        let now = self.shared.clock.now();
        self.dispatch
            .attention_closed(&operator, ticket, &service, attention, leaving, now);
    }

    /// A waiting operator's availability changed: it takes effect at once.
    pub(super) fn waiting_services_changed(
        &mut self,
        operator: OperatorId,
        services: Vec<ServiceCode>,
        ctx: &mut Context<Self>,
    ) {
        match self
            .dispatch
            .change_waiting_services(&operator, services.clone())
        {
            // A taxpayer may already wait in a service just added: matched
            // before any Atender pressed since.
            ServicesChange::Applied => self.match_pending(ctx),
            ServicesChange::NotWaiting => {}
            ServicesChange::Later => {
                self.defer(move |this, ctx| this.waiting_services_changed(operator, services, ctx));
            }
        }
    }
}
