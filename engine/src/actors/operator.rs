//! The operator actor: owns one operator's console state machine and, once
//! matched, the assignment (so accept and abandon pass through it).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use jiff::Timestamp;

use super::dispatcher::{
    AttentionClosed, OperatorReady, Readiness, TicketEnded, WithdrawOperator, Withdrawal,
};
use super::ticket::{self};
use super::Shared;
use crate::domain::{
    Annotation, Nif, Observations, OperatorId, OperatorProfile, Outcome, ServiceCode,
};
use crate::error::EngineError;
use crate::meeting::activity::{MeetingActivity, MeetingLive};
use crate::meeting::MeetingRequest;
use crate::store::{AttendedCount, Change, Duty, MeetingRecord, OperatorRecord};
use crate::ticket::TicketId;
use crate::views::{AssignmentView, DutyView, MeetingView, OperatorView};

pub struct OperatorActor {
    shared: Arc<Shared>,
    profile: OperatorProfile,
    /// Shared with every published snapshot: publishing clones a pointer.
    availability: Arc<BTreeMap<ServiceCode, bool>>,
    name: Arc<str>,
    duty: Duty,
    /// Details of the held ticket, for the console (present whenever `duty`
    /// holds a ticket).
    assignment: Option<Arc<AssignmentView>>,
    attended: AttendedCount,
    /// What the meeting's events have told (not stored).
    meeting_live: MeetingLive,
    /// The provider's quota warning at the last Iniciar Videoasistencia (not
    /// stored: the next start asks again).
    quota_warning: Option<Arc<str>>,
    version: u64,
}

impl Actor for OperatorActor {
    type Context = Context<Self>;
}

/// What the dispatcher's answer to Atender Contribuyente amounts to.
enum ReadyOutcome {
    Matched(TicketId, Timestamp, Arc<AssignmentView>),
    Waiting(Timestamp),
}

type Reply<T> = AtomicResponse<OperatorActor, Result<T, EngineError>>;

fn ready<T: 'static>(value: Result<T, EngineError>) -> Reply<T> {
    AtomicResponse::new(Box::pin(actix::fut::ready(value)))
}

impl OperatorActor {
    /// An operator as recovered (or new, with a default record). Publishes
    /// its first snapshot at once.
    pub fn new(
        shared: Arc<Shared>,
        profile: OperatorProfile,
        record: OperatorRecord,
        assignment: Option<Arc<AssignmentView>>,
    ) -> OperatorActor {
        let actor = OperatorActor {
            shared,
            name: Arc::from(profile.name.as_str()),
            profile,
            availability: Arc::new(record.availability),
            duty: record.duty,
            assignment,
            attended: record.attended,
            meeting_live: MeetingLive::default(),
            quota_warning: None,
            version: 0,
        };
        actor.shared.views.publish_operator(actor.view(1));
        OperatorActor {
            version: 1,
            ..actor
        }
    }

    fn id(&self) -> &OperatorId {
        &self.profile.id
    }

    fn view(&self, version: u64) -> OperatorView {
        OperatorView {
            version,
            id: self.profile.id.clone(),
            name: Arc::clone(&self.name),
            availability: Arc::clone(&self.availability),
            duty: self.duty_view(),
            attended: self.attended,
        }
    }

    fn duty_view(&self) -> DutyView {
        let Some(assignment) = self.assignment.clone() else {
            return match &self.duty {
                Duty::Waiting { since } => DutyView::Waiting { since: *since },
                _ => DutyView::Off,
            };
        };
        match &self.duty {
            Duty::Off => DutyView::Off,
            Duty::Waiting { since } => DutyView::Waiting { since: *since },
            Duty::Assigned { .. } => DutyView::Assigned { assignment },
            Duty::InMeeting {
                meeting,
                started_at,
                ..
            } => DutyView::InMeeting {
                assignment,
                meeting: MeetingView {
                    record: meeting.clone(),
                    started_at: *started_at,
                    live: self.meeting_live,
                    quota_warning: self.quota_warning.clone(),
                },
            },
            Duty::TaxpayerAbandoned {
                meeting,
                started_at,
                taxpayer_observations,
                ..
            } => DutyView::TaxpayerAbandoned {
                assignment,
                meeting: meeting
                    .clone()
                    .zip(*started_at)
                    .map(|(record, started_at)| MeetingView {
                        record,
                        started_at,
                        live: self.meeting_live,
                        quota_warning: self.quota_warning.clone(),
                    }),
                taxpayer_observations: taxpayer_observations.as_str().to_string(),
            },
        }
    }

    /// Publishes the console as it is now: called after every committed change.
    fn publish(&mut self) {
        self.version += 1;
        self.shared.views.publish_operator(self.view(self.version));
    }

    /// The console state's API name, for refusals.
    fn state_name(&self) -> &'static str {
        match self.duty {
            Duty::Off => "idle",
            Duty::Waiting { .. } => "waiting",
            Duty::Assigned { .. } => "assigned",
            Duty::InMeeting { .. } => "in_meeting",
            Duty::TaxpayerAbandoned { .. } => "taxpayer_abandoned",
        }
    }

    fn available_services(&self) -> Vec<ServiceCode> {
        self.shared
            .catalog
            .services()
            .iter()
            .map(|service| &service.code)
            .filter(|code| self.availability.get(*code).copied().unwrap_or(false))
            .cloned()
            .collect()
    }

    /// Checks Atender Contribuyente and says which services to wait for.
    fn services_to_attend(&self, now: Timestamp) -> Result<Vec<ServiceCode>, EngineError> {
        let available = self.available_services();
        if available.is_empty() {
            return Err(EngineError::NotAvailable);
        }
        // A closed service is still served while its queue drains.
        let active: Vec<ServiceCode> = available
            .into_iter()
            .filter(|code| {
                self.shared.catalog.is_open(code, now)
                    || self
                        .shared
                        .views
                        .figures(code)
                        .is_some_and(|f| f.waiting() > 0)
            })
            .collect();
        if active.is_empty() {
            return Err(EngineError::ServicesClosed);
        }
        Ok(active)
    }

    /// Tells the dispatcher the operator is ready and applies its answer.
    fn become_ready(
        &mut self,
        services: Vec<ServiceCode>,
    ) -> ResponseActFuture<Self, Result<(), EngineError>> {
        let dispatcher = self.shared.dispatcher.clone();
        let shared = Arc::clone(&self.shared);
        let operator = self.id().clone();
        Box::pin(
            async move {
                let _in_flight = crate::metrics::DispatcherMessageInFlight::sent();
                Ok(
                    match dispatcher
                        .send(OperatorReady { operator, services })
                        .await??
                    {
                        Readiness::Matched {
                            ticket,
                            assigned_at,
                        } => ReadyOutcome::Matched(
                            ticket,
                            assigned_at,
                            load_assignment(&shared, ticket, assigned_at).await,
                        ),
                        Readiness::Waiting { since } => ReadyOutcome::Waiting(since),
                    },
                )
            }
            .into_actor(self)
            .map(|result: Result<ReadyOutcome, EngineError>, this, _ctx| {
                match result? {
                    ReadyOutcome::Matched(ticket, assigned_at, assignment) => {
                        this.apply_assignment(ticket, assigned_at, assignment)
                    }
                    ReadyOutcome::Waiting(since) => {
                        this.duty = Duty::Waiting { since };
                        this.publish();
                    }
                }
                Ok(())
            }),
        )
    }

    fn apply_assignment(
        &mut self,
        ticket: TicketId,
        assigned_at: Timestamp,
        assignment: Arc<AssignmentView>,
    ) {
        self.duty = Duty::Assigned {
            ticket,
            assigned_at,
        };
        self.assignment = Some(assignment);
        self.publish();
    }
}

/// Gathers what the console shows about a newly held ticket: the taxpayer's
/// details from the ticket's snapshot and their history from the store.
pub(crate) async fn load_assignment(
    shared: &Shared,
    ticket: TicketId,
    assigned_at: Timestamp,
) -> Arc<AssignmentView> {
    let view = shared.views.ticket(&ticket);
    let (nif, name, service, joined_at) = match &view {
        Some(view) => (
            view.nif,
            view.name.clone(),
            view.service.clone(),
            view.joined_at,
        ),
        None => {
            tracing::error!(%ticket, "assigned ticket has no snapshot");
            return Arc::new(AssignmentView {
                ticket_id: ticket,
                nif: placeholder_nif(),
                name: String::new(),
                service: shared.catalog.services()[0].code.clone(),
                joined_at: assigned_at,
                assigned_at,
                history: Vec::new(),
            });
        }
    };
    let mut history = match shared.store.history(&nif).await {
        Ok(history) => history,
        Err(error) => {
            tracing::warn!(%ticket, %error, "taxpayer history unavailable");
            Vec::new()
        }
    };
    history.reverse(); // the guide's table lists the newest first
    Arc::new(AssignmentView {
        ticket_id: ticket,
        nif,
        name,
        service,
        joined_at,
        assigned_at,
        history,
    })
}

fn placeholder_nif() -> Nif {
    // unwrap: a constant, valid DNI.
    Nif::parse("00000000T").expect("constant nif is valid")
}

/// Gestión disponibilidad operador: Disponible SÍ/NO per service.
#[derive(Message)]
#[rtype(result = "Result<(), EngineError>")]
pub struct SetAvailability {
    /// The services to change; the others keep their value.
    pub services: BTreeMap<ServiceCode, bool>,
}

impl Handler<SetAvailability> for OperatorActor {
    type Result = Reply<()>;

    fn handle(&mut self, msg: SetAvailability, _ctx: &mut Context<Self>) -> Self::Result {
        let mut availability = (*self.availability).clone();
        availability.extend(msg.services);
        let change = Change::AvailabilitySet {
            operator: self.id().clone(),
            availability: availability.clone(),
            at: self.shared.clock.now(),
        };
        let store = Arc::clone(&self.shared.store);
        AtomicResponse::new(Box::pin(
            async move { store.apply(&change).await }
                .into_actor(self)
                .map(move |result, this, _ctx| {
                    result?;
                    this.availability = Arc::new(availability);
                    this.publish();
                    Ok(())
                }),
        ))
    }
}

/// Atender Contribuyente.
#[derive(Message)]
#[rtype(result = "Result<(), EngineError>")]
pub struct Attend;

impl Handler<Attend> for OperatorActor {
    type Result = Reply<()>;

    fn handle(&mut self, _msg: Attend, _ctx: &mut Context<Self>) -> Self::Result {
        if self.duty != Duty::Off {
            return ready(Err(EngineError::invalid_state(self.state_name())));
        }
        match self.services_to_attend(self.shared.clock.now()) {
            Ok(services) => AtomicResponse::new(self.become_ready(services)),
            Err(error) => ready(Err(error)),
        }
    }
}

/// Interrumpir while waiting.
#[derive(Message)]
#[rtype(result = "Result<(), EngineError>")]
pub struct Interrupt;

impl Handler<Interrupt> for OperatorActor {
    type Result = Reply<()>;

    fn handle(&mut self, _msg: Interrupt, _ctx: &mut Context<Self>) -> Self::Result {
        if !matches!(self.duty, Duty::Waiting { .. }) {
            return ready(Err(EngineError::invalid_state(self.state_name())));
        }
        let now = self.shared.clock.now();
        if self
            .shared
            .views
            .end_of_day_blocks_interrupt(&self.availability, now)
        {
            crate::metrics::record_interrupt_refused();
            return ready(Err(EngineError::InterruptRefusedEndOfDay));
        }
        let dispatcher = self.shared.dispatcher.clone();
        let shared = Arc::clone(&self.shared);
        let operator = self.id().clone();
        AtomicResponse::new(Box::pin(
            async move {
                let _in_flight = crate::metrics::DispatcherMessageInFlight::sent();
                Ok(
                    match dispatcher.send(WithdrawOperator { operator }).await?? {
                        Withdrawal::Withdrawn => None,
                        Withdrawal::Assigned {
                            ticket,
                            assigned_at,
                        } => Some((
                            ticket,
                            assigned_at,
                            load_assignment(&shared, ticket, assigned_at).await,
                        )),
                        Withdrawal::NotWaiting => return Err(EngineError::invalid_state("idle")),
                    },
                )
            }
            .into_actor(self)
            .map(|result: Result<_, EngineError>, this, _ctx| match result? {
                None => {
                    this.duty = Duty::Off;
                    this.publish();
                    Ok(())
                }
                Some((ticket, assigned_at, assignment)) => {
                    // A taxpayer was matched before the interrupt arrived.
                    this.apply_assignment(ticket, assigned_at, assignment);
                    Err(EngineError::invalid_state("assigned"))
                }
            }),
        ))
    }
}

/// The dispatcher matched a ticket to this waiting operator.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Assigned {
    /// The ticket now held.
    pub ticket: TicketId,
    /// When the match was committed.
    pub assigned_at: Timestamp,
}

impl Handler<Assigned> for OperatorActor {
    type Result = AtomicResponse<Self, ()>;

    fn handle(&mut self, msg: Assigned, _ctx: &mut Context<Self>) -> Self::Result {
        if self.duty.ticket() == Some(msg.ticket) {
            // Already applied from the reply to an Interrumpir that lost the race.
            return AtomicResponse::new(Box::pin(actix::fut::ready(())));
        }
        let shared = Arc::clone(&self.shared);
        AtomicResponse::new(Box::pin(
            async move { load_assignment(&shared, msg.ticket, msg.assigned_at).await }
                .into_actor(self)
                .map(move |assignment, this, _ctx| {
                    this.apply_assignment(msg.ticket, msg.assigned_at, assignment)
                }),
        ))
    }
}

/// Iniciar Videoasistencia.
#[derive(Message)]
#[rtype(result = "Result<StartReceipt, EngineError>")]
pub struct Start;

/// The operator's link to the meeting just created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartReceipt {
    pub start_url: String,
}

impl Handler<Start> for OperatorActor {
    type Result = Reply<StartReceipt>;

    fn handle(&mut self, _msg: Start, _ctx: &mut Context<Self>) -> Self::Result {
        let (
            Duty::Assigned {
                ticket,
                assigned_at,
            },
            Some(assignment),
        ) = (&self.duty, &self.assignment)
        else {
            return ready(Err(EngineError::invalid_state(self.state_name())));
        };
        let (ticket, assigned_at) = (*ticket, *assigned_at);
        let request = MeetingRequest {
            operator: self.id().clone(),
            provider_user: self.profile.zoom_user.clone(),
            ticket,
            service: assignment.service.clone(),
        };
        let shared = Arc::clone(&self.shared);
        let operator = self.id().clone();
        AtomicResponse::new(Box::pin(
            async move {
                let meeting = shared.meetings.create(&request).await.map_err(|error| {
                    EngineError::MeetingProviderFailed {
                        reason: error.reason,
                    }
                })?;
                let started_at = shared.clock.now();
                let change = Change::MeetingStarted {
                    operator,
                    ticket,
                    meeting: meeting.clone(),
                    at: started_at,
                };
                if let Err(error) = shared.store.apply(&change).await {
                    // Not recorded: do not leave a meeting nobody will use.
                    if let Err(end_error) = shared.meetings.end(&meeting).await {
                        tracing::warn!(%end_error, "could not end an unrecorded meeting");
                    }
                    return Err(error.into());
                }
                // Zoom's daily cap: the operator hears of it before reaching it.
                let quota_warning = shared
                    .meetings
                    .quota_warning(request.provider_user.as_deref())
                    .map(Arc::<str>::from);
                Ok((meeting, started_at, quota_warning))
            }
            .into_actor(self)
            .map(
                move |result: Result<(MeetingRecord, Timestamp, Option<Arc<str>>), EngineError>,
                      this,
                      ctx| {
                    let (meeting, started_at, quota_warning) = result?;
                    this.meeting_live = MeetingLive::default();
                    this.quota_warning = quota_warning;
                    this.shared
                        .meetings_by_id
                        .insert(meeting.id.clone(), ctx.address());
                    this.duty = Duty::InMeeting {
                        ticket,
                        assigned_at,
                        meeting: meeting.clone(),
                        started_at,
                    };
                    this.publish();
                    if let Some(addr) = this.shared.tickets.get(&ticket) {
                        addr.do_send(ticket::MeetingStarted {
                            join_url: meeting.join_url.clone(),
                        });
                    }
                    Ok(StartReceipt {
                        start_url: meeting.start_url,
                    })
                },
            ),
        ))
    }
}

/// What the operator does after finalizing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Finalizar y Atender siguiente.
    Attend,
    /// Finalizar e Interrumpir.
    Interrupt,
}

/// Finalizar: records the outcome and annotation.
#[derive(Message)]
#[rtype(result = "Result<(), EngineError>")]
pub struct Finalize {
    /// The "Finalización" combo.
    pub outcome: Outcome,
    /// "Observaciones/Anotaciones", visible to the next operator.
    pub observations: Observations,
    /// "NIF Representado", only where the service allows representation.
    pub represented_nif: Option<Nif>,
    /// Attend the next taxpayer or interrupt.
    pub next: Next,
}

impl Handler<Finalize> for OperatorActor {
    type Result = Reply<()>;

    fn handle(&mut self, msg: Finalize, _ctx: &mut Context<Self>) -> Self::Result {
        let (ticket, meeting, started_at, abandoned) = match &self.duty {
            Duty::InMeeting {
                ticket,
                meeting,
                started_at,
                ..
            } => (*ticket, Some(meeting.clone()), Some(*started_at), false),
            Duty::TaxpayerAbandoned {
                ticket,
                meeting,
                started_at,
                ..
            } => (*ticket, meeting.clone(), *started_at, true),
            _ => return ready(Err(EngineError::invalid_state(self.state_name()))),
        };
        // Where the console's attention-time warning counts from (for the metrics).
        let warning_from =
            started_at.map(|started_at| self.meeting_live.started_at.unwrap_or(started_at));
        let Some(assignment) = self.assignment.clone() else {
            return ready(Err(EngineError::invalid_state(self.state_name())));
        };
        let representation = self
            .shared
            .catalog
            .service(&assignment.service)
            .is_some_and(|service| service.representation);
        if msg.represented_nif.is_some() && !representation {
            return ready(Err(EngineError::RepresentationNotAllowed));
        }
        let now = self.shared.clock.now();
        if msg.next == Next::Interrupt
            && self
                .shared
                .views
                .end_of_day_blocks_interrupt(&self.availability, now)
        {
            crate::metrics::record_interrupt_refused();
            return ready(Err(EngineError::InterruptRefusedEndOfDay));
        }
        let outcome = msg.outcome;
        let change = Change::AttentionFinalized {
            operator: self.id().clone(),
            ticket,
            annotation: Annotation {
                at: now,
                operator_id: self.id().clone(),
                service: assignment.service.clone(),
                outcome,
                observations: msg.observations,
                represented_nif: msg.represented_nif,
            },
            at: now,
        };
        let shared = Arc::clone(&self.shared);
        let next = msg.next;
        let finalize = async move {
            shared.store.apply(&change).await?;
            if let Some(meeting) = &meeting {
                // The guide asks operators to end the meeting for everybody
                // first; this makes sure of it.
                if let Err(error) = shared.meetings.end(meeting).await {
                    tracing::warn!(%error, "could not end the meeting");
                }
            }
            Ok::<_, EngineError>(())
        };
        AtomicResponse::new(Box::pin(finalize.into_actor(self).then(
            move |result, this, _ctx| -> ResponseActFuture<Self, Result<(), EngineError>> {
                if let Err(error) = result {
                    return Box::pin(actix::fut::ready(Err(error)));
                }
                if let Some(meeting) = this.duty.meeting() {
                    this.shared.meetings_by_id.remove(&meeting.id);
                }
                this.meeting_live = MeetingLive::default();
                this.quota_warning = None;
                this.duty = Duty::Off;
                this.assignment = None;
                this.publish();
                if !abandoned {
                    if let Some(addr) = this.shared.tickets.get(&ticket) {
                        addr.do_send(ticket::Finished { at: now });
                    }
                    this.shared.dispatcher.do_send(TicketEnded {
                        nif: assignment.nif,
                        service: assignment.service.clone(),
                    });
                }
                let attention = match (started_at, outcome) {
                    (_, Outcome::TaxpayerAbandoned) | (None, _) => None,
                    (Some(started_at), _) => Some(Duration::from_millis(
                        now.duration_since(started_at).as_millis().max(0) as u64,
                    )),
                };
                let over_time = warning_from
                    .zip(this.shared.catalog.service(&assignment.service))
                    .is_some_and(|(started_at, service)| {
                        crate::render::attention_time_exceeded(service, started_at, now)
                    });
                crate::metrics::record_outcome(&assignment.service, outcome, attention, over_time);
                this.shared.dispatcher.do_send(AttentionClosed {
                    operator: this.id().clone(),
                    ticket,
                    service: assignment.service.clone(),
                    attention,
                });
                if next == Next::Interrupt {
                    return Box::pin(actix::fut::ready(Ok(())));
                }
                match this.services_to_attend(this.shared.clock.now()) {
                    // Finalized either way; with nothing to attend the
                    // console shows why (closed or not available).
                    Err(_) => Box::pin(actix::fut::ready(Ok(()))),
                    Ok(services) => this.become_ready(services),
                }
            },
        )))
    }
}

/// The taxpayer pressed "Aceptar y Acceder a la videoconferencia".
#[derive(Message)]
#[rtype(result = "Result<Option<String>, EngineError>")]
pub struct TaxpayerAccepts {
    /// The ticket whose taxpayer accepted.
    pub ticket: TicketId,
}

impl Handler<TaxpayerAccepts> for OperatorActor {
    type Result = Reply<Option<String>>;

    fn handle(&mut self, msg: TaxpayerAccepts, _ctx: &mut Context<Self>) -> Self::Result {
        let join_url = match &self.duty {
            Duty::Assigned { ticket, .. } if *ticket == msg.ticket => None,
            Duty::InMeeting {
                ticket, meeting, ..
            } if *ticket == msg.ticket => Some(meeting.join_url.clone()),
            _ => return ready(Err(EngineError::invalid_state("finished"))),
        };
        let now = self.shared.clock.now();
        let day = self.shared.catalog.calendar.local_date(now);
        let change = Change::TicketAccepted {
            operator: self.id().clone(),
            ticket: msg.ticket,
            at: now,
            day,
        };
        let store = Arc::clone(&self.shared.store);
        AtomicResponse::new(Box::pin(
            async move { store.apply(&change).await }
                .into_actor(self)
                .map(move |result, this, _ctx| {
                    result?;
                    this.attended.increment(day);
                    this.publish();
                    if let Some(assignment) = &this.assignment {
                        crate::metrics::record_accept(&assignment.service);
                    }
                    Ok(join_url)
                }),
        ))
    }
}

/// The assigned taxpayer pressed Abandonar.
#[derive(Message)]
#[rtype(result = "Result<Timestamp, EngineError>")]
pub struct TaxpayerAbandons {
    /// The ticket whose taxpayer left.
    pub ticket: TicketId,
    /// What they wrote on leaving.
    pub observations: Observations,
}

impl Handler<TaxpayerAbandons> for OperatorActor {
    type Result = Reply<Timestamp>;

    fn handle(&mut self, msg: TaxpayerAbandons, _ctx: &mut Context<Self>) -> Self::Result {
        let next_duty = |at: Timestamp, observations: Observations| match &self.duty {
            Duty::Assigned {
                ticket,
                assigned_at,
            } if *ticket == msg.ticket => Some(Duty::TaxpayerAbandoned {
                ticket: *ticket,
                assigned_at: *assigned_at,
                meeting: None,
                started_at: None,
                abandoned_at: at,
                taxpayer_observations: observations,
            }),
            Duty::InMeeting {
                ticket,
                assigned_at,
                meeting,
                started_at,
            } if *ticket == msg.ticket => Some(Duty::TaxpayerAbandoned {
                ticket: *ticket,
                assigned_at: *assigned_at,
                meeting: Some(meeting.clone()),
                started_at: Some(*started_at),
                abandoned_at: at,
                taxpayer_observations: observations,
            }),
            _ => None,
        };
        let now = self.shared.clock.now();
        let Some(duty) = next_duty(now, msg.observations.clone()) else {
            return ready(Err(EngineError::invalid_state("finished")));
        };
        let change = Change::TicketAbandoned {
            ticket: msg.ticket,
            operator: Some(self.id().clone()),
            observations: msg.observations,
            at: now,
        };
        let store = Arc::clone(&self.shared.store);
        AtomicResponse::new(Box::pin(
            async move { store.apply(&change).await }
                .into_actor(self)
                .map(move |result, this, _ctx| {
                    result?;
                    this.duty = duty;
                    this.publish();
                    if let Some(assignment) = &this.assignment {
                        crate::metrics::record_abandon(
                            &assignment.service,
                            crate::metrics::AbandonedWhile::Assigned,
                        );
                        this.shared.dispatcher.do_send(TicketEnded {
                            nif: assignment.nif,
                            service: assignment.service.clone(),
                        });
                    }
                    Ok(now)
                }),
        ))
    }
}

/// Something happened in the meeting of the attention in progress (a Zoom
/// webhook, or the local room page).
#[derive(Message)]
#[rtype(result = "bool")]
pub struct MeetingEvent {
    /// The provider's meeting id.
    pub meeting_id: String,
    /// What happened.
    pub activity: MeetingActivity,
}

impl Handler<MeetingEvent> for OperatorActor {
    type Result = bool;

    /// Answers whether the meeting is this operator's current one.
    fn handle(&mut self, msg: MeetingEvent, _ctx: &mut Context<Self>) -> bool {
        if self.duty.meeting().map(|meeting| meeting.id.as_str()) != Some(msg.meeting_id.as_str()) {
            return false;
        }
        let before = self.meeting_live;
        self.meeting_live.apply(msg.activity);
        if self.meeting_live != before {
            self.publish();
        }
        true
    }
}

/// "Finalizar la reunión para todos" from the console, when the operator
/// forgot to do it in Zoom.
#[derive(Message)]
#[rtype(result = "Result<(), EngineError>")]
pub struct EndMeeting;

impl Handler<EndMeeting> for OperatorActor {
    type Result = Reply<()>;

    fn handle(&mut self, _msg: EndMeeting, _ctx: &mut Context<Self>) -> Self::Result {
        let Some(meeting) = self.duty.meeting().cloned() else {
            return ready(Err(EngineError::invalid_state(self.state_name())));
        };
        let shared = Arc::clone(&self.shared);
        AtomicResponse::new(Box::pin(
            async move {
                shared.meetings.end(&meeting).await.map_err(|error| {
                    EngineError::MeetingProviderFailed {
                        reason: error.reason,
                    }
                })
            }
            .into_actor(self)
            .map(|result, this, _ctx| {
                result?;
                this.meeting_live.apply(MeetingActivity::Ended);
                this.publish();
                Ok(())
            }),
        ))
    }
}
