//! What the ticket actor accepts: its taxpayer's commands (from the front
//! door) and the news of the dispatcher and of the operator who holds it.

use std::sync::Arc;

use actix::prelude::*;
use jiff::Timestamp;

use super::{OperatorHandle, Ping};
use crate::domain::{Observations, OperatorId};
use crate::error::EngineError;
use crate::store::AbandonReason;
use crate::ticket::TicketToken;

/// News for a ticket; each is already committed when it is sent.
#[derive(Message)]
#[rtype(result = "()")]
pub enum TicketNotice {
    /// The dispatcher matched this ticket to an operator.
    Assigned {
        /// Who holds the ticket now.
        operator: OperatorId,
        /// Their actor, which owns the ticket from now on.
        holder: OperatorHandle,
        /// When the match was committed.
        assigned_at: Timestamp,
    },
    /// The dispatcher ended this waiting ticket: its page was silent past
    /// `absent_after + grace`.
    Expired {
        /// When the abandonment was committed.
        at: Timestamp,
    },
    /// The dispatcher saw this assigned ticket's page silent before the
    /// taxpayer accepted: it ends as abandoned (through its operator) if no
    /// poll came meanwhile. Not committed yet: the operator commits it.
    SilentAssignment,
    /// The taxpayer took their ticket up again from another browser (the
    /// directory verified them): the new token replaces the old one.
    TokenRenewed {
        /// The token that works from now on.
        token: TicketToken,
    },
    /// The operator started the meeting: the taxpayer's link exists.
    MeetingStarted {
        /// The taxpayer's link to the meeting.
        join_url: String,
    },
    /// The operator finalized the attention.
    Finished {
        /// When the attention was finalized.
        at: Timestamp,
    },
}

/// "Aceptar y Acceder a la videoconferencia": answers the meeting link, if
/// the operator has started the meeting.
#[derive(Message)]
#[rtype(result = "Result<Option<String>, EngineError>")]
pub struct Accept;

/// Abandonar, from any state before the end; or the engine ending an
/// assigned ticket whose page went silent before the taxpayer accepted.
#[derive(Message)]
#[rtype(result = "Result<(), EngineError>")]
pub struct Abandon {
    /// "Observaciones (en caso de abandonar)".
    pub observations: Observations,
    /// Pressed Abandonar, or absent.
    pub reason: AbandonReason,
}

/// How the others reach a live ticket's actor (`Shared::tickets`).
#[derive(Clone)]
pub struct TicketHandle(Arc<TicketRecipients>);

struct TicketRecipients {
    notices: Recipient<TicketNotice>,
    accept: Recipient<Accept>,
    abandon: Recipient<Abandon>,
    ping: Recipient<Ping>,
}

impl TicketHandle {
    /// The handle of any actor that answers a ticket's messages.
    pub fn of<A>(addr: &Addr<A>) -> TicketHandle
    where
        A: Actor<Context = Context<A>>
            + Handler<TicketNotice>
            + Handler<Accept>
            + Handler<Abandon>
            + Handler<Ping>,
    {
        TicketHandle(Arc::new(TicketRecipients {
            notices: addr.clone().recipient(),
            accept: addr.clone().recipient(),
            abandon: addr.clone().recipient(),
            ping: addr.clone().recipient(),
        }))
    }

    /// Queues `notice` behind whatever was sent to the ticket before.
    pub fn notify(&self, notice: TicketNotice) {
        self.0.notices.do_send(notice);
    }

    /// Sends Aceptar (queued at once, as `Addr::send` does).
    pub fn accept(&self) -> RecipientRequest<Accept> {
        self.0.accept.send(Accept)
    }

    /// Sends Abandonar.
    pub fn abandon(&self, abandon: Abandon) -> RecipientRequest<Abandon> {
        self.0.abandon.send(abandon)
    }

    /// Answers once everything sent before it was handled.
    pub fn ping(&self) -> RecipientRequest<Ping> {
        self.0.ping.send(Ping)
    }
}

impl std::fmt::Debug for TicketHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TicketHandle")
            .field("connected", &self.0.notices.connected())
            .finish()
    }
}
