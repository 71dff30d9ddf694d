//! `/healthz` (the process answers) and `/readyz` (the engine answers).

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

async fn healthz() -> &'static str {
    "ok"
}

/// Ready once the engine has recovered from the store (it has, or it would not
/// have started) and its dispatcher answers. The store itself has no ping in
/// the engine's API yet; a store failure shows up as 503 on commands.
async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match tokio::time::timeout(READY_TIMEOUT, state.engine.inspect()).await {
        Ok(Ok(_)) => (StatusCode::OK, "ready"),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "engine unavailable"),
    }
}
