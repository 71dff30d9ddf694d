use axum::body::Body;
use axum::http::{Request, StatusCode};
use engine::testsuite::{dni, madrid};
use serde_json::json;

use crate::helpers::{send, spawn_app, spawn_app_with, AppOptions, DEFAULT_CONFIG};

#[tokio::test]
async fn a_taxpayer_joins_and_gets_a_ticket_with_position_and_estimated_wait() {
    // Arrange
    let app = spawn_app().await;
    app.joined(&dni(1), "CLAVE").await;

    // Act
    let answer = app.join(&dni(2), "CLAVE").await;

    // Assert
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    let body = answer.json();
    assert_eq!(body["ticket_id"].as_str().expect("id").len(), 16);
    assert_eq!(body["token"].as_str().expect("token").len(), 32);
    assert_eq!(body["position"], 2);
    // Nobody serving the service: no number, and nothing past closing.
    assert_eq!(body["estimated_wait_seconds"], serde_json::Value::Null);
    assert_eq!(body["estimate_past_closing"], false);
}

#[tokio::test]
async fn the_ticket_poll_shows_the_waiting_ticket_to_its_token_holder() {
    let app = spawn_app().await;
    let ticket = app.joined(&dni(3), "CLAVE").await;

    let answer = ticket.get(&app).await;

    assert_eq!(answer.status, StatusCode::OK);
    let body = answer.json();
    assert_eq!(body["ticket_id"], ticket.id.as_str());
    assert_eq!(body["state"], "waiting");
    assert_eq!(body["service"], "CLAVE");
    assert_eq!(body["position"], 1);
    assert_eq!(body["estimated_wait_seconds"], serde_json::Value::Null);
    assert_eq!(body["estimate_past_closing"], false);
    assert_eq!(body["estimate_reason"], "no_operator");
    assert_eq!(body["operator"], serde_json::Value::Null);
    assert_eq!(body["join_url"], serde_json::Value::Null);
    assert_eq!(body["joined_at"], "2026-11-30T10:00:00.000+01:00");
    assert_eq!(body["assigned_at"], serde_json::Value::Null);
    assert_eq!(body["next_poll_seconds"], 9);
    assert!(answer.header("etag").is_some());
}

#[tokio::test]
async fn a_wrong_or_missing_ticket_token_is_unauthenticated() {
    let app = spawn_app().await;
    let ticket = app.joined(&dni(4), "CLAVE").await;
    let path = format!("/api/v1/tickets/{}", ticket.id);

    let wrong = send(app.client().get(app.url(&path)).bearer_auth("0".repeat(32))).await;
    let missing = send(app.client().get(app.url(&path))).await;
    let accept_wrong = send(
        app.client()
            .post(app.url(&format!("{path}/accept")))
            .bearer_auth("zz"),
    )
    .await;

    assert_eq!(
        (wrong.status, wrong.error_code().as_str()),
        (StatusCode::UNAUTHORIZED, "unauthenticated")
    );
    assert_eq!(missing.error_code(), "unauthenticated");
    assert_eq!(accept_wrong.error_code(), "unauthenticated");
}

#[tokio::test]
async fn an_unknown_or_malformed_ticket_id_is_not_found() {
    let app = spawn_app().await;
    let ticket = app.joined(&dni(5), "CLAVE").await;

    let unknown = send(
        app.client()
            .get(app.url("/api/v1/tickets/0123456789abcdef"))
            .bearer_auth(&ticket.token),
    )
    .await;
    let malformed = send(
        app.client()
            .get(app.url("/api/v1/tickets/not-a-ticket"))
            .bearer_auth(&ticket.token),
    )
    .await;

    assert_eq!(
        (unknown.status, unknown.error_code().as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    assert_eq!(malformed.error_code(), "not_found");
}

#[tokio::test]
async fn the_ticket_poll_answers_304_until_the_queue_moves() {
    let app = spawn_app().await;
    let first = app.joined(&dni(20), "CLAVE").await;
    let second = app.joined(&dni(21), "CLAVE").await;
    let etag = second.get(&app).await.header("etag").expect("etag");
    let poll = |etag: String| {
        let request = app
            .client()
            .get(app.url(&format!("/api/v1/tickets/{}", second.id)))
            .bearer_auth(&second.token)
            .header("if-none-match", etag);
        send(request)
    };

    let unchanged = poll(etag.clone()).await;
    first.post(&app, "abandon", None).await;
    let moved = poll(etag).await;

    assert_eq!(unchanged.status, StatusCode::NOT_MODIFIED);
    assert_eq!(moved.status, StatusCode::OK);
    assert_eq!(moved.json()["position"], 1);
}

#[tokio::test]
async fn joining_with_an_invalid_nif_is_a_400() {
    let app = spawn_app().await;

    let answer = app.join("12345678A", "CLAVE").await;

    assert_eq!(
        (answer.status, answer.error_code().as_str()),
        (StatusCode::BAD_REQUEST, "invalid_nif")
    );
}

#[tokio::test]
async fn joining_an_unknown_service_is_a_404() {
    let app = spawn_app().await;

    let answer = app.join(&dni(6), "NOEXISTE").await;

    assert_eq!(
        (answer.status, answer.error_code().as_str()),
        (StatusCode::NOT_FOUND, "unknown_service")
    );
}

#[tokio::test]
async fn joining_a_closed_service_is_a_409() {
    let app = spawn_app_with(AppOptions {
        at: madrid("2026-11-29 10:00"), // a Sunday
        ..AppOptions::default()
    })
    .await;

    let answer = app.join(&dni(7), "CLAVE").await;

    assert_eq!(
        (answer.status, answer.error_code().as_str()),
        (StatusCode::CONFLICT, "service_closed")
    );
}

#[tokio::test]
async fn joining_twice_for_the_same_service_is_a_409() {
    let app = spawn_app().await;
    app.joined(&dni(8), "CLAVE").await;

    let answer = app.join(&dni(8), "CLAVE").await;

    assert_eq!(
        (answer.status, answer.error_code().as_str()),
        (StatusCode::CONFLICT, "already_waiting")
    );
}

#[tokio::test]
async fn joining_with_an_empty_name_is_an_invalid_request() {
    let app = spawn_app().await;

    let answer = send(app.client().post(app.url("/api/v1/tickets")).json(&json!({
        "nif": dni(9), "name": "  ", "contrast": "31-12-2030", "service": "CLAVE"
    })))
    .await;

    assert_eq!(
        (answer.status, answer.error_code().as_str()),
        (StatusCode::BAD_REQUEST, "invalid_request")
    );
}

#[tokio::test]
async fn in_directory_mode_a_wrong_contrast_datum_is_identity_not_verified() {
    let config = DEFAULT_CONFIG.replace("mode = \"any_valid_nif\"", "mode = \"directory\"");
    let app = spawn_app_with(AppOptions {
        config,
        ..AppOptions::default()
    })
    .await;
    let form = |contrast: &str| json!({"nif": "89890002E", "name": "CERTIFICADO DOS TELEMATICA", "contrast": contrast, "service": "CLAVE"});

    let wrong = send(
        app.client()
            .post(app.url("/api/v1/tickets"))
            .json(&form("01-01-2000")),
    )
    .await;
    let right = send(
        app.client()
            .post(app.url("/api/v1/tickets"))
            .json(&form("31-12-2030")),
    )
    .await;

    assert_eq!(
        (wrong.status, wrong.error_code().as_str()),
        (StatusCode::UNAUTHORIZED, "identity_not_verified")
    );
    assert_eq!(right.status, StatusCode::CREATED, "{}", right.text);
}

#[tokio::test]
async fn accepting_before_an_operator_is_assigned_is_an_invalid_state() {
    let app = spawn_app().await;
    let ticket = app.joined(&dni(22), "CLAVE").await;

    let answer = ticket.post(&app, "accept", None).await;

    assert_eq!(
        (answer.status, answer.error_code().as_str()),
        (StatusCode::CONFLICT, "invalid_state")
    );
}

#[tokio::test]
async fn a_waiting_taxpayer_abandons_once_and_a_second_abandon_is_an_invalid_state() {
    // Arrange
    let app = spawn_app().await;
    let ticket = app.joined(&dni(23), "CLAVE").await;

    // Act
    let first = ticket
        .post(
            &app,
            "abandon",
            Some(json!({"observations": "Ya no lo necesito"})),
        )
        .await;
    let second = ticket.post(&app, "abandon", None).await;

    // Assert
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(first.json()["state"], "abandoned");
    assert_eq!(
        (second.status, second.error_code().as_str()),
        (StatusCode::CONFLICT, "invalid_state")
    );
    let services = send(app.client().get(app.url("/api/v1/services")))
        .await
        .json();
    assert_eq!(services["services"][1]["waiting"], 0);
}

#[tokio::test]
async fn abandoning_with_overlong_observations_is_refused() {
    let app = spawn_app().await;
    let ticket = app.joined(&dni(24), "CLAVE").await;

    let answer = ticket
        .post(
            &app,
            "abandon",
            Some(json!({"observations": "x".repeat(1001)})),
        )
        .await;

    assert_eq!(
        (answer.status, answer.error_code().as_str()),
        (StatusCode::BAD_REQUEST, "observations_too_long")
    );
    assert_eq!(ticket.get(&app).await.json()["state"], "waiting");
}

#[tokio::test]
async fn the_ticket_calls_work_through_the_router_without_a_socket() {
    let app = spawn_app().await;

    let joined = app
        .oneshot(
            Request::post("/api/v1/tickets")
                .header("content-type", "application/json")
                .body(Body::from(
                    json!({"nif": dni(25), "name": "ANA", "contrast": "x", "service": "APOYOIRPF"})
                        .to_string(),
                ))
                .expect("request"),
        )
        .await;
    let body = joined.json();
    let polled = app
        .oneshot(
            Request::get(format!(
                "/api/v1/tickets/{}",
                body["ticket_id"].as_str().expect("id")
            ))
            .header(
                "authorization",
                format!("Bearer {}", body["token"].as_str().expect("token")),
            )
            .body(Body::empty())
            .expect("request"),
        )
        .await;

    assert_eq!(joined.status, StatusCode::CREATED);
    assert_eq!(polled.status, StatusCode::OK);
    assert_eq!(polled.json()["service"], "APOYOIRPF");
}
