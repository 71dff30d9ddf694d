//! Zoom's webhooks, checked before anything is believed: the `x-zm-signature`
//! HMAC over the raw body, compared in constant time, and a 5-minute window on
//! `x-zm-request-timestamp`; then `endpoint.url_validation` is answered and the
//! events the consoles need are parsed into [`ZoomEvent`].
//!
//! The gateway's `POST /webhooks/zoom` does, in order:
//! 1. `verifier.verify(WebhookHeaders { signature, timestamp }, &raw_body, clock.now())`;
//!    an `Err` whose [`WebhookError::is_unauthorized`] is true is a 401 (already
//!    logged here, without the body); any other `Err` is a malformed, signed body.
//! 2. [`Verified::UrlValidation`]: answer 200 with that value as JSON.
//! 3. [`Verified::Event`]: `deliveries.first_delivery(&event.key)` false means a
//!    redelivery: answer 200 and change nothing. Otherwise act, answer 200.

mod dedupe;
mod event;

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use hmac::{Hmac, Mac};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::credentials::{CredentialsError, Secret};

pub use self::dedupe::{DeliveryKey, RecentDeliveries, DEFAULT_REMEMBERED_DELIVERIES};
pub use self::event::{MeetingRef, Participant, ZoomEvent};

/// Header carrying `v0=<hex HMAC-SHA256>`.
pub const SIGNATURE_HEADER: &str = "x-zm-signature";
/// Header carrying the signing time, in seconds since the epoch.
pub const TIMESTAMP_HEADER: &str = "x-zm-request-timestamp";
/// Environment variable holding the webhook secret token of the Zoom app
/// (DESIGN.md section 4 names it).
pub const SECRET_TOKEN_VAR: &str = "ZOOM_WEBHOOK_SECRET";
/// How far a request's timestamp may be from now, either way.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// The event name of Zoom's endpoint check.
const URL_VALIDATION_EVENT: &str = "endpoint.url_validation";

type HmacSha256 = Hmac<Sha256>;

/// The two headers the verification reads, as the request had them (`None`
/// when absent or not text).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WebhookHeaders<'a> {
    /// `x-zm-signature`.
    pub signature: Option<&'a str>,
    /// `x-zm-request-timestamp`.
    pub timestamp: Option<&'a str>,
}

/// Why a webhook request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// No `x-zm-signature` header.
    #[error("missing x-zm-signature header")]
    MissingSignature,
    /// No `x-zm-request-timestamp` header.
    #[error("missing x-zm-request-timestamp header")]
    MissingTimestamp,
    /// A timestamp that is not a number of seconds.
    #[error("x-zm-request-timestamp is not a number of seconds")]
    BadTimestamp,
    /// Signed too long ago, or in the future: a replay or a skewed clock.
    #[error("x-zm-request-timestamp is {skew_seconds} s away from now")]
    StaleTimestamp {
        /// Request time minus now (negative: in the past).
        skew_seconds: i64,
    },
    /// The signature does not match the body and timestamp.
    #[error("x-zm-signature does not match")]
    BadSignature,
    /// Properly signed, but not a body we can read.
    #[error("malformed webhook body: {reason}")]
    Malformed {
        /// What is wrong with it.
        reason: String,
    },
}

impl WebhookError {
    /// Whether the request is unsigned, badly signed or stale (401), as opposed to
    /// a signed body we could not read.
    pub fn is_unauthorized(&self) -> bool {
        !matches!(self, WebhookError::Malformed { .. })
    }
}

/// The answer to `endpoint.url_validation`: serialize it as the 200 body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UrlValidation {
    /// The token Zoom sent.
    #[serde(rename = "plainToken")]
    pub plain_token: String,
    /// hex(HMAC-SHA256(secret token, plainToken)).
    #[serde(rename = "encryptedToken")]
    pub encrypted_token: String,
}

/// One verified event and the key that recognises its redeliveries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEvent {
    /// What happened.
    pub event: ZoomEvent,
    /// Same for every delivery of this event.
    pub key: DeliveryKey,
}

/// A request that passed verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verified {
    /// Zoom checks the endpoint: answer 200 with this as JSON.
    UrlValidation(UrlValidation),
    /// An event to act on (once).
    Event(WebhookEvent),
}

/// Checks Zoom's webhook requests with the app's secret token.
#[derive(Clone)]
pub struct WebhookVerifier {
    secret: Secret,
    tolerance: Duration,
}

impl fmt::Debug for WebhookVerifier {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("WebhookVerifier")
            .field("secret", &self.secret)
            .field("tolerance", &self.tolerance)
            .finish()
    }
}

/// Logs a refusal: the reason only, never the body (it may name a taxpayer).
fn rejected(error: WebhookError) -> WebhookError {
    tracing::warn!(reason = %error, "zoom webhook refused");
    error
}

impl WebhookVerifier {
    /// A verifier for `secret_token` with the 5-minute window.
    pub fn new(secret_token: &str) -> WebhookVerifier {
        WebhookVerifier {
            secret: Secret::new(secret_token.trim()),
            tolerance: DEFAULT_TOLERANCE,
        }
    }

    /// Reads `ZOOM_WEBHOOK_SECRET` from `env`.
    pub fn from_env(env: &HashMap<String, String>) -> Result<WebhookVerifier, CredentialsError> {
        match env.get(SECRET_TOKEN_VAR).map(|value| value.trim()) {
            Some(secret) if !secret.is_empty() => Ok(WebhookVerifier::new(secret)),
            _ => Err(CredentialsError {
                names: vec![SECRET_TOKEN_VAR],
            }),
        }
    }

    /// The same verifier with another timestamp window.
    pub fn with_tolerance(mut self, tolerance: Duration) -> WebhookVerifier {
        self.tolerance = tolerance;
        self
    }

    fn mac(&self) -> HmacSha256 {
        // unwrap-free: HMAC takes keys of any length; the error case cannot happen.
        HmacSha256::new_from_slice(self.secret.expose().as_bytes())
            .unwrap_or_else(|_| unreachable!("hmac accepts keys of any length"))
    }

    /// `v0=` + hex(HMAC-SHA256(secret, "v0:{timestamp}:{body}")): what Zoom sends.
    /// For tests and for simulating Zoom; verification does not use it.
    pub fn signature(&self, timestamp: &str, raw_body: &[u8]) -> String {
        let mut mac = self.mac();
        feed_message(&mut mac, timestamp, raw_body);
        format!("v0={}", hex::encode(mac.finalize().into_bytes()))
    }

    /// The answer to a URL validation with `plain_token`.
    pub fn url_validation(&self, plain_token: &str) -> UrlValidation {
        let mut mac = self.mac();
        mac.update(plain_token.as_bytes());
        UrlValidation {
            plain_token: plain_token.to_owned(),
            encrypted_token: hex::encode(mac.finalize().into_bytes()),
        }
    }

    /// Checks the signature and the timestamp window, nothing else. Every refusal
    /// is logged (reason only, never the body).
    pub fn check(
        &self,
        headers: WebhookHeaders<'_>,
        raw_body: &[u8],
        now: Timestamp,
    ) -> Result<(), WebhookError> {
        let signature = headers
            .signature
            .map(str::trim)
            .ok_or_else(|| rejected(WebhookError::MissingSignature))?;
        let timestamp_text = headers
            .timestamp
            .map(str::trim)
            .ok_or_else(|| rejected(WebhookError::MissingTimestamp))?;
        let seconds: i64 = timestamp_text
            .parse()
            .map_err(|_| rejected(WebhookError::BadTimestamp))?;
        let skew_seconds = seconds.saturating_sub(now.as_second());
        let tolerance = i64::try_from(self.tolerance.as_secs()).unwrap_or(i64::MAX);
        if skew_seconds.unsigned_abs() > tolerance.unsigned_abs() {
            return Err(rejected(WebhookError::StaleTimestamp { skew_seconds }));
        }
        let expected = signature
            .strip_prefix("v0=")
            .and_then(|digest| hex::decode(digest).ok())
            .ok_or_else(|| rejected(WebhookError::BadSignature))?;
        let mut mac = self.mac();
        // The timestamp exactly as sent: it is part of what Zoom signed.
        feed_message(&mut mac, timestamp_text, raw_body);
        // verify_slice compares in constant time.
        mac.verify_slice(&expected)
            .map_err(|_| rejected(WebhookError::BadSignature))
    }

    /// Verifies a webhook request and reads it: see the module documentation for
    /// what the gateway does with each outcome.
    pub fn verify(
        &self,
        headers: WebhookHeaders<'_>,
        raw_body: &[u8],
        now: Timestamp,
    ) -> Result<Verified, WebhookError> {
        self.check(headers, raw_body, now)?;
        let envelope: event::Envelope =
            serde_json::from_slice(raw_body).map_err(|error| WebhookError::Malformed {
                reason: format!("not a zoom event: {error}"),
            })?;
        if envelope.event == URL_VALIDATION_EVENT {
            let plain_token = envelope
                .plain_token()
                .filter(|token| !token.is_empty())
                .ok_or_else(|| WebhookError::Malformed {
                    reason: "url validation without payload.plainToken".into(),
                })?;
            return Ok(Verified::UrlValidation(self.url_validation(plain_token)));
        }
        let (event, key) = envelope.into_event()?;
        Ok(Verified::Event(WebhookEvent { event, key }))
    }
}

/// Feeds Zoom's signed message `v0:{timestamp}:{body}` without copying the body.
fn feed_message(mac: &mut HmacSha256, timestamp: &str, raw_body: &[u8]) {
    mac.update(b"v0:");
    mac.update(timestamp.as_bytes());
    mac.update(b":");
    mac.update(raw_body);
}
