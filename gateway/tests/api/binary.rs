//! The `ventanilla` binary and `run`: start, serve, stop.

use std::process::Command;

use axum::http::StatusCode;
use gateway::Config;

use crate::helpers::send;

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
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port");
    let config = dir.path().join("ventanilla.toml");
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
    let mut child = Command::new(env!("CARGO_BIN_EXE_ventanilla"))
        .arg("--config")
        .arg(&config)
        .env("RUST_LOG", "trace")
        .env("VENTANILLA_LOG_FORMAT", "json")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while client.get(format!("{base}/readyz")).send().await.is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "the binary never answered"
        );
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
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
