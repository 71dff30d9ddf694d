//! `GET /api/v1/openapi.json`: the contract of API.md as OpenAPI 3.1.
//!
//! Written out here rather than derived: the poll bodies are the engine's
//! types (no schema derive there), and the document must change only when
//! the contract does. The tests check that every call of the router and
//! every error code is in it.

use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/openapi.json", get(openapi))
}

async fn openapi() -> Json<Value> {
    Json(document())
}

fn error(status: &str, codes: &[&str]) -> (String, Value) {
    (
        status.to_string(),
        json!({
            "description": format!("error codes: {}", codes.join(", ")),
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }),
    )
}

fn ok(status: &str, description: &str, schema: &str) -> (String, Value) {
    (
        status.to_string(),
        json!({
            "description": description,
            "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}},
        }),
    )
}

fn responses(list: Vec<(String, Value)>) -> Value {
    Value::Object(list.into_iter().collect())
}

fn body(schema: &str) -> Value {
    json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}})
}

fn unauthenticated() -> (String, Value) {
    error("401", &["unauthenticated"])
}

fn invalid_request() -> (String, Value) {
    error("400", &["invalid_request"])
}

const TICKET_ID: &str = "TicketId";

/// The whole document.
pub fn document() -> Value {
    let operator_security = json!([{"session_cookie": []}, {"bearer": []}]);
    let ticket_param = json!([{"$ref": format!("#/components/parameters/{TICKET_ID}")}]);
    let poll_304 = (
        "304".to_string(),
        json!({"description": "unchanged since the If-None-Match ETag"}),
    );
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Ventanilla",
            "version": "1",
            "description": "The HTTP contract of Ventanilla's gateway. Every error is {\"error\": {\"code\", \"message\"}}.",
        },
        "paths": {
            "/api/v1/session": {
                "post": {
                    "summary": "Log in (password mode; in trusted_header mode the SSO header names the operator)",
                    "requestBody": body("LoginRequest"),
                    "responses": responses(vec![
                        ok("200", "session opened; also set as the ventanilla_session cookie", "LoginResponse"),
                        invalid_request(), unauthenticated(), error("429", &["rate_limited"]),
                    ]),
                },
                "delete": {
                    "summary": "Log out",
                    "security": operator_security,
                    "responses": responses(vec![("204".into(), json!({"description": "session closed"})), unauthenticated()]),
                },
            },
            "/api/v1/operator/availability": {
                "get": {
                    "summary": "Gestión disponibilidad operador",
                    "security": operator_security,
                    "responses": responses(vec![ok("200", "availability per service", "Availability"), unauthenticated()]),
                },
                "put": {
                    "summary": "Set per-service availability (persists)",
                    "security": operator_security,
                    "requestBody": body("AvailabilityRequest"),
                    "responses": responses(vec![
                        ok("200", "availability per service", "Availability"),
                        invalid_request(), unauthenticated(), error("404", &["unknown_service"]),
                    ]),
                },
            },
            "/api/v1/operator/attend": {"post": {
                "summary": "Atender Contribuyente: idle → waiting (or straight to assigned)",
                "security": operator_security,
                "responses": responses(vec![
                    ok("200", "the console now", "Console"), unauthenticated(),
                    error("409", &["not_available", "services_closed", "invalid_state"]),
                ]),
            }},
            "/api/v1/operator/interrupt": {"post": {
                "summary": "Interrumpir: waiting → idle",
                "security": operator_security,
                "responses": responses(vec![
                    ok("200", "the console now", "Console"), unauthenticated(),
                    error("409", &["invalid_state", "interrupt_refused_end_of_day"]),
                ]),
            }},
            "/api/v1/operator/start": {"post": {
                "summary": "Iniciar Videoasistencia: creates the meeting; assigned → in_meeting",
                "security": operator_security,
                "responses": responses(vec![
                    ok("200", "the operator's meeting link", "StartResponse"), unauthenticated(),
                    error("409", &["invalid_state"]),
                    error("502", &["meeting_provider_failed"]),
                ]),
            }},
            "/api/v1/operator/finalize": {"post": {
                "summary": "Finalizar y Atender siguiente / Finalizar e Interrumpir",
                "security": operator_security,
                "requestBody": body("FinalizeRequest"),
                "responses": responses(vec![
                    ok("200", "the console now", "Console"), unauthenticated(),
                    error("400", &["invalid_outcome", "invalid_nif", "observations_too_long", "invalid_request"]),
                    error("409", &["representation_not_allowed", "interrupt_refused_end_of_day", "invalid_state"]),
                ]),
            }},
            "/api/v1/operator/console": {"get": {
                "summary": "The console poll (ETag / If-None-Match)",
                "security": operator_security,
                "responses": responses(vec![ok("200", "the console view", "Console"), poll_304.clone(), unauthenticated()]),
            }},
            "/api/v1/services": {"get": {
                "summary": "Public list of services",
                "responses": responses(vec![ok("200", "services with hours, open now and waiting count", "Services")]),
            }},
            "/api/v1/tickets": {"post": {
                "summary": "Join a queue",
                "requestBody": body("JoinRequest"),
                "responses": responses(vec![
                    ok("201", "the ticket and its token", "JoinResponse"),
                    error("400", &["invalid_nif", "invalid_request"]),
                    error("401", &["identity_not_verified"]),
                    error("404", &["unknown_service"]),
                    error("409", &["service_closed", "already_waiting"]),
                    error("429", &["rate_limited"]),
                ]),
            }},
            "/api/v1/tickets/{id}": {"get": {
                "summary": "The taxpayer's poll (Bearer = ticket token; ETag / If-None-Match)",
                "parameters": ticket_param,
                "security": [{"ticket_token": []}],
                "responses": responses(vec![
                    ok("200", "the ticket view", "Ticket"), poll_304,
                    unauthenticated(), error("404", &["not_found"]),
                ]),
            }},
            "/api/v1/tickets/{id}/accept": {"post": {
                "summary": "Aceptar y Acceder a la videoconferencia: assigned → accepted",
                "parameters": ticket_param,
                "security": [{"ticket_token": []}],
                "responses": responses(vec![
                    ok("200", "the meeting link (null until the operator starts it)", "AcceptResponse"),
                    unauthenticated(), error("404", &["not_found"]), error("409", &["invalid_state"]),
                ]),
            }},
            "/api/v1/tickets/{id}/abandon": {"post": {
                "summary": "Abandonar, from any non-final state (the body may be omitted)",
                "parameters": ticket_param,
                "security": [{"ticket_token": []}],
                "requestBody": {"required": false, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AbandonRequest"}}}},
                "responses": responses(vec![
                    ok("200", "the ticket view", "Ticket"),
                    error("400", &["observations_too_long", "invalid_request"]),
                    unauthenticated(), error("404", &["not_found"]), error("409", &["invalid_state"]),
                ]),
            }},
            "/api/v1/openapi.json": {"get": {
                "summary": "This document",
                "responses": {"200": {"description": "OpenAPI 3.1"}},
            }},
            "/healthz": {"get": {"summary": "Process up", "responses": {"200": {"description": "ok"}}}},
            "/readyz": {"get": {
                "summary": "Engine recovered and answering",
                "responses": {"200": {"description": "ready"}, "503": {"description": "engine unavailable"}},
            }},
        },
        "components": {
            "securitySchemes": {
                "session_cookie": {"type": "apiKey", "in": "cookie", "name": "ventanilla_session"},
                "bearer": {"type": "http", "scheme": "bearer", "description": "the session token of POST /api/v1/session"},
                "ticket_token": {"type": "http", "scheme": "bearer", "description": "the token of POST /api/v1/tickets"},
            },
            "parameters": {
                TICKET_ID: {"name": "id", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[0-9a-f]{16}$"}},
            },
            "schemas": schemas(),
        },
    })
}

fn string() -> Value {
    json!({"type": "string"})
}

fn nullable(schema: Value) -> Value {
    json!({"oneOf": [schema, {"type": "null"}]})
}

fn object(required: &[&str], properties: Value) -> Value {
    json!({"type": "object", "additionalProperties": false, "required": required, "properties": properties})
}

fn schemas() -> Value {
    let timestamp = json!({"type": "string", "format": "date-time", "description": "RFC 3339, Europe/Madrid, milliseconds"});
    json!({
        "Error": object(&["error"], json!({"error": object(&["code", "message"], json!({
            "code": {"type": "string", "enum": [
                "not_available", "services_closed", "invalid_state", "meeting_provider_failed",
                "invalid_outcome", "invalid_nif", "observations_too_long", "invalid_request",
                "representation_not_allowed", "interrupt_refused_end_of_day", "unknown_service",
                "identity_not_verified", "service_closed", "already_waiting", "unauthenticated",
                "not_found", "rate_limited", "store_unavailable", "engine_unavailable"]},
            "message": string(),
        }))})),
        "LoginRequest": object(&["operator_id", "password"], json!({"operator_id": string(), "password": string()})),
        "LoginResponse": object(&["operator_id", "name", "token"], json!({"operator_id": string(), "name": string(), "token": string()})),
        "Availability": object(&["services"], json!({"services": {"type": "array", "items": object(
            &["code", "description", "available"],
            json!({"code": string(), "description": string(), "available": {"type": "boolean"}}),
        )}})),
        "AvailabilityRequest": object(&["services"], json!({"services": {
            "type": "object", "additionalProperties": {"type": "boolean"},
            "description": "service code → available; services not named keep their value",
        }})),
        "FinalizeRequest": object(&["outcome", "next"], json!({
            "outcome": {"type": "string", "enum": ["success", "technical_error", "functional_error", "taxpayer_abandoned"]},
            "observations": nullable(json!({"type": "string", "maxLength": 1000})),
            "represented_nif": nullable(string()),
            "next": {"type": "string", "enum": ["attend", "interrupt"]},
        })),
        "StartResponse": object(&["start_url"], json!({"start_url": string()})),
        "Console": {"type": "object", "required": ["version", "operator", "attended_today", "state", "services", "assignment", "warnings", "next_poll_seconds"], "properties": {
            "version": {"type": "integer"},
            "operator": {"type": "object", "properties": {"id": string(), "name": string()}},
            "attended_today": {"type": "integer"},
            "state": {"type": "string", "enum": ["unavailable", "closed", "idle", "waiting", "assigned", "in_meeting", "taxpayer_abandoned"]},
            "services": {"type": "array", "items": {"type": "object", "properties": {
                "code": string(), "description": string(), "hours": string(), "open": {"type": "boolean"}, "active": {"type": "boolean"}}}},
            "assignment": nullable(json!({"type": "object", "properties": {
                "ticket_id": string(), "nif": string(), "name": string(),
                "joined_at": timestamp, "assigned_at": timestamp,
                "service": {"type": "object", "properties": {"code": string(), "description": string()}},
                "authentication": string(), "representation_allowed": {"type": "boolean"},
                "history": {"type": "array", "items": {"type": "object", "properties": {
                    "at": timestamp, "operator_id": string(), "service": string(), "outcome": string(),
                    "outcome_label": string(), "observations": string()}}},
                "meeting": nullable(json!({"type": "object", "properties": {"start_url": string(), "started_at": timestamp}})),
                "taxpayer_observations": nullable(string()),
            }})),
            "warnings": {"type": "array", "items": {"type": "object", "properties": {"code": string(), "message": string()}}},
            "next_poll_seconds": {"type": "integer"},
        }},
        "Services": object(&["services"], json!({"services": {"type": "array", "items": object(
            &["code", "description", "hours", "open", "waiting"],
            json!({"code": string(), "description": string(), "hours": string(), "open": {"type": "boolean"}, "waiting": {"type": "integer"}}),
        )}})),
        "JoinRequest": object(&["nif", "name", "contrast", "service"], json!({
            "nif": string(), "name": {"type": "string", "maxLength": 200}, "contrast": {"type": "string", "maxLength": 100}, "service": string(),
        })),
        "JoinResponse": object(&["ticket_id", "token", "position", "estimated_wait_seconds"], json!({
            "ticket_id": string(), "token": string(), "position": {"type": "integer"}, "estimated_wait_seconds": {"type": "integer"},
        })),
        "Ticket": {"type": "object", "required": ["version", "ticket_id", "state", "service", "position", "estimated_wait_seconds", "operator", "recording_notice", "join_url", "joined_at", "assigned_at", "finished_at", "next_poll_seconds"], "properties": {
            "version": {"type": "integer"}, "ticket_id": string(),
            "state": {"type": "string", "enum": ["waiting", "assigned", "accepted", "finished", "abandoned"]},
            "service": string(), "service_description": string(), "nif": string(), "name": string(),
            "position": nullable(json!({"type": "integer"})),
            "estimated_wait_seconds": nullable(json!({"type": "integer"})),
            "operator": nullable(json!({"type": "object", "properties": {"name": string(), "id_number": string()}})),
            "recording_notice": string(), "join_url": nullable(string()),
            "joined_at": timestamp, "assigned_at": nullable(timestamp.clone()), "finished_at": nullable(timestamp.clone()),
            "next_poll_seconds": {"type": "integer"},
        }},
        "AcceptResponse": object(&["join_url"], json!({"join_url": nullable(string())})),
        "AbandonRequest": object(&[], json!({"observations": nullable(json!({"type": "string", "maxLength": 1000}))})),
    })
}
