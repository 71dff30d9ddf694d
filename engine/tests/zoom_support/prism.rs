//! `prism mock` serving Zoom's own API description on a free port: it refuses
//! (422) any request that does not match Zoom's schema. Found where ops/test
//! installs it; installed the same way when missing; killed on drop.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The release ops/test installs: the last one that runs on node 20.
pub const PRISM_PACKAGE: &str = "@stoplight/prism-cli@5.14.2";

/// Longest wait for prism to answer after starting.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// One install at a time within a test binary.
static INSTALL: Mutex<()> = Mutex::new(());

/// The workspace root (engine/..).
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("engine/ has a parent")
        .to_path_buf()
}

/// Where ops/test installs prism: project-local, under the ignored target/.
pub fn local_prefix() -> PathBuf {
    workspace_root().join("target/tools/prism")
}

fn local_binary() -> PathBuf {
    local_prefix().join("node_modules/.bin/prism")
}

fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// Zoom's API description prepared for prism: `$ZOOM_OPENAPI_SPEC`, else the
/// fixture kept in the repository (`engine/tests/fixtures/zoom/`, whose README
/// says where it comes from and what was changed).
pub fn spec_path() -> PathBuf {
    let path = std::env::var_os("ZOOM_OPENAPI_SPEC")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/zoom/openapi.v2.prism.json")
        });
    assert!(
        path.is_file(),
        "Zoom's API description is missing at {} (set ZOOM_OPENAPI_SPEC)",
        path.display()
    );
    path
}

/// The prism binary: `$PRISM`, then `prism` on the PATH, then ops/test's local
/// install; installs it like ops/test when none is there. Never skips: fails
/// naming what is missing.
pub fn prism_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("PRISM") {
        return PathBuf::from(path);
    }
    if let Some(path) = on_path("prism") {
        return path;
    }
    let _one_at_a_time = INSTALL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let local = local_binary();
    if local.is_file() {
        return local;
    }
    let prefix = local_prefix();
    eprintln!(
        "prism is missing: npm install --prefix {} {PRISM_PACKAGE}",
        prefix.display()
    );
    let status = Command::new("npm")
        .args([
            "install",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            "--prefix",
        ])
        .arg(&prefix)
        .arg(PRISM_PACKAGE)
        .stdin(Stdio::null())
        .status()
        .unwrap_or_else(|error| {
            panic!(
                "prism (npm package {PRISM_PACKAGE}) is missing and npm cannot run ({error}): \
                 run ops/test, or install node and npm"
            )
        });
    assert!(
        status.success() && local.is_file(),
        "installing {PRISM_PACKAGE} with npm failed ({status}); run ops/test"
    );
    local
}

/// A running `prism mock`.
pub struct Prism {
    child: Child,
    /// `http://127.0.0.1:PORT`, the API's root (prism serves without `/v2`).
    pub base_url: String,
    log: PathBuf,
    // Removed after the child is killed (fields drop in order).
    _dir: tempfile::TempDir,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// Whether an HTTP server answers on `port` (any status).
fn answers(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    if stream
        .write_all(b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = [0u8; 12];
    matches!(stream.read(&mut head), Ok(read) if read > 0 && head.starts_with(b"HTTP/"))
}

impl Prism {
    /// Starts `prism mock` on Zoom's description and waits until it answers.
    pub fn start() -> Prism {
        let binary = prism_binary();
        let spec = spec_path();
        let dir = tempfile::tempdir().expect("a temporary directory");
        let log = dir.path().join("prism.log");
        let log_file = std::fs::File::create(&log).expect("prism log file");
        let port = free_port();
        let child = Command::new(&binary)
            .args(["mock", "--host", "127.0.0.1", "--port", &port.to_string()])
            .arg(&spec)
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().expect("log handle"))
            .stderr(log_file)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {}: {error}", binary.display()));
        let mut prism = Prism {
            child,
            base_url: format!("http://127.0.0.1:{port}"),
            log,
            _dir: dir,
        };
        let started = Instant::now();
        while !answers(port) {
            if let Ok(Some(status)) = prism.child.try_wait() {
                panic!(
                    "prism exited ({status}) before answering; its log:\n{}",
                    prism.log_text()
                );
            }
            if started.elapsed() > START_TIMEOUT {
                panic!(
                    "prism did not answer within {START_TIMEOUT:?}; its log:\n{}",
                    prism.log_text()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        prism
    }

    /// What prism printed (its validation messages name the offending fields).
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
