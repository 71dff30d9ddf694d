//! The engine's front door: starts the actors (recovering them from the
//! store, `engine/start.rs`), validates what clients send, and forwards
//! commands. With `start.rs`, the one place that names the actors' types.

mod start;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::thread::JoinHandle;

use actix::prelude::*;
use jiff::Timestamp;
use parking_lot::{Mutex, RwLock};

pub use crate::actors::dispatcher::PresenceSweep;
use crate::actors::dispatcher::{
    Dispatcher, DispatcherFigures, Inspect, Join, JoinReceipt, Reload, SweepPresence,
    TicketReturned,
};
pub use crate::actors::janitor::PruneReport;
use crate::actors::janitor::{Janitor, Prune};
use crate::actors::operator::{
    Attend, EndMeeting, Finalize, Interrupt, Next, OperatorActor, SetAvailability, Start,
    StartReceipt,
};
use crate::actors::protocol::{Abandon, MeetingEvent, TicketHandle};
use crate::actors::{Ping, Shared};
use crate::catalog::{Catalog, CatalogHandle};
use crate::clock::SharedClock;
use crate::config::EngineSettings;
use crate::domain::{
    ContrastDatum, Nif, Observations, ObservationsError, OperatorId, Outcome, TaxpayerName,
    TextError,
};
use crate::error::EngineError;
use crate::meeting::activity::MeetingActivity;
use crate::meeting::MeetingProvider;
use crate::store::AbandonReason;
use crate::store::{Store, TicketState};
use crate::ticket::TicketId;
use crate::views::{DutyView, TicketView, Views};

/// Longest wait for a ticket actor to take a renewed token.
const TOKEN_RENEWAL_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// What an engine is made of.
pub struct EngineParts {
    pub settings: EngineSettings,
    pub store: Arc<dyn Store>,
    pub meetings: Arc<dyn MeetingProvider>,
    pub clock: SharedClock,
}

/// A running engine. Cheap to clone; the actors stop when the last clone drops.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

/// The operators' actors by id. A reload adds to it (through the
/// dispatcher's starter) and never removes: a removed operator's actor
/// finishes the attention it holds, and one added back later takes it up
/// again.
type OperatorDirectory = RwLock<HashMap<OperatorId, Addr<OperatorActor>>>;

struct Inner {
    shared: Arc<Shared>,
    /// The front door's own address of the dispatcher, for the commands
    /// only it sends (joins, reloads, sweeps, inspections).
    dispatcher: Addr<Dispatcher>,
    /// Grows when a reload adds operators.
    operators: Arc<OperatorDirectory>,
    janitor: Addr<Janitor>,
    system: actix::System,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.system.stop();
        if let Some(thread) = self.thread.lock().take() {
            // The engine thread only runs actors; it ends as soon as the
            // system stops.
            let _ = thread.join();
        }
    }
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("shared", &self.inner.shared)
            .finish()
    }
}

/// A taxpayer's join form, as sent.
#[derive(Debug, Clone)]
pub struct JoinInput {
    pub nif: String,
    pub name: String,
    pub contrast: String,
    pub service: String,
}

/// The operator's finalization form, as sent.
#[derive(Debug, Clone)]
pub struct FinalizeInput {
    pub outcome: String,
    pub observations: Option<String>,
    pub represented_nif: Option<String>,
    /// "attend" (Finalizar y Atender siguiente) or "interrupt".
    pub next: String,
}

impl Engine {
    /// Starts the actors on their own thread, rebuilt from what `store` holds.
    pub async fn start(parts: EngineParts) -> Result<Engine, EngineError> {
        // Every store and meeting call is timed for the metrics.
        let parts = crate::metrics::metered(parts);
        let catalog = Arc::new(CatalogHandle::new(Catalog::new(parts.settings)));
        let state = parts.store.load().await?;
        let mut histories = HashMap::new();
        for (operator, record) in &state.operators {
            if let Some(held) = record.duty.ticket() {
                // No console shows an attention whose ticket is gone.
                let ticket =
                    state
                        .tickets
                        .get(&held)
                        .ok_or_else(|| EngineError::StoreUnavailable {
                            reason: format!(
                            "operator {operator} holds ticket {held}, which the store does not have"
                        ),
                        })?;
                let mut history = parts.store.history(&ticket.nif).await?;
                history.reverse();
                histories.insert(ticket.id, history);
            }
        }
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let store = parts.store;
        let meetings = parts.meetings;
        let clock = parts.clock;
        let thread = std::thread::Builder::new()
            .name("ventanilla-engine".to_string())
            .spawn(move || {
                let system = actix::System::new();
                system.block_on(async move {
                    let built = start::build(catalog, store, meetings, clock, state, histories);
                    let _ = sender.send((built, actix::System::current()));
                });
                if let Err(error) = system.run() {
                    tracing::error!(%error, "engine system stopped with an error");
                }
            })
            .map_err(|_| EngineError::EngineUnavailable)?;
        let (built, system) = receiver.await.map_err(|_| EngineError::EngineUnavailable)?;
        Ok(Engine {
            inner: Arc::new(Inner {
                shared: built.shared,
                dispatcher: built.dispatcher,
                operators: built.operators,
                janitor: built.janitor,
                system,
                thread: Mutex::new(Some(thread)),
            }),
        })
    }

    /// The published snapshots polls read.
    pub fn views(&self) -> &Arc<Views> {
        &self.inner.shared.views
    }

    /// The catalog now. A reload swaps it whole: keep this snapshot for
    /// the whole request, so it never mixes two configurations.
    pub fn catalog(&self) -> Arc<Catalog> {
        self.inner.shared.catalog()
    }

    /// Whether `operator` may use the console: configured, or removed by a
    /// reload but still holding an attention they must finish.
    pub fn operator_may_act(&self, operator: &OperatorId) -> bool {
        let catalog = self.catalog();
        catalog.operator(operator).is_some()
            || (catalog.known_operator(operator).is_some()
                && self
                    .views()
                    .operator(operator)
                    .is_some_and(|view| !matches!(view.duty, DutyView::Off)))
    }

    /// Replaces the configuration with `settings` (already validated; see
    /// [`crate::reload`] for the whole reload of a file). One dispatcher
    /// message: every command is decided wholly before or after it.
    pub async fn reconfigure(&self, settings: EngineSettings) -> Result<Arc<Catalog>, EngineError> {
        Ok(self.inner.dispatcher.send(Reload { settings }).await?)
    }

    /// The engine's clock.
    pub fn now(&self) -> Timestamp {
        self.inner.shared.clock.now()
    }

    fn operator(&self, operator: &OperatorId) -> Result<Addr<OperatorActor>, EngineError> {
        self.inner
            .operators
            .read()
            .get(operator)
            .cloned()
            .ok_or(EngineError::UnknownOperator)
    }

    /// Gestión disponibilidad operador.
    pub async fn set_availability(
        &self,
        operator: &OperatorId,
        services: &BTreeMap<String, bool>,
    ) -> Result<(), EngineError> {
        let mut changes = BTreeMap::new();
        let catalog = self.catalog();
        for (code, available) in services {
            let service = catalog
                .service_by_text(code)
                .ok_or_else(|| EngineError::UnknownService { code: code.clone() })?;
            changes.insert(service.code.clone(), *available);
        }
        self.operator(operator)?
            .send(SetAvailability { services: changes })
            .await?
    }

    /// Atender Contribuyente.
    pub async fn attend(&self, operator: &OperatorId) -> Result<(), EngineError> {
        self.operator(operator)?.send(Attend).await?
    }

    /// Interrumpir.
    pub async fn interrupt(&self, operator: &OperatorId) -> Result<(), EngineError> {
        self.operator(operator)?.send(Interrupt).await?
    }

    /// Iniciar Videoasistencia.
    pub async fn start_meeting(&self, operator: &OperatorId) -> Result<StartReceipt, EngineError> {
        self.operator(operator)?.send(Start).await?
    }

    /// Finalizar y Atender siguiente / Finalizar e Interrumpir.
    pub async fn finalize(
        &self,
        operator: &OperatorId,
        input: FinalizeInput,
    ) -> Result<(), EngineError> {
        let outcome = Outcome::parse(input.outcome.trim()).ok_or(EngineError::InvalidOutcome)?;
        let observations = parse_observations(input.observations.as_deref().unwrap_or(""))?;
        let represented_nif = match input.represented_nif.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(Nif::parse(text).map_err(|error| EngineError::InvalidNif {
                reason: error.to_string(),
            })?),
        };
        let next = match input.next.as_str() {
            "attend" => Next::Attend,
            "interrupt" => Next::Interrupt,
            other => {
                return Err(EngineError::InvalidRequest {
                    reason: format!("next must be \"attend\" or \"interrupt\", not {other:?}"),
                })
            }
        };
        let meeting_end = self
            .operator(operator)?
            .send(Finalize {
                outcome,
                observations,
                represented_nif,
                next,
            })
            .await??;
        // Answer once the provider has ended the meeting, as the guide's
        // "end it for everybody" expects; no actor waits meanwhile.
        meeting_end.finished().await;
        Ok(())
    }

    /// A taxpayer joins a queue: checks the form, the identity and the hours.
    pub async fn join(&self, input: JoinInput) -> Result<JoinReceipt, EngineError> {
        let name = TaxpayerName::parse(&input.name).map_err(invalid_text)?;
        let contrast = ContrastDatum::parse(&input.contrast).map_err(invalid_text)?;
        let catalog = self.catalog();
        let service = catalog
            .service_by_text(input.service.trim())
            .ok_or_else(|| EngineError::UnknownService {
                code: input.service.clone(),
            })?;
        let nif = Nif::parse(&input.nif).map_err(|error| EngineError::InvalidNif {
            reason: error.to_string(),
        })?;
        catalog
            .identity
            .verify(&nif, contrast.as_str())
            .map_err(|_| EngineError::IdentityNotVerified)?;
        if !service.schedule.is_open(&catalog.calendar, self.now()) {
            return Err(EngineError::ServiceClosed);
        }
        let may_resume = matches!(catalog.identity, crate::domain::IdentityCheck::Directory(_));
        let receipt = {
            let _in_flight = crate::metrics::DispatcherMessageInFlight::sent();
            self.inner
                .dispatcher
                .send(Join {
                    nif,
                    name: name.into_string(),
                    service: service.code.clone(),
                    may_resume,
                })
                .await??
        };
        if receipt.resumed {
            // The new token is committed; answer once the ticket's snapshot
            // accepts it, so the taxpayer's first poll with it never fails.
            let (ticket, token) = (receipt.ticket_id, receipt.token);
            let renewed = self
                .views()
                .wait_until(|views| views.ticket(&ticket).is_none_or(|view| view.token == token));
            if tokio::time::timeout(TOKEN_RENEWAL_WAIT, renewed)
                .await
                .is_err()
            {
                return Err(EngineError::EngineUnavailable);
            }
        }
        Ok(receipt)
    }

    /// An authenticated poll of `view`'s ticket: the taxpayer is there.
    /// Costs two atomic writes, and a message only when the dispatcher had
    /// set the ticket aside as absent.
    pub fn heartbeat(&self, view: &TicketView) {
        self.heartbeat_at(view, self.now());
    }

    /// A poll of `view`'s ticket stamped `at` (tests that move a manual
    /// clock stamp the polls a page made meanwhile).
    pub fn heartbeat_at(&self, view: &TicketView, at: Timestamp) {
        if view.seen.touch(at) && view.state == TicketState::Waiting {
            self.inner.dispatcher.do_send(TicketReturned {
                ticket: view.id,
                seq: view.seq,
            });
        }
    }

    /// The ticket's page said it was closed (`pagehide`): absent at once,
    /// until its next poll. Never ends the ticket by itself.
    pub fn leave(&self, view: &TicketView) {
        view.seen.leave();
    }

    /// One retention pass now (the engine runs one every ten seconds): tests
    /// call it after moving a manual clock.
    pub async fn prune_now(&self) -> Result<PruneReport, EngineError> {
        Ok(self.inner.janitor.send(Prune).await?)
    }

    /// One presence pass now (the engine runs one every second): tests call
    /// it after moving a manual clock.
    pub async fn sweep_presence(&self) -> Result<PresenceSweep, EngineError> {
        Ok(self.inner.dispatcher.send(SweepPresence).await?)
    }

    fn ticket_actor(&self, ticket: TicketId) -> Result<TicketHandle, EngineError> {
        match self.inner.shared.tickets.get(&ticket) {
            Some(addr) => Ok(addr.clone()),
            None => match self.views().ticket(&ticket) {
                Some(view) => Err(EngineError::invalid_state(view.state.name())),
                None => Err(EngineError::UnknownTicket),
            },
        }
    }

    /// Aceptar y Acceder a la videoconferencia: answers the meeting link,
    /// if the operator has already started the meeting.
    pub async fn accept(&self, ticket: TicketId) -> Result<Option<String>, EngineError> {
        let result = self.ticket_actor(ticket)?.accept().await;
        self.ticket_reply(ticket, result)
    }

    /// A ticket actor that stopped between lookup and delivery has ended:
    /// answer from its final snapshot.
    fn ticket_reply<T>(
        &self,
        ticket: TicketId,
        result: Result<Result<T, EngineError>, MailboxError>,
    ) -> Result<T, EngineError> {
        match result {
            Ok(reply) => reply,
            Err(_) => match self.views().ticket(&ticket) {
                Some(view) => Err(EngineError::invalid_state(view.state.name())),
                None => Err(EngineError::UnknownTicket),
            },
        }
    }

    /// Abandonar.
    pub async fn abandon(&self, ticket: TicketId, observations: &str) -> Result<(), EngineError> {
        let observations = parse_observations(observations)?;
        let result = self
            .ticket_actor(ticket)?
            .abandon(Abandon {
                observations,
                reason: AbandonReason::Taxpayer,
            })
            .await;
        self.ticket_reply(ticket, result)
    }

    /// Waits until every message already in flight between the actors has
    /// been handled (each hop is FIFO, so two rounds of pings through the
    /// dispatcher, the operators and the live tickets drain the chains
    /// ticket → operator → dispatcher and back).
    pub async fn settle(&self) -> Result<(), EngineError> {
        for _ in 0..3 {
            self.inner.dispatcher.send(Ping).await?;
            let operators: Vec<Addr<OperatorActor>> =
                self.inner.operators.read().values().cloned().collect();
            for operator in operators {
                operator.send(Ping).await?;
            }
            let tickets: Vec<TicketHandle> = self
                .inner
                .shared
                .tickets
                .iter()
                .map(|entry| entry.value().clone())
                .collect();
            for ticket in tickets {
                // A ticket that stopped meanwhile has nothing left in flight.
                let _ = ticket.ping().await;
            }
        }
        Ok(())
    }

    /// Something happened in a meeting (a provider's webhook or the local
    /// room page). Answers false for a meeting no console holds (ended
    /// attentions, other systems' meetings): callers count those and move on.
    pub async fn meeting_activity(&self, meeting_id: &str, activity: MeetingActivity) -> bool {
        let Some(operator) = self
            .inner
            .shared
            .meetings_by_id
            .get(meeting_id)
            .map(|entry| entry.value().clone())
        else {
            return false;
        };
        operator
            .send(MeetingEvent {
                meeting_id: meeting_id.to_string(),
                activity,
            })
            .await
            .unwrap_or(false)
    }

    /// "Finalizar la reunión para todos" from the console.
    pub async fn end_meeting(&self, operator: &OperatorId) -> Result<(), EngineError> {
        self.operator(operator)?.send(EndMeeting).await?
    }

    /// Whether the store answers now (one cheap read): for readiness checks.
    pub async fn check_store(&self) -> Result<(), EngineError> {
        self.inner.shared.store.events(u64::MAX, 1).await?;
        Ok(())
    }

    /// Whether the dispatcher answers: one message through its mailbox, for
    /// readiness probes (it copies nothing, however long the queues are, and
    /// does not wait for the commits in flight, unlike [`Engine::settle`]).
    pub async fn ping_dispatcher(&self) -> Result<(), EngineError> {
        self.inner
            .dispatcher
            .send(crate::actors::dispatcher::Probe)
            .await?;
        Ok(())
    }

    /// A consistent copy of the dispatcher's queues and waiting operators
    /// (tests and checks: it copies every queued ticket id).
    pub async fn inspect(&self) -> Result<DispatcherFigures, EngineError> {
        Ok(self.inner.dispatcher.send(Inspect).await?)
    }

    /// Actors alive now, by kind (metrics); messages nobody.
    pub fn actor_counts(&self) -> crate::metrics::ActorCounts {
        crate::metrics::ActorCounts {
            dispatcher: usize::from(self.inner.dispatcher.connected()),
            operators: self
                .inner
                .operators
                .read()
                .values()
                .filter(|operator| operator.connected())
                .count(),
            tickets: self.inner.shared.tickets.len(),
        }
    }
}

/// A refused name or contrast datum: 400 `invalid_request`, naming the field.
fn invalid_text(error: TextError) -> EngineError {
    EngineError::InvalidRequest {
        reason: error.to_string(),
    }
}

fn parse_observations(text: &str) -> Result<Observations, EngineError> {
    Observations::parse(text).map_err(|error| match error {
        ObservationsError::TooLong { max, .. } => EngineError::ObservationsTooLong { max },
        other => EngineError::InvalidRequest {
            reason: format!("observations: {other}"),
        },
    })
}
