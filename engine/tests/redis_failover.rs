//! After a failover to a replica that lacked the dispatcher lease, the
//! lease is taken again with a higher fencing token before anything is
//! written, and only when nobody else can have written: never assumed.

mod redis_support;

use std::collections::BTreeMap;
use std::time::Duration;

use engine::domain::ServiceCode;
use engine::store::redis::RedisLease;
use engine::store::{Change, RedisStore, Store, StoreError};
use engine::testsuite::op;
use jiff::Timestamp;
use redis_support::{test_options, RedisServer};

const LEASE: &str = "ventanilla:v1:{vt}:lease";
const FENCE: &str = "ventanilla:v1:{vt}:lease:fence";
const WRITER: &str = "ventanilla:v1:{vt}:writer";

fn available(operator: &str) -> Change {
    Change::AvailabilitySet {
        operator: op(operator),
        availability: BTreeMap::from([(ServiceCode::parse("CLAVE").expect("valid"), true)]),
        at: Timestamp::UNIX_EPOCH,
    }
}

/// What a promoted replica that never got the lease, nor the INCR of its
/// token, looks like to this process.
fn lose_the_lease_in_a_failover(server: &RedisServer, token: u64) {
    assert_eq!(server.send(&format!("DEL {LEASE}")).as_deref(), Some(":1"));
    let older = token - 1;
    assert_eq!(
        server.send(&format!("SET {FENCE} {older}")).as_deref(),
        Some("+OK")
    );
}

async fn holder(server: &RedisServer) -> (RedisStore, RedisLease) {
    let store = RedisStore::connect(&server.url(), test_options())
        .await
        .expect("connect");
    // A long ttl, renewed only when a test says so.
    let lease = RedisLease::acquire(&store, "engine", Duration::from_secs(60))
        .await
        .expect("the lease is free");
    (store, lease)
}

#[tokio::test]
async fn a_commit_that_finds_the_lease_missing_takes_it_again_with_a_higher_token_and_goes_on() {
    let server = RedisServer::start();
    let (store, lease) = holder(&server).await;
    store.apply(&available("op-0001")).await.expect("written");
    let token = lease.fencing_token();
    lose_the_lease_in_a_failover(&server, token);

    store
        .apply(&available("op-0002"))
        .await
        .expect("the lease is taken again and the change written");

    assert!(
        lease.fencing_token() > token,
        "a higher token, never the old one"
    );
    assert!(lease.is_held());
    let state = store.load().await.expect("load");
    assert_eq!(state.operators.len(), 2);
    let log = store.events(0, 10).await.expect("events");
    assert_eq!(log.len(), 2, "each change written once");
}

#[tokio::test]
async fn the_renewal_that_finds_the_lease_missing_takes_it_again_with_a_higher_token() {
    let server = RedisServer::start();
    let (_store, lease) = holder(&server).await;
    let token = lease.fencing_token();
    lose_the_lease_in_a_failover(&server, token);

    lease.renew().await.expect("taken again");

    assert!(lease.fencing_token() > token);
    assert!(lease.is_held());
}

#[tokio::test]
async fn a_missing_lease_is_not_taken_again_where_a_newer_token_has_written() {
    let server = RedisServer::start();
    let (store, lease) = holder(&server).await;
    let token = lease.fencing_token();
    lose_the_lease_in_a_failover(&server, token);
    // Another process held a newer token here and wrote under it.
    let newer = token + 5;
    assert!(server
        .send(&format!("HSET {WRITER} fence {newer} decided 1 applied 1"))
        .is_some_and(|reply| reply.starts_with(':')));

    let refused = store.apply(&available("op-0002")).await;

    assert!(
        matches!(&refused, Err(StoreError::Conflict(_))),
        "{refused:?}"
    );
    assert!(!lease.is_held(), "this process is fenced out");
    let _ = tokio::time::timeout(Duration::from_millis(10), lease.renew()).await;
    assert!(!lease.is_held());
}
