//! What operators ask of the dispatcher: be matched or wait, withdraw,
//! and hand a finished attention back.

use super::*;
use crate::dispatch::WithdrawDecision;
use crate::ticket::TicketId;

/// Atender Contribuyente: the operator is ready for the next taxpayer.
#[derive(Message)]
#[rtype(result = "Result<Readiness, EngineError>")]
pub struct OperatorReady {
    /// Who pressed the button.
    pub operator: OperatorId,
    /// The services they are available for and that are active now.
    pub services: Vec<ServiceCode>,
}

impl Handler<OperatorReady> for Dispatcher {
    type Result = AtomicResponse<Self, Result<Readiness, EngineError>>;

    fn handle(&mut self, msg: OperatorReady, _ctx: &mut Context<Self>) -> Self::Result {
        let now = self.shared.clock.now();
        let plan = match self.dispatch.decide_ready(msg.operator, msg.services, now) {
            Ok(plan) => plan,
            Err(error) => return ready(Err(error)),
        };
        commit_and(
            self,
            &self.shared.store,
            plan.change(),
            move |result, this, _ctx| match result {
                Ok(()) => {
                    let (readiness, effects) = this.dispatch.commit_ready(plan);
                    this.deliver(effects);
                    Ok(readiness)
                }
                Err(error) => {
                    this.dispatch.rollback_ready(plan);
                    Err(refused(error))
                }
            },
        )
    }
}

/// Interrumpir while waiting.
#[derive(Message)]
#[rtype(result = "Result<Withdrawal, EngineError>")]
pub struct WithdrawOperator {
    /// Who pressed Interrumpir.
    pub operator: OperatorId,
}

impl Handler<WithdrawOperator> for Dispatcher {
    type Result = AtomicResponse<Self, Result<Withdrawal, EngineError>>;

    fn handle(&mut self, msg: WithdrawOperator, _ctx: &mut Context<Self>) -> Self::Result {
        let now = self.shared.clock.now();
        let plan = match self.dispatch.decide_withdraw(msg.operator, now) {
            WithdrawDecision::Commit(plan) => plan,
            WithdrawDecision::Answer(answer) => return ready(Ok(answer)),
        };
        commit_and(
            self,
            &self.shared.store,
            plan.change(),
            move |result, this, _ctx| match result {
                Ok(()) => {
                    let now = this.shared.clock.now();
                    Ok(this.dispatch.commit_withdraw(plan, now))
                }
                Err(error) => {
                    this.dispatch.rollback_withdraw(plan);
                    Err(refused(error))
                }
            },
        )
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
    /// Finalizar e Interrumpir (or nothing left to attend): the operator
    /// goes off duty; otherwise they press Atender again at once.
    pub leaving: bool,
}

impl Handler<AttentionClosed> for Dispatcher {
    type Result = ();

    fn handle(&mut self, msg: AttentionClosed, _ctx: &mut Context<Self>) {
        let now = self.shared.clock.now();
        self.dispatch.attention_closed(
            &msg.operator,
            msg.ticket,
            &msg.service,
            msg.attention,
            msg.leaving,
            now,
        );
    }
}

/// A waiting operator changed their availability ("Gestión disponibilidad
/// operador" while "A la espera"): it takes effect at once, both ways.
#[derive(Message)]
#[rtype(result = "()")]
pub struct WaitingServicesChanged {
    /// The operator whose availability changed.
    pub operator: OperatorId,
    /// Every service they are available for now.
    pub services: Vec<ServiceCode>,
}

impl Handler<WaitingServicesChanged> for Dispatcher {
    type Result = AtomicResponse<Self, ()>;

    fn handle(&mut self, msg: WaitingServicesChanged, _ctx: &mut Context<Self>) -> Self::Result {
        if self
            .dispatch
            .change_waiting_services(&msg.operator, msg.services)
        {
            // A taxpayer may already wait in a service just added: matched
            // before any Atender pressed since.
            return AtomicResponse::new(self.match_pending());
        }
        ready(())
    }
}
