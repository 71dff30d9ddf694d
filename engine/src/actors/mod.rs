//! The actors: one per operator, one per live ticket, and the dispatcher.
//!
//! Ownership decides who serialises what. The dispatcher owns the queues and
//! the set of waiting operators, so joins, attends, interrupts and matches go
//! through it; what it owns lives in a plain state machine
//! ([`crate::dispatch::Dispatch`]) that decides, and the actor only commits
//! each decision through the store and delivers the effects it answers.
//! Once matched, the operator owns the assignment, so accept and abandon
//! after assignment go through the operator. A ticket actor owns what its
//! taxpayer sees and forwards their commands to whichever owns the ticket
//! now. Replies that need another actor wait with `AtomicResponse`, so an
//! actor handles one command at a time; waits only point down the chain
//! ticket → operator → dispatcher → store, so they can never form a cycle.
//! The dispatcher alone does not hold its mailbox across its commits: it
//! pipelines them (`dispatcher/pipeline.rs`), parking what each decision
//! took until the store has answered, and replies once the change is
//! durable.
//!
//! No actor knows another's type. What they say to each other is in
//! [`protocol`], one module per receiver: one-way news is one enum per
//! receiver (`TicketNotice`, `OperatorNotice`, `DispatcherNotice`), a
//! command that answers is a message of its own, and each actor is reached
//! through a handle of `Recipient`s (`TicketHandle`, `OperatorHandle`,
//! `DispatcherHandle`): [`Shared`] holds the dispatcher's and the live
//! tickets', the dispatcher the operators', a held ticket its operator's.
//! So the dispatcher, an operator and a ticket each import only the
//! protocol, and each can be started alone against recipients a test
//! provides (`ticket/tests.rs`). The dispatcher starts ticket actors (a
//! join) and operator actors (a reload) through an `ActorStarter` that
//! the front door gives it: `engine.rs` and `engine/start.rs` are the only
//! places that name the actors' types.
//!
//! No actor waits for the meeting provider: the operator's create (Iniciar)
//! and end (Finalizar, "Finalizar la reunión para todos") run on their own
//! tasks and come back as messages, so a taxpayer's Abandonar or a webhook
//! is handled while Zoom is slow; a meeting that arrives for an attention no
//! longer waiting for it is ended (`operator/start.rs`). A match carries the
//! ticket's details from the dispatcher's queue entry (`TicketDetails`):
//! nobody reads a snapshot to learn who they were matched with.

pub mod dispatcher;
pub mod janitor;
pub mod operator;
pub mod protocol;
pub mod ticket;

use std::sync::Arc;

use actix::Recipient;
use dashmap::DashMap;

use crate::catalog::{Catalog, CatalogHandle};
use crate::clock::SharedClock;
use crate::meeting::MeetingProvider;
use crate::store::Store;
use crate::ticket::TicketId;
use crate::views::Views;
use protocol::{DispatcherHandle, MeetingEvent, TicketHandle};

pub use protocol::Ping;

/// Applies `change` to the store and, once it is durable, runs `then` on the
/// actor: the shape of every single-change command. The actor handles
/// nothing else meanwhile (`AtomicResponse`), so what `then` sees is what
/// the change was decided on.
pub(crate) fn commit_then<A, T, F>(
    actor: &A,
    store: &Arc<dyn Store>,
    change: crate::store::Change,
    then: F,
) -> actix::AtomicResponse<A, Result<T, crate::EngineError>>
where
    A: actix::Actor<Context = actix::Context<A>>,
    T: 'static,
    F: FnOnce(&mut A, &mut actix::Context<A>) -> Result<T, crate::EngineError> + 'static,
{
    commit_and(actor, store, change, move |result, this, ctx| {
        result?;
        then(this, ctx)
    })
}

/// Applies `change` to the store and runs `then` on the actor with the
/// store's answer, the mailbox held meanwhile: for steps that clean up
/// after a commit that failed.
pub(crate) fn commit_and<A, T, F>(
    actor: &A,
    store: &Arc<dyn Store>,
    change: crate::store::Change,
    then: F,
) -> actix::AtomicResponse<A, T>
where
    A: actix::Actor<Context = actix::Context<A>>,
    T: 'static,
    F: FnOnce(Result<(), crate::store::StoreError>, &mut A, &mut actix::Context<A>) -> T + 'static,
{
    use actix::{ActorFutureExt, WrapFuture};
    let store = Arc::clone(store);
    actix::AtomicResponse::new(Box::pin(
        async move { store.apply(&change).await }
            .into_actor(actor)
            .map(then),
    ))
}

/// What every actor of one engine shares.
pub struct Shared {
    /// Swapped whole by a reload: load it once per command.
    pub catalog: Arc<CatalogHandle>,
    pub views: Arc<Views>,
    pub store: Arc<dyn Store>,
    pub meetings: Arc<dyn MeetingProvider>,
    pub clock: SharedClock,
    pub dispatcher: DispatcherHandle,
    /// Live ticket actors, so commands from a taxpayer reach theirs.
    pub tickets: DashMap<TicketId, TicketHandle>,
    /// Meetings in progress and the operator holding each, so a provider's
    /// event reaches the right console.
    pub meetings_by_id: DashMap<String, Recipient<MeetingEvent>>,
}

impl Shared {
    /// The catalog now (a reload swaps it between two dispatcher messages).
    pub fn catalog(&self) -> Arc<Catalog> {
        self.catalog.load()
    }
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("live_tickets", &self.tickets.len())
            .finish()
    }
}
