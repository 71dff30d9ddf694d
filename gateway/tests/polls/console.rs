//! The operator console, screen by screen, as the guide walks through it:
//! from availability to the meeting and the Finalizar form.

use engine::console::ConsoleState;
use engine::testsuite::{dni, madrid, op, TestEngine};
use engine::{EngineError, FinalizeInput};

use crate::support::Polls;

pub const MONDAY_10: &str = "2026-11-30 10:00";

#[tokio::test]
async fn an_operator_who_is_not_available_sees_nota_2_and_cannot_attend() {
    let app = TestEngine::start_at(madrid(MONDAY_10)).await;

    let console = app.console("op-0001");
    let refused = app.engine.attend(&op("op-0001")).await;

    assert_eq!(console.state, ConsoleState::Unavailable);
    assert!(console.services.is_empty());
    assert_eq!(refused, Err(EngineError::NotAvailable));
}

#[tokio::test]
async fn outside_opening_hours_the_console_says_so_and_attend_is_refused() {
    let app = TestEngine::start_at(madrid("2026-11-30 08:30")).await;
    app.make_available("op-0001", &["APOYOIRPF", "CLAVE"]).await;

    let console = app.console("op-0001");
    let refused = app.engine.attend(&op("op-0001")).await;

    assert_eq!(console.state, ConsoleState::Closed);
    assert!(console.services.iter().all(|s| !s.open));
    assert_eq!(refused, Err(EngineError::ServicesClosed));
}

#[tokio::test]
async fn on_a_national_holiday_and_at_weekends_the_services_are_closed() {
    for day in ["2026-12-08 10:00", "2026-12-05 10:00", "2027-03-26 10:00"] {
        let app = TestEngine::start_at(madrid(day)).await;
        app.make_available("op-0001", &["CLAVE"]).await;
        assert_eq!(
            app.console("op-0001").state,
            ConsoleState::Closed,
            "on {day}"
        );
        assert_eq!(
            app.join(&dni(1), "CLAVE").await,
            Err(EngineError::ServiceClosed),
            "on {day}"
        );
    }
}

#[tokio::test]
async fn an_available_operator_in_hours_sees_the_active_services_with_the_guides_hours() {
    let app = TestEngine::start_at(madrid(MONDAY_10)).await;
    app.make_available("op-0001", &["APOYOIRPF", "CLAVE"]).await;

    let console = app.console("op-0001");

    assert_eq!(console.state, ConsoleState::Idle);
    assert_eq!(console.operator.name, "Operadora Demo");
    let hours: Vec<(&str, &str)> = console
        .services
        .iter()
        .map(|s| (s.code.as_str(), s.hours.as_str()))
        .collect();
    assert_eq!(
        hours,
        vec![
            ("APOYOIRPF", "De lunes a viernes (excepto festivos nacionales) de 09:00 a 14:00. (Horario peninsular)"),
            ("CLAVE", "De lunes a viernes (excepto festivos nacionales) de 09:00 a 15:00. (Horario peninsular)"),
        ]
    );
    assert_eq!(console.next_poll_seconds, 9);
}

#[tokio::test]
async fn attending_with_nobody_waiting_puts_the_operator_on_hold() {
    let app = TestEngine::start_at(madrid(MONDAY_10)).await;
    app.make_available("op-0001", &["CLAVE"]).await;

    app.engine.attend(&op("op-0001")).await.expect("attend");

    assert_eq!(app.console("op-0001").state, ConsoleState::Waiting);
    assert_eq!(
        app.engine.attend(&op("op-0001")).await,
        Err(EngineError::InvalidState { state: "waiting" })
    );
}

#[tokio::test]
async fn an_operator_who_interrupts_while_waiting_gets_no_taxpayer() {
    let app = TestEngine::start_at(madrid(MONDAY_10)).await;
    app.make_available("op-0001", &["CLAVE"]).await;
    app.engine.attend(&op("op-0001")).await.expect("attend");

    app.engine
        .interrupt(&op("op-0001"))
        .await
        .expect("interrupt");
    let receipt = app.join(&dni(7), "CLAVE").await.expect("join");
    app.engine.settle().await.expect("settle");

    assert_eq!(app.console("op-0001").state, ConsoleState::Idle);
    assert_eq!(app.ticket(receipt.ticket_id).state, "waiting");
    assert_eq!(app.ticket(receipt.ticket_id).position, Some(1));
    assert_eq!(
        app.engine.interrupt(&op("op-0001")).await,
        Err(EngineError::InvalidState { state: "idle" })
    );
}

#[tokio::test]
async fn a_taxpayer_who_joins_is_assigned_to_the_waiting_operator_with_their_details() {
    let app = TestEngine::start_at(madrid(MONDAY_10)).await;
    app.make_available("op-0001", &["CLAVE"]).await;
    app.engine.attend(&op("op-0001")).await.expect("attend");

    let receipt = app.join("89890002E", "CLAVE").await.expect("join");
    let console = app.until_console("op-0001", ConsoleState::Assigned).await;
    let ticket = app.until_ticket(receipt.ticket_id, "assigned").await;

    let assignment = console.assignment.expect("an assignment");
    assert_eq!(assignment.nif, "89890002E");
    assert_eq!(assignment.name, "CONTRIBUYENTE 89890002E");
    assert_eq!(assignment.service.code, "CLAVE");
    assert_eq!(
        assignment.service.description,
        "Trámites de asistencia por videollamada"
    );
    assert_eq!(
        assignment.authentication,
        "NIF/NIE + Fecha/Dato de contraste"
    );
    assert!(!assignment.representation_allowed);
    assert!(assignment.meeting.is_none());
    assert_eq!(assignment.joined_at, "2026-11-30T10:00:00.000+01:00");
    let operator = ticket.operator.expect("the taxpayer sees the operator");
    assert_eq!(
        (operator.name.as_str(), operator.id_number.as_str()),
        ("Operadora Demo", "A-0001")
    );
    assert_eq!(ticket.position, None);
}

#[tokio::test]
async fn attending_while_a_taxpayer_waits_assigns_at_once() {
    let app = TestEngine::start_at(madrid(MONDAY_10)).await;
    app.make_available("op-0001", &["APOYOIRPF"]).await;
    let receipt = app.join(&dni(3), "APOYOIRPF").await.expect("join");
    assert_eq!(receipt.position, 1);

    app.engine.attend(&op("op-0001")).await.expect("attend");

    let console = app.console("op-0001");
    assert_eq!(console.state, ConsoleState::Assigned);
    assert!(
        console
            .assignment
            .expect("assignment")
            .representation_allowed
    );
}

/// Brings op-0001 to `in_meeting` with a fresh CLAVE taxpayer; returns the ticket.
pub async fn attention_in_meeting(app: &TestEngine, nif: &str) -> engine::ticket::TicketId {
    app.make_available("op-0001", &["CLAVE"]).await;
    let receipt = app.join(nif, "CLAVE").await.expect("join");
    app.engine.attend(&op("op-0001")).await.expect("attend");
    app.engine
        .start_meeting(&op("op-0001"))
        .await
        .expect("start");
    receipt.ticket_id
}

#[tokio::test]
async fn iniciar_videoasistencia_opens_the_meeting_and_the_accepting_taxpayer_gets_the_link() {
    let app = TestEngine::start_at(madrid(MONDAY_10)).await;
    app.make_available("op-0001", &["CLAVE"]).await;
    let receipt = app.join(&dni(11), "CLAVE").await.expect("join");
    app.engine.attend(&op("op-0001")).await.expect("attend");

    let started = app
        .engine
        .start_meeting(&op("op-0001"))
        .await
        .expect("start");
    let console = app.console("op-0001");
    app.engine.settle().await.expect("settle");
    let join_url = app.engine.accept(receipt.ticket_id).await.expect("accept");
    let ticket = app.ticket(receipt.ticket_id);

    assert!(started.start_url.contains("rol=anfitrion"));
    assert_eq!(console.state, ConsoleState::InMeeting);
    assert_eq!(
        console
            .assignment
            .expect("assignment")
            .meeting
            .expect("meeting")
            .start_url,
        started.start_url
    );
    let join_url = join_url.expect("a join url once the meeting exists");
    assert_eq!(ticket.state, "accepted");
    assert_eq!(ticket.join_url.as_deref(), Some(join_url.as_str()));
    assert_eq!(app.console("op-0001").attended_today, 1);
    assert_eq!(
        app.engine.accept(receipt.ticket_id).await,
        Err(EngineError::InvalidState { state: "accepted" })
    );
}

#[tokio::test]
async fn a_taxpayer_who_accepts_before_the_meeting_starts_gets_the_link_when_it_does() {
    let app = TestEngine::start_at(madrid(MONDAY_10)).await;
    app.make_available("op-0001", &["CLAVE"]).await;
    let receipt = app.join(&dni(12), "CLAVE").await.expect("join");
    app.engine.attend(&op("op-0001")).await.expect("attend");
    app.engine.settle().await.expect("settle");

    assert_eq!(app.engine.accept(receipt.ticket_id).await, Ok(None));
    assert_eq!(app.ticket(receipt.ticket_id).join_url, None);
    app.engine
        .start_meeting(&op("op-0001"))
        .await
        .expect("start");
    app.engine.settle().await.expect("settle");

    assert!(app.ticket(receipt.ticket_id).join_url.is_some());
}

#[tokio::test]
async fn a_meeting_provider_failure_leaves_the_assignment_as_it_was_and_can_be_retried() {
    let app = TestEngine::start_at(madrid(MONDAY_10)).await;
    app.make_available("op-0001", &["CLAVE"]).await;
    app.join(&dni(13), "CLAVE").await.expect("join");
    app.engine.attend(&op("op-0001")).await.expect("attend");
    app.meetings.fail(true);

    let failed = app.engine.start_meeting(&op("op-0001")).await;

    assert!(
        matches!(failed, Err(EngineError::MeetingProviderFailed { .. })),
        "{failed:?}"
    );
    assert_eq!(app.console("op-0001").state, ConsoleState::Assigned);
    app.meetings.fail(false);
    app.engine
        .start_meeting(&op("op-0001"))
        .await
        .expect("retry");
    assert_eq!(app.console("op-0001").state, ConsoleState::InMeeting);
}

fn finalize_input(
    outcome: &str,
    observations: &str,
    represented: Option<&str>,
    next: &str,
) -> FinalizeInput {
    FinalizeInput {
        outcome: outcome.to_string(),
        observations: Some(observations.to_string()),
        represented_nif: represented.map(str::to_string),
        next: next.to_string(),
    }
}

#[tokio::test]
async fn finalize_refuses_bad_forms_and_changes_nothing() {
    let app = TestEngine::start_at(madrid(MONDAY_10)).await;
    attention_in_meeting(&app, &dni(14)).await;
    let operator = op("op-0001");
    let version = app.console("op-0001").version;

    let cases = [
        (
            finalize_input("great", "", None, "attend"),
            "invalid_outcome",
        ),
        (
            finalize_input("success", "", Some("12345678A"), "attend"),
            "invalid_nif",
        ),
        (
            finalize_input("success", &"x".repeat(1001), None, "attend"),
            "observations_too_long",
        ),
        (
            finalize_input("success", "bad\u{7}bell", None, "attend"),
            "invalid_request",
        ),
        (
            finalize_input("success", "", None, "later"),
            "invalid_request",
        ),
        (
            finalize_input("success", "", Some("12345678Z"), "attend"),
            "representation_not_allowed",
        ),
    ];
    for (input, code) in cases {
        let refused = app
            .engine
            .finalize(&operator, input)
            .await
            .expect_err("refused");
        assert_eq!(refused.code(), code);
    }

    let console = app.console("op-0001");
    assert_eq!(console.state, ConsoleState::InMeeting);
    assert_eq!(console.version, version);
}

#[tokio::test]
async fn finalize_is_only_allowed_after_the_meeting_started() {
    let app = TestEngine::start_at(madrid(MONDAY_10)).await;
    app.make_available("op-0001", &["CLAVE"]).await;
    assert_eq!(
        app.finalize("op-0001", "success", "", "attend").await,
        Err(EngineError::InvalidState { state: "idle" })
    );
    app.join(&dni(15), "CLAVE").await.expect("join");
    app.engine.attend(&op("op-0001")).await.expect("attend");

    assert_eq!(
        app.finalize("op-0001", "success", "", "attend").await,
        Err(EngineError::InvalidState { state: "assigned" })
    );
}
