use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::json;

use crate::helpers::{send, spawn_app, spawn_app_with, AppOptions, DEFAULT_CONFIG};

#[tokio::test]
async fn an_operator_logs_in_with_the_demo_password_and_gets_a_session_cookie() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let answer = send(
        app.client()
            .post(app.url("/api/v1/session"))
            .json(&json!({"operator_id": "op-0001", "password": "demo"})),
    )
    .await;

    // Assert
    assert_eq!(answer.status, StatusCode::OK);
    let body = answer.json();
    assert_eq!(body["operator_id"], "op-0001");
    assert_eq!(body["name"], "Operadora Demo");
    let token = body["token"].as_str().expect("token");
    assert_eq!(token.len(), 32);
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
    let cookie = answer.header("set-cookie").expect("a session cookie");
    assert_eq!(
        cookie,
        // Max-Age: the session's lifetime (12 h); no Secure without an https public_url.
        format!("ventanilla_session={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200")
    );
}

#[tokio::test]
async fn the_session_works_as_a_cookie_and_as_a_bearer_token() {
    let app = spawn_app().await;
    let operator = app.operator("op-0001").await;

    let with_cookie = operator.get("/api/v1/operator/console").await;
    let with_bearer = send(
        app.client()
            .get(app.url("/api/v1/operator/console"))
            .bearer_auth(&operator.token),
    )
    .await;

    assert_eq!(with_cookie.status, StatusCode::OK);
    assert_eq!(with_bearer.status, StatusCode::OK);
    assert_eq!(with_bearer.json()["operator"]["id"], "op-0001");
}

#[tokio::test]
async fn a_wrong_password_is_unauthenticated() {
    let app = spawn_app().await;

    let answer = send(
        app.client()
            .post(app.url("/api/v1/session"))
            .json(&json!({"operator_id": "op-0001", "password": "demo2"})),
    )
    .await;

    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.error_code(), "unauthenticated");
    assert!(answer.header("set-cookie").is_none());
}

#[tokio::test]
async fn an_unknown_operator_is_unauthenticated() {
    let app = spawn_app().await;

    let unknown = send(
        app.client()
            .post(app.url("/api/v1/session"))
            .json(&json!({"operator_id": "op-9999", "password": "demo"})),
    )
    .await;
    let malformed_id = send(
        app.client()
            .post(app.url("/api/v1/session"))
            .json(&json!({"operator_id": "no such operator", "password": "demo"})),
    )
    .await;

    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.error_code(), "unauthenticated");
    assert_eq!(malformed_id.error_code(), "unauthenticated");
}

#[tokio::test]
async fn every_operator_call_without_a_session_is_unauthenticated() {
    let app = spawn_app().await;
    let calls = [
        ("GET", "/api/v1/operator/availability"),
        ("PUT", "/api/v1/operator/availability"),
        ("POST", "/api/v1/operator/attend"),
        ("POST", "/api/v1/operator/interrupt"),
        ("POST", "/api/v1/operator/start"),
        ("POST", "/api/v1/operator/finalize"),
        ("GET", "/api/v1/operator/console"),
        ("DELETE", "/api/v1/session"),
    ];

    for (method, path) in calls {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", "application/json")
            .header("authorization", "Bearer 00000000000000000000000000000000")
            .body(Body::from("{}"))
            .expect("request");
        let answer = app.oneshot(request).await;
        assert_eq!(
            answer.status,
            StatusCode::UNAUTHORIZED,
            "{method} {path}: {}",
            answer.text
        );
        assert_eq!(answer.error_code(), "unauthenticated", "{method} {path}");
    }
}

#[tokio::test]
async fn after_logging_out_the_token_no_longer_opens_the_console() {
    let app = spawn_app().await;
    let operator = app.operator("op-0001").await;

    let logout = send(operator.client.delete(app.url("/api/v1/session"))).await;
    let after = send(
        app.client()
            .get(app.url("/api/v1/operator/console"))
            .bearer_auth(&operator.token),
    )
    .await;

    assert_eq!(logout.status, StatusCode::NO_CONTENT);
    assert!(logout
        .header("set-cookie")
        .expect("cookie cleared")
        .contains("Max-Age=0"));
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_operator_with_an_argon2_password_hash_logs_in_with_that_password_only() {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let salt = SaltString::encode_b64(b"a-test-salt-1234").expect("salt");
    let hash = argon2::Argon2::default()
        .hash_password(b"correct horse", &salt)
        .expect("hash")
        .to_string();
    let config = DEFAULT_CONFIG.replacen(
        "password = \"demo\"              # demo only; real deployments use password_hash (argon2)",
        &format!("password_hash = \"{hash}\""),
        1,
    );
    assert_ne!(
        config, DEFAULT_CONFIG,
        "the first operator's password line was replaced"
    );
    let app = spawn_app_with(AppOptions {
        config,
        ..AppOptions::default()
    })
    .await;

    let right = send(
        app.client()
            .post(app.url("/api/v1/session"))
            .json(&json!({"operator_id": "op-0001", "password": "correct horse"})),
    )
    .await;
    let wrong = send(
        app.client()
            .post(app.url("/api/v1/session"))
            .json(&json!({"operator_id": "op-0001", "password": "demo"})),
    )
    .await;

    assert_eq!(right.status, StatusCode::OK, "{}", right.text);
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn in_trusted_header_mode_the_proxys_header_names_the_operator() {
    let config = DEFAULT_CONFIG.replace("mode = \"password\"", "mode = \"trusted_header\"");
    let app = spawn_app_with(AppOptions {
        config,
        ..AppOptions::default()
    })
    .await;

    let with_header = app
        .oneshot(
            Request::get("/api/v1/operator/console")
                .header("X-Remote-User", "op-0002")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    let unknown_operator = app
        .oneshot(
            Request::get("/api/v1/operator/console")
                .header("X-Remote-User", "op-9999")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    let without_header = app
        .oneshot(
            Request::get("/api/v1/operator/console")
                .body(Body::empty())
                .expect("request"),
        )
        .await;

    assert_eq!(with_header.status, StatusCode::OK);
    assert_eq!(with_header.json()["operator"]["id"], "op-0002");
    assert_eq!(unknown_operator.status, StatusCode::UNAUTHORIZED);
    assert_eq!(without_header.status, StatusCode::UNAUTHORIZED);
}
