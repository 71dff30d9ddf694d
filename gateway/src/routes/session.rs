//! `POST /api/v1/session` (log in) and `DELETE /api/v1/session` (log out).

use crate::config::AuthMode;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::no_store;
use crate::auth::{self, expired_session_cookie, session_cookie};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ClientAddress, NoBody, OptionalApiJson};
use crate::limits::LoginLocked;
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
        (status = 200, description = "Session opened; the token is also set as the HttpOnly, SameSite=Strict `ventanilla_session` cookie, with Max-Age the session's lifetime (12 h) and Secure when public_url is https", body = LoginResponse),
        (status = 400, description = "error codes: invalid_request", body = ErrorBody),
        (status = 401, description = "error codes: unauthenticated", body = ErrorBody),
        (status = 413, description = "error codes: invalid_request (body too large)", body = ErrorBody),
        (status = 415, description = "error codes: invalid_request (not JSON)", body = ErrorBody),
        (status = 429, description = "error codes: rate_limited (with Retry-After): too many failed logins for this operator id, or from this address", body = ErrorBody),
    )
)]
pub(crate) async fn login(
    State(state): State<AppState>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    OptionalApiJson(form): OptionalApiJson<Option<LoginRequest>>,
) -> Result<Response, ApiError> {
    // Failures count per configured operator id (so a lock never spills
    // over to another operator) and per address; unknown ids per address only.
    let operator = match (&state.options.auth_mode, &form) {
        (AuthMode::Password, Some(form)) => engine::domain::OperatorId::parse(&form.operator_id)
            .ok()
            .filter(|id| state.engine.catalog().operator(id).is_some()),
        _ => None,
    };
    if let Err(locked) = state.login_guard.check(client, operator.as_ref()) {
        let seconds = locked.wait().as_secs_f64().ceil() as u64;
        return Err(match locked {
            LoginLocked::Operator(_) => {
                tracing::warn!(operator = %operator.as_ref().map_or("", |id| id.as_str()), "operator locked after failed logins");
                ApiError::rate_limited_because(
                    "too many failed logins for this operator, try again when the minute ends",
                    seconds,
                )
            }
            LoginLocked::Address(_) => {
                tracing::warn!(%client, "address locked after failed logins");
                ApiError::rate_limited_because(
                    "too many failed logins from this address, try again later",
                    seconds,
                )
            }
        });
    }
    let profile = match state.options.auth_mode {
        AuthMode::TrustedHeader => {
            let operator = auth::trusted_operator(&state, &headers).ok_or_else(|| {
                ApiError::unauthenticated(
                    "the single sign-on header is missing or names no operator",
                )
            });
            match operator {
                Ok(operator) => state.engine.catalog().operator(&operator).cloned(),
                Err(error) => {
                    state.login_guard.failed(client, None);
                    return Err(error);
                }
            }
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
        state.login_guard.failed(client, operator.as_ref());
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
    let cookie = HeaderValue::from_str(&session_cookie(&token, state.options.secure_cookie))
        .expect("hex token is a valid header value");
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
        (status = 403, description = "error codes: cross_origin_refused (session cookie from another origin)", body = ErrorBody),
        (status = 413, description = "error codes: invalid_request (body too large)", body = ErrorBody),
        (status = 415, description = "error codes: invalid_request (a body that is not empty and not JSON: this call takes none)", body = ErrorBody),
    ),
    security(("session_cookie" = []), ("bearer" = []))
)]
pub(crate) async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    _: NoBody,
) -> Result<Response, ApiError> {
    let token = auth::session_token(&headers)
        .ok_or_else(|| ApiError::unauthenticated("no session to close"))?;
    if !state.sessions.close(token).await {
        return Err(ApiError::unauthenticated("no session to close"));
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        SET_COOKIE,
        HeaderValue::from_str(&expired_session_cookie(state.options.secure_cookie))
            .expect("constant cookie is valid"),
    );
    Ok(response)
}
