//! Real processes for the tests that run `ventanilla` on a real Redis
//! (`redis_ha.rs`, `redis_process.rs`): `redis-server` primaries and
//! replicas on private TCP ports or on a unix socket, Sentinels, and
//! `ventanilla` itself. Everything is killed when its value is dropped.
//! `api` calls the running processes over HTTP; `stored` reads and checks
//! what Redis holds.

// Each test uses a different part of these helpers.
#![allow(dead_code)]

mod api;
mod stored;

pub use api::*;
pub use stored::*;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A child process killed (SIGKILL) when dropped.
pub struct Killed(pub Option<Child>);

impl Killed {
    pub fn pid(&self) -> u32 {
        self.0.as_ref().map_or(0, Child::id)
    }

    /// SIGKILL now, like a crash.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Waits (at most 20 s) for a process expected to exit by itself; its stderr.
    pub fn exit_output(mut self) -> (bool, String) {
        let mut child = self.0.take().expect("a running child");
        let deadline = Instant::now() + Duration::from_secs(20);
        while child.try_wait().ok().flatten().is_none() {
            if Instant::now() > deadline {
                let _ = child.kill();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let output = child.wait_with_output().expect("output");
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }
}

impl Drop for Killed {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A port nobody listens on now (successive calls differ).
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU16, Ordering};
    static LAST: AtomicU16 = AtomicU16::new(0);
    loop {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map(|address| address.port())
            .expect("a free port");
        if LAST.swap(port, Ordering::SeqCst) != port {
            return port;
        }
    }
}

/// `redis-cli` against `port`; its trimmed output.
pub fn cli(port: u16, args: &[&str]) -> String {
    redis_cli(&["-h", "127.0.0.1", "-p", &port.to_string()], args)
}

/// `redis-cli` with `connection` (where to reach the server) and `args`;
/// its trimmed output.
fn redis_cli(connection: &[&str], args: &[&str]) -> String {
    let output = Command::new("redis-cli")
        .args(connection)
        .args(args)
        .output()
        .expect("redis-cli (install redis-tools)");
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// One `redis-server` on a TCP port, its files in its own directory.
pub struct RedisNode {
    pub port: u16,
    pub process: Killed,
}

impl RedisNode {
    /// Starts a primary (or, with `replica_of`, a replica of that port);
    /// `fsync` is `appendfsync` ("everysec" or "always").
    pub fn start(dir: &Path, name: &str, replica_of: Option<u16>, fsync: &str) -> RedisNode {
        let port = free_port();
        let dir = dir.join(name);
        std::fs::create_dir_all(&dir).expect("node directory");
        let mut command = Command::new("redis-server");
        command
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "yes", "--appendfsync", fsync])
            .arg("--dir")
            .arg(&dir)
            .arg("--logfile")
            .arg(dir.join("redis.log"));
        if let Some(primary) = replica_of {
            command.args(["--replicaof", "127.0.0.1", &primary.to_string()]);
        }
        let node = RedisNode {
            port,
            process: spawn_quietly(&mut command),
        };
        wait_until(Duration::from_secs(10), "redis-server answers", || {
            cli(port, &["PING"]) == "PONG"
        });
        node
    }

    pub fn cli(&self, args: &[&str]) -> String {
        cli(self.port, args)
    }

    /// Waits until this replica is in sync with its primary.
    pub fn wait_in_sync(&self) {
        wait_until(Duration::from_secs(15), "the replica is in sync", || {
            self.cli(&["INFO", "replication"])
                .contains("master_link_status:up")
        });
    }

    /// SIGSTOP / SIGCONT: the node stops answering anyone, then resumes.
    pub fn pause(&self, paused: bool) {
        let signal = if paused { "-STOP" } else { "-CONT" };
        let status = Command::new("kill")
            .args([signal, &self.process.pid().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }
}

/// One `redis-server` on a unix socket in `dir` (no TCP port), appending
/// every write to its AOF at once (`appendfsync always`): started again on
/// the same `dir`, it has everything it acknowledged.
pub struct SocketRedis {
    pub socket: PathBuf,
    pub process: Killed,
}

impl SocketRedis {
    pub fn start(dir: &Path) -> SocketRedis {
        let socket = dir.join("redis.sock");
        let mut command = Command::new("redis-server");
        command
            .args(["--port", "0", "--unixsocket"])
            .arg(&socket)
            .args([
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ])
            .arg("--dir")
            .arg(dir);
        let redis = SocketRedis {
            socket,
            process: spawn_quietly(&mut command),
        };
        // The socket file appears before the AOF is loaded: wait for PING.
        wait_until(Duration::from_secs(10), "redis-server answers", || {
            redis.cli(&["PING"]) == "PONG"
        });
        redis
    }

    /// `redis-cli` on this server's socket; its trimmed output.
    pub fn cli(&self, args: &[&str]) -> String {
        redis_cli(&["-s", &self.socket.to_string_lossy()], args)
    }

    pub fn url(&self) -> String {
        format!("unix://{}", self.socket.display())
    }
}

/// Spawns a `redis-server` command with no input and its output discarded
/// (each logs to its own file, where one is set).
fn spawn_quietly(command: &mut Command) -> Killed {
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server must be installed (ops/test installs Debian's redis-server)");
    Killed(Some(child))
}

/// A Sentinel watching `primary` under the name "ventanilla", with quorum 2.
pub fn start_sentinel(dir: &Path, name: &str, primary: u16) -> (u16, Killed) {
    let port = free_port();
    let dir = dir.join(name);
    std::fs::create_dir_all(&dir).expect("sentinel directory");
    // Sentinel rewrites its file: each has its own.
    let config = dir.join("sentinel.conf");
    std::fs::write(
        &config,
        format!(
            "port {port}\nbind 127.0.0.1\ndir {}\nlogfile {}\n\
             sentinel monitor ventanilla 127.0.0.1 {primary} 2\n\
             sentinel down-after-milliseconds ventanilla 1000\n\
             sentinel failover-timeout ventanilla 5000\n\
             sentinel parallel-syncs ventanilla 1\n",
            dir.display(),
            dir.join("sentinel.log").display()
        ),
    )
    .expect("sentinel.conf");
    let process = spawn_quietly(Command::new("redis-server").arg(&config).arg("--sentinel"));
    wait_until(Duration::from_secs(10), "sentinel answers", || {
        cli(port, &["PING"]) == "PONG"
    });
    (port, process)
}

pub fn wait_until(within: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A configuration with one all-day service (so the test runs any day),
/// `operators` operators (`op-0001`, `op-0002`…, password "demo") and
/// `store` as the whole `[store]` section's body.
pub fn write_config(dir: &Path, name: &str, port: u16, store: &str, operators: u32) -> PathBuf {
    let mut text = format!(
        "[server]\nbind = \"127.0.0.1:{port}\"\n\n[store]\n{store}\n\n\
         [limits]\nlogins_per_minute = 0\njoins_per_minute = 0\n\n\
         [calendar]\ntimezone = \"Europe/Madrid\"\nholidays = []\n\n\
         [[services]]\ncode = \"CLAVE\"\ndescription = \"Trámites de asistencia por videollamada\"\n\
         days = \"every_day\"\nopen = \"00:00\"\nclose = \"24:00\"\nattention_minutes = 4\nrepresentation = false\n"
    );
    for n in 1..=operators {
        text.push_str(&format!(
            "\n[[operators]]\nid = \"op-000{n}\"\nname = \"Operador {n}\"\nid_number = \"A-000{n}\"\npassword = \"demo\"\n"
        ));
    }
    let path = dir.join(name);
    std::fs::write(&path, text).expect("config written");
    path
}

/// `ventanilla` with these arguments and environment; stderr kept in `log`.
pub fn start_ventanilla(args: &[String], env: &[(String, String)], log: &Path) -> Killed {
    let stderr = std::fs::File::create(log).expect("log file");
    let child = Command::new(env!("CARGO_BIN_EXE_ventanilla"))
        .args(args)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .expect("ventanilla starts");
    Killed(Some(child))
}

/// `ventanilla --config FILE`, warnings only, stderr piped.
pub fn start_plain(config: &Path) -> Killed {
    start_with_flags(config, &[])
}

/// `ventanilla --config FILE --standby`: it serves once it takes the lease.
pub fn start_standby(config: &Path) -> Killed {
    start_with_flags(config, &["--standby"])
}

fn start_with_flags(config: &Path, flags: &[&str]) -> Killed {
    let child = Command::new(env!("CARGO_BIN_EXE_ventanilla"))
        .arg("--config")
        .arg(config)
        .args(flags)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ventanilla starts");
    Killed(Some(child))
}
