//! The ETags of the two polls: a restart (a new process epoch) and a reload
//! (a new catalog generation) never let a client keep an old body with a 304.

use engine::config::Config;
use engine::testsuite::{config_from, dni, madrid, op, workspace_root, TestEngine};

use crate::support::Polls;

/// The shipped configuration: services APOYOIRPF and CLAVE, operators
/// op-0001 to op-0003.
const DEFAULT: &str = include_str!("../../../config/default.toml");

/// A Monday, both services open.
const MONDAY_10: &str = "2026-11-30 10:00";

/// The engine's sections of `text` (as `engine/tests/reload.rs` reads them).
fn config(text: &str) -> Config {
    config_from(text)
}

async fn reload(app: &TestEngine, text: &str) -> engine::reload::ReloadReport {
    app.engine
        .reload(&config(DEFAULT), &config(text), &workspace_root())
        .await
        .unwrap_or_else(|error| panic!("reload refused: {error}"))
}

#[tokio::test]
async fn etags_from_before_a_restart_never_match_after_it() {
    let app = TestEngine::start_at(madrid("2026-11-30 10:00")).await;
    let ticket = app.join(&dni(90), "CLAVE").await.expect("join").ticket_id;
    let (console_before, ticket_before) = (app.console("op-0001"), app.ticket(ticket));

    let app = app.restart().await;
    let (console_after, ticket_after) = (app.console("op-0001"), app.ticket(ticket));

    // The same versions, the same bodies: only the process differs.
    assert_eq!(console_before.version, console_after.version);
    assert_eq!(ticket_before.version, ticket_after.version);
    assert_ne!(console_before.etag(), console_after.etag());
    assert_ne!(ticket_before.etag(), ticket_after.etag());
}

#[tokio::test]
async fn a_renamed_operator_shows_the_new_name_and_the_etag_changes() {
    let app = TestEngine::start_at(madrid(MONDAY_10)).await;
    let before = app.console("op-0002");

    let renamed = DEFAULT.replace("Operador Demo Dos", "Operador Renombrado");
    let report = reload(&app, &renamed).await;
    app.engine.settle().await.expect("settles");

    assert_eq!(report.operators_renamed, [op("op-0002")]);
    let after = app.console("op-0002");
    assert_eq!(after.operator.name, "Operador Renombrado");
    assert_ne!(before.etag(), after.etag());
    // A console whose own snapshot did not change still gets a new ETag:
    // hours or holidays may have changed what it shows.
    assert_ne!(
        app.console("op-0003").etag(),
        before_etag_of(&app, "op-0003", 0)
    );
}

/// The op-0003 console's ETag as it would be at catalog generation `generation`.
fn before_etag_of(app: &TestEngine, operator: &str, generation: u64) -> String {
    let mut body = app.console(operator);
    body.catalog_generation = generation;
    body.etag()
}
