//! Authenticated calls to Zoom's REST API: the bearer token, one retry after a
//! 401 with a refreshed token, bounded retries with jittered backoff on
//! per-second 429s, no retry on the daily limit, and a timeout on every call.

use std::time::Duration;

use bytes::Bytes;
use jiff::Timestamp;
use rand::Rng;
use reqwest::header::HeaderMap;
use reqwest::{RequestBuilder, StatusCode, Url};
use serde::Deserialize;

use super::error::ZoomError;
use super::token::TokenCache;
use crate::clock::SharedClock;

/// How 429s with per-second limits are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all for one call that keeps getting per-second 429s (1 = no retry).
    pub max_attempts: u32,
    /// First backoff; doubled on each retry, jittered to 50–100 %.
    pub backoff_base: Duration,
    /// Longest wait honoured: a `Retry-After` beyond it fails the call at once.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 3,
            backoff_base: Duration::from_millis(250),
            max_wait: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// The jittered wait before retry number `retry` (1-based).
    fn backoff(&self, retry: u32) -> Duration {
        let full = self
            .backoff_base
            .saturating_mul(1u32 << retry.saturating_sub(1).min(16));
        // "Equal jitter": half fixed, half random, so retries from many tasks spread
        // out but none comes back immediately.
        full.mul_f64(rand::rng().random_range(0.5..=1.0))
    }
}

/// Which 429 Zoom answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RateLimit {
    /// Per-second (QPS) limit: worth a retry shortly, after `retry_after` if given.
    PerSecond { retry_after: Option<Duration> },
    /// The host's daily create/update limit: nothing to do until 00:00 UTC.
    Daily,
}

/// Zoom's error body: `{"code": 1001, "message": "..."}`; the OAuth endpoint says
/// `{"reason": "...", "error": "..."}` instead.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct ZoomErrorBody {
    pub(crate) code: Option<i64>,
    pub(crate) message: Option<String>,
    reason: Option<String>,
    error: Option<String>,
}

impl ZoomErrorBody {
    pub(crate) fn parse(body: &[u8]) -> ZoomErrorBody {
        serde_json::from_slice(body).unwrap_or_default()
    }
}

/// Longest Zoom message quoted back to the operator.
const MAX_DETAIL_CHARS: usize = 200;

/// Zoom's code and message from an error body, short enough for a console line.
pub(crate) fn zoom_detail(body: &[u8]) -> String {
    let parsed = ZoomErrorBody::parse(body);
    let message = parsed
        .message
        .or(parsed.reason)
        .or(parsed.error)
        .unwrap_or_else(|| {
            if body.is_empty() {
                "sin detalle".to_owned()
            } else {
                String::from_utf8_lossy(body).into_owned()
            }
        });
    let message: String = message.chars().take(MAX_DETAIL_CHARS).collect();
    match parsed.code {
        Some(code) => format!("código {code}: {message}"),
        None => message,
    }
}

/// A reqwest failure as a [`ZoomError`]: timeouts are named as such.
pub(crate) fn transport_error(error: reqwest::Error, timeout: Duration) -> ZoomError {
    if error.is_timeout() {
        ZoomError::Timeout {
            seconds: timeout.as_secs().max(1),
        }
    } else {
        // Without the URL: it may carry an operator's e-mail address.
        ZoomError::Unreachable {
            detail: error.without_url().to_string(),
        }
    }
}

/// Tells the daily limit from a per-second one. Zoom sets `X-RateLimit-Type:
/// Daily-limit` only sometimes, so the message ("You have exceeded the daily rate
/// limit (100) of Meeting Create/Update API requests…") counts too.
pub(crate) fn classify_429(headers: &HeaderMap, body: &[u8], now: Timestamp) -> RateLimit {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::trim)
    };
    let type_says_daily =
        header("x-ratelimit-type").is_some_and(|kind| kind.to_ascii_lowercase().contains("daily"));
    let message_says_daily = ZoomErrorBody::parse(body)
        .message
        .is_some_and(|message| message.to_ascii_lowercase().contains("daily"));
    if type_says_daily || message_says_daily {
        return RateLimit::Daily;
    }
    RateLimit::PerSecond {
        retry_after: header("retry-after").and_then(|value| parse_retry_after(value, now)),
    }
}

/// `Retry-After` as seconds, or as an instant (Zoom's docs show RFC 3339).
fn parse_retry_after(value: &str, now: Timestamp) -> Option<Duration> {
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let until: Timestamp = value.parse().ok()?;
    let seconds = until.as_second().saturating_sub(now.as_second());
    Some(Duration::from_secs(u64::try_from(seconds).unwrap_or(0)))
}

/// What Zoom answered, body read in full.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) body: Bytes,
}

/// The REST API with its token and retry rules.
pub(crate) struct ApiClient {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: Url,
    pub(crate) tokens: TokenCache,
    pub(crate) retry: RetryPolicy,
    pub(crate) timeout: Duration,
    pub(crate) clock: SharedClock,
}

impl ApiClient {
    /// `{base_url}/{segments…}`, each segment percent-encoded (a host given as an
    /// e-mail address stays one segment).
    pub(crate) fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base_url.clone();
        // unwrap-free: the base URL was checked to be http(s) at construction, so
        // it can have path segments.
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// Sends the request that `build` makes with the current token and applies
    /// the retry rules. Returns any other answer (2xx or error) for the caller.
    pub(crate) async fn send(
        &self,
        operation: &'static str,
        build: impl Fn(&reqwest::Client) -> RequestBuilder,
    ) -> Result<Answer, ZoomError> {
        let mut token = self.tokens.current().await?;
        let mut refreshed_after_401 = false;
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            let response = build(&self.http)
                .bearer_auth(token.bearer())
                .send()
                .await
                .map_err(|error| self.failed(operation, transport_error(error, self.timeout)))?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = response
                .bytes()
                .await
                .map_err(|error| self.failed(operation, transport_error(error, self.timeout)))?;
            match status {
                StatusCode::UNAUTHORIZED if !refreshed_after_401 => {
                    // Revoked or expired early: one fresh token, one more try.
                    tracing::info!(operation, "zoom refused the access token; refreshing once");
                    refreshed_after_401 = true;
                    attempts -= 1;
                    token = self.tokens.replace_rejected(&token).await?;
                }
                StatusCode::UNAUTHORIZED => {
                    return Err(self.failed(
                        operation,
                        ZoomError::Unauthorized {
                            detail: zoom_detail(&body),
                        },
                    ));
                }
                StatusCode::TOO_MANY_REQUESTS => {
                    match classify_429(&headers, &body, self.clock.now()) {
                        RateLimit::Daily => {
                            return Err(self.failed(operation, ZoomError::DailyLimit))
                        }
                        RateLimit::PerSecond { retry_after } => {
                            if attempts >= self.retry.max_attempts {
                                return Err(self.failed(operation, ZoomError::RateLimited));
                            }
                            let wait = retry_after.unwrap_or_else(|| self.retry.backoff(attempts));
                            if wait > self.retry.max_wait {
                                return Err(self.failed(operation, ZoomError::RateLimited));
                            }
                            tracing::info!(
                                operation,
                                attempt = attempts,
                                wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                                "zoom per-second rate limit; retrying"
                            );
                            tokio::time::sleep(wait).await;
                        }
                    }
                }
                _ => return Ok(Answer { status, body }),
            }
        }
    }

    /// Logs a failed call (operation and error only: no URL, no body) and passes
    /// the error on.
    pub(crate) fn failed(&self, operation: &'static str, error: ZoomError) -> ZoomError {
        tracing::warn!(operation, error = %error, "zoom call failed");
        error
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn now() -> Timestamp {
        "2026-11-30T09:00:00Z".parse().expect("valid instant")
    }

    #[test]
    fn the_daily_limit_is_told_by_header_or_by_message() {
        let mut headers = HeaderMap::new();
        headers.insert("x-ratelimit-type", HeaderValue::from_static("Daily-limit"));
        assert_eq!(classify_429(&headers, b"", now()), RateLimit::Daily);

        let body = br#"{"code":429,"message":"You have exceeded the daily rate limit (100) of Meeting Create/Update API requests permitted for this particular user. You may resume these requests at GMT 00:00:00."}"#;
        assert_eq!(
            classify_429(&HeaderMap::new(), body, now()),
            RateLimit::Daily
        );
    }

    #[test]
    fn a_per_second_limit_keeps_its_retry_after() {
        let mut headers = HeaderMap::new();
        headers.insert("x-ratelimit-type", HeaderValue::from_static("QPS"));
        headers.insert("retry-after", HeaderValue::from_static("2"));
        let body = br#"{"code":429,"message":"You have reached the maximum per-second rate limit for this API. Try again later."}"#;
        assert_eq!(
            classify_429(&headers, body, now()),
            RateLimit::PerSecond {
                retry_after: Some(Duration::from_secs(2))
            }
        );
        headers.insert(
            "retry-after",
            HeaderValue::from_static("2026-11-30T09:00:03Z"),
        );
        assert_eq!(
            classify_429(&headers, body, now()),
            RateLimit::PerSecond {
                retry_after: Some(Duration::from_secs(3))
            }
        );
    }

    #[test]
    fn backoff_doubles_with_jitter() {
        let policy = RetryPolicy {
            backoff_base: Duration::from_millis(100),
            ..RetryPolicy::default()
        };
        for _ in 0..20 {
            let first = policy.backoff(1);
            let second = policy.backoff(2);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            assert!(second >= Duration::from_millis(100) && second <= Duration::from_millis(200));
        }
    }

    #[test]
    fn error_details_quote_zoom_briefly() {
        assert_eq!(
            zoom_detail(br#"{"code":1001,"message":"User does not exist: x"}"#),
            "código 1001: User does not exist: x"
        );
        assert_eq!(
            zoom_detail(
                br#"{"reason":"Invalid client_id or client_secret","error":"invalid_client"}"#
            ),
            "Invalid client_id or client_secret"
        );
        assert_eq!(zoom_detail(b""), "sin detalle");
        assert_eq!(zoom_detail(&[b'x'; 500]).chars().count(), MAX_DETAIL_CHARS);
    }
}
