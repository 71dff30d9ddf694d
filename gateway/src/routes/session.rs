//! `POST /api/v1/session` (log in) and `DELETE /api/v1/session` (log out).

use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use engine::config::AuthMode;
use serde::{Deserialize, Serialize};

use super::no_store;
use crate::auth::{self, expired_session_cookie, session_cookie};
use crate::error::ApiError;
use crate::extract::{ClientAddress, OptionalApiJson};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/session", post(login).delete(logout))
}

/// The login form.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub operator_id: String,
    pub password: String,
}

/// A session just opened.
#[derive(Debug, Serialize)]
pub struct LoginResponse {
    pub operator_id: String,
    pub name: String,
    pub token: String,
}

/// Password mode: checks the form. Trusted-header mode: the proxy's header
/// names the operator and the body is not needed.
async fn login(
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
    let token = state.sessions.open(profile.id.clone());
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
async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let token = auth::session_token(&headers)
        .ok_or_else(|| ApiError::unauthenticated("no session to close"))?;
    if !state.sessions.close(token) {
        return Err(ApiError::unauthenticated("no session to close"));
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        SET_COOKIE,
        HeaderValue::from_str(&expired_session_cookie()).expect("constant cookie is valid"),
    );
    Ok(response)
}
