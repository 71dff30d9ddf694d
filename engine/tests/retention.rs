//! Running for months: ended tickets are forgotten after `[retention]
//! ended_tickets` (24 h by default) in memory and in Redis, never a live one,
//! and a restart between an end and its prune forgets it all the same.
//! The event log and histories are trimmed by the store contract's checks.

mod redis_support;

use std::time::Duration;

use engine::store::{RedisStore, Store};
use engine::testsuite::{dni, madrid, op, TestEngine};
use engine::EngineError;
use redis_support::{active_store, engine_on, restart_on, test_options, RedisServer};

const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// A ticket abandoned from the queue and one still waiting.
async fn one_ended_one_live(
    app: &TestEngine,
) -> (engine::ticket::TicketId, engine::ticket::TicketId) {
    let ended = app.join(&dni(70), "CLAVE").await.expect("joins").ticket_id;
    let live = app.join(&dni(71), "CLAVE").await.expect("joins").ticket_id;
    app.engine.abandon(ended, "").await.expect("abandons");
    app.until_ticket(ended, "abandoned").await;
    (ended, live)
}

async fn forgets_only_the_ended_ticket(
    app: &TestEngine,
    ended: engine::ticket::TicketId,
    live: engine::ticket::TicketId,
) {
    // Just before its retention runs out, it is still shown.
    app.advance(DAY - Duration::from_secs(1));
    let early = app.engine.prune_now().await.expect("prune");
    assert_eq!(early.tickets, 0);
    assert!(app.engine.views().ticket(&ended).is_some());

    app.advance(Duration::from_secs(2));
    let report = app.engine.prune_now().await.expect("prune");

    assert_eq!(report.tickets, 1);
    assert!(
        app.engine.views().ticket(&ended).is_none(),
        "its page answers 404"
    );
    assert_eq!(
        app.engine.accept(ended).await,
        Err(EngineError::UnknownTicket)
    );
    let state = app.store.load().await.expect("load");
    assert!(!state.tickets.contains_key(&ended), "gone from the store");
    assert!(state.tickets.contains_key(&live), "a live ticket stays");
    assert_eq!(app.ticket(live).state, "waiting");
}

#[tokio::test]
async fn in_memory_an_ended_ticket_is_forgotten_after_a_day_and_a_waiting_one_never() {
    let app = TestEngine::start_at(madrid("2026-11-30 10:00")).await;
    let (ended, live) = one_ended_one_live(&app).await;

    forgets_only_the_ended_ticket(&app, ended, live).await;

    let app = app.restart().await;
    assert!(
        app.engine.views().ticket(&ended).is_none(),
        "not brought back"
    );
    app.make_available("op-0001", &["CLAVE"]).await;
    app.engine.attend(&op("op-0001")).await.expect("attend");
    app.until_ticket(live, "assigned").await;
}

#[tokio::test]
async fn on_redis_an_ended_ticket_is_forgotten_even_across_a_restart_before_its_prune() {
    let server = RedisServer::start();
    let (store, lease) = active_store(&server, "engine").await;
    let app = engine_on(store).await;
    let (ended, live) = one_ended_one_live(&app).await;

    // A restart between the end and the prune: the retention index is
    // rebuilt from what recovery reads.
    let (app, _lease) = restart_on(app, lease, &server).await;
    assert_eq!(
        app.ticket(ended).state,
        "abandoned",
        "recovered, still shown"
    );

    forgets_only_the_ended_ticket(&app, ended, live).await;

    let reader = RedisStore::connect(&server.url(), test_options())
        .await
        .expect("connect");
    let state = reader.load().await.expect("load");
    assert_eq!(state.tickets.len(), 1, "only the live ticket is in Redis");
}

#[tokio::test]
async fn an_attention_finalized_long_ago_leaves_its_annotation_but_not_its_ticket() {
    let app = TestEngine::start_at(madrid("2026-11-30 10:00")).await;
    app.make_available("op-0001", &["CLAVE"]).await;
    app.engine.attend(&op("op-0001")).await.expect("attend");
    let nif = dni(72);
    let ticket = app.join(&nif, "CLAVE").await.expect("joins").ticket_id;
    app.until_ticket(ticket, "assigned").await;
    app.engine
        .start_meeting(&op("op-0001"))
        .await
        .expect("start");
    app.finalize("op-0001", "success", "Resuelto", "interrupt")
        .await
        .expect("finalize");
    app.until_ticket(ticket, "finished").await;

    app.advance(DAY + Duration::from_secs(1));
    app.engine.prune_now().await.expect("prune");

    assert!(app.engine.views().ticket(&ticket).is_none());
    let history = app.history(&nif).await;
    assert_eq!(history.len(), 1, "the history is kept for years, not a day");
}
