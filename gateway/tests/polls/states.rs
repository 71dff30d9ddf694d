//! The console state the metrics count (`engine::console::console_state`,
//! read at every scrape without rendering) is the one the console poll shows.

use std::time::Duration;

use engine::console::{console_state, ConsoleState};
use engine::testsuite::{dni, madrid, op, TestEngine};
use gateway::render;

const MONDAY_10: &str = "2026-11-30 10:00";

/// The console state the metrics count is the one the poll shows.
fn assert_states_agree(app: &TestEngine) {
    let views = app.engine.views();
    for id in ["op-0001", "op-0002", "op-0003"] {
        let view = views.operator(&op(id)).expect("operator");
        assert_eq!(
            console_state(views, &view, app.engine.now()),
            render::console(views, &view, app.engine.now()).state,
            "{id}"
        );
    }
}

/// The scenario of `engine/tests/metrics.rs`
/// `the_oldest_wait_follows_the_head_of_the_queue`, checked at the same steps.
#[tokio::test]
async fn the_states_the_metrics_count_match_the_consoles_as_the_queue_moves() {
    let app = TestEngine::start_at(madrid(MONDAY_10)).await;
    app.make_available("op-0002", &["APOYOIRPF"]).await;
    assert_states_agree(&app);

    let first = app.join(&dni(11), "APOYOIRPF").await.expect("join");
    app.advance(Duration::from_secs(60));
    let second = app.join(&dni(12), "APOYOIRPF").await.expect("join");
    app.engine
        .abandon(first.ticket_id, "")
        .await
        .expect("abandon");

    // The second is assigned: nobody waits.
    app.engine.attend(&op("op-0002")).await.expect("attend");
    app.until_console_state("op-0002", ConsoleState::Assigned)
        .await;
    assert_eq!(
        app.assignment("op-0002")
            .expect("assignment")
            .ticket_id
            .to_string(),
        second.ticket_id.to_string()
    );
    assert_states_agree(&app);

    // A third waits across a restart.
    app.advance(Duration::from_secs(60));
    app.join(&dni(13), "APOYOIRPF").await.expect("join");
    let recovered = app.restart().await;
    assert_states_agree(&recovered);
}
