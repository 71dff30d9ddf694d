//! The operator console after the meeting, as the guide walks through it:
//! Finalizar, the next operator's annotations, abandonments, the warnings,
//! the end of the day and the services an operator adds or removes.

use std::time::Duration;

use engine::console::ConsoleState;
use engine::testsuite::{dni, madrid, op, TestEngine};
use engine::EngineError;

use crate::console::{attention_in_meeting, MONDAY_10};
use crate::support::Polls;

#[tokio::test]
async fn finalizar_y_atender_siguiente_goes_straight_to_the_next_taxpayer() {
    let app = TestEngine::start_at(madrid(MONDAY_10)).await;
    let first = attention_in_meeting(&app, &dni(16)).await;
    let second = app.join(&dni(17), "CLAVE").await.expect("join").ticket_id;

    app.finalize("op-0001", "success", "Todo bien", "attend")
        .await
        .expect("finalize");
    app.engine.settle().await.expect("settle");

    let console = app.console("op-0001");
    assert_eq!(console.state, ConsoleState::Assigned);
    assert_eq!(
        console.assignment.expect("assignment").ticket_id,
        second.to_string()
    );
    assert_eq!(app.ticket(first).state, "finished");
    assert!(app.ticket(first).finished_at.is_some());
    assert_eq!(
        app.meetings.ended().len(),
        1,
        "the meeting is ended for everybody"
    );
}

#[tokio::test]
async fn finalizar_e_interrumpir_leaves_the_operator_idle() {
    let app = TestEngine::start_at(madrid(MONDAY_10)).await;
    attention_in_meeting(&app, &dni(18)).await;
    let waiting = app.join(&dni(19), "CLAVE").await.expect("join").ticket_id;

    app.finalize(
        "op-0001",
        "functional_error",
        "No tiene el DNI",
        "interrupt",
    )
    .await
    .expect("finalize");
    app.engine.settle().await.expect("settle");

    assert_eq!(app.console("op-0001").state, ConsoleState::Idle);
    assert_eq!(app.ticket(waiting).state, "waiting");
}

#[tokio::test]
async fn the_next_operator_who_gets_the_taxpayer_sees_every_earlier_annotation_newest_first() {
    let app = TestEngine::start_at(madrid(MONDAY_10)).await;
    let nif = "89890002E";
    attention_in_meeting(&app, nif).await;
    app.finalize("op-0001", "technical_error", "Sin cámara", "interrupt")
        .await
        .expect("first");
    app.advance(Duration::from_secs(60));
    app.join(nif, "CLAVE").await.expect("joins again");
    app.engine.attend(&op("op-0001")).await.expect("attend");
    app.engine
        .start_meeting(&op("op-0001"))
        .await
        .expect("start");
    app.finalize(
        "op-0001",
        "success",
        "Todo bien <script>alert(1)</script>",
        "interrupt",
    )
    .await
    .expect("second");
    app.advance(Duration::from_secs(60));

    app.make_available("op-0002", &["CLAVE"]).await;
    app.join(nif, "CLAVE").await.expect("joins a third time");
    app.engine.attend(&op("op-0002")).await.expect("attend");

    let history = app
        .console("op-0002")
        .assignment
        .expect("assignment")
        .history;
    let rows: Vec<(&str, &str, &str)> = history
        .iter()
        .map(|line| {
            (
                line.outcome_label,
                line.observations.as_str(),
                line.operator_id.as_deref().unwrap_or("-"),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (
                "Finalizada con éxito",
                "Todo bien <script>alert(1)</script>",
                "op-0001"
            ),
            ("Error técnico", "Sin cámara", "op-0001"),
        ]
    );
    assert_eq!(history[0].at, "2026-11-30T10:01:00+01:00");
    assert_eq!(history[0].service, "CLAVE");
}

#[tokio::test]
async fn a_taxpayer_who_abandons_after_assignment_turns_the_console_to_taxpayer_abandoned() {
    let app = TestEngine::start_at(madrid(MONDAY_10)).await;
    app.make_available("op-0001", &["CLAVE"]).await;
    let ticket = app.join(&dni(20), "CLAVE").await.expect("join").ticket_id;
    app.engine.attend(&op("op-0001")).await.expect("attend");
    app.engine.settle().await.expect("settle");

    app.engine
        .abandon(ticket, "Me tengo que ir")
        .await
        .expect("abandon");

    let console = app.console("op-0001");
    assert_eq!(console.state, ConsoleState::TaxpayerAbandoned);
    let assignment = console.assignment.expect("the taxpayer's block stays");
    assert_eq!(
        assignment.taxpayer_observations.as_deref(),
        Some("Me tengo que ir")
    );
    assert_eq!(app.ticket(ticket).state, "abandoned");
    assert_eq!(
        app.engine.abandon(ticket, "").await,
        Err(EngineError::InvalidState { state: "abandoned" })
    );
    // The taxpayer may queue again while the operator still finalizes.
    app.join(&dni(20), "CLAVE").await.expect("joins again");
    app.finalize("op-0001", "taxpayer_abandoned", "No ha aparecido", "attend")
        .await
        .expect("finalize");
    app.engine.settle().await.expect("settle");
    assert_eq!(app.console("op-0001").state, ConsoleState::Assigned);
}

#[tokio::test]
async fn a_taxpayer_who_abandons_in_the_queue_leaves_it_and_the_others_move_up() {
    let app = TestEngine::start_at(madrid(MONDAY_10)).await;
    let tickets: Vec<_> = [21, 22, 23].iter().map(|n| dni(*n)).collect();
    let mut ids = Vec::new();
    for nif in &tickets {
        ids.push(app.join(nif, "CLAVE").await.expect("join").ticket_id);
    }
    assert_eq!(app.ticket(ids[2]).position, Some(3));
    // Nobody on duty for the service: no number, and the page says why.
    assert_eq!(app.ticket(ids[2]).estimated_wait_seconds, None);
    assert_eq!(app.ticket(ids[2]).estimate_reason, Some("no_operator"));

    app.engine.abandon(ids[1], "").await.expect("abandon");

    assert_eq!(app.ticket(ids[1]).state, "abandoned");
    assert_eq!(app.ticket(ids[2]).position, Some(2));
    assert_eq!(app.ticket(ids[0]).position, Some(1));
    assert_eq!(
        app.join(&tickets[0], "CLAVE").await,
        Err(EngineError::AlreadyWaiting)
    );
    app.join(&tickets[1], "CLAVE")
        .await
        .expect("the one who left may join again");
}

#[tokio::test]
async fn the_attention_time_warning_appears_once_the_average_attention_time_has_passed() {
    let app = TestEngine::start_at(madrid(MONDAY_10)).await;
    attention_in_meeting(&app, &dni(24)).await;

    let attention_warnings = |app: &TestEngine| {
        app.console("op-0001")
            .warnings
            .into_iter()
            .filter(|warning| warning.code == "attention_time_exceeded")
            .collect::<Vec<_>>()
    };

    app.advance(Duration::from_secs(3 * 60 + 59));
    assert!(attention_warnings(&app).is_empty());
    let etag_before = app.console("op-0001").etag();
    app.advance(Duration::from_secs(1));
    let console = app.console("op-0001");
    let warnings = attention_warnings(&app);

    assert_eq!(warnings.len(), 1);
    assert!(warnings[0]
        .message
        .starts_with("Han transcurrido 4 minutos desde que inició la reunión en Zoom."));
    assert_ne!(
        console.etag(),
        etag_before,
        "a poll must not get 304 when the warning appears"
    );
}

#[tokio::test]
async fn interrupting_is_refused_near_closing_time_while_taxpayers_wait() {
    let app = TestEngine::start_at(madrid("2026-11-30 14:40")).await;
    attention_in_meeting(&app, &dni(25)).await;
    app.join(&dni(26), "CLAVE")
        .await
        .expect("another taxpayer waits");
    app.advance(Duration::from_secs(5 * 60)); // 14:45: fifteen minutes to closing

    let refused = app.finalize("op-0001", "success", "", "interrupt").await;

    assert_eq!(refused, Err(EngineError::InterruptRefusedEndOfDay));
    assert_eq!(app.console("op-0001").state, ConsoleState::InMeeting);
    assert!(app
        .console("op-0001")
        .warnings
        .iter()
        .any(|w| w.code == "end_of_day_near"));
    app.finalize("op-0001", "success", "", "attend")
        .await
        .expect("attend next is allowed");
}

#[tokio::test]
async fn interrupting_is_allowed_near_closing_time_when_nobody_waits() {
    let app = TestEngine::start_at(madrid("2026-11-30 14:40")).await;
    attention_in_meeting(&app, &dni(27)).await;
    app.advance(Duration::from_secs(10 * 60));

    app.finalize("op-0001", "success", "", "interrupt")
        .await
        .expect("nobody waits");
}

#[tokio::test]
async fn the_attended_count_starts_again_at_midnight_in_madrid() {
    let app = TestEngine::start_at(madrid("2026-11-30 14:00")).await;
    let ticket = attention_in_meeting(&app, &dni(28)).await;
    app.engine.accept(ticket).await.expect("accept");
    assert_eq!(app.console("op-0001").attended_today, 1);

    app.clock.set(madrid("2026-11-30 23:59"));
    assert_eq!(app.console("op-0001").attended_today, 1);
    app.clock.set(madrid("2026-12-01 00:00"));
    assert_eq!(app.console("op-0001").attended_today, 0);
}

#[tokio::test]
async fn a_waiting_operator_who_adds_a_service_is_matched_at_once_with_its_waiting_taxpayer() {
    let app = TestEngine::start_at(madrid("2026-11-30 10:00")).await;
    app.make_available("op-0002", &["APOYOIRPF"]).await;
    app.engine
        .attend(&op("op-0002"))
        .await
        .expect("waits for APOYOIRPF");
    let waiting = app
        .join(&dni(29), "CLAVE")
        .await
        .expect("a CLAVE taxpayer waits");
    assert_eq!(app.console("op-0002").state, ConsoleState::Waiting);

    // Marked available for CLAVE while already waiting: takes effect at once.
    app.make_available("op-0002", &["APOYOIRPF", "CLAVE"]).await;

    let console = app.until_console("op-0002", ConsoleState::Assigned).await;
    let assignment = console.assignment.expect("the CLAVE taxpayer is assigned");
    assert_eq!(assignment.ticket_id, waiting.ticket_id.to_string());
    assert_eq!(assignment.service.code, "CLAVE");
}

#[tokio::test]
async fn a_waiting_operator_who_removes_a_service_no_longer_receives_its_taxpayers() {
    let app = TestEngine::start_at(madrid("2026-11-30 10:00")).await;
    app.make_available("op-0002", &["APOYOIRPF", "CLAVE"]).await;
    app.engine
        .attend(&op("op-0002"))
        .await
        .expect("waits for both services");

    // "Disponible: NO" for CLAVE while waiting.
    app.make_available("op-0002", &["APOYOIRPF"]).await;
    app.engine.settle().await.expect("engine settles");
    let clave = app
        .join(&dni(30), "CLAVE")
        .await
        .expect("a CLAVE taxpayer joins");
    app.engine.settle().await.expect("engine settles");

    assert!(
        clave.position >= 1,
        "nobody serves CLAVE: the taxpayer waits"
    );
    assert_eq!(app.console("op-0002").state, ConsoleState::Waiting);
    let apoyo = app
        .join(&dni(31), "APOYOIRPF")
        .await
        .expect("an APOYOIRPF taxpayer joins");
    assert_eq!(apoyo.position, 0, "still served for APOYOIRPF at once");
    let console = app.until_console("op-0002", ConsoleState::Assigned).await;
    assert_eq!(
        console.assignment.expect("assigned").ticket_id,
        apoyo.ticket_id.to_string()
    );
}

#[tokio::test]
async fn commands_for_unknown_operators_tickets_and_services_are_refused() {
    let app = TestEngine::start_at(madrid(MONDAY_10)).await;
    let services = std::collections::BTreeMap::from([("RENTA".to_string(), true)]);

    let unknown_service = app.engine.set_availability(&op("op-0001"), &services).await;
    let unknown_operator = app.engine.attend(&op("op-9999")).await;
    let unknown_ticket = app
        .engine
        .accept(engine::ticket::TicketId::from_u64(42))
        .await;

    assert_eq!(
        unknown_service.expect_err("refused").code(),
        "unknown_service"
    );
    assert_eq!(unknown_operator, Err(EngineError::UnknownOperator));
    assert_eq!(unknown_ticket.expect_err("refused").code(), "not_found");
    assert_eq!(app.console("op-0001").state, ConsoleState::Unavailable);
}

#[tokio::test]
async fn the_console_follows_the_meeting_from_waiting_room_to_end_for_everybody() {
    use engine::meeting::activity::MeetingActivity;
    let app = TestEngine::start_at(madrid(MONDAY_10)).await;
    attention_in_meeting(&app, &dni(31)).await;
    let meeting_id = app
        .engine
        .views()
        .operator(&op("op-0001"))
        .and_then(|view| match &view.duty {
            engine::views::DutyView::InMeeting { meeting, .. } => Some(meeting.record.id.clone()),
            _ => None,
        });
    let meeting_id = meeting_id.expect("a meeting");
    let codes = |app: &TestEngine| {
        app.console("op-0001")
            .warnings
            .iter()
            .map(|w| w.code)
            .collect::<Vec<_>>()
    };
    assert_eq!(codes(&app), vec!["meeting_still_running"]);

    // Zoom says the meeting really started a minute later, and the taxpayer waits.
    app.advance(Duration::from_secs(60));
    let real_start = app.engine.now();
    assert!(
        app.engine
            .meeting_activity(&meeting_id, MeetingActivity::Started { at: real_start })
            .await
    );
    assert!(
        app.engine
            .meeting_activity(&meeting_id, MeetingActivity::TaxpayerInWaitingRoom)
            .await
    );
    let console = app.console("op-0001");
    assert!(codes(&app).contains(&"taxpayer_in_waiting_room"));
    let meeting = console.assignment.and_then(|a| a.meeting).expect("meeting");
    assert_eq!(meeting.taxpayer, Some("waiting_room"));
    assert!(console
        .warnings
        .iter()
        .any(|w| w.message.contains("Participantes") && w.message.contains("Admitir")));

    // The warning counts from the real start: 4 minutes after it, not after Iniciar.
    app.advance(Duration::from_secs(3 * 60 + 30));
    assert!(!codes(&app).contains(&"attention_time_exceeded"));
    app.advance(Duration::from_secs(30));
    assert!(codes(&app).contains(&"attention_time_exceeded"));

    assert!(
        app.engine
            .meeting_activity(&meeting_id, MeetingActivity::TaxpayerJoined)
            .await
    );
    assert!(!codes(&app).contains(&"taxpayer_in_waiting_room"));
    app.engine
        .end_meeting(&op("op-0001"))
        .await
        .expect("end for everybody");
    assert!(!codes(&app).contains(&"meeting_still_running"));
    assert_eq!(app.meetings.ended(), vec![meeting_id.clone()]);

    app.finalize("op-0001", "success", "", "interrupt")
        .await
        .expect("finalize");
    assert!(
        !app.engine
            .meeting_activity(&meeting_id, MeetingActivity::TaxpayerLeft)
            .await,
        "an ended attention ignores late events"
    );
}
