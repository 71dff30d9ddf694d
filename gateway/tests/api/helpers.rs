//! `spawn_app()`: an engine on a manual clock (Monday 2026-11-30 10:00 in
//! Madrid, services open) behind the real router on 127.0.0.1:0, with
//! helpers to act as operators and taxpayers through a real socket, and
//! `oneshot` for calls that need no socket.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use engine::console::ConsoleState;
use engine::store::MemoryStore;
use engine::testsuite::{default_settings, dni, madrid, workspace_root, TestEngine};
use gateway::config::FileConfig;
use gateway::{AppState, GatewayOptions};
use serde_json::{json, Value};
use tower::ServiceExt as _;

/// The shipped configuration, as text.
pub const DEFAULT_CONFIG: &str = include_str!("../../../config/default.toml");

/// Monday 30 November 2026, 10:00 in Madrid: both demo services are open.
pub fn opening_morning() -> jiff::Timestamp {
    madrid("2026-11-30 10:00")
}

/// A running gateway and the engine behind it.
pub struct TestApp {
    /// "http://127.0.0.1:PORT".
    pub base: String,
    pub test_engine: TestEngine,
    pub state: AppState,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// What a test may change before the app starts.
pub struct AppOptions {
    pub config: String,
    pub at: jiff::Timestamp,
    pub logins_per_minute: u32,
    pub joins_per_minute: u32,
    pub trust_forwarded_for: bool,
    /// Polls held at once (`?wait=N`).
    pub held_poll_limit: usize,
}

impl Default for AppOptions {
    fn default() -> AppOptions {
        AppOptions {
            config: DEFAULT_CONFIG.to_string(),
            at: opening_morning(),
            // Most tests make many calls from one address: no limits unless asked.
            logins_per_minute: 0,
            joins_per_minute: 0,
            trust_forwarded_for: false,
            held_poll_limit: gateway::routes::hold::MAX_HELD_POLLS,
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(AppOptions::default()).await
}

pub async fn spawn_app_with(options: AppOptions) -> TestApp {
    let file = FileConfig::from_toml_str(&options.config).expect("test configuration parses");
    let settings = if options.config == DEFAULT_CONFIG {
        default_settings()
    } else {
        // Through the gateway's parser: its `[server] poll_seconds` reaches the engine.
        file.validate(&workspace_root())
            .unwrap_or_else(|error| panic!("test configuration is invalid: {error}"))
    };
    let test_engine =
        TestEngine::start_with(settings, Arc::new(MemoryStore::new()), options.at).await;
    let mut gateway_options = GatewayOptions::from_file(&file).expect("valid gateway options");
    gateway_options.logins_per_minute = options.logins_per_minute;
    gateway_options.joins_per_minute = options.joins_per_minute;
    gateway_options.trust_forwarded_for = options.trust_forwarded_for;
    let state = AppState::new(test_engine.engine.clone(), gateway_options)
        .with_held_poll_limit(options.held_poll_limit);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind port 0");
    let address: SocketAddr = listener.local_addr().expect("local address");
    let (sender, receiver) = tokio::sync::oneshot::channel::<()>();
    let serving = state.clone();
    tokio::spawn(async move {
        let shutdown = async move {
            let _ = receiver.await;
        };
        gateway::serve(listener, serving, shutdown)
            .await
            .expect("server runs");
    });
    TestApp {
        base: format!("http://{address}"),
        test_engine,
        state,
        shutdown: Some(sender),
    }
}

/// A response read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|error| panic!("not JSON ({error}): {}", self.text))
    }

    /// The API error code of an error body.
    pub fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("not an API error body: {}", self.text))
            .to_string()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_string)
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The router alone, for `oneshot` calls.
    pub fn router(&self) -> Router {
        gateway::router(self.state.clone())
    }

    /// One request through the router without a socket.
    pub async fn oneshot(&self, request: Request<Body>) -> Answer {
        oneshot_answer(self.router(), request).await
    }

    /// A browser-like client (own cookie jar), not logged in.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .expect("client")
    }

    /// An operator logged in through `POST /api/v1/session` (demo password).
    pub async fn operator(&self, id: &str) -> OperatorClient {
        let client = self.client();
        let answer = send(
            client
                .post(self.url("/api/v1/session"))
                .json(&json!({"operator_id": id, "password": "demo"})),
        )
        .await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "login of {id}: {}",
            answer.text
        );
        OperatorClient {
            base: self.base.clone(),
            client,
            token: answer.json()["token"].as_str().expect("token").to_string(),
        }
    }

    /// Marks `operator` available for exactly `services`, through the engine.
    pub async fn make_available(&self, operator: &str, services: &[&str]) {
        self.test_engine.make_available(operator, services).await;
    }

    /// A taxpayer joins through the API; the answer is returned as is.
    pub async fn join(&self, nif: &str, service: &str) -> Answer {
        send(
            self.client()
                .post(self.url("/api/v1/tickets"))
                .json(&json!({
                    "nif": nif,
                    "name": format!("CONTRIBUYENTE {nif}"),
                    "contrast": "31-12-2030",
                    "service": service,
                })),
        )
        .await
    }

    /// A taxpayer joins and gets a ticket.
    pub async fn joined(&self, nif: &str, service: &str) -> Ticket {
        let answer = self.join(nif, service).await;
        assert_eq!(answer.status, StatusCode::CREATED, "join: {}", answer.text);
        Ticket::from_join(&answer.json())
    }

    /// Waits (no sleeping) until the console shows `state`.
    pub async fn until_console(&self, operator: &str, state: ConsoleState) {
        self.test_engine.until_console_state(operator, state).await;
    }

    /// Logs `operator` in, available for `service` only, and presses
    /// Atender: the operator waits for a taxpayer.
    pub async fn operator_waiting(&self, operator: &str, service: &str) -> OperatorClient {
        self.make_available(operator, &[service]).await;
        let console = self.operator(operator).await;
        assert_eq!(
            console.post("/api/v1/operator/attend").await.status,
            StatusCode::OK
        );
        console
    }

    /// Brings `operator` to the in-meeting state with a fresh CLAVE taxpayer.
    pub async fn operator_in_meeting(
        &self,
        operator: &str,
        nif_number: u32,
        service: &str,
    ) -> (OperatorClient, Ticket) {
        let console = self.operator_waiting(operator, service).await;
        let ticket = self.joined(&dni(nif_number), service).await;
        self.until_console(operator, ConsoleState::Assigned).await;
        let started = console.post("/api/v1/operator/start").await;
        assert_eq!(started.status, StatusCode::OK, "start: {}", started.text);
        (console, ticket)
    }

    /// The console as the engine renders it now.
    pub fn console_state(&self, operator: &str) -> ConsoleState {
        self.test_engine.console_state(operator)
    }
}

/// A ticket's id and token.
#[derive(Debug, Clone)]
pub struct Ticket {
    pub id: String,
    pub token: String,
}

impl Ticket {
    /// The ticket a join's answer (its JSON body) gives.
    pub fn from_join(body: &Value) -> Ticket {
        Ticket {
            id: body["ticket_id"].as_str().expect("ticket_id").to_string(),
            token: body["token"].as_str().expect("token").to_string(),
        }
    }

    pub async fn get(&self, app: &TestApp) -> Answer {
        send(
            app.client()
                .get(app.url(&format!("/api/v1/tickets/{}", self.id)))
                .bearer_auth(&self.token),
        )
        .await
    }

    pub async fn post(&self, app: &TestApp, action: &str, body: Option<Value>) -> Answer {
        let request = app
            .client()
            .post(app.url(&format!("/api/v1/tickets/{}/{action}", self.id)))
            .bearer_auth(&self.token);
        send(match body {
            Some(body) => request.json(&body),
            None => request,
        })
        .await
    }
}

/// A logged-in operator's browser: the session cookie is in its jar.
pub struct OperatorClient {
    pub base: String,
    pub client: reqwest::Client,
    pub token: String,
}

impl OperatorClient {
    pub async fn get(&self, path: &str) -> Answer {
        send(self.client.get(format!("{}{path}", self.base))).await
    }

    pub async fn post(&self, path: &str) -> Answer {
        send(self.client.post(format!("{}{path}", self.base))).await
    }

    pub async fn post_json(&self, path: &str, body: Value) -> Answer {
        send(self.client.post(format!("{}{path}", self.base)).json(&body)).await
    }

    pub async fn put_json(&self, path: &str, body: Value) -> Answer {
        send(self.client.put(format!("{}{path}", self.base)).json(&body)).await
    }

    pub async fn finalize(&self, outcome: &str, observations: &str, next: &str) -> Answer {
        self.post_json(
            "/api/v1/operator/finalize",
            json!({"outcome": outcome, "observations": observations, "represented_nif": null, "next": next}),
        )
        .await
    }

    /// The console page's HTML.
    pub async fn page(&self, path: &str) -> String {
        let answer = self.get(path).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.text);
        answer.text
    }
}

/// Sends `request` through `router` (no socket) and reads the whole answer.
pub async fn oneshot_answer(router: Router, request: Request<Body>) -> Answer {
    let response = router.oneshot(request).await.expect("router answers");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    Answer {
        status,
        headers,
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// Sends a request and reads the whole answer.
pub async fn send(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.expect("request sent");
    let status = StatusCode::from_u16(response.status().as_u16()).expect("status");
    let mut headers = axum::http::HeaderMap::new();
    for (name, value) in response.headers() {
        if let (Ok(name), Ok(value)) = (
            axum::http::HeaderName::from_bytes(name.as_str().as_bytes()),
            axum::http::HeaderValue::from_bytes(value.as_bytes()),
        ) {
            headers.append(name, value);
        }
    }
    let text = response.text().await.expect("body");
    Answer {
        status,
        headers,
        text,
    }
}

/// The shipped configuration with `lines` added to its `[server]` section.
/// A key the default already sets is replaced, not repeated.
pub fn config_with_server_keys(lines: &str) -> String {
    assert!(
        DEFAULT_CONFIG.contains("[server]\n"),
        "the default has a [server] section"
    );
    let keys: Vec<&str> = lines
        .lines()
        .filter_map(|line| line.split_once('=').map(|(key, _)| key.trim()))
        .collect();
    let kept: String = DEFAULT_CONFIG
        .lines()
        .filter(|line| {
            let key = line.split_once('=').map_or("", |(key, _)| key.trim());
            !keys.contains(&key)
        })
        .map(|line| format!("{line}\n"))
        .collect();
    kept.replacen("[server]\n", &format!("[server]\n{lines}\n"), 1)
}

/// Asserts that `answer` refuses the request as the client's fault (4xx),
/// never as a server error.
pub fn assert_client_error(what: &str, answer: &Answer) {
    assert!(
        answer.status.is_client_error(),
        "{what}: {} {}",
        answer.status,
        answer.text
    );
}

/// The meeting id in a console's assignment (local provider: the last
/// segment of its start URL).
pub fn meeting_id(console: &Value) -> String {
    let url = console["assignment"]["meeting"]["start_url"]
        .as_str()
        .expect("a meeting");
    url.trim_start_matches("http://meetings.test/reunion/")
        .split('?')
        .next()
        .expect("an id")
        .to_string()
}

/// A loopback port nobody listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

impl TestApp {
    /// "127.0.0.1:PORT", the Host a client of this app sends.
    pub fn host(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    /// Logs `operator` in through the router and answers its session token.
    pub async fn session_token(&self, operator: &str) -> String {
        let answer = self
            .oneshot(
                Request::post("/api/v1/session")
                    .header("content-type", "application/json")
                    .body(Body::from(
                        json!({"operator_id": operator, "password": "demo"}).to_string(),
                    ))
                    .expect("request"),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "login: {}", answer.text);
        answer.json()["token"].as_str().expect("token").to_string()
    }
}
