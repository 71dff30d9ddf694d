//! Server-to-Server OAuth: one access token per process, fetched with the app's
//! credentials, reused until it is about to expire, and refreshed by one task at
//! a time (the others wait for that refresh instead of starting their own).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use reqwest::{StatusCode, Url};
use serde::Deserialize;
use tokio::sync::Mutex;

use super::client::{transport_error, zoom_detail};
use super::credentials::ZoomCredentials;
use super::error::ZoomError;
use crate::clock::SharedClock;

/// A bearer token. `Debug` redacts it: tokens grant the whole account.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct AccessToken(Arc<str>);

impl AccessToken {
    pub(crate) fn bearer(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("AccessToken(<redacted>)")
    }
}

#[derive(Debug, Clone)]
struct CachedToken {
    token: AccessToken,
    /// From here on the token counts as expired (expiry less the margin).
    refresh_at: Timestamp,
}

/// Zoom's token answer; `api_url` and `scope` are not needed.
#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    expires_in: u64,
}

/// The process's Zoom token.
pub(crate) struct TokenCache {
    http: reqwest::Client,
    oauth_url: Url,
    credentials: ZoomCredentials,
    clock: SharedClock,
    margin: Duration,
    timeout: Duration,
    // A tokio mutex on purpose: it is held across the token request, which is
    // what makes the refresh single-flight.
    slot: Mutex<Option<CachedToken>>,
}

impl TokenCache {
    pub(crate) fn new(
        http: reqwest::Client,
        oauth_url: Url,
        credentials: ZoomCredentials,
        clock: SharedClock,
        margin: Duration,
        timeout: Duration,
    ) -> TokenCache {
        TokenCache {
            http,
            oauth_url,
            credentials,
            clock,
            margin,
            timeout,
            slot: Mutex::new(None),
        }
    }

    /// A token that is good for at least the margin: the cached one, or a new one.
    pub(crate) async fn current(&self) -> Result<AccessToken, ZoomError> {
        let mut slot = self.slot.lock().await;
        if let Some(cached) = slot.as_ref() {
            if self.clock.now() < cached.refresh_at {
                return Ok(cached.token.clone());
            }
        }
        let fresh = self.fetch().await?;
        let token = fresh.token.clone();
        *slot = Some(fresh);
        Ok(token)
    }

    /// Zoom refused `rejected`: returns a different token, fetching one unless
    /// another task already replaced it (so a burst of 401s costs one refresh).
    pub(crate) async fn replace_rejected(
        &self,
        rejected: &AccessToken,
    ) -> Result<AccessToken, ZoomError> {
        let mut slot = self.slot.lock().await;
        if let Some(cached) = slot.as_ref() {
            if &cached.token != rejected && self.clock.now() < cached.refresh_at {
                return Ok(cached.token.clone());
            }
        }
        // Forget the refused token first: if the refresh fails, the next call
        // must not reuse it.
        *slot = None;
        let fresh = self.fetch().await?;
        let token = fresh.token.clone();
        *slot = Some(fresh);
        Ok(token)
    }

    /// `POST {oauth_url}` with HTTP Basic client_id:client_secret and the form
    /// `grant_type=account_credentials&account_id=…`.
    async fn fetch(&self) -> Result<CachedToken, ZoomError> {
        let requested_at = self.clock.now();
        let response = self
            .http
            .post(self.oauth_url.clone())
            .basic_auth(
                self.credentials.client_id(),
                Some(self.credentials.client_secret().expose()),
            )
            .form(&[
                ("grant_type", "account_credentials"),
                ("account_id", self.credentials.account_id()),
            ])
            .send()
            .await
            .map_err(|error| transport_error(error, self.timeout))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|error| transport_error(error, self.timeout))?;
        match status {
            StatusCode::OK => {}
            StatusCode::BAD_REQUEST | StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                tracing::warn!(
                    status = status.as_u16(),
                    "zoom refused the oauth credentials"
                );
                return Err(ZoomError::Credentials {
                    detail: zoom_detail(&body),
                });
            }
            StatusCode::TOO_MANY_REQUESTS => return Err(ZoomError::RateLimited),
            _ => {
                tracing::warn!(status = status.as_u16(), "zoom oauth endpoint failed");
                return Err(ZoomError::Rejected {
                    status: status.as_u16(),
                    detail: zoom_detail(&body),
                });
            }
        }
        let answer: TokenAnswer =
            serde_json::from_slice(&body).map_err(|error| ZoomError::InvalidAnswer {
                detail: format!("token de acceso: {error}"),
            })?;
        if answer.access_token.is_empty() {
            return Err(ZoomError::InvalidAnswer {
                detail: "token de acceso vacío".into(),
            });
        }
        // A token shorter-lived than twice the margin is refreshed at half its life,
        // so it is still used at least once.
        let lifetime = Duration::from_secs(answer.expires_in);
        let usable = lifetime.saturating_sub(self.margin.min(lifetime / 2));
        let refresh_at =
            requested_at
                .checked_add(usable)
                .map_err(|_| ZoomError::InvalidAnswer {
                    detail: format!("expires_in fuera de rango: {}", answer.expires_in),
                })?;
        tracing::debug!(
            expires_in = answer.expires_in,
            "zoom access token refreshed"
        );
        Ok(CachedToken {
            token: AccessToken(answer.access_token.into()),
            refresh_at,
        })
    }
}
