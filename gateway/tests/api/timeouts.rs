//! Connection-level limits, through a real socket: headers that never end,
//! bodies that stall and announced bodies over the limit (API.md v1.1).
//! The apps here close unfinished headers after 300 ms; each test waits at
//! most a few seconds for the close, so a server that never closes fails
//! instead of hanging.

use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::helpers::{config_with_server_keys, spawn_app_with, AppOptions, TestApp};

/// Far longer than the 300 ms timeout: only a server that never closes reaches it.
const GIVE_UP: Duration = Duration::from_secs(5);

async fn app_with_short_timeout() -> TestApp {
    spawn_app_with(AppOptions {
        config: config_with_server_keys("header_timeout_ms = 300"),
        ..AppOptions::default()
    })
    .await
}

/// Writes `bytes`, then reads until the server closes: what it sent, or
/// `None` if it kept the connection open past [`GIVE_UP`].
async fn send_then_wait_for_close(app: &TestApp, bytes: &[u8]) -> Option<String> {
    let mut stream = TcpStream::connect(app.host()).await.expect("connects");
    stream.write_all(bytes).await.expect("writes");
    let mut received = Vec::new();
    let read = tokio::time::timeout(GIVE_UP, async {
        let mut buffer = [0u8; 4096];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    read.ok()
        .map(|()| String::from_utf8_lossy(&received).into_owned())
}

#[tokio::test]
async fn a_connection_that_never_finishes_its_headers_is_closed_within_the_header_timeout() {
    let app = app_with_short_timeout().await;

    let half = format!(
        "GET /healthz HTTP/1.1\r\nHost: {}\r\nAccept: */",
        app.host()
    );
    let answer = send_then_wait_for_close(&app, half.as_bytes()).await;

    let answer = answer.expect("the server closed the connection");
    assert!(
        !answer.contains("200 OK"),
        "half a request is not served: {answer}"
    );
}

#[tokio::test]
async fn an_idle_connection_that_sends_nothing_is_closed_too() {
    let app = app_with_short_timeout().await;

    let answer = send_then_wait_for_close(&app, b"").await;

    assert!(answer.is_some(), "the server kept a silent connection open");
}

#[tokio::test]
async fn a_request_body_that_stalls_is_closed() {
    let app = app_with_short_timeout().await;

    let stalled = format!(
        "POST /api/v1/tickets HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"nif\":",
        app.host()
    );
    let answer = send_then_wait_for_close(&app, stalled.as_bytes()).await;

    let answer = answer.expect("the server closed the stalled body");
    assert!(!answer.contains(" 201 "), "nobody joined: {answer}");
}

#[tokio::test]
async fn an_announced_body_over_the_limit_is_refused_at_once_without_reading_it() {
    let app = app_with_short_timeout().await;
    let mut stream = TcpStream::connect(app.host()).await.expect("connects");
    let headers = format!(
        "POST /api/v1/tickets HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n",
        app.host()
    );

    stream.write_all(headers.as_bytes()).await.expect("writes");
    // No body is sent: the answer must come from the headers alone.
    let mut buffer = vec![0u8; 8192];
    let read = tokio::time::timeout(GIVE_UP, stream.read(&mut buffer))
        .await
        .expect("an answer before any body byte was sent")
        .expect("reads");
    let answer = String::from_utf8_lossy(&buffer[..read]).into_owned();

    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{answer}"
    );
    assert!(answer.contains("\"code\":\"invalid_request\""), "{answer}");
}
