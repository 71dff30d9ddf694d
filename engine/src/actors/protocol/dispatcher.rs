//! What the dispatcher accepts from the other actors: the operators'
//! Atender and Interrumpir, a waiting taxpayer's Abandonar, and the news of
//! attentions that end.

use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use jiff::Timestamp;

use super::OperatorHandle;
use crate::dispatch::{Readiness, Withdrawal};
use crate::domain::{Nif, Observations, OperatorId, ServiceCode};
use crate::error::EngineError;
use crate::ticket::TicketId;

/// News for the dispatcher from the operators.
#[derive(Message)]
#[rtype(result = "()")]
pub enum DispatcherNotice {
    /// A waiting operator changed their availability ("Gestión
    /// disponibilidad operador" while "A la espera"): it takes effect at
    /// once, both ways.
    WaitingServicesChanged {
        /// The operator whose availability changed.
        operator: OperatorId,
        /// Every service they are available for now.
        services: Vec<ServiceCode>,
    },
    /// A held ticket reached its end (finished, or abandoned after
    /// assignment): its taxpayer may join that service again.
    TicketEnded {
        /// The taxpayer's NIF.
        nif: Nif,
        /// The service the ticket was for.
        service: ServiceCode,
    },
    /// An operator finalized an attention and holds nothing any more.
    AttentionClosed {
        /// Who finalized.
        operator: OperatorId,
        /// The ticket they held.
        ticket: TicketId,
        /// The ticket's service.
        service: ServiceCode,
        /// From Iniciar Videoasistencia to Finalizar, when a meeting took place.
        attention: Option<Duration>,
        /// Finalizar e Interrumpir (or nothing left to attend): the
        /// operator goes off duty; otherwise they press Atender again at once.
        leaving: bool,
    },
}

/// Atender Contribuyente: the operator is ready for the next taxpayer.
#[derive(Message)]
#[rtype(result = "Result<Readiness, EngineError>")]
pub struct OperatorReady {
    /// Who pressed the button.
    pub operator: OperatorId,
    /// The services they are available for and that are active now.
    pub services: Vec<ServiceCode>,
}

/// Interrumpir while waiting.
#[derive(Message)]
#[rtype(result = "Result<Withdrawal, EngineError>")]
pub struct WithdrawOperator {
    /// Who pressed Interrumpir.
    pub operator: OperatorId,
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
        holder: OperatorHandle,
        assigned_at: Timestamp,
    },
    Gone,
}

/// How the operators and tickets reach the dispatcher (`Shared::dispatcher`).
#[derive(Clone)]
pub struct DispatcherHandle(Arc<DispatcherRecipients>);

struct DispatcherRecipients {
    notices: Recipient<DispatcherNotice>,
    ready: Recipient<OperatorReady>,
    withdraw: Recipient<WithdrawOperator>,
    abandon: Recipient<AbandonWaiting>,
}

impl DispatcherHandle {
    /// The handle of any actor that answers the dispatcher's messages.
    pub fn of<A>(addr: &Addr<A>) -> DispatcherHandle
    where
        A: Actor<Context = Context<A>>
            + Handler<DispatcherNotice>
            + Handler<OperatorReady>
            + Handler<WithdrawOperator>
            + Handler<AbandonWaiting>,
    {
        DispatcherHandle(Arc::new(DispatcherRecipients {
            notices: addr.clone().recipient(),
            ready: addr.clone().recipient(),
            withdraw: addr.clone().recipient(),
            abandon: addr.clone().recipient(),
        }))
    }

    /// Queues `notice` behind whatever was sent to the dispatcher before.
    pub fn notify(&self, notice: DispatcherNotice) {
        self.0.notices.do_send(notice);
    }

    /// Sends Atender Contribuyente (queued at once, as `Addr::send` does).
    pub fn operator_ready(&self, message: OperatorReady) -> RecipientRequest<OperatorReady> {
        self.0.ready.send(message)
    }

    /// Sends Interrumpir.
    pub fn withdraw_operator(
        &self,
        message: WithdrawOperator,
    ) -> RecipientRequest<WithdrawOperator> {
        self.0.withdraw.send(message)
    }

    /// Sends an Abandonar from the queue.
    pub fn abandon_waiting(&self, message: AbandonWaiting) -> RecipientRequest<AbandonWaiting> {
        self.0.abandon.send(message)
    }
}

impl std::fmt::Debug for DispatcherHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DispatcherHandle")
            .field("connected", &self.0.notices.connected())
            .finish()
    }
}
