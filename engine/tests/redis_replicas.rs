//! `min_replicas`: a change no replica confirms fails as unavailable and is
//! taken back, so the store holds exactly what the callers were told.

mod redis_support;

use std::collections::BTreeMap;
use std::time::Duration;

use engine::domain::ServiceCode;
use engine::store::redis::{RedisLease, RedisOptions};
use engine::store::{Change, RedisStore, Store, StoreError};
use engine::testsuite::op;
use jiff::Timestamp;
use redis_support::{test_options, RedisServer};

fn available(operator: &str) -> Change {
    Change::AvailabilitySet {
        operator: op(operator),
        availability: BTreeMap::from([(ServiceCode::parse("CLAVE").expect("valid"), true)]),
        at: Timestamp::UNIX_EPOCH,
    }
}

async fn store(server: &RedisServer, min_replicas: u32) -> RedisStore {
    let options = RedisOptions {
        min_replicas,
        replica_timeout: Duration::from_millis(50),
        ..test_options()
    };
    let store = RedisStore::connect(&server.url(), options)
        .await
        .expect("connect");
    RedisLease::acquire(&store, "engine", Duration::from_secs(60))
        .await
        .expect("the lease is free");
    store
}

#[tokio::test]
async fn without_the_replicas_it_needs_a_change_fails_and_leaves_nothing_behind() {
    let server = RedisServer::start();
    let lone = store(&server, 0).await;
    lone.apply(&available("op-0001"))
        .await
        .expect("without min_replicas the primary is enough");
    let before = lone.load().await.expect("load");
    let events_before = lone.events(0, 100).await.expect("events");
    drop(lone);
    server.send("DEL ventanilla:v1:{vt}:lease");

    // This Redis has no replica: WAIT 1 confirms nothing.
    let strict = store(&server, 1).await;
    let refused = strict.apply(&available("op-0002")).await;
    let changed = strict.apply(&available("op-0001")).await;

    assert!(
        matches!(&refused, Err(StoreError::Unavailable(reason)) if reason.contains("min_replicas")),
        "{refused:?}"
    );
    assert!(matches!(changed, Err(StoreError::Unavailable(_))));
    assert_eq!(strict.load().await.expect("load"), before);
    assert_eq!(strict.events(0, 100).await.expect("events"), events_before);
}
