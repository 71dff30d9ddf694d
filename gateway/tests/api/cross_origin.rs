//! Origins and cookies (API.md v1.1): a command authenticated by the session
//! cookie from another origin is refused, bearer clients are not affected,
//! body-less commands take no form bodies, and the cookie says how long it
//! lives and, behind https, that it is Secure.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use engine::console::ConsoleState;
use serde_json::json;

use crate::helpers::{config_with_server_keys, send, spawn_app, spawn_app_with, AppOptions};

const EVIL: &str = "https://evil.example";

/// Every command that takes no body, with the state the test puts the
/// operator in first (or a ticket's path).
const BODY_LESS: [&str; 4] = [
    "/api/v1/operator/attend",
    "/api/v1/operator/interrupt",
    "/api/v1/operator/start",
    "/api/v1/operator/meeting/end",
];

#[tokio::test]
async fn a_cookie_command_from_another_origin_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    app.make_available("op-0001", &["CLAVE"]).await;
    let console = app.operator("op-0001").await;

    let mut answers = Vec::new();
    for path in BODY_LESS {
        answers.push((
            path,
            send(
                console
                    .client
                    .post(app.url(path))
                    .header("origin", EVIL)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body("a=1"),
            )
            .await,
        ));
    }
    let marked = send(
        console
            .client
            .post(app.url("/api/v1/operator/attend"))
            .header("sec-fetch-site", "cross-site"),
    )
    .await;
    let availability = send(
        console
            .client
            .put(app.url("/api/v1/operator/availability"))
            .header("origin", EVIL)
            .json(&json!({"services": {"CLAVE": false}})),
    )
    .await;
    let logout = send(
        console
            .client
            .delete(app.url("/api/v1/session"))
            .header("origin", "null"),
    )
    .await;

    answers.push(("/api/v1/operator/attend (Sec-Fetch-Site)", marked));
    for (path, answer) in &answers {
        assert_eq!(
            (answer.status, answer.error_code().as_str()),
            (StatusCode::FORBIDDEN, "cross_origin_refused"),
            "{path}: {}",
            answer.text
        );
    }
    for answer in [&availability, &logout] {
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.text);
        assert_eq!(answer.error_code(), "cross_origin_refused");
    }
    assert_eq!(app.console_state("op-0001"), ConsoleState::Idle);
    let still = console.get("/api/v1/operator/availability").await;
    assert_eq!(still.status, StatusCode::OK, "the session is still open");
    assert_eq!(still.json()["services"][1]["available"], true);
}

#[tokio::test]
async fn a_cookie_command_from_the_pages_own_origin_is_accepted() {
    let app = spawn_app().await;
    app.make_available("op-0001", &["CLAVE"]).await;
    let console = app.operator("op-0001").await;

    let attended = send(
        console
            .client
            .post(app.url("/api/v1/operator/attend"))
            .header("origin", &app.base)
            .header("sec-fetch-site", "same-origin"),
    )
    .await;

    assert_eq!(attended.status, StatusCode::OK, "{}", attended.text);
    assert_eq!(app.console_state("op-0001"), ConsoleState::Waiting);
}

#[tokio::test]
async fn a_bearer_command_from_another_origin_is_not_affected() {
    let app = spawn_app().await;
    app.make_available("op-0001", &["CLAVE"]).await;
    let token = app.session_token("op-0001").await;

    let attended = send(
        reqwest::Client::new()
            .post(app.url("/api/v1/operator/attend"))
            .bearer_auth(&token)
            .header("origin", EVIL)
            .header("sec-fetch-site", "cross-site"),
    )
    .await;

    assert_eq!(attended.status, StatusCode::OK, "{}", attended.text);
}

#[tokio::test]
async fn with_a_public_url_only_that_origin_may_send_cookie_commands() {
    let app = spawn_app_with(AppOptions {
        config: config_with_server_keys("public_url = \"https://videoasistencia.example.es\""),
        ..AppOptions::default()
    })
    .await;
    app.make_available("op-0001", &["CLAVE"]).await;
    let token = app.session_token("op-0001").await;
    let attend = |origin: &str| {
        Request::post("/api/v1/operator/attend")
            .header("host", app.host())
            .header("cookie", format!("ventanilla_session={token}"))
            .header("origin", origin)
            .body(Body::empty())
            .expect("request")
    };

    let own_host = app.oneshot(attend(&app.base)).await;
    let public = app
        .oneshot(attend("https://videoasistencia.example.es"))
        .await;

    assert_eq!(own_host.status, StatusCode::FORBIDDEN, "{}", own_host.text);
    assert_eq!(own_host.error_code(), "cross_origin_refused");
    assert_eq!(public.status, StatusCode::OK, "{}", public.text);
}

#[tokio::test]
async fn a_body_less_command_takes_an_empty_body_or_json_only() {
    let app = spawn_app().await;
    app.make_available("op-0001", &["CLAVE"]).await;
    let console = app.operator("op-0001").await;
    let ticket = app.joined(&engine::testsuite::dni(70), "CLAVE").await;
    let post = |path: &str, content_type: &str, body: &'static str| {
        console
            .client
            .post(app.url(path))
            .header("content-type", content_type)
            .body(body)
    };

    let mut refused = Vec::new();
    for path in BODY_LESS.iter().copied().chain(["/api/v1/session"]) {
        for (content_type, body) in [
            ("application/x-www-form-urlencoded", "a=1"),
            ("application/x-www-form-urlencoded", ""),
            ("text/plain", "{}"),
            ("multipart/form-data; boundary=x", "--x--"),
        ] {
            let answer = if path == "/api/v1/session" {
                send(
                    console
                        .client
                        .delete(app.url(path))
                        .header("content-type", content_type)
                        .body(body),
                )
                .await
            } else {
                send(post(path, content_type, body)).await
            };
            refused.push((format!("{path} {content_type}"), answer));
        }
    }
    let accept_form = send(
        reqwest::Client::new()
            .post(app.url(&format!("/api/v1/tickets/{}/accept", ticket.id)))
            .bearer_auth(&ticket.token)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("a=1"),
    )
    .await;
    let json_body = send(post("/api/v1/operator/attend", "application/json", "{}")).await;

    refused.push(("accept form".to_string(), accept_form));
    for (what, answer) in &refused {
        assert_eq!(
            (answer.status, answer.error_code().as_str()),
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, "invalid_request"),
            "{what}: {}",
            answer.text
        );
    }
    // Nothing above changed anything; a JSON body is still accepted.
    assert_eq!(json_body.status, StatusCode::OK, "{}", json_body.text);
    let console_now = console.get("/api/v1/operator/console").await.json();
    assert_eq!(console_now["state"], "assigned", "{console_now}");
}

#[tokio::test]
async fn the_session_cookie_lasts_the_session_and_is_secure_behind_https() {
    let plain = spawn_app().await;
    let https = spawn_app_with(AppOptions {
        config: config_with_server_keys("public_url = \"https://videoasistencia.example.es\""),
        ..AppOptions::default()
    })
    .await;
    async fn login(app: &crate::helpers::TestApp) -> crate::helpers::Answer {
        app.oneshot(
            Request::post("/api/v1/session")
                .header("content-type", "application/json")
                .body(Body::from(
                    json!({"operator_id": "op-0001", "password": "demo"}).to_string(),
                ))
                .expect("request"),
        )
        .await
    }

    let plain_cookie = login(&plain).await.header("set-cookie").expect("cookie");
    let https_cookie = login(&https).await.header("set-cookie").expect("cookie");

    let attributes = |cookie: &str| -> Vec<String> {
        cookie
            .split(';')
            .map(|part| part.trim().to_string())
            .collect()
    };
    for cookie in [&plain_cookie, &https_cookie] {
        let attributes = attributes(cookie);
        assert!(
            attributes.contains(&"Max-Age=43200".to_string()),
            "{cookie}"
        );
        assert!(attributes.contains(&"HttpOnly".to_string()), "{cookie}");
        assert!(
            attributes.contains(&"SameSite=Strict".to_string()),
            "{cookie}"
        );
    }
    assert!(
        !attributes(&plain_cookie).contains(&"Secure".to_string()),
        "{plain_cookie}"
    );
    assert!(
        attributes(&https_cookie).contains(&"Secure".to_string()),
        "{https_cookie}"
    );
}
