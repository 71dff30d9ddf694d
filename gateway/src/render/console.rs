//! The console poll's body and its ETag, rendered from an operator's
//! snapshot and "now".

use std::hash::{Hash, Hasher};

use jiff::Timestamp;
use serde::Serialize;

use engine::catalog::Catalog;
use engine::console::{self, attention_time_exceeded, state_of, ConsoleState};
use engine::domain::{Annotation, Service};
use engine::meeting::activity::TaxpayerPresence;
use engine::store::AbandonReason;
use engine::views::{DutyView, MeetingView, OperatorView, Views};

/// `GET /api/v1/operator/console`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ConsoleBody {
    pub version: u64,
    pub operator: OperatorLine,
    pub attended_today: u32,
    #[schema(value_type = super::schema::ConsoleState)]
    pub state: ConsoleState,
    pub services: Vec<ServiceLine>,
    #[schema(required = true)]
    pub assignment: Option<AssignmentBody>,
    pub warnings: Vec<Warning>,
    pub next_poll_seconds: u32,
    /// This process's epoch (not sent): in the ETag, so a 304 can never be
    /// stale across a restart, whose versions start again.
    #[serde(skip)]
    pub epoch: u32,
    /// The catalog's reload count (not sent): in the ETag, so a reload that
    /// changes hours, names or holidays is never answered with a 304.
    #[serde(skip)]
    pub catalog_generation: u64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OperatorLine {
    pub id: String,
    pub name: String,
}

/// One of the operator's services, as "Servicios Activos" lists it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ServiceLine {
    pub code: String,
    pub description: String,
    pub hours: String,
    pub open: bool,
    /// Open, or closed with taxpayers still waiting (they are still served).
    pub active: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AssignmentBody {
    pub ticket_id: String,
    pub nif: String,
    pub name: String,
    #[schema(format = DateTime)]
    pub joined_at: String,
    #[schema(format = DateTime)]
    pub assigned_at: String,
    pub service: ServiceRef,
    pub authentication: String,
    pub representation_allowed: bool,
    pub history: Vec<HistoryLine>,
    #[schema(required = true)]
    pub meeting: Option<MeetingBody>,
    /// What the taxpayer wrote when pressing Abandonar, if they left.
    #[schema(required = true)]
    pub taxpayer_observations: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ServiceRef {
    pub code: String,
    pub description: String,
}

/// A row of "Anotaciones sobre el contribuyente".
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HistoryLine {
    /// RFC 3339, Europe/Madrid, seconds.
    #[schema(format = DateTime)]
    pub at: String,
    /// Null when no operator attended (the ticket ended in the queue).
    #[schema(required = true)]
    pub operator_id: Option<String>,
    pub service: String,
    pub outcome: &'static str,
    pub outcome_label: &'static str,
    pub observations: String,
    /// What the taxpayer wrote when pressing Abandonar, if they did.
    #[schema(required = true)]
    pub taxpayer_observations: Option<String>,
    /// Why the taxpayer left, when they did: "taxpayer" (pressed Abandonar)
    /// or "absent" (their page stopped answering).
    #[schema(required = true)]
    pub abandon_reason: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MeetingBody {
    pub start_url: String,
    #[schema(format = DateTime)]
    pub started_at: String,
    /// Where the taxpayer is ("waiting_room", "in_meeting", "left"), once the
    /// meeting's events have said.
    #[schema(required = true)]
    pub taxpayer: Option<&'static str>,
    /// Not yet ended for everybody, as far as the provider has told.
    pub running: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
pub struct Warning {
    pub code: &'static str,
    pub message: String,
}

impl ConsoleBody {
    /// The `ETag` of this body: the snapshot version plus everything the clock
    /// changes, so a 304 is never stale.
    pub fn etag(&self) -> String {
        etag_of(
            self.epoch,
            self.version,
            self.state,
            self.attended_today,
            &self.warnings,
            self.catalog_generation,
            self.services.iter().map(|line| (line.open, line.active)),
        )
    }
}

/// The console ETag from its parts: [`console_etag`] and
/// [`ConsoleBody::etag`] both come here, so they cannot disagree.
fn etag_of(
    epoch: u32,
    version: u64,
    state: ConsoleState,
    attended_today: u32,
    warnings: &[Warning],
    catalog_generation: u64,
    services: impl Iterator<Item = (bool, bool)>,
) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    state.hash(&mut hasher);
    attended_today.hash(&mut hasher);
    warnings.hash(&mut hasher);
    catalog_generation.hash(&mut hasher);
    for flags in services {
        flags.hash(&mut hasher);
    }
    format!(
        "\"o{:x}-{}-{:x}\"",
        epoch,
        version,
        hasher.finish() & 0xffff_ffff
    )
}

/// The ETag [`console`] would give its body as of `now`, without rendering
/// it: a poll that already has this version is answered 304 for the price
/// of the clock-dependent parts only.
pub fn console_etag(views: &Views, view: &OperatorView, now: Timestamp) -> String {
    let catalog = views.catalog();
    let services = console::services(views, &catalog, view, now);
    let state = state_of(
        &view.duty,
        !services.is_empty(),
        services.iter().any(|status| status.active),
    );
    etag_of(
        views.epoch(),
        view.version,
        state,
        view.attended.on(catalog.calendar.local_date(now)),
        &warnings_of(views, &catalog, view, now),
        catalog.generation(),
        services.iter().map(|status| (status.open, status.active)),
    )
}

/// The notices the console shows as of `now`.
fn warnings_of(
    views: &Views,
    catalog: &Catalog,
    view: &OperatorView,
    now: Timestamp,
) -> Vec<Warning> {
    let mut warnings = Vec::new();
    if let (Some(assignment), Some(meeting)) = view.duty.held() {
        if let Some(service) = catalog.service(&assignment.service) {
            if attention_time_exceeded(service, meeting.attention_started_at(), now) {
                warnings.push(attention_warning(service));
            }
        }
        warnings.extend(meeting_warnings(meeting));
        if let Some(message) = &meeting.quota_warning {
            warnings.push(Warning {
                code: "zoom_daily_cap_near",
                message: message.to_string(),
            });
        }
    }
    if views.end_of_day_blocks_interrupt(&view.availability, now) {
        warnings.push(Warning {
            code: "end_of_day_near",
            message: "Está próximo el final de la jornada y hay contribuyentes en espera: el sistema no permite Interrumpir.".to_string(),
        });
    }
    warnings
}

/// Renders an operator's console as of `now`.
pub fn console(views: &Views, view: &OperatorView, now: Timestamp) -> ConsoleBody {
    let catalog = views.catalog();
    let calendar = &catalog.calendar;
    let services: Vec<ServiceLine> = console::services(views, &catalog, view, now)
        .into_iter()
        .map(|status| ServiceLine {
            code: status.service.code.as_str().to_string(),
            description: status.service.description.clone(),
            hours: catalog.hours_text(&status.service.code).to_string(),
            open: status.open,
            active: status.active,
        })
        .collect();
    let state = state_of(
        &view.duty,
        !services.is_empty(),
        services.iter().any(|s| s.active),
    );
    let warnings = warnings_of(views, &catalog, view, now);
    let (assignment, meeting) = view.duty.held();
    let assignment = assignment.map(|assignment| {
        let service = catalog.service(&assignment.service);
        AssignmentBody {
            ticket_id: assignment.ticket_id.to_string(),
            nif: assignment.nif.as_str().to_string(),
            name: assignment.name.clone(),
            joined_at: calendar.format_rfc3339_millis(assignment.joined_at),
            assigned_at: calendar.format_rfc3339_millis(assignment.assigned_at),
            service: ServiceRef {
                code: assignment.service.as_str().to_string(),
                description: service.map(|s| s.description.clone()).unwrap_or_default(),
            },
            authentication: service
                .map(|s| s.authentication.clone())
                .unwrap_or_default(),
            representation_allowed: service.is_some_and(|s| s.representation),
            history: assignment
                .history
                .iter()
                .map(|a| history_line(&catalog, a))
                .collect(),
            meeting: meeting.map(|meeting| MeetingBody {
                start_url: meeting.record.start_url.clone(),
                started_at: calendar.format_rfc3339_millis(meeting.attention_started_at()),
                taxpayer: meeting.live.taxpayer.map(|presence| presence.as_str()),
                running: meeting.running(),
            }),
            taxpayer_observations: match &view.duty {
                DutyView::TaxpayerAbandoned {
                    taxpayer_observations,
                    ..
                } => Some(taxpayer_observations.clone()),
                _ => None,
            },
        }
    });
    ConsoleBody {
        version: view.version,
        operator: OperatorLine {
            id: view.id.as_str().to_string(),
            name: view.name.to_string(),
        },
        attended_today: view.attended.on(calendar.local_date(now)),
        state,
        services,
        assignment,
        warnings,
        next_poll_seconds: catalog.poll_seconds,
        epoch: views.epoch(),
        catalog_generation: catalog.generation(),
    }
}

fn history_line(catalog: &Catalog, annotation: &Annotation) -> HistoryLine {
    HistoryLine {
        at: catalog.calendar.format_rfc3339_seconds(annotation.at),
        operator_id: annotation
            .operator_id
            .as_ref()
            .map(|id| id.as_str().to_string()),
        service: annotation.service.as_str().to_string(),
        outcome: annotation.outcome.as_str(),
        outcome_label: annotation.outcome.label(),
        observations: annotation.observations.as_str().to_string(),
        taxpayer_observations: annotation
            .taxpayer_observations
            .as_ref()
            .map(|written| written.as_str().to_string()),
        abandon_reason: annotation.abandon_reason.map(AbandonReason::as_str),
    }
}

/// The guide's hardest moments, as reminders: admit the taxpayer from the
/// waiting room, and end the meeting for everybody before finalizing.
fn meeting_warnings(meeting: &MeetingView) -> Vec<Warning> {
    let mut warnings = Vec::new();
    if meeting.live.taxpayer == Some(TaxpayerPresence::WaitingRoom) && meeting.running() {
        warnings.push(Warning {
            code: "taxpayer_in_waiting_room",
            message: "El contribuyente está en la sala de espera de Zoom. Pulse el botón Participantes de la parte inferior de Zoom y después Admitir para darle paso a la reunión.".to_string(),
        });
    }
    if meeting.live.taxpayer == Some(TaxpayerPresence::Left) && meeting.running() {
        warnings.push(Warning {
            code: "taxpayer_left_meeting",
            message: "El contribuyente ha salido de la reunión.".to_string(),
        });
    }
    if meeting.running() {
        warnings.push(Warning {
            code: "meeting_still_running",
            message: "La reunión sigue abierta en Zoom. Antes de finalizar aquí, finalícela en Zoom con \"Finalizar la reunión para todos\".".to_string(),
        });
    }
    warnings
}

fn attention_warning(service: &Service) -> Warning {
    let minutes = service.attention.as_secs() / 60;
    let unit = if minutes == 1 { "minuto" } else { "minutos" };
    Warning {
        code: "attention_time_exceeded",
        message: format!(
            "Han transcurrido {minutes} {unit} desde que inició la reunión en Zoom. Si está atendiendo o ha atendido correctamente al contribuyente, finalice la reunión cuando corresponda y consigne el resultado de la misma. En caso contrario, puede finalizar la reunión por \"Abandono del Contribuyente\" o esperar un poco más a que el contribuyente consiga conectar."
        ),
    }
}
