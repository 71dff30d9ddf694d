//! `POST /webhooks/zoom`: Zoom's event notifications, verified over the raw
//! body, turned into meeting activity on the operator's console.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use engine::meeting::activity;
use engine::meeting::zoom::webhook::{
    Verified, WebhookHeaders, SIGNATURE_HEADER, TIMESTAMP_HEADER,
};

use crate::error::{ApiError, ErrorBody};
use crate::extract::RawBody;
use crate::metrics::{self, MeetingEventResult};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/webhooks/zoom", post(zoom))
}

#[utoipa::path(
    post,
    path = "/webhooks/zoom",
    tag = "webhooks",
    summary = "Zoom event notifications, signature-verified over the raw body",
    request_body(content = Object, description = "A Zoom event notification (a JSON object)"),
    params(
        ("x-zm-signature" = String, Header, description = "v0=HMAC-SHA256 of the body"),
        ("x-zm-request-timestamp" = String, Header, description = "Seconds since the epoch"),
    ),
    responses(
        (status = 200, description = "Accepted (or the endpoint.url_validation answer)"),
        (status = 400, description = "error codes: invalid_request (unreadable event)", body = ErrorBody),
        (status = 408, description = "error codes: invalid_request (the body did not arrive in time)", body = ErrorBody),
        (status = 413, description = "error codes: invalid_request (body over 16 KiB)", body = ErrorBody),
        (status = 401, description = "error codes: unauthenticated (invalid signature)", body = ErrorBody),
        (status = 404, description = "error codes: not_found (webhooks not configured)", body = ErrorBody),
    )
)]
pub(crate) async fn zoom(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Response {
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
    let used = activity::from_zoom(&event.event);
    let kind = metrics::meeting_event_kind(used.as_ref().map(|(_, activity)| activity));
    if !webhooks.deliveries.first_delivery(&event.key) {
        metrics::record_meeting_event("zoom", kind, MeetingEventResult::Duplicate);
        return StatusCode::OK.into_response();
    }
    let result = match used {
        Some((meeting_id, activity)) => {
            if state.engine.meeting_activity(&meeting_id, activity).await {
                MeetingEventResult::Applied
            } else {
                tracing::debug!(%meeting_id, "zoom event for a meeting no console holds");
                MeetingEventResult::UnknownMeeting
            }
        }
        None => {
            tracing::debug!("zoom event not used by the consoles");
            MeetingEventResult::Ignored
        }
    };
    metrics::record_meeting_event("zoom", kind, result);
    StatusCode::OK.into_response()
}
