//! Honest waits (API.md v1.1): the estimate at join and on every poll, and
//! `estimate_past_closing` near closing time, on the manual clock.

use std::time::Duration;

use axum::http::StatusCode;
use engine::testsuite::{dni, madrid, op};
use serde_json::{json, Value};

use crate::helpers::{spawn_app_with, AppOptions, TestApp, Ticket, DEFAULT_CONFIG};

/// Ten minutes before CLAVE closes (15:00) on a Monday.
fn ten_to_three() -> jiff::Timestamp {
    madrid("2026-11-30 14:50")
}

/// The shipped configuration with `[dispatch] refuse_joins_past_closing = true`.
fn refusing_config() -> String {
    let config = DEFAULT_CONFIG.replace(
        "refuse_joins_past_closing = false",
        "refuse_joins_past_closing = true",
    );
    assert_ne!(config, DEFAULT_CONFIG, "the shipped file sets the key");
    config
}

/// The app at ten to three on a Monday, with `config`.
async fn app_at_ten_to_three(config: String) -> TestApp {
    spawn_app_with(AppOptions {
        at: ten_to_three(),
        config,
        ..AppOptions::default()
    })
    .await
}

/// `operator` comes on duty for CLAVE and presses Atender (through the
/// engine, no session): waiting.
async fn attend_through_engine(app: &TestApp, operator: &str) {
    app.make_available(operator, &["CLAVE"]).await;
    app.test_engine
        .engine
        .attend(&op(operator))
        .await
        .expect("attend");
}

/// op-0001 takes a CLAVE taxpayer now: one 4-minute attention (the
/// configured time: nothing observed yet today) starts at 14:50.
async fn one_operator_busy(app: &TestApp) {
    attend_through_engine(app, "op-0001").await;
    app.joined(&dni(1), "CLAVE").await;
    app.test_engine.engine.settle().await.expect("settle");
}

/// The wait and the closing flag a body tells.
fn told(body: &Value) -> (Value, Value) {
    (
        body["estimated_wait_seconds"].clone(),
        body["estimate_past_closing"].clone(),
    )
}

#[tokio::test]
async fn a_join_whose_estimated_start_is_after_closing_is_told_so_and_still_admitted() {
    // Arrange
    let app = app_at_ten_to_three(DEFAULT_CONFIG.to_string()).await;
    one_operator_busy(&app).await;

    // Act: three taxpayers queue behind the attention in progress; they
    // would start at 14:54, 14:58 and 15:02.
    let mut answers = Vec::new();
    for number in [2, 3, 4] {
        let answer = app.join(&dni(number), "CLAVE").await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
        answers.push(answer.json());
    }

    // Assert
    let told_at_join: Vec<(Value, Value)> = answers.iter().map(told).collect();
    assert_eq!(
        told_at_join,
        vec![
            (json!(240), json!(false)),
            (json!(480), json!(false)),
            (json!(720), json!(true)),
        ]
    );
    let last = Ticket::from_join(&answers[2]).get(&app).await.json();
    assert_eq!(told(&last), (json!(720), json!(true)));
    let second = Ticket::from_join(&answers[1]).get(&app).await.json();
    assert_eq!(told(&second), (json!(480), json!(false)));
}

#[tokio::test]
async fn the_ticket_poll_re_estimates_as_the_clock_runs() {
    // Arrange
    let app = app_at_ten_to_three(DEFAULT_CONFIG.to_string()).await;
    one_operator_busy(&app).await;
    let ticket = Ticket::from_join(&app.join(&dni(5), "CLAVE").await.json());

    // Act: 100 s into the attention in progress.
    app.test_engine.advance(Duration::from_secs(100));
    let poll = ticket.get(&app).await;

    // Assert
    assert_eq!(poll.status, StatusCode::OK);
    let body = poll.json();
    assert_eq!(told(&body), (json!(140), json!(false)));
    assert_eq!(body["estimate_reason"], Value::Null);
}

#[tokio::test]
async fn with_refuse_joins_past_closing_such_a_join_is_refused_and_changes_nothing() {
    // Arrange
    let app = app_at_ten_to_three(refusing_config()).await;
    one_operator_busy(&app).await;
    for number in [6, 7] {
        let answer = app.join(&dni(number), "CLAVE").await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    }

    // Act: the third would start at 15:02.
    let refused = app.join(&dni(8), "CLAVE").await;

    // Assert
    assert_eq!(
        (refused.status, refused.error_code().as_str()),
        (StatusCode::CONFLICT, "service_closing")
    );
    let services = app.test_engine.engine.views();
    let code = engine::domain::ServiceCode::parse("CLAVE").expect("code");
    assert_eq!(services.figures(&code).expect("CLAVE").waiting(), 2);
    // A second operator comes on duty (and takes the first in line): now
    // the same taxpayer would start at 14:54, and is admitted.
    attend_through_engine(&app, "op-0002").await;
    app.test_engine.engine.settle().await.expect("settle");
    let admitted = app.join(&dni(8), "CLAVE").await;
    assert_eq!(admitted.status, StatusCode::CREATED, "{}", admitted.text);
    assert_eq!(told(&admitted.json()), (json!(240), json!(false)));
}

#[tokio::test]
async fn with_nobody_serving_the_service_there_is_no_number_and_no_refusal() {
    let app = app_at_ten_to_three(refusing_config()).await;

    let answer = app.join(&dni(9), "CLAVE").await;

    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    let body = answer.json();
    assert_eq!(told(&body), (Value::Null, json!(false)));
    let poll = Ticket::from_join(&body).get(&app).await.json();
    assert_eq!(poll["estimated_wait_seconds"], Value::Null);
    assert_eq!(poll["estimate_reason"], "no_operator");
}

#[tokio::test]
async fn the_join_form_warns_before_joining_when_the_estimate_is_past_closing() {
    // Arrange: two already wait behind the attention in progress; a
    // newcomer would start at 15:02.
    let app = app_at_ten_to_three(DEFAULT_CONFIG.to_string()).await;
    one_operator_busy(&app).await;
    for number in [10, 11] {
        app.joined(&dni(number), "CLAVE").await;
    }

    // Act
    let html = crate::helpers::send(app.client().get(app.url("/contribuyente")))
        .await
        .text;

    // Assert: said beside the service, and carried by its option for the form.
    let warning = "la atención de quien lo solicite ahora empezaría previsiblemente después de la hora de cierre de hoy. Puede solicitarla igualmente";
    assert!(html.contains(warning), "{html}");
    assert!(html.contains("<option value=\"CLAVE\" data-aviso=\"Aviso: con la cola actual"));
    assert!(html.contains("id=\"aviso-servicio\""));
}

#[tokio::test]
async fn the_join_form_says_when_nobody_serves_an_open_service() {
    let app = spawn_app_with(AppOptions::default()).await;
    attend_through_engine(&app, "op-0001").await;

    let html = crate::helpers::send(app.client().get(app.url("/contribuyente")))
        .await
        .text;

    // CLAVE has an operator waiting; APOYOIRPF nobody.
    let nobody = "Ahora mismo no hay ningún operador atendiendo este servicio.";
    assert_eq!(html.matches(nobody).count(), 1, "{html}");
    let apoyo = html.find("<li>APOYOIRPF").expect("APOYOIRPF hours");
    assert!(html[apoyo..]
        .split("</li>")
        .next()
        .unwrap()
        .contains(nobody));
}

#[tokio::test]
async fn the_ticket_page_can_say_past_closing_no_operator_and_why_the_estimate_rose() {
    let app = spawn_app_with(AppOptions::default()).await;
    let ticket = app.joined(&dni(12), "CLAVE").await;

    let html = crate::helpers::send(
        app.client()
            .get(app.url(&format!("/contribuyente/{}", ticket.id))),
    )
    .await
    .text;

    for text in [
        "Según la estimación actual, su atención empezaría después de la hora de cierre del servicio.",
        "data-sin-operador=\"Ahora mismo no hay ningún operador atendiendo este servicio.\"",
        "un operador ha dejado de atender este servicio",
        "alguna de las atenciones en curso está durando más de lo habitual",
        "id=\"aviso-subida\"",
    ] {
        assert!(html.contains(text), "{text} not in the page");
    }
}
