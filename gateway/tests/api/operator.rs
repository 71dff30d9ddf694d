use std::time::Duration;

use axum::http::StatusCode;
use engine::console::ConsoleState;
use engine::testsuite::{dni, madrid};
use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with, AppOptions};

#[tokio::test]
async fn availability_lists_every_service_and_put_persists_it() {
    // Arrange
    let app = spawn_app().await;
    let operator = app.operator("op-0001").await;

    // Act
    let before = operator.get("/api/v1/operator/availability").await;
    let put = operator
        .put_json(
            "/api/v1/operator/availability",
            json!({"services": {"CLAVE": true}}),
        )
        .await;
    let after = operator.get("/api/v1/operator/availability").await;

    // Assert
    assert_eq!(before.status, StatusCode::OK);
    assert_eq!(
        before.json(),
        json!({"services": [
            {"code": "APOYOIRPF", "description": "Trámites de Clave o Número de Referencia", "available": false},
            {"code": "CLAVE", "description": "Trámites de asistencia por videollamada", "available": false},
        ]})
    );
    assert_eq!(put.status, StatusCode::OK, "{}", put.text);
    assert_eq!(after.json()["services"][1]["available"], true);
    assert_eq!(after.json()["services"][0]["available"], false);
    assert_eq!(app.console_state("op-0001"), ConsoleState::Idle);
}

#[tokio::test]
async fn setting_availability_for_an_unknown_service_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let operator = app.operator("op-0001").await;

    let answer = operator
        .put_json(
            "/api/v1/operator/availability",
            json!({"services": {"CLAVE": true, "NOEXISTE": true}}),
        )
        .await;

    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(answer.error_code(), "unknown_service");
    let after = operator.get("/api/v1/operator/availability").await.json();
    assert_eq!(after["services"][1]["available"], false);
}

#[tokio::test]
async fn an_operator_who_is_not_available_cannot_attend() {
    let app = spawn_app().await;
    let operator = app.operator("op-0001").await;

    let answer = operator.post("/api/v1/operator/attend").await;

    assert_eq!(
        (answer.status, answer.error_code().as_str()),
        (StatusCode::CONFLICT, "not_available")
    );
}

#[tokio::test]
async fn an_operator_whose_services_are_closed_cannot_attend() {
    let app = spawn_app_with(AppOptions {
        at: madrid("2026-11-30 16:00"),
        ..AppOptions::default()
    })
    .await;
    app.make_available("op-0001", &["CLAVE"]).await;
    let operator = app.operator("op-0001").await;

    let answer = operator.post("/api/v1/operator/attend").await;

    assert_eq!(
        (answer.status, answer.error_code().as_str()),
        (StatusCode::CONFLICT, "services_closed")
    );
    assert_eq!(
        operator.get("/api/v1/operator/console").await.json()["state"],
        "closed"
    );
}

#[tokio::test]
async fn attending_with_nobody_waiting_makes_the_operator_wait_and_interrupt_makes_them_idle() {
    // Arrange
    let app = spawn_app().await;
    app.make_available("op-0001", &["CLAVE"]).await;
    let operator = app.operator("op-0001").await;

    // Act
    let attend = operator.post("/api/v1/operator/attend").await;
    let again = operator.post("/api/v1/operator/attend").await;
    let interrupt = operator.post("/api/v1/operator/interrupt").await;
    let interrupt_again = operator.post("/api/v1/operator/interrupt").await;

    // Assert
    assert_eq!(attend.status, StatusCode::OK, "{}", attend.text);
    assert_eq!(attend.json()["state"], "waiting");
    assert_eq!(
        (again.status, again.error_code().as_str()),
        (StatusCode::CONFLICT, "invalid_state")
    );
    assert_eq!(interrupt.json()["state"], "idle");
    assert_eq!(interrupt_again.error_code(), "invalid_state");
}

#[tokio::test]
async fn a_taxpayer_who_joins_is_assigned_to_the_waiting_operator() {
    // Arrange
    let app = spawn_app().await;
    app.make_available("op-0001", &["CLAVE"]).await;
    let operator = app.operator("op-0001").await;
    operator.post("/api/v1/operator/attend").await;

    // Act
    let ticket = app.joined(&dni(7), "CLAVE").await;
    app.until_console("op-0001", ConsoleState::Assigned).await;
    let console = operator.get("/api/v1/operator/console").await;

    // Assert
    let body = console.json();
    assert_eq!(body["state"], "assigned");
    let assignment = &body["assignment"];
    assert_eq!(assignment["ticket_id"], ticket.id.as_str());
    assert_eq!(assignment["nif"], dni(7).as_str());
    assert_eq!(assignment["name"], format!("CONTRIBUYENTE {}", dni(7)));
    assert_eq!(
        assignment["service"],
        json!({"code": "CLAVE", "description": "Trámites de asistencia por videollamada"})
    );
    assert_eq!(
        assignment["authentication"],
        "NIF/NIE + Fecha/Dato de contraste"
    );
    assert_eq!(assignment["representation_allowed"], false);
    assert_eq!(assignment["meeting"], serde_json::Value::Null);
    assert_eq!(assignment["joined_at"], "2026-11-30T10:00:00.000+01:00");
    assert_eq!(body["next_poll_seconds"], 9);
    let seen_by_taxpayer = ticket.get(&app).await.json();
    assert_eq!(seen_by_taxpayer["state"], "assigned");
    assert_eq!(
        seen_by_taxpayer["operator"],
        json!({"name": "Operadora Demo", "id_number": "A-0001"})
    );
}

#[tokio::test]
async fn starting_the_meeting_answers_the_start_url_and_accepting_the_join_url() {
    // Arrange
    let app = spawn_app().await;
    let (operator, ticket) = app.operator_in_meeting("op-0001", 8, "CLAVE").await;

    // Act
    let console = operator.get("/api/v1/operator/console").await.json();
    let accept = ticket.post(&app, "accept", None).await;
    let ticket_view = ticket.get(&app).await.json();

    // Assert
    assert_eq!(console["state"], "in_meeting");
    let start_url = console["assignment"]["meeting"]["start_url"]
        .as_str()
        .expect("start_url");
    assert!(start_url.contains("/reunion/"), "{start_url}");
    assert_eq!(accept.status, StatusCode::OK, "{}", accept.text);
    let join_url = accept.json()["join_url"]
        .as_str()
        .expect("join_url")
        .to_string();
    assert!(join_url.contains("/reunion/"));
    assert_eq!(ticket_view["state"], "accepted");
    assert_eq!(ticket_view["join_url"], join_url.as_str());
    assert!(ticket_view["recording_notice"]
        .as_str()
        .expect("notice")
        .contains("Ley Orgánica 3/2018"));
}

#[tokio::test]
async fn starting_twice_or_without_a_taxpayer_is_an_invalid_state() {
    let app = spawn_app().await;
    let operator = app.operator("op-0002").await;
    let idle_start = operator.post("/api/v1/operator/start").await;
    let (busy, _ticket) = app.operator_in_meeting("op-0001", 9, "CLAVE").await;

    let second_start = busy.post("/api/v1/operator/start").await;

    assert_eq!(
        (idle_start.status, idle_start.error_code().as_str()),
        (StatusCode::CONFLICT, "invalid_state")
    );
    assert_eq!(second_start.error_code(), "invalid_state");
}

#[tokio::test]
async fn a_meeting_provider_failure_is_a_502_and_the_operator_can_retry() {
    let app = spawn_app().await;
    app.make_available("op-0001", &["CLAVE"]).await;
    let operator = app.operator("op-0001").await;
    operator.post("/api/v1/operator/attend").await;
    app.joined(&dni(10), "CLAVE").await;
    app.until_console("op-0001", ConsoleState::Assigned).await;
    app.test_engine.meetings.fail(true);

    let failed = operator.post("/api/v1/operator/start").await;
    let state_after_failure = app.console_state("op-0001");
    app.test_engine.meetings.fail(false);
    let retried = operator.post("/api/v1/operator/start").await;

    assert_eq!(failed.status, StatusCode::BAD_GATEWAY);
    assert_eq!(failed.error_code(), "meeting_provider_failed");
    assert_eq!(state_after_failure, ConsoleState::Assigned);
    assert_eq!(retried.status, StatusCode::OK);
}

#[tokio::test]
async fn finalize_refuses_an_unknown_outcome_a_bad_nif_and_overlong_observations() {
    // Arrange
    let app = spawn_app().await;
    let (operator, _ticket) = app.operator_in_meeting("op-0001", 11, "APOYOIRPF").await;

    // Act
    let outcome = operator.finalize("great", "", "attend").await;
    let empty_outcome = operator.finalize("", "", "attend").await;
    let nif = operator
        .post_json(
            "/api/v1/operator/finalize",
            json!({"outcome": "success", "observations": "", "represented_nif": "12345678A", "next": "attend"}),
        )
        .await;
    let long = operator
        .finalize("success", &"x".repeat(1001), "attend")
        .await;
    let next = operator.finalize("success", "", "later").await;

    // Assert
    assert_eq!(
        (outcome.status, outcome.error_code().as_str()),
        (StatusCode::BAD_REQUEST, "invalid_outcome")
    );
    assert_eq!(empty_outcome.error_code(), "invalid_outcome");
    assert_eq!(
        (nif.status, nif.error_code().as_str()),
        (StatusCode::BAD_REQUEST, "invalid_nif")
    );
    assert_eq!(
        (long.status, long.error_code().as_str()),
        (StatusCode::BAD_REQUEST, "observations_too_long")
    );
    assert_eq!(
        (next.status, next.error_code().as_str()),
        (StatusCode::BAD_REQUEST, "invalid_request")
    );
    assert_eq!(
        app.console_state("op-0001"),
        ConsoleState::InMeeting,
        "nothing was recorded"
    );
}

#[tokio::test]
async fn a_represented_nif_is_refused_on_clave_and_accepted_on_apoyoirpf() {
    let app = spawn_app().await;
    let (clave, _) = app.operator_in_meeting("op-0001", 12, "CLAVE").await;
    let (apoyo, _) = app.operator_in_meeting("op-0002", 13, "APOYOIRPF").await;
    let body = |next: &str| json!({"outcome": "success", "observations": "", "represented_nif": dni(99), "next": next});

    let refused = clave
        .post_json("/api/v1/operator/finalize", body("interrupt"))
        .await;
    let accepted = apoyo
        .post_json("/api/v1/operator/finalize", body("interrupt"))
        .await;

    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(refused.error_code(), "representation_not_allowed");
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.text);
    assert_eq!(accepted.json()["state"], "idle");
}

#[tokio::test]
async fn finalizing_outside_a_meeting_is_an_invalid_state() {
    let app = spawn_app().await;
    app.make_available("op-0001", &["CLAVE"]).await;
    let operator = app.operator("op-0001").await;

    let answer = operator.finalize("success", "", "attend").await;

    assert_eq!(
        (answer.status, answer.error_code().as_str()),
        (StatusCode::CONFLICT, "invalid_state")
    );
}

#[tokio::test]
async fn finalize_and_attend_next_records_the_outcome_and_waits_for_the_next_taxpayer() {
    // Arrange
    let app = spawn_app().await;
    let (operator, ticket) = app.operator_in_meeting("op-0001", 14, "CLAVE").await;
    ticket.post(&app, "accept", None).await;

    // Act
    let finalized = operator.finalize("success", "Todo bien", "attend").await;

    // Assert
    assert_eq!(finalized.status, StatusCode::OK, "{}", finalized.text);
    assert_eq!(finalized.json()["state"], "waiting");
    assert_eq!(finalized.json()["attended_today"], 1);
    assert_eq!(ticket.get(&app).await.json()["state"], "finished");
}

#[tokio::test]
async fn the_next_operator_sees_the_previous_annotation_in_the_history() {
    let app = spawn_app().await;
    let (first, _) = app.operator_in_meeting("op-0001", 15, "CLAVE").await;
    first
        .finalize("functional_error", "No tiene el DNI", "interrupt")
        .await;
    app.make_available("op-0002", &["CLAVE"]).await;
    let second = app.operator("op-0002").await;
    second.post("/api/v1/operator/attend").await;

    app.joined(&dni(15), "CLAVE").await;
    app.until_console("op-0002", ConsoleState::Assigned).await;
    let console = second.get("/api/v1/operator/console").await.json();

    let history = &console["assignment"]["history"];
    assert_eq!(history.as_array().expect("history").len(), 1);
    assert_eq!(history[0]["operator_id"], "op-0001");
    assert_eq!(history[0]["service"], "CLAVE");
    assert_eq!(history[0]["outcome"], "functional_error");
    assert_eq!(history[0]["observations"], "No tiene el DNI");
    assert_eq!(history[0]["at"], "2026-11-30T10:00:00+01:00");
}

#[tokio::test]
async fn a_taxpayer_who_abandons_an_assignment_leaves_the_console_in_taxpayer_abandoned() {
    let app = spawn_app().await;
    app.make_available("op-0001", &["CLAVE"]).await;
    let operator = app.operator("op-0001").await;
    operator.post("/api/v1/operator/attend").await;
    let ticket = app.joined(&dni(16), "CLAVE").await;
    app.until_console("op-0001", ConsoleState::Assigned).await;

    let abandoned = ticket
        .post(
            &app,
            "abandon",
            Some(json!({"observations": "Me tengo que ir"})),
        )
        .await;
    app.until_console("op-0001", ConsoleState::TaxpayerAbandoned)
        .await;
    let console = operator.get("/api/v1/operator/console").await.json();
    let finalized = operator
        .finalize("taxpayer_abandoned", "", "interrupt")
        .await;

    assert_eq!(abandoned.status, StatusCode::OK, "{}", abandoned.text);
    assert_eq!(abandoned.json()["state"], "abandoned");
    assert_eq!(console["state"], "taxpayer_abandoned");
    assert_eq!(
        console["assignment"]["taxpayer_observations"],
        "Me tengo que ir"
    );
    assert_eq!(finalized.status, StatusCode::OK, "{}", finalized.text);
    assert_eq!(finalized.json()["state"], "idle");
}

#[tokio::test]
async fn interrupting_near_closing_time_with_taxpayers_waiting_is_refused() {
    // Arrange: 14:50, CLAVE closes at 15:00 and the margin is 15 minutes.
    let app = spawn_app_with(AppOptions {
        at: madrid("2026-11-30 14:50"),
        ..AppOptions::default()
    })
    .await;
    let (operator, _) = app.operator_in_meeting("op-0001", 17, "CLAVE").await;
    app.joined(&dni(18), "CLAVE").await;

    // Act
    let answer = operator.finalize("success", "", "interrupt").await;

    // Assert
    assert_eq!(answer.status, StatusCode::CONFLICT);
    assert_eq!(answer.error_code(), "interrupt_refused_end_of_day");
    assert_eq!(app.console_state("op-0001"), ConsoleState::InMeeting);
}

#[tokio::test]
async fn the_attention_time_warning_appears_after_the_average_attention_time() {
    let app = spawn_app().await;
    let (operator, _) = app.operator_in_meeting("op-0001", 19, "CLAVE").await;
    let before = operator.get("/api/v1/operator/console").await.json();

    app.test_engine.advance(Duration::from_secs(4 * 60));
    let after = operator.get("/api/v1/operator/console").await.json();

    let attention = |console: &serde_json::Value| {
        console["warnings"]
            .as_array()
            .expect("warnings")
            .iter()
            .filter(|warning| warning["code"] == "attention_time_exceeded")
            .cloned()
            .collect::<Vec<_>>()
    };
    assert!(attention(&before).is_empty());
    let after = attention(&after);
    assert_eq!(after.len(), 1);
    assert!(after[0]["message"]
        .as_str()
        .expect("message")
        .starts_with("Han transcurrido 4 minutos desde que inició la reunión en Zoom."));
}

#[tokio::test]
async fn the_console_poll_answers_304_while_nothing_changed() {
    // Arrange
    let app = spawn_app().await;
    app.make_available("op-0001", &["CLAVE"]).await;
    let operator = app.operator("op-0001").await;
    let first = operator.get("/api/v1/operator/console").await;
    let etag = first.header("etag").expect("an ETag");

    // Act
    let unchanged = crate::helpers::send(
        operator
            .client
            .get(format!("{}/api/v1/operator/console", operator.base))
            .header("if-none-match", &etag),
    )
    .await;
    operator.post("/api/v1/operator/attend").await;
    let changed = crate::helpers::send(
        operator
            .client
            .get(format!("{}/api/v1/operator/console", operator.base))
            .header("if-none-match", &etag),
    )
    .await;

    // Assert
    assert_eq!(unchanged.status, StatusCode::NOT_MODIFIED);
    assert_eq!(unchanged.header("etag"), Some(etag.clone()));
    assert!(unchanged.text.is_empty());
    assert_eq!(changed.status, StatusCode::OK);
    assert_ne!(changed.header("etag"), Some(etag));
    assert_eq!(changed.json()["state"], "waiting");
}
