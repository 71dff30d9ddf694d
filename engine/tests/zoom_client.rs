//! The Zoom client against a scripted local Zoom: tokens (reuse, refresh before
//! expiry, one refresh for many tasks, one retry on 401), 429s of both kinds,
//! timeouts, and ending meetings that already ended.

mod zoom_support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use engine::config::ZoomRecording;
use engine::meeting::zoom::{EndOutcome, ZoomError, ZoomMeetings};
use engine::meeting::MeetingProvider;
use engine::store::MeetingRecord;
use serde_json::json;
use zoom_support::fake::{daily_429, per_second_429, FakeZoom, Reply, MEETING_ID};
use zoom_support::{clock, provider, request, settings, HOST};

async fn started() -> (FakeZoom, Arc<engine::clock::ManualClock>, ZoomMeetings) {
    let fake = FakeZoom::start().await;
    let clock = clock();
    let zoom = provider(settings(&fake.base_url, &fake.oauth_url()), clock.clone());
    (fake, clock, zoom)
}

#[tokio::test]
async fn a_meeting_is_created_under_the_operator_s_zoom_user_with_the_waiting_room_on() {
    let (fake, _clock, zoom) = started().await;

    let record = zoom
        .create(&request(Some(HOST)))
        .await
        .expect("meeting created");

    // The id survives as the exact 64-bit integer, in decimal.
    assert_eq!(record.id, MEETING_ID.to_string());
    assert_eq!(
        record.join_url,
        format!("https://zoom.us/j/{MEETING_ID}?pwd=abc")
    );
    assert_eq!(
        record.start_url,
        format!("https://zoom.us/s/{MEETING_ID}?zak=xyz")
    );
    let creates = fake.creates();
    assert_eq!(creates.len(), 1);
    assert_eq!(creates[0].target, HOST);
    assert_eq!(creates[0].token.as_deref(), Some("token-1"));
    let body = &creates[0].body;
    assert_eq!(body["topic"], "Videoasistencia CLAVE");
    assert_eq!(body["type"], 2);
    assert_eq!(body["start_time"], "2026-11-30T09:00:00Z");
    assert_eq!(body["duration"], 30);
    assert_eq!(body["settings"]["waiting_room"], true);
    assert_eq!(body["settings"]["join_before_host"], false);
    assert_eq!(body["settings"]["auto_recording"], "cloud");
    assert_eq!(zoom.creates_today(HOST), 1);
}

#[tokio::test]
async fn recording_follows_the_configuration() {
    let fake = FakeZoom::start().await;
    for (recording, word) in [
        (ZoomRecording::Local, "local"),
        (ZoomRecording::None, "none"),
    ] {
        let mut settings = settings(&fake.base_url, &fake.oauth_url());
        settings.recording = recording;
        let zoom = provider(settings, clock());
        zoom.create(&request(Some(HOST))).await.expect("created");
        let last = fake.creates().pop().expect("a create");
        assert_eq!(last.body["settings"]["auto_recording"], word);
    }
}

#[tokio::test]
async fn an_operator_without_a_zoom_user_gets_a_clear_error_and_zoom_is_not_called() {
    let (fake, _clock, zoom) = started().await;
    for user in [None, Some("  "), Some("me")] {
        let error = zoom.create(&request(user)).await.expect_err("no host");
        assert!(error.reason.contains("zoom_user"), "{}", error.reason);
    }
    assert_eq!(fake.token_requests(), 0);
    assert!(fake.creates().is_empty());
}

#[tokio::test]
async fn a_401_refreshes_the_token_once_and_retries_once() {
    let (fake, _clock, zoom) = started().await;
    fake.script_create([Reply::Status(
        401,
        json!({"code": 124, "message": "Invalid access token."}),
    )]);

    let record = zoom
        .create(&request(Some(HOST)))
        .await
        .expect("created after refresh");

    assert_eq!(record.id, MEETING_ID.to_string());
    assert_eq!(fake.token_requests(), 2, "exactly one refresh");
    let tokens: Vec<_> = fake.creates().into_iter().map(|seen| seen.token).collect();
    assert_eq!(tokens, vec![Some("token-1".into()), Some("token-2".into())]);
}

#[tokio::test]
async fn a_second_401_in_a_row_is_an_error_not_a_loop() {
    let (fake, _clock, zoom) = started().await;
    let refused = Reply::Status(
        401,
        json!({"code": 124, "message": "Invalid access token."}),
    );
    fake.script_create([refused.clone(), refused]);

    let error = zoom
        .create(&request(Some(HOST)))
        .await
        .expect_err("refused twice");

    assert!(error.reason.contains("token"), "{}", error.reason);
    assert_eq!(fake.creates().len(), 2);
    assert_eq!(fake.token_requests(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_is_reused_until_near_expiry_then_refreshed_once_for_concurrent_creates() {
    let (fake, clock, zoom) = started().await;
    let zoom = Arc::new(zoom);
    fake.set_token_delay(Duration::from_millis(150));

    for _ in 0..3 {
        zoom.create(&request(Some(HOST))).await.expect("created");
    }
    clock.advance(Duration::from_secs(3_500));
    zoom.create(&request(Some(HOST))).await.expect("created");
    assert_eq!(fake.token_requests(), 1, "one token for the first 3500 s");

    // Less than the 60 s margin left: the next calls need a new token, and eight
    // tasks asking at once share one refresh.
    clock.advance(Duration::from_secs(45));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let zoom = zoom.clone();
        tasks.spawn(async move { zoom.create(&request(Some(HOST))).await });
    }
    while let Some(result) = tasks.join_next().await {
        result.expect("task ran").expect("created");
    }

    assert_eq!(
        fake.token_requests(),
        2,
        "one refresh for eight concurrent creates"
    );
    let creates = fake.creates();
    assert_eq!(creates.len(), 12);
    assert!(creates[4..]
        .iter()
        .all(|seen| seen.token.as_deref() == Some("token-2")));
    assert_eq!(zoom.creates_today(HOST), 12);
}

#[tokio::test]
async fn refused_credentials_are_named_without_showing_the_secret() {
    let fake = FakeZoom::start().await;
    let zoom = ZoomMeetings::new(
        settings(&fake.base_url, &fake.oauth_url()),
        engine::meeting::zoom::ZoomCredentials::new(
            zoom_support::ACCOUNT_ID,
            zoom_support::CLIENT_ID,
            "wrong-secret",
        ),
        clock(),
    )
    .expect("valid settings");

    let error = zoom
        .create(&request(Some(HOST)))
        .await
        .expect_err("refused");

    assert!(error.reason.contains("credenciales"), "{}", error.reason);
    assert!(!error.reason.contains("wrong-secret"), "{}", error.reason);
    assert!(fake.creates().is_empty());
}

#[tokio::test]
async fn a_per_second_429_is_retried_after_a_short_backoff() {
    let (fake, _clock, zoom) = started().await;
    fake.script_create([per_second_429()]);

    let record = zoom
        .create(&request(Some(HOST)))
        .await
        .expect("created on retry");

    assert_eq!(record.id, MEETING_ID.to_string());
    assert_eq!(fake.creates().len(), 2);
    assert_eq!(
        zoom.creates_today(HOST),
        1,
        "one meeting, however many tries"
    );
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let (fake, _clock, zoom) = started().await;
    fake.script_create([Reply::TooMany {
        kind: Some("QPS"),
        retry_after: Some("1"),
        message:
            "You have reached the maximum per-second rate limit for this API. Try again later.",
    }]);

    let started_at = Instant::now();
    zoom.create(&request(Some(HOST)))
        .await
        .expect("created on retry");

    assert!(started_at.elapsed() >= Duration::from_secs(1));
    assert_eq!(fake.creates().len(), 2);
}

#[tokio::test]
async fn per_second_429s_are_retried_a_bounded_number_of_times() {
    let (fake, _clock, zoom) = started().await;
    fake.script_create([
        per_second_429(),
        per_second_429(),
        per_second_429(),
        per_second_429(),
    ]);

    let error = zoom
        .create(&request(Some(HOST)))
        .await
        .expect_err("still limited");

    assert_eq!(error.reason, ZoomError::RateLimited.to_string());
    assert_eq!(fake.creates().len(), 3, "three tries in all");
    assert_eq!(zoom.creates_today(HOST), 0);
}

#[tokio::test]
async fn a_retry_after_beyond_the_longest_wait_fails_at_once() {
    let (fake, _clock, zoom) = started().await;
    fake.script_create([Reply::TooMany {
        kind: Some("QPS"),
        retry_after: Some("60"),
        message:
            "You have reached the maximum per-second rate limit for this API. Try again later.",
    }]);

    let started_at = Instant::now();
    let error = zoom
        .create(&request(Some(HOST)))
        .await
        .expect_err("limited");

    assert!(started_at.elapsed() < Duration::from_secs(1));
    assert_eq!(error.reason, ZoomError::RateLimited.to_string());
    assert_eq!(fake.creates().len(), 1);
}

#[tokio::test]
async fn the_daily_limit_is_reported_clearly_and_not_retried() {
    let (fake, _clock, zoom) = started().await;
    fake.script_create([daily_429()]);

    let error = zoom
        .create(&request(Some(HOST)))
        .await
        .expect_err("daily limit");

    assert!(error.reason.contains("límite diario"), "{}", error.reason);
    assert_eq!(fake.creates().len(), 1, "no retry");
    assert!(zoom.is_near_daily_cap(HOST));
    assert_eq!(zoom.hosts_near_daily_cap(), 1);

    // Until 00:00 UTC the host is known to be exhausted: Zoom is not asked again.
    let again = zoom
        .create(&request(Some(HOST)))
        .await
        .expect_err("still exhausted");
    assert_eq!(again, error);
    assert_eq!(fake.creates().len(), 1);
    // Other operators are not affected.
    zoom.create(&request(Some("luis@example.org")))
        .await
        .expect("another host still creates");
}

#[tokio::test]
async fn the_daily_limit_is_also_told_by_the_rate_limit_type_header() {
    let (fake, _clock, zoom) = started().await;
    fake.script_create([Reply::TooMany {
        kind: Some("Daily-limit"),
        retry_after: Some("2026-12-01T00:00:00Z"),
        message: "Too many requests.",
    }]);

    let error = zoom
        .create(&request(Some(HOST)))
        .await
        .expect_err("daily limit");

    assert!(error.reason.contains("límite diario"), "{}", error.reason);
    assert_eq!(fake.creates().len(), 1);
}

#[tokio::test]
async fn the_exhausted_host_can_create_again_after_midnight_utc() {
    let (fake, clock, zoom) = started().await;
    fake.script_create([daily_429()]);
    zoom.create(&request(Some(HOST)))
        .await
        .expect_err("daily limit");

    clock.set("2026-12-01T00:00:01Z".parse().expect("valid instant"));

    zoom.create(&request(Some(HOST))).await.expect("a new day");
    assert_eq!(zoom.creates_today(HOST), 1);
}

#[tokio::test]
async fn a_call_that_times_out_is_a_meeting_error() {
    let fake = FakeZoom::start().await;
    let mut settings = settings(&fake.base_url, &fake.oauth_url());
    settings.request_timeout = Duration::from_millis(300);
    let zoom = provider(settings, clock());
    fake.script_create([Reply::Hang(Duration::from_secs(3))]);

    let started_at = Instant::now();
    let error = zoom
        .create(&request(Some(HOST)))
        .await
        .expect_err("timed out");

    assert!(started_at.elapsed() < Duration::from_secs(2));
    assert!(error.reason.contains("no respondió"), "{}", error.reason);
    assert_eq!(
        fake.creates().len(),
        1,
        "a create that may have happened is not repeated"
    );
    assert_eq!(zoom.creates_today(HOST), 0);
}

#[tokio::test]
async fn an_unreachable_zoom_is_a_meeting_error() {
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let zoom = provider(settings(&base, &format!("{base}/oauth/token")), clock());

    let error = zoom
        .create(&request(Some(HOST)))
        .await
        .expect_err("unreachable");

    assert!(error.reason.contains("Zoom"), "{}", error.reason);
}

#[tokio::test]
async fn an_unknown_zoom_user_is_named_as_such() {
    let (fake, _clock, zoom) = started().await;
    fake.script_create([Reply::Status(
        404,
        json!({"code": 1001, "message": "User does not exist: ana.garcia@example.org."}),
    )]);

    let error = zoom
        .create(&request(Some(HOST)))
        .await
        .expect_err("no such user");

    assert!(
        error.reason.contains("no existe en la cuenta"),
        "{}",
        error.reason
    );
    assert!(error.reason.contains("1001"), "{}", error.reason);
}

#[tokio::test]
async fn ending_a_meeting_puts_the_end_action_on_its_status() {
    let (fake, _clock, zoom) = started().await;
    let record = zoom.create(&request(Some(HOST))).await.expect("created");

    zoom.end(&record).await.expect("ended");

    let ends = fake.ends();
    assert_eq!(ends.len(), 1);
    assert_eq!(ends[0].target, MEETING_ID.to_string());
    assert_eq!(ends[0].body, json!({"action": "end"}));
}

#[tokio::test]
async fn ending_a_meeting_that_already_ended_is_fine() {
    let (fake, _clock, zoom) = started().await;
    fake.script_end([
        Reply::Status(
            404,
            json!({"code": 3001, "message": "Meeting does not exist: 85746065432."}),
        ),
        Reply::Status(
            400,
            json!({"code": 3000, "message": "Meeting is not in progress."}),
        ),
    ]);

    assert_eq!(
        zoom.end_meeting(85_746_065_432).await,
        Ok(EndOutcome::AlreadyEnded)
    );
    assert_eq!(
        zoom.end_meeting(85_746_065_432).await,
        Ok(EndOutcome::AlreadyEnded)
    );
    assert_eq!(
        zoom.end_meeting(85_746_065_432).await,
        Ok(EndOutcome::Ended)
    );
}

#[tokio::test]
async fn ending_fails_readably_when_zoom_refuses() {
    let (fake, _clock, zoom) = started().await;
    fake.script_end([Reply::Status(
        403,
        json!({"code": 200, "message": "No permission."}),
    )]);

    let error = zoom
        .end(&MeetingRecord {
            id: "85746065432".into(),
            start_url: String::new(),
            join_url: String::new(),
        })
        .await
        .expect_err("refused");

    assert!(
        error.reason.contains("403") && error.reason.contains("No permission"),
        "{}",
        error.reason
    );
}

#[tokio::test]
async fn a_stored_id_that_is_not_a_zoom_meeting_number_is_refused_without_calling_zoom() {
    let (fake, _clock, zoom) = started().await;
    let error = zoom
        .end(&MeetingRecord {
            id: "reunion-local".into(),
            start_url: String::new(),
            join_url: String::new(),
        })
        .await
        .expect_err("not a zoom id");
    assert!(error.reason.contains("reunion-local"), "{}", error.reason);
    assert!(fake.ends().is_empty());
}

#[tokio::test]
async fn unusable_base_urls_are_refused_at_construction() {
    let error = ZoomMeetings::new(
        settings("not a url", "https://zoom.us/oauth/token"),
        zoom_support::credentials(),
        clock(),
    )
    .expect_err("bad url");
    assert!(error.to_string().contains("api_base_url"), "{error}");
}
