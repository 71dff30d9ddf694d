//! What an operator's console shows, decided from their snapshot and "now":
//! the console state of DESIGN.md and the attention-time rule. The gateway
//! renders the console body around these; the metrics and Finalizar read
//! them too, so dashboards and consoles never disagree.

use jiff::Timestamp;
use serde::Serialize;

use crate::catalog::Catalog;
use crate::domain::Service;
use crate::views::{DutyView, OperatorView, Views};

/// The console states of DESIGN.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsoleState {
    Unavailable,
    Closed,
    Idle,
    Waiting,
    Assigned,
    InMeeting,
    TaxpayerAbandoned,
}

impl ConsoleState {
    /// Every state, in the guide's order.
    pub const ALL: [ConsoleState; 7] = [
        ConsoleState::Unavailable,
        ConsoleState::Closed,
        ConsoleState::Idle,
        ConsoleState::Waiting,
        ConsoleState::Assigned,
        ConsoleState::InMeeting,
        ConsoleState::TaxpayerAbandoned,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            ConsoleState::Unavailable => "unavailable",
            ConsoleState::Closed => "closed",
            ConsoleState::Idle => "idle",
            ConsoleState::Waiting => "waiting",
            ConsoleState::Assigned => "assigned",
            ConsoleState::InMeeting => "in_meeting",
            ConsoleState::TaxpayerAbandoned => "taxpayer_abandoned",
        }
    }
}

/// The state an operator's console shows as of `now`, without rendering the
/// rest of it (the metrics count operators by it at every scrape).
pub fn console_state(views: &Views, view: &OperatorView, now: Timestamp) -> ConsoleState {
    let catalog = views.catalog();
    let mut services = view.available_services(&catalog).peekable();
    let has_services = services.peek().is_some();
    let any_active = services.any(|code| {
        catalog.is_open(code, now) || views.figures(code).is_some_and(|f| f.waiting() > 0)
    });
    state_of(&view.duty, has_services, any_active)
}

/// The console state: the duty, or for an operator off duty, why.
/// `has_services`: the operator is available for some service;
/// `any_active`: one of those is open, or closed with taxpayers waiting.
pub fn state_of(duty: &DutyView, has_services: bool, any_active: bool) -> ConsoleState {
    match duty {
        DutyView::Off if !has_services => ConsoleState::Unavailable,
        DutyView::Off if !any_active => ConsoleState::Closed,
        DutyView::Off => ConsoleState::Idle,
        DutyView::Waiting { .. } => ConsoleState::Waiting,
        DutyView::Assigned { .. } => ConsoleState::Assigned,
        DutyView::InMeeting { .. } => ConsoleState::InMeeting,
        DutyView::TaxpayerAbandoned { .. } => ConsoleState::TaxpayerAbandoned,
    }
}

/// One of the operator's services as the console lists it.
#[derive(Debug, Clone, Copy)]
pub struct ServiceStatus<'c> {
    pub service: &'c Service,
    pub open: bool,
    /// Open, or closed with taxpayers still waiting (they are still served).
    pub active: bool,
}

/// The operator's services in catalog order, each open or not, active or not.
pub fn services<'c>(
    views: &Views,
    catalog: &'c Catalog,
    view: &OperatorView,
    now: Timestamp,
) -> Vec<ServiceStatus<'c>> {
    view.available_services(catalog)
        .filter_map(|code| catalog.service(code))
        .map(|service| {
            let open = service.schedule.is_open(&catalog.calendar, now);
            let waiting = views.figures(&service.code).map_or(0, |f| f.waiting());
            ServiceStatus {
                service,
                open,
                active: open || waiting > 0,
            }
        })
        .collect()
}

/// How many attentions the operator has finished on `now`'s local day.
pub fn attended_today(views: &Views, view: &OperatorView, now: Timestamp) -> u32 {
    view.attended.on(views.catalog().calendar.local_date(now))
}

/// The guide's NOTA: the warning appears once the service's average
/// attention time has passed since Iniciar Videoasistencia.
pub fn attention_time_exceeded(service: &Service, started_at: Timestamp, now: Timestamp) -> bool {
    now.duration_since(started_at).as_secs() >= service.attention.as_secs() as i64
}
