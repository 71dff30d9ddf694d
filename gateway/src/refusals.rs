//! Refusals made around the handlers rather than by them: an announced body
//! over the limit is refused from its headers alone, and every error under
//! `/api/` and `/webhooks/` leaves with the API's JSON error body, whichever
//! layer made it (API.md v1.1).

use axum::extract::Request;
use axum::http::header::{ALLOW, CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::extract::MAX_BODY_BYTES;

/// Whether `path` is answered in the API's shape (JSON errors).
pub fn is_api_path(path: &str) -> bool {
    ["/api", "/webhooks"].iter().any(|prefix| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// Middleware: a `Content-Length` over the body limit is refused at once
/// (413), without reading a byte of the body; hyper then closes the
/// connection rather than drain it.
pub async fn refuse_announced_oversize(request: Request, next: Next) -> Response {
    let announced = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    if announced.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        return ApiError::payload_too_large(MAX_BODY_BYTES).into_response();
    }
    next.run(request).await
}

/// Middleware: under `/api/` and `/webhooks/`, an error response that is not
/// JSON (axum's plain-text rejections, a 405 or 404 of the router) becomes
/// the API's error body with the same status.
pub async fn api_error_shape(request: Request, next: Next) -> Response {
    let api = is_api_path(request.uri().path());
    let response = next.run(request).await;
    let status = response.status();
    if !api || !(status.is_client_error() || status.is_server_error()) || is_json(&response) {
        return response;
    }
    let mut rewritten = ApiError::from_status(status).into_response();
    for name in [ALLOW, RETRY_AFTER] {
        if let Some(value) = response.headers().get(&name) {
            rewritten.headers_mut().insert(name, value.clone());
        }
    }
    rewritten
}

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.trim_start().starts_with("application/json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_paths_are_the_api_and_the_webhooks_only() {
        for path in ["/api", "/api/v1/tickets/x", "/webhooks/zoom", "/webhooks"] {
            assert!(is_api_path(path), "{path}");
        }
        for path in [
            "/",
            "/apis",
            "/webhooksx",
            "/reunion/1",
            "/contribuyente/api/x",
        ] {
            assert!(!is_api_path(path), "{path}");
        }
    }
}
