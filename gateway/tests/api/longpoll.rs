//! Held polls (docs/api.md "Instant updates"): `?wait=N` with
//! `If-None-Match` on the console and ticket polls, through the router and
//! through a real socket.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use engine::console::ConsoleState;
use engine::testsuite::dni;

use crate::helpers::{
    oneshot_answer, send, spawn_app, spawn_app_with, Answer, AppOptions, TestApp, Ticket,
};

/// Lets a spawned poll reach its hold before the test changes anything.
const SETTLE: Duration = Duration::from_millis(150);

/// A poll the tests send through the router: the console's (with the
/// operator's session token) or a ticket's (with its token).
struct Poll {
    path: String,
    bearer: String,
}

impl Poll {
    fn console(token: &str) -> Poll {
        Poll {
            path: "/api/v1/operator/console".to_string(),
            bearer: token.to_string(),
        }
    }

    fn ticket(ticket: &Ticket) -> Poll {
        Poll {
            path: format!("/api/v1/tickets/{}", ticket.id),
            bearer: ticket.token.clone(),
        }
    }

    /// The poll with `query` (e.g. "?wait=30") and, when given, `If-None-Match`.
    fn request(&self, query: &str, etag: Option<&str>) -> Request<Body> {
        let mut request = Request::get(format!("{}{query}", self.path))
            .header("authorization", format!("Bearer {}", self.bearer));
        if let Some(etag) = etag {
            request = request.header("if-none-match", etag);
        }
        request.body(Body::empty()).expect("request")
    }

    /// Reads the poll's ETag, then sends it with `?wait=30` and that ETag in
    /// its own task, and gives it SETTLE to reach its hold.
    async fn hold(&self, app: &TestApp) -> (String, tokio::task::JoinHandle<Answer>) {
        let etag = etag_of(app, self.request("", None)).await;
        let held = spawn_oneshot(app.router(), self.request("?wait=30", Some(&etag)));
        tokio::time::sleep(SETTLE).await;
        (etag, held)
    }
}

/// Sends `request` through the router in its own task.
fn spawn_oneshot(router: Router, request: Request<Body>) -> tokio::task::JoinHandle<Answer> {
    tokio::spawn(oneshot_answer(router, request))
}

async fn etag_of(app: &TestApp, request: Request<Body>) -> String {
    let answer = app.oneshot(request).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.header("etag").expect("an ETag")
}

#[tokio::test]
async fn a_held_console_poll_answers_200_when_a_taxpayer_is_assigned() {
    // Arrange
    let app = spawn_app().await;
    let console = app.operator_waiting("op-0001", "CLAVE").await;
    let (waiting, held) = Poll::console(&console.token).hold(&app).await;
    assert!(!held.is_finished(), "nothing changed: the poll is held");

    // Act
    app.joined(&dni(1), "CLAVE").await;
    let answer = held.await.expect("poll task");

    // Assert
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.json()["state"], "assigned");
    assert_ne!(answer.header("etag"), Some(waiting));
}

#[tokio::test]
async fn a_held_ticket_poll_answers_200_when_the_operator_is_assigned() {
    // Arrange
    let app = spawn_app().await;
    app.make_available("op-0001", &["CLAVE"]).await;
    let console = app.operator("op-0001").await;
    let ticket = app.joined(&dni(2), "CLAVE").await;
    let (_, held) = Poll::ticket(&ticket).hold(&app).await;
    assert!(!held.is_finished());

    // Act
    assert_eq!(
        console.post("/api/v1/operator/attend").await.status,
        StatusCode::OK
    );
    let answer = held.await.expect("poll task");

    // Assert
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let body = answer.json();
    assert_eq!(body["state"], "assigned");
    assert_eq!(body["operator"]["name"], "Operadora Demo");
}

#[tokio::test]
async fn a_held_ticket_poll_answers_when_its_position_moves() {
    // Arrange: two waiting; the second holds its poll.
    let app = spawn_app().await;
    let first = app.joined(&dni(3), "CLAVE").await;
    let second = app.joined(&dni(4), "CLAVE").await;
    let (_, held) = Poll::ticket(&second).hold(&app).await;
    assert!(!held.is_finished());

    // Act: the one ahead leaves; the second ticket's own snapshot is unchanged.
    assert_eq!(
        first.post(&app, "abandon", None).await.status,
        StatusCode::OK
    );
    let answer = held.await.expect("poll task");

    // Assert
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.json()["position"], 1);
}

#[tokio::test]
async fn a_held_poll_with_no_change_answers_304_after_its_wait() {
    // Arrange
    let app = spawn_app().await;
    app.make_available("op-0001", &["CLAVE"]).await;
    let console = app.operator("op-0001").await;
    let ticket = app.joined(&dni(5), "CLAVE").await;
    let (console_poll, ticket_poll) = (Poll::console(&console.token), Poll::ticket(&ticket));
    let console_etag = etag_of(&app, console_poll.request("", None)).await;
    let ticket_etag = etag_of(&app, ticket_poll.request("", None)).await;
    let started = Instant::now();

    // Act
    let console_answer = spawn_oneshot(
        app.router(),
        console_poll.request("?wait=1", Some(&console_etag)),
    );
    let ticket_answer = spawn_oneshot(
        app.router(),
        ticket_poll.request("?wait=1", Some(&ticket_etag)),
    );
    let (console_answer, ticket_answer) = (
        console_answer.await.expect("task"),
        ticket_answer.await.expect("task"),
    );

    // Assert
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "held for the wait"
    );
    assert_eq!(console_answer.status, StatusCode::NOT_MODIFIED);
    assert_eq!(console_answer.header("etag"), Some(console_etag));
    assert_eq!(ticket_answer.status, StatusCode::NOT_MODIFIED);
    assert_eq!(ticket_answer.header("etag"), Some(ticket_etag));
}

#[tokio::test]
async fn a_wait_without_if_none_match_answers_at_once() {
    let app = spawn_app().await;
    let ticket = app.joined(&dni(6), "CLAVE").await;

    let answer = app
        .oneshot(Poll::ticket(&ticket).request("?wait=30", None))
        .await;

    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json()["state"], "waiting");
}

#[tokio::test]
async fn a_wait_that_is_not_1_to_30_seconds_is_refused_with_invalid_request() {
    let app = spawn_app().await;
    app.make_available("op-0001", &["CLAVE"]).await;
    let console = app.operator("op-0001").await;
    let ticket = app.joined(&dni(7), "CLAVE").await;

    for query in [
        "?wait=0",
        "?wait=31",
        "?wait=",
        "?wait=abc",
        "?wait=2.5",
        "?wait=1&wait=2",
    ] {
        let answers = [
            app.oneshot(Poll::console(&console.token).request(query, Some("\"x\"")))
                .await,
            app.oneshot(Poll::ticket(&ticket).request(query, Some("\"x\"")))
                .await,
        ];
        for answer in answers {
            assert_eq!(
                answer.status,
                StatusCode::BAD_REQUEST,
                "{query}: {}",
                answer.text
            );
            assert_eq!(answer.error_code(), "invalid_request");
            assert!(answer.json()["error"]["message"]
                .as_str()
                .is_some_and(|message| message.contains("wait")));
        }
    }
    assert_eq!(app.state.held_polls.held(), 0);
}

#[tokio::test]
async fn past_the_bound_of_held_polls_a_poll_is_answered_at_once() {
    // Arrange: room for one held poll, and it is taken.
    let app = spawn_app_with(AppOptions {
        held_poll_limit: 1,
        ..AppOptions::default()
    })
    .await;
    let ticket = app.joined(&dni(8), "CLAVE").await;
    let poll = Poll::ticket(&ticket);
    let (etag, first) = poll.hold(&app).await;
    assert_eq!(app.state.held_polls.held(), 1);

    // Act
    let second = app.oneshot(poll.request("?wait=30", Some(&etag))).await;

    // Assert: answered as without wait, while the first is still held.
    assert_eq!(second.status, StatusCode::NOT_MODIFIED);
    assert!(!first.is_finished());
    assert_eq!(app.state.held_polls.held(), 1);
    first.abort();
}

#[tokio::test]
async fn over_a_socket_a_held_console_poll_answers_the_assignment() {
    // Arrange
    let app = spawn_app().await;
    let console = app.operator_waiting("op-0002", "CLAVE").await;
    let idle = console.get("/api/v1/operator/console").await;
    let console_etag = idle.header("etag").expect("etag");
    let held_console = tokio::spawn(send(
        console
            .client
            .get(app.url("/api/v1/operator/console?wait=30"))
            .header("if-none-match", console_etag.clone()),
    ));
    tokio::time::sleep(SETTLE).await;
    assert!(!held_console.is_finished());

    // Act
    let ticket = app.joined(&dni(9), "CLAVE").await;
    let console_answer = held_console.await.expect("task");
    app.until_console("op-0002", ConsoleState::Assigned).await;

    // Assert
    assert_eq!(
        console_answer.status,
        StatusCode::OK,
        "{}",
        console_answer.text
    );
    assert_eq!(console_answer.json()["state"], "assigned");
    assert_eq!(
        console_answer.json()["assignment"]["ticket_id"],
        ticket.id.as_str()
    );
}

#[tokio::test]
async fn a_ticket_poll_is_held_at_most_half_of_absent_after_so_an_open_page_stays_present() {
    // Arrange: taxpayers count as gone after 2 s without a poll.
    let app = spawn_app_with(AppOptions {
        config: crate::helpers::DEFAULT_CONFIG
            .replace("absent_after = \"150s\"", "absent_after = \"2s\""),
        ..AppOptions::default()
    })
    .await;
    let ticket = app.joined(&dni(10), "CLAVE").await;
    let poll = Poll::ticket(&ticket);
    let etag = etag_of(&app, poll.request("", None)).await;

    // Act: asks for 30 s; the hold must end well before the taxpayer would
    // be taken for gone, so that the page's next poll keeps them present.
    let held = spawn_oneshot(app.router(), poll.request("?wait=30", Some(&etag)));
    let answer = tokio::time::timeout(Duration::from_secs(10), held)
        .await
        .expect("answered long before the 30 s asked for")
        .expect("poll task");
    let after = app.oneshot(poll.request("", None)).await;

    // Assert
    assert_eq!(answer.status, StatusCode::NOT_MODIFIED);
    assert_eq!(after.json()["present"], true);
}
