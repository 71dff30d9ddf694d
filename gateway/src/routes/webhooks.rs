//! `POST /webhooks/zoom`: Zoom's event notifications, verified over the raw
//! body, turned into meeting activity on the operator's console.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use engine::meeting::activity;
use engine::meeting::zoom::webhook::{
    Verified, WebhookHeaders, SIGNATURE_HEADER, TIMESTAMP_HEADER,
};

use crate::error::ApiError;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/webhooks/zoom", post(zoom))
}

async fn zoom(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(webhooks) = state.zoom_webhooks.clone() else {
        // Not configured (local provider, or no secret): nobody may post here.
        return ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "zoom webhooks are not configured",
        )
        .into_response();
    };
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    let verified = webhooks.verifier.verify(
        WebhookHeaders {
            signature: header(SIGNATURE_HEADER),
            timestamp: header(TIMESTAMP_HEADER),
        },
        &body,
        state.engine.now(),
    );
    let event = match verified {
        Ok(Verified::UrlValidation(answer)) => {
            return (StatusCode::OK, Json(answer)).into_response()
        }
        Ok(Verified::Event(event)) => event,
        Err(error) if error.is_unauthorized() => {
            // The reason only: the body may carry participants' data.
            tracing::warn!(%error, "zoom webhook refused");
            return ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "invalid signature",
            )
            .into_response();
        }
        Err(error) => {
            tracing::warn!(%error, "zoom webhook unreadable");
            return ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "unreadable event",
            )
            .into_response();
        }
    };
    if !webhooks.deliveries.first_delivery(&event.key) {
        return StatusCode::OK.into_response();
    }
    match activity::from_zoom(&event.event) {
        Some((meeting_id, activity)) => {
            if !state.engine.meeting_activity(&meeting_id, activity).await {
                tracing::debug!(%meeting_id, "zoom event for a meeting no console holds");
            }
        }
        None => tracing::debug!("zoom event not used by the consoles"),
    }
    StatusCode::OK.into_response()
}
