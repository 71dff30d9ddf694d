//! A process started without `--standby` takes the dispatcher lease from a
//! dead predecessor by itself: at once when the predecessor was on this host
//! (its pid is gone), once its lease lapses when nothing can be told; and it
//! refuses, saying who and why, beside a live holder.

mod redis_support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use engine::store::redis::holder::{start_time, ProcessIdentity};
use engine::store::redis::RedisLease;
use engine::store::{RedisStore, StoreError};
use redis_support::{test_options, RedisServer};

const LEASE: &str = "ventanilla:v1:{vt}:lease";
const FENCE: &str = "ventanilla:v1:{vt}:lease:fence";

/// Puts a lease for `holder` under fencing token 7, as its process left it.
fn leave_lease(server: &RedisServer, holder: &ProcessIdentity, ttl_ms: u64) -> String {
    let value = format!("7 {holder}");
    assert_eq!(
        server.send(&format!("SET {FENCE} 7")).as_deref(),
        Some("+OK")
    );
    assert_eq!(
        server
            .send(&format!("SET {LEASE} \"{value}\" PX {ttl_ms}"))
            .as_deref(),
        Some("+OK")
    );
    value
}

/// The pid of a process that has exited (and been reaped): nobody has it now.
fn dead_pid() -> u32 {
    let mut child = Command::new("true").spawn().expect("true runs");
    let pid = child.id();
    child.wait().expect("true exits");
    pid
}

async fn store(server: &RedisServer) -> RedisStore {
    RedisStore::connect(&server.url(), test_options())
        .await
        .expect("connect")
}

#[tokio::test]
async fn a_lease_left_by_a_dead_process_of_this_host_is_taken_over_at_once_with_a_higher_token() {
    let server = RedisServer::start();
    let me = ProcessIdentity::current();
    let dead = ProcessIdentity {
        pid: dead_pid(),
        ..me.clone()
    };
    // A whole minute left: only knowing the holder is gone can make this quick.
    leave_lease(&server, &dead, 60_000);
    let store = store(&server).await;

    let started = Instant::now();
    let lease = RedisLease::acquire_on_start(&store, &me, Duration::from_secs(60))
        .await
        .expect("the dead holder's lease is taken over");

    assert_eq!(lease.fencing_token(), 8);
    assert!(started.elapsed() < Duration::from_secs(30));
    // It now holds this process's name: a third process is told so.
    let third = RedisLease::acquire(&store, "third", Duration::from_secs(1)).await;
    assert!(
        matches!(&third, Err(StoreError::Conflict(reason))
            if reason.contains(&format!("pid {} on host {}", me.pid, me.host))),
        "{third:?}"
    );
}

#[tokio::test]
async fn a_pid_reused_by_another_process_is_not_mistaken_for_the_holder() {
    let server = RedisServer::start();
    let me = ProcessIdentity::current();
    // This very pid, but recorded with another start time: an earlier
    // process that had the same pid.
    let earlier = ProcessIdentity {
        start: me.start.saturating_sub(1).max(1),
        ..me.clone()
    };
    leave_lease(&server, &earlier, 60_000);
    let store = store(&server).await;

    let lease = RedisLease::acquire_on_start(&store, &me, Duration::from_secs(60))
        .await
        .expect("the earlier process's lease is taken over");

    assert_eq!(lease.fencing_token(), 8);
}

#[tokio::test]
async fn a_live_holder_on_this_host_is_refused_at_once_naming_its_pid_and_saying_it_is_alive() {
    let server = RedisServer::start();
    let mut sleeper = Command::new("sleep")
        .arg("30")
        .stdout(Stdio::null())
        .spawn()
        .expect("sleep runs");
    let me = ProcessIdentity::current();
    let live = ProcessIdentity {
        pid: sleeper.id(),
        start: start_time(sleeper.id()).expect("the sleeper's start time"),
        ..me.clone()
    };
    leave_lease(&server, &live, 60_000);
    let store = store(&server).await;

    let refused = RedisLease::acquire_on_start(&store, &me, Duration::from_secs(60)).await;
    let _ = sleeper.kill();
    let _ = sleeper.wait();

    let Err(StoreError::Conflict(reason)) = refused else {
        panic!("a live holder must be refused: {refused:?}");
    };
    assert!(
        reason.contains(&format!("pid {} on host {}", live.pid, me.host)),
        "{reason}"
    );
    assert!(reason.contains("alive"), "{reason}");
    // Its lease is untouched, and no token was burnt.
    assert_eq!(
        server.send(&format!("INCRBY {FENCE} 0")).as_deref(),
        Some(":7")
    );
    assert!(server
        .send(&format!("PTTL {LEASE}"))
        .is_some_and(|ttl| ttl != ":-2"));
}

#[tokio::test]
async fn a_holder_on_another_host_that_keeps_renewing_is_refused_saying_how_recently() {
    let server = RedisServer::start();
    let elsewhere = ProcessIdentity {
        host: "another-host".into(),
        ..ProcessIdentity::current()
    };
    leave_lease(&server, &elsewhere, 1_000);
    let store = store(&server).await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // The other host's process renews every third of its ttl, as a live one does.
    let renewer = {
        let (stop, url) = (stop.clone(), server.url());
        std::thread::spawn(move || {
            let socket = url.trim_start_matches("redis+unix://").to_string();
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let _ = Command::new("redis-cli")
                    .args(["-s", &socket, "PEXPIRE", LEASE, "1000"])
                    .output();
                std::thread::sleep(Duration::from_millis(300));
            }
        })
    };

    let refused =
        RedisLease::acquire_on_start(&store, &ProcessIdentity::current(), Duration::from_secs(1))
            .await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    renewer.join().expect("renewer");

    let Err(StoreError::Conflict(reason)) = refused else {
        panic!("a renewed lease must be refused: {refused:?}");
    };
    assert!(
        reason.contains(&format!("pid {} on host another-host", elsewhere.pid)),
        "{reason}"
    );
    assert!(reason.contains("renewed it about"), "{reason}");
    assert!(reason.contains("alive"), "{reason}");
}

#[tokio::test]
async fn a_holder_on_another_host_that_stopped_renewing_loses_the_lease_once_it_lapses() {
    let server = RedisServer::start();
    let elsewhere = ProcessIdentity {
        host: "another-host".into(),
        ..ProcessIdentity::current()
    };
    leave_lease(&server, &elsewhere, 800);
    let store = store(&server).await;

    let lease =
        RedisLease::acquire_on_start(&store, &ProcessIdentity::current(), Duration::from_secs(1))
            .await
            .expect("the lapsed lease is taken");

    assert_eq!(lease.fencing_token(), 8);
}
