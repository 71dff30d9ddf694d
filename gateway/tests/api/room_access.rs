//! The local provider's demo room (`/reunion/{id}`): host buttons need the
//! host operator's session, taxpayer buttons need that ticket's token, and
//! no meeting id, however odd, makes the server fail (API.md v1.1).

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::Value;

use crate::helpers::{send, spawn_app};

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
            assert!(
                answer.status.is_client_error(),
                "{method} {path}: {} {}",
                answer.status,
                answer.text
            );
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

    let anonymous = send(app.client().post(app.url(&admit))).await;
    let with_ticket_token = send(
        app.client()
            .post(app.url(&admit))
            .bearer_auth(&ticket.token),
    )
    .await;
    let another_operator = send(other.client.post(app.url(&admit))).await;
    let room_page = send(
        app.client()
            .get(app.url(&format!("/reunion/{id}?rol=anfitrion"))),
    )
    .await;
    let unchanged = host.get("/api/v1/operator/console").await.json();
    let by_host = send(host.client.post(app.url(&admit))).await;
    let admitted = host.get("/api/v1/operator/console").await.json();

    for (who, answer) in [
        ("anonymous", &anonymous),
        ("the ticket's token", &with_ticket_token),
        ("another operator", &another_operator),
        ("the host page, anonymous", &room_page),
    ] {
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

    let anonymous = send(app.client().post(app.url(&enter))).await;
    let other_token = send(
        app.client()
            .post(app.url(&enter))
            .bearer_auth(&other_ticket.token),
    )
    .await;
    let host_session = send(host.client.post(app.url(&enter))).await;
    let unchanged = host.get("/api/v1/operator/console").await.json();
    let by_taxpayer = send(
        app.client()
            .post(app.url(&enter))
            .bearer_auth(&ticket.token),
    )
    .await;
    let waiting = host.get("/api/v1/operator/console").await.json();

    for (who, answer) in [
        ("anonymous", &anonymous),
        ("another ticket's token", &other_token),
        ("the host's session", &host_session),
    ] {
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
