//! `/healthz` (the process answers) and `/readyz` (store reachable, engine recovered and answering).

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;

use crate::state::AppState;

/// How long `/readyz` waits for the dispatcher before calling the engine unready.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

#[utoipa::path(
    get,
    path = "/healthz",
    tag = "health",
    summary = "Process up",
    responses((status = 200, description = "ok", body = String, content_type = "text/plain"))
)]
pub(crate) async fn healthz() -> &'static str {
    "ok"
}

/// Ready once the engine has recovered from the store (it has, or it would not
/// have started), this process is the active dispatcher (Redis lease), the
/// store answers and the dispatcher answers.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "health",
    summary = "Store reachable, engine recovered and answering, active dispatcher",
    responses(
        (status = 200, description = "ready", body = String, content_type = "text/plain"),
        (status = 503, description = "not the active dispatcher, store unavailable or engine unavailable", body = String, content_type = "text/plain"),
    )
)]
pub(crate) async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    if !state.holds_lease() {
        return (StatusCode::SERVICE_UNAVAILABLE, "not the active dispatcher");
    }
    match tokio::time::timeout(READY_TIMEOUT, state.engine.check_store()).await {
        Ok(Ok(())) => {}
        _ => return (StatusCode::SERVICE_UNAVAILABLE, "store unavailable"),
    }
    // A ping through the dispatcher's mailbox: cheap, however long the queues.
    match tokio::time::timeout(READY_TIMEOUT, state.engine.ping_dispatcher()).await {
        Ok(Ok(_)) => (StatusCode::OK, "ready"),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "engine unavailable"),
    }
}
