//! Clients' mistakes: every one is a 4xx with the API's error body, never a
//! 500, never a state change.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use engine::console::ConsoleState;
use engine::testsuite::dni;
use serde_json::json;

use crate::helpers::{send, spawn_app, Answer, TestApp};

async fn put_availability(
    app: &TestApp,
    token: &str,
    content_type: &str,
    body: impl Into<Body>,
) -> Answer {
    app.oneshot(
        Request::put("/api/v1/operator/availability")
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", content_type)
            .body(body.into())
            .expect("request"),
    )
    .await
}

fn assert_invalid_request(answer: &Answer, status: StatusCode) {
    assert_eq!(answer.status, status, "{}", answer.text);
    assert_eq!(answer.error_code(), "invalid_request", "{}", answer.text);
    assert!(answer.json()["error"]["message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
}

#[tokio::test]
async fn malformed_json_wrong_types_and_unknown_fields_are_invalid_requests_that_change_nothing() {
    // Arrange
    let app = spawn_app().await;
    let operator = app.operator("op-0001").await;
    let json = "application/json";

    // Act
    let malformed = put_availability(
        &app,
        &operator.token,
        json,
        "{\"services\": {\"CLAVE\": tru",
    )
    .await;
    let wrong_type = put_availability(
        &app,
        &operator.token,
        json,
        r#"{"services": {"CLAVE": "yes"}}"#,
    )
    .await;
    let unknown_field = put_availability(
        &app,
        &operator.token,
        json,
        r#"{"services": {"CLAVE": true}, "all": true}"#,
    )
    .await;
    let missing_field = put_availability(&app, &operator.token, json, "{}").await;
    let not_an_object = put_availability(&app, &operator.token, json, "[1, 2]").await;
    let empty = put_availability(&app, &operator.token, json, "").await;
    let wrong_content_type = put_availability(
        &app,
        &operator.token,
        "text/plain",
        r#"{"services": {"CLAVE": true}}"#,
    )
    .await;

    // Assert
    for answer in [
        &malformed,
        &wrong_type,
        &unknown_field,
        &missing_field,
        &not_an_object,
        &empty,
    ] {
        assert_invalid_request(answer, StatusCode::BAD_REQUEST);
    }
    assert_invalid_request(&wrong_content_type, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let availability = operator.get("/api/v1/operator/availability").await.json();
    assert_eq!(
        availability["services"][1]["available"], false,
        "nothing changed"
    );
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_413_and_the_api_error_body() {
    let app = spawn_app().await;
    let operator = app.operator("op-0001").await;
    let huge = format!(
        r#"{{"services": {{"CLAVE": true}}, "padding": "{}"}}"#,
        "x".repeat(64 * 1024)
    );

    let through_router =
        put_availability(&app, &operator.token, "application/json", huge.clone()).await;
    let through_socket = send(
        operator
            .client
            .put(app.url("/api/v1/operator/availability"))
            .header("content-type", "application/json")
            .body(huge),
    )
    .await;

    assert_invalid_request(&through_router, StatusCode::PAYLOAD_TOO_LARGE);
    assert_invalid_request(&through_socket, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        operator.get("/api/v1/operator/availability").await.json()["services"][1]["available"],
        false
    );
}

#[tokio::test]
async fn a_join_with_an_unknown_field_or_a_missing_field_queues_nobody() {
    let app = spawn_app().await;
    let post =
        |body: serde_json::Value| send(app.client().post(app.url("/api/v1/tickets")).json(&body));

    let unknown = post(
        json!({"nif": dni(1), "name": "A", "contrast": "x", "service": "CLAVE", "priority": 1}),
    )
    .await;
    let missing = post(json!({"nif": dni(1), "name": "A", "service": "CLAVE"})).await;
    let wrong_type =
        post(json!({"nif": 12345678, "name": "A", "contrast": "x", "service": "CLAVE"})).await;

    for answer in [&unknown, &missing, &wrong_type] {
        assert_invalid_request(answer, StatusCode::BAD_REQUEST);
    }
    let services = send(app.client().get(app.url("/api/v1/services")))
        .await
        .json();
    assert_eq!(services["services"][1]["waiting"], 0);
}

#[tokio::test]
async fn a_malformed_finalization_leaves_the_meeting_in_progress() {
    let app = spawn_app().await;
    let (operator, _) = app.operator_in_meeting("op-0001", 30, "CLAVE").await;

    let unknown = operator
        .post_json(
            "/api/v1/operator/finalize",
            json!({"outcome": "success", "next": "attend", "rating": 5}),
        )
        .await;
    let wrong_type = operator
        .post_json(
            "/api/v1/operator/finalize",
            json!({"outcome": 1, "next": "attend"}),
        )
        .await;
    let missing_next = operator
        .post_json("/api/v1/operator/finalize", json!({"outcome": "success"}))
        .await;
    let not_json = send(
        operator
            .client
            .post(app.url("/api/v1/operator/finalize"))
            .header("content-type", "application/json")
            .body("outcome=success"),
    )
    .await;

    for answer in [&unknown, &wrong_type, &missing_next, &not_json] {
        assert_invalid_request(answer, StatusCode::BAD_REQUEST);
    }
    assert_eq!(app.console_state("op-0001"), ConsoleState::InMeeting);
}

#[tokio::test]
async fn a_login_with_a_malformed_body_is_an_invalid_request() {
    let app = spawn_app().await;

    let missing_password = send(
        app.client()
            .post(app.url("/api/v1/session"))
            .json(&json!({"operator_id": "op-0001"})),
    )
    .await;
    let no_body = send(app.client().post(app.url("/api/v1/session"))).await;

    assert_invalid_request(&missing_password, StatusCode::BAD_REQUEST);
    assert_invalid_request(&no_body, StatusCode::BAD_REQUEST);
}
