//! Running for months: ended tickets are forgotten after `[retention]
//! ended_tickets` (24 h by default) in memory and in Redis, never a live one,
//! and a restart between an end and its prune forgets it all the same.
//! The event log and histories are trimmed by the store contract's checks;
//! on Redis, one pass sweeps histories in bounded rounds.

mod redis_support;

use std::time::Duration;

use engine::domain::{Annotation, Nif, Observations, Outcome, ServiceCode};
use engine::store::redis::HISTORY_KEYS_PER_PASS;
use engine::store::{
    AbandonReason, Change, MemoryStore, RedisStore, Store, TicketRecord, TicketState, TrimCutoffs,
    TrimReport,
};
use engine::testsuite::{dni, madrid, op, TestEngine};
use engine::ticket::{TicketId, TicketToken};
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
    app.until_ticket_state(ended, "abandoned").await;
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
    assert_eq!(app.ticket_state(live), "waiting");
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
    app.until_ticket_state(live, "assigned").await;
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
        app.ticket_state(ended),
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
    app.until_ticket_state(ticket, "assigned").await;
    app.engine
        .start_meeting(&op("op-0001"))
        .await
        .expect("start");
    app.finalize("op-0001", "success", "Resuelto", "interrupt")
        .await
        .expect("finalize");
    app.until_ticket_state(ticket, "finished").await;

    app.advance(DAY + Duration::from_secs(1));
    app.engine.prune_now().await.expect("prune");

    assert!(app.engine.views().ticket(&ticket).is_none());
    let history = app.history(&nif).await;
    assert_eq!(history.len(), 1, "the history is kept for years, not a day");
}

/// Retention passes with the history cutoff at 2026-12-01 10:00 (after the
/// annotations the tests arrange), at most 10, until one says the sweep is
/// complete: the first pass's report, the last one's, what they all
/// dropped, and how many passes there were.
async fn sweep_old_histories(store: &dyn Store) -> (TrimReport, TrimReport, u64, usize) {
    let cutoffs = TrimCutoffs {
        events: jiff::Timestamp::MIN,
        history: madrid("2026-12-01 10:00"),
    };
    let first = store.trim(&cutoffs).await.expect("trim");
    let mut dropped = first.annotations;
    let mut passes = 1;
    let mut last = first;
    while !last.history_complete && passes < 10 {
        last = store.trim(&cutoffs).await.expect("trim");
        dropped += last.annotations;
        passes += 1;
    }
    (first, last, dropped, passes)
}

/// `count` taxpayers, each left with one annotation at `at` (a ticket
/// abandoned from the queue while its page was silent), committed through
/// the store as the engine would, many at a time.
async fn taxpayers_with_one_annotation(store: &dyn Store, count: usize, at: jiff::Timestamp) {
    let service = ServiceCode::parse("CLAVE").expect("valid");
    let changes = |n: usize| {
        let ticket = TicketRecord {
            id: TicketId::from_u64(n as u64 + 1),
            token: TicketToken::random(),
            nif: Nif::parse(&dni(n as u32 + 1_000)).expect("valid"),
            name: format!("CONTRIBUYENTE {n}"),
            service: service.clone(),
            seq: n as u64,
            joined_at: at,
            state: TicketState::Waiting,
        };
        let annotation = Annotation {
            at,
            operator_id: None,
            service: service.clone(),
            outcome: Outcome::TaxpayerAbandoned,
            observations: Observations::default(),
            represented_nif: None,
            taxpayer_observations: None,
            abandon_reason: Some(AbandonReason::Absent),
        };
        let abandoned = Change::TicketAbandoned {
            ticket: ticket.id,
            operator: None,
            observations: Observations::default(),
            at,
            reason: AbandonReason::Absent,
            annotation: Some(annotation),
        };
        (Change::TicketJoined { ticket }, abandoned)
    };
    let numbers: Vec<usize> = (0..count).collect();
    for chunk in numbers.chunks(256) {
        let joins = chunk.iter().map(|n| {
            let (joined, abandoned) = changes(*n);
            async move {
                store.apply(&joined).await.expect("joined");
                store.apply(&abandoned).await.expect("abandoned");
            }
        });
        futures_util::future::join_all(joins).await;
    }
}

#[tokio::test]
async fn on_redis_one_pass_sweeps_thousands_of_histories_and_leaves_the_rest_to_the_next() {
    // Arrange: 8,000 taxpayers with an old annotation: more than one pass
    // looks at. One round of 200 keys a pass, as before, would take
    // 17 days to sweep four years of 20,000 new taxpayers a day.
    let server = RedisServer::start();
    let (store, _lease) = active_store(&server, "engine").await;
    let old = madrid("2026-11-30 10:00");
    let count = 8_000;
    taxpayers_with_one_annotation(&store, count, old).await;

    // Act: passes until the sweep ends.
    let (first, last, dropped, passes) = sweep_old_histories(&store).await;

    // Assert: the first pass went through many rounds but not everything;
    // a few passes later every old annotation is gone, and no key is left.
    assert!(!first.history_complete, "one pass is bounded");
    assert!(
        first.annotations >= 2_000,
        "one pass looks at thousands of keys, not one round's 200: {}",
        first.annotations
    );
    // SCAN's COUNT is a hint: a round may bring a few more keys.
    assert!(
        first.annotations as usize <= HISTORY_KEYS_PER_PASS * 5 / 4,
        "at most about {HISTORY_KEYS_PER_PASS} keys a pass: {}",
        first.annotations
    );
    assert!(
        last.history_complete,
        "the sweep ended within {passes} passes"
    );
    assert!(passes <= 4, "{passes} passes for {count} keys");
    assert_eq!(dropped as usize, count);
    for n in [0, count / 2, count - 1] {
        let nif = Nif::parse(&dni(n as u32 + 1_000)).expect("valid");
        assert!(store.history(&nif).await.expect("history").is_empty());
    }
    assert_eq!(
        server
            .send("EVAL \"return #redis.call('KEYS', '*history:*')\" 0")
            .as_deref(),
        Some(":0"),
        "a taxpayer with no annotation left has no key"
    );
}

#[tokio::test]
async fn in_memory_one_pass_drops_a_bounded_number_and_the_next_passes_finish() {
    // Arrange: 12,000 taxpayers with an old annotation. A pass holds the
    // memory store's lock, so it must not drop them all at once.
    let store = MemoryStore::new();
    let count = 12_000;
    taxpayers_with_one_annotation(&store, count, madrid("2026-11-30 10:00")).await;

    // Act: passes until the sweep says it is complete.
    let (first, last, dropped, passes) = sweep_old_histories(&store).await;

    // Assert: bounded first pass, everything old gone in three.
    assert!(!first.history_complete, "one pass is bounded");
    assert_eq!(first.annotations, 5_000);
    assert!(last.history_complete);
    assert_eq!(passes, 3);
    assert_eq!(dropped as usize, count);
    for n in [0, count / 2, count - 1] {
        let nif = Nif::parse(&dni(n as u32 + 1_000)).expect("valid");
        assert!(store.history(&nif).await.expect("history").is_empty());
    }
}
