//! Text a later reader sees: names, contrast data and observations refuse
//! bidirectional controls and invisible format characters, naming the field;
//! observations keep the tabs and line breaks a textarea holds (API.md v1.1).

use axum::http::StatusCode;
use engine::console::ConsoleState;
use engine::testsuite::dni;
use serde_json::json;

use crate::helpers::{send, spawn_app, Answer, TestApp};

/// The characters the outside test slipped through, and more of their kind.
const DECEPTIVE: [char; 9] = [
    '\u{202E}', '\u{2066}', '\u{200F}', '\u{061C}', '\u{200B}', '\u{2060}', '\u{FEFF}', '\u{2028}',
    '\u{00AD}',
];

async fn join_with(app: &TestApp, nif: &str, name: &str, contrast: &str) -> Answer {
    send(app.client().post(app.url("/api/v1/tickets")).json(&json!({
        "nif": nif, "name": name, "contrast": contrast, "service": "CLAVE"
    })))
    .await
}

fn assert_refused_naming(answer: &Answer, field: &str, what: &str) {
    assert_eq!(
        answer.status,
        StatusCode::BAD_REQUEST,
        "{what}: {}",
        answer.text
    );
    assert_eq!(answer.error_code(), "invalid_request", "{what}");
    let message = answer.json()["error"]["message"]
        .as_str()
        .expect("message")
        .to_string();
    assert!(message.starts_with(field), "{what}: {message}");
}

#[tokio::test]
async fn names_and_contrast_with_bidi_or_invisible_characters_are_refused_naming_the_field() {
    let app = spawn_app().await;

    for (index, character) in DECEPTIVE.into_iter().enumerate() {
        let code = format!("U+{:04X}", u32::from(character));
        let name = join_with(
            &app,
            &dni(90),
            &format!("ANA{character} GARCIA"),
            "31-12-2030",
        )
        .await;
        let contrast = join_with(
            &app,
            &dni(91),
            "ANA GARCIA",
            &format!("31-12{character}-2030"),
        )
        .await;
        assert_refused_naming(&name, "name", &format!("name with {code} ({index})"));
        assert_refused_naming(&contrast, "contrast", &format!("contrast with {code}"));
    }
    let nul = join_with(&app, &dni(92), "ANA GARCIA", "31-12-2030\u{0}").await;
    assert_refused_naming(&nul, "contrast", "contrast with NUL");
    let services = send(app.client().get(app.url("/api/v1/services")))
        .await
        .json();
    assert_eq!(services["services"][1]["waiting"], 0, "nobody was queued");
    let fine = join_with(&app, &dni(93), "José Ñúñez d'Àvila", "31-12-2030").await;
    assert_eq!(fine.status, StatusCode::CREATED, "{}", fine.text);
}

#[tokio::test]
async fn observations_refuse_bidi_controls_and_keep_tabs_and_line_breaks() {
    let app = spawn_app().await;
    let (console, _ticket) = app.operator_in_meeting("op-0001", 94, "CLAVE").await;

    let mut refused = Vec::new();
    for character in DECEPTIVE {
        refused.push((
            character,
            console
                .finalize("success", &format!("Todo{character} correcto"), "interrupt")
                .await,
        ));
    }
    let state_after_refusals = app.console_state("op-0001");
    let with_tabs = console
        .finalize("success", "Paso 1:\tOK\r\nPaso 2:\tOK", "interrupt")
        .await;

    for (character, answer) in &refused {
        assert_refused_naming(
            answer,
            "observations",
            &format!("U+{:04X}", u32::from(*character)),
        );
    }
    assert_eq!(state_after_refusals, ConsoleState::InMeeting);
    assert_eq!(with_tabs.status, StatusCode::OK, "{}", with_tabs.text);
}

#[tokio::test]
async fn a_taxpayers_abandon_observations_refuse_invisible_characters_too() {
    let app = spawn_app().await;
    let ticket = app.joined(&dni(95), "CLAVE").await;

    let refused = ticket
        .post(
            &app,
            "abandon",
            Some(json!({"observations": "me voy\u{200B}"})),
        )
        .await;
    let still = ticket.get(&app).await;

    assert_refused_naming(&refused, "observations", "abandon with U+200B");
    assert_eq!(still.json()["state"], "waiting", "{}", still.text);
}
