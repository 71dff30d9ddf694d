//! Estimated waits at read time, from what the dispatcher publishes: who is
//! on duty for which services, since when each attention in progress runs
//! (the duty roster), and each service's observed attention times.
//!
//! A poll computes its estimate here without messaging any actor (DESIGN.md
//! "Views: cheap reads"): the dispatcher writes the roster entry of one
//! operator per change (O(1)), and a reader replays the estimator
//! (`crate::estimate`) from a copy of it. The replay for a service is
//! cached for the current second and roster, so a crowd of polls costs one
//! replay a second per service.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use arc_swap::{ArcSwap, ArcSwapOption};
use jiff::civil::Date;
use jiff::Timestamp;
use parking_lot::{Mutex, RwLock};

use crate::catalog::{Catalog, FiguresByService};
use crate::domain::{OperatorId, ServiceCode};
use crate::estimate::{
    queue_share, AttentionDistribution, AttentionTimes, InProgress, OnDuty, WaitQuery, WaitTable,
    MAX_TABLE_POSITIONS,
};

/// An operator who went off duty this recently explains a rising estimate.
const OPERATOR_LEFT_NOTICE: Duration = Duration::from_secs(60);

/// Past this quantile of the service's attention times, an attention in
/// progress is "running long" (it explains a rising estimate).
const RUNNING_LONG_QUANTILE: f64 = 0.9;

const NOBODY_LEFT: i64 = i64::MIN;

/// Shares of shared operators are rounded to this many steps.
const SHARE_STEPS: f64 = 64.0;

/// One operator on duty, as the roster shows them.
#[derive(Debug, Clone)]
pub struct DutyEntry {
    /// The services they take taxpayers from.
    pub services: Arc<[ServiceCode]>,
    /// The attention in progress: since when, and for which service.
    pub busy: Option<(Timestamp, ServiceCode)>,
}

/// What a taxpayer is told about their wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitEstimate {
    /// `None` when no operator is serving the service right now.
    pub wait: Option<Duration>,
    /// The estimated start falls after the service's closing time today.
    pub past_closing: bool,
    /// What would explain the estimate having risen, if anything does now.
    pub reason: Option<EstimateReason>,
}

impl WaitEstimate {
    /// The wait in whole seconds (to the nearest), as the API tells it.
    pub fn wait_seconds(&self) -> Option<u64> {
        self.wait.map(|wait| wait.as_secs_f64().round() as u64)
    }
}

/// Why an estimate may have risen (the ticket page says it in Spanish when it does).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EstimateReason {
    /// Nobody is on duty for the service: there is no estimate.
    NoOperator,
    /// An operator of this service went off duty in the last minute.
    OperatorLeft,
    /// An attention in progress has run longer than nine in ten usually do.
    AttentionRunningLong,
}

impl EstimateReason {
    /// The code the ticket view carries.
    pub fn as_str(self) -> &'static str {
        match self {
            EstimateReason::NoOperator => "no_operator",
            EstimateReason::OperatorLeft => "operator_left",
            EstimateReason::AttentionRunningLong => "attention_running_long",
        }
    }
}

/// One service's attention times and its cached replay.
#[derive(Debug)]
struct ServiceWaits {
    /// The configured `attention_minutes`: the distribution before today's attentions.
    prior: Arc<AttentionDistribution>,
    configured: Duration,
    /// Written by the dispatcher only.
    times: Mutex<AttentionTimes>,
    /// The distribution of `times`, for the day it holds.
    published: ArcSwap<(Option<Date>, Arc<AttentionDistribution>)>,
    /// When an operator of this service last went off duty (Unix ms).
    last_left_ms: AtomicI64,
    cache: ArcSwapOption<CachedTable>,
}

#[derive(Debug)]
struct CachedTable {
    key: u64,
    table: Option<WaitTable>,
}

/// The roster and attention times every wait estimate reads.
#[derive(Debug)]
pub struct Waits {
    roster: RwLock<HashMap<OperatorId, DutyEntry>>,
    /// Bumped on every roster or attention-time change: part of the cache key.
    epoch: AtomicU64,
    /// Per service ever configured (a reload adds or replaces entries).
    services: RwLock<HashMap<ServiceCode, Arc<ServiceWaits>>>,
}

impl ServiceWaits {
    fn new(configured: Duration, times: AttentionTimes, last_left_ms: i64) -> ServiceWaits {
        let prior = Arc::new(AttentionDistribution::constant(configured));
        ServiceWaits {
            configured,
            published: ArcSwap::from_pointee((None, Arc::clone(&prior))),
            prior,
            times: Mutex::new(times),
            last_left_ms: AtomicI64::new(last_left_ms),
            cache: ArcSwapOption::empty(),
        }
    }
}

impl Waits {
    pub(crate) fn new(catalog: &Catalog) -> Waits {
        let services = catalog
            .services()
            .iter()
            .map(|service| {
                let waits =
                    ServiceWaits::new(service.attention, AttentionTimes::new(), NOBODY_LEFT);
                (service.code.clone(), Arc::new(waits))
            })
            .collect();
        Waits {
            roster: RwLock::new(HashMap::new()),
            epoch: AtomicU64::new(0),
            services: RwLock::new(services),
        }
    }

    fn service(&self, service: &ServiceCode) -> Option<Arc<ServiceWaits>> {
        self.services.read().get(service).cloned()
    }

    /// A reload added `service` or changed its attention time: the day's
    /// observed times are kept, the configured one fills in from now on.
    pub(crate) fn configure_service(&self, service: &crate::domain::Service) {
        let mut services = self.services.write();
        let replacement = match services.get(&service.code) {
            Some(waits) if waits.configured == service.attention => return,
            Some(waits) => ServiceWaits::new(
                service.attention,
                std::mem::replace(&mut *waits.times.lock(), AttentionTimes::new()),
                waits.last_left_ms.load(Ordering::Acquire),
            ),
            None => ServiceWaits::new(service.attention, AttentionTimes::new(), NOBODY_LEFT),
        };
        services.insert(service.code.clone(), Arc::new(replacement));
        self.epoch.fetch_add(1, Ordering::AcqRel);
    }

    /// The dispatcher publishes one operator's duty: `None` when off duty.
    pub(crate) fn set_duty(&self, operator: &OperatorId, entry: Option<DutyEntry>) {
        {
            let mut roster = self.roster.write();
            match entry {
                Some(entry) => roster.insert(operator.clone(), entry),
                None => roster.remove(operator),
            };
        }
        self.epoch.fetch_add(1, Ordering::AcqRel);
    }

    /// An operator of `services` went off duty at `at` (Interrumpir).
    pub(crate) fn operator_left(&self, services: &[ServiceCode], at: Timestamp) {
        for service in services {
            if let Some(waits) = self.service(service) {
                waits
                    .last_left_ms
                    .store(at.as_millisecond(), Ordering::Release);
            }
        }
    }

    /// An attention of `service` (assignment to Finalizar) took `took`,
    /// ending on local day `day`.
    pub(crate) fn record_attention(&self, service: &ServiceCode, took: Duration, day: Date) {
        let Some(waits) = self.service(service) else {
            return;
        };
        let distribution = {
            let mut times = waits.times.lock();
            times.record(took, day);
            times.distribution(day, waits.configured)
        };
        waits
            .published
            .store(Arc::new((Some(day), Arc::new(distribution))));
        self.epoch.fetch_add(1, Ordering::AcqRel);
    }

    /// The attention times to estimate `service` with on `today`.
    pub fn distribution(
        &self,
        service: &ServiceCode,
        today: Date,
    ) -> Option<Arc<AttentionDistribution>> {
        let waits = self.service(service)?;
        let published = waits.published.load();
        Some(match published.0 {
            Some(day) if day == today => Arc::clone(&published.1),
            _ => Arc::clone(&waits.prior),
        })
    }

    /// Operators on duty for `service` now.
    pub fn on_duty(&self, service: &ServiceCode) -> usize {
        self.roster
            .read()
            .values()
            .filter(|entry| entry.services.contains(service))
            .count()
    }

    /// The estimate for the taxpayer of `service` with `ahead` present
    /// taxpayers before them, as of `now`.
    pub fn estimate(
        &self,
        catalog: &Catalog,
        figures: &FiguresByService,
        service: &ServiceCode,
        ahead: u32,
        now: Timestamp,
    ) -> WaitEstimate {
        let no_estimate = WaitEstimate {
            wait: None,
            past_closing: false,
            reason: Some(EstimateReason::NoOperator),
        };
        let Some(waits) = self.service(service) else {
            return no_estimate;
        };
        let today = catalog.calendar.local_date(now);
        // Ages are counted from the start of the current second, so that one
        // replay serves every poll of that second.
        let second_ms = now.as_millisecond().div_euclid(1000) * 1000;
        let waiting = |code: &ServiceCode| figures.get(code).map_or(0, |f| f.waiting());
        let epoch = self.epoch.load(Ordering::Acquire);
        let mut servers: Vec<(f64, Option<(i64, ServiceCode)>)> = self
            .roster
            .read()
            .values()
            .filter(|entry| entry.services.contains(service))
            .map(|entry| {
                let share = queue_share(
                    waiting(service),
                    entry
                        .services
                        .iter()
                        .filter(|code| *code != service)
                        .map(waiting),
                );
                // In 64ths: one more taxpayer in a long queue does not
                // invalidate the cached replay (shares are part of its key).
                let share = (share * SHARE_STEPS).round().max(1.0) / SHARE_STEPS;
                let busy = entry.busy.as_ref().map(|(since, code)| {
                    ((second_ms - since.as_millisecond()).max(0), code.clone())
                });
                (share, busy)
            })
            .collect();
        if servers.is_empty() {
            return no_estimate;
        }
        // The replay draws per operator index: a fixed order makes the same
        // situation give the same estimate whatever the map's order.
        servers.sort_by_cached_key(|(share, busy)| {
            (
                share.to_bits(),
                busy.as_ref()
                    .map(|(elapsed_ms, code)| (*elapsed_ms, code.as_str().to_string())),
            )
        });
        let positions = (waiting(service).max(ahead) as usize + 1)
            .next_power_of_two()
            .min(MAX_TABLE_POSITIONS);
        let key = {
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            (epoch, second_ms, positions, today).hash(&mut hasher);
            for (share, _) in &servers {
                share.to_bits().hash(&mut hasher);
            }
            hasher.finish()
        };
        let Some(own) = self.distribution(service, today) else {
            return no_estimate;
        };
        let cached = waits.cache.load_full().filter(|cached| cached.key == key);
        let cached = match cached {
            Some(cached) => cached,
            None => {
                let distributions: HashMap<&ServiceCode, Arc<AttentionDistribution>> = servers
                    .iter()
                    .filter_map(|(_, busy)| busy.as_ref().map(|(_, code)| code))
                    .filter_map(|code| Some((code, self.distribution(code, today)?)))
                    .collect();
                let operators: Vec<OnDuty<'_>> = servers
                    .iter()
                    .map(|(share, busy)| OnDuty {
                        share: *share,
                        busy: busy.as_ref().map(|(elapsed_ms, code)| InProgress {
                            elapsed: Duration::from_millis(*elapsed_ms as u64),
                            attention: distributions.get(code).map_or(&own, |d| d.as_ref()),
                        }),
                    })
                    .collect();
                let query = WaitQuery {
                    operators: &operators,
                    attention: &own,
                };
                let computed = Arc::new(CachedTable {
                    key,
                    table: WaitTable::compute(&query, positions),
                });
                waits.cache.store(Some(Arc::clone(&computed)));
                computed
            }
        };
        let Some(table) = &cached.table else {
            return no_estimate;
        };
        let wait = table.start_after(ahead);
        let past_closing = catalog
            .service(service)
            .and_then(|service| service.closing_time_today(&catalog.calendar, now))
            .is_some_and(|close| now.saturating_add(wait).is_ok_and(|start| start > close));
        let left_ms = waits.last_left_ms.load(Ordering::Acquire);
        let running_long = servers.iter().any(|(_, busy)| {
            busy.as_ref().is_some_and(|(elapsed_ms, code)| {
                self.distribution(code, today).is_some_and(|d| {
                    *elapsed_ms as f64 / 1000.0 > d.quantile_seconds(RUNNING_LONG_QUANTILE)
                })
            })
        });
        let reason = if left_ms != NOBODY_LEFT
            && now.as_millisecond().saturating_sub(left_ms)
                <= OPERATOR_LEFT_NOTICE.as_millis() as i64
        {
            Some(EstimateReason::OperatorLeft)
        } else if running_long {
            Some(EstimateReason::AttentionRunningLong)
        } else {
            None
        };
        WaitEstimate {
            wait: Some(wait),
            past_closing,
            reason,
        }
    }
}
