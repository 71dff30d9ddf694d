//! The `smoke` scenario, end to end: `ventanilla-load smoke --spawn` against
//! the real `ventanilla` binary, as a load tester would run it.
//!
//! Which `ventanilla` runs: `VENTANILLA_BIN` if set; else the one in this
//! test's own cargo target directory (`target/debug/ventanilla`). Under
//! `ops/test` (`cargo test --workspace`) cargo has built it before any test
//! starts, because the gateway package has integration tests of its own.
//! When it is missing or older than the engine's and gateway's sources (e.g.
//! `cargo test -p ventanilla-loadtest` alone), this test builds it first with
//! `cargo build -p ventanilla-gateway --bin ventanilla`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use ventanilla_load::report::json;

/// The whole run, gateway start to consistency check, must fit in this.
const RUN_LIMIT: Duration = Duration::from_secs(60);

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("loadtest/ sits in the workspace")
        .to_path_buf()
}

/// The target profile directory this test binary was built into
/// (`…/target/debug/deps/smoke-…` → `…/target/debug`).
fn profile_dir() -> PathBuf {
    let me = std::env::current_exe().expect("test binary path");
    me.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| workspace_root().join("target").join("debug"))
}

/// The newest modification time of the files under `dir`.
fn newest_under(dir: &Path) -> Option<SystemTime> {
    let mut newest = None;
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).ok()?.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if let Ok(modified) = entry.metadata().and_then(|meta| meta.modified()) {
                newest = newest.max(Some(modified));
            }
        }
    }
    newest
}

/// The `ventanilla` binary to spawn, built first if missing or stale.
fn ventanilla_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("VENTANILLA_BIN") {
        return PathBuf::from(path);
    }
    let binary = profile_dir().join(format!("ventanilla{}", std::env::consts::EXE_SUFFIX));
    let root = workspace_root();
    let sources = ["gateway/src", "engine/src", "config"]
        .iter()
        .filter_map(|dir| newest_under(&root.join(dir)))
        .max();
    let built = std::fs::metadata(&binary)
        .and_then(|meta| meta.modified())
        .ok();
    let fresh = match (built, sources) {
        (Some(built), Some(sources)) => built >= sources,
        (Some(_), None) => true,
        (None, _) => false,
    };
    if !fresh {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        eprintln!("building the gateway first: cargo build -p ventanilla-gateway --bin ventanilla");
        let status = Command::new(cargo)
            .args(["build", "-p", "ventanilla-gateway", "--bin", "ventanilla"])
            .current_dir(&root)
            .status()
            .expect("cargo runs");
        assert!(status.success(), "cannot build the ventanilla binary");
    }
    assert!(
        binary.is_file(),
        "no ventanilla binary at {}",
        binary.display()
    );
    binary
}

#[test]
fn the_smoke_scenario_passes_against_a_spawned_gateway() {
    let ventanilla = ventanilla_binary();
    let output_dir = tempfile::tempdir().expect("temporary directory");
    let json_path = output_dir.path().join("smoke.json");
    let html_path = output_dir.path().join("smoke.html");

    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ventanilla-load"))
        .arg("smoke")
        .arg("--spawn")
        .arg("--ventanilla")
        .arg(&ventanilla)
        .arg("--json")
        .arg(&json_path)
        .arg("--html")
        .arg(&html_path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ventanilla-load starts");
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the smoke run took longer than {RUN_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let output = child.wait_with_output().expect("output");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let elapsed = started.elapsed();

    assert_eq!(
        status.code(),
        Some(0),
        "ventanilla-load failed.\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(elapsed < RUN_LIMIT, "took {elapsed:?}");

    let report = json::read(&json_path).expect("the JSON report parses");
    assert!(report.passed && report.exit_code == 0, "{stdout}");
    assert!(report.target.spawned);
    assert!(report.counts.joined > 0, "taxpayers joined: {stdout}");
    assert!(report.counts.served > 0, "taxpayers were served: {stdout}");
    assert!(report.counts.accepted > 0, "taxpayers accepted: {stdout}");
    assert_eq!(report.counts.errors, 0, "no error: {stdout}");
    assert_eq!(report.counts.dropped, 0, "no arrival dropped: {stdout}");
    let consistency = report.consistency.as_ref().expect("consistency checked");
    assert!(
        consistency.passed,
        "consistency: {:?}",
        consistency.violations
    );
    assert_eq!(consistency.tickets_checked, report.counts.joined);
    assert_eq!(consistency.queue_count_matches, Some(true));
    assert!(report.slo.iter().all(|slo| slo.passed), "{:?}", report.slo);
    assert!(!report.series.is_empty(), "a time series was sampled");

    let html = std::fs::read_to_string(&html_path).expect("the HTML report is written");
    assert!(html.contains("<svg") && html.contains("PASSED"));
    assert!(
        !html.contains("<script") && !html.contains("<link") && !html.contains("src="),
        "the page is self-contained"
    );
    assert!(stdout.contains("result: PASSED"), "{stdout}");
}
