//! The services, the calendar and the dispatch settings every actor reads.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use jiff::Timestamp;
use parking_lot::RwLock;
use tokio::sync::Notify;

use crate::config::EngineSettings;
use crate::domain::{Calendar, IdentityCheck, OperatorId, OperatorProfile, Service, ServiceCode};
use crate::fenwick::Fenwick;

/// Read-only facts from the configuration, shared by the whole engine. A
/// reload (SIGHUP) replaces the whole catalog at once ([`CatalogHandle`]);
/// a reader keeps the snapshot it loaded for the rest of its request.
#[derive(Debug)]
pub struct Catalog {
    pub calendar: Calendar,
    /// The configured services in configuration order, then those a reload
    /// withdrew while taxpayers still waited in them (`active` tells where
    /// the configured ones end).
    services: Vec<Service>,
    active: usize,
    /// Each service's hours text, formatted once: every console poll shows it.
    hours: Vec<String>,
    by_code: HashMap<ServiceCode, usize>,
    operator_index: HashMap<OperatorId, usize>,
    pub operators: Vec<OperatorProfile>,
    /// Operators a reload removed: they may finish the attention they hold
    /// (their actors live on), never log in or attend again.
    retired: Vec<OperatorProfile>,
    pub identity: IdentityCheck,
    pub interrupt_margin: Duration,
    /// `[dispatch] refuse_joins_past_closing`: a join whose estimated start
    /// is after closing time is refused instead of warned.
    pub refuse_joins_past_closing: bool,
    pub poll_seconds: u32,
    /// When a silent taxpayer page is absent, then gone.
    pub presence: crate::presence::PresenceSettings,
    /// How long what has ended is kept.
    pub retention: crate::retention::RetentionSettings,
    /// How many reloads made this catalog (0 at start): part of every ETag.
    generation: u64,
}

impl Catalog {
    pub fn new(settings: EngineSettings) -> Catalog {
        Catalog::with_leftovers(settings, Vec::new(), Vec::new())
    }

    /// The catalog `settings` describe after a reload from `previous`:
    /// services no longer configured stay, withdrawn, while `still_live`
    /// says tickets remain in them; operators no longer configured are
    /// retired (their actors stay, so they are remembered).
    pub fn reloaded(
        settings: EngineSettings,
        previous: &Catalog,
        still_live: impl Fn(&ServiceCode) -> bool,
    ) -> Catalog {
        let configured = |code: &ServiceCode| settings.services.iter().any(|s| &s.code == code);
        let withdrawn = previous
            .services
            .iter()
            .filter(|service| !configured(&service.code) && still_live(&service.code))
            .cloned()
            .collect();
        let retired = previous
            .operators
            .iter()
            .chain(&previous.retired)
            .filter(|profile| !settings.operators.iter().any(|o| o.id == profile.id))
            .cloned()
            .collect();
        let mut catalog = Catalog::with_leftovers(settings, withdrawn, retired);
        catalog.generation = previous.generation + 1;
        catalog
    }

    fn with_leftovers(
        mut settings: EngineSettings,
        withdrawn: Vec<Service>,
        retired: Vec<OperatorProfile>,
    ) -> Catalog {
        let active = settings.services.len();
        settings.services.extend(withdrawn);
        let by_code = settings
            .services
            .iter()
            .enumerate()
            .map(|(index, service)| (service.code.clone(), index))
            .collect();
        let operator_index = settings
            .operators
            .iter()
            .enumerate()
            .map(|(index, operator)| (operator.id.clone(), index))
            .collect();
        let hours = settings.services.iter().map(Service::hours_text).collect();
        Catalog {
            calendar: settings.calendar,
            operator_index,
            hours,
            services: settings.services,
            active,
            by_code,
            operators: settings.operators,
            retired,
            identity: settings.identity,
            interrupt_margin: settings.interrupt_margin,
            refuse_joins_past_closing: settings.refuse_joins_past_closing,
            poll_seconds: settings.poll_seconds,
            presence: settings.presence,
            retention: settings.retention,
            generation: 0,
        }
    }

    /// How many reloads made this catalog.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Services in configuration order (those taking joins).
    pub fn services(&self) -> &[Service] {
        &self.services[..self.active]
    }

    /// The configured services, then those withdrawn by a reload while
    /// taxpayers still wait in them: what operators serve.
    pub fn served_services(&self) -> &[Service] {
        &self.services
    }

    /// Withdrawn by a reload: takes no joins, still served while its
    /// queue drains.
    pub fn is_withdrawn(&self, code: &ServiceCode) -> bool {
        self.by_code
            .get(code)
            .is_some_and(|&index| index >= self.active)
    }

    /// A configured or withdrawn service.
    pub fn service(&self, code: &ServiceCode) -> Option<&Service> {
        self.by_code.get(code).map(|&index| &self.services[index])
    }

    /// The guide's hours line of `code` ("De lunes a viernes … (Horario peninsular)").
    pub fn hours_text(&self, code: &ServiceCode) -> &str {
        self.by_code
            .get(code)
            .map_or("", |&index| &self.hours[index])
    }

    /// A configured operator (who may log in).
    pub fn operator(&self, id: &OperatorId) -> Option<&OperatorProfile> {
        self.operator_index
            .get(id)
            .map(|&index| &self.operators[index])
    }

    /// A configured operator, or one a reload removed.
    pub fn known_operator(&self, id: &OperatorId) -> Option<&OperatorProfile> {
        self.operator(id)
            .or_else(|| self.retired.iter().find(|profile| &profile.id == id))
    }

    /// Operators a reload removed (some may still finish an attention).
    pub fn retired_operators(&self) -> &[OperatorProfile] {
        &self.retired
    }

    /// Looks a service taking joins up by the text a client sent.
    pub fn service_by_text(&self, code: &str) -> Option<&Service> {
        self.services().iter().find(|s| s.code.as_str() == code)
    }

    /// Open for joins now (a withdrawn service never is).
    pub fn is_open(&self, code: &ServiceCode, at: Timestamp) -> bool {
        !self.is_withdrawn(code)
            && self
                .service(code)
                .is_some_and(|service| service.schedule.is_open(&self.calendar, at))
    }

    /// Whether the end of `code`'s service day is within the interrupt margin
    /// (or already past, on a day it opened).
    pub fn end_of_day_near(&self, code: &ServiceCode, at: Timestamp) -> bool {
        let Some(service) = self.service(code) else {
            return false;
        };
        match service.schedule.closing_time_today(&self.calendar, at) {
            Some(close) => at
                .saturating_add(self.interrupt_margin)
                .is_ok_and(|t| t >= close),
            None => false,
        }
    }
}

/// The catalog every reader loads: swapped whole by a reload, between two
/// dispatcher messages (DESIGN.md section 5), so nobody sees half of one.
#[derive(Debug)]
pub struct CatalogHandle(ArcSwap<Catalog>);

impl CatalogHandle {
    pub fn new(catalog: Catalog) -> CatalogHandle {
        CatalogHandle(ArcSwap::from_pointee(catalog))
    }

    /// The catalog now: keep it for the whole request or command.
    pub fn load(&self) -> Arc<Catalog> {
        self.0.load_full()
    }

    pub(crate) fn store(&self, catalog: Arc<Catalog>) {
        self.0.store(catalog);
    }
}

/// Per-service figures the dispatcher publishes after each change, so ticket
/// polls compute their position without messaging anybody (the estimate
/// reads these and `crate::waits`).
#[derive(Debug)]
pub struct ServiceFigures {
    waiting: AtomicU32,
    /// Waiting tickets set aside because their page went silent (not in
    /// `waiting`: they hold no position until they come back).
    absent: AtomicU32,
    serving_operators: AtomicU32,
    average_attention_ms: AtomicU64,
    /// Join time of the oldest waiting ticket, in Unix milliseconds
    /// (`NO_TICKET_WAITING` when the queue is empty), for the metrics.
    oldest_joined_ms: AtomicI64,
    /// Waiting tickets by join slot: a ticket's position is a prefix sum.
    positions: RwLock<Fenwick>,
    /// Held polls wake on these (docs/api.md "Instant updates"): every mutator
    /// that can change what a poll renders from these figures notifies.
    changes: FigureChanges,
}

/// What held polls wait on in a service's figures.
#[derive(Debug, Default)]
pub struct FigureChanges {
    /// Positions or estimates of tickets already waiting may have moved:
    /// somebody left the queue, or the serving operators or the average
    /// attention changed. A join at the tail moves nobody ahead of it.
    /// (Shared, so a held poll's wait owns it: a reload may add services.)
    pub queue: Arc<Notify>,
    /// The queue went from empty to not empty or back (a closed service
    /// with taxpayers waiting is still active on the consoles).
    pub occupancy: Arc<Notify>,
}

const NO_TICKET_WAITING: i64 = i64::MIN;

/// The smallest position tree worth compacting (16 KiB).
const COMPACT_AT: usize = 4096;

impl ServiceFigures {
    pub fn new(average_attention: Duration) -> ServiceFigures {
        ServiceFigures {
            waiting: AtomicU32::new(0),
            absent: AtomicU32::new(0),
            serving_operators: AtomicU32::new(0),
            average_attention_ms: AtomicU64::new(average_attention.as_millis() as u64),
            oldest_joined_ms: AtomicI64::new(NO_TICKET_WAITING),
            positions: RwLock::new(Fenwick::new()),
            changes: FigureChanges::default(),
        }
    }

    /// The notifications of these figures' changes, for held polls.
    pub fn changes(&self) -> &FigureChanges {
        &self.changes
    }

    /// Tickets waiting in the queue now.
    pub fn waiting(&self) -> u32 {
        self.waiting.load(Ordering::Acquire)
    }

    /// Waiting tickets set aside as absent now.
    pub fn absent(&self) -> u32 {
        self.absent.load(Ordering::Acquire)
    }

    pub(crate) fn set_absent(&self, count: usize) {
        self.absent
            .store(u32::try_from(count).unwrap_or(u32::MAX), Ordering::Release);
    }

    /// Operators on duty (waiting or attending) who serve this service.
    pub fn serving_operators(&self) -> u32 {
        self.serving_operators.load(Ordering::Acquire)
    }

    /// When the oldest ticket still waiting joined, if any waits.
    pub fn oldest_joined(&self) -> Option<Timestamp> {
        match self.oldest_joined_ms.load(Ordering::Acquire) {
            NO_TICKET_WAITING => None,
            millis => Timestamp::from_millisecond(millis).ok(),
        }
    }

    /// The running average of real attention times (start to finalize).
    pub fn average_attention(&self) -> Duration {
        Duration::from_millis(self.average_attention_ms.load(Ordering::Acquire))
    }

    /// The 1-based queue position of the ticket in `slot`.
    pub fn position(&self, slot: usize) -> u32 {
        self.positions.read().prefix_sum(slot)
    }

    /// Drops the position tree's slots below `floor` (the oldest slot a
    /// waiting, absent or parked ticket of the service still has; `None`:
    /// none has any) once they are at least half of a tree of
    /// `COMPACT_AT` slots or more. Built on a copy, so polls reading
    /// positions meanwhile never wait for it; only the dispatcher writes the
    /// tree, so nothing changes it between the copy and the swap. Answers
    /// whether it compacted.
    pub(crate) fn compact_positions(&self, floor: Option<usize>) -> bool {
        let compacted = {
            let positions = self.positions.read();
            let floor = floor.unwrap_or(positions.len());
            let dead = floor.saturating_sub(positions.base());
            if positions.covered() < COMPACT_AT || dead < positions.covered() / 2 {
                return false;
            }
            let mut copy = positions.clone();
            copy.compact_below(floor);
            copy
        };
        *self.positions.write() = compacted;
        true
    }

    /// Slots the position tree holds now (what compaction keeps small).
    pub fn positions_held(&self) -> usize {
        self.positions.read().covered()
    }

    /// Whether a compaction may be due: the tree is large and most of its
    /// slots are no longer waiting (the caller then finds the floor).
    pub(crate) fn positions_may_compact(&self) -> bool {
        let covered = self.positions.read().covered();
        let live = self.waiting() as usize + self.absent() as usize;
        covered >= COMPACT_AT && covered >= 2 * live
    }

    pub(crate) fn enqueue(&self) -> usize {
        let slot = self.positions.write().push(1);
        if self.waiting.fetch_add(1, Ordering::AcqRel) == 0 {
            self.changes.occupancy.notify_waiters();
        }
        slot
    }

    pub(crate) fn dequeue(&self, slot: usize) {
        self.positions.write().add(slot, -1);
        if self.waiting.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.changes.occupancy.notify_waiters();
        }
        self.changes.queue.notify_waiters();
    }

    /// An absent ticket came back: it counts again, at its old slot (its
    /// place in join order), for everybody who joined after it.
    pub(crate) fn requeue(&self, slot: usize) {
        self.positions.write().add(slot, 1);
        if self.waiting.fetch_add(1, Ordering::AcqRel) == 0 {
            self.changes.occupancy.notify_waiters();
        }
        // Everybody who joined after it is one place further back.
        self.changes.queue.notify_waiters();
    }

    /// The dispatcher publishes the head of the queue after every change to it.
    pub(crate) fn set_oldest_joined(&self, joined_at: Option<Timestamp>) {
        let millis = joined_at.map_or(NO_TICKET_WAITING, |at| at.as_millisecond());
        self.oldest_joined_ms.store(millis, Ordering::Release);
    }

    pub(crate) fn set_serving_operators(&self, count: u32) {
        if self.serving_operators.swap(count, Ordering::AcqRel) != count {
            self.changes.queue.notify_waiters();
        }
    }

    /// A reload changed the configured attention time: estimates start
    /// again from it (the console's warning reads the catalog).
    pub(crate) fn set_average_attention(&self, attention: Duration) {
        let millis = attention.as_millis() as u64;
        if self.average_attention_ms.swap(millis, Ordering::AcqRel) != millis {
            self.changes.queue.notify_waiters();
        }
    }

    /// Folds one real attention time into the running average (an
    /// exponentially weighted mean: recent attentions weigh 1/8).
    pub(crate) fn record_attention(&self, took: Duration) {
        let previous = self.average_attention_ms.load(Ordering::Acquire);
        let sample = took.as_millis() as u64;
        let next = (previous * 7 + sample) / 8;
        self.average_attention_ms.store(next, Ordering::Release);
        if next != previous {
            self.changes.queue.notify_waiters();
        }
    }
}

/// Figures for every configured service.
pub type FiguresByService = HashMap<ServiceCode, Arc<ServiceFigures>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_average_moves_toward_real_attention_times() {
        let figures = ServiceFigures::new(Duration::from_secs(240));
        figures.record_attention(Duration::from_secs(480));
        assert_eq!(figures.average_attention(), Duration::from_secs(270));
    }
}
