//! What happens in the meeting reaches the console: Zoom's signed webhooks,
//! the local room's buttons, and "Finalizar la reunión para todos".

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use engine::meeting::zoom::webhook::WebhookVerifier;
use serde_json::{json, Value};
use tower::ServiceExt as _;

use crate::helpers::{meeting_id, spawn_app, TestApp};

const SECRET: &str = "webhook-secret-for-tests";

/// A verifier with the tests' secret, and a router that takes Zoom's
/// webhooks signed with it.
fn zoom_webhooks(app: &TestApp) -> (WebhookVerifier, Router) {
    let router = gateway::router(
        app.state
            .clone()
            .with_zoom_webhooks(Some(WebhookVerifier::new(SECRET))),
    );
    (WebhookVerifier::new(SECRET), router)
}

fn warning_codes(console: &Value) -> Vec<String> {
    console["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .map(|w| w["code"].as_str().expect("code").to_string())
        .collect()
}

fn signed(verifier: &WebhookVerifier, timestamp: i64, body: &Value) -> Request<Body> {
    let raw = body.to_string();
    let signature = verifier.signature(&timestamp.to_string(), raw.as_bytes());
    Request::post("/webhooks/zoom")
        .header("content-type", "application/json")
        .header("x-zm-request-timestamp", timestamp.to_string())
        .header("x-zm-signature", signature)
        .body(Body::from(raw))
        .expect("request")
}

#[tokio::test]
async fn a_signed_zoom_event_tells_the_operator_the_taxpayer_is_in_the_waiting_room() {
    let app = spawn_app().await;
    let (console, _ticket) = app.operator_in_meeting("op-0001", 40, "CLAVE").await;
    let before = console.get("/api/v1/operator/console").await.json();
    let id = meeting_id(&before);
    let (verifier, router) = zoom_webhooks(&app);
    let now = app.test_engine.engine.now().as_second();
    let event = json!({
        "event": "meeting.participant_joined_waiting_room",
        "event_ts": now * 1000,
        "payload": {"account_id": "acc", "object": {
            "id": id, "uuid": "u1", "host_id": "host-1",
            "participant": {"user_id": "16778240", "participant_uuid": "p1", "id": "", "user_name": "No se lee"}
        }}
    });

    let applied = r#"provider="zoom",kind="waiting_room",result="applied""#;
    let duplicate = r#"provider="zoom",kind="waiting_room",result="duplicate""#;
    let metrics_before = scrape(&app).await;

    let unsigned = router
        .clone()
        .oneshot(
            Request::post("/webhooks/zoom")
                .header("content-type", "application/json")
                .body(Body::from(event.to_string()))
                .expect("request"),
        )
        .await
        .expect("answer");
    let stale = router
        .clone()
        .oneshot(signed(&verifier, now - 600, &event))
        .await
        .expect("answer");
    let accepted = router
        .clone()
        .oneshot(signed(&verifier, now, &event))
        .await
        .expect("answer");
    let redelivered = router
        .clone()
        .oneshot(signed(&verifier, now, &event))
        .await
        .expect("answer");
    let after = console.get("/api/v1/operator/console").await.json();
    let metrics_after = scrape(&app).await;

    assert_eq!(unsigned.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(stale.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(accepted.status(), StatusCode::OK);
    assert_eq!(redelivered.status(), StatusCode::OK);
    assert!(!warning_codes(&before).contains(&"taxpayer_in_waiting_room".to_string()));
    assert!(warning_codes(&after).contains(&"taxpayer_in_waiting_room".to_string()));
    assert_eq!(after["assignment"]["meeting"]["taxpayer"], "waiting_room");
    for labels in [applied, duplicate] {
        assert!(
            meeting_events(&metrics_after, labels) >= meeting_events(&metrics_before, labels) + 1.0,
            "{labels} did not count the event:\n{metrics_after}"
        );
    }
    let page = console.page("/operador").await;
    assert!(
        page.contains("Admitir"),
        "the console page shows the reminder"
    );
}

#[tokio::test]
async fn zoom_webhooks_are_not_served_with_the_local_provider_and_unknown_meetings_are_ignored() {
    let app = spawn_app().await;
    let refused = app
        .oneshot(
            Request::post("/webhooks/zoom")
                .body(Body::from("{}"))
                .expect("request"),
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);

    let (verifier, router) = zoom_webhooks(&app);
    let now = app.test_engine.engine.now().as_second();
    let unknown = json!({"event": "meeting.ended", "event_ts": now * 1000,
        "payload": {"object": {"id": 12345, "uuid": "x", "host_id": "h"}}});
    let unused = json!({"event": "meeting.sharing_started", "event_ts": now * 1000,
        "payload": {"object": {"id": 12345, "uuid": "x", "host_id": "h"}}});
    let zoom_unknown = r#"provider="zoom",kind="ended",result="unknown_meeting""#;
    let zoom_ignored = r#"provider="zoom",kind="other",result="ignored""#;
    let local_unknown = r#"provider="local",kind="waiting_room",result="unknown_meeting""#;
    let before = scrape(&app).await;

    let answer = router
        .clone()
        .oneshot(signed(&verifier, now, &unknown))
        .await
        .expect("answer");
    let unused_answer = router
        .oneshot(signed(&verifier, now, &unused))
        .await
        .expect("answer");
    // The local room of a meeting no console holds: ignored the same way.
    let local = app
        .client()
        .post(app.url("/reunion/4242/entrar"))
        .send()
        .await
        .expect("room action");
    let after = scrape(&app).await;

    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(unused_answer.status(), StatusCode::OK);
    assert!(local.status().is_success());
    for labels in [zoom_unknown, zoom_ignored, local_unknown] {
        assert!(
            meeting_events(&after, labels) >= meeting_events(&before, labels) + 1.0,
            "{labels} did not count the event:\n{after}"
        );
    }
}

/// The Prometheus text of `/metrics`.
async fn scrape(app: &TestApp) -> String {
    let answer = app
        .oneshot(
            Request::get("/metrics")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    answer.text
}

/// The value of `ventanilla_meeting_events_total{labels}` in a scrape.
fn meeting_events(exposition: &str, labels: &str) -> f64 {
    let prefix = format!("ventanilla_meeting_events_total{{{labels}}} ");
    exposition
        .lines()
        .find_map(|line| line.strip_prefix(prefix.as_str()))
        .unwrap_or_else(|| panic!("no series {prefix}in:\n{exposition}"))
        .trim()
        .parse()
        .expect("a number")
}

#[tokio::test]
async fn the_local_room_buttons_drive_the_console_like_zoom_does() {
    let app = spawn_app().await;
    let (console, ticket) = app.operator_in_meeting("op-0002", 41, "CLAVE").await;
    let id = meeting_id(&console.get("/api/v1/operator/console").await.json());
    // The taxpayer's buttons carry the ticket's token; the host's, the
    // operator's session (the cookie in the console's browser).
    let taxpayer = app.client();
    let post_as_taxpayer = |action: &str| {
        let request = taxpayer
            .post(app.url(&format!("/reunion/{id}/{action}")))
            .bearer_auth(&ticket.token);
        async move { request.send().await.expect("room action").status() }
    };
    let post_as_host = |action: &str| {
        let request = console
            .client
            .post(app.url(&format!("/reunion/{id}/{action}?rol=anfitrion")));
        async move { request.send().await.expect("room action").status() }
    };

    assert!(post_as_taxpayer("entrar").await.is_success());
    let waiting = console.get("/api/v1/operator/console").await.json();
    assert!(post_as_host("admitir").await.is_success());
    let joined = console.get("/api/v1/operator/console").await.json();
    let ended = console.post("/api/v1/operator/meeting/end").await;

    assert!(warning_codes(&waiting).contains(&"taxpayer_in_waiting_room".to_string()));
    assert_eq!(joined["assignment"]["meeting"]["taxpayer"], "in_meeting");
    assert!(!warning_codes(&joined).contains(&"taxpayer_in_waiting_room".to_string()));
    assert_eq!(ended.status, StatusCode::OK);
    assert_eq!(ended.json()["assignment"]["meeting"]["running"], false);
    assert!(!warning_codes(&ended.json()).contains(&"meeting_still_running".to_string()));
    let room = console
        .client
        .get(app.url(&format!("/reunion/{id}?rol=anfitrion")))
        .send()
        .await
        .expect("room");
    assert!(room
        .text()
        .await
        .expect("html")
        .contains("Admitir al contribuyente"));
}

#[tokio::test]
async fn near_zoom_s_daily_cap_the_console_tells_the_operator_how_many_meetings_are_left() {
    let app = spawn_app().await;
    let text = "Su usuario de Zoom lleva 95 reuniones creadas hoy: le quedan 5 reuniones de las 100 diarias que permite Zoom (el cupo se renueva a las 00:00 UTC). Avise a su supervisor.";
    let (first, _ticket) = app.operator_in_meeting("op-0001", 42, "CLAVE").await;
    let before = first.get("/api/v1/operator/console").await.json();

    // The provider reports the quota from the next Iniciar Videoasistencia on.
    app.test_engine.meetings.warn_quota(Some(text));
    let (console, _ticket) = app.operator_in_meeting("op-0002", 43, "CLAVE").await;
    let after = console.get("/api/v1/operator/console").await.json();
    let page = console.page("/operador").await;

    assert!(!warning_codes(&before).contains(&"zoom_daily_cap_near".to_string()));
    let warning = after["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .find(|warning| warning["code"] == "zoom_daily_cap_near")
        .unwrap_or_else(|| panic!("no daily-cap warning: {after}"));
    assert_eq!(warning["message"], text);
    assert!(page.contains("le quedan 5 reuniones"), "{page}");
}
