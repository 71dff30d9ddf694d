use axum::http::StatusCode;
use engine::testsuite::{dni, madrid};

use crate::helpers::{send, spawn_app, spawn_app_with, AppOptions};

#[tokio::test]
async fn the_public_service_list_shows_hours_open_state_and_waiting_count() {
    // Arrange
    let app = spawn_app().await;
    app.joined(&dni(1), "CLAVE").await;

    // Act
    let answer = send(app.client().get(app.url("/api/v1/services"))).await;

    // Assert
    assert_eq!(answer.status, StatusCode::OK);
    let body = answer.json();
    let clave = &body["services"][1];
    assert_eq!(clave["code"], "CLAVE");
    assert_eq!(
        clave["description"],
        "Trámites de asistencia por videollamada"
    );
    assert_eq!(
        clave["hours"],
        "De lunes a viernes (excepto festivos nacionales) de 09:00 a 15:00. (Horario peninsular)"
    );
    assert_eq!(clave["open"], true);
    assert_eq!(clave["waiting"], 1);
    assert_eq!(body["services"][0]["waiting"], 0);
}

#[tokio::test]
async fn at_14_30_apoyoirpf_is_closed_and_clave_still_open() {
    let app = spawn_app_with(AppOptions {
        at: madrid("2026-11-30 14:30"),
        ..AppOptions::default()
    })
    .await;

    let body = send(app.client().get(app.url("/api/v1/services")))
        .await
        .json();

    assert_eq!(body["services"][0]["open"], false);
    assert_eq!(body["services"][1]["open"], true);
}
