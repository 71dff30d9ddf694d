//! Operator authentication: password login into a session (cookie or bearer
//! token), or, in `trusted_header` mode, the operator id an SSO proxy puts in
//! a header.
//!
//! `trusted_header` trusts whoever can reach the gateway: use it only when the
//! gateway is reachable solely through a proxy that authenticates operators,
//! sets the header itself and drops any copy a client sent.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::config::AuthMode;
use argon2::password_hash::PasswordHash;
use argon2::{Argon2, PasswordVerifier};
use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use engine::domain::{Credential, OperatorId, OperatorProfile};
use engine::store::RedisStore;
use parking_lot::Mutex;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::state::AppState;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "ventanilla_session";
/// A session lasts one working day at most; the cookie's `Max-Age` says so.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 60 * 60);
/// Past this many sessions, expired ones are dropped at the next login.
const PRUNE_ABOVE: usize = 10_000;

/// Open operator sessions, by token. With the Redis store they are also kept
/// in Redis (by the SHA-256 of the token, never the token), so an operator in
/// the middle of an attention carries on after a restart or a standby's
/// takeover without logging in again.
#[derive(Debug, Default)]
pub struct Sessions {
    // A plain mutex: never held across an await. The map is looked up by the
    // whole 128-bit token, so lookup timing reveals nothing usable.
    by_token: Mutex<HashMap<String, Session>>,
    durable: Option<RedisStore>,
}

#[derive(Debug, Clone)]
struct Session {
    operator: OperatorId,
    created: Instant,
}

/// What Redis keys a session by: the token itself never leaves the process.
fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl Sessions {
    /// Sessions that survive the process, kept in `store`'s Redis.
    pub fn durable(store: RedisStore) -> Sessions {
        Sessions {
            by_token: Mutex::default(),
            durable: Some(store),
        }
    }

    /// Opens a session for `operator` and returns its token.
    pub async fn open(&self, operator: OperatorId) -> String {
        let token = random_token();
        if let Some(store) = &self.durable {
            // Without Redis the session still works here, only not after a
            // restart: better than refusing the login.
            if let Err(error) = store
                .session_put(&digest(&token), operator.as_str(), SESSION_LIFETIME)
                .await
            {
                tracing::warn!(%error, "session not kept in redis");
            }
        }
        self.remember(&token, operator);
        token
    }

    fn remember(&self, token: &str, operator: OperatorId) {
        let mut sessions = self.by_token.lock();
        if sessions.len() > PRUNE_ABOVE {
            sessions.retain(|_, session| session.created.elapsed() < SESSION_LIFETIME);
        }
        sessions.insert(
            token.to_string(),
            Session {
                operator,
                created: Instant::now(),
            },
        );
    }

    /// The operator a live session token belongs to.
    pub async fn operator(&self, token: &str) -> Option<OperatorId> {
        let cached = {
            let mut sessions = self.by_token.lock();
            match sessions.get(token) {
                Some(session) if session.created.elapsed() < SESSION_LIFETIME => {
                    Some(session.operator.clone())
                }
                Some(_) => {
                    sessions.remove(token);
                    None
                }
                None => None,
            }
        };
        if cached.is_some() {
            return cached;
        }
        // Opened by an earlier process (or the active one before a takeover).
        let store = self.durable.as_ref()?;
        let operator = store.session_get(&digest(token)).await.ok().flatten()?;
        let operator = OperatorId::parse(&operator).ok()?;
        self.remember(token, operator.clone());
        Some(operator)
    }

    /// Closes a session; true if it was open.
    pub async fn close(&self, token: &str) -> bool {
        let local = self.by_token.lock().remove(token).is_some();
        let durable = match &self.durable {
            Some(store) => store.session_delete(&digest(token)).await.unwrap_or(false),
            None => false,
        };
        local || durable
    }
}

/// 128 random bits as 32 lowercase hex digits.
pub fn random_token() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The `Set-Cookie` value that opens a session in the browser: it lives as
/// long as the session, and is `Secure` when the pages are served over https.
pub fn session_cookie(token: &str, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{}",
        SESSION_LIFETIME.as_secs(),
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn expired_session_cookie(secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The token of `Authorization: Bearer <token>`, if that is how the request
/// authenticates.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// The session cookie's value, if the request has one.
pub fn cookie_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == SESSION_COOKIE && !value.is_empty())
        .map(|(_, value)| value)
}

/// The session token a request carries: bearer first, then the cookie.
pub fn session_token(headers: &HeaderMap) -> Option<&str> {
    bearer_token(headers).or_else(|| cookie_token(headers))
}

/// The operator a request comes from, if it is authenticated.
pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Option<OperatorId> {
    if state.options.auth_mode == AuthMode::TrustedHeader {
        if let Some(operator) = trusted_operator(state, headers) {
            return Some(operator);
        }
    }
    let operator = state.sessions.operator(session_token(headers)?).await?;
    // A session survives only as long as its operator is configured (or,
    // removed by a reload, still finishing the attention they hold).
    state.engine.operator_may_act(&operator).then_some(operator)
}

/// The configured operator named by the SSO proxy's header.
pub fn trusted_operator(state: &AppState, headers: &HeaderMap) -> Option<OperatorId> {
    let value = headers.get(&state.options.auth_header)?.to_str().ok()?;
    let id = OperatorId::parse(value).ok()?;
    state.engine.operator_may_act(&id).then_some(id)
}

/// Checks a password login; the profile when it is right.
pub async fn verify_password(
    state: &AppState,
    operator_id: &str,
    password: &str,
) -> Option<OperatorProfile> {
    let id = OperatorId::parse(operator_id).ok()?;
    let profile = state.engine.catalog().operator(&id)?.clone();
    let accepted = match &profile.credential {
        Credential::None => false,
        Credential::DemoPassword(expected) => {
            constant_time_eq(expected.as_bytes(), password.as_bytes())
        }
        Credential::PasswordHash(phc) => {
            // Argon2 is deliberately slow: keep it off the async workers.
            let (phc, password) = (phc.clone(), password.to_string());
            tokio::task::spawn_blocking(move || verify_hash(&phc, &password))
                .await
                .unwrap_or(false)
        }
    };
    accepted.then_some(profile)
}

/// Verifies a password against a PHC string (argon2). A malformed hash never
/// verifies; it is logged without its content.
fn verify_hash(phc: &str, password: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(hash) => Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok(),
        Err(error) => {
            tracing::error!(%error, "an operator's password_hash is not a valid PHC string");
            false
        }
    }
}

/// Compares without revealing, through timing, how much of the prefix matched.
fn constant_time_eq(expected: &[u8], presented: &[u8]) -> bool {
    if expected.len() != presented.len() {
        return false;
    }
    expected
        .iter()
        .zip(presented)
        .fold(0u8, |diff, (a, b)| diff | (a ^ b))
        == 0
}

/// An authenticated operator: the extractor every operator call takes.
#[derive(Debug, Clone)]
pub struct Operator(pub OperatorId);

impl FromRequestParts<AppState> for Operator {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Operator, ApiError> {
        authenticate(state, &parts.headers)
            .await
            .map(Operator)
            .ok_or_else(|| {
                ApiError::unauthenticated(
                    "log in first: session cookie or Authorization: Bearer token required",
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn a_session_token_has_128_random_bits_in_hex() {
        let token = random_token();
        assert_eq!(token.len(), 32);
        assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(token, random_token());
    }

    #[test]
    fn the_token_is_read_from_bearer_or_cookie() {
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_static("theme=dark; ventanilla_session=abc; x=1"),
        );
        assert_eq!(session_token(&headers), Some("abc"));
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer def"));
        assert_eq!(session_token(&headers), Some("def"));
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Basic def"));
        assert_eq!(bearer_token(&headers), None);
    }

    #[tokio::test]
    async fn a_closed_session_no_longer_authenticates() {
        let sessions = Sessions::default();
        let operator = OperatorId::parse("op-0001").expect("valid id");
        let token = sessions.open(operator.clone()).await;
        assert_eq!(sessions.operator(&token).await, Some(operator));
        assert!(sessions.close(&token).await);
        assert_eq!(sessions.operator(&token).await, None);
    }

    #[test]
    fn an_argon2_hash_verifies_only_its_password() {
        use argon2::password_hash::{PasswordHasher, SaltString};
        let salt = SaltString::encode_b64(b"ventanilla-salt!").expect("valid salt");
        let hash = Argon2::default()
            .hash_password(b"s3cret", &salt)
            .expect("hashes")
            .to_string();
        assert!(verify_hash(&hash, "s3cret"));
        assert!(!verify_hash(&hash, "s3cret "));
        assert!(!verify_hash("not a phc string", "s3cret"));
    }
}
