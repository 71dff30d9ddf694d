//! What the metrics say, on a manual clock: each `record_…` measures what
//! its event means (waits, estimate errors, attention times, abandons), and
//! the scrape-time gauges agree with the consoles (that the state they
//! count is the one the console poll shows: `gateway/tests/polls/states.rs`).
//!
//! The recorder is global to this test binary: the test that reads counters
//! uses CLAVE, the other one APOYOIRPF, so they never count each other.

use std::sync::OnceLock;
use std::time::Duration;

use engine::console::ConsoleState;
use engine::metrics;
use engine::testsuite::{dni, madrid, op, TestEngine};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

const MONDAY_10: &str = "2026-11-30 10:00";

fn recorder() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let mut builder = PrometheusBuilder::new();
        for (name, buckets) in metrics::HISTOGRAM_BUCKETS {
            builder = builder
                .set_buckets_for_metric(Matcher::Full(name.to_string()), buckets)
                .expect("buckets");
        }
        let handle = builder
            .install_recorder()
            .expect("the only recorder of this test binary");
        metrics::describe();
        handle
    })
}

/// The value of the sample named exactly `series` (name and labels as rendered).
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("{series} not rendered:\n{text}"))
        .parse()
        .expect("a number")
}

/// Renders after setting the scrape-time gauges, as `/metrics` does.
fn scrape(app: &TestEngine) -> String {
    metrics::observe(&app.engine);
    recorder().render()
}

#[tokio::test]
async fn each_event_records_what_it_means_once_the_store_has_committed_it() {
    // Arrange
    recorder();
    let app = TestEngine::start_at(madrid(MONDAY_10)).await;
    metrics::initialize(&app.engine.catalog());
    app.make_available("op-0001", &["CLAVE"]).await;
    // An operator of both services is busy with an APOYOIRPF taxpayer, just
    // assigned: the CLAVE estimates count on them (4 minutes configured).
    app.make_available("op-0002", &["CLAVE", "APOYOIRPF"]).await;
    app.join(&dni(9), "APOYOIRPF").await.expect("join");
    app.engine.attend(&op("op-0002")).await.expect("attend");

    // Act: two taxpayers queue (told 240 s, and 140 + 240 s 100 s later);
    // the second leaves after 150 s; the first is attended after 150 s in a
    // 5-minute meeting.
    let first = app.join(&dni(1), "CLAVE").await.expect("join");
    app.advance(Duration::from_secs(100));
    let second = app.join(&dni(2), "CLAVE").await.expect("join");
    app.advance(Duration::from_secs(50));
    let queued = scrape(&app);
    app.engine
        .abandon(second.ticket_id, "")
        .await
        .expect("abandon");
    app.engine.attend(&op("op-0001")).await.expect("attend");
    app.engine.accept(first.ticket_id).await.expect("accept");
    app.engine
        .start_meeting(&op("op-0001"))
        .await
        .expect("start");
    app.advance(Duration::from_secs(300));
    let in_meeting = scrape(&app);
    app.finalize("op-0001", "success", "", "interrupt")
        .await
        .expect("finalize");
    app.engine.settle().await.expect("settle");
    let done = scrape(&app);

    // Assert: while both waited, the oldest had waited 150 s.
    assert_eq!(first.estimated_wait, Some(Duration::from_secs(240)));
    assert_eq!(second.estimated_wait, Some(Duration::from_secs(380)));
    let clave = r#"{service="CLAVE"}"#;
    assert_eq!(
        sample(&queued, &format!("ventanilla_tickets_waiting{clave}")),
        2.0
    );
    assert_eq!(
        sample(
            &queued,
            &format!("ventanilla_oldest_waiting_ticket_age_seconds{clave}")
        ),
        150.0
    );
    // The match: 150 s of wait, told 240 s, within the 300 s target.
    assert_eq!(
        sample(&done, &format!("ventanilla_tickets_joined_total{clave}")),
        2.0
    );
    assert_eq!(
        sample(&done, &format!("ventanilla_tickets_assigned_total{clave}")),
        1.0
    );
    assert_eq!(
        sample(
            &done,
            &format!("ventanilla_tickets_assigned_within_target_total{clave}")
        ),
        1.0
    );
    assert_eq!(
        sample(&done, &format!("ventanilla_ticket_wait_seconds_sum{clave}")),
        150.0
    );
    assert_eq!(
        sample(
            &done,
            &format!("ventanilla_estimated_wait_error_seconds_sum{clave}")
        ),
        90.0
    );
    assert_eq!(
        sample(
            &done,
            r#"ventanilla_tickets_abandoned_total{service="CLAVE",state="waiting",reason="taxpayer"}"#
        ),
        1.0
    );
    assert_eq!(
        sample(&done, &format!("ventanilla_tickets_accepted_total{clave}")),
        1.0
    );
    // Five minutes in the meeting: the console's warning, then the outcome.
    assert_eq!(
        sample(
            &in_meeting,
            &format!("ventanilla_operators_attention_time_exceeded{clave}")
        ),
        1.0
    );
    assert_eq!(
        sample(&in_meeting, r#"ventanilla_operators{state="in_meeting"}"#),
        1.0
    );
    assert_eq!(
        sample(
            &done,
            r#"ventanilla_attentions_finalized_total{service="CLAVE",outcome="success"}"#
        ),
        1.0
    );
    assert_eq!(
        sample(
            &done,
            &format!("ventanilla_attention_duration_seconds_sum{clave}")
        ),
        300.0
    );
    assert_eq!(
        sample(
            &done,
            &format!("ventanilla_attentions_over_time_total{clave}")
        ),
        1.0
    );
    assert_eq!(
        sample(
            &done,
            &format!("ventanilla_oldest_waiting_ticket_age_seconds{clave}")
        ),
        0.0
    );
    assert_eq!(sample(&done, r#"ventanilla_operators{state="idle"}"#), 1.0);
    assert_eq!(
        sample(&done, r#"ventanilla_operators{state="assigned"}"#),
        1.0
    );
    assert_eq!(
        sample(&done, r#"ventanilla_operators{state="unavailable"}"#),
        1.0
    );
    assert_eq!(sample(&done, "ventanilla_taxpayers_attended_today"), 1.0);
    assert_eq!(
        sample(&done, r#"ventanilla_actors_alive{kind="operator"}"#),
        3.0
    );
    // The APOYOIRPF taxpayer is still with op-0002.
    assert_eq!(
        sample(&done, r#"ventanilla_actors_alive{kind="ticket"}"#),
        1.0
    );
    assert!(
        sample(
            &done,
            r#"ventanilla_store_operation_duration_seconds_count{operation="apply"}"#
        ) >= 7.0
    );
    assert_eq!(
        sample(
            &done,
            r#"ventanilla_meeting_provider_calls_total{operation="create",status="ok"}"#
        ),
        1.0
    );
}

/// When the oldest ticket still waiting for `service` joined.
fn oldest_joined(app: &TestEngine, service: &str) -> Option<jiff::Timestamp> {
    let code = app
        .engine
        .catalog()
        .service_by_text(service)
        .expect("service")
        .code
        .clone();
    app.engine
        .views()
        .figures(&code)
        .expect("figures")
        .oldest_joined()
}

#[tokio::test]
async fn the_oldest_wait_follows_the_head_of_the_queue() {
    // Arrange: APOYOIRPF only (see the module comment).
    let app = TestEngine::start_at(madrid(MONDAY_10)).await;
    app.make_available("op-0002", &["APOYOIRPF"]).await;
    assert_eq!(oldest_joined(&app, "APOYOIRPF"), None);

    // Two join a minute apart: the first is the oldest.
    let first = app.join(&dni(11), "APOYOIRPF").await.expect("join");
    let first_joined = app.engine.now();
    app.advance(Duration::from_secs(60));
    let second = app.join(&dni(12), "APOYOIRPF").await.expect("join");
    let second_joined = app.engine.now();
    assert_eq!(oldest_joined(&app, "APOYOIRPF"), Some(first_joined));

    // The first leaves: the second is the oldest.
    app.engine
        .abandon(first.ticket_id, "")
        .await
        .expect("abandon");
    assert_eq!(oldest_joined(&app, "APOYOIRPF"), Some(second_joined));

    // The second is assigned: nobody waits.
    app.engine.attend(&op("op-0002")).await.expect("attend");
    app.until_console_state("op-0002", ConsoleState::Assigned)
        .await;
    let assignment = app.assignment("op-0002");
    assert_eq!(
        assignment.expect("assignment").ticket_id.to_string(),
        second.ticket_id.to_string()
    );
    assert_eq!(oldest_joined(&app, "APOYOIRPF"), None);

    // A third waits across a restart: recovery publishes its join time.
    app.advance(Duration::from_secs(60));
    app.join(&dni(13), "APOYOIRPF").await.expect("join");
    let third_joined = app.engine.now();
    let recovered = app.restart().await;
    assert_eq!(oldest_joined(&recovered, "APOYOIRPF"), Some(third_joined));
}
