//! Taxpayers who leave and come back, in the guide's words, on the manual
//! clock: an absent taxpayer is skipped and keeps their place, comes back in
//! it, or ends abandoned with a note the next operator reads; an assignment
//! whose page goes silent never makes an operator open a meeting for nobody.
//! Defaults: absent after 150 s without a poll, abandoned 10 min later.

use std::sync::Arc;
use std::time::Duration;

use engine::console::ConsoleState;
use engine::store::MemoryStore;
use engine::testsuite::{dni, madrid, op, settings_from, TestEngine};
use engine::{EngineError, JoinInput};

const ABSENT_AFTER: Duration = Duration::from_secs(150);
const GRACE: Duration = Duration::from_secs(600);

#[tokio::test]
async fn a_taxpayer_whose_page_went_silent_is_skipped_and_keeps_their_place() {
    let app = TestEngine::start_at(madrid("2026-11-30 10:00")).await;
    let silent = app.join(&dni(1), "CLAVE").await.expect("joins");
    let present = app.join(&dni(2), "CLAVE").await.expect("joins");
    app.advance_without_polls(ABSENT_AFTER);
    app.poll(present.ticket_id);

    app.make_available("op-0001", &["CLAVE"]).await;
    app.engine.attend(&op("op-0001")).await.expect("attend");

    app.until_console_state("op-0001", ConsoleState::Assigned)
        .await;
    let assignment = app.assignment("op-0001");
    assert_eq!(
        assignment.expect("assigned").ticket_id.to_string(),
        present.ticket_id.to_string(),
        "the silent taxpayer is skipped"
    );
    let ticket = app.ticket_view(silent.ticket_id);
    assert_eq!(ticket.state.name(), "waiting", "skipped, not ended");
    assert!(!ticket.present());
    assert_eq!(
        app.position(silent.ticket_id),
        Some(1),
        "still first in line"
    );
}

#[tokio::test]
async fn a_taxpayer_who_comes_back_within_the_grace_is_served_before_those_who_joined_later() {
    let app = TestEngine::start_at(madrid("2026-11-30 10:00")).await;
    let returning = app.join(&dni(3), "CLAVE").await.expect("joins");
    app.advance_without_polls(ABSENT_AFTER);
    let sweep = app.engine.sweep_presence().await.expect("sweep");
    assert!(
        !app.ticket_view(returning.ticket_id).present(),
        "set aside: {sweep:?}"
    );
    let later = app.join(&dni(4), "CLAVE").await.expect("joins");
    assert_eq!(
        later.position, 1,
        "the absent taxpayer does not count ahead"
    );

    app.advance_without_polls(GRACE - Duration::from_secs(1));
    app.poll(later.ticket_id);
    app.poll(returning.ticket_id);
    app.engine.settle().await.expect("settles");

    assert!(app.ticket_view(returning.ticket_id).present());
    assert_eq!(app.position(returning.ticket_id), Some(1));
    assert_eq!(app.position(later.ticket_id), Some(2));
    app.make_available("op-0001", &["CLAVE"]).await;
    app.engine.attend(&op("op-0001")).await.expect("attend");
    app.until_console_state("op-0001", ConsoleState::Assigned)
        .await;
    let assignment = app.assignment("op-0001");
    assert_eq!(
        assignment.expect("assigned").ticket_id.to_string(),
        returning.ticket_id.to_string(),
        "served in their original join order"
    );
}

#[tokio::test]
async fn an_operator_already_waiting_gets_a_returning_taxpayer_at_once() {
    let app = TestEngine::start_at(madrid("2026-11-30 10:00")).await;
    let returning = app.join(&dni(5), "CLAVE").await.expect("joins");
    app.advance_without_polls(ABSENT_AFTER);
    app.engine.sweep_presence().await.expect("sweep");
    app.make_available("op-0001", &["CLAVE"]).await;
    app.engine.attend(&op("op-0001")).await.expect("attend");
    assert_eq!(app.console_state("op-0001"), ConsoleState::Waiting);

    comes_back_to(&app, "op-0001", returning.ticket_id).await;
}

#[tokio::test]
async fn after_closing_an_operator_still_waits_for_a_service_whose_only_taxpayers_are_absent() {
    // APOYOIRPF closes at 14:00; its one taxpayer went silent just before.
    let app = TestEngine::start_at(madrid("2026-11-30 13:57")).await;
    let returning = app.join(&dni(6), "APOYOIRPF").await.expect("joins");
    app.advance_without_polls(ABSENT_AFTER);
    app.engine.sweep_presence().await.expect("sweep");
    app.advance_without_polls(Duration::from_secs(30)); // 14:00 and a bit
    assert!(!app.ticket_view(returning.ticket_id).present(), "set aside");
    app.make_available("op-0001", &["APOYOIRPF", "CLAVE"]).await;
    app.engine.attend(&op("op-0001")).await.expect("attend");
    assert_eq!(app.console_state("op-0001"), ConsoleState::Waiting);

    // The closed service's queue still drains: the returning taxpayer goes
    // to the operator waiting for it, not to whoever presses next.
    comes_back_to(&app, "op-0001", returning.ticket_id).await;
}

#[tokio::test]
async fn a_taxpayer_silent_past_the_grace_ends_abandoned_with_a_note_for_the_next_operator() {
    let app = TestEngine::start_at(madrid("2026-11-30 10:00")).await;
    let nif = dni(6);
    let gone = app.join(&nif, "CLAVE").await.expect("joins");
    app.advance_without_polls(ABSENT_AFTER);
    app.engine.sweep_presence().await.expect("sweep");
    app.advance_without_polls(GRACE);
    app.engine.sweep_presence().await.expect("sweep");

    app.until_ticket_state(gone.ticket_id, "abandoned").await;
    assert_eq!(app.abandon_reason(gone.ticket_id), Some("absent"));

    // The taxpayer may join again, and whoever attends them reads why the
    // first ticket ended.
    let again = app.join(&nif, "CLAVE").await.expect("joins again");
    app.make_available("op-0002", &["CLAVE"]).await;
    app.engine.attend(&op("op-0002")).await.expect("attend");
    app.until_console_state("op-0002", ConsoleState::Assigned)
        .await;
    let assignment = app.assignment("op-0002");
    let assignment = assignment.expect("assigned");
    assert_eq!(
        assignment.ticket_id.to_string(),
        again.ticket_id.to_string()
    );
    let note = assignment.history.first().expect("an annotation");
    assert_eq!(note.outcome.as_str(), "taxpayer_abandoned");
    assert_eq!(note.operator_id, None, "nobody attended");
    assert_eq!(note.abandon_reason.map(|r| r.as_str()), Some("absent"));
    assert!(
        note.observations.as_str().contains("perdió la conexión"),
        "{}",
        note.observations.as_str()
    );
}

#[tokio::test]
async fn an_assigned_taxpayer_whose_page_goes_silent_turns_the_console_to_abandoned() {
    let app = TestEngine::start_at(madrid("2026-11-30 10:00")).await;
    app.make_available("op-0001", &["CLAVE"]).await;
    app.engine.attend(&op("op-0001")).await.expect("attend");
    let ghost = app.join(&dni(7), "CLAVE").await.expect("joins");
    app.until_console_state("op-0001", ConsoleState::Assigned)
        .await;

    app.advance_without_polls(ABSENT_AFTER);
    app.engine.sweep_presence().await.expect("sweep");

    app.until_console_state("op-0001", ConsoleState::TaxpayerAbandoned)
        .await;
    let assignment = app.assignment("op-0001");
    assert!(assignment.is_some(), "the guide's abandoned screen");
    app.until_ticket_state(ghost.ticket_id, "abandoned").await;
    assert_eq!(app.abandon_reason(ghost.ticket_id), Some("absent"));
    // Finalize is allowed at once, with the preset outcome: no meeting needed.
    app.finalize("op-0001", "taxpayer_abandoned", "", "interrupt")
        .await
        .expect("finalize from the abandoned screen");
}

#[tokio::test]
async fn an_assigned_taxpayer_who_accepted_is_not_ended_for_silence() {
    let app = TestEngine::start_at(madrid("2026-11-30 10:00")).await;
    app.make_available("op-0001", &["CLAVE"]).await;
    app.engine.attend(&op("op-0001")).await.expect("attend");
    let accepted = app.join(&dni(8), "CLAVE").await.expect("joins");
    app.until_ticket_state(accepted.ticket_id, "assigned").await;
    app.engine
        .accept(accepted.ticket_id)
        .await
        .expect("accepts");

    app.advance_without_polls(ABSENT_AFTER + GRACE);
    app.engine.sweep_presence().await.expect("sweep");
    app.engine.settle().await.expect("settles");

    assert_eq!(app.ticket_state(accepted.ticket_id), "accepted");
    assert_eq!(app.console_state("op-0001"), ConsoleState::Assigned);
}

#[tokio::test]
async fn a_closed_tab_is_absent_at_once_and_a_reload_brings_it_back() {
    let app = TestEngine::start_at(madrid("2026-11-30 10:00")).await;
    let reloading = app.join(&dni(9), "CLAVE").await.expect("joins");
    let view = app
        .engine
        .views()
        .ticket(&reloading.ticket_id)
        .expect("a snapshot");

    app.engine.leave(&view);
    app.advance_without_polls(Duration::from_secs(1));
    app.engine.sweep_presence().await.expect("sweep");
    assert!(
        !app.ticket_view(reloading.ticket_id).present(),
        "the beacon counts"
    );

    app.poll(reloading.ticket_id);
    app.engine.settle().await.expect("settles");
    let ticket = app.ticket_view(reloading.ticket_id);
    assert!(ticket.present());
    assert_eq!(
        ticket.state.name(),
        "waiting",
        "a beacon alone never ends a ticket"
    );
}

#[tokio::test]
async fn a_restart_gives_every_waiting_taxpayer_a_fresh_absent_after() {
    let app = TestEngine::start_at(madrid("2026-11-30 10:00")).await;
    let waiting = app.join(&dni(10), "CLAVE").await.expect("joins");
    app.advance_without_polls(ABSENT_AFTER - Duration::from_secs(10));

    let app = app.restart().await;
    app.advance_without_polls(Duration::from_secs(20));
    app.engine.sweep_presence().await.expect("sweep");

    assert!(
        app.ticket_view(waiting.ticket_id).present(),
        "not abandoned for a restart"
    );
    app.make_available("op-0001", &["CLAVE"]).await;
    app.engine.attend(&op("op-0001")).await.expect("attend");
    app.until_console_state("op-0001", ConsoleState::Assigned)
        .await;
    let assignment = app.assignment("op-0001");
    assert_eq!(
        assignment.expect("assigned").ticket_id.to_string(),
        waiting.ticket_id.to_string()
    );
}

#[tokio::test]
async fn what_a_taxpayer_writes_when_abandoning_reaches_the_next_operator_beside_the_operators_note(
) {
    let app = TestEngine::start_at(madrid("2026-11-30 10:00")).await;
    let nif = dni(11);
    app.make_available("op-0001", &["CLAVE"]).await;
    app.engine.attend(&op("op-0001")).await.expect("attend");
    let first = app.join(&nif, "CLAVE").await.expect("joins");
    app.until_ticket_state(first.ticket_id, "assigned").await;
    app.engine
        .abandon(first.ticket_id, "Me ha surgido un imprevisto")
        .await
        .expect("abandons");
    app.until_console_state("op-0001", ConsoleState::TaxpayerAbandoned)
        .await;
    app.finalize(
        "op-0001",
        "taxpayer_abandoned",
        "No llegó a conectarse",
        "interrupt",
    )
    .await
    .expect("finalizes");

    app.join(&nif, "CLAVE").await.expect("joins again");
    app.make_available("op-0002", &["CLAVE"]).await;
    app.engine.attend(&op("op-0002")).await.expect("attend");
    app.until_console_state("op-0002", ConsoleState::Assigned)
        .await;
    let assignment = app.assignment("op-0002");
    let note = assignment
        .expect("assigned")
        .history
        .into_iter()
        .next()
        .expect("an annotation");
    assert_eq!(note.observations.as_str(), "No llegó a conectarse");
    assert_eq!(
        note.taxpayer_observations.as_ref().map(|t| t.as_str()),
        Some("Me ha surgido un imprevisto")
    );
    assert_eq!(note.abandon_reason.map(|r| r.as_str()), Some("taxpayer"));
    assert_eq!(
        note.operator_id.as_ref().map(|id| id.as_str()),
        Some("op-0001")
    );
}

fn directory_join(nif: &str, contrast: &str) -> JoinInput {
    JoinInput {
        nif: nif.to_string(),
        name: "CERTIFICADO DOS TELEMATICA".to_string(),
        contrast: contrast.to_string(),
        service: "CLAVE".to_string(),
    }
}

fn demo_contrast(nif: &str) -> String {
    let directory = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../config/taxpayers.demo.toml"
    ))
    .expect("the demo directory ships");
    directory
        .lines()
        .skip_while(|line| !line.contains(nif))
        .find_map(|line| line.strip_prefix("contrast = \""))
        .and_then(|rest| rest.split('"').next())
        .expect("the taxpayer has a contrast datum")
        .to_string()
}

#[tokio::test]
async fn a_verified_taxpayer_who_joins_again_takes_up_their_ticket_with_a_new_token() {
    let text = include_str!("../../config/default.toml")
        .replace("mode = \"any_valid_nif\"", "mode = \"directory\"");
    let app = TestEngine::start_with(
        settings_from(&text),
        Arc::new(MemoryStore::new()),
        madrid("2026-11-30 10:00"),
    )
    .await;
    let contrast = demo_contrast("89890002E");
    let ahead = app.join(&dni(12), "CLAVE").await;
    assert!(
        ahead.is_err(),
        "only listed taxpayers join in directory mode"
    );
    let first = app
        .engine
        .join(directory_join("89890002E", &contrast))
        .await
        .expect("joins");

    let again = app
        .engine
        .join(directory_join("89890002E", &contrast))
        .await
        .expect("takes the ticket up again");

    assert!(again.resumed);
    assert_eq!(again.ticket_id, first.ticket_id, "the same ticket");
    assert_eq!(again.position, first.position, "the same place");
    assert_ne!(again.token, first.token, "a new token");
    let view = app
        .engine
        .views()
        .ticket(&first.ticket_id)
        .expect("a snapshot");
    assert_eq!(view.token, again.token, "the old token stops working");
    // The new token survives a restart.
    let app = app.restart().await;
    let view = app
        .engine
        .views()
        .ticket(&first.ticket_id)
        .expect("a snapshot");
    assert_eq!(view.token, again.token);
}

#[tokio::test]
async fn an_unverified_taxpayer_who_joins_again_is_still_refused() {
    let app = TestEngine::start_at(madrid("2026-11-30 10:00")).await;
    app.join(&dni(13), "CLAVE").await.expect("joins");

    let again = app.join(&dni(13), "CLAVE").await;

    assert_eq!(again, Err(EngineError::AlreadyWaiting));
}

/// The absent `ticket` polls again and goes to `operator`, who waits for it.
async fn comes_back_to(app: &TestEngine, operator: &str, ticket: engine::ticket::TicketId) {
    app.poll(ticket);
    app.until_console_state(operator, ConsoleState::Assigned)
        .await;
    let assignment = app.assignment(operator);
    assert_eq!(
        assignment.expect("assigned").ticket_id.to_string(),
        ticket.to_string()
    );
}
