//! Every error under `/api/` and `/webhooks/` has the API's JSON error body,
//! whatever refused the request: an undecodable path, a body too large, a
//! wrong method (API.md v1.1). Pages may answer HTML, never a 5xx.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};

use crate::helpers::{assert_client_error, spawn_app, Answer};

fn assert_api_error(what: &str, answer: &Answer, status: StatusCode, code: &str) {
    assert_eq!(answer.status, status, "{what}: {}", answer.text);
    assert!(
        answer
            .header("content-type")
            .is_some_and(|value| value.starts_with("application/json")),
        "{what}: {:?} {}",
        answer.header("content-type"),
        answer.text
    );
    assert_eq!(answer.error_code(), code, "{what}");
    assert!(
        answer.json()["error"]["message"]
            .as_str()
            .is_some_and(|message| !message.is_empty()),
        "{what}: {}",
        answer.text
    );
}

fn request(method: Method, path: &str) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", "Bearer 00000000000000000000000000000000")
        .body(Body::empty())
        .expect("request")
}

#[tokio::test]
async fn undecodable_ticket_paths_answer_the_json_error_body() {
    let app = spawn_app().await;

    for (method, path) in [
        (Method::GET, "/api/v1/tickets/%c3%28"),
        (Method::POST, "/api/v1/tickets/%c3%28/accept"),
        (Method::POST, "/api/v1/tickets/%c3%28/abandon"),
        (Method::GET, "/api/v1/tickets/%ff"),
    ] {
        let answer = app.oneshot(request(method.clone(), path)).await;
        assert_api_error(
            &format!("{method} {path}"),
            &answer,
            StatusCode::BAD_REQUEST,
            "invalid_request",
        );
    }
}

#[tokio::test]
async fn a_webhook_body_over_16_kib_answers_413_with_the_json_error_body() {
    let app = spawn_app().await;
    let big = vec![b'{'; 17 * 1024];

    let announced = app
        .oneshot(
            Request::post("/webhooks/zoom")
                .header("content-type", "application/json")
                .header("content-length", big.len())
                .body(Body::from(big.clone()))
                .expect("request"),
        )
        .await;
    let streamed = chunked_post(&app, "/webhooks/zoom", &big).await;

    assert_api_error(
        "announced",
        &announced,
        StatusCode::PAYLOAD_TOO_LARGE,
        "invalid_request",
    );
    assert_api_error(
        "streamed",
        &streamed,
        StatusCode::PAYLOAD_TOO_LARGE,
        "invalid_request",
    );
}

/// POSTs `body` in 1 KiB chunks (no Content-Length) through a real socket
/// and reads the answer's status line, headers and body.
async fn chunked_post(app: &crate::helpers::TestApp, path: &str, body: &[u8]) -> Answer {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut stream = tokio::net::TcpStream::connect(app.host())
        .await
        .expect("connects");
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        app.host()
    )
    .into_bytes();
    for chunk in body.chunks(1024) {
        request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        request.extend_from_slice(chunk);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    // The server may answer and close before reading everything: a failed
    // write is fine, the answer is what counts.
    let _ = stream.write_all(&request).await;
    let mut received = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        stream.read_to_end(&mut received),
    )
    .await;
    let text = String::from_utf8_lossy(&received).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    let mut headers = axum::http::HeaderMap::new();
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            if let (Ok(name), Ok(value)) = (
                axum::http::HeaderName::from_bytes(name.trim().as_bytes()),
                axum::http::HeaderValue::from_str(value.trim()),
            ) {
                headers.append(name, value);
            }
        }
    }
    // The body may itself be chunked: keep the JSON object only.
    let json = match (body.find('{'), body.rfind('}')) {
        (Some(start), Some(end)) if start < end => body[start..=end].to_string(),
        _ => body.to_string(),
    };
    Answer {
        status: StatusCode::from_u16(status).expect("status"),
        headers,
        text: json,
    }
}

#[tokio::test]
async fn a_wrong_method_or_an_unknown_path_under_the_api_or_the_webhooks_is_a_json_error() {
    let app = spawn_app().await;

    let cases = [
        (
            Method::DELETE,
            "/api/v1/tickets",
            StatusCode::METHOD_NOT_ALLOWED,
            "invalid_request",
        ),
        (
            Method::PATCH,
            "/api/v1/operator/attend",
            StatusCode::METHOD_NOT_ALLOWED,
            "invalid_request",
        ),
        (
            Method::GET,
            "/webhooks/zoom",
            StatusCode::METHOD_NOT_ALLOWED,
            "invalid_request",
        ),
        (
            Method::POST,
            "/webhooks/teams",
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            Method::GET,
            "/api/v2/tickets",
            StatusCode::NOT_FOUND,
            "not_found",
        ),
    ];
    for (method, path, status, code) in cases {
        let answer = app.oneshot(request(method.clone(), path)).await;
        assert_api_error(&format!("{method} {path}"), &answer, status, code);
    }
}

#[tokio::test]
async fn undecodable_page_paths_are_refused_but_never_a_server_error() {
    let app = spawn_app().await;

    for path in [
        "/contribuyente/%c3%28",
        "/reunion/%c3%28",
        "/reunion/%c3%28/entrar",
        "/operador/%c3%28",
    ] {
        for method in [Method::GET, Method::POST] {
            let answer = app.oneshot(request(method.clone(), path)).await;
            assert_client_error(&format!("{method} {path}"), &answer);
        }
    }
}

#[tokio::test]
async fn a_ticket_call_without_its_token_is_401_whatever_its_body() {
    let app = spawn_app().await;
    let ticket = app.joined(&engine::testsuite::dni(60), "CLAVE").await;

    let mut answers = Vec::new();
    for (action, content_type, body) in [
        ("abandon", "application/json", "null"),
        ("abandon", "application/json", "{\"nope\": 1}"),
        ("accept", "text/plain", "x"),
    ] {
        let answer = app
            .oneshot(
                Request::post(format!("/api/v1/tickets/{}/{action}", ticket.id))
                    .header("content-type", content_type)
                    .body(Body::from(body))
                    .expect("request"),
            )
            .await;
        answers.push((format!("{action} {body}"), answer));
    }

    for (what, answer) in &answers {
        assert_api_error(what, answer, StatusCode::UNAUTHORIZED, "unauthenticated");
    }
}

#[tokio::test]
async fn an_abandon_body_of_json_null_is_an_omitted_body() {
    let app = spawn_app().await;
    let ticket = app.joined(&engine::testsuite::dni(61), "CLAVE").await;

    let answer = app
        .oneshot(
            Request::post(format!("/api/v1/tickets/{}/abandon", ticket.id))
                .header("authorization", format!("Bearer {}", ticket.token))
                .header("content-type", "application/json")
                .body(Body::from("null"))
                .expect("request"),
        )
        .await;

    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.json()["state"], "abandoned");
}
