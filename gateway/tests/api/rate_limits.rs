use axum::body::Body;
use axum::http::{Request, StatusCode};
use engine::testsuite::dni;
use serde_json::json;

use crate::helpers::{send, spawn_app_with, AppOptions};

fn login_request(forwarded_for: Option<&str>) -> Request<Body> {
    let mut builder = Request::post("/api/v1/session").header("content-type", "application/json");
    if let Some(address) = forwarded_for {
        builder = builder.header("x-forwarded-for", address);
    }
    builder
        .body(Body::from(
            json!({"operator_id": "op-0001", "password": "wrong"}).to_string(),
        ))
        .expect("request")
}

#[tokio::test]
async fn logins_over_the_limit_are_rate_limited_with_a_retry_after() {
    // Arrange
    let app = spawn_app_with(AppOptions {
        logins_per_minute: 2,
        ..AppOptions::default()
    })
    .await;
    let attempt = || {
        send(
            app.client()
                .post(app.url("/api/v1/session"))
                .json(&json!({"operator_id": "op-0001", "password": "wrong"})),
        )
    };

    // Act
    let first = attempt().await;
    let second = attempt().await;
    let third = attempt().await;

    // Assert
    assert_eq!(first.status, StatusCode::UNAUTHORIZED);
    assert_eq!(second.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        (third.status, third.error_code().as_str()),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited")
    );
    let retry_after: u64 = third
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry_after));
}

#[tokio::test]
async fn joins_over_the_limit_are_rate_limited_and_queue_nobody() {
    let app = spawn_app_with(AppOptions {
        joins_per_minute: 1,
        ..AppOptions::default()
    })
    .await;

    let first = app.join(&dni(1), "CLAVE").await;
    let second = app.join(&dni(2), "CLAVE").await;

    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(
        (second.status, second.error_code().as_str()),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited")
    );
    let services = send(app.client().get(app.url("/api/v1/services")))
        .await
        .json();
    assert_eq!(services["services"][1]["waiting"], 1);
}

#[tokio::test]
async fn x_forwarded_for_is_ignored_unless_trusted() {
    let app = spawn_app_with(AppOptions {
        logins_per_minute: 1,
        ..AppOptions::default()
    })
    .await;

    let first = app.oneshot(login_request(Some("198.51.100.1"))).await;
    let second = app.oneshot(login_request(Some("198.51.100.2"))).await;

    assert_eq!(first.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        second.status,
        StatusCode::TOO_MANY_REQUESTS,
        "same peer, same count"
    );
}

#[tokio::test]
async fn with_trust_forwarded_for_each_forwarded_client_has_its_own_count() {
    let app = spawn_app_with(AppOptions {
        logins_per_minute: 1,
        trust_forwarded_for: true,
        ..AppOptions::default()
    })
    .await;

    let first = app
        .oneshot(login_request(Some("203.0.113.5, 198.51.100.1")))
        .await;
    let other_client = app.oneshot(login_request(Some("198.51.100.2"))).await;
    let first_again = app.oneshot(login_request(Some("198.51.100.1"))).await;

    assert_eq!(first.status, StatusCode::UNAUTHORIZED);
    assert_eq!(other_client.status, StatusCode::UNAUTHORIZED);
    assert_eq!(first_again.status, StatusCode::TOO_MANY_REQUESTS);
}
