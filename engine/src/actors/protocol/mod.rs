//! What the actors say to each other, and the handles through which they
//! say it: the only thing one actor knows of another.
//!
//! Each receiver's messages are in the module named after it. One-way news
//! a receiver gets from the other actors is one enum per receiver
//! ([`TicketNotice`], [`OperatorNotice`], [`DispatcherNotice`]), so a
//! holder keeps one `Recipient` for all of it and the news keeps the order
//! it was sent in (one mailbox, whatever the variant). A command that
//! needs an answer is a message of its own. A handle bundles the
//! `Recipient`s its holders use, behind one `Arc` (a `Recipient` clones
//! with an allocation; a match hands a handle on), and is built from
//! any actor that answers those messages: tests build them from an actor
//! that records what it is told.
//!
//! The commands only the engine's front door sends (Atender, Join,
//! Reload…) stay beside their actor: the front door is the one place that
//! names the actors' types (`engine.rs` and `engine/start.rs`).

mod dispatcher;
mod operator;
mod ticket;

pub use dispatcher::{AbandonWaiting, Abandonment, DispatcherHandle, DispatcherNotice};
pub use dispatcher::{OperatorReady, WithdrawOperator};
pub use operator::{MeetingEvent, OperatorHandle, OperatorNotice};
pub use operator::{TaxpayerAbandons, TaxpayerAccepts};
pub use ticket::{Abandon, Accept, TicketHandle, TicketNotice};

use std::sync::Arc;

use actix::Message;

use super::Shared;
use crate::domain::OperatorProfile;
use crate::views::TicketView;

/// Answers once every message sent to the actor before it was handled:
/// [`crate::Engine::settle`] uses it to wait until the engine is quiet.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Ping;

/// Starts the actors the dispatcher brings to life, so that it never names
/// their types: the front door gives it one (`engine/start.rs`).
pub trait ActorStarter {
    /// The actor of a ticket that just joined; it publishes its first
    /// snapshot at once.
    fn ticket(&self, shared: &Arc<Shared>, view: TicketView) -> TicketHandle;

    /// The actor of an operator a reload added: off duty, with no
    /// availability yet, and reachable through the front door.
    fn operator(&self, shared: &Arc<Shared>, profile: &OperatorProfile) -> OperatorHandle;
}
