//! The `ventanilla` binary and `run`: start, serve, stop.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use gateway::Config;

use crate::helpers::{free_port, send, Ticket};

#[test]
fn the_binary_explains_its_options() {
    let output = Command::new(env!("CARGO_BIN_EXE_ventanilla"))
        .arg("--help")
        .output()
        .expect("the binary runs");

    let help = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success());
    for option in ["--config", "--bind", "--store", "--trust-forwarded-for"] {
        assert!(help.contains(option), "{option} missing from:\n{help}");
    }
}

#[test]
fn an_unreachable_redis_fails_at_start_with_a_clear_message() {
    let output = Command::new(env!("CARGO_BIN_EXE_ventanilla"))
        .args([
            "--store",
            "unix:///nonexistent/redis.sock",
            "--bind",
            "127.0.0.1:0",
        ])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .env("VENTANILLA_LOG_FORMAT", "json")
        .output()
        .expect("the binary runs");

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("cannot reach Redis"), "{stderr}");
}

#[test]
fn an_unknown_configuration_file_fails_at_start_naming_it() {
    let output = Command::new(env!("CARGO_BIN_EXE_ventanilla"))
        .args(["--config", "/nonexistent/ventanilla.toml"])
        .output()
        .expect("the binary runs");

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("/nonexistent/ventanilla.toml"), "{stderr}");
}

#[tokio::test]
async fn run_serves_the_embedded_demo_until_shutdown() {
    // Arrange
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let mut config = Config::embedded_default();
    config.base_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/..").into();
    let server = tokio::spawn(gateway::run(listener, config, async move {
        let _ = stopped.await;
    }));

    // Act
    let health = send(reqwest::Client::new().get(format!("http://{address}/healthz"))).await;
    let login = send(
        reqwest::Client::new()
            .post(format!("http://{address}/api/v1/session"))
            .json(&serde_json::json!({"operator_id": "op-0001", "password": "demo"})),
    )
    .await;
    stop.send(()).expect("server still running");
    let result = server.await.expect("server task");

    // Assert
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(login.status, StatusCode::OK);
    assert!(result.is_ok(), "{result:?}");
}

/// A whole attention through the real binary with every log level on: the
/// logs name tickets and operators, never a NIF, a name or observations.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_logs_carry_no_nif_name_or_observations() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let config = write_one_service_config(dir.path(), port);
    let mut child = Command::new(env!("CARGO_BIN_EXE_ventanilla"))
        .arg("--config")
        .arg(&config)
        .env("RUST_LOG", "trace")
        .env("VENTANILLA_LOG_FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    until_answering(&client, &base).await;
    let post = |path: &str, body: serde_json::Value| {
        let request = client.post(format!("{base}{path}")).json(&body);
        async move { send(request).await }
    };
    post(
        "/api/v1/session",
        serde_json::json!({"operator_id": "op-0001", "password": "demo"}),
    )
    .await;
    send(
        client
            .put(format!("{base}/api/v1/operator/availability"))
            .json(&serde_json::json!({"services": {"CLAVE": true}})),
    )
    .await;
    post("/api/v1/operator/attend", serde_json::json!({})).await;
    let joined = post(
        "/api/v1/tickets",
        serde_json::json!({"nif": "89890002E", "name": "CERTIFICADO DOS TELEMATICA", "contrast": "x", "service": "CLAVE"}),
    )
    .await;
    assert_eq!(joined.status, StatusCode::CREATED, "{}", joined.text);
    let started = post("/api/v1/operator/start", serde_json::json!({})).await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.text);
    let finalized = post(
        "/api/v1/operator/finalize",
        serde_json::json!({"outcome": "success", "observations": "Observación secreta", "next": "interrupt"}),
    )
    .await;
    assert_eq!(finalized.status, StatusCode::OK, "{}", finalized.text);
    let _ = child.kill();
    let output = child.wait_with_output().expect("output");

    let logs = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(logs.contains("op-0001"), "the logs say who acted:\n{logs}");
    for secret in ["89890002E", "CERTIFICADO", "Observación secreta"] {
        assert!(!logs.contains(secret), "{secret} reached the logs");
    }
}

/// A configuration for the binary on `port`, written in `dir`: one
/// always-open service (CLAVE), one operator (op-0001), no rate limits.
fn write_one_service_config(dir: &Path, port: u16) -> PathBuf {
    let config = dir.join("ventanilla.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nbind = \"127.0.0.1:{port}\"\n[limits]\nlogins_per_minute = 0\njoins_per_minute = 0\n\
             [calendar]\ntimezone = \"Europe/Madrid\"\nholidays = []\n\
             [[services]]\ncode = \"CLAVE\"\ndescription = \"Trámites\"\ndays = \"every_day\"\nopen = \"00:00\"\nclose = \"24:00\"\nattention_minutes = 4\n\
             [[operators]]\nid = \"op-0001\"\nname = \"Operadora Demo\"\nid_number = \"A-0001\"\npassword = \"demo\"\n"
        ),
    )
    .expect("config written");
    config
}

/// Waits (at most 20 s) until the binary at `base` answers `/readyz`.
async fn until_answering(client: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while client.get(format!("{base}/readyz")).send().await.is_err() {
        assert!(Instant::now() < deadline, "the binary never answered");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The binary on a free port with the one-service configuration; killed
/// when the guard drops.
struct RunningBinary {
    _child: KillOnDrop,
    base: String,
    _dir: tempfile::TempDir,
}

async fn run_binary() -> RunningBinary {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let config = write_one_service_config(dir.path(), port);
    let child = Command::new(env!("CARGO_BIN_EXE_ventanilla"))
        .arg("--config")
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary runs");
    let running = RunningBinary {
        _child: KillOnDrop(child),
        base: format!("http://127.0.0.1:{port}"),
        _dir: dir,
    };
    until_answering(&reqwest::Client::new(), &running.base).await;
    running
}

/// Over a real socket to the real binary: the taxpayer's and the operator's
/// held polls both answer the moment the operator is assigned.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binarys_held_polls_answer_an_assignment_and_304_when_nothing_changes() {
    // Arrange
    let binary = run_binary().await;
    let base = binary.base.clone();
    let operator = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    let taxpayer = reqwest::Client::new();
    let login = send(
        operator
            .post(format!("{base}/api/v1/session"))
            .json(&serde_json::json!({"operator_id": "op-0001", "password": "demo"})),
    )
    .await;
    assert_eq!(login.status, StatusCode::OK);
    send(
        operator
            .put(format!("{base}/api/v1/operator/availability"))
            .json(&serde_json::json!({"services": {"CLAVE": true}})),
    )
    .await;
    let joined = send(taxpayer.post(format!("{base}/api/v1/tickets")).json(
        &serde_json::json!({"nif": "89890002E", "name": "CONTRIBUYENTE", "contrast": "x", "service": "CLAVE"}),
    ))
    .await;
    assert_eq!(joined.status, StatusCode::CREATED, "{}", joined.text);
    let Ticket {
        id: ticket_id,
        token,
    } = Ticket::from_join(&joined.json());
    let ticket_url = format!("{base}/api/v1/tickets/{ticket_id}");
    let console_url = format!("{base}/api/v1/operator/console");
    let ticket_etag = send(taxpayer.get(&ticket_url).bearer_auth(&token))
        .await
        .header("etag")
        .expect("etag");
    let console_etag = send(operator.get(&console_url))
        .await
        .header("etag")
        .expect("etag");
    let held_ticket = tokio::spawn(send(
        taxpayer
            .get(format!("{ticket_url}?wait=30"))
            .bearer_auth(&token)
            .header("if-none-match", &ticket_etag),
    ));
    let held_console = tokio::spawn(send(
        operator
            .get(format!("{console_url}?wait=30"))
            .header("if-none-match", &console_etag),
    ));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!held_ticket.is_finished() && !held_console.is_finished());

    // Act
    let attended = send(operator.post(format!("{base}/api/v1/operator/attend"))).await;
    let ticket = until_state(
        &taxpayer,
        &ticket_url,
        Some(&token),
        held_ticket,
        "assigned",
    )
    .await;
    let console = until_state(&operator, &console_url, None, held_console, "assigned").await;
    let assigned_etag = console.header("etag").expect("etag");
    let unchanged = send(
        operator
            .get(format!("{console_url}?wait=1"))
            .header("if-none-match", &assigned_etag),
    )
    .await;

    // Assert
    assert_eq!(attended.status, StatusCode::OK, "{}", attended.text);
    assert_eq!(ticket.status, StatusCode::OK, "{}", ticket.text);
    assert_eq!(ticket.json()["state"], "assigned");
    assert_eq!(console.status, StatusCode::OK, "{}", console.text);
    assert_eq!(console.json()["state"], "assigned");
    assert_eq!(unchanged.status, StatusCode::NOT_MODIFIED);
}

/// The answer of a held poll, or of the next held polls after it while the
/// view passes through other states (at most five), once it shows `state`.
async fn until_state(
    client: &reqwest::Client,
    url: &str,
    bearer: Option<&str>,
    first: tokio::task::JoinHandle<crate::helpers::Answer>,
    state: &str,
) -> crate::helpers::Answer {
    let mut answer = first.await.expect("task");
    for _ in 0..5 {
        if answer.status != StatusCode::OK || answer.json()["state"] == state {
            return answer;
        }
        let mut request = client
            .get(format!("{url}?wait=30"))
            .header("if-none-match", answer.header("etag").expect("etag"));
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        answer = send(request).await;
    }
    answer
}

/// The v1.1 `[server]` keys reach the real binary: unfinished headers are
/// cut off after `header_timeout_ms`, and `/metrics` lives on `metrics_bind`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_closes_unfinished_headers_and_serves_metrics_on_metrics_bind() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let dir = tempfile::tempdir().expect("tempdir");
    let (port, metrics_port) = (free_port(), free_port());
    let config = dir.path().join("ventanilla.toml");
    std::fs::write(
        &config,
        crate::helpers::config_with_server_keys(&format!(
            "header_timeout_ms = 300\nmetrics_bind = \"127.0.0.1:{metrics_port}\""
        ))
        .replace(
            "bind = \"127.0.0.1:8080\"",
            &format!("bind = \"127.0.0.1:{port}\""),
        ),
    )
    .expect("config written");
    let child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_ventanilla"))
            .arg("--config")
            .arg(&config)
            .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary runs"),
    );
    let base = format!("http://127.0.0.1:{port}");
    // No pooled connections: the server closes idle ones after 300 ms too,
    // and a request on one it is closing at that moment would fail.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");
    until_answering(&client, &base).await;

    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connects");
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("writes");
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest)).await;
    let main_metrics = send(client.get(format!("{base}/metrics"))).await;
    let metrics = send(client.get(format!("http://127.0.0.1:{metrics_port}/metrics"))).await;
    drop(child);

    assert!(
        closed.is_ok(),
        "the half-sent request's connection stayed open"
    );
    assert_eq!(main_metrics.status, StatusCode::NOT_FOUND);
    assert_eq!(metrics.status, StatusCode::OK);
    assert!(metrics.text.contains("ventanilla_"), "{}", metrics.text);
}

/// A child process that is stopped however the test ends, panics included.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
