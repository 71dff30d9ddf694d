//! Helpers for the zoom_* tests: a scripted Zoom (REST API and OAuth token
//! endpoint) on a local port, prism serving Zoom's own API description, and a
//! provider wired to either with short timeouts.

// Each test binary uses a different part of these helpers.
#![allow(dead_code)]

pub mod fake;
pub mod prism;

use std::sync::Arc;
use std::time::Duration;

use engine::clock::{ManualClock, SharedClock};
use engine::config::ZoomRecording;
use engine::domain::{OperatorId, ServiceCode};
use engine::meeting::zoom::{RetryPolicy, ZoomCredentials, ZoomMeetings, ZoomSettings};
use engine::meeting::MeetingRequest;
use engine::ticket::TicketId;

/// The OAuth app's id and secret the fake token endpoint accepts.
pub const CLIENT_ID: &str = "zoom-client";
pub const CLIENT_SECRET: &str = "zoom-secret";
pub const ACCOUNT_ID: &str = "zoom-account";
/// `Basic base64("zoom-client:zoom-secret")`.
pub const BASIC_AUTH: &str = "Basic em9vbS1jbGllbnQ6em9vbS1zZWNyZXQ=";

/// The operator's Zoom user in every test.
pub const HOST: &str = "ana.garcia@example.org";

/// The app's credentials as the fake token endpoint expects them.
pub fn credentials() -> ZoomCredentials {
    ZoomCredentials::new(ACCOUNT_ID, CLIENT_ID, CLIENT_SECRET)
}

/// A manual clock on a weekday morning (UTC).
pub fn clock() -> Arc<ManualClock> {
    ManualClock::new("2026-11-30T09:00:00Z".parse().expect("valid instant"))
}

/// Settings for tests: short timeout, quick retries.
pub fn settings(api_base_url: &str, oauth_url: &str) -> ZoomSettings {
    ZoomSettings {
        api_base_url: api_base_url.to_owned(),
        oauth_url: oauth_url.to_owned(),
        recording: ZoomRecording::Cloud,
        request_timeout: Duration::from_secs(2),
        token_refresh_margin: Duration::from_secs(60),
        retry: RetryPolicy {
            max_attempts: 3,
            backoff_base: Duration::from_millis(20),
            max_wait: Duration::from_secs(2),
        },
        meeting_minutes: 30,
        daily_warning_threshold: 90,
    }
}

/// A provider with `settings` on `clock`.
pub fn provider(settings: ZoomSettings, clock: SharedClock) -> ZoomMeetings {
    ZoomMeetings::new(settings, credentials(), clock).expect("valid zoom settings")
}

/// The request the engine makes when operator `op-0001` starts an attention.
pub fn request(provider_user: Option<&str>) -> MeetingRequest {
    MeetingRequest {
        operator: OperatorId::parse("op-0001").expect("valid operator id"),
        provider_user: provider_user.map(str::to_owned),
        ticket: TicketId::from_u64(424_242),
        service: ServiceCode::parse("CLAVE").expect("valid service code"),
    }
}
