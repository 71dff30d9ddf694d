//! The taxpayer's calls: join a queue, poll the ticket, accept, abandon.
//! A ticket is opened by its token (`Authorization: Bearer`), never by its id alone.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use engine::render;
use engine::ticket::TicketId;
use engine::views::TicketView;
use engine::JoinInput;
use serde::{Deserialize, Serialize};

use super::{no_store, poll_response};
use crate::auth::bearer_token;
use crate::error::ApiError;
use crate::extract::{ApiJson, ClientAddress, OptionalApiJson};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tickets", post(join))
        .route("/api/v1/tickets/{id}", get(poll))
        .route("/api/v1/tickets/{id}/accept", post(accept))
        .route("/api/v1/tickets/{id}/abandon", post(abandon))
}

/// `POST /api/v1/tickets`: the join form.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JoinRequest {
    pub nif: String,
    pub name: String,
    pub contrast: String,
    pub service: String,
}

/// What a taxpayer gets back from joining.
#[derive(Debug, Serialize)]
pub struct JoinBody {
    pub ticket_id: String,
    pub token: String,
    pub position: u32,
    pub estimated_wait_seconds: u64,
}

/// `POST /api/v1/tickets/{id}/abandon`; the body may be omitted.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AbandonRequest {
    #[serde(default)]
    pub observations: Option<String>,
}

/// `POST /api/v1/tickets/{id}/accept`.
#[derive(Debug, Serialize)]
pub struct AcceptBody {
    /// Null until the operator has started the meeting; the ticket poll shows it then.
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
    match bearer_token(headers) {
        Some(token) if view.token.matches(token) => Ok(view),
        _ => Err(ApiError::unauthenticated(
            "this ticket opens with Authorization: Bearer <ticket token>",
        )),
    }
}

async fn join(
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
    tracing::info!(ticket = %receipt.ticket_id, position = receipt.position, "taxpayer joined");
    Ok(no_store(
        StatusCode::CREATED,
        JoinBody {
            ticket_id: receipt.ticket_id.to_string(),
            token: receipt.token.to_hex(),
            position: receipt.position,
            estimated_wait_seconds: receipt.estimated_wait.as_secs(),
        },
    ))
}

async fn poll(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let view = authorized_ticket(&state, &id, &headers)?;
    let body = render::ticket(state.engine.views(), &view);
    Ok(poll_response(&headers, body.etag(), &body))
}

async fn accept(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let view = authorized_ticket(&state, &id, &headers)?;
    let join_url = state.engine.accept(view.id).await?;
    tracing::info!(ticket = %view.id, "taxpayer accepted");
    Ok(no_store(StatusCode::OK, AcceptBody { join_url }))
}

async fn abandon(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    OptionalApiJson(request): OptionalApiJson<AbandonRequest>,
) -> Result<Response, ApiError> {
    let view = authorized_ticket(&state, &id, &headers)?;
    state
        .engine
        .abandon(view.id, request.observations.as_deref().unwrap_or(""))
        .await?;
    tracing::info!(ticket = %view.id, "taxpayer abandoned");
    let latest = state.engine.views().ticket(&view.id).unwrap_or(view);
    let body = render::ticket(state.engine.views(), &latest);
    Ok(poll_response(&HeaderMap::new(), body.etag(), &body))
}
