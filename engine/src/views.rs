//! Published snapshots: what each console shows, readable without messaging an actor.
//!
//! Every actor publishes an immutable, versioned [`OperatorView`] or
//! [`TicketView`] after each committed change. Polls load the latest `Arc`
//! (a lock-free `ArcSwap` per operator, a sharded map for
//! tickets) and the gateway renders it against the clock: whether a service
//! is open, the attention-time warning and the day's attended count depend
//! on "now", so they are computed at read time instead of needing a timer
//! per actor.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use arc_swap::ArcSwap;
use dashmap::DashMap;
use jiff::Timestamp;
use serde::Serialize;
use tokio::sync::Notify;

use crate::catalog::{Catalog, CatalogHandle, FiguresByService, ServiceFigures};
use crate::domain::{Annotation, Nif, OperatorId, ServiceCode};
use crate::meeting::activity::MeetingLive;
use crate::store::{AttendedCount, MeetingRecord, TicketState};
use crate::ticket::{TicketId, TicketToken};
use crate::waits::{WaitEstimate, Waits};
use crate::watchers::{Watch, Watchers};

/// The guide's recording notice (Ley Orgánica 3/2018), shown to every taxpayer
/// before they accept.
pub const RECORDING_NOTICE: &str = "En cumplimiento de la Ley Orgánica 3/2018, de Protección de Datos Personales y Garantía de los Derechos Digitales, le informamos que la videoconferencia va a ser grabada. Puede obtener más información en la web de la AEAT, en el apartado de Datos Personales.";

/// What one operator's console shows, as last committed.
#[derive(Debug, Clone)]
pub struct OperatorView {
    pub version: u64,
    pub id: OperatorId,
    pub name: Arc<str>,
    pub availability: Arc<BTreeMap<ServiceCode, bool>>,
    pub duty: DutyView,
    pub attended: AttendedCount,
}

impl OperatorView {
    /// An operator as the engine first knows them, before any store record
    /// (at start, or added by a reload): off duty, with no availability yet.
    pub(crate) fn off_duty(profile: &crate::domain::OperatorProfile) -> OperatorView {
        OperatorView {
            version: 0,
            id: profile.id.clone(),
            name: Arc::from(profile.name.as_str()),
            availability: Arc::new(BTreeMap::new()),
            duty: DutyView::Off,
            attended: AttendedCount::default(),
        }
    }

    /// Services the operator marked "Disponible: SÍ", in catalog order
    /// (a service a reload withdrew last, while its queue drains).
    pub fn available_services<'a>(
        &'a self,
        catalog: &'a Catalog,
    ) -> impl Iterator<Item = &'a ServiceCode> + 'a {
        catalog
            .served_services()
            .iter()
            .map(|service| &service.code)
            .filter(|code| self.availability.get(*code).copied().unwrap_or(false))
    }
}

/// The duty part of an operator's console.
#[derive(Debug, Clone)]
pub enum DutyView {
    Off,
    Waiting {
        since: Timestamp,
    },
    Assigned {
        assignment: Arc<AssignmentView>,
    },
    InMeeting {
        assignment: Arc<AssignmentView>,
        meeting: MeetingView,
    },
    TaxpayerAbandoned {
        assignment: Arc<AssignmentView>,
        meeting: Option<MeetingView>,
        taxpayer_observations: String,
    },
}

impl DutyView {
    /// The assignment and meeting the duty holds, if any.
    pub fn held(&self) -> (Option<&AssignmentView>, Option<&MeetingView>) {
        match self {
            DutyView::Off | DutyView::Waiting { .. } => (None, None),
            DutyView::Assigned { assignment } => (Some(assignment), None),
            DutyView::InMeeting {
                assignment,
                meeting,
            } => (Some(assignment), Some(meeting)),
            DutyView::TaxpayerAbandoned {
                assignment,
                meeting,
                ..
            } => (Some(assignment), meeting.as_ref()),
        }
    }
}

/// The assigned taxpayer block of the console.
#[derive(Debug, Clone)]
pub struct AssignmentView {
    pub ticket_id: TicketId,
    pub nif: Nif,
    pub name: String,
    pub service: ServiceCode,
    pub joined_at: Timestamp,
    pub assigned_at: Timestamp,
    /// Earlier annotations on this taxpayer, newest first.
    pub history: Vec<Annotation>,
}

/// The meeting of an attention in progress.
#[derive(Debug, Clone)]
pub struct MeetingView {
    pub record: MeetingRecord,
    /// When the operator pressed Iniciar Videoasistencia.
    pub started_at: Timestamp,
    /// What the meeting's events have told since.
    pub live: MeetingLive,
    /// The provider's quota warning at Iniciar Videoasistencia (Zoom's daily
    /// cap), shown on the console while the meeting lasts.
    pub quota_warning: Option<Arc<str>>,
}

impl MeetingView {
    /// The start the attention-time warning counts from: the meeting's real
    /// start when the provider reported it, else Iniciar Videoasistencia.
    pub fn attention_started_at(&self) -> Timestamp {
        self.live.started_at.unwrap_or(self.started_at)
    }

    /// Started and not yet ended for everybody, as far as we know.
    pub fn running(&self) -> bool {
        !self.live.ended
    }
}

/// What one taxpayer's ticket page shows, as last committed.
#[derive(Debug, Clone)]
pub struct TicketView {
    pub version: u64,
    pub id: TicketId,
    pub token: TicketToken,
    pub nif: Nif,
    pub name: String,
    pub service: ServiceCode,
    /// Global join order (the queue key).
    pub seq: u64,
    pub joined_at: Timestamp,
    pub state: TicketState,
    /// The ticket's slot in its service's position tree while it waits.
    pub slot: Option<usize>,
    pub operator: Option<OperatorBadge>,
    /// The meeting link, once the operator has started the meeting.
    pub join_url: Option<String>,
    /// The page's last sign of life: one per ticket, shared by every version
    /// of its snapshot, touched by polls without messaging anybody.
    pub seen: Arc<crate::presence::Seen>,
}

impl TicketView {
    /// Whether the taxpayer's page counts as there: it has not said it left
    /// and the dispatcher has not set the ticket aside for its silence (the
    /// sweep does that within a second of `absent_after`).
    pub fn present(&self) -> bool {
        self.seen.is_present()
    }
}

/// The operator as the taxpayer sees them: name and identification number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OperatorBadge {
    pub name: String,
    pub id_number: String,
}

/// One operator's latest console and the notification of its next one
/// (one per operator ever configured: a `Notify` costs a few words).
struct OperatorSlot {
    view: ArcSwap<OperatorView>,
    changed: Arc<Notify>,
}

impl OperatorSlot {
    fn new(view: OperatorView) -> OperatorSlot {
        OperatorSlot {
            view: ArcSwap::from_pointee(view),
            changed: Arc::new(Notify::new()),
        }
    }
}

/// The registry the gateway reads.
pub struct Views {
    catalog: Arc<CatalogHandle>,
    /// A reload adds slots (never removes one: a removed operator's console
    /// still shows the attention they finish).
    operators: parking_lot::RwLock<HashMap<OperatorId, Arc<OperatorSlot>>>,
    tickets: DashMap<TicketId, Arc<TicketView>>,
    /// Held ticket polls wait here; empty while nobody holds one.
    ticket_watchers: Watchers<TicketId>,
    /// Per service ever configured; a reload adds (never removes) some.
    figures: ArcSwap<FiguresByService>,
    waits: Waits,
    changed: Notify,
    /// Ended tickets by when they ended, for retention: the oldest go first.
    ended: parking_lot::Mutex<std::collections::BTreeSet<(Timestamp, TicketId)>>,
    /// Drawn at start: every ETag carries it, so a client's ETag from before
    /// a restart (whose versions start again at 1) never earns a stale 304.
    epoch: u32,
}

impl Views {
    /// The views of a catalog's operators, off duty, and its services, with
    /// empty queues: what recovery then fills from the store.
    pub(crate) fn new(catalog: Arc<CatalogHandle>) -> Views {
        let loaded = catalog.load();
        let figures: FiguresByService = loaded
            .services()
            .iter()
            .map(|service| {
                (
                    service.code.clone(),
                    Arc::new(ServiceFigures::new(service.attention)),
                )
            })
            .collect();
        let operators = loaded
            .operators
            .iter()
            .map(|profile| {
                let view = OperatorView::off_duty(profile);
                (view.id.clone(), Arc::new(OperatorSlot::new(view)))
            })
            .collect();
        Views {
            waits: Waits::new(&loaded),
            catalog,
            operators: parking_lot::RwLock::new(operators),
            tickets: DashMap::new(),
            ticket_watchers: Watchers::new(),
            figures: ArcSwap::from_pointee(figures),
            changed: Notify::new(),
            ended: parking_lot::Mutex::new(std::collections::BTreeSet::new()),
            epoch: rand::random(),
        }
    }

    /// This process's ETag epoch.
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// The catalog now: one snapshot for a whole request.
    pub fn catalog(&self) -> Arc<Catalog> {
        self.catalog.load()
    }

    /// The latest snapshot of one operator's console.
    pub fn operator(&self, id: &OperatorId) -> Option<Arc<OperatorView>> {
        self.operators
            .read()
            .get(id)
            .map(|slot| slot.view.load_full())
    }

    /// Notified at every new snapshot of one operator's console: create the
    /// `notified()` before reading the snapshot, and no change is missed.
    pub fn operator_changes(&self, id: &OperatorId) -> Option<Arc<Notify>> {
        self.operators
            .read()
            .get(id)
            .map(|slot| Arc::clone(&slot.changed))
    }

    /// A reload added an operator: their console slot, before their actor
    /// publishes into it.
    pub(crate) fn add_operator(&self, view: OperatorView) {
        self.operators
            .write()
            .entry(view.id.clone())
            .or_insert_with(|| Arc::new(OperatorSlot::new(view)));
    }

    /// A reload added `service` (or changed its attention time): its
    /// figures exist before anybody may join it.
    pub(crate) fn configure_service(&self, service: &crate::domain::Service) {
        let current = self.figures.load();
        match current.get(&service.code) {
            Some(figures) => figures.set_average_attention(service.attention),
            None => {
                let mut figures = FiguresByService::clone(&current);
                figures.insert(
                    service.code.clone(),
                    Arc::new(ServiceFigures::new(service.attention)),
                );
                self.figures.store(Arc::new(figures));
            }
        }
        self.waits.configure_service(service);
    }

    /// Watches one ticket's snapshots (held polls); nothing is kept for a
    /// ticket nobody watches.
    pub fn watch_ticket(&self, id: TicketId) -> Watch<'_, TicketId> {
        self.ticket_watchers.watch(id)
    }

    /// Tickets with a held poll now.
    pub fn watched_tickets(&self) -> usize {
        self.ticket_watchers.len()
    }

    /// The latest snapshot of one ticket.
    pub fn ticket(&self, id: &TicketId) -> Option<Arc<TicketView>> {
        self.tickets.get(id).map(|entry| Arc::clone(entry.value()))
    }

    pub fn figures(&self, service: &ServiceCode) -> Option<Arc<ServiceFigures>> {
        self.figures.load().get(service).cloned()
    }

    /// Every service's figures, removed services' included (their queues
    /// are still served).
    pub fn all_figures(&self) -> Arc<FiguresByService> {
        self.figures.load_full()
    }

    /// The duty roster and attention times the wait estimates read.
    pub fn waits(&self) -> &Waits {
        &self.waits
    }

    /// The estimate for the taxpayer of `service` with `ahead` present
    /// taxpayers before them, as of `now`.
    pub fn estimate(&self, service: &ServiceCode, ahead: u32, now: Timestamp) -> WaitEstimate {
        self.waits.estimate(
            &self.catalog.load(),
            &self.figures.load(),
            service,
            ahead,
            now,
        )
    }

    /// Whether Interrumpir is refused now for an operator with `availability`:
    /// the end of the day is near in one of their services and taxpayers wait
    /// in it (the guide: "no permite la interrupción si está muy próximo el
    /// final de la jornada y hay contribuyentes en espera").
    pub fn end_of_day_blocks_interrupt(
        &self,
        availability: &BTreeMap<ServiceCode, bool>,
        now: Timestamp,
    ) -> bool {
        availability
            .iter()
            .filter(|(_, available)| **available)
            .any(|(code, _)| {
                self.catalog.load().end_of_day_near(code, now)
                    && self.figures(code).is_some_and(|f| f.waiting() > 0)
            })
    }

    /// Calls `each` with every ticket snapshot held (tests, diagnostics).
    pub fn for_each_ticket(&self, mut each: impl FnMut(&TicketView)) {
        for entry in self.tickets.iter() {
            each(entry.value());
        }
    }

    /// Number of ticket snapshots held (live and recently ended).
    pub fn ticket_count(&self) -> usize {
        self.tickets.len()
    }

    pub(crate) fn publish_operator(&self, view: OperatorView) {
        let slot = self.operators.read().get(&view.id).cloned();
        if let Some(slot) = slot {
            slot.view.store(Arc::new(view));
            slot.changed.notify_waiters();
            self.changed.notify_waiters();
        }
    }

    pub(crate) fn publish_ticket_arc(&self, view: Arc<TicketView>) {
        if let Some(ended_at) = view.state.ended_at() {
            self.ended.lock().insert((ended_at, view.id));
        }
        let id = view.id;
        self.tickets.insert(id, view);
        self.ticket_watchers.notify(&id);
        self.changed.notify_waiters();
    }

    /// Up to `max` ended tickets that ended before `before`, oldest first,
    /// taken out of the retention index (give back those not forgotten).
    pub(crate) fn take_ended(&self, before: Timestamp, max: usize) -> Vec<(Timestamp, TicketId)> {
        let mut ended = self.ended.lock();
        let mut due = Vec::new();
        while due.len() < max {
            match ended.first() {
                Some(&(at, id)) if at < before => {
                    ended.remove(&(at, id));
                    due.push((at, id));
                }
                _ => break,
            }
        }
        due
    }

    /// An ended ticket whose removal did not commit: tried again later.
    pub(crate) fn give_back_ended(&self, ended_at: Timestamp, id: TicketId) {
        self.ended.lock().insert((ended_at, id));
    }

    /// The ticket's retention ran out (committed): its page answers 404.
    pub(crate) fn forget_ticket(&self, id: &TicketId) {
        self.tickets.remove(id);
        // A poll held on it answers now (404), not at the end of its wait.
        self.ticket_watchers.notify(id);
        self.changed.notify_waiters();
    }

    /// A reload changed what every page may render (hours, names, the
    /// calendar): held polls answer now instead of at the end of their hold.
    pub(crate) fn wake_all(&self) {
        for slot in self.operators.read().values() {
            slot.changed.notify_waiters();
        }
        for figures in self.figures.load().values() {
            figures.changes().queue.notify_waiters();
            figures.changes().occupancy.notify_waiters();
        }
        self.ticket_watchers.notify_all();
        self.changed.notify_waiters();
    }

    /// Waits until `condition` holds, re-checking after every publication:
    /// tests use it instead of sleeping, and it can back long polls.
    pub async fn wait_until(&self, mut condition: impl FnMut(&Views) -> bool) {
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if condition(self) {
                return;
            }
            notified.await;
        }
    }
}

impl std::fmt::Debug for Views {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Views")
            .field("operators", &self.operators.read().len())
            .field("tickets", &self.tickets.len())
            .finish()
    }
}
