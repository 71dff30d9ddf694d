//! Contract tests: our requests against prism serving Zoom's own API
//! description, which answers 422 to any request that does not match Zoom's
//! schema. The OAuth token comes from the local token endpoint of the scripted
//! fake (it checks Basic auth, grant_type and account_id); one test also sends
//! the token request itself through prism's `/oauth/token` operation.

mod zoom_support;

use engine::meeting::zoom::{EndOutcome, ZoomMeetingStatus, ZoomMeetings};
use engine::meeting::MeetingProvider;
use zoom_support::fake::FakeZoom;
use zoom_support::prism::Prism;
use zoom_support::{clock, provider, request, settings, HOST};

/// The meeting number in the create example of the description.
const EXAMPLE_MEETING_ID: u64 = 85_746_065_432;

/// Prism's answer to a request our client did not expect, with prism's log.
fn explain(prism: &Prism, what: &str, error: impl std::fmt::Display) -> String {
    format!("{what}: {error}\nprism's log:\n{}", prism.log_text())
}

#[tokio::test]
async fn create_status_and_end_requests_satisfy_zoom_s_api_description() {
    let prism = Prism::start();
    let tokens = FakeZoom::start().await;
    let zoom: ZoomMeetings = provider(settings(&prism.base_url, &tokens.oauth_url()), clock());

    let record = zoom
        .create(&request(Some(HOST)))
        .await
        .unwrap_or_else(|error| panic!("{}", explain(&prism, "create refused", error)));
    assert_eq!(record.id, EXAMPLE_MEETING_ID.to_string());
    assert!(
        record.join_url.starts_with("https://"),
        "{}",
        record.join_url
    );
    assert!(
        record.start_url.starts_with("https://"),
        "{}",
        record.start_url
    );
    assert_eq!(tokens.token_requests(), 1);

    let status = zoom
        .meeting_status(EXAMPLE_MEETING_ID)
        .await
        .unwrap_or_else(|error| panic!("{}", explain(&prism, "get refused", error)));
    assert!(
        matches!(
            status,
            Some(
                ZoomMeetingStatus::Waiting
                    | ZoomMeetingStatus::Started
                    | ZoomMeetingStatus::Other(_)
            )
        ),
        "{status:?}"
    );

    let outcome = zoom
        .end_meeting(EXAMPLE_MEETING_ID)
        .await
        .unwrap_or_else(|error| panic!("{}", explain(&prism, "end refused", error)));
    assert_eq!(outcome, EndOutcome::Ended);
    zoom.end(&record)
        .await
        .unwrap_or_else(|error| panic!("{}", explain(&prism, "end refused", error)));
    assert_eq!(tokens.token_requests(), 1, "one token for the whole run");
}

#[tokio::test]
async fn the_mock_really_refuses_requests_outside_zoom_s_schema() {
    // A control: without it, a mock that accepted anything would prove nothing.
    let prism = Prism::start();
    let client = reqwest::Client::new();
    let answer = client
        .post(format!("{}/users/{HOST}/meetings", prism.base_url))
        .bearer_auth("any")
        .json(&serde_json::json!({
            "topic": "Videoasistencia CLAVE",
            "type": 7,
            "settings": {"auto_recording": "sometimes"},
        }))
        .send()
        .await
        .expect("prism answers");
    assert_eq!(answer.status().as_u16(), 422);
    let unauthenticated = client
        .put(format!(
            "{}/meetings/{EXAMPLE_MEETING_ID}/status",
            prism.base_url
        ))
        .json(&serde_json::json!({"action": "end"}))
        .send()
        .await
        .expect("prism answers");
    assert_eq!(unauthenticated.status().as_u16(), 401);
}

#[tokio::test]
async fn the_token_request_satisfies_the_described_oauth_operation() {
    let prism = Prism::start();
    let zoom = provider(
        settings(&prism.base_url, &format!("{}/oauth/token", prism.base_url)),
        clock(),
    );

    zoom.create(&request(Some(HOST)))
        .await
        .unwrap_or_else(|error| panic!("{}", explain(&prism, "token or create refused", error)));
}
