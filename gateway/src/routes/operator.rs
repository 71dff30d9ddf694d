//! The operator's calls: availability, the console poll and the buttons of
//! the console (Atender, Interrumpir, Iniciar Videoasistencia, Finalizar).

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::longpoll;
use crate::render::{self, ConsoleBody};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use engine::domain::OperatorId;
use engine::views::OperatorView;
use engine::FinalizeInput;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{etag_matches, hold, json_bytes, no_store, not_modified, poll_response};
use crate::auth::Operator;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, NoBody};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/operator/availability",
            get(get_availability).put(put_availability),
        )
        .route("/api/v1/operator/attend", post(attend))
        .route("/api/v1/operator/interrupt", post(interrupt))
        .route("/api/v1/operator/start", post(start))
        .route("/api/v1/operator/finalize", post(finalize))
        .route("/api/v1/operator/meeting/end", post(end_meeting))
        .route("/api/v1/operator/console", get(console))
}

/// `GET /api/v1/operator/availability`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AvailabilityBody {
    pub services: Vec<ServiceAvailability>,
}

/// One row of "Gestión disponibilidad operador".
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceAvailability {
    pub code: String,
    pub description: String,
    pub available: bool,
}

/// `PUT /api/v1/operator/availability`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityRequest {
    /// Service code → Disponible SÍ/NO; services not named keep their value.
    pub services: BTreeMap<String, bool>,
}

/// `POST /api/v1/operator/finalize`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FinalizeRequest {
    /// "success", "technical_error", "functional_error" or "taxpayer_abandoned".
    #[schema(example = "success")]
    pub outcome: String,
    #[serde(default)]
    pub observations: Option<String>,
    #[serde(default)]
    pub represented_nif: Option<String>,
    /// "attend" (Finalizar y Atender siguiente) or "interrupt" (Finalizar e Interrumpir).
    #[schema(example = "attend")]
    pub next: String,
}

/// `POST /api/v1/operator/start`.
#[derive(Debug, Serialize, ToSchema)]
pub struct StartBody {
    pub start_url: String,
}

/// The operator's availability per service, in catalog order.
pub fn availability(state: &AppState, operator: &OperatorId) -> Result<AvailabilityBody, ApiError> {
    let view = state
        .engine
        .views()
        .operator(operator)
        .ok_or_else(|| ApiError::unauthenticated("unknown operator"))?;
    let services = state
        .engine
        .catalog()
        .services()
        .iter()
        .map(|service| ServiceAvailability {
            code: service.code.as_str().to_string(),
            description: service.description.clone(),
            available: view
                .availability
                .get(&service.code)
                .copied()
                .unwrap_or(false),
        })
        .collect();
    Ok(AvailabilityBody { services })
}

/// The console as a poll answers it now, from the published snapshot.
pub fn console_body(state: &AppState, operator: &OperatorId) -> Result<ConsoleBody, ApiError> {
    let view = operator_view(state, operator)?;
    Ok(render::console(
        state.engine.views(),
        &view,
        state.engine.now(),
    ))
}

/// The operator's latest snapshot; one the directory no longer has is a
/// session that no longer counts.
fn operator_view(state: &AppState, operator: &OperatorId) -> Result<Arc<OperatorView>, ApiError> {
    state
        .engine
        .views()
        .operator(operator)
        .ok_or_else(|| ApiError::unauthenticated("unknown operator"))
}

/// After a button: the console as it is now, so the client need not poll.
fn console_now(state: &AppState, operator: &OperatorId) -> Result<Response, ApiError> {
    let body = console_body(state, operator)?;
    Ok(poll_response(&HeaderMap::new(), body.etag(), &body))
}

#[utoipa::path(
    get,
    path = "/api/v1/operator/availability",
    tag = "operators",
    summary = "Gestión disponibilidad operador: availability per service",
    responses(
        (status = 200, description = "Availability per service, in catalog order", body = AvailabilityBody),
        (status = 401, description = "error codes: unauthenticated", body = ErrorBody),
    ),
    security(("session_cookie" = []), ("bearer" = []))
)]
pub(crate) async fn get_availability(
    State(state): State<AppState>,
    Operator(operator): Operator,
) -> Result<Response, ApiError> {
    Ok(no_store(StatusCode::OK, availability(&state, &operator)?))
}

#[utoipa::path(
    put,
    path = "/api/v1/operator/availability",
    tag = "operators",
    summary = "Set per-service availability (Disponible SÍ/NO); persists",
    request_body = AvailabilityRequest,
    responses(
        (status = 200, description = "Availability per service, in catalog order", body = AvailabilityBody),
        (status = 400, description = "error codes: invalid_request", body = ErrorBody),
        (status = 413, description = "error codes: invalid_request (body too large)", body = ErrorBody),
        (status = 415, description = "error codes: invalid_request (not JSON)", body = ErrorBody),
        (status = 404, description = "error codes: unknown_service", body = ErrorBody),
        (status = 503, description = "error codes: store_unavailable, engine_unavailable (with Retry-After)", body = ErrorBody),
        (status = 403, description = "error codes: cross_origin_refused (session cookie from another origin)", body = ErrorBody),
        (status = 401, description = "error codes: unauthenticated", body = ErrorBody),
    ),
    security(("session_cookie" = []), ("bearer" = []))
)]
pub(crate) async fn put_availability(
    State(state): State<AppState>,
    Operator(operator): Operator,
    ApiJson(request): ApiJson<AvailabilityRequest>,
) -> Result<Response, ApiError> {
    state
        .engine
        .set_availability(&operator, &request.services)
        .await?;
    tracing::info!(%operator, "availability set");
    Ok(no_store(StatusCode::OK, availability(&state, &operator)?))
}

#[utoipa::path(
    post,
    path = "/api/v1/operator/attend",
    tag = "operators",
    summary = "Atender Contribuyente: idle → waiting (or straight to assigned)",
    responses(
        (status = 200, description = "The console now (with its ETag)", body = ConsoleBody),
        (status = 409, description = "error codes: not_available, services_closed, invalid_state", body = ErrorBody),
        (status = 503, description = "error codes: store_unavailable, engine_unavailable (with Retry-After)", body = ErrorBody),
        (status = 403, description = "error codes: cross_origin_refused (session cookie from another origin)", body = ErrorBody),
        (status = 413, description = "error codes: invalid_request (body too large)", body = ErrorBody),
        (status = 415, description = "error codes: invalid_request (a body that is not empty and not JSON: this call takes none)", body = ErrorBody),
        (status = 401, description = "error codes: unauthenticated", body = ErrorBody),
    ),
    security(("session_cookie" = []), ("bearer" = []))
)]
pub(crate) async fn attend(
    State(state): State<AppState>,
    Operator(operator): Operator,
    _: NoBody,
) -> Result<Response, ApiError> {
    state.engine.attend(&operator).await?;
    tracing::info!(%operator, "attend");
    console_now(&state, &operator)
}

/// "Finalizar la reunión para todos" from the console (the finalization
/// screen offers it while the meeting still runs). Answers the console.
#[utoipa::path(
    post,
    path = "/api/v1/operator/meeting/end",
    tag = "operators",
    summary = "Finalizar la reunión para todos, from the console",
    responses(
        (status = 200, description = "The console now (with its ETag)", body = ConsoleBody),
        (status = 409, description = "error codes: invalid_state", body = ErrorBody),
        (status = 502, description = "error codes: meeting_provider_failed", body = ErrorBody),
        (status = 503, description = "error codes: store_unavailable, engine_unavailable (with Retry-After)", body = ErrorBody),
        (status = 403, description = "error codes: cross_origin_refused (session cookie from another origin)", body = ErrorBody),
        (status = 413, description = "error codes: invalid_request (body too large)", body = ErrorBody),
        (status = 415, description = "error codes: invalid_request (a body that is not empty and not JSON: this call takes none)", body = ErrorBody),
        (status = 401, description = "error codes: unauthenticated", body = ErrorBody),
    ),
    security(("session_cookie" = []), ("bearer" = []))
)]
pub(crate) async fn end_meeting(
    State(state): State<AppState>,
    Operator(operator): Operator,
    _: NoBody,
) -> Result<Response, ApiError> {
    state.engine.end_meeting(&operator).await?;
    tracing::info!(%operator, "meeting ended from the console");
    console_now(&state, &operator)
}

#[utoipa::path(
    post,
    path = "/api/v1/operator/interrupt",
    tag = "operators",
    summary = "Interrumpir: waiting → idle",
    responses(
        (status = 200, description = "The console now (with its ETag)", body = ConsoleBody),
        (status = 409, description = "error codes: invalid_state, interrupt_refused_end_of_day", body = ErrorBody),
        (status = 503, description = "error codes: store_unavailable, engine_unavailable (with Retry-After)", body = ErrorBody),
        (status = 403, description = "error codes: cross_origin_refused (session cookie from another origin)", body = ErrorBody),
        (status = 413, description = "error codes: invalid_request (body too large)", body = ErrorBody),
        (status = 415, description = "error codes: invalid_request (a body that is not empty and not JSON: this call takes none)", body = ErrorBody),
        (status = 401, description = "error codes: unauthenticated", body = ErrorBody),
    ),
    security(("session_cookie" = []), ("bearer" = []))
)]
pub(crate) async fn interrupt(
    State(state): State<AppState>,
    Operator(operator): Operator,
    _: NoBody,
) -> Result<Response, ApiError> {
    state.engine.interrupt(&operator).await?;
    tracing::info!(%operator, "interrupt");
    console_now(&state, &operator)
}

#[utoipa::path(
    post,
    path = "/api/v1/operator/start",
    tag = "operators",
    summary = "Iniciar Videoasistencia: creates the meeting; assigned → in_meeting",
    responses(
        (status = 200, description = "The operator's meeting link", body = StartBody),
        (status = 409, description = "error codes: invalid_state", body = ErrorBody),
        (status = 502, description = "error codes: meeting_provider_failed (state unchanged, retry allowed)", body = ErrorBody),
        (status = 503, description = "error codes: store_unavailable, engine_unavailable (with Retry-After)", body = ErrorBody),
        (status = 403, description = "error codes: cross_origin_refused (session cookie from another origin)", body = ErrorBody),
        (status = 413, description = "error codes: invalid_request (body too large)", body = ErrorBody),
        (status = 415, description = "error codes: invalid_request (a body that is not empty and not JSON: this call takes none)", body = ErrorBody),
        (status = 401, description = "error codes: unauthenticated", body = ErrorBody),
    ),
    security(("session_cookie" = []), ("bearer" = []))
)]
pub(crate) async fn start(
    State(state): State<AppState>,
    Operator(operator): Operator,
    _: NoBody,
) -> Result<Response, ApiError> {
    let receipt = state.engine.start_meeting(&operator).await?;
    tracing::info!(%operator, "meeting started");
    Ok(no_store(
        StatusCode::OK,
        StartBody {
            start_url: receipt.start_url,
        },
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/operator/finalize",
    tag = "operators",
    summary = "Finalizar y Atender siguiente / Finalizar e Interrumpir (from in_meeting or taxpayer_abandoned)",
    request_body = FinalizeRequest,
    responses(
        (status = 200, description = "The console now (with its ETag)", body = ConsoleBody),
        (status = 400, description = "error codes: invalid_outcome, invalid_nif, observations_too_long, invalid_request (observations with control characters other than tabs and line breaks, or with bidirectional or invisible formatting characters)", body = ErrorBody),
        (status = 413, description = "error codes: invalid_request (body too large)", body = ErrorBody),
        (status = 415, description = "error codes: invalid_request (not JSON)", body = ErrorBody),
        (status = 409, description = "error codes: representation_not_allowed, interrupt_refused_end_of_day, invalid_state", body = ErrorBody),
        (status = 503, description = "error codes: store_unavailable, engine_unavailable (with Retry-After)", body = ErrorBody),
        (status = 403, description = "error codes: cross_origin_refused (session cookie from another origin)", body = ErrorBody),
        (status = 401, description = "error codes: unauthenticated", body = ErrorBody),
    ),
    security(("session_cookie" = []), ("bearer" = []))
)]
pub(crate) async fn finalize(
    State(state): State<AppState>,
    Operator(operator): Operator,
    ApiJson(request): ApiJson<FinalizeRequest>,
) -> Result<Response, ApiError> {
    let outcome = request.outcome.clone();
    state
        .engine
        .finalize(
            &operator,
            FinalizeInput {
                outcome: request.outcome,
                observations: request.observations,
                represented_nif: request.represented_nif,
                next: request.next,
            },
        )
        .await?;
    tracing::info!(%operator, %outcome, "attention finalized");
    console_now(&state, &operator)
}

#[utoipa::path(
    get,
    path = "/api/v1/operator/console",
    tag = "operators",
    summary = "The console poll (every next_poll_seconds; ETag / If-None-Match; ?wait=N holds it)",
    params(
        ("If-None-Match" = Option<String>, Header, description = "The ETag of the view the client holds"),
        ("wait" = Option<u32>, Query, minimum = 1, maximum = 30,
            description = "Hold the answer up to this many seconds until the view's ETag differs from If-None-Match (then 200), else 304"),
    ),
    responses(
        (status = 200, description = "The console view", body = ConsoleBody,
            headers(("ETag" = String, description = "The version of this view; send it back as If-None-Match"))),
        (status = 304, description = "Unchanged since the If-None-Match ETag (with wait: for all of it)",
            headers(("ETag" = String, description = "The version of this view"))),
        (status = 400, description = "error codes: invalid_request (wait not from 1 to 30)", body = ErrorBody),
        (status = 401, description = "error codes: unauthenticated", body = ErrorBody),
    ),
    security(("session_cookie" = []), ("bearer" = []))
)]
pub(crate) async fn console(
    State(state): State<AppState>,
    Operator(operator): Operator,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let wait = hold::wait_of(query.as_deref())?;
    let held = hold::hold(&state.held_polls, wait, |deadline| {
        longpoll::console(&state.engine, &operator, deadline, |etag| {
            etag_matches(&headers, etag)
        })
    })
    .await;
    if let Some((held, held_for)) = held {
        let mut response = poll_response(&headers, held.etag, &held.body);
        response.extensions_mut().insert(held_for);
        return Ok(response);
    }
    // The 304 is decided before anything is rendered: it is what the
    // consoles' polls get nearly every time.
    let views = state.engine.views();
    let view = operator_view(&state, &operator)?;
    let now = state.engine.now();
    let etag = render::console_etag(views, &view, now);
    if etag_matches(&headers, &etag) {
        return Ok(not_modified(etag));
    }
    if let Some(serialized) = state.console_cache.get(&operator, &etag) {
        return Ok(json_bytes(etag, serialized));
    }
    let body = render::console(views, &view, now);
    match serde_json::to_vec(&body) {
        Ok(serialized) => {
            let serialized = bytes::Bytes::from(serialized);
            state
                .console_cache
                .put(&operator, &etag, serialized.clone());
            Ok(json_bytes(etag, serialized))
        }
        // Not seen: the body is plain data. Answered the usual way if so.
        Err(_) => Ok(poll_response(&headers, etag, &body)),
    }
}
