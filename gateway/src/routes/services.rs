//! `GET /api/v1/services`: the public list taxpayers choose from.

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Serialize;
use utoipa::ToSchema;

use super::no_store;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/services", get(list))
}

/// The body of `GET /api/v1/services`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServicesBody {
    pub services: Vec<PublicService>,
}

/// One service as the public sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicService {
    pub code: String,
    pub description: String,
    /// The guide's wording, e.g. "De lunes a viernes (…) de 09:00 a 15:00. (Horario peninsular)".
    pub hours: String,
    /// Open for joining now.
    pub open: bool,
    /// Taxpayers waiting in its queue now.
    pub waiting: u32,
}

/// The list as of now, from the catalog and the published figures.
pub fn public_services(state: &AppState) -> ServicesBody {
    let engine = &state.engine;
    let catalog = engine.catalog();
    let now = engine.now();
    let services = catalog
        .services()
        .iter()
        .map(|service| PublicService {
            code: service.code.as_str().to_string(),
            description: service.description.clone(),
            hours: catalog.hours_text(&service.code).to_string(),
            open: service.is_open(&catalog.calendar, now),
            waiting: engine
                .views()
                .figures(&service.code)
                .map_or(0, |figures| figures.waiting()),
        })
        .collect();
    ServicesBody { services }
}

#[utoipa::path(
    get,
    path = "/api/v1/services",
    tag = "taxpayers",
    summary = "Public list of services: hours, open now, waiting count",
    responses((status = 200, description = "The services, in catalog order", body = ServicesBody))
)]
pub(crate) async fn list(State(state): State<AppState>) -> Response {
    no_store(axum::http::StatusCode::OK, public_services(&state))
}
