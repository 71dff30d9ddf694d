//! What the operator actor accepts from the other actors: the dispatcher's
//! news, the held ticket's taxpayer's accept and abandon, and the events of
//! the meeting in progress.

use std::sync::Arc;

use actix::prelude::*;
use jiff::Timestamp;

use crate::domain::{Observations, OperatorProfile};
use crate::error::EngineError;
use crate::meeting::activity::MeetingActivity;
use crate::store::AbandonReason;
use crate::ticket::{TicketDetails, TicketId};

/// News for an operator from the dispatcher.
#[derive(Message)]
#[rtype(result = "()")]
pub enum OperatorNotice {
    /// A ticket was matched (and committed) to this waiting operator.
    Assigned {
        /// The ticket now held, with what the console shows of it.
        ticket: TicketDetails,
        /// When the match was committed.
        assigned_at: Timestamp,
    },
    /// A reload changed this operator's profile, or removed them (`None`).
    Reconfigured { profile: Option<OperatorProfile> },
}

/// The taxpayer pressed "Aceptar y Acceder a la videoconferencia".
#[derive(Message)]
#[rtype(result = "Result<Option<String>, EngineError>")]
pub struct TaxpayerAccepts {
    /// The ticket whose taxpayer accepted.
    pub ticket: TicketId,
}

/// The assigned taxpayer pressed Abandonar.
#[derive(Message)]
#[rtype(result = "Result<Timestamp, EngineError>")]
pub struct TaxpayerAbandons {
    /// The ticket whose taxpayer left.
    pub ticket: TicketId,
    /// What they wrote on leaving.
    pub observations: Observations,
    /// Pressed Abandonar, or their page went silent before they accepted.
    pub reason: AbandonReason,
}

/// Something happened in the meeting of the attention in progress (a Zoom
/// webhook, or the local room page). Answers whether the meeting is the
/// operator's current one.
#[derive(Message)]
#[rtype(result = "bool")]
pub struct MeetingEvent {
    /// The provider's meeting id.
    pub meeting_id: String,
    /// What happened.
    pub activity: MeetingActivity,
}

/// How the dispatcher and a held ticket reach an operator's actor.
#[derive(Clone)]
pub struct OperatorHandle(Arc<OperatorRecipients>);

struct OperatorRecipients {
    notices: Recipient<OperatorNotice>,
    accepts: Recipient<TaxpayerAccepts>,
    abandons: Recipient<TaxpayerAbandons>,
}

impl OperatorHandle {
    /// The handle of any actor that answers an operator's messages.
    pub fn of<A>(addr: &Addr<A>) -> OperatorHandle
    where
        A: Actor<Context = Context<A>>
            + Handler<OperatorNotice>
            + Handler<TaxpayerAccepts>
            + Handler<TaxpayerAbandons>,
    {
        OperatorHandle(Arc::new(OperatorRecipients {
            notices: addr.clone().recipient(),
            accepts: addr.clone().recipient(),
            abandons: addr.clone().recipient(),
        }))
    }

    /// Queues `notice` behind whatever was sent to the operator before.
    pub fn notify(&self, notice: OperatorNotice) {
        self.0.notices.do_send(notice);
    }

    /// Tells the holder their taxpayer accepted (queued at once).
    pub fn taxpayer_accepts(&self, message: TaxpayerAccepts) -> RecipientRequest<TaxpayerAccepts> {
        self.0.accepts.send(message)
    }

    /// Tells the holder their taxpayer left (queued at once).
    pub fn taxpayer_abandons(
        &self,
        message: TaxpayerAbandons,
    ) -> RecipientRequest<TaxpayerAbandons> {
        self.0.abandons.send(message)
    }
}

impl std::fmt::Debug for OperatorHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperatorHandle")
            .field("connected", &self.0.notices.connected())
            .finish()
    }
}
