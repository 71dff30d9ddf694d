//! Reloading the whole file (DESIGN.md section 5) on the manual clock: the
//! gateway's sections are validated and compared with the engine's, a
//! restart-only key of either half is reported and not applied while the
//! rest is, and a file broken in either half is refused whole. The engine's
//! part alone is in `engine/tests/reload.rs`; a real `SIGHUP` to the binary
//! in `reload_process.rs`.

// The poll bodies as `tests/polls` reads them; only the console's here.
#[allow(dead_code)]
#[path = "polls/support.rs"]
mod support;

use std::path::{Path, PathBuf};

use engine::domain::ServiceCode;
use engine::reload::ReloadError;
use engine::testsuite::{madrid, op, TestEngine};
use gateway::config::FileConfig;
use support::Polls;

/// The shipped configuration: services APOYOIRPF and CLAVE, operators
/// op-0001 to op-0003.
const DEFAULT: &str = include_str!("../../config/default.toml");

/// A Monday, both services open.
const MONDAY_TEN: &str = "2026-11-30 10:00";

fn base_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn config(text: &str) -> FileConfig {
    FileConfig::from_toml_str(text).unwrap_or_else(|error| panic!("test file: {error}"))
}

fn code(text: &str) -> ServiceCode {
    ServiceCode::parse(text).expect("valid code")
}

async fn reload(app: &TestEngine, text: &str) -> engine::reload::ReloadReport {
    gateway::reload::apply(&app.engine, &config(DEFAULT), &config(text), &base_dir())
        .await
        .unwrap_or_else(|error| panic!("reload refused: {error}"))
}

#[tokio::test]
async fn a_restart_only_key_is_reported_and_not_applied_while_the_rest_is() {
    let app = TestEngine::start_at(madrid(MONDAY_TEN)).await;
    let text = DEFAULT
        .replace("bind = \"127.0.0.1:8080\"", "bind = \"127.0.0.1:9999\"")
        .replace("url = \"memory\"", "url = \"redis://127.0.0.1:1/0\"")
        .replace(
            "attention_minutes = 4\nrepresentation = false",
            "attention_minutes = 10\nrepresentation = false",
        )
        .replace("absent_after = \"150s\"", "absent_after = \"90s\"");

    let report = reload(&app, &text).await;

    assert_eq!(report.restart_only, ["server.bind", "[store]"]);
    assert_eq!(report.services_changed, [code("CLAVE")]);
    let catalog = app.engine.catalog();
    assert_eq!(catalog.presence.absent_after.as_secs(), 90);
    let clave = catalog.service(&code("CLAVE")).expect("configured");
    assert_eq!(clave.attention.as_secs(), 600);
    let figures = app.engine.views().figures(&code("CLAVE")).expect("figures");
    assert_eq!(figures.average_attention().as_secs(), 600);
    // What the process runs from now on keeps the old restart-only keys,
    // so the next reload still reports them.
    let running = config(&text).keep_restart_only(&config(DEFAULT));
    assert_eq!(running.gateway.server.bind, "127.0.0.1:8080");
    assert_eq!(running.engine.store.url, "memory");
}

#[tokio::test]
async fn a_file_broken_in_the_gateways_half_is_refused_whole() {
    let app = TestEngine::start_at(madrid(MONDAY_TEN)).await;
    let broken = DEFAULT
        .replace("poll_seconds = 9", "poll_seconds = 0")
        .replace("Operadora Demo\"", "Operadora Rota\"");

    let refused =
        gateway::reload::apply(&app.engine, &config(DEFAULT), &config(&broken), &base_dir()).await;

    let Err(ReloadError::Invalid(error)) = refused else {
        panic!("a broken file must be refused, got {refused:?}");
    };
    assert!(error.to_string().contains("server.poll_seconds"), "{error}");
    let catalog = app.engine.catalog();
    assert_eq!(catalog.generation(), 0);
    assert_eq!(
        catalog.operator(&op("op-0001")).expect("kept").name,
        "Operadora Demo"
    );
}

#[tokio::test]
async fn a_new_poll_period_reaches_the_poll_bodies() {
    let app = TestEngine::start_at(madrid(MONDAY_TEN)).await;
    assert_eq!(app.console("op-0001").next_poll_seconds, 9);

    let report = reload(
        &app,
        &DEFAULT.replace("poll_seconds = 9", "poll_seconds = 5"),
    )
    .await;

    assert!(report.restart_only.is_empty());
    assert_eq!(app.engine.catalog().poll_seconds, 5);
    app.engine.settle().await.expect("settles");
    assert_eq!(app.console("op-0001").next_poll_seconds, 5);
}
