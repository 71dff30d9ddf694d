//! `[server] metrics_bind`: `/metrics` on its own listener and off the main
//! router, so a deployment can keep it off the public port.

use axum::http::StatusCode;

use crate::helpers::{
    config_with_server_keys, free_port, send, spawn_app, spawn_app_with, AppOptions,
};

#[tokio::test]
async fn with_metrics_bind_metrics_are_served_on_their_own_port_only() {
    let port = free_port();
    let app = spawn_app_with(AppOptions {
        config: config_with_server_keys(&format!("metrics_bind = \"127.0.0.1:{port}\"")),
        ..AppOptions::default()
    })
    .await;
    let client = reqwest::Client::new();

    let main = send(client.get(app.url("/metrics"))).await;
    let mut separate = None;
    // The listener is bound as the server starts: give it a moment.
    for _ in 0..200 {
        match client
            .get(format!("http://127.0.0.1:{port}/metrics"))
            .send()
            .await
        {
            Ok(response) => {
                let status = response.status().as_u16();
                separate = Some((status, response.text().await.expect("body")));
                break;
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(25)).await,
        }
    }
    let healthz_on_metrics_port =
        send(client.get(format!("http://127.0.0.1:{port}/healthz"))).await;

    assert_eq!(main.status, StatusCode::NOT_FOUND, "{}", main.text);
    let (status, text) = separate.expect("the metrics port answers");
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("ventanilla_"), "{text}");
    assert_eq!(
        healthz_on_metrics_port.status,
        StatusCode::NOT_FOUND,
        "the metrics listener serves /metrics only"
    );
}

#[tokio::test]
async fn without_metrics_bind_metrics_stay_on_the_main_router() {
    let app = spawn_app().await;

    let main = send(reqwest::Client::new().get(app.url("/metrics"))).await;

    assert_eq!(main.status, StatusCode::OK);
    assert!(main.text.contains("ventanilla_"), "{}", main.text);
}
