//! The operator actor: owns one operator's console state machine and, once
//! matched, the assignment (so accept and abandon pass through it). It
//! knows the dispatcher and the tickets only by their handles
//! ([`super::protocol`]).

mod finalize;
mod meeting;
mod reconfigure;
mod start;
mod taxpayer;

pub use finalize::{Finalize, MeetingEnd, Next};
pub use meeting::EndMeeting;
pub use start::{Start, StartReceipt};

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use jiff::Timestamp;

use super::protocol::{
    DispatcherNotice, OperatorNotice, OperatorReady, Ping, TicketNotice, WithdrawOperator,
};
use super::{commit_then, Shared};
use crate::dispatch::{Readiness, Withdrawal};
use crate::domain::{
    Annotation, Nif, Observations, OperatorId, OperatorProfile, Outcome, ServiceCode,
};
use crate::error::EngineError;
use crate::meeting::activity::{MeetingActivity, MeetingLive};
use crate::meeting::MeetingRequest;
use crate::store::{AttendedCount, Change, Duty, MeetingRecord, OperatorRecord};
use crate::ticket::{TicketDetails, TicketId};
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
    /// An Iniciar Videoasistencia waiting for the provider.
    starting: Option<start::Starting>,
    version: u64,
    /// A reload removed this operator: they finish what they hold, then
    /// never attend again (unless a later reload adds them back).
    retired: bool,
}

impl Actor for OperatorActor {
    type Context = Context<Self>;
}

/// What the dispatcher's answer to Atender Contribuyente amounts to.
enum ReadyOutcome {
    Matched(Timestamp, Arc<AssignmentView>),
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
            starting: None,
            version: 0,
            retired: false,
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
        // Withdrawn services too: their waiting taxpayers are still served.
        self.shared
            .catalog()
            .served_services()
            .iter()
            .map(|service| &service.code)
            .filter(|code| self.availability.get(*code).copied().unwrap_or(false))
            .cloned()
            .collect()
    }

    /// Checks Atender Contribuyente and says which services to wait for.
    fn services_to_attend(&self, now: Timestamp) -> Result<Vec<ServiceCode>, EngineError> {
        if self.retired {
            return Err(EngineError::UnknownOperator);
        }
        let available = self.available_services();
        if available.is_empty() {
            return Err(EngineError::NotAvailable);
        }
        // A closed service is still served while its queue drains, absent
        // taxpayers included: they may come back at their place.
        let catalog = self.shared.catalog();
        let active: Vec<ServiceCode> = available
            .into_iter()
            .filter(|code| {
                catalog.is_open(code, now)
                    || self
                        .shared
                        .views
                        .figures(code)
                        .is_some_and(|f| f.waiting() > 0 || f.absent() > 0)
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
                        .operator_ready(OperatorReady { operator, services })
                        .await??
                    {
                        Readiness::Matched {
                            ticket,
                            assigned_at,
                        } => ReadyOutcome::Matched(
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
                    ReadyOutcome::Matched(assigned_at, assignment) => {
                        this.apply_assignment(assigned_at, assignment)
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

    fn apply_assignment(&mut self, assigned_at: Timestamp, assignment: Arc<AssignmentView>) {
        self.duty = Duty::Assigned {
            ticket: assignment.ticket_id,
            assigned_at,
        };
        self.assignment = Some(assignment);
        self.publish();
    }
}

/// Gathers what the console shows about a newly held ticket: the details
/// the match carried and the taxpayer's history from the store.
pub(crate) async fn load_assignment(
    shared: &Shared,
    ticket: TicketDetails,
    assigned_at: Timestamp,
) -> Arc<AssignmentView> {
    let mut history = match shared.store.history(&ticket.nif).await {
        Ok(history) => history,
        Err(error) => {
            tracing::warn!(ticket = %ticket.id, %error, "taxpayer history unavailable");
            Vec::new()
        }
    };
    history.reverse(); // the guide's table lists the newest first
    Arc::new(AssignmentView {
        ticket_id: ticket.id,
        nif: ticket.nif,
        name: ticket.name,
        service: ticket.service,
        joined_at: ticket.joined_at,
        assigned_at,
        history,
    })
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
        commit_then(self, &self.shared.store, change, move |this, _ctx| {
            this.availability = Arc::new(availability);
            if matches!(this.duty, Duty::Waiting { .. }) {
                // Waiting operators are matched by the dispatcher on the
                // services it knows: tell it now, not at the next Atender.
                this.shared
                    .dispatcher
                    .notify(DispatcherNotice::WaitingServicesChanged {
                        operator: this.id().clone(),
                        services: this.available_services(),
                    });
            }
            this.publish();
            Ok(())
        })
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
        AtomicResponse::new(self.withdraw())
    }
}

impl OperatorActor {
    /// Takes a waiting operator off the dispatcher's list (Interrumpir, or
    /// a reload that removed them); a match that came first is kept.
    fn withdraw(&mut self) -> ResponseActFuture<Self, Result<(), EngineError>> {
        let dispatcher = self.shared.dispatcher.clone();
        let shared = Arc::clone(&self.shared);
        let operator = self.id().clone();
        Box::pin(
            async move {
                let _in_flight = crate::metrics::DispatcherMessageInFlight::sent();
                Ok(
                    match dispatcher
                        .withdraw_operator(WithdrawOperator { operator })
                        .await??
                    {
                        Withdrawal::Withdrawn => None,
                        Withdrawal::Assigned {
                            ticket,
                            assigned_at,
                        } => Some((
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
                Some((assigned_at, assignment)) => {
                    // A taxpayer was matched before the interrupt arrived.
                    this.apply_assignment(assigned_at, assignment);
                    Err(EngineError::invalid_state("assigned"))
                }
            }),
        )
    }
}

impl Handler<OperatorNotice> for OperatorActor {
    type Result = ();

    fn handle(&mut self, notice: OperatorNotice, ctx: &mut Context<Self>) {
        match notice {
            OperatorNotice::Assigned {
                ticket,
                assigned_at,
            } => self.assigned(ticket, assigned_at, ctx),
            OperatorNotice::Reconfigured { profile } => self.reconfigure(profile, ctx),
        }
    }
}

impl OperatorActor {
    /// The dispatcher matched a ticket to this waiting operator: the
    /// console shows it once the taxpayer's history is read (the mailbox
    /// waits for it).
    fn assigned(&mut self, ticket: TicketDetails, assigned_at: Timestamp, ctx: &mut Context<Self>) {
        if self.duty.ticket() == Some(ticket.id) {
            // Already applied from the reply to an Interrumpir that lost the race.
            return;
        }
        let shared = Arc::clone(&self.shared);
        ctx.wait(
            async move { load_assignment(&shared, ticket, assigned_at).await }
                .into_actor(self)
                .map(move |assignment, this, _ctx| this.apply_assignment(assigned_at, assignment)),
        );
    }
}

impl Handler<Ping> for OperatorActor {
    type Result = ();

    fn handle(&mut self, _msg: Ping, _ctx: &mut Context<Self>) {}
}
