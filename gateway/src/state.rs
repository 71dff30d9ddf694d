//! What every handler shares: the engine, the operators' sessions, the
//! gateway's options and the rate limiters.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::http::HeaderName;
use engine::domain::Credential;
use engine::meeting::zoom::webhook::{
    RecentDeliveries, WebhookVerifier, DEFAULT_REMEMBERED_DELIVERIES,
};
use engine::store::redis::RedisLease;
use engine::store::RedisStore;
use engine::Engine;

use crate::auth::Sessions;
use crate::config::{AuthMode, FileConfig};
use crate::limits::{LoginGuard, RateLimiter};
use crate::routes::hold::{HeldPolls, MAX_HELD_POLLS};

/// Options of the gateway itself, taken from the configuration file and the
/// command line.
#[derive(Debug, Clone)]
pub struct GatewayOptions {
    /// `[auth] mode`.
    pub auth_mode: AuthMode,
    /// `[auth] header`: the operator id set by the SSO proxy (trusted_header mode).
    pub auth_header: HeaderName,
    /// `[limits] logins_per_minute`: failed logins per operator id (an
    /// address may fail ten times as many); 0 = no limit.
    pub logins_per_minute: u32,
    /// `[limits] joins_per_minute`, per client address; 0 = no limit.
    pub joins_per_minute: u32,
    /// `--trust-forwarded-for`.
    pub trust_forwarded_for: bool,
    /// `[server] public_url` as an origin ("https://host[:port]"): the only
    /// origin cookie-authenticated commands may come from. None: the
    /// request's own Host.
    pub public_origin: Option<String>,
    /// The session cookie is `Secure` (the public URL is https).
    pub secure_cookie: bool,
    /// `[server] header_timeout_ms`: how long a connection may take to send
    /// its request headers, and a request its whole body.
    pub header_timeout: Duration,
    /// `[server] metrics_bind`: `/metrics` on its own listener, off the main router.
    pub metrics_bind: Option<SocketAddr>,
}

impl GatewayOptions {
    /// The options a configuration file gives, with `X-Forwarded-For` untrusted.
    pub fn from_file(file: &FileConfig) -> anyhow::Result<GatewayOptions> {
        let sections = &file.gateway;
        let auth_header = HeaderName::try_from(sections.auth.header.trim()).map_err(|_| {
            anyhow::anyhow!("auth.header: expected an HTTP header name such as X-Remote-User")
        })?;
        let public_origin = match &sections.server.public_url {
            Some(url) => Some(
                crate::config::web_origin(url)
                    .map_err(|reason| anyhow::anyhow!("server.public_url: {reason}"))?,
            ),
            None => None,
        };
        let metrics_bind = match &sections.server.metrics_bind {
            Some(address) => Some(address.trim().parse().map_err(|_| {
                anyhow::anyhow!(
                    "server.metrics_bind: expected a socket address such as 127.0.0.1:9090"
                )
            })?),
            None => None,
        };
        if sections.server.header_timeout_ms == 0 {
            anyhow::bail!("server.header_timeout_ms: must be at least 1, found 0");
        }
        Ok(GatewayOptions {
            auth_mode: sections.auth.mode,
            auth_header,
            logins_per_minute: sections.limits.logins_per_minute,
            joins_per_minute: sections.limits.joins_per_minute,
            trust_forwarded_for: false,
            secure_cookie: public_origin
                .as_deref()
                .is_some_and(|origin| origin.starts_with("https://")),
            public_origin,
            header_timeout: Duration::from_millis(sections.server.header_timeout_ms),
            metrics_bind,
        })
    }
}

/// What `POST /webhooks/zoom` needs.
pub struct ZoomWebhooks {
    pub verifier: WebhookVerifier,
    /// Redeliveries change nothing.
    pub deliveries: RecentDeliveries,
}

/// The router's state: one `Arc`, so the clone every extractor and layer
/// makes per request is one reference count, not one per part (measured: the
/// per-part clones and drops were ~4 % of a poll's CPU).
#[derive(Clone)]
pub struct AppState(Arc<StateParts>);

/// What the router's state holds.
#[derive(Clone)]
pub struct StateParts {
    pub engine: Engine,
    pub sessions: Arc<Sessions>,
    pub options: Arc<GatewayOptions>,
    pub login_guard: Arc<LoginGuard>,
    pub join_limiter: Arc<RateLimiter>,
    /// The Redis dispatcher lease, when the store is Redis (taken out to be
    /// released at shutdown).
    pub lease: Option<Arc<parking_lot::Mutex<Option<RedisLease>>>>,
    /// Zoom's webhook verifier and recent deliveries, with provider "zoom".
    pub zoom_webhooks: Option<Arc<ZoomWebhooks>>,
    /// What `/metrics` renders (the recorder is one per process).
    pub metrics: Arc<crate::metrics::GatewayMetrics>,
    /// The polls held now (`?wait=N`) and their bound.
    pub held_polls: Arc<HeldPolls>,
    /// Each operator's last console body, serialized, by its ETag.
    pub console_cache: Arc<crate::routes::console_cache::ConsoleCache>,
}

impl std::ops::Deref for AppState {
    type Target = StateParts;

    fn deref(&self) -> &StateParts {
        &self.0
    }
}

impl AppState {
    pub fn new(engine: Engine, options: GatewayOptions) -> AppState {
        AppState(Arc::new(StateParts {
            metrics: crate::metrics::GatewayMetrics::for_engine(&engine),
            engine,
            sessions: Arc::new(Sessions::default()),
            login_guard: Arc::new(LoginGuard::new(options.logins_per_minute)),
            join_limiter: Arc::new(RateLimiter::new(options.joins_per_minute)),
            options: Arc::new(options),
            lease: None,
            zoom_webhooks: None,
            held_polls: Arc::new(HeldPolls::new(MAX_HELD_POLLS)),
            console_cache: Arc::default(),
        }))
    }

    /// The parts, to be changed while the state is being built (a copy if
    /// it is already shared).
    fn parts_mut(&mut self) -> &mut StateParts {
        Arc::make_mut(&mut self.0)
    }

    /// At most `limit` polls held at once (tests of the bound; the process
    /// uses [`MAX_HELD_POLLS`]).
    pub fn with_held_poll_limit(mut self, limit: usize) -> AppState {
        self.parts_mut().held_polls = Arc::new(HeldPolls::new(limit));
        self
    }

    /// The state of a process that holds `lease` (Redis deployments).
    pub fn with_lease(mut self, lease: Option<RedisLease>) -> AppState {
        self.parts_mut().lease = lease.map(|lease| Arc::new(parking_lot::Mutex::new(Some(lease))));
        self
    }

    /// Sessions kept in Redis too, so they outlive this process.
    pub fn with_durable_sessions(mut self, store: Option<RedisStore>) -> AppState {
        if let Some(store) = store {
            self.parts_mut().sessions = Arc::new(Sessions::durable(store));
        }
        self
    }

    /// The state of a process whose meetings are on Zoom.
    pub fn with_zoom_webhooks(mut self, verifier: Option<WebhookVerifier>) -> AppState {
        self.parts_mut().zoom_webhooks = verifier.map(|verifier| {
            Arc::new(ZoomWebhooks {
                verifier,
                deliveries: RecentDeliveries::new(DEFAULT_REMEMBERED_DELIVERIES),
            })
        });
        self
    }

    /// Whether this process may dispatch: always with the memory store; with
    /// Redis, while it holds the lease.
    pub fn holds_lease(&self) -> bool {
        match &self.lease {
            None => true,
            Some(lease) => lease.lock().as_ref().is_some_and(RedisLease::is_held),
        }
    }

    /// The consoles' refresh period, in seconds.
    pub fn poll_seconds(&self) -> u32 {
        self.engine.catalog().poll_seconds
    }

    /// Operators that log in with a plain-text demo password.
    pub fn demo_password_operators(&self) -> usize {
        self.engine
            .catalog()
            .operators
            .iter()
            .filter(|profile| matches!(profile.credential, Credential::DemoPassword(_)))
            .count()
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("options", &self.options)
            .finish()
    }
}
