//! The ticket poll's body and its ETag, rendered from a ticket's snapshot
//! and "now".

use jiff::Timestamp;
use serde::Serialize;

use engine::store::TicketState;
use engine::views::{OperatorBadge, TicketView, Views, RECORDING_NOTICE};

/// `GET /api/v1/tickets/{id}`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TicketBody {
    pub version: u64,
    pub ticket_id: String,
    #[schema(value_type = TicketStateName)]
    pub state: &'static str,
    pub service: String,
    pub service_description: String,
    pub nif: String,
    pub name: String,
    #[schema(required = true)]
    pub position: Option<u32>,
    /// Re-estimated on every poll; null when no operator is serving the
    /// service right now (and once the ticket no longer waits).
    #[schema(required = true)]
    pub estimated_wait_seconds: Option<u64>,
    /// The estimated start of the attention is after the service's closing time today.
    pub estimate_past_closing: bool,
    /// What would explain the estimate having risen since an earlier poll, if
    /// anything does now (the page says it when the estimate rises).
    #[schema(required = true, value_type = Option<EstimateReasonName>)]
    pub estimate_reason: Option<&'static str>,
    #[schema(required = true, value_type = Option<super::schema::OperatorBadge>)]
    pub operator: Option<OperatorBadge>,
    pub recording_notice: &'static str,
    #[schema(required = true)]
    pub join_url: Option<String>,
    #[schema(format = DateTime)]
    pub joined_at: String,
    #[schema(required = true, format = DateTime)]
    pub assigned_at: Option<String>,
    #[schema(required = true, format = DateTime)]
    pub finished_at: Option<String>,
    /// Whether the taxpayer's page counts as there (it polled within
    /// `[presence] absent_after`); an absent ticket keeps its place.
    pub present: bool,
    /// For an abandoned ticket: "taxpayer" (pressed Abandonar) or "absent"
    /// (the page stopped answering); null otherwise.
    #[schema(required = true)]
    pub abandon_reason: Option<&'static str>,
    pub next_poll_seconds: u32,
    /// This process's epoch (not sent): in the ETag, like the console's.
    #[serde(skip)]
    pub epoch: u32,
    /// The catalog's reload count (not sent): in the ETag, so a reload that
    /// changes hours, names or holidays is never answered with a 304.
    #[serde(skip)]
    pub catalog_generation: u64,
}

/// The ticket states a [`TicketBody`] names (`TicketState::name`), for the
/// OpenAPI document only.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TicketStateName {
    Waiting,
    Assigned,
    Accepted,
    Finished,
    Abandoned,
}

/// The codes of [`TicketBody::estimate_reason`] (`EstimateReason::as_str`),
/// for the OpenAPI document only.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EstimateReasonName {
    NoOperator,
    OperatorLeft,
    AttentionRunningLong,
}

impl TicketBody {
    /// Version plus the queue figures, which move without the ticket changing.
    pub fn etag(&self) -> String {
        format!(
            "\"t{:x}.{:x}-{}-{}-{}-{}{}{}\"",
            self.epoch,
            self.catalog_generation,
            self.version,
            self.position.unwrap_or(0),
            self.estimated_wait_seconds
                .map_or_else(|| "n".to_string(), |secs| secs.to_string()),
            u8::from(self.estimate_past_closing),
            u8::from(self.present),
            self.estimate_reason.unwrap_or("")
        )
    }
}

/// Renders a ticket page as of `now`: the position comes from the service's
/// published figures, the estimate is made afresh from the duty roster.
pub fn ticket(views: &Views, view: &TicketView, now: Timestamp) -> TicketBody {
    let catalog = views.catalog();
    let calendar = &catalog.calendar;
    let place = engine::place::place(views, view, now);
    let position = place.map(|place| place.position);
    let estimate = place.map(|place| place.estimate);
    let (assigned_at, finished_at) = match &view.state {
        TicketState::Waiting => (None, None),
        TicketState::Assigned { assigned_at, .. } | TicketState::Accepted { assigned_at, .. } => {
            (Some(*assigned_at), None)
        }
        TicketState::Finished {
            assigned_at,
            finished_at,
            ..
        } => (Some(*assigned_at), Some(*finished_at)),
        TicketState::Abandoned {
            assigned_at,
            abandoned_at,
            ..
        } => (*assigned_at, Some(*abandoned_at)),
    };
    let join_url = match view.state {
        TicketState::Accepted { .. } => view.join_url.clone(),
        _ => None,
    };
    TicketBody {
        version: view.version,
        ticket_id: view.id.to_string(),
        state: view.state.name(),
        service: view.service.as_str().to_string(),
        service_description: catalog
            .service(&view.service)
            .map(|s| s.description.clone())
            .unwrap_or_default(),
        nif: view.nif.as_str().to_string(),
        name: view.name.clone(),
        position,
        estimated_wait_seconds: estimate.and_then(|estimate| estimate.wait_seconds()),
        estimate_past_closing: estimate.is_some_and(|estimate| estimate.past_closing),
        estimate_reason: estimate
            .and_then(|estimate| estimate.reason)
            .map(|reason| reason.as_str()),
        operator: view.operator.clone(),
        recording_notice: RECORDING_NOTICE,
        join_url,
        joined_at: calendar.format_rfc3339_millis(view.joined_at),
        assigned_at: assigned_at.map(|at| calendar.format_rfc3339_millis(at)),
        finished_at: finished_at.map(|at| calendar.format_rfc3339_millis(at)),
        present: view.present(),
        abandon_reason: match &view.state {
            TicketState::Abandoned { reason, .. } => Some(reason.as_str()),
            _ => None,
        },
        next_poll_seconds: catalog.poll_seconds,
        epoch: views.epoch(),
        catalog_generation: catalog.generation(),
    }
}
