//! Request extractors whose refusals are API errors: axum's own plain-text
//! rejections never reach a client.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Path, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::state::AppState;

/// The largest request body accepted, in bytes. The biggest legitimate body
/// (a finalization with 1000 characters of observations) is well under it.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// A JSON body, refused as `invalid_request` when it is not JSON, not of the
/// expected shape (wrong types, missing or unknown fields) or too large.
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

/// Like [`ApiJson`], but an empty body means `T::default()`.
#[derive(Debug, Clone)]
pub struct OptionalApiJson<T>(pub T);

/// The body of a command that takes none: an empty body, or JSON (API.md
/// v1.1). A form or text body is refused with 415, so that a cross-site form
/// cannot press an operator's buttons even where a browser sent the cookie.
#[derive(Debug, Clone, Copy)]
pub struct NoBody;

/// The raw body (webhooks verify signatures over the exact bytes), with the
/// API's refusals for a body too large or too slow.
#[derive(Debug, Clone)]
pub struct RawBody(pub Bytes);

/// A path parameter whose refusal (not percent-encoded UTF-8, wrong shape)
/// is the API's 400 `invalid_request`, not axum's plain text.
#[derive(Debug, Clone)]
pub struct ApiPath<T>(pub T);

fn require_json_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    // Requiring a JSON type also means a cross-site page cannot send this
    // body without a CORS preflight.
    if mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json")) {
        Ok(())
    } else {
        Err(ApiError::unsupported_media_type(
            "expected a JSON body with Content-Type: application/json",
        ))
    }
}

/// The whole body, within the size limit and `[server] header_timeout_ms`:
/// a body that stalls is refused (408) and, unread, closes the connection.
async fn body_bytes(request: Request, state: &AppState) -> Result<(HeaderMap, Bytes), ApiError> {
    let headers = request.headers().clone();
    let read = tokio::time::timeout(
        state.options.header_timeout,
        Bytes::from_request(request, state),
    )
    .await
    .map_err(|_| ApiError::body_timeout())?;
    let bytes = read.map_err(|rejection| {
        let status = rejection.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::payload_too_large(MAX_BODY_BYTES)
        } else {
            ApiError::new(
                if status.is_client_error() {
                    status
                } else {
                    StatusCode::BAD_REQUEST
                },
                "invalid_request",
                "the body could not be read",
            )
        }
    })?;
    Ok((headers, bytes))
}

fn is_blank(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_whitespace)
}

fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes)
        .map_err(|error| ApiError::invalid_request(format!("invalid JSON body: {error}")))
}

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        let (headers, bytes) = body_bytes(request, state).await?;
        require_json_content_type(&headers)?;
        parse(&bytes).map(ApiJson)
    }
}

impl<T: DeserializeOwned + Default> FromRequest<AppState> for OptionalApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        let (headers, bytes) = body_bytes(request, state).await?;
        // A declared type must be JSON even with an empty body: an empty
        // form post is still a form post.
        if headers.contains_key(CONTENT_TYPE) {
            require_json_content_type(&headers)?;
        }
        if is_blank(&bytes) {
            return Ok(OptionalApiJson(T::default()));
        }
        require_json_content_type(&headers)?;
        parse(&bytes).map(OptionalApiJson)
    }
}

impl FromRequest<AppState> for NoBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        let (headers, bytes) = body_bytes(request, state).await?;
        if headers.contains_key(CONTENT_TYPE) {
            require_json_content_type(&headers)?;
            if !is_blank(&bytes) {
                parse::<serde_json::Value>(&bytes)?;
            }
        } else if !is_blank(&bytes) {
            return Err(ApiError::unsupported_media_type(
                "this command takes no body: send none, or JSON with Content-Type: application/json",
            ));
        }
        Ok(NoBody)
    }
}

impl FromRequest<AppState> for RawBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        body_bytes(request, state)
            .await
            .map(|(_, bytes)| RawBody(bytes))
    }
}

impl<T: DeserializeOwned + Send> FromRequestParts<AppState> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(value)| ApiPath(value))
            .map_err(|_| {
                ApiError::invalid_request(
                    "the path is not valid: its parameters must be percent-encoded UTF-8",
                )
            })
    }
}

/// The client's address for rate limiting: the socket's peer, or, with
/// `--trust-forwarded-for`, the last `X-Forwarded-For` entry (the one our
/// own proxy appended; earlier entries are whatever the client claimed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if state.options.trust_forwarded_for {
            if let Some(address) = forwarded_for(&parts.headers) {
                return Ok(ClientAddress(address));
            }
        }
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(address)| address.ip())
            // Only a server built without connection info (a test calling the
            // router directly) lands here: all such requests share one count.
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        Ok(ClientAddress(peer))
    }
}

fn forwarded_for(headers: &HeaderMap) -> Option<IpAddr> {
    let last = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .rfind(|entry| !entry.is_empty())?;
    last.parse::<IpAddr>()
        .ok()
        .or_else(|| last.parse::<SocketAddr>().ok().map(|address| address.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn the_last_forwarded_entry_is_the_client() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("203.0.113.9, 198.51.100.7"),
        );
        assert_eq!(
            forwarded_for(&headers),
            Some("198.51.100.7".parse().expect("ip"))
        );
        headers.insert("x-forwarded-for", HeaderValue::from_static("garbage"));
        assert_eq!(forwarded_for(&headers), None);
    }

    #[test]
    fn only_json_content_types_are_accepted() {
        let mut headers = HeaderMap::new();
        assert!(require_json_content_type(&headers).is_err());
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        assert!(require_json_content_type(&headers).is_ok());
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        assert!(require_json_content_type(&headers).is_err());
    }
}
