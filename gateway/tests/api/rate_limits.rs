use axum::body::Body;
use axum::http::{HeaderValue, Request, StatusCode};
use engine::testsuite::dni;
use serde_json::json;

use crate::helpers::{send, spawn_app_with, Answer, AppOptions, TestApp};

fn login_as(operator: &str, password: &str) -> Request<Body> {
    Request::post("/api/v1/session")
        .header("content-type", "application/json")
        .body(Body::from(
            json!({"operator_id": operator, "password": password}).to_string(),
        ))
        .expect("request")
}

/// A wrong login for an id no operator has (`op-x000`, `op-x001`…): it
/// counts against the address only, never locks a real operator.
fn login_request(forwarded_for: Option<&str>, attempt: usize) -> Request<Body> {
    let mut request = login_as(&format!("op-x{attempt:03}"), "wrong");
    if let Some(address) = forwarded_for {
        request.headers_mut().insert(
            "x-forwarded-for",
            HeaderValue::from_str(address).expect("an address"),
        );
    }
    request
}

/// The statuses of ten wrong logins (attempts 0 to 9), from one peer and,
/// when given, one forwarded client.
async fn ten_wrong_logins(app: &TestApp, forwarded_for: Option<&str>) -> Vec<StatusCode> {
    let mut statuses = Vec::new();
    for attempt in 0..10 {
        statuses.push(
            app.oneshot(login_request(forwarded_for, attempt))
                .await
                .status,
        );
    }
    statuses
}

/// The app with `[limits] logins_per_minute = per_minute`.
async fn app_with_login_limit(per_minute: u32) -> TestApp {
    spawn_app_with(AppOptions {
        logins_per_minute: per_minute,
        ..AppOptions::default()
    })
    .await
}

/// The seconds a refusal's `Retry-After` names.
fn retry_after_seconds(answer: &Answer) -> u64 {
    answer
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds")
}

#[tokio::test]
async fn logins_over_the_limit_are_rate_limited_with_a_retry_after() {
    // Arrange
    let app = app_with_login_limit(2).await;
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
    let retry_after = retry_after_seconds(&third);
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
    // logins_per_minute = 1: an address may fail 10 logins across all ids.
    let app = app_with_login_limit(1).await;

    let first = ten_wrong_logins(&app, Some("198.51.100.1")).await;
    let second = app.oneshot(login_request(Some("198.51.100.2"), 10)).await;

    assert!(
        first
            .iter()
            .all(|status| *status == StatusCode::UNAUTHORIZED),
        "{first:?}"
    );
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

    let first = ten_wrong_logins(&app, Some("203.0.113.5, 198.51.100.1")).await;
    let other_client = app.oneshot(login_request(Some("198.51.100.2"), 10)).await;
    let first_again = app.oneshot(login_request(Some("198.51.100.1"), 11)).await;

    assert!(
        first
            .iter()
            .all(|status| *status == StatusCode::UNAUTHORIZED),
        "{first:?}"
    );
    assert_eq!(other_client.status, StatusCode::UNAUTHORIZED);
    assert_eq!(first_again.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn one_operators_wrong_passwords_never_lock_another_out() {
    let app = app_with_login_limit(2).await;

    let mut wrong = Vec::new();
    for _ in 0..20 {
        wrong.push(app.oneshot(login_as("op-0001", "wrong")).await.status);
    }
    let other = app.oneshot(login_as("op-0002", "demo")).await;

    assert_eq!(&wrong[..2], [StatusCode::UNAUTHORIZED; 2]);
    assert!(wrong[2..]
        .iter()
        .all(|status| *status == StatusCode::TOO_MANY_REQUESTS));
    assert_eq!(other.status, StatusCode::OK, "{}", other.text);
}

#[tokio::test]
async fn a_locked_operator_is_refused_even_with_the_right_password_and_told_when_to_retry() {
    let app = app_with_login_limit(2).await;

    app.oneshot(login_as("op-0001", "wrong")).await;
    app.oneshot(login_as("op-0001", "wrong")).await;
    let right = app.oneshot(login_as("op-0001", "demo")).await;

    assert_eq!(
        (right.status, right.error_code().as_str()),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited")
    );
    let retry_after = retry_after_seconds(&right);
    assert!((1..=60).contains(&retry_after), "{retry_after}");
}

#[tokio::test]
async fn an_address_may_fail_ten_times_the_limit_across_all_ids() {
    let app = app_with_login_limit(1).await;

    let spraying = ten_wrong_logins(&app, None).await;
    let eleventh = app.oneshot(login_as("op-0003", "wrong")).await;

    assert!(
        spraying
            .iter()
            .all(|status| *status == StatusCode::UNAUTHORIZED),
        "{spraying:?}"
    );
    assert_eq!(
        eleventh.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        eleventh.text
    );
    assert!(eleventh.header("retry-after").is_some());
}
