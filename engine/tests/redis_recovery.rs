//! The engine on Redis: a restarted engine carries on from what Redis holds,
//! a Redis outage refuses writes without changing what anyone sees, and a
//! Redis restarted from its append-only file has everything acknowledged.

mod redis_support;

use std::time::{Duration, Instant};

use engine::console::ConsoleState;
use engine::store::redis::RedisLease;
use engine::store::{RedisStore, Store, TicketState};
use engine::testsuite::{dni, op};
use engine::EngineError;
use redis_support::{active_store, engine_on, restart_on, test_options, RedisServer};

#[tokio::test]
async fn after_a_restart_on_redis_queues_operators_and_the_attention_in_progress_carry_on() {
    let server = RedisServer::start();
    let (store, lease) = active_store(&server, "engine-before-restart").await;
    let app = engine_on(store).await;
    app.make_available("op-0001", &["CLAVE"]).await;
    app.make_available("op-0002", &["APOYOIRPF"]).await;
    let in_meeting = app.join(&dni(10), "CLAVE").await.expect("join");
    let second = app.join(&dni(11), "CLAVE").await.expect("join");
    let third = app.join(&dni(12), "CLAVE").await.expect("join");
    app.engine.attend(&op("op-0001")).await.expect("attend");
    let started = app
        .engine
        .start_meeting(&op("op-0001"))
        .await
        .expect("start");
    app.engine.settle().await.expect("settle");
    app.engine
        .accept(in_meeting.ticket_id)
        .await
        .expect("accept");
    app.engine
        .attend(&op("op-0002"))
        .await
        .expect("op-0002 waits");
    let before = app.assignment("op-0001");

    let (app, _lease) = restart_on(app, lease, &server).await;

    assert_eq!(app.console_state("op-0001"), ConsoleState::InMeeting);
    assert_eq!(app.attended_today("op-0001"), 1);
    let meeting = app.meeting("op-0001").expect("meeting");
    assert_eq!(meeting.record.start_url, started.start_url);
    assert_eq!(
        app.assignment("op-0001").map(|a| a.ticket_id),
        before.map(|a| a.ticket_id)
    );
    assert_eq!(app.console_state("op-0002"), ConsoleState::Waiting);
    assert_eq!(app.position(second.ticket_id), Some(1));
    assert_eq!(app.position(third.ticket_id), Some(2));
    let ticket_view = app
        .engine
        .views()
        .ticket(&in_meeting.ticket_id)
        .expect("view");
    assert!(
        ticket_view.token.matches(&in_meeting.token.to_hex()),
        "the taxpayer's token still opens it"
    );
    assert_eq!(app.ticket_state(in_meeting.ticket_id), "accepted");
    assert!(app.ticket_view(in_meeting.ticket_id).join_url.is_some());

    // The attention finishes as if nothing happened, and the queue moves.
    app.finalize("op-0001", "success", "tras reinicio", "attend")
        .await
        .expect("finalize");
    app.engine.settle().await.expect("settle");
    assert_eq!(
        app.assignment("op-0001")
            .expect("next")
            .ticket_id
            .to_string(),
        second.ticket_id.to_string()
    );
    assert_eq!(
        app.join(&dni(12), "CLAVE").await,
        Err(EngineError::AlreadyWaiting)
    );
}

#[tokio::test]
async fn while_redis_is_down_writes_are_refused_reads_answer_and_service_resumes_by_itself() {
    let mut server = RedisServer::start();
    let (store, _lease) = active_store(&server, "engine").await;
    let app = engine_on(store).await;
    app.make_available("op-0001", &["CLAVE"]).await;
    let waiting = app.join(&dni(40), "CLAVE").await.expect("join");
    let console_before = app.console_facts("op-0001");
    let ticket_before = app.ticket_facts(waiting.ticket_id);

    server.kill();
    let outage = Instant::now();
    let join = app.join(&dni(41), "CLAVE").await;
    let attend = app.engine.attend(&op("op-0001")).await;
    let refused_within = outage.elapsed();

    assert!(
        matches!(join, Err(EngineError::StoreUnavailable { .. })),
        "{join:?}"
    );
    assert!(
        matches!(attend, Err(EngineError::StoreUnavailable { .. })),
        "{attend:?}"
    );
    assert!(
        refused_within < Duration::from_secs(3),
        "refused after {refused_within:?}"
    );
    // Polls keep answering from the snapshots, which show nothing that failed.
    assert_eq!(app.console_facts("op-0001"), console_before);
    assert_eq!(app.ticket_facts(waiting.ticket_id), ticket_before);
    assert_eq!(
        app.engine
            .views()
            .ticket(&waiting.ticket_id)
            .map(|v| v.state.name()),
        Some("waiting")
    );

    server.restart();
    app.engine
        .attend(&op("op-0001"))
        .await
        .expect("the store reconnects by itself");
    let late = app.join(&dni(41), "CLAVE").await.expect("joins work again");

    assert_eq!(app.console_state("op-0001"), ConsoleState::Assigned);
    assert_eq!(
        app.assignment("op-0001").map(|a| a.ticket_id.to_string()),
        Some(waiting.ticket_id.to_string())
    );
    // Nothing lost, nothing half-applied: a fresh store reads it all back.
    let reader = RedisStore::connect(&server.url(), test_options())
        .await
        .expect("connect");
    let state = reader.load().await.expect("load");
    assert_eq!(state.tickets.len(), 2, "the refused join left nothing");
    assert!(matches!(&state.tickets[&waiting.ticket_id].state,
        TicketState::Assigned { operator, .. } if *operator == op("op-0001")));
    assert_eq!(state.tickets[&late.ticket_id].state, TicketState::Waiting);
    assert_eq!(reader.events(0, 100).await.expect("events").len(), 4);
}

/// op-0001 attends taxpayer `number` from join to Finalizar e Interrumpir,
/// which leaves one annotation in their history.
async fn attend_once(
    app: &engine::testsuite::TestEngine,
    number: u32,
) -> engine::actors::dispatcher::JoinReceipt {
    app.make_available("op-0001", &["CLAVE"]).await;
    let joined = app.join(&dni(number), "CLAVE").await.expect("join");
    app.engine.attend(&op("op-0001")).await.expect("attend");
    app.engine
        .start_meeting(&op("op-0001"))
        .await
        .expect("start");
    app.finalize("op-0001", "technical_error", "se cortó", "interrupt")
        .await
        .expect("finalize");
    joined
}

#[tokio::test]
async fn redis_restarted_from_its_append_only_file_has_everything_acknowledged() {
    let mut server = RedisServer::start();
    let (store, crashed_lease) = active_store(&server, "engine-that-crashes").await;
    let app = engine_on(store.clone()).await;
    let attended = attend_once(&app, 50).await;
    let mut receipts = Vec::new();
    for number in [51, 52, 53] {
        receipts.push(app.join(&dni(number), "CLAVE").await.expect("join"));
    }
    app.engine.settle().await.expect("settle");
    let state_before = store.load().await.expect("load");
    let events_before = store.events(0, 1000).await.expect("events");
    let nif = engine::domain::Nif::parse(&dni(50)).expect("valid");
    let history_before = store.history(&nif).await.expect("history");
    assert_eq!(history_before.len(), 1);

    // Everything dies at once: the engine (no clean release) and Redis (kill -9).
    drop(crashed_lease);
    drop(app);
    drop(store);
    server.kill();
    server.restart();

    // A new engine takes the lease once the dead one's lapses, and finds all.
    let store = RedisStore::connect(&server.url(), test_options())
        .await
        .expect("connect");
    let mut lease = tokio::time::timeout(
        Duration::from_secs(3),
        RedisLease::acquire_when_free(
            &store,
            "engine-after-crash",
            Duration::from_secs(1),
            Duration::from_millis(50),
        ),
    )
    .await
    .expect("the dead engine's lease lapses")
    .expect("acquire");
    lease.keep_renewed();
    assert_eq!(store.load().await.expect("load"), state_before);
    assert_eq!(store.events(0, 1000).await.expect("events"), events_before);
    assert_eq!(store.history(&nif).await.expect("history"), history_before);
    let app = engine_on(store).await;
    let positions: Vec<Option<u32>> = receipts.iter().map(|r| app.position(r.ticket_id)).collect();
    assert_eq!(positions, vec![Some(1), Some(2), Some(3)]);
    assert_eq!(app.ticket_state(attended.ticket_id), "finished");
    assert_eq!(
        app.attended_today("op-0001"),
        0,
        "never accepted, so not attended"
    );

    // And it carries on writing.
    app.engine.attend(&op("op-0001")).await.expect("attend");
    assert_eq!(
        app.assignment("op-0001").map(|a| a.ticket_id.to_string()),
        Some(receipts[0].ticket_id.to_string())
    );
}

#[tokio::test]
async fn on_redis_an_absence_abandonment_and_its_note_survive_a_restart() {
    let server = RedisServer::start();
    let (store, lease) = active_store(&server, "engine").await;
    let app = engine_on(store).await;
    let nif = dni(50);
    let silent = app.join(&nif, "CLAVE").await.expect("join");
    app.advance_without_polls(Duration::from_secs(150));
    app.engine.sweep_presence().await.expect("sweep");
    app.advance_without_polls(Duration::from_secs(600));
    app.engine.sweep_presence().await.expect("sweep");
    app.until_ticket_state(silent.ticket_id, "abandoned").await;

    let (app, _lease) = restart_on(app, lease, &server).await;

    let ticket = app.ticket_view(silent.ticket_id);
    assert_eq!(ticket.state.name(), "abandoned");
    assert_eq!(app.abandon_reason(silent.ticket_id), Some("absent"));
    let history = app.history(&nif).await;
    assert_eq!(history.len(), 1, "the note for the next operator");
    assert_eq!(history[0].operator_id, None);
    let again = app.join(&nif, "CLAVE").await;
    assert!(again.is_ok(), "the taxpayer may join again: {again:?}");
}

#[tokio::test]
async fn history_reads_go_on_through_a_redis_restart() {
    let mut server = RedisServer::start();
    let (store, _lease) = active_store(&server, "engine-reading").await;
    let app = engine_on(store.clone()).await;
    attend_once(&app, 60).await;
    let nif = engine::domain::Nif::parse(&dni(60)).expect("valid");
    let before = store.history(&nif).await.expect("history");
    assert_eq!(before.len(), 1);

    // The connection the reads share dies with the server.
    server.restart();

    assert_eq!(
        store
            .history(&nif)
            .await
            .expect("read again on a new connection"),
        before
    );
    assert_eq!(store.history(&nif).await.expect("and again"), before);
}
