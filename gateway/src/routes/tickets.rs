//! The taxpayer's calls: join a queue, poll the ticket, accept, abandon.
//! A ticket is opened by its token (`Authorization: Bearer`), never by its id alone.

use std::sync::Arc;

use crate::longpoll;
use crate::render::{self, TicketBody};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use engine::ticket::TicketId;
use engine::views::TicketView;
use engine::JoinInput;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{etag_matches, hold, no_store, poll_response};
use crate::auth::bearer_token;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ClientAddress, NoBody, OptionalApiJson};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tickets", post(join))
        .route("/api/v1/tickets/{id}", get(poll))
        .route("/api/v1/tickets/{id}/accept", post(accept))
        .route("/api/v1/tickets/{id}/abandon", post(abandon))
        .route("/api/v1/tickets/{id}/leave", post(leave))
}

/// `POST /api/v1/tickets`: the join form.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JoinRequest {
    pub nif: String,
    pub name: String,
    pub contrast: String,
    pub service: String,
}

/// What a taxpayer gets back from joining.
#[derive(Debug, Serialize, ToSchema)]
pub struct JoinBody {
    pub ticket_id: String,
    pub token: String,
    pub position: u32,
    /// Null when no operator is serving the service right now.
    #[schema(required = true)]
    pub estimated_wait_seconds: Option<u64>,
    /// The estimated start of the attention is after the service's closing time today.
    pub estimate_past_closing: bool,
}

/// `POST /api/v1/tickets/{id}/abandon`; the body may be omitted.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AbandonRequest {
    #[serde(default)]
    pub observations: Option<String>,
}

/// `POST /api/v1/tickets/{id}/accept`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AcceptBody {
    /// Null until the operator has started the meeting; the ticket poll shows it then.
    #[schema(required = true)]
    pub join_url: Option<String>,
}

/// The ticket named in the path, if the request carries its token: unknown
/// ids are 404, a missing or wrong token 401.
fn authorized_ticket(
    state: &AppState,
    id: &str,
    headers: &HeaderMap,
) -> Result<Arc<TicketView>, ApiError> {
    let id: TicketId = id
        .parse()
        .map_err(|_| ApiError::not_found("unknown ticket"))?;
    let view = state
        .engine
        .views()
        .ticket(&id)
        .ok_or_else(|| ApiError::not_found("unknown ticket"))?;
    if token_opens(&view, headers) {
        Ok(view)
    } else {
        Err(wrong_token())
    }
}

fn token_opens(view: &TicketView, headers: &HeaderMap) -> bool {
    bearer_token(headers).is_some_and(|token| view.token.matches(token))
}

fn wrong_token() -> ApiError {
    ApiError::unauthenticated("this ticket opens with Authorization: Bearer <ticket token>")
}

#[utoipa::path(
    post,
    path = "/api/v1/tickets",
    tag = "taxpayers",
    summary = "Join a queue",
    request_body = JoinRequest,
    responses(
        (status = 201, description = "The ticket and its token (the Bearer of the ticket calls)", body = JoinBody),
        (status = 200, description = "identity.mode = directory only: the taxpayer already had a live ticket in this service; the same ticket, its current place and a new token (the old token stops working)", body = JoinBody),
        (status = 400, description = "error codes: invalid_nif, invalid_request (the message names the field: name or contrast with control, bidirectional or invisible formatting characters)", body = ErrorBody),
        (status = 413, description = "error codes: invalid_request (body too large)", body = ErrorBody),
        (status = 415, description = "error codes: invalid_request (not JSON)", body = ErrorBody),
        (status = 401, description = "error codes: identity_not_verified", body = ErrorBody),
        (status = 404, description = "error codes: unknown_service", body = ErrorBody),
        (status = 409, description = "error codes: service_closed, already_waiting, service_closing (with [dispatch] refuse_joins_past_closing: the estimated start is after closing time)", body = ErrorBody),
        (status = 429, description = "error codes: rate_limited (with Retry-After)", body = ErrorBody),
        (status = 503, description = "error codes: store_unavailable, engine_unavailable (with Retry-After)", body = ErrorBody),
    ),
)]
pub(crate) async fn join(
    State(state): State<AppState>,
    ClientAddress(client): ClientAddress,
    ApiJson(request): ApiJson<JoinRequest>,
) -> Result<Response, ApiError> {
    if let Err(wait) = state.join_limiter.check(client) {
        tracing::warn!(%client, "join rate limit reached");
        return Err(ApiError::rate_limited(wait.as_secs()));
    }
    let receipt = state
        .engine
        .join(JoinInput {
            nif: request.nif,
            name: request.name,
            contrast: request.contrast,
            service: request.service,
        })
        .await?;
    // The ticket id only: the NIF and name never reach a log.
    tracing::info!(ticket = %receipt.ticket_id, position = receipt.position, resumed = receipt.resumed, "taxpayer joined");
    // A verified taxpayer who takes their live ticket up again gets 200, a
    // new ticket 201.
    let status = if receipt.resumed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok(no_store(
        status,
        JoinBody {
            ticket_id: receipt.ticket_id.to_string(),
            token: receipt.token.to_hex(),
            position: receipt.position,
            estimated_wait_seconds: receipt
                .estimated_wait
                .map(|wait| wait.as_secs_f64().round() as u64),
            estimate_past_closing: receipt.estimate_past_closing,
        },
    ))
}

#[utoipa::path(
    get,
    path = "/api/v1/tickets/{id}",
    tag = "taxpayers",
    summary = "The taxpayer's poll (every next_poll_seconds; ETag / If-None-Match; ?wait=N holds it)",
    params(
        ("id" = String, Path, description = "The ticket id (16 hex digits)", pattern = "^[0-9a-f]{16}$"),
        ("If-None-Match" = Option<String>, Header, description = "The ETag of the view the client holds"),
        ("wait" = Option<u32>, Query, minimum = 1, maximum = 30,
            description = "Hold the answer up to this many seconds until the view's ETag differs from If-None-Match (then 200), else 304"),
    ),
    responses(
        (status = 200, description = "The ticket view", body = TicketBody,
            headers(("ETag" = String, description = "The version of this view; send it back as If-None-Match"))),
        (status = 304, description = "Unchanged since the If-None-Match ETag (with wait: for all of it)",
            headers(("ETag" = String, description = "The version of this view"))),
        (status = 400, description = "error codes: invalid_request (the path is not percent-encoded UTF-8, or wait is not from 1 to 30)", body = ErrorBody),
        (status = 401, description = "error codes: unauthenticated (missing or wrong ticket token)", body = ErrorBody),
        (status = 404, description = "error codes: not_found", body = ErrorBody),
    ),
    security(("ticket_token" = [])),
)]
pub(crate) async fn poll(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let view = authorized_ticket(&state, &id, &headers)?;
    // Every authenticated poll is the taxpayer's heartbeat, when it starts.
    state.engine.heartbeat(&view);
    // A hold longer than half of `[presence] absent_after` would let a
    // taxpayer whose page is open be taken for gone before its next poll.
    let absent_after = state.engine.catalog().presence.absent_after;
    let wait = hold::wait_of(query.as_deref())?.map(|wait| wait.min(absent_after / 2));
    let held = hold::hold(&state.held_polls, wait, |deadline| {
        longpoll::ticket(&state.engine, view.id, deadline, |etag| {
            etag_matches(&headers, etag)
        })
    })
    .await;
    if let Some(((latest, held), held_for)) = held {
        // A resumed ticket has a new token: the old one stopped working
        // while this poll was held.
        if !token_opens(&latest, &headers) {
            return Err(wrong_token());
        }
        let mut response = poll_response(&headers, held.etag, &held.body);
        response.extensions_mut().insert(held_for);
        return Ok(response);
    }
    // Not held (or the ticket went while it was): answer from the latest
    // snapshot, which a retention pass may have removed meanwhile.
    let view = authorized_ticket(&state, &id, &headers)?;
    let body = render::ticket(state.engine.views(), &view, state.engine.now());
    Ok(poll_response(&headers, body.etag(), &body))
}

#[utoipa::path(
    post,
    path = "/api/v1/tickets/{id}/leave",
    tag = "taxpayers",
    summary = "The ticket page was closed (its pagehide beacon): absent at once until its next poll; never ends the ticket",
    params(("id" = String, Path, description = "The ticket id (16 hex digits)", pattern = "^[0-9a-f]{16}$")),
    responses(
        (status = 204, description = "Noted: the ticket counts as absent until its page polls again"),
        (status = 400, description = "error codes: invalid_request (the path is not percent-encoded UTF-8)", body = ErrorBody),
        (status = 413, description = "error codes: invalid_request (body too large)", body = ErrorBody),
        (status = 415, description = "error codes: invalid_request (a body that is not empty and not JSON: this call takes none)", body = ErrorBody),
        (status = 401, description = "error codes: unauthenticated (missing or wrong ticket token)", body = ErrorBody),
        (status = 404, description = "error codes: not_found", body = ErrorBody),
    ),
    security(("ticket_token" = [])),
)]
pub(crate) async fn leave(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
    body: Result<NoBody, ApiError>,
) -> Result<Response, ApiError> {
    let view = authorized_ticket(&state, &id, &headers)?;
    body?;
    state.engine.leave(&view);
    Ok(axum::response::IntoResponse::into_response(
        StatusCode::NO_CONTENT,
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/tickets/{id}/accept",
    tag = "taxpayers",
    summary = "Aceptar y Acceder a la videoconferencia: assigned → accepted",
    params(("id" = String, Path, description = "The ticket id (16 hex digits)", pattern = "^[0-9a-f]{16}$")),
    responses(
        (status = 200, description = "The meeting link (null until the operator starts the meeting)", body = AcceptBody),
        (status = 400, description = "error codes: invalid_request (the path is not percent-encoded UTF-8, or a JSON body that is not JSON)", body = ErrorBody),
        (status = 413, description = "error codes: invalid_request (body too large)", body = ErrorBody),
        (status = 415, description = "error codes: invalid_request (a body that is not empty and not JSON: this call takes none)", body = ErrorBody),
        (status = 401, description = "error codes: unauthenticated (missing or wrong ticket token)", body = ErrorBody),
        (status = 404, description = "error codes: not_found", body = ErrorBody),
        (status = 409, description = "error codes: invalid_state", body = ErrorBody),
        (status = 503, description = "error codes: store_unavailable, engine_unavailable (with Retry-After)", body = ErrorBody),
    ),
    security(("ticket_token" = [])),
)]
pub(crate) async fn accept(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
    body: Result<NoBody, ApiError>,
) -> Result<Response, ApiError> {
    // Who asks comes first: a request without the token is 401 whatever its body.
    let view = authorized_ticket(&state, &id, &headers)?;
    body?;
    let join_url = state.engine.accept(view.id).await?;
    tracing::info!(ticket = %view.id, "taxpayer accepted");
    Ok(no_store(StatusCode::OK, AcceptBody { join_url }))
}

#[utoipa::path(
    post,
    path = "/api/v1/tickets/{id}/abandon",
    tag = "taxpayers",
    summary = "Abandonar, from any non-final state (the body may be omitted)",
    params(("id" = String, Path, description = "The ticket id (16 hex digits)", pattern = "^[0-9a-f]{16}$")),
    request_body(content = Option<AbandonRequest>, description = "Optional: the taxpayer's observations"),
    responses(
        (status = 200, description = "The ticket view", body = TicketBody),
        (status = 400, description = "error codes: observations_too_long, invalid_request (also: the path is not percent-encoded UTF-8; observations with bidirectional or invisible formatting characters)", body = ErrorBody),
        (status = 413, description = "error codes: invalid_request (body too large)", body = ErrorBody),
        (status = 415, description = "error codes: invalid_request (not JSON)", body = ErrorBody),
        (status = 401, description = "error codes: unauthenticated (missing or wrong ticket token)", body = ErrorBody),
        (status = 404, description = "error codes: not_found", body = ErrorBody),
        (status = 409, description = "error codes: invalid_state", body = ErrorBody),
        (status = 503, description = "error codes: store_unavailable, engine_unavailable (with Retry-After)", body = ErrorBody),
    ),
    security(("ticket_token" = [])),
)]
pub(crate) async fn abandon(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
    body: Result<OptionalApiJson<Option<AbandonRequest>>, ApiError>,
) -> Result<Response, ApiError> {
    // Who asks comes first: a request without the token is 401 whatever its body.
    let view = authorized_ticket(&state, &id, &headers)?;
    // The body may be omitted, or be JSON null (the document says so).
    let OptionalApiJson(request) = body?;
    let request = request.unwrap_or_default();
    state
        .engine
        .abandon(view.id, request.observations.as_deref().unwrap_or(""))
        .await?;
    tracing::info!(ticket = %view.id, "taxpayer abandoned");
    let latest = state.engine.views().ticket(&view.id).unwrap_or(view);
    let body = render::ticket(state.engine.views(), &latest, state.engine.now());
    Ok(poll_response(&HeaderMap::new(), body.etag(), &body))
}
