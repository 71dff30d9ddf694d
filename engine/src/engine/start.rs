//! Starting the actors: the one place, with the front door, that names
//! their types. `build` rebuilds every actor from the stored state; the
//! dispatcher starts the later ones (a ticket per join, an operator per
//! reload that adds one) through [`FrontDoorStarter`].

use std::collections::HashMap;
use std::sync::Arc;

use actix::prelude::*;
use dashmap::DashMap;

use super::OperatorDirectory;
use crate::actors::dispatcher::{Dispatcher, DispatcherSeed, RetryMatches};
use crate::actors::janitor::Janitor;
use crate::actors::operator::OperatorActor;
use crate::actors::protocol::{ActorStarter, DispatcherHandle, OperatorHandle, TicketHandle};
use crate::actors::ticket::TicketActor;
use crate::actors::Shared;
use crate::catalog::{Catalog, CatalogHandle};
use crate::clock::SharedClock;
use crate::domain::{OperatorProfile, ServiceCode};
use crate::meeting::MeetingProvider;
use crate::presence::Seen;
use crate::store::{Duty, OperatorRecord, Store, StoredState, TicketRecord, TicketState};
use crate::ticket::TicketId;
use crate::views::{AssignmentView, OperatorBadge, OperatorView, TicketView, Views};

/// Starts the actors the dispatcher brings to life, and registers added
/// operators with the front door.
struct FrontDoorStarter {
    directory: Arc<OperatorDirectory>,
}

impl ActorStarter for FrontDoorStarter {
    fn ticket(&self, shared: &Arc<Shared>, view: TicketView) -> TicketHandle {
        TicketHandle::of(&TicketActor::new(Arc::clone(shared), view).start())
    }

    fn operator(&self, shared: &Arc<Shared>, profile: &OperatorProfile) -> OperatorHandle {
        shared.views.add_operator(OperatorView::off_duty(profile));
        let addr = OperatorActor::new(
            Arc::clone(shared),
            profile.clone(),
            OperatorRecord::default(),
            None,
        )
        .start();
        self.directory
            .write()
            .insert(profile.id.clone(), addr.clone());
        OperatorHandle::of(&addr)
    }
}

/// What `build` started, for the front door.
pub(super) struct Built {
    pub shared: Arc<Shared>,
    pub dispatcher: Addr<Dispatcher>,
    /// Grows when a reload adds operators.
    pub operators: Arc<OperatorDirectory>,
    pub janitor: Addr<Janitor>,
}

/// Creates every actor from the stored state. Runs on the engine thread.
pub(super) fn build(
    handle: Arc<CatalogHandle>,
    store: Arc<dyn Store>,
    meetings: Arc<dyn MeetingProvider>,
    clock: SharedClock,
    state: StoredState,
    mut histories: HashMap<TicketId, Vec<crate::domain::Annotation>>,
) -> Built {
    let catalog = handle.load();
    let views = Arc::new(Views::new(Arc::clone(&handle)));
    let dispatcher_context = Context::<Dispatcher>::new();
    let shared = Arc::new(Shared {
        catalog: handle,
        views,
        store,
        meetings,
        clock,
        dispatcher: DispatcherHandle::of(&dispatcher_context.address()),
        tickets: DashMap::new(),
        meetings_by_id: DashMap::new(),
    });

    let directory = Arc::new(OperatorDirectory::default());
    let mut seed = DispatcherSeed {
        operators: HashMap::new(),
        starter: Box::new(FrontDoorStarter {
            directory: Arc::clone(&directory),
        }),
        queued: Vec::new(),
        held: Vec::new(),
        waiting_operators: Vec::new(),
        attending_operators: Vec::new(),
        next_seq: state.next_seq,
    };
    let mut waiting_since = Vec::new();
    for profile in &catalog.operators {
        let record = state
            .operators
            .get(&profile.id)
            .cloned()
            .unwrap_or_default();
        let assignment = record
            .duty
            .ticket()
            .and_then(|id| state.tickets.get(&id))
            .map(|ticket| {
                Arc::new(AssignmentView {
                    ticket_id: ticket.id,
                    nif: ticket.nif,
                    name: ticket.name.clone(),
                    service: ticket.service.clone(),
                    joined_at: ticket.joined_at,
                    assigned_at: match &record.duty {
                        Duty::Assigned { assigned_at, .. }
                        | Duty::InMeeting { assigned_at, .. }
                        | Duty::TaxpayerAbandoned { assigned_at, .. } => *assigned_at,
                        _ => ticket.joined_at,
                    },
                    history: histories.remove(&ticket.id).unwrap_or_default(),
                })
            });
        let services: Vec<ServiceCode> = catalog
            .services()
            .iter()
            .map(|s| s.code.clone())
            .filter(|code| record.availability.get(code).copied().unwrap_or(false))
            .collect();
        match &record.duty {
            Duty::Waiting { since } => waiting_since.push((*since, profile.id.clone(), services)),
            Duty::Off => {}
            _ => seed
                .attending_operators
                .push((profile.id.clone(), services)),
        }
        let meeting_id = record.duty.meeting().map(|meeting| meeting.id.clone());
        let addr =
            OperatorActor::new(Arc::clone(&shared), profile.clone(), record, assignment).start();
        if let Some(meeting_id) = meeting_id {
            shared
                .meetings_by_id
                .insert(meeting_id, addr.clone().recipient());
        }
        seed.operators
            .insert(profile.id.clone(), OperatorHandle::of(&addr));
        directory.write().insert(profile.id.clone(), addr);
    }
    waiting_since.sort_by_key(|(since, _, _)| *since);
    seed.waiting_operators = waiting_since
        .into_iter()
        .map(|(_, operator, services)| (operator, services))
        .collect();

    let mut tickets: Vec<&TicketRecord> = state.tickets.values().collect();
    tickets.sort_by_key(|ticket| ticket.seq);
    // Presence is not stored: after a restart every page gets a fresh
    // absent_after to poll again, so nobody is abandoned for the restart.
    let recovered_at = shared.clock.now();
    for record in tickets {
        let operator = record.state.holder().cloned();
        let join_url = operator
            .as_ref()
            .and_then(|operator| state.operators.get(operator))
            .and_then(|record| match &record.duty {
                Duty::InMeeting { meeting, .. } => Some(meeting.join_url.clone()),
                _ => None,
            });
        let mut view = TicketView {
            version: 1,
            id: record.id,
            token: record.token,
            nif: record.nif,
            name: record.name.clone(),
            service: record.service.clone(),
            seq: record.seq,
            joined_at: record.joined_at,
            state: record.state.clone(),
            slot: None,
            operator: badge(&catalog, &record.state),
            join_url,
            seen: Arc::new(Seen::new(recovered_at)),
        };
        match (
            &record.state,
            operator.and_then(|o| seed.operators.get(&o).cloned()),
        ) {
            (TicketState::Waiting, _) => {
                let slot = shared
                    .views
                    .figures(&record.service)
                    .map_or(0, |figures| figures.enqueue());
                view.slot = Some(slot);
                let seen = Arc::clone(&view.seen);
                let addr = TicketActor::new(Arc::clone(&shared), view).start();
                shared.tickets.insert(record.id, TicketHandle::of(&addr));
                seed.queued.push((record.clone(), slot, seen));
            }
            (state, Some(holder)) if !state.is_terminal() => {
                let seen = Arc::clone(&view.seen);
                let addr = TicketActor::held(Arc::clone(&shared), view, holder).start();
                shared.tickets.insert(record.id, TicketHandle::of(&addr));
                seed.held.push((record.clone(), seen));
            }
            _ => shared.views.publish_ticket_arc(Arc::new(view)),
        }
    }
    let dispatcher = dispatcher_context.run(Dispatcher::new(Arc::clone(&shared), seed));
    // A crash between a join and its match leaves a pair to match now.
    dispatcher.do_send(RetryMatches);
    let janitor = Janitor::new(Arc::clone(&shared)).start();
    Built {
        shared,
        dispatcher,
        operators: directory,
        janitor,
    }
}

fn badge(catalog: &Catalog, state: &TicketState) -> Option<OperatorBadge> {
    let operator = match state {
        TicketState::Assigned { operator, .. }
        | TicketState::Accepted { operator, .. }
        | TicketState::Finished { operator, .. } => operator,
        TicketState::Abandoned {
            operator: Some(operator),
            ..
        } => operator,
        _ => return None,
    };
    catalog.operator(operator).map(|profile| OperatorBadge {
        name: profile.name.clone(),
        id_number: profile.id_number.clone(),
    })
}
