//! The JSON API of API.md, one file a resource.

pub mod console_cache;
pub mod health;
pub mod hold;
pub mod openapi;
pub mod operator;
pub mod services;
pub mod session;
pub mod tickets;
pub mod webhooks;

use axum::http::header::{CACHE_CONTROL, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde::Serialize;

use crate::state::AppState;

/// Every API route, under `/api/v1`.
pub fn api_router() -> Router<AppState> {
    Router::new()
        .merge(session::router())
        .merge(operator::router())
        .merge(tickets::router())
        .merge(services::router())
        .merge(openapi::router())
        .merge(webhooks::router())
}

/// Whether `If-None-Match` names `etag` (or is `*`); weak validators match too.
pub fn etag_matches(headers: &HeaderMap, etag: &str) -> bool {
    let strip = |tag: &str| tag.trim().trim_start_matches("W/").to_string();
    let wanted = strip(etag);
    headers
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|candidate| candidate.trim() == "*" || strip(candidate) == wanted)
}

/// A poll's answer: 304 when the client already has this version, else the
/// body; with its `ETag` either way.
pub fn poll_response<T: Serialize>(
    request_headers: &HeaderMap,
    etag: String,
    body: &T,
) -> Response {
    if etag_matches(request_headers, &etag) {
        return not_modified(etag);
    }
    with_poll_headers(Json(body).into_response(), etag)
}

/// A poll's 200 from a body serialized earlier.
pub fn json_bytes(etag: String, body: bytes::Bytes) -> Response {
    let response = (
        [(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response();
    with_poll_headers(response, etag)
}

/// A poll's 304: the client has this version.
pub fn not_modified(etag: String) -> Response {
    with_poll_headers(StatusCode::NOT_MODIFIED.into_response(), etag)
}

fn with_poll_headers(mut response: Response, etag: String) -> Response {
    let headers = response.headers_mut();
    // unwrap-free: an etag that is not a valid header value is simply not sent.
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(ETAG, value);
    }
    // Polls must revalidate every time; private, they hold personal data.
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    response
}

/// A JSON answer that no cache may keep.
pub fn no_store<T: Serialize>(status: StatusCode, body: T) -> Response {
    let mut response = (status, Json(body)).into_response();
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_accepts_lists_weak_tags_and_star() {
        let mut headers = HeaderMap::new();
        headers.insert(
            IF_NONE_MATCH,
            HeaderValue::from_static("\"a\", W/\"o3-ff\""),
        );
        assert!(etag_matches(&headers, "\"o3-ff\""));
        assert!(!etag_matches(&headers, "\"o4-ff\""));
        headers.insert(IF_NONE_MATCH, HeaderValue::from_static("*"));
        assert!(etag_matches(&headers, "\"anything\""));
    }
}
