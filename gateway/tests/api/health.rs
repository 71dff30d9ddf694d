use axum::body::Body;
use axum::http::{Request, StatusCode};

use crate::helpers::{send, spawn_app};

#[tokio::test]
async fn healthz_answers_ok_and_readyz_answers_once_the_engine_runs() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let health = send(app.client().get(app.url("/healthz"))).await;
    let ready = send(app.client().get(app.url("/readyz"))).await;

    // Assert
    assert_eq!(
        (health.status, health.text.as_str()),
        (StatusCode::OK, "ok")
    );
    assert_eq!(ready.status, StatusCode::OK);
}

#[tokio::test]
async fn an_unknown_api_path_is_a_json_not_found_and_a_wrong_method_a_json_405() {
    let app = spawn_app().await;

    let unknown = app
        .oneshot(
            Request::get("/api/v1/nothing")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    let wrong_method = app
        .oneshot(
            Request::delete("/api/v1/services")
                .body(Body::empty())
                .expect("request"),
        )
        .await;

    assert_eq!(
        (unknown.status, unknown.error_code().as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(wrong_method.error_code(), "invalid_request");
}

#[tokio::test]
async fn an_unknown_page_is_a_spanish_not_found_page() {
    let app = spawn_app().await;

    let answer = send(app.client().get(app.url("/no-existe"))).await;

    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert!(answer.text.contains("Página no encontrada"));
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let app = spawn_app().await;

    let answer = send(app.client().get(app.url("/api/v1/services"))).await;

    assert_eq!(
        answer.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    assert_eq!(answer.header("x-frame-options").as_deref(), Some("DENY"));
    assert_eq!(
        answer.header("referrer-policy").as_deref(),
        Some("no-referrer")
    );
}
