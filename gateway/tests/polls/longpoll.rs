//! Held polls (docs/api.md "Instant updates"): what wakes them, and what they
//! answer, on a real engine.

use std::time::Duration;

use engine::console::ConsoleState;
use engine::testsuite::{dni, madrid, op, TestEngine};
use gateway::longpoll;
use tokio::time::Instant;

use crate::support::Polls;

const MONDAY_10: &str = "2026-11-30 10:00";

/// Long enough never to end a test by itself: a held poll that does not
/// answer in time shows up as the wrong answer, not as a hang.
const HOLD: Duration = Duration::from_secs(20);

#[tokio::test]
async fn a_held_console_poll_answers_the_assignment() {
    let app = TestEngine::start_at(madrid(MONDAY_10)).await;
    app.make_available("op-0001", &["CLAVE"]).await;
    app.engine.attend(&op("op-0001")).await.expect("attend");
    let waiting = app.console("op-0001").etag();
    let engine = app.engine.clone();
    let held = tokio::spawn(async move {
        longpoll::console(&engine, &op("op-0001"), Instant::now() + HOLD, |etag| {
            etag == waiting
        })
        .await
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!held.is_finished(), "nothing changed yet: the poll is held");

    app.join(&dni(1), "CLAVE").await.expect("join");
    let answer = held.await.expect("poll task").expect("a known operator");

    assert_eq!(answer.body.state, ConsoleState::Assigned);
    assert_eq!(answer.etag, answer.body.etag());
}

#[tokio::test]
async fn a_held_ticket_poll_answers_when_somebody_ahead_leaves() {
    // The ticket's own snapshot does not change: only its position does.
    let app = TestEngine::start_at(madrid(MONDAY_10)).await;
    let ahead = app.join(&dni(1), "CLAVE").await.expect("join");
    let behind = app.join(&dni(2), "CLAVE").await.expect("join");
    let before = app.ticket(behind.ticket_id);
    assert_eq!(before.position, Some(2));
    let engine = app.engine.clone();
    let etag = before.etag();
    let held = tokio::spawn(async move {
        longpoll::ticket(&engine, behind.ticket_id, Instant::now() + HOLD, |tag| {
            tag == etag
        })
        .await
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!held.is_finished());

    app.engine
        .abandon(ahead.ticket_id, "")
        .await
        .expect("abandon");
    let (view, answer) = held.await.expect("poll task").expect("a known ticket");

    assert_eq!(answer.body.position, Some(1));
    assert_eq!(
        answer.body.version, before.version,
        "the ticket itself did not change"
    );
    assert_eq!(view.id, behind.ticket_id);
    assert_eq!(
        app.engine.views().watched_tickets(),
        0,
        "the watch went with the poll"
    );
}

#[tokio::test]
async fn a_join_behind_a_held_ticket_does_not_answer_it() {
    let app = TestEngine::start_at(madrid(MONDAY_10)).await;
    let first = app.join(&dni(1), "CLAVE").await.expect("join");
    let etag = app.ticket(first.ticket_id).etag();
    let engine = app.engine.clone();
    let unchanged = etag.clone();
    let held = tokio::spawn(async move {
        longpoll::ticket(
            &engine,
            first.ticket_id,
            Instant::now() + Duration::from_millis(600),
            |tag| tag == unchanged,
        )
        .await
    });

    app.join(&dni(2), "CLAVE").await.expect("join");
    let (_, answer) = held.await.expect("poll task").expect("a known ticket");

    assert_eq!(answer.etag, etag, "held to its deadline, unchanged");
    assert_eq!(answer.body.position, Some(1));
}

#[tokio::test]
async fn a_held_poll_with_nothing_changing_answers_the_same_view_at_its_deadline() {
    let app = TestEngine::start_at(madrid(MONDAY_10)).await;
    app.make_available("op-0001", &["CLAVE"]).await;
    let idle = app.console("op-0001").etag();
    let started = Instant::now();

    let answer = longpoll::console(
        &app.engine,
        &op("op-0001"),
        started + Duration::from_millis(300),
        |etag| etag == idle,
    )
    .await
    .expect("a known operator");

    assert_eq!(answer.etag, idle);
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "it was held"
    );
}

#[tokio::test]
async fn a_held_poll_of_an_unknown_ticket_or_operator_answers_nothing() {
    let app = TestEngine::start_at(madrid(MONDAY_10)).await;
    let deadline = Instant::now() + HOLD;

    let ticket = longpoll::ticket(
        &app.engine,
        "0123456789abcdef".parse().unwrap(),
        deadline,
        |_| true,
    )
    .await;
    let console = longpoll::console(&app.engine, &op("op-9999"), deadline, |_| true).await;

    assert!(ticket.is_none());
    assert!(console.is_none());
    assert_eq!(app.engine.views().watched_tickets(), 0);
}

/// `until` of a console available for `services` at `at` (Madrid time).
async fn console_wakes_at(at: &str, services: &[&str]) -> Option<jiff::Timestamp> {
    let app = TestEngine::start_at(madrid(at)).await;
    app.make_available("op-0001", services).await;
    let views = app.engine.views();
    let view = views.operator(&op("op-0001")).expect("operator");
    longpoll::console_depends(views, &view, madrid(at)).until
}

#[tokio::test]
async fn a_held_console_wakes_when_the_clock_changes_what_it_shows() {
    // CLAVE opens 09:00 to 15:00 on weekdays; Interrumpir is refused from
    // 15 minutes before closing while taxpayers wait.
    assert_eq!(
        console_wakes_at("2026-11-30 10:00", &["CLAVE"]).await,
        Some(madrid("2026-11-30 14:45")),
        "the end-of-day margin begins"
    );
    assert_eq!(
        console_wakes_at("2026-11-30 10:00", &["APOYOIRPF", "CLAVE"]).await,
        Some(madrid("2026-11-30 13:45")),
        "the earliest of its services"
    );
    assert_eq!(
        console_wakes_at("2026-11-30 14:50", &["CLAVE"]).await,
        Some(madrid("2026-11-30 15:00")),
        "closing"
    );
    assert_eq!(
        console_wakes_at("2026-11-30 08:30", &["CLAVE"]).await,
        Some(madrid("2026-11-30 09:00")),
        "opening"
    );
    assert_eq!(
        console_wakes_at("2026-12-04 16:00", &["CLAVE"]).await,
        Some(madrid("2026-12-05 00:00")),
        "a Friday evening: midnight, for the day's attended count"
    );
}

#[tokio::test]
async fn a_held_console_listens_to_a_queues_occupancy_only_where_it_shows() {
    let app = TestEngine::start_at(madrid("2026-11-30 14:50")).await;
    app.make_available("op-0001", &["APOYOIRPF", "CLAVE"]).await;
    let views = app.engine.views();
    let view = views.operator(&op("op-0001")).expect("operator");

    let depends = longpoll::console_depends(views, &view, madrid("2026-11-30 14:50"));

    // APOYOIRPF closed at 14:00 (active while taxpayers wait); CLAVE is in
    // its last 15 minutes (Interrumpir refused while taxpayers wait).
    let codes: Vec<&str> = depends.occupancy.iter().map(|code| code.as_str()).collect();
    assert_eq!(codes, ["APOYOIRPF", "CLAVE"]);
    let morning = longpoll::console_depends(views, &view, madrid("2026-11-30 10:00"));
    assert!(morning.occupancy.is_empty(), "both open, far from closing");
}

#[tokio::test]
async fn a_held_console_answers_when_its_service_closes() {
    // 100 ms before CLAVE closes; nothing but the clock will change.
    let just_before = madrid("2026-11-30 15:00")
        .checked_sub(Duration::from_millis(100))
        .expect("an instant");
    let app = TestEngine::start_at(just_before).await;
    app.make_available("op-0001", &["CLAVE"]).await;
    let open = app.console("op-0001");
    assert_eq!(open.state, ConsoleState::Idle);
    let etag = open.etag();
    let engine = app.engine.clone();
    let held = tokio::spawn(async move {
        longpoll::console(&engine, &op("op-0001"), Instant::now() + HOLD, |tag| {
            tag == etag
        })
        .await
    });

    tokio::time::sleep(Duration::from_millis(30)).await;
    assert!(!held.is_finished(), "still open: the poll is held");
    app.advance(Duration::from_millis(100));
    let answer = held.await.expect("poll task").expect("a known operator");

    assert_eq!(answer.body.state, ConsoleState::Closed);
}
