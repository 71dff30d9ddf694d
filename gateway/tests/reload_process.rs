//! A real `SIGHUP` to a spawned `ventanilla`: the configuration file is
//! rewritten, the signal sent, and the change is visible over HTTP and
//! counted in `ventanilla_config_reloads_total`; a broken file is refused
//! with the running configuration kept; a restart-only key is not applied;
//! `[limits]` change live.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use engine::testsuite::dni;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A child process killed when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

/// One all-day service (so the test runs any day), two operators; `extra`
/// is appended (more services, operators).
fn write_config(path: &Path, port: u16, joins_per_minute: u32, extra: &str) {
    let text = format!(
        "[server]\nbind = \"127.0.0.1:{port}\"\n\n\
         [limits]\nlogins_per_minute = 0\njoins_per_minute = {joins_per_minute}\n\n\
         [calendar]\ntimezone = \"Europe/Madrid\"\nholidays = []\n\n\
         [[services]]\ncode = \"CLAVE\"\ndescription = \"Trámites de asistencia por videollamada\"\n\
         days = \"every_day\"\nopen = \"00:00\"\nclose = \"24:00\"\nattention_minutes = 4\nrepresentation = false\n\n\
         [[operators]]\nid = \"op-0001\"\nname = \"Operador 1\"\nid_number = \"A-0001\"\npassword = \"demo\"\n\
         {extra}"
    );
    std::fs::write(path, text).expect("config written");
}

const RENTA: &str = "\n[[services]]\ncode = \"RENTA\"\ndescription = \"Campaña de la renta\"\n\
    days = \"every_day\"\nopen = \"00:00\"\nclose = \"24:00\"\nattention_minutes = 6\nrepresentation = true\n";

const NEW_OPERATOR: &str =
    "\n[[operators]]\nid = \"op-0009\"\nname = \"Operadora Nueva\"\nid_number = \"A-0009\"\npassword = \"demo\"\n";

fn hang_up(child: &Killed) {
    let status = Command::new("kill")
        .arg("-HUP")
        .arg(child.0.id().to_string())
        .status()
        .expect("kill runs");
    assert!(status.success(), "SIGHUP sent");
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client")
}

async fn services(client: &reqwest::Client, base: &str) -> Vec<String> {
    let body: Value = client
        .get(format!("{base}/api/v1/services"))
        .send()
        .await
        .expect("services")
        .json()
        .await
        .expect("json");
    body["services"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|service| service["code"].as_str().expect("code").to_string())
        .collect()
}

/// The value of `ventanilla_config_reloads_total{result="…"}`.
async fn reloads(client: &reqwest::Client, base: &str, result: &str) -> f64 {
    let text = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    let prefix = format!("ventanilla_config_reloads_total{{result=\"{result}\"}} ");
    text.lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {prefix} in /metrics"))
}

/// Waits until the counter of `result` reaches `count` (the reload runs
/// after the signal arrives, not before `kill` returns).
async fn until_reloads(client: &reqwest::Client, base: &str, result: &str, count: f64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while reloads(client, base, result).await < count {
        assert!(Instant::now() < deadline, "no {result} reload counted");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn join(client: &reqwest::Client, base: &str, n: u32, service: &str) -> StatusCode {
    client
        .post(format!("{base}/api/v1/tickets"))
        .json(&json!({"nif": dni(n), "name": format!("CONTRIBUYENTE {n}"), "contrast": "x", "service": service}))
        .send()
        .await
        .expect("join")
        .status()
}

async fn login(client: &reqwest::Client, base: &str, operator: &str) -> StatusCode {
    client
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"operator_id": operator, "password": "demo"}))
        .send()
        .await
        .expect("login")
        .status()
}

#[tokio::test]
async fn sighup_reloads_the_file_refuses_a_broken_one_and_keeps_restart_only_keys() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path: PathBuf = dir.path().join("ventanilla.toml");
    let port = free_port();
    write_config(&path, port, 0, "");
    let child = Killed(
        Command::new(env!("CARGO_BIN_EXE_ventanilla"))
            .arg("--config")
            .arg(&path)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("ventanilla starts"),
    );
    let base = format!("http://127.0.0.1:{port}");
    let client = client();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !matches!(client.get(format!("{base}/readyz")).send().await, Ok(r) if r.status() == StatusCode::OK)
    {
        assert!(Instant::now() < deadline, "ventanilla never became ready");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(services(&client, &base).await, ["CLAVE"]);
    assert_eq!(
        join(&client, &base, 1, "RENTA").await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        login(&client, &base, "op-0009").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(reloads(&client, &base, "applied").await, 0.0);

    // A service and an operator added, joins limited to 1 a minute, and a
    // new listening address that needs a restart.
    let other_port = free_port();
    write_config(&path, other_port, 1, &format!("{RENTA}{NEW_OPERATOR}"));
    hang_up(&child);
    until_reloads(&client, &base, "applied", 1.0).await;

    assert_eq!(services(&client, &base).await, ["CLAVE", "RENTA"]);
    assert_eq!(join(&client, &base, 2, "RENTA").await, StatusCode::CREATED);
    assert_eq!(
        join(&client, &base, 3, "CLAVE").await,
        StatusCode::TOO_MANY_REQUESTS,
        "[limits] joins_per_minute applies live"
    );
    assert_eq!(login(&client, &base, "op-0009").await, StatusCode::OK);
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", other_port)).is_err(),
        "server.bind is restart-only: still served on the old port only"
    );

    // A broken file: refused, counted, and everything above still holds.
    std::fs::write(&path, "[presence]\nabsent_after = \"soon\"\n").expect("written");
    hang_up(&child);
    until_reloads(&client, &base, "refused", 1.0).await;
    assert_eq!(reloads(&client, &base, "applied").await, 1.0);
    assert_eq!(services(&client, &base).await, ["CLAVE", "RENTA"]);
    assert_eq!(login(&client, &base, "op-0009").await, StatusCode::OK);
}
