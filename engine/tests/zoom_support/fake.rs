//! A scripted Zoom on 127.0.0.1: the OAuth token endpoint (checks Basic auth,
//! grant_type and account_id; issues token-1, token-2, …) and the create, end
//! and get meeting operations. Each operation answers from its script, then
//! succeeds; every request is recorded.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Form, Json, Router};
use parking_lot::Mutex;
use serde_json::{json, Value};

use super::{ACCOUNT_ID, BASIC_AUTH};

/// Meeting number the fake creates: 2^53 + 1, which a float would round.
pub const MEETING_ID: u64 = 9_007_199_254_740_993;

/// One scripted answer.
#[derive(Debug, Clone)]
pub enum Reply {
    /// This status and JSON body.
    Status(u16, Value),
    /// 429 with optional `X-RateLimit-Type` and `Retry-After`, and a message.
    TooMany {
        kind: Option<&'static str>,
        retry_after: Option<&'static str>,
        message: &'static str,
    },
    /// Answer nothing for this long (then succeed).
    Hang(Duration),
}

/// Zoom's per-second 429.
pub fn per_second_429() -> Reply {
    Reply::TooMany {
        kind: Some("QPS"),
        retry_after: None,
        message:
            "You have reached the maximum per-second rate limit for this API. Try again later.",
    }
}

/// Zoom's daily-limit 429, as Zoom really sends it: no type header.
pub fn daily_429() -> Reply {
    Reply::TooMany {
        kind: None,
        retry_after: None,
        message: "You have exceeded the daily rate limit (100) of Meeting Create/Update API requests permitted for this particular user. You may resume these requests at GMT 00:00:00.",
    }
}

/// What the fake saw.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The path's user or meeting id, as decoded.
    pub target: String,
    /// The bearer token used.
    pub token: Option<String>,
    /// The JSON body.
    pub body: Value,
}

#[derive(Default)]
struct Inner {
    token_requests: usize,
    token_lifetime_seconds: u64,
    token_delay: Duration,
    create_script: VecDeque<Reply>,
    end_script: VecDeque<Reply>,
    creates: Vec<Seen>,
    ends: Vec<Seen>,
}

/// The fake's state, shared with the test.
#[derive(Clone, Default)]
pub struct FakeZoom {
    inner: Arc<Mutex<Inner>>,
    /// `http://127.0.0.1:PORT`: API base; the token endpoint is `{base}/oauth/token`.
    pub base_url: String,
}

impl FakeZoom {
    /// Starts the fake on a free port of this test's runtime (it stops with it).
    pub async fn start() -> FakeZoom {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let address = listener.local_addr().expect("bound address");
        let fake = FakeZoom {
            inner: Arc::new(Mutex::new(Inner {
                token_lifetime_seconds: 3600,
                ..Inner::default()
            })),
            base_url: format!("http://{address}"),
        };
        let app = Router::new()
            .route("/oauth/token", post(token))
            .route("/users/{user}/meetings", post(create))
            .route("/meetings/{id}/status", put(end))
            .route("/meetings/{id}", get(show))
            .with_state(fake.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        fake
    }

    /// The token endpoint's URL.
    pub fn oauth_url(&self) -> String {
        format!("{}/oauth/token", self.base_url)
    }

    /// Tokens issued so far.
    pub fn token_requests(&self) -> usize {
        self.inner.lock().token_requests
    }

    /// Lifetime of the tokens issued from now on.
    pub fn set_token_lifetime(&self, seconds: u64) {
        self.inner.lock().token_lifetime_seconds = seconds;
    }

    /// How long the token endpoint takes (to make concurrent refreshes overlap).
    pub fn set_token_delay(&self, delay: Duration) {
        self.inner.lock().token_delay = delay;
    }

    /// Scripts the next answers of create meeting.
    pub fn script_create(&self, replies: impl IntoIterator<Item = Reply>) {
        self.inner.lock().create_script.extend(replies);
    }

    /// Scripts the next answers of end meeting.
    pub fn script_end(&self, replies: impl IntoIterator<Item = Reply>) {
        self.inner.lock().end_script.extend(replies);
    }

    /// Create requests received (scripted answers included).
    pub fn creates(&self) -> Vec<Seen> {
        self.inner.lock().creates.clone()
    }

    /// End requests received.
    pub fn ends(&self) -> Vec<Seen> {
        self.inner.lock().ends.clone()
    }
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::to_owned)
}

async fn token(
    State(fake): State<FakeZoom>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let authorization = headers
        .get("authorization")
        .and_then(|value| value.to_str().ok());
    if authorization != Some(BASIC_AUTH) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(
                json!({"reason": "Invalid client_id or client_secret", "error": "invalid_client"}),
            ),
        )
            .into_response();
    }
    if form.get("grant_type").map(String::as_str) != Some("account_credentials")
        || form.get("account_id").map(String::as_str) != Some(ACCOUNT_ID)
    {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"reason": "unsupported grant type", "error": "invalid_request"})),
        )
            .into_response();
    }
    let (number, lifetime, delay) = {
        let mut inner = fake.inner.lock();
        inner.token_requests += 1;
        (
            inner.token_requests,
            inner.token_lifetime_seconds,
            inner.token_delay,
        )
    };
    tokio::time::sleep(delay).await;
    Json(json!({
        "access_token": format!("token-{number}"),
        "token_type": "bearer",
        "expires_in": lifetime,
        "scope": "meeting:write:admin",
    }))
    .into_response()
}

/// Plays `reply`; `None` means "succeed".
async fn play(reply: Option<Reply>) -> Option<Response> {
    match reply? {
        Reply::Status(status, body) => Some(
            (
                StatusCode::from_u16(status).expect("valid status"),
                Json(body),
            )
                .into_response(),
        ),
        Reply::TooMany {
            kind,
            retry_after,
            message,
        } => {
            let mut response = (
                StatusCode::TOO_MANY_REQUESTS,
                Json(json!({"code": 429, "message": message})),
            )
                .into_response();
            let headers = response.headers_mut();
            if let Some(kind) = kind {
                headers.insert("x-ratelimit-type", kind.parse().expect("header value"));
            }
            if let Some(retry_after) = retry_after {
                headers.insert("retry-after", retry_after.parse().expect("header value"));
            }
            Some(response)
        }
        Reply::Hang(duration) => {
            tokio::time::sleep(duration).await;
            None
        }
    }
}

async fn create(
    State(fake): State<FakeZoom>,
    Path(user): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let reply = {
        let mut inner = fake.inner.lock();
        inner.creates.push(Seen {
            target: user.clone(),
            token: bearer(&headers),
            body: body.clone(),
        });
        inner.create_script.pop_front()
    };
    if let Some(response) = play(reply).await {
        return response;
    }
    // A raw JSON text, so the id goes out as an exact integer literal.
    let answer = format!(
        r#"{{"uuid":"aDYlohsHRtCd4ii1uC2+hA==","id":{MEETING_ID},"host_id":"KdYKjnimT4KPd8FFgQt9FQ","topic":{topic},"type":2,"status":"waiting","start_url":"https://zoom.us/s/{MEETING_ID}?zak=xyz","join_url":"https://zoom.us/j/{MEETING_ID}?pwd=abc","password":"a1b2c3"}}"#,
        topic = body.get("topic").cloned().unwrap_or(Value::Null),
    );
    (
        StatusCode::CREATED,
        [("content-type", "application/json")],
        answer,
    )
        .into_response()
}

async fn end(
    State(fake): State<FakeZoom>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let reply = {
        let mut inner = fake.inner.lock();
        inner.ends.push(Seen {
            target: id,
            token: bearer(&headers),
            body,
        });
        inner.end_script.pop_front()
    };
    if let Some(response) = play(reply).await {
        return response;
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn show(Path(id): Path<String>) -> Response {
    Json(json!({"id": id.parse::<u64>().unwrap_or(0), "status": "started"})).into_response()
}
