//! Live reconfiguration (DESIGN.md section 5): a reload on the manual clock
//! adds, removes and renames services and operators, closes a service on a
//! holiday added today, refuses a broken file keeping the running one, and
//! reports restart-only keys without applying them. Nothing acknowledged is
//! lost: a removed operator finishes their attention, a removed service's
//! waiting taxpayer is still served.

use std::path::{Path, PathBuf};

use engine::config::Config;
use engine::console::ConsoleState;
use engine::domain::ServiceCode;
use engine::reload::{keep_restart_only, ReloadError};
use engine::testsuite::{config_from, dni, madrid, op, TestEngine};
use engine::EngineError;

/// The shipped configuration: services APOYOIRPF and CLAVE, operators
/// op-0001 to op-0003.
const DEFAULT: &str = include_str!("../../config/default.toml");

/// A Monday, both services open.
const MONDAY_TEN: &str = "2026-11-30 10:00";

fn base_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The engine's sections of `text` (the gateway's reload of the whole file
/// is in `gateway/tests/reload.rs`).
fn config(text: &str) -> Config {
    config_from(text)
}

fn code(text: &str) -> ServiceCode {
    ServiceCode::parse(text).expect("valid code")
}

/// The shipped file without the `[[services]]` block of `service`.
fn without_service(text: &str, service: &str) -> String {
    let mut blocks: Vec<&str> = text.split("\n[[").collect();
    blocks.retain(|block| !block.starts_with(&format!("services]]\ncode = \"{service}\"")));
    blocks.join("\n[[")
}

/// The shipped file without the `[[operators]]` block of `operator`.
fn without_operator(text: &str, operator: &str) -> String {
    let mut blocks: Vec<&str> = text.split("\n[[").collect();
    blocks.retain(|block| !block.starts_with(&format!("operators]]\nid = \"{operator}\"")));
    blocks.join("\n[[")
}

const RENTA: &str = r#"
[[services]]
code = "RENTA"
description = "Campaña de la renta"
days = "every_day"
open = "00:00"
close = "24:00"
attention_minutes = 6
representation = true
authentication = "NIF/NIE + Fecha/Dato de contraste"
"#;

const NEW_OPERATOR: &str = r#"
[[operators]]
id = "op-0009"
name = "Operadora Nueva"
id_number = "A-0009"
password = "demo"
"#;

async fn reload(app: &TestEngine, text: &str) -> engine::reload::ReloadReport {
    app.engine
        .reload(&config(DEFAULT), &config(text), &base_dir())
        .await
        .unwrap_or_else(|error| panic!("reload refused: {error}"))
}

#[tokio::test]
async fn an_added_service_takes_joins_and_an_added_operator_serves_it() {
    let app = TestEngine::start_at(madrid(MONDAY_TEN)).await;
    assert!(matches!(
        app.join(&dni(1), "RENTA").await,
        Err(EngineError::UnknownService { .. })
    ));
    assert!(app
        .engine
        .set_availability(&op("op-0009"), &Default::default())
        .await
        .is_err());

    let report = reload(&app, &format!("{DEFAULT}{RENTA}{NEW_OPERATOR}")).await;

    assert_eq!(report.services_added, [code("RENTA")]);
    assert_eq!(report.operators_added, [op("op-0009")]);
    assert!(report.restart_only.is_empty());
    let figures = app
        .engine
        .views()
        .figures(&code("RENTA"))
        .expect("figures exist");
    assert_eq!(figures.average_attention().as_secs(), 360);
    let ticket = app
        .join(&dni(1), "RENTA")
        .await
        .expect("joins the new service");
    assert_eq!(app.position(ticket.ticket_id), Some(1));
    assert!(app.engine.operator_may_act(&op("op-0009")));
    app.make_available("op-0009", &["RENTA"]).await;
    app.engine.attend(&op("op-0009")).await.expect("attends");
    app.until_ticket_state(ticket.ticket_id, "assigned").await;
    assert_eq!(&*app.operator_view("op-0009").name, "Operadora Nueva");
    assert_eq!(
        app.assignment("op-0009")
            .expect("holds the taxpayer")
            .ticket_id
            .to_string(),
        ticket.ticket_id.to_string()
    );
}

#[tokio::test]
async fn a_removed_service_takes_no_joins_and_its_waiting_taxpayer_is_still_served() {
    let app = TestEngine::start_at(madrid(MONDAY_TEN)).await;
    app.make_available("op-0001", &["CLAVE"]).await;
    let waiting = app.join(&dni(2), "CLAVE").await.expect("joins").ticket_id;

    let report = reload(&app, &without_service(DEFAULT, "CLAVE")).await;

    assert_eq!(report.services_removed, [code("CLAVE")]);
    assert_eq!(report.services_draining, [code("CLAVE")]);
    assert!(matches!(
        app.join(&dni(3), "CLAVE").await,
        Err(EngineError::UnknownService { .. })
    ));
    let listed: Vec<String> = app
        .engine
        .catalog()
        .services()
        .iter()
        .map(|s| s.code.as_str().to_string())
        .collect();
    assert_eq!(listed, ["APOYOIRPF"]);
    assert_eq!(app.ticket_state(waiting), "waiting");
    assert_eq!(app.position(waiting), Some(1));
    app.engine
        .attend(&op("op-0001"))
        .await
        .expect("attends the draining queue");
    app.until_ticket_state(waiting, "assigned").await;
}

#[tokio::test]
async fn a_removed_operator_finishes_the_attention_they_hold_then_can_no_longer_attend() {
    let app = TestEngine::start_at(madrid(MONDAY_TEN)).await;
    app.make_available("op-0001", &["CLAVE"]).await;
    app.make_available("op-0002", &["CLAVE"]).await;
    let first = app.join(&dni(4), "CLAVE").await.expect("joins").ticket_id;
    app.engine.attend(&op("op-0001")).await.expect("attends");
    app.until_ticket_state(first, "assigned").await;
    app.engine.accept(first).await.expect("accepts");
    app.engine
        .start_meeting(&op("op-0001"))
        .await
        .expect("starts");
    // op-0002 waits with nobody to attend.
    app.engine.attend(&op("op-0002")).await.expect("waits");
    app.until_console_state("op-0002", ConsoleState::Waiting)
        .await;

    let text = without_operator(&without_operator(DEFAULT, "op-0001"), "op-0002");
    let report = reload(&app, &text).await;
    app.engine.settle().await.expect("settles");

    assert_eq!(report.operators_removed, [op("op-0001"), op("op-0002")]);
    // The waiting one is off the list at once; a new taxpayer is not theirs.
    assert_eq!(app.console_state("op-0002"), ConsoleState::Idle);
    assert!(!app.engine.operator_may_act(&op("op-0002")));
    let second = app.join(&dni(5), "CLAVE").await.expect("joins").ticket_id;
    app.engine.settle().await.expect("settles");
    assert_eq!(app.ticket_state(second), "waiting");
    // The one in a meeting finishes it, even asking for the next taxpayer…
    assert!(app.engine.operator_may_act(&op("op-0001")));
    app.finalize("op-0001", "success", "", "attend")
        .await
        .expect("finalizes");
    app.until_ticket_state(first, "finished").await;
    app.engine.settle().await.expect("settles");
    // …and is then off duty for good: the waiting taxpayer stays for others.
    assert!(!app.engine.operator_may_act(&op("op-0001")));
    assert_eq!(
        app.engine.attend(&op("op-0001")).await,
        Err(EngineError::UnknownOperator)
    );
    assert_eq!(app.ticket_state(second), "waiting");
    app.make_available("op-0003", &["CLAVE"]).await;
    app.engine.attend(&op("op-0003")).await.expect("attends");
    app.until_ticket_state(second, "assigned").await;

    // Added back, they log in and attend again.
    reload(&app, DEFAULT).await;
    app.engine.settle().await.expect("settles");
    assert!(app.engine.operator_may_act(&op("op-0001")));
}

#[tokio::test]
async fn a_holiday_added_today_closes_the_service_today() {
    let app = TestEngine::start_at(madrid(MONDAY_TEN)).await;
    assert!(app
        .engine
        .catalog()
        .is_open(&code("CLAVE"), app.engine.now()));
    app.make_available("op-0001", &["CLAVE"]).await;

    let text = DEFAULT.replace("\"2026-12-25\",", "\"2026-12-25\", \"2026-11-30\",");
    assert_ne!(text, DEFAULT);
    reload(&app, &text).await;

    assert!(!app
        .engine
        .catalog()
        .is_open(&code("CLAVE"), app.engine.now()));
    assert_eq!(
        app.join(&dni(6), "CLAVE")
            .await
            .map(|receipt| receipt.ticket_id),
        Err(EngineError::ServiceClosed)
    );
    assert_eq!(app.console_state("op-0001"), ConsoleState::Closed);
}

#[tokio::test]
async fn a_broken_file_is_refused_and_the_running_configuration_stays() {
    let app = TestEngine::start_at(madrid(MONDAY_TEN)).await;
    let broken = DEFAULT
        .replace("absent_after = \"150s\"", "absent_after = \"soon\"")
        .replace("Operadora Demo\"", "Operadora Rota\"");

    let refused = app
        .engine
        .reload(&config(DEFAULT), &config(&broken), &base_dir())
        .await;

    let Err(ReloadError::Invalid(error)) = refused else {
        panic!("a broken file must be refused, got {refused:?}");
    };
    assert!(error.to_string().contains("absent_after"), "{error}");
    let catalog = app.engine.catalog();
    assert_eq!(catalog.generation(), 0);
    assert_eq!(
        catalog.operator(&op("op-0001")).expect("kept").name,
        "Operadora Demo"
    );
    assert_eq!(catalog.presence.absent_after.as_secs(), 150);
}

#[tokio::test]
async fn a_restart_only_engine_key_is_reported_and_not_applied_while_the_rest_is() {
    let app = TestEngine::start_at(madrid(MONDAY_TEN)).await;
    let text = DEFAULT
        .replace("url = \"memory\"", "url = \"redis://127.0.0.1:1/0\"")
        .replace(
            "attention_minutes = 4\nrepresentation = false",
            "attention_minutes = 10\nrepresentation = false",
        );

    let report = reload(&app, &text).await;

    assert_eq!(report.restart_only, ["[store]"]);
    assert_eq!(report.services_changed, [code("CLAVE")]);
    let catalog = app.engine.catalog();
    let clave = catalog.service(&code("CLAVE")).expect("configured");
    assert_eq!(clave.attention.as_secs(), 600);
    let running = keep_restart_only(config(&text), &config(DEFAULT));
    assert_eq!(running.store.url, "memory");
}
