//! `POST /api/v1/session` (log in) and `DELETE /api/v1/session` (log out).

use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use engine::config::AuthMode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::no_store;
use crate::auth::{self, expired_session_cookie, session_cookie};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ClientAddress, OptionalApiJson};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/session", post(login).delete(logout))
}

/// The login form.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub operator_id: String,
    pub password: String,
}

/// A session just opened.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    pub operator_id: String,
    pub name: String,
    pub token: String,
}

/// Password mode: checks the form. Trusted-header mode: the proxy's header
/// names the operator and the body is not needed.
#[utoipa::path(
    post,
    path = "/api/v1/session",
    tag = "operators",
    summary = "Log in (password mode; in trusted_header mode the SSO header names the operator and the body is not needed)",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Session opened; the token is also set as the HttpOnly, SameSite=Strict `ventanilla_session` cookie", body = LoginResponse),
        (status = 400, description = "error codes: invalid_request", body = ErrorBody),
        (status = 401, description = "error codes: unauthenticated", body = ErrorBody),
        (status = 413, description = "error codes: invalid_request (body too large)", body = ErrorBody),
        (status = 415, description = "error codes: invalid_request (not JSON)", body = ErrorBody),
        (status = 429, description = "error codes: rate_limited (with Retry-After)", body = ErrorBody),
    )
)]
pub(crate) async fn login(
    State(state): State<AppState>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    OptionalApiJson(form): OptionalApiJson<Option<LoginRequest>>,
) -> Result<Response, ApiError> {
    if let Err(wait) = state.login_limiter.check(client) {
        tracing::warn!(%client, "login rate limit reached");
        return Err(ApiError::rate_limited(wait.as_secs()));
    }
    let profile = match state.options.auth_mode {
        AuthMode::TrustedHeader => {
            let operator = auth::trusted_operator(&state, &headers).ok_or_else(|| {
                ApiError::unauthenticated(
                    "the single sign-on header is missing or names no operator",
                )
            })?;
            state.engine.catalog().operator(&operator).cloned()
        }
        AuthMode::Password => {
            let form = form.ok_or_else(|| {
                ApiError::invalid_request("operator_id and password are required")
            })?;
            auth::verify_password(&state, &form.operator_id, &form.password).await
        }
    };
    let Some(profile) = profile else {
        // The attempted id stays out of the log: people type passwords there.
        tracing::warn!(%client, "failed operator login");
        return Err(ApiError::unauthenticated("wrong operator id or password"));
    };
    let token = state.sessions.open(profile.id.clone()).await;
    tracing::info!(operator = %profile.id, "operator logged in");
    let mut response = no_store(
        StatusCode::OK,
        LoginResponse {
            operator_id: profile.id.as_str().to_string(),
            name: profile.name.clone(),
            token: token.clone(),
        },
    );
    // unwrap: a hex token always makes a valid header value.
    let cookie =
        HeaderValue::from_str(&session_cookie(&token)).expect("hex token is a valid header value");
    response.headers_mut().insert(SET_COOKIE, cookie);
    Ok(response)
}

/// Closes the session the request carries.
#[utoipa::path(
    delete,
    path = "/api/v1/session",
    tag = "operators",
    summary = "Log out",
    responses(
        (status = 204, description = "Session closed; the cookie is expired"),
        (status = 401, description = "error codes: unauthenticated", body = ErrorBody),
    ),
    security(("session_cookie" = []), ("bearer" = []))
)]
pub(crate) async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let token = auth::session_token(&headers)
        .ok_or_else(|| ApiError::unauthenticated("no session to close"))?;
    if !state.sessions.close(token).await {
        return Err(ApiError::unauthenticated("no session to close"));
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        SET_COOKIE,
        HeaderValue::from_str(&expired_session_cookie()).expect("constant cookie is valid"),
    );
    Ok(response)
}
