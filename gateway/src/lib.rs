//! Ventanilla's HTTP gateway: the JSON API of API.md, the consoles' pages and
//! health, in front of the engine.
//!
//! Commands go to the engine; polls are answered from its published
//! snapshots without messaging any actor. [`router`] builds the whole
//! application for a state (tests call it with `oneshot`); [`run`] starts an
//! engine from a configuration and serves it until `shutdown` resolves.

pub mod auth;
pub mod config;
pub mod error;
pub mod extract;
pub mod limits;
pub mod longpoll;
pub mod metrics;
pub mod origin;
pub mod pages;
pub mod refusals;
pub mod reload;
pub mod render;
pub mod routes;
pub mod server;
pub mod state;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::extract::DefaultBodyLimit;
use axum::http::header::{REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS};
use axum::http::{HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use config::AuthMode;
use engine::clock::SystemClock;
use engine::config::MeetingProviderKind;
use engine::meeting::zoom::webhook::WebhookVerifier;
use engine::meeting::zoom::{ZoomCredentials, ZoomMeetings, ZoomSettings};
use engine::meeting::{LocalMeetings, MeetingProvider};
use engine::store::redis::holder::ProcessIdentity;
use engine::store::redis::{RedisLease, RedisOptions};
use engine::store::{MemoryStore, RedisStore, Store};
use engine::{Engine, EngineParts};
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

pub use config::Config;
pub use error::ApiError;
pub use state::{AppState, GatewayOptions};

/// The whole application: API, pages, health, with its limits and layers.
/// `/metrics` is on it unless `[server] metrics_bind` gives it a listener
/// of its own ([`metrics_router`]).
pub fn router(state: AppState) -> Router {
    let mut app = Router::new()
        .merge(routes::api_router())
        .merge(routes::health::router())
        .merge(pages::router());
    if state.options.metrics_bind.is_none() {
        app = app.merge(metrics::router());
    }
    app.fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(extract::MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            origin::refuse_cross_origin,
        ))
        .layer(axum::middleware::from_fn(
            refusals::refuse_announced_oversize,
        ))
        .layer(axum::middleware::from_fn(refusals::api_error_shape))
        .layer(axum::middleware::map_response(security_headers))
        .layer(
            // Method and path only: headers (cookies, tokens) are never logged,
            // and no path or query of the API carries personal data.
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        // Outermost, so the latency covers the other layers; it still sees
        // the matched route (layers run per route, after routing).
        .layer(axum::middleware::from_fn(metrics::track_requests))
        .with_state(state)
}

async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

/// `/metrics` alone, for its own listener (`[server] metrics_bind`).
pub fn metrics_router(state: AppState) -> Router {
    metrics::router()
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// Unknown paths: an API error under `/api/` and `/webhooks/`, a page elsewhere.
async fn not_found(
    axum::extract::State(state): axum::extract::State<AppState>,
    uri: Uri,
    headers: axum::http::HeaderMap,
) -> Response {
    if refusals::is_api_path(uri.path()) {
        ApiError::not_found("no such API call").into_response()
    } else {
        let lang = pages::lang::Negotiated::from_request(uri.query(), &headers);
        pages::not_found_in(lang, uri.path(), state.options.secure_cookie)
    }
}

async fn method_not_allowed() -> Response {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "invalid_request",
        "this method is not allowed here",
    )
    .into_response()
}

/// Starts the engine that `config` describes and the state around it.
pub async fn start(config: &Config) -> anyhow::Result<AppState> {
    let file = &config.file;
    let settings = file.validate(&config.base_dir)?;
    let (store, redis) = open_store(&file.engine.store, config.standby).await?;
    let (lease, redis_store) = match redis {
        Some((lease, store)) => (Some(lease), Some(store)),
        None => (None, None),
    };
    let (meetings, zoom) = meeting_provider(&file.engine)?;
    let mut options = GatewayOptions::from_file(file)?;
    options.trust_forwarded_for = config.trust_forwarded_for;
    // Before the engine, so that recovering from the store is measured too.
    metrics::install();
    let engine = Engine::start(EngineParts {
        settings,
        store,
        meetings,
        clock: Arc::new(SystemClock),
    })
    .await
    .context("the engine did not start")?;
    let state = AppState::new(engine, options)
        .with_lease(lease)
        .with_durable_sessions(redis_store)
        .with_zoom_webhooks(zoom.as_ref().map(|(_, verifier)| verifier.clone()));
    if let Some((zoom, _)) = zoom {
        state
            .metrics
            .watch_zoom_quota(Arc::new(move || zoom.hosts_near_daily_cap()));
    }
    match state.options.auth_mode {
        AuthMode::Password => {
            let demo = state.demo_password_operators();
            if demo > 0 {
                tracing::warn!(
                    operators = demo,
                    "demo passwords are configured: real deployments must use password_hash (argon2)"
                );
            }
        }
        AuthMode::TrustedHeader => tracing::warn!(
            header = %state.options.auth_header,
            "trusted_header authentication: the gateway must only be reachable through the SSO proxy that sets this header"
        ),
    }
    Ok(state)
}

/// Opens the configured store. With Redis, this process must hold the
/// dispatcher lease before it recovers anything: a second `ventanilla` on the
/// same Redis refuses to start (or, with `--standby`, waits for the lease).
async fn open_store(
    config: &engine::config::StoreConfig,
    standby: bool,
) -> anyhow::Result<(Arc<dyn Store>, Option<(RedisLease, RedisStore)>)> {
    let url = config.url.trim();
    if url == "memory" {
        return Ok((Arc::new(MemoryStore::new()), None));
    }
    let options = RedisOptions {
        pool_size: config.pool_size.max(1),
        command_timeout: Duration::from_millis(config.command_timeout_ms.max(1)),
        retries: config.retries,
        min_replicas: config.min_replicas,
        replica_timeout: Duration::from_millis(config.replica_timeout_ms.max(1)),
        ..RedisOptions::default()
    };
    let store = RedisStore::connect(url, options)
        .await
        .context("store.url: cannot reach Redis")?;
    let me = ProcessIdentity::current();
    let holder = me.to_string();
    let ttl = Duration::from_millis(config.lease_ttl_ms.max(100));
    let mut lease = if standby {
        tracing::info!(%holder, "standing by for the dispatcher lease");
        RedisLease::acquire_when_free(&store, &holder, ttl, ttl / 4).await
    } else {
        // A restart after a crash takes over from its dead predecessor
        // (at once on the same host, else once its lease lapses).
        RedisLease::acquire_on_start(&store, &me, ttl).await
    }
    .context("another ventanilla is the active dispatcher on this Redis (start this one with --standby to take over when it stops)")?;
    lease.keep_renewed();
    tracing::info!(%holder, token = lease.fencing_token(), "this process is the active dispatcher");
    Ok((Arc::new(store.clone()), Some((lease, store))))
}

/// The Zoom provider (kept for its quota figures) and its webhook verifier.
type ZoomParts = (Arc<ZoomMeetings>, WebhookVerifier);

/// The configured meeting provider; with Zoom, also its parts. Zoom's
/// secrets come from the environment only (DESIGN.md section 4).
fn meeting_provider(
    file: &engine::config::Config,
) -> anyhow::Result<(Arc<dyn MeetingProvider>, Option<ZoomParts>)> {
    match file.meetings.provider {
        // Site-relative links to the gateway's own /reunion pages.
        MeetingProviderKind::Local => Ok((Arc::new(LocalMeetings::new("")), None)),
        MeetingProviderKind::Zoom => {
            let env: std::collections::HashMap<String, String> = std::env::vars().collect();
            let credentials = ZoomCredentials::from_env(&env)
                .map_err(|error| anyhow::anyhow!("meetings.provider = \"zoom\": {error}"))?;
            let verifier = WebhookVerifier::from_env(&env)
                .map_err(|error| anyhow::anyhow!("meetings.provider = \"zoom\": {error}"))?;
            let zoom = ZoomMeetings::new(
                ZoomSettings::from_config(&file.meetings.zoom),
                credentials,
                Arc::new(SystemClock),
            )
            .map_err(|error| anyhow::anyhow!("[meetings.zoom]: {error}"))?;
            let zoom = Arc::new(zoom);
            Ok((
                Arc::clone(&zoom) as Arc<dyn MeetingProvider>,
                Some((zoom, verifier)),
            ))
        }
    }
}

/// Serves `state` on `listener` (and `/metrics` on `[server] metrics_bind`,
/// when set) until `shutdown` resolves, then lets the requests in flight
/// finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let header_timeout = state.options.header_timeout;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let wait_for_stop = |mut stopped: tokio::sync::watch::Receiver<bool>| async move {
        let _ = stopped.wait_for(|stop| *stop).await;
    };
    let metrics = match state.options.metrics_bind {
        Some(address) => {
            let metrics_listener = server::bind(address).await?;
            tracing::info!(%address, "metrics are served on their own listener");
            Some(tokio::spawn(server::serve_router(
                metrics_listener,
                metrics_router(state.clone()),
                header_timeout,
                wait_for_stop(stopped.clone()),
            )))
        }
        None => None,
    };
    // Held polls answer at once when the process stops, instead of keeping
    // the graceful shutdown waiting for up to their whole wait.
    let held_polls = Arc::clone(&state.held_polls);
    tokio::spawn(async move {
        shutdown.await;
        held_polls.stop();
        let _ = stop.send(true);
    });
    let served = server::serve_router(
        listener,
        router(state),
        header_timeout,
        wait_for_stop(stopped),
    )
    .await
    .context("the HTTP server failed");
    if let Some(metrics) = metrics {
        metrics
            .await
            .context("the metrics listener stopped")?
            .context("the metrics listener failed")?;
    }
    served
}

/// Starts the engine from `config` and serves it on `listener` until `shutdown`.
pub async fn run(
    listener: tokio::net::TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let state = start(&config).await?;
    serve_then_release(listener, state, shutdown).await
}

/// Serves until `shutdown`, then hands the Redis lease over at once instead
/// of making a standby wait for its ttl.
pub async fn serve_then_release(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let address = listener
        .local_addr()
        .context("the listener has no address")?;
    tracing::info!(%address, "ventanilla is serving");
    let lease = state.lease.clone();
    let (lost_sender, lost) = tokio::sync::oneshot::channel::<()>();
    if lease.is_some() {
        // A process fenced out by a newer dispatcher must not go on serving
        // what it remembers: it stops, and its supervisor restarts it as a
        // standby.
        let watched = state.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(LEASE_CHECK);
            loop {
                every.tick().await;
                if !watched.holds_lease() {
                    let _ = lost_sender.send(());
                    return;
                }
            }
        });
    }
    let lease_lost = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = Arc::clone(&lease_lost);
    let stop = async move {
        tokio::select! {
            _ = shutdown => {}
            Ok(()) = lost => {
                tracing::error!("the dispatcher lease was lost to another process: stopping");
                flag.store(true, std::sync::atomic::Ordering::SeqCst);
            }
        }
    };
    serve(listener, state, stop).await?;
    if lease_lost.load(std::sync::atomic::Ordering::SeqCst) {
        anyhow::bail!(
            "the dispatcher lease was lost to another process; restart this one with --standby"
        );
    }
    if let Some(lease) = lease.and_then(|lease| lease.lock().take()) {
        if let Err(error) = lease.release().await {
            tracing::warn!(%error, "could not release the dispatcher lease");
        }
    }
    tracing::info!("ventanilla stopped");
    Ok(())
}

/// How often a Redis-backed process checks it still holds the lease.
const LEASE_CHECK: Duration = Duration::from_millis(250);
