//! What happens in the meeting reaches the console: Zoom's signed webhooks,
//! the local room's buttons, and "Finalizar la reunión para todos".

use axum::body::Body;
use axum::http::{Request, StatusCode};
use engine::meeting::zoom::webhook::WebhookVerifier;
use serde_json::{json, Value};
use tower::ServiceExt as _;

use crate::helpers::spawn_app;

const SECRET: &str = "webhook-secret-for-tests";

fn meeting_id(console: &Value) -> String {
    let url = console["assignment"]["meeting"]["start_url"]
        .as_str()
        .expect("a meeting");
    url.trim_start_matches("http://meetings.test/reunion/")
        .split('?')
        .next()
        .expect("an id")
        .to_string()
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
    let verifier = WebhookVerifier::new(SECRET);
    let router = gateway::router(
        app.state
            .clone()
            .with_zoom_webhooks(Some(WebhookVerifier::new(SECRET))),
    );
    let now = app.test_engine.engine.now().as_second();
    let event = json!({
        "event": "meeting.participant_joined_waiting_room",
        "event_ts": now * 1000,
        "payload": {"account_id": "acc", "object": {
            "id": id, "uuid": "u1", "host_id": "host-1",
            "participant": {"user_id": "16778240", "participant_uuid": "p1", "id": "", "user_name": "No se lee"}
        }}
    });

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

    assert_eq!(unsigned.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(stale.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(accepted.status(), StatusCode::OK);
    assert_eq!(redelivered.status(), StatusCode::OK);
    assert!(!warning_codes(&before).contains(&"taxpayer_in_waiting_room".to_string()));
    assert!(warning_codes(&after).contains(&"taxpayer_in_waiting_room".to_string()));
    assert_eq!(after["assignment"]["meeting"]["taxpayer"], "waiting_room");
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

    let verifier = WebhookVerifier::new(SECRET);
    let router = gateway::router(
        app.state
            .clone()
            .with_zoom_webhooks(Some(WebhookVerifier::new(SECRET))),
    );
    let now = app.test_engine.engine.now().as_second();
    let unknown = json!({"event": "meeting.ended", "event_ts": now * 1000,
        "payload": {"object": {"id": 12345, "uuid": "x", "host_id": "h"}}});
    let answer = router
        .oneshot(signed(&verifier, now, &unknown))
        .await
        .expect("answer");
    assert_eq!(answer.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_local_room_buttons_drive_the_console_like_zoom_does() {
    let app = spawn_app().await;
    let (console, _ticket) = app.operator_in_meeting("op-0002", 41, "CLAVE").await;
    let id = meeting_id(&console.get("/api/v1/operator/console").await.json());
    let client = app.client();
    let post = |action: &str| {
        let url = app.url(&format!("/reunion/{id}/{action}"));
        let client = client.clone();
        async move { client.post(url).send().await.expect("room action").status() }
    };

    assert!(post("entrar").await.is_success());
    let waiting = console.get("/api/v1/operator/console").await.json();
    assert!(post("admitir").await.is_success());
    let joined = console.get("/api/v1/operator/console").await.json();
    let ended = console.post("/api/v1/operator/meeting/end").await;

    assert!(warning_codes(&waiting).contains(&"taxpayer_in_waiting_room".to_string()));
    assert_eq!(joined["assignment"]["meeting"]["taxpayer"], "in_meeting");
    assert!(!warning_codes(&joined).contains(&"taxpayer_in_waiting_room".to_string()));
    assert_eq!(ended.status, StatusCode::OK);
    assert_eq!(ended.json()["assignment"]["meeting"]["running"], false);
    assert!(!warning_codes(&ended.json()).contains(&"meeting_still_running".to_string()));
    let room = client
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
