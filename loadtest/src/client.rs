//! The HTTP side: one pooled client for every simulated browser, each call
//! timed and classified once, here, so that no caller can forget to count
//! an error.
//!
//! A call's answer is one of: the decoded body, `304 Not Modified`, an
//! *expected* conflict (a 409 that a race between a taxpayer and an operator
//! legitimately produces), or a failure that has already been counted.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderName, HeaderValue, AUTHORIZATION, ETAG, IF_NONE_MATCH};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;

use crate::metrics::{Endpoint, Metrics};

/// How a call authenticates.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// Public calls.
    None,
    /// A session or ticket token.
    Bearer(HeaderValue),
    /// `trusted_header` mode: the SSO proxy's header with the operator id.
    Trusted(HeaderName, HeaderValue),
}

impl Credentials {
    /// `Authorization: Bearer <token>`.
    pub fn bearer(token: &str) -> anyhow::Result<Credentials> {
        Ok(Credentials::Bearer(HeaderValue::from_str(&format!(
            "Bearer {token}"
        ))?))
    }

    /// The trusted header naming `operator_id`.
    pub fn trusted(header: &str, operator_id: &str) -> anyhow::Result<Credentials> {
        Ok(Credentials::Trusted(
            HeaderName::from_bytes(header.as_bytes())?,
            HeaderValue::from_str(operator_id)?,
        ))
    }
}

/// One call to make.
#[derive(Debug)]
pub struct Call<'a> {
    pub endpoint: Endpoint,
    pub method: Method,
    pub path: &'a str,
    pub credentials: &'a Credentials,
    pub body: Option<serde_json::Value>,
    /// The ETag of the version the caller already has.
    pub if_none_match: Option<&'a str>,
    /// When the call was meant to be sent (its latency is counted from here).
    pub intended: Instant,
    /// 409 codes that a race explains; any other refusal is an error.
    pub expected_conflicts: &'a [&'a str],
}

impl<'a> Call<'a> {
    /// A call meant to be sent now, with no body and no expected conflict.
    pub fn new(
        endpoint: Endpoint,
        method: Method,
        path: &'a str,
        credentials: &'a Credentials,
    ) -> Call<'a> {
        Call {
            endpoint,
            method,
            path,
            credentials,
            body: None,
            if_none_match: None,
            intended: Instant::now(),
            expected_conflicts: &[],
        }
    }

    pub fn body(mut self, body: serde_json::Value) -> Self {
        self.body = Some(body);
        self
    }

    pub fn if_none_match(mut self, etag: Option<&'a str>) -> Self {
        self.if_none_match = etag;
        self
    }

    pub fn intended(mut self, intended: Instant) -> Self {
        self.intended = intended;
        self
    }

    pub fn expect_conflicts(mut self, codes: &'a [&'a str]) -> Self {
        self.expected_conflicts = codes;
        self
    }
}

/// What a call came back with.
#[derive(Debug)]
pub enum Reply<T> {
    /// 2xx, decoded.
    Ok { value: T, etag: Option<String> },
    /// 304: the caller's version is current.
    NotModified,
    /// A 409 the caller said could happen, with its API error code.
    Conflict(String),
    /// Anything else; already counted as an error.
    Failed,
}

/// API.md's error body.
#[derive(Debug, Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Debug, Deserialize)]
struct ErrorDetail {
    code: String,
    #[serde(default)]
    message: String,
}

/// The client every simulated browser shares.
#[derive(Debug, Clone)]
pub struct Api {
    http: reqwest::Client,
    base: Arc<str>,
    metrics: Arc<Metrics>,
    /// The budget of requests in flight.
    slots: Arc<Semaphore>,
}

impl Api {
    /// A client for the gateway at `base` (e.g. `http://127.0.0.1:8080`).
    pub fn new(
        base: &str,
        metrics: Arc<Metrics>,
        timeout: Duration,
        max_in_flight: usize,
    ) -> anyhow::Result<Api> {
        let http = reqwest::Client::builder()
            // Loopback only: a system proxy must never see this traffic.
            .no_proxy()
            .timeout(timeout)
            .connect_timeout(timeout)
            .tcp_nodelay(true)
            .pool_max_idle_per_host(max_in_flight)
            // Below the gateway's `server.header_timeout_ms` (10 s by
            // default), which closes a kept-alive connection that sends no
            // request in time: a client that keeps idle connections longer
            // races the close and reuses a dead one now and then.
            .pool_idle_timeout(Duration::from_secs(4))
            .build()?;
        Ok(Api {
            http,
            base: base.trim_end_matches('/').into(),
            metrics,
            slots: Arc::new(Semaphore::new(max_in_flight)),
        })
    }

    /// The metrics calls are counted in.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// The gateway's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Makes a call and decodes a 2xx body as `T`.
    pub async fn send<T: DeserializeOwned>(&self, call: Call<'_>) -> Reply<T> {
        let endpoint = call.endpoint;
        let expected_conflicts = call.expected_conflicts;
        let had_etag = call.if_none_match.is_some();
        let Some((status, etag, body)) = self.exchange(call).await else {
            return Reply::Failed;
        };
        if status == StatusCode::NOT_MODIFIED && had_etag {
            self.metrics.record_not_modified(endpoint);
            return Reply::NotModified;
        }
        if status.is_success() {
            // An empty 2xx body (e.g. 204) decodes as JSON null.
            let slice: &[u8] = if body.is_empty() { b"null" } else { &body };
            return match serde_json::from_slice::<T>(slice) {
                Ok(value) => Reply::Ok { value, etag },
                Err(error) => {
                    self.metrics.record_error(
                        endpoint,
                        "undecodable body",
                        &format!("{status}: {error}"),
                    );
                    Reply::Failed
                }
            };
        }
        let detail = serde_json::from_slice::<ErrorBody>(&body).ok();
        let code = detail
            .as_ref()
            .map_or("no_error_body", |detail| detail.error.code.as_str());
        if status == StatusCode::CONFLICT && expected_conflicts.contains(&code) {
            self.metrics.record_conflict(endpoint, code);
            return Reply::Conflict(code.to_string());
        }
        let message = detail.as_ref().map_or_else(
            || String::from_utf8_lossy(&body).into_owned(),
            |detail| detail.error.message.clone(),
        );
        self.metrics
            .record_error(endpoint, &format!("{} {code}", status.as_u16()), &message);
        Reply::Failed
    }

    /// Makes a call and returns its status and body whatever the status;
    /// only a failure to get an answer counts as an error.
    pub async fn send_raw(&self, call: Call<'_>) -> Option<(u16, bytes::Bytes)> {
        self.exchange(call)
            .await
            .map(|(status, _, body)| (status.as_u16(), body))
    }

    /// Sends, times and counts one request; `None` (already counted as an
    /// error) when no answer came.
    async fn exchange(&self, call: Call<'_>) -> Option<(StatusCode, Option<String>, bytes::Bytes)> {
        let endpoint = call.endpoint;
        // unwrap: the semaphore is never closed.
        let _slot = self.slots.acquire().await.expect("semaphore never closed");
        let sent = Instant::now();
        let url = format!("{}{}", self.base, call.path);
        let mut request = self.http.request(call.method, url);
        request = match call.credentials {
            Credentials::None => request,
            Credentials::Bearer(value) => request.header(AUTHORIZATION, value.clone()),
            Credentials::Trusted(name, value) => request.header(name.clone(), value.clone()),
        };
        if let Some(etag) = call.if_none_match {
            request = request.header(IF_NONE_MATCH, etag);
        }
        if let Some(body) = &call.body {
            request = request.json(body);
        }
        let outcome = match request.send().await {
            Ok(response) => {
                let status = response.status();
                let etag = response
                    .headers()
                    .get(ETAG)
                    .and_then(|value| value.to_str().ok())
                    .map(str::to_string);
                response.bytes().await.map(|body| (status, etag, body))
            }
            Err(error) => Err(error),
        };
        let done = Instant::now();
        self.metrics
            .record_latency(endpoint, call.intended, sent, done);
        match outcome {
            Ok(answer) => Some(answer),
            Err(error) => {
                let kind = if error.is_timeout() {
                    "timeout"
                } else if error.is_connect() {
                    "connect"
                } else {
                    "transport"
                };
                self.metrics
                    .record_error(endpoint, kind, &error_chain(&error));
                None
            }
        }
    }

    /// `GET path` without timing or counting, for readiness checks.
    pub async fn probe(&self, path: &str) -> Option<StatusCode> {
        let url = format!("{}{}", self.base, path);
        self.http
            .get(url)
            .timeout(Duration::from_secs(2))
            .send()
            .await
            .ok()
            .map(|response| response.status())
    }
}

/// An error with its causes, one line.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Any JSON body the caller does not read.
pub type Ignored = serde::de::IgnoredAny;

/// `POST /api/v1/tickets` answer.
#[derive(Debug, Deserialize)]
pub struct JoinAnswer {
    pub ticket_id: String,
    pub token: String,
    #[serde(default)]
    pub position: u64,
    /// Null when no operator serves the service.
    #[serde(default)]
    pub estimated_wait_seconds: Option<u64>,
}

/// The ticket view of API.md (the fields the load tester reads).
#[derive(Debug, Clone, Deserialize)]
pub struct TicketAnswer {
    pub state: String,
    /// The estimate this poll told (null: no operator, or no longer waiting).
    #[serde(default)]
    pub estimated_wait_seconds: Option<u64>,
    #[serde(default)]
    pub operator: Option<OperatorBadge>,
    #[serde(default)]
    pub joined_at: Option<String>,
    #[serde(default)]
    pub assigned_at: Option<String>,
}

/// Who serves a ticket, as its taxpayer sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorBadge {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub id_number: String,
}

/// The console view of API.md (the fields the load tester reads).
#[derive(Debug, Clone, Deserialize)]
pub struct ConsoleAnswer {
    pub state: String,
    #[serde(default)]
    pub assignment: Option<AssignmentAnswer>,
}

/// The taxpayer an operator holds.
#[derive(Debug, Clone, Deserialize)]
pub struct AssignmentAnswer {
    pub ticket_id: String,
    #[serde(default)]
    pub joined_at: Option<String>,
    #[serde(default)]
    pub assigned_at: Option<String>,
}

/// `POST /api/v1/session` answer.
#[derive(Debug, Deserialize)]
pub struct LoginAnswer {
    pub token: String,
}

/// `GET /api/v1/services` answer.
#[derive(Debug, Deserialize)]
pub struct ServicesAnswer {
    pub services: Vec<PublicService>,
}

/// One public service line.
#[derive(Debug, Deserialize)]
pub struct PublicService {
    pub code: String,
    #[serde(default)]
    pub open: bool,
    #[serde(default)]
    pub waiting: u64,
}

/// The time between two of the engine's RFC 3339 timestamps, if both parse
/// and are in order.
pub fn elapsed_between(from: &str, to: &str) -> Option<Duration> {
    let from: jiff::Timestamp = from.parse().ok()?;
    let to: jiff::Timestamp = to.parse().ok()?;
    let span = to.duration_since(from);
    Duration::try_from(span).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_between_two_engine_timestamps_is_exact_to_the_millisecond() {
        let wait = elapsed_between(
            "2026-11-30T10:02:03.125+01:00",
            "2026-11-30T10:04:41.502+01:00",
        );
        assert_eq!(wait, Some(Duration::from_millis(158_377)));
    }

    #[test]
    fn timestamps_out_of_order_or_unreadable_give_no_wait() {
        assert_eq!(
            elapsed_between("2026-11-30T10:04:41+01:00", "2026-11-30T10:02:03+01:00"),
            None
        );
        assert_eq!(
            elapsed_between("yesterday", "2026-11-30T10:02:03+01:00"),
            None
        );
    }
}
