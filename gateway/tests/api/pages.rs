//! The pages render the guide's screens, labels and messages for each state.

use std::time::Duration;

use axum::http::StatusCode;
use engine::console::ConsoleState;
use engine::testsuite::{dni, madrid};
use serde_json::json;

use crate::helpers::{send, spawn_app, spawn_app_with, AppOptions};

const CLAVE_LINE: &str = "CLAVE: Trámites de asistencia por videollamada - De lunes a viernes (excepto festivos nacionales) de 09:00 a 15:00. (Horario peninsular)";

fn assert_contains_all(html: &str, labels: &[&str]) {
    for label in labels {
        assert!(html.contains(label), "missing {label:?} in:\n{html}");
    }
}

#[tokio::test]
async fn the_home_page_links_to_the_consoles_and_the_join_form() {
    let app = spawn_app().await;

    let html = send(app.client().get(app.url("/"))).await.text;

    assert_contains_all(
        &html,
        &[
            "href=\"/operador\"",
            "href=\"/operador/disponibilidad\"",
            "href=\"/contribuyente\"",
            "Gestión disponibilidad operador",
        ],
    );
}

#[tokio::test]
async fn the_console_asks_for_a_login_without_a_session() {
    let app = spawn_app().await;

    let answer = send(app.client().get(app.url("/operador"))).await;

    assert_eq!(answer.status, StatusCode::OK);
    assert_contains_all(
        &answer.text,
        &[
            "Consola de videoasistencia",
            "Identificación del operador",
            "Contraseña",
            "Entrar",
        ],
    );
    assert!(!answer.text.contains("Atender Contribuyente"));
}

#[tokio::test]
async fn pages_carry_a_nonce_content_security_policy() {
    let app = spawn_app().await;

    let answer = send(app.client().get(app.url("/operador"))).await;

    let csp = answer.header("content-security-policy").expect("CSP");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce");
    assert!(answer.text.contains(&format!("<script nonce=\"{nonce}\">")));
}

#[tokio::test]
async fn an_operator_who_is_not_available_sees_nota_2() {
    let app = spawn_app().await;
    let operator = app.operator("op-0001").await;

    let html = operator.page("/operador").await;

    assert_contains_all(
        &html,
        &[
            "Consola de videoasistencia",
            "Operador:",
            "op-0001",
            "Nombre:",
            "Operadora Demo",
            "Contribuyentes atendidos:",
            "No se ha puesto disponible en ningún servicio.",
        ],
    );
    assert!(!html.contains("Atender Contribuyente"));
}

#[tokio::test]
async fn outside_opening_hours_the_console_shows_nota_1_and_no_attend_button() {
    let app = spawn_app_with(AppOptions {
        at: madrid("2026-11-30 08:00"),
        ..AppOptions::default()
    })
    .await;
    app.make_available("op-0001", &["CLAVE"]).await;
    let operator = app.operator("op-0001").await;

    let html = operator.page("/operador").await;

    assert_contains_all(
        &html,
        &["Los servicios se encuentran fuera de horario.", CLAVE_LINE],
    );
    assert!(!html.contains("Atender Contribuyente"));
}

#[tokio::test]
async fn an_idle_operator_sees_the_active_services_and_the_attend_button() {
    let app = spawn_app().await;
    app.make_available("op-0001", &["APOYOIRPF", "CLAVE"]).await;
    let operator = app.operator("op-0001").await;

    let html = operator.page("/operador").await;

    assert_contains_all(
        &html,
        &[
            "Servicios Activos",
            "APOYOIRPF: Trámites de Clave o Número de Referencia - De lunes a viernes (excepto festivos nacionales) de 09:00 a 14:00. (Horario peninsular)",
            CLAVE_LINE,
            "Atender Contribuyente",
        ],
    );
}

#[tokio::test]
async fn a_waiting_operator_sees_the_countdown_and_the_interrupt_button() {
    let app = spawn_app().await;
    app.make_available("op-0001", &["CLAVE"]).await;
    let operator = app.operator("op-0001").await;
    operator.post("/api/v1/operator/attend").await;

    let html = operator.page("/operador").await;

    assert_contains_all(
        &html,
        &[
            "A la espera de atender contribuyente",
            "Próxima actualización en: <span id=\"cuenta-atras\">9</span> seg.",
            "Interrumpir",
            CLAVE_LINE,
        ],
    );
}

#[tokio::test]
async fn an_assigned_operator_sees_the_taxpayer_and_the_start_button() {
    let app = spawn_app().await;
    app.make_available("op-0001", &["CLAVE"]).await;
    let operator = app.operator("op-0001").await;
    operator.post("/api/v1/operator/attend").await;
    app.joined(&dni(40), "CLAVE").await;
    app.until_console("op-0001", ConsoleState::Assigned).await;

    let html = operator.page("/operador").await;

    assert_contains_all(
        &html,
        &[
            "CONTRIBUYENTE ASIGNADO",
            "NIF:",
            &dni(40),
            &format!("CONTRIBUYENTE {}", dni(40)),
            "Servicio:",
            "CLAVE - Trámites de asistencia por videollamada",
            "Autenticación:",
            "NIF/NIE + Fecha/Dato de contraste",
            "Si no aparece una notificación para iniciar la reunión, iníciela desde el inicio del cliente Zoom.",
            "Iniciar Videoasistencia",
            "Anotaciones sobre el contribuyente",
        ],
    );
}

#[tokio::test]
async fn in_a_meeting_the_operator_sees_the_finalization_form_without_representation_on_clave() {
    let app = spawn_app().await;
    let (operator, _) = app.operator_in_meeting("op-0001", 41, "CLAVE").await;

    let html = operator.page("/operador").await;

    assert_contains_all(
        &html,
        &[
            "CONTRIBUYENTE ATENDIDO",
            "* Finalización",
            "<option value=\"\" selected>(Seleccionar)</option>",
            "<option value=\"success\">Finalizada con éxito</option>",
            "<option value=\"technical_error\">Error técnico</option>",
            "<option value=\"functional_error\">Error funcional</option>",
            "<option value=\"taxpayer_abandoned\">Abandono del contribuyente</option>",
            "Observaciones/Anotaciones (Si el contribuyente atendido pide otra videoasistencia, este dato será visible por el operador que se le asigne)",
            "No actúe en esta pantalla hasta no finalizar la reunión en Zoom con el contribuyente, cuando ésta haya concluido.",
            "Finalizar y Atender siguiente",
            "Finalizar e Interrumpir",
            "/reunion/",
        ],
    );
    assert!(!html.contains("<label for=\"nif-representado\">NIF Representado</label>"));
}

#[tokio::test]
async fn on_a_service_with_representation_the_form_asks_for_the_represented_nif() {
    let app = spawn_app().await;
    let (operator, _) = app.operator_in_meeting("op-0001", 42, "APOYOIRPF").await;

    let html = operator.page("/operador").await;

    assert_contains_all(
        &html,
        &[
            "En caso de representación consigne el NIF del receptor de la asistencia.",
            "<label for=\"nif-representado\">NIF Representado</label>",
            "Nota: En caso de representación deberá seguirse el protocolo establecido para el servicio.",
        ],
    );
}

#[tokio::test]
async fn after_the_average_attention_time_the_warning_shows_on_top() {
    let app = spawn_app().await;
    let (operator, _) = app.operator_in_meeting("op-0001", 43, "CLAVE").await;
    app.test_engine.advance(Duration::from_secs(5 * 60));

    let html = operator.page("/operador").await;

    assert_contains_all(
        &html,
        &[
            "Han transcurrido 4 minutos desde que inició la reunión en Zoom.",
            "&quot;Abandono del Contribuyente&quot;",
        ],
    );
    let warning = html.find("Han transcurrido").expect("warning");
    assert!(
        warning < html.find("CONTRIBUYENTE ATENDIDO").expect("block"),
        "the warning is on top"
    );
}

#[tokio::test]
async fn when_the_taxpayer_abandons_the_console_says_so_and_preselects_the_outcome() {
    let app = spawn_app().await;
    app.make_available("op-0001", &["CLAVE"]).await;
    let operator = app.operator("op-0001").await;
    operator.post("/api/v1/operator/attend").await;
    let ticket = app.joined(&dni(44), "CLAVE").await;
    app.until_console("op-0001", ConsoleState::Assigned).await;
    ticket
        .post(
            &app,
            "abandon",
            Some(json!({"observations": "<b>adiós</b>"})),
        )
        .await;
    app.until_console("op-0001", ConsoleState::TaxpayerAbandoned)
        .await;

    let html = operator.page("/operador").await;

    assert_contains_all(
        &html,
        &[
            "El contribuyente asignado ha abandonado el sistema. Finalice la reunión y espere a que se le asigne otro contribuyente.",
            "<option value=\"taxpayer_abandoned\" selected>Abandono del contribuyente</option>",
            "Finalizar y Atender siguiente",
            "Finalizar e Interrumpir",
            "&lt;b&gt;adiós&lt;/b&gt;",
        ],
    );
    assert!(!html.contains("<b>adiós</b>"));
}

#[tokio::test]
async fn an_observation_with_a_script_is_shown_as_text_to_the_next_operator() {
    // Arrange: the first operator writes markup in the observations.
    let app = spawn_app().await;
    let (first, _) = app.operator_in_meeting("op-0001", 45, "CLAVE").await;
    let finalized = first
        .finalize(
            "technical_error",
            "<script>alert('x')</script> & \"no\" <img src=x onerror=alert(1)>",
            "interrupt",
        )
        .await;
    assert_eq!(finalized.status, StatusCode::OK, "{}", finalized.text);
    app.make_available("op-0002", &["CLAVE"]).await;
    let second = app.operator("op-0002").await;
    second.post("/api/v1/operator/attend").await;
    app.joined(&dni(45), "CLAVE").await;
    app.until_console("op-0002", ConsoleState::Assigned).await;

    // Act
    let html = second.page("/operador").await;

    // Assert
    assert_contains_all(
        &html,
        &[
            "Fecha/hora",
            "Operador",
            "Resultado",
            "30-11-2026 10:00:00",
            "Operadora Demo",
            "Error técnico",
            // The templates' formatter escapes `& < > "` and leaves `'` as
            // typed (templates.rs `html_formatter`: every attribute is
            // double-quoted, so `'` can end none).
            "&lt;script&gt;alert('x')&lt;/script&gt; &amp; &quot;no&quot; &lt;img src=x onerror=alert(1)&gt;",
        ],
    );
    assert!(!html.contains("<script>alert"));
    assert!(!html.contains("<img src=x"));
}

#[tokio::test]
async fn the_availability_page_has_a_yes_no_row_per_service() {
    let app = spawn_app().await;
    app.make_available("op-0001", &["CLAVE"]).await;
    let operator = app.operator("op-0001").await;

    let html = operator.page("/operador/disponibilidad").await;

    assert_contains_all(
        &html,
        &[
            "Gestión disponibilidad operador",
            "Disponible",
            "<tr data-code=\"APOYOIRPF\">",
            "<tr data-code=\"CLAVE\">",
            "name=\"disp-CLAVE\" value=\"si\" checked> SÍ",
            "name=\"disp-APOYOIRPF\" value=\"no\" checked> NO",
            "Acceso a la Consola de Operador",
        ],
    );
}

#[tokio::test]
async fn the_join_form_asks_for_service_nif_name_and_contrast_datum() {
    let app = spawn_app().await;

    let html = send(app.client().get(app.url("/contribuyente"))).await.text;

    assert_contains_all(
        &html,
        &[
            "Solicitud de videoasistencia",
            "<option value=\"CLAVE\">CLAVE - Trámites de asistencia por videollamada</option>",
            "NIF/NIE",
            "Nombre",
            "Fecha/Dato de contraste",
            "id=\"error-nif\"",
            "id=\"error-contraste\"",
            "Solicitar videoasistencia",
        ],
    );
}

#[tokio::test]
async fn the_ticket_page_holds_the_guides_access_screen_and_never_the_token() {
    let app = spawn_app().await;
    let ticket = app.joined(&dni(46), "CLAVE").await;

    let answer = send(
        app.client()
            .get(app.url(&format!("/contribuyente/{}", ticket.id))),
    )
    .await;
    let malformed = send(app.client().get(app.url("/contribuyente/<script>"))).await;

    assert_eq!(answer.status, StatusCode::OK);
    assert_contains_all(
        &answer.text,
        &[
            "Acceso a videoasistencia",
            "Se le ha asignado un operador.",
            "Número de identificación:",
            "Si está de acuerdo con lo descrito en esta página, pulse en 'Aceptar y Acceder a la videoconferencia' para iniciar la conversación.",
            "Aceptar y Acceder a la videoconferencia",
            "Abandonar",
            "Observaciones (en caso de abandonar)",
            "Posición en la cola:",
            "Tiempo estimado de espera:",
            "localStorage",
            "pagehide",
        ],
    );
    assert!(!answer.text.contains(&ticket.token));
    assert_eq!(malformed.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_meeting_room_page_escapes_its_id() {
    let app = spawn_app().await;

    let html = send(app.client().get(app.url("/reunion/%3Cb%3E")))
        .await
        .text;

    assert!(html.contains("&lt;b&gt;") && !html.contains("<b>"));
}
