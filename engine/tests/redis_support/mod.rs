//! A private `redis-server` per test: on a unix socket in a temporary
//! directory, with AOF on and RDB snapshots off, killed when the test ends.
//! Never the machine's shared Redis on 6379.

// Each test binary uses a different part of these helpers.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use engine::store::redis::{RedisLease, RedisOptions};
use engine::store::RedisStore;
use engine::testsuite::{default_settings, madrid, TestEngine};

/// Longest wait for a server to answer after starting (AOF loading included).
const START_TIMEOUT: Duration = Duration::from_secs(5);

/// A `redis-server` child process that dies with this value.
pub struct RedisServer {
    child: Option<Child>,
    socket: PathBuf,
    // Dropped after the child is killed (fields drop in order).
    dir: tempfile::TempDir,
}

impl RedisServer {
    /// Starts a server in a fresh directory and waits until it answers.
    pub fn start() -> RedisServer {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let socket = dir.path().join("redis.sock");
        let mut server = RedisServer {
            child: None,
            socket,
            dir,
        };
        server.restart();
        server
    }

    /// The store URL of this server.
    pub fn url(&self) -> String {
        format!("redis+unix://{}", self.socket.display())
    }

    /// Kills the server at once (SIGKILL): nothing gets to shut down cleanly.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same socket and directory, so it
    /// reloads its append-only file; waits until it answers.
    pub fn restart(&mut self) {
        self.kill();
        let binary = std::env::var("REDIS_SERVER").unwrap_or_else(|_| "redis-server".to_string());
        let dir = self.dir.path().to_string_lossy().into_owned();
        let socket = self.socket.to_string_lossy().into_owned();
        let log = self
            .dir
            .path()
            .join("redis.log")
            .to_string_lossy()
            .into_owned();
        let child = Command::new(&binary)
            .args([
                "--port",
                "0",
                "--unixsocket",
                &socket,
                "--unixsocketperm",
                "700",
            ])
            .args([
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
            ])
            .args(["--dir", &dir, "--logfile", &log, "--daemonize", "no"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!("cannot start {binary} (install redis-server): {error}")
            });
        self.child = Some(child);
        let started = Instant::now();
        while self.send("PING").as_deref() != Some("+PONG") {
            if started.elapsed() > START_TIMEOUT {
                let log =
                    std::fs::read_to_string(self.dir.path().join("redis.log")).unwrap_or_default();
                panic!("redis-server did not answer within {START_TIMEOUT:?}; its log:\n{log}");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Removes every key (a fresh keyspace for the next store).
    pub fn flush(&self) {
        assert_eq!(self.send("FLUSHALL").as_deref(), Some("+OK"));
    }

    /// Sends one inline command; the first line of the reply, if any.
    pub fn send(&self, command: &str) -> Option<String> {
        let mut stream = UnixStream::connect(&self.socket).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(1))).ok()?;
        stream.write_all(format!("{command}\r\n").as_bytes()).ok()?;
        let mut reply = [0u8; 512];
        let read = stream.read(&mut reply).ok()?;
        let text = String::from_utf8_lossy(&reply[..read]).into_owned();
        text.lines().next().map(str::to_string)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Short timeouts and retries, so a test sees an outage within a second.
pub fn test_options() -> RedisOptions {
    RedisOptions {
        pool_size: 4,
        connect_timeout: Duration::from_millis(250),
        command_timeout: Duration::from_millis(500),
        retries: 2,
        retry_backoff: Duration::from_millis(20),
        retry_backoff_max: Duration::from_millis(100),
        ..RedisOptions::default()
    }
}

/// A store on `server` that holds the dispatcher lease (renewed, 1 s ttl),
/// as the active engine's would.
pub async fn active_store(server: &RedisServer, holder: &str) -> (RedisStore, RedisLease) {
    let store = RedisStore::connect(&server.url(), test_options())
        .await
        .expect("connect");
    let mut lease = RedisLease::acquire(&store, holder, Duration::from_secs(1))
        .await
        .expect("the lease is free");
    lease.keep_renewed();
    (store, lease)
}

/// An engine on `store`, at Monday 2026-11-30 10:00 in Madrid.
pub async fn engine_on(store: RedisStore) -> TestEngine {
    TestEngine::start_with(
        default_settings(),
        Arc::new(store),
        madrid("2026-11-30 10:00"),
    )
    .await
}

/// Stops `app` the way a clean shutdown does (lease released, actors
/// stopped) and starts a new engine on a new store connected to `server`,
/// with the same clock and meeting provider.
pub async fn restart_on(
    app: TestEngine,
    lease: RedisLease,
    server: &RedisServer,
) -> (TestEngine, RedisLease) {
    let TestEngine {
        engine,
        clock,
        meetings,
        ..
    } = app;
    lease.release().await.expect("release the lease");
    drop(engine);
    let (store, lease) = active_store(server, "engine-after-restart").await;
    let app = TestEngine::start_parts(default_settings(), Arc::new(store), clock, meetings).await;
    (app, lease)
}
