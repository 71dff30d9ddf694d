//! Zoom webhook verification: the README's test vectors, tampering, wrong
//! secrets, stale timestamps both ways, redeliveries, and the events the
//! consoles need.

use std::collections::HashMap;
use std::time::Duration;

use engine::meeting::zoom::webhook::{
    MeetingRef, RecentDeliveries, Verified, WebhookError, WebhookEvent, WebhookHeaders,
    WebhookVerifier, ZoomEvent, SECRET_TOKEN_VAR,
};
use jiff::Timestamp;

const SECRET: &str = "test-secret";
const VECTOR_TIMESTAMP: &str = "1700000000";
const VECTOR_BODY: &str = r#"{"event":"meeting.started","event_ts":1700000000123,"payload":{"account_id":"acc","object":{"id":"85746065","uuid":"abc==","host_id":"h1"}}}"#;
const VECTOR_SIGNATURE: &str =
    "v0=7f19c8012cb4291095bee723e85f20439a6efa295b695b879fa06d4f0c6bf3df";
const VECTOR_PLAIN_TOKEN: &str = "qgg8vlvZRS6UYooatFL8Aw";
const VECTOR_ENCRYPTED_TOKEN: &str =
    "82079ed66225fed153e0854735aa9702e1d67137a69c96a00957941f942b8de7";

fn second(seconds: i64) -> Timestamp {
    Timestamp::from_second(seconds).expect("valid instant")
}

/// Ten seconds after the vector was signed.
fn shortly_after() -> Timestamp {
    second(1_700_000_010)
}

fn headers<'a>(signature: &'a str, timestamp: &'a str) -> WebhookHeaders<'a> {
    WebhookHeaders {
        signature: Some(signature),
        timestamp: Some(timestamp),
    }
}

fn verifier() -> WebhookVerifier {
    WebhookVerifier::new(SECRET)
}

/// Signs `body` at `timestamp` as Zoom would and verifies it at that instant.
fn deliver(body: &str, timestamp: i64) -> Result<Verified, WebhookError> {
    let timestamp_text = timestamp.to_string();
    let signature = verifier().signature(&timestamp_text, body.as_bytes());
    verifier().verify(
        headers(&signature, &timestamp_text),
        body.as_bytes(),
        second(timestamp),
    )
}

fn event_of(verified: Verified) -> WebhookEvent {
    match verified {
        Verified::Event(event) => event,
        other => panic!("expected an event, got {other:?}"),
    }
}

#[test]
fn the_readme_signature_vector_is_reproduced() {
    assert_eq!(
        verifier().signature(VECTOR_TIMESTAMP, VECTOR_BODY.as_bytes()),
        VECTOR_SIGNATURE
    );
}

#[test]
fn the_readme_event_vector_verifies_and_reads_as_meeting_started() {
    let verified = verifier()
        .verify(
            headers(VECTOR_SIGNATURE, VECTOR_TIMESTAMP),
            VECTOR_BODY.as_bytes(),
            shortly_after(),
        )
        .expect("the README's vector verifies");
    let event = event_of(verified);
    assert_eq!(
        event.event,
        ZoomEvent::MeetingStarted {
            meeting: MeetingRef {
                id: 85_746_065,
                uuid: Some("abc==".into()),
                host_id: Some("h1".into()),
            },
            at: Timestamp::from_millisecond(1_700_000_000_123).expect("valid instant"),
        }
    );
    assert_eq!(event.event.meeting_id(), Some(85_746_065));
}

#[test]
fn the_readme_url_validation_vector_is_answered() {
    let answer = verifier().url_validation(VECTOR_PLAIN_TOKEN);
    assert_eq!(answer.plain_token, VECTOR_PLAIN_TOKEN);
    assert_eq!(answer.encrypted_token, VECTOR_ENCRYPTED_TOKEN);
    // The JSON body Zoom expects back.
    let json = serde_json::to_value(&answer).expect("serializable");
    assert_eq!(
        json,
        serde_json::json!({
            "plainToken": VECTOR_PLAIN_TOKEN,
            "encryptedToken": VECTOR_ENCRYPTED_TOKEN,
        })
    );
}

#[test]
fn a_signed_url_validation_request_gets_its_answer() {
    let body = format!(
        r#"{{"payload":{{"plainToken":"{VECTOR_PLAIN_TOKEN}"}},"event_ts":1700000000123,"event":"endpoint.url_validation"}}"#
    );
    match deliver(&body, 1_700_000_000).expect("signed validation verifies") {
        Verified::UrlValidation(answer) => {
            assert_eq!(answer.encrypted_token, VECTOR_ENCRYPTED_TOKEN)
        }
        other => panic!("expected a url validation, got {other:?}"),
    }
}

#[test]
fn an_unsigned_url_validation_request_is_refused() {
    let body = format!(
        r#"{{"event":"endpoint.url_validation","payload":{{"plainToken":"{VECTOR_PLAIN_TOKEN}"}}}}"#
    );
    let error = verifier()
        .verify(
            WebhookHeaders {
                signature: None,
                timestamp: Some(VECTOR_TIMESTAMP),
            },
            body.as_bytes(),
            shortly_after(),
        )
        .expect_err("unsigned");
    assert_eq!(error, WebhookError::MissingSignature);
    assert!(error.is_unauthorized());
}

#[test]
fn a_tampered_body_is_refused() {
    // One digit of the meeting id changed after signing.
    let tampered = VECTOR_BODY.replace("85746065", "85746066");
    let error = verifier()
        .verify(
            headers(VECTOR_SIGNATURE, VECTOR_TIMESTAMP),
            tampered.as_bytes(),
            shortly_after(),
        )
        .expect_err("tampered body");
    assert_eq!(error, WebhookError::BadSignature);
    assert!(error.is_unauthorized());

    // Re-serialized JSON (a space added) is a different body too: bytes count.
    let reformatted = VECTOR_BODY.replacen(':', ": ", 1);
    assert_eq!(
        verifier().verify(
            headers(VECTOR_SIGNATURE, VECTOR_TIMESTAMP),
            reformatted.as_bytes(),
            shortly_after()
        ),
        Err(WebhookError::BadSignature)
    );
}

#[test]
fn a_signature_made_with_another_secret_is_refused() {
    let other = WebhookVerifier::new("not-the-secret");
    let forged = other.signature(VECTOR_TIMESTAMP, VECTOR_BODY.as_bytes());
    assert_ne!(forged, VECTOR_SIGNATURE);
    assert_eq!(
        verifier().verify(
            headers(&forged, VECTOR_TIMESTAMP),
            VECTOR_BODY.as_bytes(),
            shortly_after()
        ),
        Err(WebhookError::BadSignature)
    );
    // And the real signature does not pass a verifier with the wrong secret.
    assert_eq!(
        other.verify(
            headers(VECTOR_SIGNATURE, VECTOR_TIMESTAMP),
            VECTOR_BODY.as_bytes(),
            shortly_after()
        ),
        Err(WebhookError::BadSignature)
    );
}

#[test]
fn a_signature_moved_to_another_timestamp_is_refused() {
    // A replay with a fresh timestamp header but the old signature.
    assert_eq!(
        verifier().verify(
            headers(VECTOR_SIGNATURE, "1700000005"),
            VECTOR_BODY.as_bytes(),
            shortly_after()
        ),
        Err(WebhookError::BadSignature)
    );
}

#[test]
fn timestamps_more_than_five_minutes_old_are_refused() {
    let signed_at = 1_700_000_000;
    let verify_at = |now: i64| {
        verifier().verify(
            headers(VECTOR_SIGNATURE, VECTOR_TIMESTAMP),
            VECTOR_BODY.as_bytes(),
            second(now),
        )
    };
    assert!(
        verify_at(signed_at + 300).is_ok(),
        "exactly five minutes is accepted"
    );
    let error = verify_at(signed_at + 301).expect_err("stale");
    assert_eq!(error, WebhookError::StaleTimestamp { skew_seconds: -301 });
    assert!(error.is_unauthorized());
}

#[test]
fn timestamps_more_than_five_minutes_ahead_are_refused() {
    let signed_at = 1_700_000_000;
    let verify_at = |now: i64| {
        verifier().verify(
            headers(VECTOR_SIGNATURE, VECTOR_TIMESTAMP),
            VECTOR_BODY.as_bytes(),
            second(now),
        )
    };
    assert!(verify_at(signed_at - 300).is_ok());
    assert_eq!(
        verify_at(signed_at - 301),
        Err(WebhookError::StaleTimestamp { skew_seconds: 301 })
    );
}

#[test]
fn the_window_can_be_narrowed() {
    let strict = verifier().with_tolerance(Duration::from_secs(5));
    assert!(matches!(
        strict.verify(
            headers(VECTOR_SIGNATURE, VECTOR_TIMESTAMP),
            VECTOR_BODY.as_bytes(),
            shortly_after()
        ),
        Err(WebhookError::StaleTimestamp { skew_seconds: -10 })
    ));
}

#[test]
fn missing_or_garbled_headers_are_refused() {
    let body = VECTOR_BODY.as_bytes();
    let now = shortly_after();
    let check = |signature: Option<&str>, timestamp: Option<&str>| {
        verifier()
            .verify(
                WebhookHeaders {
                    signature,
                    timestamp,
                },
                body,
                now,
            )
            .expect_err("refused")
    };
    assert_eq!(
        check(Some(VECTOR_SIGNATURE), None),
        WebhookError::MissingTimestamp
    );
    assert_eq!(check(None, None), WebhookError::MissingSignature);
    assert_eq!(
        check(Some(VECTOR_SIGNATURE), Some("soon")),
        WebhookError::BadTimestamp
    );
    let without_prefix = VECTOR_SIGNATURE.trim_start_matches("v0=");
    assert_eq!(
        check(Some(without_prefix), Some(VECTOR_TIMESTAMP)),
        WebhookError::BadSignature
    );
    assert_eq!(
        check(Some("v0=zz"), Some(VECTOR_TIMESTAMP)),
        WebhookError::BadSignature
    );
    assert_eq!(
        check(Some("v0="), Some(VECTOR_TIMESTAMP)),
        WebhookError::BadSignature
    );
    let uppercase_scheme = VECTOR_SIGNATURE.replacen("v0=", "v1=", 1);
    assert_eq!(
        check(Some(&uppercase_scheme), Some(VECTOR_TIMESTAMP)),
        WebhookError::BadSignature
    );
}

#[test]
fn a_redelivered_event_is_recognised() {
    let deliveries = RecentDeliveries::default();
    let first = event_of(
        verifier()
            .verify(
                headers(VECTOR_SIGNATURE, VECTOR_TIMESTAMP),
                VECTOR_BODY.as_bytes(),
                shortly_after(),
            )
            .expect("first delivery"),
    );
    // Zoom's retry: same body, signed again later.
    let second_delivery = event_of(deliver(VECTOR_BODY, 1_700_000_200).expect("redelivery"));
    assert_eq!(first.key, second_delivery.key);
    assert!(deliveries.first_delivery(&first.key));
    assert!(!deliveries.first_delivery(&second_delivery.key));

    // The meeting's end is another event, not a repeat.
    let ended = VECTOR_BODY.replace("meeting.started", "meeting.ended");
    let ended = event_of(deliver(&ended, 1_700_000_300).expect("ended"));
    assert!(deliveries.first_delivery(&ended.key));
}

fn participant_body(
    event: &str,
    participant_id: &str,
    participant_uuid: &str,
    event_ts: i64,
) -> String {
    format!(
        r#"{{"event":"{event}","event_ts":{event_ts},"payload":{{"account_id":"acc","object":{{"id":"9007199254740993","uuid":"m-uuid==","host_id":"h1","topic":"Videoasistencia CLAVE","participant":{{"user_id":"16778240","user_name":"Nombre Apellido","id":"{participant_id}","participant_uuid":"{participant_uuid}","email":"x@example.org","join_time":"2026-11-30T09:01:00Z"}}}}}}}}"#
    )
}

#[test]
fn the_events_the_consoles_need_are_read() {
    let at = Timestamp::from_millisecond(1_700_000_000_500).expect("valid instant");
    let read = |event: &str, participant_id: &str| {
        event_of(
            deliver(
                &participant_body(event, participant_id, "p-uuid", 1_700_000_000_500),
                1_700_000_000,
            )
            .expect("verifies"),
        )
        .event
    };
    let expected_meeting = MeetingRef {
        // Beyond an f64's exact integers: kept exact.
        id: 9_007_199_254_740_993,
        uuid: Some("m-uuid==".into()),
        host_id: Some("h1".into()),
    };

    for name in [
        "meeting.participant_joined_waiting_room",
        "meeting.participant_put_in_waiting_room",
    ] {
        match read(name, "") {
            ZoomEvent::ParticipantInWaitingRoom {
                meeting,
                participant,
                at: when,
            } => {
                assert_eq!(meeting, expected_meeting);
                assert_eq!(when, at);
                assert_eq!(participant.user_id.as_deref(), Some("16778240"));
                assert_eq!(participant.participant_uuid.as_deref(), Some("p-uuid"));
                assert!(!participant.is_host);
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    assert!(matches!(
        read("meeting.participant_left_waiting_room", ""),
        ZoomEvent::ParticipantLeftWaitingRoom { .. }
    ));
    assert!(matches!(
        read("meeting.participant_admitted", ""),
        ZoomEvent::ParticipantAdmitted { .. }
    ));
    match read("meeting.participant_joined", "h1") {
        ZoomEvent::ParticipantJoined { participant, .. } => {
            assert!(participant.is_host, "the host's own join is told apart")
        }
        other => panic!("joined: {other:?}"),
    }
    let left = read("meeting.participant_left", "");
    assert!(matches!(left, ZoomEvent::ParticipantLeft { .. }));
    assert_eq!(left.meeting_id(), Some(9_007_199_254_740_993));
    assert_eq!(left.at(), Some(at));
    // No name or e-mail is kept, so none can reach a log through Debug.
    let shown = format!("{left:?}");
    assert!(
        !shown.contains("Nombre") && !shown.contains("x@example.org"),
        "{shown}"
    );
}

#[test]
fn ended_meetings_are_read() {
    let body = VECTOR_BODY.replace("meeting.started", "meeting.ended");
    let event = event_of(deliver(&body, 1_700_000_000).expect("verifies")).event;
    assert!(matches!(event, ZoomEvent::MeetingEnded { meeting, .. } if meeting.id == 85_746_065));
}

#[test]
fn two_participants_in_the_same_second_are_two_events() {
    let key = |participant_uuid: &str| {
        event_of(
            deliver(
                &participant_body(
                    "meeting.participant_joined",
                    "",
                    participant_uuid,
                    1_700_000_000_500,
                ),
                1_700_000_000,
            )
            .expect("verifies"),
        )
        .key
    };
    assert_ne!(key("p-1"), key("p-2"));
    assert_eq!(key("p-1"), key("p-1"));
}

#[test]
fn unknown_events_are_other_not_errors() {
    // A user event: its object id is a user id, not a meeting number.
    let body = r#"{"event":"user.updated","event_ts":1700000000123,"payload":{"account_id":"acc","object":{"id":"KdYKjnimT4KPd8FFgQt9FQ"}}}"#;
    let event = event_of(deliver(body, 1_700_000_000).expect("verifies"));
    assert_eq!(
        event.event,
        ZoomEvent::Other {
            event: "user.updated".into()
        }
    );
    assert_eq!(event.event.meeting_id(), None);
}

#[test]
fn a_signed_but_unreadable_body_is_malformed_not_unauthorized() {
    let error = deliver("not json", 1_700_000_000).expect_err("malformed");
    assert!(matches!(error, WebhookError::Malformed { .. }), "{error:?}");
    assert!(!error.is_unauthorized());

    let without_meeting = r#"{"event":"meeting.started","event_ts":1700000000123,"payload":{"object":{"uuid":"abc=="}}}"#;
    let error = deliver(without_meeting, 1_700_000_000).expect_err("no meeting id");
    assert!(error.to_string().contains("payload.object.id"), "{error}");

    let float_id = r#"{"event":"meeting.started","event_ts":1700000000123,"payload":{"object":{"id":85746065.0}}}"#;
    assert!(matches!(
        deliver(float_id, 1_700_000_000),
        Err(WebhookError::Malformed { .. })
    ));
}

#[test]
fn the_secret_comes_from_the_environment_and_is_never_shown() {
    let env: HashMap<String, String> =
        [(SECRET_TOKEN_VAR.to_owned(), format!(" {SECRET} "))].into();
    let from_env = WebhookVerifier::from_env(&env).expect("secret set");
    assert_eq!(
        from_env.signature(VECTOR_TIMESTAMP, VECTOR_BODY.as_bytes()),
        VECTOR_SIGNATURE
    );
    assert!(!format!("{from_env:?}").contains(SECRET));
    let missing = WebhookVerifier::from_env(&HashMap::new()).expect_err("no secret");
    assert_eq!(missing.names, vec![SECRET_TOKEN_VAR]);
}
