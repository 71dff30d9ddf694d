//! The Redis store keeps the store contract, and only the holder of the
//! dispatcher lease may write: a standby takes over once it lapses.

mod redis_support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use engine::domain::ServiceCode;
use engine::store::redis::{RedisLease, RedisOptions};
use engine::store::{Change, RedisStore, Store, StoreError};
use engine::testsuite::{op, store_contract};
use jiff::Timestamp;
use redis_support::{test_options, RedisServer};

#[tokio::test]
async fn the_redis_store_keeps_the_store_contract() {
    let server = RedisServer::start();
    let server = &server;
    store_contract::run(|| async move {
        server.flush();
        let store = RedisStore::connect(&server.url(), test_options())
            .await
            .expect("connect");
        // Dropping the lease stops nothing here: the store keeps its token.
        RedisLease::acquire(&store, "contract", Duration::from_secs(60))
            .await
            .expect("the lease is free");
        store
    })
    .await;
}

fn available(operator: &str) -> Change {
    Change::AvailabilitySet {
        operator: op(operator),
        availability: BTreeMap::from([(ServiceCode::parse("CLAVE").expect("valid"), true)]),
        at: Timestamp::UNIX_EPOCH,
    }
}

#[tokio::test]
async fn a_store_without_the_lease_reads_but_never_writes() {
    let server = RedisServer::start();
    let store = RedisStore::connect(&server.url(), test_options())
        .await
        .expect("connect");

    let refused = store.apply(&available("op-0001")).await;

    assert!(
        matches!(&refused, Err(StoreError::Conflict(reason)) if reason.contains("lease")),
        "{refused:?}"
    );
    assert!(store.load().await.expect("load").operators.is_empty());
}

#[tokio::test]
async fn a_standby_takes_over_once_the_active_lease_lapses_and_the_old_writer_is_fenced_out() {
    let server = RedisServer::start();
    let ttl = Duration::from_millis(300);
    let first = RedisStore::connect(&server.url(), test_options())
        .await
        .expect("connect");
    let first_lease = RedisLease::acquire(&first, "engine-a", ttl)
        .await
        .expect("the lease is free");
    let acquired_at = Instant::now();
    first
        .apply(&available("op-0001"))
        .await
        .expect("the holder writes");
    let second = RedisStore::connect(&server.url(), test_options())
        .await
        .expect("connect");

    // While the first holds it, the second is told who does, and cannot write.
    let refused = RedisLease::acquire(&second, "engine-b", ttl).await;
    assert!(
        matches!(&refused, Err(StoreError::Conflict(reason)) if reason.contains("engine-a")),
        "{refused:?}"
    );
    assert!(second.apply(&available("op-0009")).await.is_err());

    // The first stops renewing (it died, or hangs): the standby gets the lease
    // once it lapses, with a higher fencing token.
    let waiting = RedisLease::acquire_when_free(
        &second,
        "engine-b",
        Duration::from_secs(5),
        Duration::from_millis(20),
    );
    let second_lease = tokio::time::timeout(Duration::from_secs(3), waiting)
        .await
        .expect("the lease lapses within its ttl")
        .expect("the standby acquires it");
    assert!(
        acquired_at.elapsed() >= ttl - Duration::from_millis(50),
        "not before the ttl"
    );
    assert!(second_lease.fencing_token() > first_lease.fencing_token());

    // The old process wakes up: its writes are refused, naming the new holder.
    let fenced = first.apply(&available("op-0002")).await;
    assert!(
        matches!(&fenced, Err(StoreError::Conflict(reason)) if reason.contains("engine-b")),
        "{fenced:?}"
    );
    assert!(!first_lease.is_held());
    second
        .apply(&available("op-0003"))
        .await
        .expect("the new holder writes");

    let state = second.load().await.expect("load");
    let operators: Vec<&str> = state.operators.keys().map(|id| id.as_str()).collect();
    assert_eq!(
        operators,
        vec!["op-0001", "op-0003"],
        "the fenced write left nothing"
    );
    assert_eq!(second.events(0, 100).await.expect("events").len(), 2);
}

#[tokio::test]
async fn a_renewed_lease_is_not_taken_over_and_a_released_one_is_at_once() {
    let server = RedisServer::start();
    let ttl = Duration::from_millis(200);
    let first = RedisStore::connect(&server.url(), test_options())
        .await
        .expect("connect");
    let mut lease = RedisLease::acquire(&first, "engine-a", ttl)
        .await
        .expect("the lease is free");
    lease.keep_renewed();
    let second = RedisStore::connect(&server.url(), test_options())
        .await
        .expect("connect");

    let standby =
        RedisLease::acquire_when_free(&second, "engine-b", ttl, Duration::from_millis(20));
    let during_renewal = tokio::time::timeout(Duration::from_millis(700), standby).await;
    assert!(during_renewal.is_err(), "a renewed lease never lapses");
    first
        .apply(&available("op-0001"))
        .await
        .expect("still the holder");

    lease.release().await.expect("release");
    let taken = RedisLease::acquire(&second, "engine-b", ttl).await;
    assert!(taken.is_ok(), "{taken:?}");
    assert!(first.apply(&available("op-0002")).await.is_err());
}

#[tokio::test]
async fn a_commit_whose_reply_is_lost_is_decided_and_applied_exactly_once() {
    let server = RedisServer::start();
    let options = RedisOptions {
        command_timeout: Duration::from_millis(250),
        ..test_options()
    };
    let store = RedisStore::connect(&server.url(), options)
        .await
        .expect("connect");
    let _lease = RedisLease::acquire(&store, "engine", Duration::from_secs(30))
        .await
        .expect("lease");
    store.apply(&available("op-0001")).await.expect("apply");

    // Redis holds every script for longer than the command timeout: the
    // reply to the commit is lost, and the store must find out what happened.
    assert_eq!(
        server.send("CLIENT PAUSE 400 WRITE").as_deref(),
        Some("+OK")
    );
    let result = store.apply(&available("op-0002")).await;

    assert!(result.is_ok(), "{result:?}");
    let events = store.events(0, 100).await.expect("events");
    assert_eq!(events.len(), 2, "applied exactly once: {events:?}");
    assert_eq!(store.load().await.expect("load").operators.len(), 2);
    store
        .apply(&available("op-0003"))
        .await
        .expect("later commits go on");
}

#[tokio::test]
async fn a_redis_that_lost_acknowledged_writes_is_reloaded_not_overwritten() {
    let server = RedisServer::start();
    let store = RedisStore::connect(&server.url(), test_options())
        .await
        .expect("connect");
    let _lease = RedisLease::acquire(&store, "engine", Duration::from_secs(30))
        .await
        .expect("lease");
    store.apply(&available("op-0001")).await.expect("write 1");
    store.apply(&available("op-0002")).await.expect("write 2");

    // As if Redis restarted having lost the last write (appendfsync everysec
    // and a power cut): the operator and the bookkeeping of write 2 are gone.
    let keys = store.keys().clone();
    for command in [
        format!("HDEL {} op-0002", keys.operators),
        format!("HSET {} applied 1 decided 1", keys.writer),
    ] {
        assert!(
            server
                .send(&command)
                .is_some_and(|reply| reply.starts_with(':')),
            "{command}"
        );
    }
    let waiting = Change::OperatorWaiting {
        operator: op("op-0002"),
        at: Timestamp::UNIX_EPOCH,
    };
    store
        .apply(&waiting)
        .await
        .expect("checked against what Redis really holds");

    let state = store.load().await.expect("load");
    assert_eq!(
        state.operators[&op("op-0002")].availability,
        BTreeMap::new(),
        "the lost write is not resurrected"
    );
}
