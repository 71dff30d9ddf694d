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
