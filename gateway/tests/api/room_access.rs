//! The local provider's demo room (`/reunion/{id}`): host buttons need the
//! host operator's session, taxpayer buttons need that ticket's token, and
//! no meeting id, however odd, makes the server fail (API.md v1.1).

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::Value;

use crate::helpers::{assert_client_error, meeting_id, send, spawn_app, Answer, TestApp};

/// `POST path` from a browser with no session, with `token` as its Bearer
/// when given.
async fn post_from_a_new_browser(app: &TestApp, path: &str, token: Option<&str>) -> Answer {
    let request = app.client().post(app.url(path));
    send(match token {
        Some(token) => request.bearer_auth(token),
        None => request,
    })
    .await
}

/// Asserts that each of `answers` was refused as not allowed (401 or 403).
fn assert_refused(answers: &[(&str, &Answer)]) {
    for (who, answer) in answers {
        assert!(
            matches!(
                answer.status,
                StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
            ),
            "{who}: {} {}",
            answer.status,
            answer.text
        );
    }
}

fn warnings(console: &Value) -> String {
    console["warnings"].to_string()
}

#[tokio::test]
async fn a_meeting_id_with_control_characters_is_a_client_error_never_a_500() {
    let app = spawn_app().await;

    for id in ["%0a", "%00", "%7f", "%0d%0a", "%0d", "12%0a34", "%e2%80%ae"] {
        for (method, path) in [
            ("POST", format!("/reunion/{id}/entrar")),
            ("POST", format!("/reunion/{id}/admitir?rol=anfitrion")),
            ("GET", format!("/reunion/{id}")),
            ("GET", format!("/reunion/{id}?rol=anfitrion")),
        ] {
            let answer = app
                .oneshot(
                    Request::builder()
                        .method(method)
                        .uri(&path)
                        .body(Body::empty())
                        .expect("request"),
                )
                .await;
            assert_client_error(&format!("{method} {path}"), &answer);
        }
    }
}

#[tokio::test]
async fn the_hosts_buttons_need_the_host_operators_session() {
    let app = spawn_app().await;
    let (host, ticket) = app.operator_in_meeting("op-0001", 80, "CLAVE").await;
    let other = app.operator("op-0002").await;
    let id = meeting_id(&host.get("/api/v1/operator/console").await.json());
    let admit = format!("/reunion/{id}/admitir?rol=anfitrion");

    let anonymous = post_from_a_new_browser(&app, &admit, None).await;
    let with_ticket_token = post_from_a_new_browser(&app, &admit, Some(&ticket.token)).await;
    let another_operator = send(other.client.post(app.url(&admit))).await;
    let room_page = send(
        app.client()
            .get(app.url(&format!("/reunion/{id}?rol=anfitrion"))),
    )
    .await;
    let unchanged = host.get("/api/v1/operator/console").await.json();
    let by_host = send(host.client.post(app.url(&admit))).await;
    let admitted = host.get("/api/v1/operator/console").await.json();

    assert_refused(&[
        ("anonymous", &anonymous),
        ("the ticket's token", &with_ticket_token),
        ("another operator", &another_operator),
        ("the host page, anonymous", &room_page),
    ]);
    assert_ne!(unchanged["assignment"]["meeting"]["taxpayer"], "in_meeting");
    assert!(
        by_host.status.is_success(),
        "{} {}",
        by_host.status,
        by_host.text
    );
    assert_eq!(admitted["assignment"]["meeting"]["taxpayer"], "in_meeting");
}

#[tokio::test]
async fn the_taxpayers_buttons_need_that_tickets_token() {
    let app = spawn_app().await;
    let (host, ticket) = app.operator_in_meeting("op-0001", 81, "CLAVE").await;
    let (_, other_ticket) = app.operator_in_meeting("op-0002", 82, "CLAVE").await;
    let id = meeting_id(&host.get("/api/v1/operator/console").await.json());
    let enter = format!("/reunion/{id}/entrar");

    let anonymous = post_from_a_new_browser(&app, &enter, None).await;
    let other_token = post_from_a_new_browser(&app, &enter, Some(&other_ticket.token)).await;
    let host_session = send(host.client.post(app.url(&enter))).await;
    let unchanged = host.get("/api/v1/operator/console").await.json();
    let by_taxpayer = post_from_a_new_browser(&app, &enter, Some(&ticket.token)).await;
    let waiting = host.get("/api/v1/operator/console").await.json();

    assert_refused(&[
        ("anonymous", &anonymous),
        ("another ticket's token", &other_token),
        ("the host's session", &host_session),
    ]);
    assert!(
        !warnings(&unchanged).contains("taxpayer_in_waiting_room"),
        "{unchanged}"
    );
    assert!(
        by_taxpayer.status.is_success(),
        "{} {}",
        by_taxpayer.status,
        by_taxpayer.text
    );
    assert!(
        warnings(&waiting).contains("taxpayer_in_waiting_room"),
        "{waiting}"
    );
}
