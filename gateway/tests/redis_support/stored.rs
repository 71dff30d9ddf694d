//! What Redis holds after a test, read with the engine's own store, and
//! the checks that nothing acknowledged was lost or applied twice.

use engine::domain::{Annotation, Nif};
use engine::store::redis::RedisOptions;
use engine::store::{RedisStore, Store, StoredState};

/// The stored state and its event log, read from `url`.
pub async fn stored(url: &str) -> (StoredState, Vec<engine::store::LoggedChange>) {
    let store = RedisStore::connect(url, RedisOptions::default())
        .await
        .expect("connect");
    let state = Store::load(&store).await.expect("load");
    let log = Store::events(&store, 0, usize::MAX).await.expect("events");
    (state, log)
}

/// Every acknowledged ticket is stored, each NIF joined at most once, and
/// replaying the log gives the stored state (so no ticket was matched twice).
pub fn assert_nothing_lost_nothing_twice(
    state: &StoredState,
    log: &[engine::store::LoggedChange],
    acknowledged: &[(String, String)],
) {
    for (id, _) in acknowledged {
        let id: engine::ticket::TicketId = id.parse().expect("ticket id");
        assert!(
            state.tickets.contains_key(&id),
            "acknowledged ticket {id} is missing"
        );
    }
    let mut nifs = std::collections::HashSet::new();
    for ticket in state.tickets.values() {
        assert!(
            nifs.insert(ticket.nif.to_string()),
            "a taxpayer joined twice"
        );
    }
    let mut replayed = StoredState::default();
    let mut matched = std::collections::HashSet::new();
    for entry in log {
        replayed
            .apply(&entry.change)
            .expect("every logged change fits: nothing applied twice");
        if let engine::store::Change::Matched { ticket, .. } = &entry.change {
            assert!(matched.insert(*ticket), "ticket {ticket} matched twice");
        }
    }
    assert_eq!(&replayed, state, "the log replays to the stored state");
}

/// The attention history that `url` holds for NIF `nif`.
pub async fn stored_history(url: &str, nif: &Nif) -> Vec<Annotation> {
    let store = RedisStore::connect(url, RedisOptions::default())
        .await
        .expect("connect");
    Store::history(&store, nif).await.expect("history")
}
