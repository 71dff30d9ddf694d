//! Estimated waits through the engine on the manual clock: what the
//! dispatcher publishes (who is on duty, since when each attention runs,
//! how long attentions take) reaches every poll.

use std::time::Duration;

use engine::testsuite::{dni, madrid, op, TestEngine};

const MONDAY_10: &str = "2026-11-30 10:00";

/// `operator` takes a newly joined taxpayer now: busy from this instant.
async fn busy(app: &TestEngine, operator: &str, taxpayer: u32) {
    app.join(&dni(taxpayer), "CLAVE").await.expect("join");
    app.engine.attend(&op(operator)).await.expect("attend");
    app.engine.settle().await.expect("settle");
}

/// Iniciar Videoasistencia, then Finalizar with `next`.
async fn finish(app: &TestEngine, operator: &str, next: &str) {
    app.engine
        .start_meeting(&op(operator))
        .await
        .expect("start");
    app.finalize(operator, "success", "", next)
        .await
        .expect("finalize");
    app.engine.settle().await.expect("settle");
}

#[tokio::test]
async fn the_wait_behind_a_busy_operator_falls_as_their_attention_runs() {
    // Arrange: one operator, just started a 4-minute (configured) attention.
    let app = TestEngine::start_at(madrid(MONDAY_10)).await;
    app.make_available("op-0001", &["CLAVE"]).await;
    busy(&app, "op-0001", 1).await;

    // Act
    let receipt = app.join(&dni(2), "CLAVE").await.expect("join");
    app.advance(Duration::from_secs(100));
    let later = receipt.ticket_id;

    // Assert: told the whole attention at join, 100 s less at the next poll.
    assert_eq!(receipt.position, 1);
    assert_eq!(receipt.estimated_wait, Some(Duration::from_secs(240)));
    assert!(!receipt.estimate_past_closing);
    assert_eq!(app.wait_seconds(later), Some(140));
    assert_eq!(app.estimate_reason(later), None);
}

#[tokio::test]
async fn with_nobody_on_duty_the_taxpayer_is_told_no_number_and_why() {
    let app = TestEngine::start_at(madrid(MONDAY_10)).await;
    app.make_available("op-0001", &["CLAVE"]).await;

    let receipt = app.join(&dni(3), "CLAVE").await.expect("join");
    let ticket = receipt.ticket_id;

    // Available is not on duty: op-0001 has not pressed Atender.
    assert_eq!(receipt.estimated_wait, None);
    assert_eq!(app.wait_seconds(ticket), None);
    assert_eq!(app.estimate_reason(ticket), Some("no_operator"));
    assert!(!app.estimate_past_closing(ticket));
}

#[tokio::test]
async fn an_operator_who_leaves_raises_the_estimate_and_the_view_says_why() {
    // Arrange: op-0001 busy for 200 s, op-0002 just started.
    let app = TestEngine::start_at(madrid(MONDAY_10)).await;
    app.make_available("op-0001", &["CLAVE"]).await;
    app.make_available("op-0002", &["CLAVE"]).await;
    busy(&app, "op-0001", 4).await;
    app.advance(Duration::from_secs(200));
    busy(&app, "op-0002", 5).await;
    let waiting = app.join(&dni(6), "CLAVE").await.expect("join");
    // op-0001 should be free in 40 s.
    assert_eq!(waiting.estimated_wait, Some(Duration::from_secs(40)));
    app.advance(Duration::from_secs(10));
    assert_eq!(app.wait_seconds(waiting.ticket_id), Some(30));

    // Act: op-0001 finishes and presses Finalizar e Interrumpir.
    finish(&app, "op-0001", "interrupt").await;
    let after = waiting.ticket_id;

    // Assert: only op-0002 is left, 10 s into a 4-minute attention.
    assert_eq!(app.wait_seconds(after), Some(230));
    assert_eq!(app.estimate_reason(after), Some("operator_left"));
}

#[tokio::test]
async fn an_operator_who_attends_the_next_taxpayer_keeps_counting_for_the_queue() {
    // Arrange: two operators busy; the one on the second attention finishes
    // with Finalizar y Atender siguiente.
    let app = TestEngine::start_at(madrid(MONDAY_10)).await;
    app.make_available("op-0001", &["CLAVE"]).await;
    app.make_available("op-0002", &["CLAVE"]).await;
    busy(&app, "op-0001", 7).await;
    busy(&app, "op-0002", 8).await;
    let first = app.join(&dni(9), "CLAVE").await.expect("join");
    let second = app.join(&dni(10), "CLAVE").await.expect("join");
    app.advance(Duration::from_secs(30));

    // Act
    finish(&app, "op-0001", "attend").await;

    // Assert: op-0001 took the first in line; the second now waits for
    // op-0002 (210 s left), not for a departed operator.
    assert_eq!(app.ticket_state(first.ticket_id), "assigned");
    let ticket = second.ticket_id;
    assert_eq!(app.position(ticket), Some(1));
    assert_eq!(app.wait_seconds(ticket), Some(210));
    assert_eq!(app.estimate_reason(ticket), None);
}

#[tokio::test]
async fn observed_attention_times_replace_the_configured_one_as_the_day_goes_on() {
    // Arrange: eight attentions of one minute (4 are configured).
    let app = TestEngine::start_at(madrid(MONDAY_10)).await;
    app.make_available("op-0001", &["CLAVE"]).await;
    busy(&app, "op-0001", 11).await;
    for taxpayer in 12..20 {
        app.advance(Duration::from_secs(60));
        finish(&app, "op-0001", "attend").await;
        // Waiting again: the next taxpayer is taken at once.
        let receipt = app.join(&dni(taxpayer), "CLAVE").await.expect("join");
        assert_eq!(receipt.position, 0);
    }

    // Act: the ninth attention has just started; someone joins behind it.
    let waiting = app.join(&dni(20), "CLAVE").await.expect("join");

    // Assert
    assert_eq!(waiting.estimated_wait, Some(Duration::from_secs(60)));
}

#[tokio::test]
async fn an_operator_shared_with_a_longer_queue_counts_for_their_share_of_it() {
    // Arrange: op-0002 serves both services and is 40 s from the end of an
    // APOYOIRPF attention; op-0001 serves CLAVE only and has just started.
    let app = TestEngine::start_at(madrid(MONDAY_10)).await;
    app.make_available("op-0002", &["CLAVE", "APOYOIRPF"]).await;
    app.make_available("op-0001", &["CLAVE"]).await;
    app.join(&dni(40), "APOYOIRPF").await.expect("join");
    app.engine.attend(&op("op-0002")).await.expect("attend");
    app.advance(Duration::from_secs(200));
    busy(&app, "op-0001", 41).await;
    for taxpayer in 42..45 {
        app.join(&dni(taxpayer), "APOYOIRPF").await.expect("join");
    }

    // Act: a CLAVE taxpayer joins behind nobody.
    let clave = app.join(&dni(45), "CLAVE").await.expect("join");

    // Assert: three of op-0002's next four taxpayers are APOYOIRPF's, so
    // the CLAVE taxpayer counts on op-0001 (240 s), not on op-0002's 40 s.
    assert_eq!(clave.position, 1);
    assert_eq!(clave.estimated_wait, Some(Duration::from_secs(240)));
}
