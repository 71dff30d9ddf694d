use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::Value;

use crate::helpers::{send, spawn_app};

/// Every call of the router, with its methods.
const CALLS: [(&str, &str); 20] = [
    ("post", "/api/v1/session"),
    ("delete", "/api/v1/session"),
    ("get", "/api/v1/operator/availability"),
    ("put", "/api/v1/operator/availability"),
    ("post", "/api/v1/operator/attend"),
    ("post", "/api/v1/operator/interrupt"),
    ("post", "/api/v1/operator/start"),
    ("post", "/api/v1/operator/finalize"),
    ("post", "/api/v1/operator/meeting/end"),
    ("get", "/api/v1/operator/console"),
    ("get", "/api/v1/services"),
    ("post", "/api/v1/tickets"),
    ("get", "/api/v1/tickets/{id}"),
    ("post", "/api/v1/tickets/{id}/accept"),
    ("post", "/api/v1/tickets/{id}/abandon"),
    ("post", "/api/v1/tickets/{id}/leave"),
    ("get", "/api/v1/openapi.json"),
    ("post", "/webhooks/zoom"),
    ("get", "/healthz"),
    ("get", "/readyz"),
];

/// A call (method, path) and the error statuses and codes it documents.
type DocumentedErrors = (&'static str, &'static str, &'static [(u16, &'static str)]);

/// The error statuses and codes API.md lists per call (plus 401
/// `unauthenticated` for every operator and ticket call).
const API_MD_ERRORS: &[DocumentedErrors] = &[
    (
        "post",
        "/api/v1/session",
        &[(401, "unauthenticated"), (429, "rate_limited")],
    ),
    ("delete", "/api/v1/session", &[(401, "unauthenticated")]),
    (
        "get",
        "/api/v1/operator/availability",
        &[(401, "unauthenticated")],
    ),
    (
        "put",
        "/api/v1/operator/availability",
        &[(401, "unauthenticated"), (404, "unknown_service")],
    ),
    (
        "post",
        "/api/v1/operator/attend",
        &[
            (401, "unauthenticated"),
            (409, "not_available"),
            (409, "services_closed"),
            (409, "invalid_state"),
        ],
    ),
    (
        "post",
        "/api/v1/operator/interrupt",
        &[(401, "unauthenticated"), (409, "invalid_state")],
    ),
    (
        "post",
        "/api/v1/operator/start",
        &[
            (401, "unauthenticated"),
            (409, "invalid_state"),
            (502, "meeting_provider_failed"),
        ],
    ),
    (
        "post",
        "/api/v1/operator/finalize",
        &[
            (401, "unauthenticated"),
            (400, "invalid_outcome"),
            (400, "invalid_nif"),
            (400, "observations_too_long"),
            (409, "representation_not_allowed"),
            (409, "interrupt_refused_end_of_day"),
            (409, "invalid_state"),
        ],
    ),
    (
        "get",
        "/api/v1/operator/console",
        &[(400, "invalid_request"), (401, "unauthenticated")],
    ),
    ("get", "/api/v1/services", &[]),
    (
        "post",
        "/api/v1/tickets",
        &[
            (400, "invalid_nif"),
            (400, "invalid_request"),
            (401, "identity_not_verified"),
            (404, "unknown_service"),
            (409, "service_closed"),
            (409, "already_waiting"),
            (409, "service_closing"),
            (429, "rate_limited"),
        ],
    ),
    (
        "get",
        "/api/v1/tickets/{id}",
        &[
            (400, "invalid_request"),
            (401, "unauthenticated"),
            (404, "not_found"),
        ],
    ),
    (
        "post",
        "/api/v1/tickets/{id}/accept",
        &[(401, "unauthenticated"), (409, "invalid_state")],
    ),
    (
        "post",
        "/api/v1/tickets/{id}/abandon",
        &[(401, "unauthenticated"), (409, "invalid_state")],
    ),
    (
        "post",
        "/api/v1/tickets/{id}/leave",
        &[(401, "unauthenticated"), (404, "not_found")],
    ),
];

async fn served_document() -> Value {
    let app = spawn_app().await;
    let answer = send(app.client().get(app.url("/api/v1/openapi.json"))).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer
        .header("content-type")
        .is_some_and(|value| value.starts_with("application/json")));
    answer.json()
}

#[tokio::test]
async fn the_openapi_document_lists_every_call_of_the_contract() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let answer = send(app.client().get(app.url("/api/v1/openapi.json"))).await;

    // Assert
    assert_eq!(answer.status, StatusCode::OK);
    let document = answer.json();
    assert_eq!(document["openapi"], "3.1.0");
    for (method, path) in CALLS {
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

#[tokio::test]
async fn every_documented_call_is_a_route_of_the_router() {
    // Arrange
    let app = spawn_app().await;
    let document = gateway::routes::openapi::document();

    // Act / Assert: no documented method and path falls to the router's
    // fallbacks (404 "no such API call" or page, 405).
    let mut documented = 0;
    for (path, item) in &document.paths.paths {
        let methods = [
            (Method::GET, item.get.is_some()),
            (Method::PUT, item.put.is_some()),
            (Method::POST, item.post.is_some()),
            (Method::DELETE, item.delete.is_some()),
            (Method::PATCH, item.patch.is_some()),
        ];
        for (method, present) in methods {
            if !present {
                continue;
            }
            documented += 1;
            let uri = path.replace("{id}", "0123456789abcdef");
            let answer = app
                .oneshot(
                    Request::builder()
                        .method(method.clone())
                        .uri(&uri)
                        .body(Body::empty())
                        .unwrap(),
                )
                .await;
            assert_ne!(
                answer.status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path} is documented but not routed"
            );
            let fallback = answer.status == StatusCode::NOT_FOUND
                && serde_json::from_str::<Value>(&answer.text)
                    .ok()
                    .and_then(|body| body["error"]["message"].as_str().map(str::to_string))
                    .is_none_or(|message| message == "no such API call");
            assert!(!fallback, "{method} {path} is documented but not routed");
        }
    }
    assert_eq!(documented, CALLS.len(), "documented calls");
}

#[tokio::test]
async fn the_openapi_document_is_valid_openapi_3_with_the_errors_of_api_md() {
    // Arrange
    let document = served_document().await;

    // Act: it reads back as an OpenAPI 3.1 document.
    let parsed: utoipa::openapi::OpenApi =
        serde_json::from_value(document.clone()).expect("a valid OpenAPI document");

    // Assert
    assert_eq!(
        serde_json::to_value(&parsed.openapi).unwrap(),
        Value::from("3.1.0")
    );
    assert_eq!(parsed.info.title, "Ventanilla");
    let components = parsed.components.as_ref().expect("components");
    for scheme in ["session_cookie", "bearer", "ticket_token"] {
        assert!(components.security_schemes.contains_key(scheme), "{scheme}");
    }
    // Every schema reference resolves.
    let text = document.to_string();
    for reference in text.split("\"$ref\":\"").skip(1) {
        let reference = reference.split('"').next().unwrap();
        let name = reference
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected reference {reference}"));
        assert!(
            components.schemas.contains_key(name),
            "{reference} does not resolve"
        );
    }
    for (method, path, errors) in API_MD_ERRORS {
        let operation = &document["paths"][path][method];
        assert!(operation.is_object(), "{method} {path} is not documented");
        for (status, code) in *errors {
            let response = &operation["responses"][status.to_string()];
            assert!(
                response["description"]
                    .as_str()
                    .is_some_and(|text| text.contains(code)),
                "{method} {path}: {status} {code} is not documented"
            );
            assert_eq!(
                response["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/ErrorBody",
                "{method} {path}: {status} has not the error body"
            );
        }
        let security = operation["security"].to_string();
        if path.starts_with("/api/v1/operator") || *method == "delete" {
            assert!(
                security.contains("session_cookie") && security.contains("bearer"),
                "{method} {path} security: {security}"
            );
        } else if path.starts_with("/api/v1/tickets/") {
            assert!(
                security.contains("ticket_token"),
                "{method} {path} security: {security}"
            );
        }
    }
    // The error body is {"error": {"code", "message"}}.
    let error = serde_json::to_value(&components.schemas["ErrorBody"]).unwrap();
    assert_eq!(
        error["properties"]["error"]["$ref"],
        "#/components/schemas/ErrorDetail"
    );
    let detail = serde_json::to_value(&components.schemas["ErrorDetail"]).unwrap();
    assert_eq!(detail["required"], serde_json::json!(["code", "message"]));
    // Honest waits: the join answer and the ticket view say whether the
    // estimated start is after closing, always; the estimate may be null.
    for schema in ["JoinBody", "TicketBody"] {
        let body = serde_json::to_value(&components.schemas[schema]).unwrap();
        let required = body["required"].to_string();
        for field in ["estimated_wait_seconds", "estimate_past_closing"] {
            assert!(
                required.contains(field),
                "{schema} requires {field}: {required}"
            );
        }
        assert_eq!(
            body["properties"]["estimate_past_closing"]["type"], "boolean",
            "{schema}"
        );
    }
    // The polls answer the engine's bodies, with 304 on If-None-Match.
    for (path, schema) in [
        ("/api/v1/operator/console", "ConsoleBody"),
        ("/api/v1/tickets/{id}", "TicketBody"),
    ] {
        let responses = &document["paths"][path]["get"]["responses"];
        assert_eq!(
            responses["200"]["content"]["application/json"]["schema"]["$ref"],
            format!("#/components/schemas/{schema}")
        );
        assert!(responses["304"].is_object(), "{path} 304");
        // docs/api.md "Instant updates": `?wait=N`, 1 to 30 seconds, with If-None-Match.
        let parameters = document["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap_or_else(|| panic!("{path} has no parameters"));
        let wait = parameters
            .iter()
            .find(|parameter| parameter["name"] == "wait")
            .unwrap_or_else(|| panic!("{path} does not document wait"));
        assert_eq!(wait["in"], "query", "{path}");
        assert_eq!(wait["schema"]["minimum"], 1, "{path}");
        assert_eq!(wait["schema"]["maximum"], 30, "{path}");
        assert!(
            parameters.iter().any(
                |parameter| parameter["name"] == "If-None-Match" && parameter["in"] == "header"
            ),
            "{path} does not document If-None-Match"
        );
    }
}

/// The refusals of API.md v1.1 that every client may meet, per call.
const V1_1_ERRORS: &[DocumentedErrors] = &[
    (
        "post",
        "/webhooks/zoom",
        &[(400, "invalid_request"), (413, "invalid_request")],
    ),
    ("get", "/api/v1/tickets/{id}", &[(400, "invalid_request")]),
    (
        "post",
        "/api/v1/tickets/{id}/accept",
        &[(400, "invalid_request"), (415, "invalid_request")],
    ),
    (
        "post",
        "/api/v1/tickets/{id}/abandon",
        &[(400, "invalid_request")],
    ),
    (
        "post",
        "/api/v1/operator/attend",
        &[(403, "cross_origin_refused"), (415, "invalid_request")],
    ),
    (
        "post",
        "/api/v1/operator/interrupt",
        &[(403, "cross_origin_refused"), (415, "invalid_request")],
    ),
    (
        "post",
        "/api/v1/operator/start",
        &[(403, "cross_origin_refused"), (415, "invalid_request")],
    ),
    (
        "post",
        "/api/v1/operator/meeting/end",
        &[(403, "cross_origin_refused"), (415, "invalid_request")],
    ),
    (
        "post",
        "/api/v1/operator/finalize",
        &[(403, "cross_origin_refused")],
    ),
    (
        "put",
        "/api/v1/operator/availability",
        &[(403, "cross_origin_refused")],
    ),
    (
        "delete",
        "/api/v1/session",
        &[(403, "cross_origin_refused"), (415, "invalid_request")],
    ),
];

#[tokio::test]
async fn the_openapi_document_lists_the_refusals_of_v1_1() {
    let document = served_document().await;

    for (method, path, errors) in V1_1_ERRORS {
        let operation = &document["paths"][path][method];
        for (status, code) in *errors {
            let response = &operation["responses"][status.to_string()];
            assert!(
                response["description"]
                    .as_str()
                    .is_some_and(|text| text.contains(code)),
                "{method} {path}: {status} {code} is not documented"
            );
            assert_eq!(
                response["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/ErrorBody",
                "{method} {path}: {status} has not the error body"
            );
        }
    }
}
