//! The HTTP calls the process tests make to a running `ventanilla`.

use std::fmt::Display;
use std::time::{Duration, Instant};

use engine::testsuite::dni;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A client whose every call gives up after `timeout` instead of hanging.
pub fn client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .expect("client")
}

pub async fn ready(client: &reqwest::Client, base: &str) -> bool {
    matches!(client.get(format!("{base}/readyz")).send().await, Ok(r) if r.status() == StatusCode::OK)
}

pub async fn wait_ready(client: &reqwest::Client, base: &str, within: Duration) {
    let deadline = Instant::now() + within;
    while !ready(client, base).await {
        assert!(Instant::now() < deadline, "{base} never became ready");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Logs `operator` in (password "demo"); its session token.
pub async fn login(client: &reqwest::Client, base: &str, operator: &str) -> String {
    let response = client
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"operator_id": operator, "password": "demo"}))
        .send()
        .await
        .expect("login");
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("json");
    body["token"].as_str().expect("token").to_string()
}

/// Taxpayer `n` (NIF `dni(n)`) joins CLAVE.
pub async fn join(
    client: &reqwest::Client,
    base: &str,
    n: u32,
) -> reqwest::Result<reqwest::Response> {
    client
        .post(format!("{base}/api/v1/tickets"))
        .json(&json!({"nif": dni(n), "name": format!("CONTRIBUYENTE {n}"), "contrast": "x", "service": "CLAVE"}))
        .send()
        .await
}

/// A join that was acknowledged: its ticket id and token.
pub async fn acknowledged_join(
    client: &reqwest::Client,
    base: &str,
    n: u32,
) -> Option<(String, String)> {
    let response = join(client, base, n).await.ok()?;
    if response.status() != StatusCode::CREATED {
        return None;
    }
    let body: Value = response.json().await.ok()?;
    Some((
        body["ticket_id"].as_str()?.to_string(),
        body["token"].as_str()?.to_string(),
    ))
}

/// `POST /api/v1/operator/{path}` with the session `token`; its status, or
/// 503 when no answer came.
pub async fn operator_post(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    path: &str,
    body: Value,
) -> StatusCode {
    let request = client
        .post(format!("{base}/api/v1/operator/{path}"))
        .bearer_auth(token)
        .json(&body);
    status_of(request).await
}

/// Makes the operator of session `token` available for CLAVE; the status,
/// or 503 when no answer came.
pub async fn set_available(client: &reqwest::Client, base: &str, token: &str) -> StatusCode {
    let request = client
        .put(format!("{base}/api/v1/operator/availability"))
        .bearer_auth(token)
        .json(&json!({"services": {"CLAVE": true}}));
    status_of(request).await
}

/// The status of `request`'s answer; 503 when none came (the process is
/// down or did not answer in time), as a client would take it.
async fn status_of(request: reqwest::RequestBuilder) -> StatusCode {
    match request.send().await {
        Ok(response) => response.status(),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// The taxpayer's poll of ticket `id`, with its `token`.
pub async fn ticket_poll(
    client: &reqwest::Client,
    base: &str,
    id: impl Display,
    token: &str,
) -> reqwest::Response {
    client
        .get(format!("{base}/api/v1/tickets/{id}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("ticket poll")
}

/// The console poll of the operator of session `token`.
pub async fn console_poll(client: &reqwest::Client, base: &str, token: &str) -> reqwest::Response {
    client
        .get(format!("{base}/api/v1/operator/console"))
        .bearer_auth(token)
        .send()
        .await
        .expect("console poll")
}
