//! The match carries the ticket's data: the console shows what the queue
//! entry held, and an attention whose ticket the store does not have is an
//! error that names both (no made-up NIF on a console).

use std::sync::Arc;

use async_trait::async_trait;
use engine::console::ConsoleState;
use engine::domain::{Annotation, Nif};
use engine::store::{
    Change, LoggedChange, MemoryStore, Store, StoreError, StoredState, TrimCutoffs, TrimReport,
};
use engine::testsuite::{default_settings, dni, madrid, op, ScriptedMeetings, TestEngine};
use engine::{EngineError, EngineParts};

/// A memory store whose `load` answers a given state: a store that lost a
/// record (as a damaged Redis could), which the fold itself never produces.
struct LostRecord {
    state: StoredState,
    inner: MemoryStore,
}

#[async_trait]
impl Store for LostRecord {
    async fn load(&self) -> Result<StoredState, StoreError> {
        Ok(self.state.clone())
    }
    async fn apply(&self, change: &Change) -> Result<(), StoreError> {
        self.inner.apply(change).await
    }
    async fn history(&self, nif: &Nif) -> Result<Vec<Annotation>, StoreError> {
        self.inner.history(nif).await
    }
    async fn events(&self, from: u64, limit: usize) -> Result<Vec<LoggedChange>, StoreError> {
        self.inner.events(from, limit).await
    }
    async fn trim(&self, cutoffs: &TrimCutoffs) -> Result<TrimReport, StoreError> {
        self.inner.trim(cutoffs).await
    }
}

#[tokio::test]
async fn the_console_shows_the_taxpayer_the_match_carried_whichever_way_it_was_made() {
    let app = TestEngine::start_at(madrid("2026-11-30 10:00")).await;
    app.make_available("op-0001", &["CLAVE"]).await;
    app.make_available("op-0002", &["CLAVE"]).await;
    // op-0001 waits first and is matched by the join; op-0002 presses
    // Atender with a taxpayer already waiting.
    app.engine.attend(&op("op-0001")).await.expect("attend");
    let first = app.join(&dni(21), "CLAVE").await.expect("join");
    let second = app.join(&dni(22), "CLAVE").await.expect("join");
    app.engine.attend(&op("op-0002")).await.expect("attend");

    for (operator, receipt, number) in [("op-0001", &first, 21), ("op-0002", &second, 22)] {
        app.until_console_state(operator, ConsoleState::Assigned)
            .await;
        let assignment = app.assignment(operator).expect("assignment");
        let ticket = app.ticket_view(receipt.ticket_id);
        assert_eq!(
            assignment.ticket_id.to_string(),
            receipt.ticket_id.to_string()
        );
        assert_eq!(assignment.nif.as_str(), dni(number));
        assert_eq!(assignment.name, format!("CONTRIBUYENTE {}", dni(number)));
        assert_eq!(assignment.service.as_str(), "CLAVE");
        assert_eq!(assignment.joined_at, ticket.joined_at);
        assert_ne!(assignment.nif.as_str(), "00000000T");
    }
}

#[tokio::test]
async fn an_attention_whose_ticket_the_store_lost_is_refused_at_start_naming_both() {
    let app = TestEngine::start_at(madrid("2026-11-30 10:00")).await;
    app.make_available("op-0001", &["CLAVE"]).await;
    app.engine.attend(&op("op-0001")).await.expect("attend");
    let receipt = app.join(&dni(23), "CLAVE").await.expect("join");
    app.until_console_state("op-0001", ConsoleState::Assigned)
        .await;
    let mut state = app.store.load().await.expect("state");
    assert!(state.tickets.remove(&receipt.ticket_id).is_some());

    let started = engine::Engine::start(EngineParts {
        settings: default_settings(),
        store: Arc::new(LostRecord {
            state,
            inner: MemoryStore::new(),
        }),
        meetings: Arc::new(ScriptedMeetings::default()),
        clock: app.clock.clone(),
    })
    .await;

    let Err(EngineError::StoreUnavailable { reason }) = started else {
        panic!("started on a store that lost a held ticket");
    };
    assert_eq!(
        reason,
        format!(
            "operator op-0001 holds ticket {}, which the store does not have",
            receipt.ticket_id
        )
    );
}
