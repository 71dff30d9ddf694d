//! The Zoom provider: one meeting per attention under the operator's Zoom user,
//! created and ended through Zoom's REST API with Server-to-Server OAuth; plus
//! the per-host daily create count and the webhook verification ([`webhook`]).
//!
//! Every call has a timeout, every failure becomes a [`MeetingError`] with a
//! reason the operator can read, and a failed create leaves nothing to undo on
//! our side (the engine keeps the assignment; the operator retries).

mod client;
mod credentials;
mod error;
mod id;
mod quota;
mod token;
pub mod webhook;

use std::time::Duration;

use async_trait::async_trait;
use jiff::Timestamp;
use reqwest::{StatusCode, Url};
use serde::{Deserialize, Serialize};

use self::client::{ApiClient, ZoomErrorBody};
use self::token::TokenCache;
use super::{MeetingError, MeetingProvider, MeetingRequest};
use crate::clock::SharedClock;
use crate::config::{ZoomConfig, ZoomRecording};
use crate::domain::ServiceCode;
use crate::store::MeetingRecord;

pub use self::client::RetryPolicy;
pub use self::credentials::{
    CredentialsError, ZoomCredentials, ACCOUNT_ID_VAR, CLIENT_ID_VAR, CLIENT_SECRET_VAR,
};
pub use self::error::ZoomError;
pub use self::quota::{DailyCreates, DAILY_CREATE_CAP, DEFAULT_WARNING_THRESHOLD};

/// How the provider talks to Zoom. [`ZoomSettings::from_config`] takes the
/// `[meetings.zoom]` keys; the rest have defaults that suit production.
#[derive(Debug, Clone)]
pub struct ZoomSettings {
    /// REST API base, e.g. `https://api.zoom.us/v2` (the mock serves at its root).
    pub api_base_url: String,
    /// OAuth token endpoint, e.g. `https://zoom.us/oauth/token`.
    pub oauth_url: String,
    /// `settings.auto_recording` of every meeting.
    pub recording: ZoomRecording,
    /// Limit for each HTTP call, token requests included.
    pub request_timeout: Duration,
    /// A token is refreshed this long before it expires.
    pub token_refresh_margin: Duration,
    /// Retries of per-second 429s.
    pub retry: RetryPolicy,
    /// Scheduled length of each meeting, in minutes (Zoom does not cut it short).
    pub meeting_minutes: u32,
    /// Creates per host and day from which the host counts as near the cap.
    pub daily_warning_threshold: u32,
}

impl Default for ZoomSettings {
    fn default() -> ZoomSettings {
        ZoomSettings::from_config(&ZoomConfig::default())
    }
}

impl ZoomSettings {
    /// The `[meetings.zoom]` keys with the default timeouts and limits.
    pub fn from_config(config: &ZoomConfig) -> ZoomSettings {
        ZoomSettings {
            api_base_url: config.api_base_url.clone(),
            oauth_url: config.oauth_url.clone(),
            recording: config.recording,
            request_timeout: Duration::from_secs(10),
            token_refresh_margin: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            meeting_minutes: 30,
            daily_warning_threshold: DEFAULT_WARNING_THRESHOLD,
        }
    }
}

/// A meeting Zoom created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedMeeting {
    /// Zoom's meeting number.
    pub id: u64,
    /// Zoom's meeting instance id, when Zoom sends it (webhooks carry it too).
    pub uuid: Option<String>,
    /// The host's link (starts the meeting; valid for about two hours).
    pub start_url: String,
    /// The taxpayer's link.
    pub join_url: String,
    /// Meetings created today (UTC) under this host, this one included.
    pub creates_today: u32,
    /// Whether the host has reached the warning threshold of the daily cap.
    pub near_daily_cap: bool,
}

/// How an end request went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndOutcome {
    /// Zoom ended the meeting for everybody.
    Ended,
    /// The meeting was not running (never started, already ended, or deleted).
    AlreadyEnded,
}

/// A meeting's state as `GET /meetings/{id}` tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZoomMeetingStatus {
    /// Created, not started (or ended: Zoom shows ended scheduled meetings as waiting).
    Waiting,
    /// Running now.
    Started,
    /// Any other word Zoom uses.
    Other(String),
}

/// `auto_recording` as Zoom spells it.
fn recording_word(recording: ZoomRecording) -> &'static str {
    match recording {
        ZoomRecording::Cloud => "cloud",
        ZoomRecording::Local => "local",
        ZoomRecording::None => "none",
    }
}

/// `POST /users/{userId}/meetings` body.
#[derive(Serialize)]
struct CreateMeetingBody {
    topic: String,
    /// 2: scheduled.
    #[serde(rename = "type")]
    kind: u8,
    /// `yyyy-MM-ddTHH:mm:ssZ`, in UTC as Zoom asks for that format.
    start_time: String,
    duration: u32,
    settings: CreateMeetingSettings,
}

#[derive(Serialize)]
struct CreateMeetingSettings {
    host_video: bool,
    participant_video: bool,
    join_before_host: bool,
    mute_upon_entry: bool,
    waiting_room: bool,
    auto_recording: &'static str,
}

/// The part of Zoom's create answer we keep.
#[derive(Deserialize)]
struct CreateMeetingAnswer {
    #[serde(deserialize_with = "id::deserialize")]
    id: u64,
    #[serde(default)]
    uuid: Option<String>,
    start_url: String,
    join_url: String,
}

#[derive(Deserialize)]
struct MeetingAnswer {
    #[serde(default)]
    status: Option<String>,
}

/// Zoom's meetings, behind [`MeetingProvider`].
pub struct ZoomMeetings {
    api: ApiClient,
    settings: ZoomSettings,
    creates: DailyCreates,
}

impl std::fmt::Debug for ZoomMeetings {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("ZoomMeetings")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// Parses a configured base URL: absolute http(s) only.
fn base_url(text: &str, key: &str) -> Result<Url, ZoomError> {
    let url = Url::parse(text.trim()).map_err(|error| ZoomError::InvalidSettings {
        detail: format!("{key} {text:?}: {error}"),
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err(ZoomError::InvalidSettings {
            detail: format!("{key} {text:?}: se espera una URL http(s)"),
        });
    }
    Ok(url)
}

/// The host key: Zoom's user id or e-mail, trimmed. `me` would be the app's
/// owner under S2S OAuth, never the operator.
fn host_key(host: &str) -> Result<&str, ZoomError> {
    let host = host.trim();
    if host.is_empty() || host.eq_ignore_ascii_case("me") {
        return Err(ZoomError::MissingHost);
    }
    Ok(host)
}

/// Zoom's answers for ending a meeting that is not running: 404 (3001 "Meeting
/// does not exist" / "…not found or has expired"), or 400 when it never started.
fn already_ended(status: StatusCode, body: &[u8]) -> bool {
    if status == StatusCode::NOT_FOUND {
        return true;
    }
    if status != StatusCode::BAD_REQUEST {
        return false;
    }
    let parsed = ZoomErrorBody::parse(body);
    let message = parsed.message.unwrap_or_default().to_ascii_lowercase();
    parsed.code == Some(3001)
        || [
            "not started",
            "not in progress",
            "not exist",
            "not found",
            "has expired",
            "already ended",
            "has ended",
        ]
        .iter()
        .any(|phrase| message.contains(phrase))
}

impl ZoomMeetings {
    /// A provider with its own HTTP client. Fails only on unusable settings.
    pub fn new(
        settings: ZoomSettings,
        credentials: ZoomCredentials,
        clock: SharedClock,
    ) -> Result<ZoomMeetings, ZoomError> {
        let api_base_url = base_url(&settings.api_base_url, "api_base_url")?;
        let oauth_url = base_url(&settings.oauth_url, "oauth_url")?;
        let timeout = settings.request_timeout;
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .user_agent(concat!("ventanilla/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| ZoomError::InvalidSettings {
                detail: format!("cliente HTTP: {error}"),
            })?;
        let tokens = TokenCache::new(
            http.clone(),
            oauth_url,
            credentials,
            clock.clone(),
            settings.token_refresh_margin,
            timeout,
        );
        Ok(ZoomMeetings {
            api: ApiClient {
                http,
                base_url: api_base_url,
                tokens,
                retry: settings.retry,
                timeout,
                clock: clock.clone(),
            },
            creates: DailyCreates::new(clock),
            settings,
        })
    }

    /// The per-host daily create count (metrics, warnings).
    pub fn daily_creates(&self) -> &DailyCreates {
        &self.creates
    }

    /// Meetings created today (UTC) under `host`.
    pub fn creates_today(&self, host: &str) -> u32 {
        self.creates.creates_today(host.trim())
    }

    /// Whether `host` reached the configured warning threshold today.
    pub fn is_near_daily_cap(&self, host: &str) -> bool {
        self.creates
            .is_near_cap(host.trim(), self.settings.daily_warning_threshold)
    }

    /// How many hosts reached the configured warning threshold today (a gauge).
    pub fn hosts_near_daily_cap(&self) -> usize {
        self.creates
            .near_daily_cap(self.settings.daily_warning_threshold)
    }

    /// Creates a scheduled meeting starting now under `host` (Zoom user id or
    /// e-mail), waiting room on, join before host off, recording per settings.
    /// The topic names the service only: never the taxpayer.
    pub async fn create_meeting(
        &self,
        host: &str,
        service: &ServiceCode,
    ) -> Result<CreatedMeeting, ZoomError> {
        let host = host_key(host)?;
        if self.creates.is_exhausted(host) {
            return Err(ZoomError::DailyLimit);
        }
        // Whole seconds: Zoom's format is yyyy-MM-ddTHH:mm:ssZ.
        let now = self.api.clock.now();
        let start_time = Timestamp::from_second(now.as_second())
            .unwrap_or(now)
            .to_string();
        let body = CreateMeetingBody {
            topic: format!("Videoasistencia {service}"),
            kind: 2,
            start_time,
            duration: self.settings.meeting_minutes,
            settings: CreateMeetingSettings {
                host_video: true,
                participant_video: true,
                join_before_host: false,
                mute_upon_entry: false,
                waiting_room: true,
                auto_recording: recording_word(self.settings.recording),
            },
        };
        let url = self.api.url(&["users", host, "meetings"]);
        let answer = self
            .api
            .send("create_meeting", |http| http.post(url.clone()).json(&body))
            .await;
        let answer = match answer {
            Err(ZoomError::DailyLimit) => {
                self.creates.record_daily_limit(host);
                return Err(ZoomError::DailyLimit);
            }
            other => other?,
        };
        match answer.status {
            StatusCode::CREATED | StatusCode::OK => {}
            StatusCode::NOT_FOUND => {
                return Err(self.api.failed(
                    "create_meeting",
                    ZoomError::HostNotFound {
                        detail: client::zoom_detail(&answer.body),
                    },
                ));
            }
            status => {
                return Err(self.api.failed(
                    "create_meeting",
                    ZoomError::Rejected {
                        status: status.as_u16(),
                        detail: client::zoom_detail(&answer.body),
                    },
                ));
            }
        }
        let created: CreateMeetingAnswer =
            serde_json::from_slice(&answer.body).map_err(|error| {
                self.api.failed(
                    "create_meeting",
                    ZoomError::InvalidAnswer {
                        detail: format!("reunión creada: {error}"),
                    },
                )
            })?;
        if created.start_url.is_empty() || created.join_url.is_empty() {
            return Err(self.api.failed(
                "create_meeting",
                ZoomError::InvalidAnswer {
                    detail: "reunión creada sin enlaces".into(),
                },
            ));
        }
        let creates_today = self.creates.record_create(host);
        Ok(CreatedMeeting {
            id: created.id,
            uuid: created.uuid,
            start_url: created.start_url,
            join_url: created.join_url,
            creates_today,
            near_daily_cap: creates_today >= self.settings.daily_warning_threshold,
        })
    }

    /// Ends meeting `id` for everybody (`PUT /meetings/{id}/status {"action":"end"}`).
    /// A meeting that is not running counts as ended.
    pub async fn end_meeting(&self, id: u64) -> Result<EndOutcome, ZoomError> {
        let url = self.api.url(&["meetings", &id.to_string(), "status"]);
        let body = serde_json::json!({ "action": "end" });
        let answer = self
            .api
            .send("end_meeting", |http| http.put(url.clone()).json(&body))
            .await?;
        if answer.status.is_success() {
            return Ok(EndOutcome::Ended);
        }
        if already_ended(answer.status, &answer.body) {
            tracing::debug!(meeting = id, "zoom meeting was not running");
            return Ok(EndOutcome::AlreadyEnded);
        }
        Err(self.api.failed(
            "end_meeting",
            ZoomError::Rejected {
                status: answer.status.as_u16(),
                detail: client::zoom_detail(&answer.body),
            },
        ))
    }

    /// Meeting `id`'s state, or `None` when Zoom no longer knows it.
    pub async fn meeting_status(&self, id: u64) -> Result<Option<ZoomMeetingStatus>, ZoomError> {
        let url = self.api.url(&["meetings", &id.to_string()]);
        let answer = self
            .api
            .send("get_meeting", |http| http.get(url.clone()))
            .await?;
        match answer.status {
            StatusCode::OK => {}
            StatusCode::NOT_FOUND => return Ok(None),
            status => {
                return Err(self.api.failed(
                    "get_meeting",
                    ZoomError::Rejected {
                        status: status.as_u16(),
                        detail: client::zoom_detail(&answer.body),
                    },
                ))
            }
        }
        let meeting: MeetingAnswer =
            serde_json::from_slice(&answer.body).map_err(|error| ZoomError::InvalidAnswer {
                detail: format!("reunión: {error}"),
            })?;
        Ok(Some(match meeting.status.as_deref() {
            Some("waiting") => ZoomMeetingStatus::Waiting,
            Some("started") => ZoomMeetingStatus::Started,
            other => ZoomMeetingStatus::Other(other.unwrap_or_default().to_owned()),
        }))
    }
}

/// The console's text for a Zoom user near (or at) the daily create cap.
pub fn daily_cap_warning(created_today: u32, remaining: u32) -> String {
    if remaining == 0 {
        return format!(
            "Su usuario de Zoom ha alcanzado hoy el máximo de {DAILY_CREATE_CAP} reuniones diarias: no podrá iniciar otra videoasistencia hasta las 00:00 UTC. Avise a su supervisor."
        );
    }
    let left = if remaining == 1 {
        "queda 1 reunión".to_string()
    } else {
        format!("quedan {remaining} reuniones")
    };
    format!(
        "Su usuario de Zoom lleva {created_today} reuniones creadas hoy: le {left} de las {DAILY_CREATE_CAP} diarias que permite Zoom (el cupo se renueva a las 00:00 UTC). Avise a su supervisor."
    )
}

#[async_trait]
impl MeetingProvider for ZoomMeetings {
    async fn create(&self, request: &MeetingRequest) -> Result<MeetingRecord, MeetingError> {
        let host = request.provider_user.as_deref().unwrap_or_default();
        let created = self
            .create_meeting(host, &request.service)
            .await
            .inspect_err(|error| {
                // The operator id, not the Zoom user: that may be a named e-mail.
                tracing::warn!(operator = %request.operator, %error, "zoom meeting not created");
            })?;
        if created.near_daily_cap {
            tracing::warn!(
                operator = %request.operator,
                creates_today = created.creates_today,
                cap = DAILY_CREATE_CAP,
                "zoom host near its daily meeting cap"
            );
        }
        Ok(MeetingRecord {
            id: created.id.to_string(),
            start_url: created.start_url,
            join_url: created.join_url,
        })
    }

    async fn end(&self, meeting: &MeetingRecord) -> Result<(), MeetingError> {
        let id = id::parse_meeting_id(&meeting.id).ok_or_else(|| ZoomError::InvalidMeetingId {
            id: meeting.id.clone(),
        })?;
        self.end_meeting(id).await?;
        Ok(())
    }

    /// The operator's warning before Zoom's daily cap: from the warning
    /// threshold on, how many meetings their Zoom user may still create today.
    fn quota_warning(&self, provider_user: Option<&str>) -> Option<String> {
        let host = host_key(provider_user?).ok()?;
        if !self
            .creates
            .is_near_cap(host, self.settings.daily_warning_threshold)
        {
            return None;
        }
        Some(daily_cap_warning(
            self.creates.creates_today(host),
            self.creates.remaining_today(host),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ending_a_meeting_that_is_not_running_is_not_an_error() {
        assert!(already_ended(StatusCode::NOT_FOUND, b""));
        assert!(already_ended(
            StatusCode::BAD_REQUEST,
            br#"{"code":3001,"message":"Meeting does not exist: 85746065432."}"#
        ));
        assert!(already_ended(
            StatusCode::BAD_REQUEST,
            br#"{"code":3000,"message":"Meeting is not in progress"}"#
        ));
        assert!(!already_ended(
            StatusCode::BAD_REQUEST,
            br#"{"code":300,"message":"Invalid meeting id"}"#
        ));
        assert!(!already_ended(StatusCode::FORBIDDEN, b""));
    }

    #[test]
    fn hosts_must_name_a_user() {
        assert_eq!(host_key(" ana@example.org "), Ok("ana@example.org"));
        assert_eq!(host_key("  "), Err(ZoomError::MissingHost));
        assert_eq!(host_key("me"), Err(ZoomError::MissingHost));
    }

    #[test]
    fn base_urls_must_be_http() {
        assert!(base_url("https://api.zoom.us/v2", "api_base_url").is_ok());
        assert!(base_url("ftp://example.org", "api_base_url").is_err());
        assert!(base_url("api.zoom.us", "api_base_url").is_err());
    }
}
