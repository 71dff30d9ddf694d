use axum::http::StatusCode;

use crate::helpers::{send, spawn_app};

#[tokio::test]
async fn the_openapi_document_lists_every_call_of_the_contract() {
    // Arrange
    let app = spawn_app().await;
    let calls = [
        ("post", "/api/v1/session"),
        ("delete", "/api/v1/session"),
        ("get", "/api/v1/operator/availability"),
        ("put", "/api/v1/operator/availability"),
        ("post", "/api/v1/operator/attend"),
        ("post", "/api/v1/operator/interrupt"),
        ("post", "/api/v1/operator/start"),
        ("post", "/api/v1/operator/finalize"),
        ("get", "/api/v1/operator/console"),
        ("get", "/api/v1/services"),
        ("post", "/api/v1/tickets"),
        ("get", "/api/v1/tickets/{id}"),
        ("post", "/api/v1/tickets/{id}/accept"),
        ("post", "/api/v1/tickets/{id}/abandon"),
        ("get", "/healthz"),
        ("get", "/readyz"),
    ];

    // Act
    let answer = send(app.client().get(app.url("/api/v1/openapi.json"))).await;

    // Assert
    assert_eq!(answer.status, StatusCode::OK);
    let document = answer.json();
    assert_eq!(document["openapi"], "3.1.0");
    for (method, path) in calls {
        assert!(
            document["paths"][path][method].is_object(),
            "{method} {path} is not documented"
        );
    }
    let finalize = document["paths"]["/api/v1/operator/finalize"]["post"]["responses"].to_string();
    for code in [
        "invalid_outcome",
        "representation_not_allowed",
        "interrupt_refused_end_of_day",
    ] {
        assert!(finalize.contains(code), "{code}");
    }
}
