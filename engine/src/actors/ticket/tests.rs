//! The ticket actor alone: the dispatcher and the operator are test
//! recipients that record what the ticket tells them and answer as the
//! real ones would.

use std::sync::Arc;

use actix::prelude::*;
use dashmap::DashMap;
use jiff::Timestamp;
use parking_lot::Mutex;

use super::TicketActor;
use crate::actors::protocol::{
    Abandon, AbandonWaiting, Abandonment, DispatcherHandle, DispatcherNotice, OperatorHandle,
    OperatorNotice, OperatorReady, TaxpayerAbandons, TaxpayerAccepts, TicketHandle, TicketNotice,
    WithdrawOperator,
};
use crate::actors::Shared;
use crate::catalog::{Catalog, CatalogHandle};
use crate::clock::ManualClock;
use crate::dispatch::{Readiness, Withdrawal};
use crate::domain::{Nif, Observations, ServiceCode};
use crate::error::EngineError;
use crate::meeting::LocalMeetings;
use crate::presence::Seen;
use crate::store::{AbandonReason, MemoryStore, TicketState};
use crate::testsuite::{default_settings, dni, madrid, op};
use crate::ticket::{TicketId, TicketToken};
use crate::views::{TicketView, Views};

/// The operator's link the test operator answers an accept with.
const JOIN_URL: &str = "https://meetings.test/j/1";

/// Stands for the dispatcher or an operator: records the name of every
/// message it gets, and answers what they answer for a ticket they queue
/// or hold (at the instant `at`).
struct Recorder {
    heard: Arc<Mutex<Vec<&'static str>>>,
    at: Timestamp,
}

impl Actor for Recorder {
    type Context = Context<Self>;
}

/// Each message: its name in `heard`, and the answer.
macro_rules! record {
    ($($message:ty => |$this:ident| $answer:expr;)*) => {$(
        impl Handler<$message> for Recorder {
            type Result = MessageResult<$message>;

            fn handle(&mut self, _msg: $message, _ctx: &mut Context<Self>) -> Self::Result {
                self.heard.lock().push(stringify!($message));
                let $this = &*self;
                MessageResult($answer)
            }
        }
    )*};
}

record! {
    TaxpayerAccepts => |_this| Ok(Some(JOIN_URL.to_string()));
    TaxpayerAbandons => |this| Ok(this.at);
    OperatorNotice => |_this| ();
    AbandonWaiting => |this| Ok(Abandonment::Abandoned { at: this.at });
    DispatcherNotice => |_this| ();
    // A ticket never sends these two.
    OperatorReady => |_this| Err::<Readiness, _>(EngineError::EngineUnavailable);
    WithdrawOperator => |_this| Err::<Withdrawal, _>(EngineError::EngineUnavailable);
}

/// A ticket actor on its own: waiting in CLAVE, with a recording
/// dispatcher, the real memory store and local meetings.
struct Alone {
    shared: Arc<Shared>,
    ticket: TicketId,
    handle: TicketHandle,
    dispatcher_heard: Arc<Mutex<Vec<&'static str>>>,
    now: Timestamp,
}

impl Alone {
    fn start() -> Alone {
        let now = madrid("2026-11-30 10:00");
        let dispatcher_heard = Arc::default();
        let dispatcher = Recorder {
            heard: Arc::clone(&dispatcher_heard),
            at: now,
        }
        .start();
        let catalog = Arc::new(CatalogHandle::new(Catalog::new(default_settings())));
        let shared = Arc::new(Shared {
            views: Arc::new(Views::new(Arc::clone(&catalog))),
            catalog,
            store: Arc::new(MemoryStore::new()),
            meetings: Arc::new(LocalMeetings::new("http://localhost")),
            clock: ManualClock::new(now),
            dispatcher: DispatcherHandle::of(&dispatcher),
            tickets: DashMap::new(),
            meetings_by_id: DashMap::new(),
        });
        let ticket = TicketId::random();
        let view = TicketView {
            version: 1,
            id: ticket,
            token: TicketToken::random(),
            nif: Nif::parse(&dni(1)).expect("a valid DNI"),
            name: "Contribuyente de Prueba".to_string(),
            service: ServiceCode::parse("CLAVE").expect("a valid code"),
            seq: 1,
            joined_at: now,
            state: TicketState::Waiting,
            slot: None,
            operator: None,
            join_url: None,
            seen: Arc::new(Seen::new(now)),
        };
        let handle = TicketHandle::of(&TicketActor::new(Arc::clone(&shared), view).start());
        shared.tickets.insert(ticket, handle.clone());
        Alone {
            shared,
            ticket,
            handle,
            dispatcher_heard,
            now,
        }
    }

    fn state(&self) -> TicketState {
        let view = self.shared.views.ticket(&self.ticket);
        view.expect("the ticket's snapshot").state.clone()
    }
}

#[actix_rt::test]
async fn an_assigned_ticket_hands_its_taxpayers_accept_to_the_operator_it_was_told_of() {
    let alone = Alone::start();
    let operator_heard = Arc::default();
    let operator = Recorder {
        heard: Arc::clone(&operator_heard),
        at: alone.now,
    }
    .start();

    alone.handle.notify(TicketNotice::Assigned {
        operator: op("op-0001"),
        holder: OperatorHandle::of(&operator),
        assigned_at: alone.now,
    });
    let join_url = alone.handle.accept().await.expect("the ticket answers");

    assert_eq!(join_url, Ok(Some(JOIN_URL.to_string())));
    assert_eq!(*operator_heard.lock(), ["TaxpayerAccepts"]);
    assert!(alone.dispatcher_heard.lock().is_empty());
    assert!(matches!(
        alone.state(),
        TicketState::Accepted { operator, .. } if operator == op("op-0001")
    ));
}

#[actix_rt::test]
async fn a_waiting_ticket_leaves_through_the_dispatcher_and_ends() {
    let alone = Alone::start();

    let abandoned = alone
        .handle
        .abandon(Abandon {
            observations: Observations::default(),
            reason: AbandonReason::Taxpayer,
        })
        .await
        .expect("the ticket answers");

    assert_eq!(abandoned, Ok(()));
    assert_eq!(*alone.dispatcher_heard.lock(), ["AbandonWaiting"]);
    assert!(matches!(
        alone.state(),
        TicketState::Abandoned {
            operator: None,
            reason: AbandonReason::Taxpayer,
            ..
        }
    ));
    assert!(alone.shared.tickets.get(&alone.ticket).is_none());
}
