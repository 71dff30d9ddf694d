//! The one error type of the API: every refusal becomes the status and the
//! `{"error": {"code", "message"}}` body of API.md, in this file only.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use engine::EngineError;
use serde::Serialize;

/// Seconds a client is told to wait before retrying a 503.
const UNAVAILABLE_RETRY_SECONDS: u64 = 5;

/// An API refusal: status, snake_case code and a human message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Sent as `Retry-After` (429 and 503).
    pub retry_after_seconds: Option<u64>,
}

/// The body of every refusal (API.md); also its schema in the OpenAPI document.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody<'a> {
    pub error: ErrorDetail<'a>,
}

/// The snake_case code each call lists, and a human message.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail<'a> {
    #[schema(example = "invalid_state")]
    pub code: &'a str,
    pub message: &'a str,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after_seconds: None,
        }
    }

    /// 400 `invalid_request`: a body or parameter the API cannot use.
    pub fn invalid_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", message)
    }

    /// 401 `unauthenticated`.
    pub fn unauthenticated(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", message)
    }

    /// 404 `not_found`.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 429 `rate_limited`, with the seconds until the window reopens.
    pub fn rate_limited(retry_after_seconds: u64) -> ApiError {
        ApiError::rate_limited_because(
            "too many requests from this address, try again later",
            retry_after_seconds,
        )
    }

    /// 429 `rate_limited` with its own message.
    pub fn rate_limited_because(message: &str, retry_after_seconds: u64) -> ApiError {
        ApiError {
            retry_after_seconds: Some(retry_after_seconds.max(1)),
            ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message)
        }
    }

    /// 403 `cross_origin_refused`: a cookie-authenticated command from another origin.
    pub fn cross_origin_refused() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "cross_origin_refused",
            "this command must come from the service's own pages (Origin / Sec-Fetch-Site), or authenticate with a Bearer token",
        )
    }

    /// 413 `invalid_request`: a body over the limit, announced or sent.
    pub fn payload_too_large(limit: usize) -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_request",
            format!("the body is larger than {limit} bytes"),
        )
    }

    /// 415 `invalid_request`: a body of a type the call does not take.
    pub fn unsupported_media_type(message: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "invalid_request",
            message,
        )
    }

    /// 408 `invalid_request`: the body did not arrive in time.
    pub fn body_timeout() -> ApiError {
        ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "invalid_request",
            "the body did not arrive in time",
        )
    }

    /// The API error for a refusal that some layer below the handlers made
    /// with only a status (axum's rejections, hyper): the code is the one the
    /// contract uses for that status.
    pub fn from_status(status: StatusCode) -> ApiError {
        let (code, message) = match status {
            StatusCode::UNAUTHORIZED => ("unauthenticated", "authentication required"),
            StatusCode::NOT_FOUND => ("not_found", "no such API call"),
            StatusCode::TOO_MANY_REQUESTS => ("rate_limited", "too many requests, try again later"),
            StatusCode::SERVICE_UNAVAILABLE => (
                "engine_unavailable",
                "the service is unavailable, try again shortly",
            ),
            StatusCode::METHOD_NOT_ALLOWED => {
                ("invalid_request", "this method is not allowed here")
            }
            StatusCode::PAYLOAD_TOO_LARGE => ("invalid_request", "the body is too large"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ("invalid_request", "unsupported body type"),
            status if status.is_server_error() => (
                "engine_unavailable",
                "the service could not answer, try again shortly",
            ),
            _ => ("invalid_request", "the request could not be used"),
        };
        // A server error that reaches here is a bug; the client still gets
        // the error shape, and the status says it was not its fault.
        ApiError::new(status, code, message)
    }
}

/// The status of each engine refusal (API.md).
fn status_of(error: &EngineError) -> StatusCode {
    match error {
        EngineError::NotAvailable
        | EngineError::ServicesClosed
        | EngineError::InvalidState { .. }
        | EngineError::AlreadyWaiting
        | EngineError::ServiceClosed
        | EngineError::ServiceClosing
        | EngineError::RepresentationNotAllowed
        | EngineError::InterruptRefusedEndOfDay => StatusCode::CONFLICT,
        EngineError::InvalidOutcome
        | EngineError::InvalidNif { .. }
        | EngineError::ObservationsTooLong { .. }
        | EngineError::InvalidRequest { .. } => StatusCode::BAD_REQUEST,
        EngineError::IdentityNotVerified | EngineError::UnknownOperator => StatusCode::UNAUTHORIZED,
        EngineError::UnknownService { .. } | EngineError::UnknownTicket => StatusCode::NOT_FOUND,
        EngineError::MeetingProviderFailed { .. } => StatusCode::BAD_GATEWAY,
        EngineError::StoreUnavailable { .. } | EngineError::EngineUnavailable => {
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}

impl From<EngineError> for ApiError {
    fn from(error: EngineError) -> ApiError {
        let status = status_of(&error);
        match &error {
            // An operator the engine does not know cannot hold a session:
            // to the client it is simply not authenticated.
            EngineError::UnknownOperator => ApiError::unauthenticated("unknown operator"),
            // The store's reason may name hosts or URLs: it goes to the log only.
            EngineError::StoreUnavailable { reason } => {
                tracing::error!(%reason, "store unavailable");
                ApiError {
                    retry_after_seconds: Some(UNAVAILABLE_RETRY_SECONDS),
                    ..ApiError::new(
                        status,
                        error.code(),
                        "the store is unavailable, try again shortly",
                    )
                }
            }
            EngineError::EngineUnavailable => ApiError {
                retry_after_seconds: Some(UNAVAILABLE_RETRY_SECONDS),
                ..ApiError::new(status, error.code(), error.to_string())
            },
            EngineError::MeetingProviderFailed { reason } => {
                tracing::warn!(%reason, "meeting provider failed");
                ApiError::new(
                    status,
                    error.code(),
                    "the meeting could not be created, try again",
                )
            }
            _ => ApiError::new(status, error.code(), error.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: &self.message,
            },
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(seconds) = self.retry_after_seconds {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_engine_refusal_has_the_status_of_the_contract() {
        let cases = [
            (EngineError::NotAvailable, 409, "not_available"),
            (EngineError::ServicesClosed, 409, "services_closed"),
            (
                EngineError::InvalidState { state: "idle" },
                409,
                "invalid_state",
            ),
            (EngineError::AlreadyWaiting, 409, "already_waiting"),
            (EngineError::ServiceClosed, 409, "service_closed"),
            (EngineError::ServiceClosing, 409, "service_closing"),
            (
                EngineError::RepresentationNotAllowed,
                409,
                "representation_not_allowed",
            ),
            (
                EngineError::InterruptRefusedEndOfDay,
                409,
                "interrupt_refused_end_of_day",
            ),
            (EngineError::InvalidOutcome, 400, "invalid_outcome"),
            (
                EngineError::InvalidNif { reason: "x".into() },
                400,
                "invalid_nif",
            ),
            (
                EngineError::ObservationsTooLong { max: 1000 },
                400,
                "observations_too_long",
            ),
            (
                EngineError::InvalidRequest { reason: "x".into() },
                400,
                "invalid_request",
            ),
            (
                EngineError::IdentityNotVerified,
                401,
                "identity_not_verified",
            ),
            (EngineError::UnknownOperator, 401, "unauthenticated"),
            (
                EngineError::UnknownService { code: "X".into() },
                404,
                "unknown_service",
            ),
            (EngineError::UnknownTicket, 404, "not_found"),
            (
                EngineError::MeetingProviderFailed { reason: "x".into() },
                502,
                "meeting_provider_failed",
            ),
            (
                EngineError::StoreUnavailable { reason: "x".into() },
                503,
                "store_unavailable",
            ),
            (EngineError::EngineUnavailable, 503, "engine_unavailable"),
        ];
        for (error, status, code) in cases {
            let api = ApiError::from(error.clone());
            assert_eq!((api.status.as_u16(), api.code), (status, code), "{error:?}");
        }
    }

    #[test]
    fn unavailability_carries_a_retry_after_header() {
        let response = ApiError::from(EngineError::EngineUnavailable).into_response();
        assert_eq!(response.headers()[header::RETRY_AFTER], "5");
    }

    #[test]
    fn a_store_failure_does_not_repeat_its_reason_to_the_client() {
        let api = ApiError::from(EngineError::StoreUnavailable {
            reason: "redis://secret@host".into(),
        });
        assert!(!api.message.contains("secret"));
    }
}
