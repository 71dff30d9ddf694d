//! The configuration contract of DESIGN.md section 4: the TOML shape, the `VENTANILLA_*`
//! environment overrides, and validation into the engine's domain types.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::civil::Date;
use serde::de::value::{Error as ValueError, StrDeserializer};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::domain::schedule::parse_time_of_day;
use crate::domain::{
    Calendar, Credential, Days, Directory, IdentityCheck, IdentityError, OperatorId,
    OperatorProfile, Schedule, ScheduleError, Service, ServiceCode, ServiceCodeError,
};

/// The prefix of every environment override.
pub const ENV_PREFIX: &str = "VENTANILLA_";

/// Every environment override `Config::apply_env` knows; any other `VENTANILLA_*`
/// variable is an error, so a typo cannot silently leave a default in place.
pub const ENV_VARIABLES: [&str; 11] = [
    "VENTANILLA_SERVER_BIND",
    "VENTANILLA_SERVER_POLL_SECONDS",
    "VENTANILLA_STORE_URL",
    "VENTANILLA_AUTH_MODE",
    "VENTANILLA_AUTH_HEADER",
    "VENTANILLA_IDENTITY_MODE",
    "VENTANILLA_IDENTITY_DIRECTORY",
    "VENTANILLA_DISPATCH_INTERRUPT_MARGIN_MINUTES",
    "VENTANILLA_LIMITS_LOGINS_PER_MINUTE",
    "VENTANILLA_LIMITS_JOINS_PER_MINUTE",
    "VENTANILLA_MEETINGS_PROVIDER",
];

/// The authentication method shown for a service unless configured otherwise.
const DEFAULT_AUTHENTICATION: &str = "NIF/NIE + Fecha/Dato de contraste";

/// More replicas than any deployment runs: a typo, not a plan.
const MAX_MIN_REPLICAS: u32 = 16;

/// Why a configuration cannot be used. Every message names the key or variable at fault.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Not valid TOML, an unknown key, or a value of the wrong type; toml's message
    /// names the key and quotes the line.
    #[error("{origin}: {message}")]
    Parse { origin: String, message: String },
    /// A `VENTANILLA_*` variable that is not an override.
    #[error("unknown environment variable {name}: the overrides are {}", ENV_VARIABLES.join(", "))]
    UnknownVariable { name: String },
    /// An override with a value of the wrong kind; the value is not repeated (a store
    /// URL may hold a password).
    #[error("{name}: {reason}")]
    BadVariable { name: String, reason: String },
    /// Bad days, times or time zone.
    #[error("{key}: {source}")]
    Schedule { key: String, source: ScheduleError },
    /// A service code outside the accepted characters.
    #[error("{key}: {source}")]
    ServiceCode {
        key: String,
        source: ServiceCodeError,
    },
    /// Two services with one code.
    #[error("{key}: service {code:?} is defined twice")]
    DuplicateService { key: String, code: String },
    /// An operator id outside the accepted characters.
    #[error("{key}: invalid operator id {value:?}: use 1 to 64 characters among A-Z, a-z, 0-9, '.', '_', '@' and '-'")]
    OperatorId { key: String, value: String },
    /// Two operators with one id.
    #[error("{key}: operator {id:?} is defined twice")]
    DuplicateOperator { key: String, id: String },
    /// A holiday that is not a YYYY-MM-DD date.
    #[error("{key}: {value:?} is not a date: use YYYY-MM-DD")]
    BadHoliday { key: String, value: String },
    /// No `[[services]]` at all.
    #[error("services: at least one [[services]] entry is required")]
    NoServices,
    /// An attention time of zero minutes would warn at once.
    #[error("{key}: must be at least 1 minute, found 0")]
    ZeroAttention { key: String },
    /// Both a demo password and a hash: one of them would be silently ignored.
    #[error("{key}: give password or password_hash, not both")]
    TwoCredentials { key: String },
    /// `identity.mode = "directory"` without `identity.directory`.
    #[error("identity.directory: required when identity.mode is \"directory\"")]
    MissingDirectory,
    /// The taxpayer directory could not be loaded.
    #[error("identity.directory: {source}")]
    Directory { source: IdentityError },
    /// Any other value out of range.
    #[error("{key}: {reason}")]
    Invalid { key: String, reason: String },
}

/// The whole configuration file, as written. Every section may be omitted.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `[server]`.
    pub server: ServerConfig,
    /// `[store]`.
    pub store: StoreConfig,
    /// `[auth]`.
    pub auth: AuthConfig,
    /// `[identity]`.
    pub identity: IdentityConfig,
    /// `[calendar]`.
    pub calendar: CalendarConfig,
    /// `[dispatch]`.
    pub dispatch: DispatchConfig,
    /// `[limits]`.
    pub limits: LimitsConfig,
    /// `[[services]]`; validation requires at least one.
    pub services: Vec<ServiceConfig>,
    /// `[[operators]]`.
    pub operators: Vec<OperatorConfig>,
    /// `[meetings]`.
    pub meetings: MeetingsConfig,
    /// `[presence]`: when a silent taxpayer page is absent, then gone.
    pub presence: crate::presence::PresenceConfig,
    /// `[retention]`: how long what has ended is kept.
    pub retention: crate::retention::RetentionConfig,
}

/// `[server]`: where the gateway listens and how often consoles poll.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Listening address, "127.0.0.1:8080" by default.
    pub bind: String,
    /// Console refresh period in seconds (the guide's 9 s countdown).
    pub poll_seconds: u32,
    /// The origin the pages are served from, e.g. "https://videoasistencia.example.es":
    /// cookie-authenticated commands from another origin are refused, and an
    /// https URL makes the session cookie `Secure`. Unset: the request's own Host.
    pub public_url: Option<String>,
    /// A connection that has not sent complete request headers (or a whole
    /// body) within this many milliseconds is closed.
    pub header_timeout_ms: u64,
    /// Serve `/metrics` on this separate address instead of the main router
    /// (off when unset), so a deployment can keep it off the public port.
    pub metrics_bind: Option<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            bind: "127.0.0.1:8080".into(),
            poll_seconds: 9,
            public_url: None,
            header_timeout_ms: 10_000,
            metrics_bind: None,
        }
    }
}

/// `[store]`: "memory", a `redis://` URL or a `redis+sentinel://` URL.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreConfig {
    /// The store URL.
    pub url: String,
    /// Redis only: connections in the pool.
    pub pool_size: usize,
    /// Redis only: longest wait for one command, in milliseconds.
    pub command_timeout_ms: u64,
    /// Redis only: retries after losing the connection, with doubling backoff.
    pub retries: u32,
    /// Redis only: how long the dispatcher lease lasts without renewal; a
    /// standby takes over at most this long after the active process dies.
    pub lease_ttl_ms: u64,
    /// Redis only: acknowledge a change only once this many replicas hold it (`WAIT`).
    pub min_replicas: u32,
    /// Redis only: how long to wait for them; past it the command answers 503.
    pub replica_timeout_ms: u64,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            url: "memory".into(),
            pool_size: 16,
            command_timeout_ms: 2_000,
            retries: 4,
            lease_ttl_ms: 10_000,
            min_replicas: 0,
            replica_timeout_ms: 200,
        }
    }
}

/// `[auth]`: how operators log in.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// Password login or a trusted SSO header.
    pub mode: AuthMode,
    /// The header carrying the operator id in `trusted_header` mode.
    pub header: String,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            mode: AuthMode::Password,
            header: "X-Remote-User".into(),
        }
    }
}

/// How operators authenticate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMode {
    /// Operator id and password (demo password or argon2 hash).
    Password,
    /// An SSO proxy in front sets a header with the operator id.
    TrustedHeader,
}

/// `[identity]`: how joining taxpayers are checked.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IdentityConfig {
    /// Any valid NIF, or NIF plus contrast datum against a directory.
    pub mode: IdentityMode,
    /// The taxpayer directory file, used in `directory` mode.
    pub directory: Option<PathBuf>,
}

/// How joining taxpayers are checked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityMode {
    /// Any NIF/NIE with a valid check letter.
    #[default]
    AnyValidNif,
    /// NIF and contrast datum must match the directory.
    Directory,
}

/// `[calendar]`: the time zone and the national holidays.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CalendarConfig {
    /// IANA time zone name, "Europe/Madrid" by default.
    pub timezone: String,
    /// Dates, YYYY-MM-DD, on which no service opens.
    pub holidays: Vec<String>,
}

impl Default for CalendarConfig {
    fn default() -> Self {
        CalendarConfig {
            timezone: "Europe/Madrid".into(),
            holidays: Vec::new(),
        }
    }
}

/// `[dispatch]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DispatchConfig {
    /// Interrupt is refused this close to closing time while taxpayers wait.
    pub interrupt_margin_minutes: u32,
    /// A join whose estimated start is after closing time gets 409 `service_closing`.
    pub refuse_joins_past_closing: bool,
}

impl Default for DispatchConfig {
    fn default() -> Self {
        DispatchConfig {
            interrupt_margin_minutes: 15,
            refuse_joins_past_closing: false,
        }
    }
}

/// `[limits]`: per client address, per minute; 0 means no limit.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    /// Operator login attempts.
    pub logins_per_minute: u32,
    /// Taxpayer joins.
    pub joins_per_minute: u32,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            logins_per_minute: 20,
            joins_per_minute: 10,
        }
    }
}

/// One `[[services]]` entry.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceConfig {
    /// E.g. "CLAVE".
    pub code: String,
    /// E.g. "Trámites de asistencia por videollamada".
    pub description: String,
    /// "mon-fri", "every_day", "mon,wed,fri", "sat-sun", …
    pub days: String,
    /// "HH:MM".
    pub open: String,
    /// "HH:MM", up to "24:00".
    pub close: String,
    /// Average attention time, in minutes.
    pub attention_minutes: u32,
    /// Whether representation is allowed; false if omitted.
    #[serde(default)]
    pub representation: bool,
    /// The authentication method shown to the operator.
    #[serde(default = "default_authentication")]
    pub authentication: String,
    /// A link to the service protocol document.
    #[serde(default)]
    pub protocol_url: Option<String>,
}

fn default_authentication() -> String {
    DEFAULT_AUTHENTICATION.to_owned()
}

/// One `[[operators]]` entry.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperatorConfig {
    /// Login id.
    pub id: String,
    /// Full name.
    pub name: String,
    /// The identification number the taxpayer sees.
    pub id_number: String,
    /// Demo password in plain text.
    #[serde(default)]
    pub password: Option<String>,
    /// Argon2 password hash (PHC string).
    #[serde(default)]
    pub password_hash: Option<String>,
    /// Zoom user id or e-mail, for the zoom provider.
    #[serde(default)]
    pub zoom_user: Option<String>,
}

impl fmt::Debug for OperatorConfig {
    // Passwords and hashes never reach a log, even from a debug dump of the config.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |secret: &Option<String>| secret.as_ref().map(|_| "<redacted>");
        formatter
            .debug_struct("OperatorConfig")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("id_number", &self.id_number)
            .field("password", &redacted(&self.password))
            .field("password_hash", &redacted(&self.password_hash))
            .field("zoom_user", &self.zoom_user)
            .finish()
    }
}

/// `[meetings]`: the video meeting provider.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MeetingsConfig {
    /// Which provider creates meetings.
    pub provider: MeetingProviderKind,
    /// `[meetings.zoom]`; its secrets come from the environment only.
    pub zoom: ZoomConfig,
}

/// The meeting provider.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeetingProviderKind {
    /// Built-in meetings for demos and tests; no account needed.
    #[default]
    Local,
    /// Zoom, Server-to-Server OAuth.
    Zoom,
}

/// `[meetings.zoom]`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ZoomConfig {
    /// Zoom REST API base.
    pub api_base_url: String,
    /// Zoom OAuth token endpoint.
    pub oauth_url: String,
    /// Where meetings are recorded.
    pub recording: ZoomRecording,
}

impl Default for ZoomConfig {
    fn default() -> Self {
        ZoomConfig {
            api_base_url: "https://api.zoom.us/v2".into(),
            oauth_url: "https://zoom.us/oauth/token".into(),
            recording: ZoomRecording::Cloud,
        }
    }
}

/// Zoom's automatic recording setting for each meeting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoomRecording {
    /// Recorded in Zoom's cloud.
    #[default]
    Cloud,
    /// Recorded on the host's computer.
    Local,
    /// Not recorded.
    None,
}

/// What the engine needs from the configuration, as domain types.
#[derive(Clone, Debug)]
pub struct EngineSettings {
    /// Time zone and holidays.
    pub calendar: Calendar,
    /// The services, in configuration order.
    pub services: Vec<Service>,
    /// The operators, in configuration order.
    pub operators: Vec<OperatorProfile>,
    /// How joining taxpayers are checked.
    pub identity: IdentityCheck,
    /// Interrupt is refused this close to closing time while taxpayers wait.
    pub interrupt_margin: Duration,
    /// `[dispatch] refuse_joins_past_closing`.
    pub refuse_joins_past_closing: bool,
    /// Console refresh period in seconds.
    pub poll_seconds: u32,
    /// When a silent taxpayer page is absent, then gone.
    pub presence: crate::presence::PresenceSettings,
    /// How long what has ended is kept.
    pub retention: crate::retention::RetentionSettings,
}

impl Config {
    /// Parses configuration text. Unknown keys are refused, naming the key.
    pub fn from_toml_str(text: &str) -> Result<Config, ConfigError> {
        parse_toml(text, "configuration")
    }

    /// Reads a configuration file, then applies the `VENTANILLA_*` overrides found in
    /// `env` (pass `std::env::vars().collect()` in production).
    pub fn load(path: &Path, env: &HashMap<String, String>) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let mut config = parse_toml(&text, &path.display().to_string())?;
        config.apply_env(env)?;
        Ok(config)
    }

    /// Applies the `VENTANILLA_<SECTION>_<KEY>` overrides (see `ENV_VARIABLES`); other
    /// variables are ignored, other `VENTANILLA_*` ones refused.
    pub fn apply_env(&mut self, env: &HashMap<String, String>) -> Result<(), ConfigError> {
        let mut names: Vec<&String> = env
            .keys()
            .filter(|name| name.starts_with(ENV_PREFIX))
            .collect();
        // Sorted so that, with several bad variables, the error is always the same one.
        names.sort();
        for name in names {
            let value = env[name].trim();
            let bad = |reason: String| ConfigError::BadVariable {
                name: name.clone(),
                reason,
            };
            if !ENV_VARIABLES.contains(&name.as_str()) {
                return Err(ConfigError::UnknownVariable { name: name.clone() });
            }
            if value.is_empty() {
                return Err(bad("empty value".into()));
            }
            let number = || -> Result<u32, ConfigError> {
                value
                    .parse()
                    .map_err(|_| bad("expected a whole number from 0 to 4294967295".into()))
            };
            match name.as_str() {
                "VENTANILLA_SERVER_BIND" => self.server.bind = value.to_owned(),
                "VENTANILLA_SERVER_POLL_SECONDS" => self.server.poll_seconds = number()?,
                "VENTANILLA_STORE_URL" => self.store.url = value.to_owned(),
                "VENTANILLA_AUTH_MODE" => self.auth.mode = keyword(value).map_err(bad)?,
                "VENTANILLA_AUTH_HEADER" => self.auth.header = value.to_owned(),
                "VENTANILLA_IDENTITY_MODE" => self.identity.mode = keyword(value).map_err(bad)?,
                "VENTANILLA_IDENTITY_DIRECTORY" => self.identity.directory = Some(value.into()),
                "VENTANILLA_DISPATCH_INTERRUPT_MARGIN_MINUTES" => {
                    self.dispatch.interrupt_margin_minutes = number()?
                }
                "VENTANILLA_LIMITS_LOGINS_PER_MINUTE" => self.limits.logins_per_minute = number()?,
                "VENTANILLA_LIMITS_JOINS_PER_MINUTE" => self.limits.joins_per_minute = number()?,
                "VENTANILLA_MEETINGS_PROVIDER" => {
                    self.meetings.provider = keyword(value).map_err(bad)?
                }
                _ => return Err(ConfigError::UnknownVariable { name: name.clone() }),
            }
        }
        Ok(())
    }

    /// Checks every value and builds the engine's settings. A relative
    /// `identity.directory` is looked for beside `base_dir` (usually the configuration
    /// file's folder), then relative to the current directory.
    pub fn validate(&self, base_dir: &Path) -> Result<EngineSettings, ConfigError> {
        self.validate_gateway_keys()?;
        Ok(EngineSettings {
            calendar: self.build_calendar()?,
            services: self.build_services()?,
            operators: self.build_operators()?,
            identity: self.build_identity(base_dir)?,
            interrupt_margin: Duration::from_secs(
                u64::from(self.dispatch.interrupt_margin_minutes) * 60,
            ),
            refuse_joins_past_closing: self.dispatch.refuse_joins_past_closing,
            poll_seconds: self.server.poll_seconds,
            presence: self.presence.validate()?,
            retention: self.retention.validate()?,
        })
    }

    /// Keys the gateway uses: checked here so that a bad file fails at start, whole.
    fn validate_gateway_keys(&self) -> Result<(), ConfigError> {
        let invalid = |key: &str, reason: &str| ConfigError::Invalid {
            key: key.into(),
            reason: reason.into(),
        };
        if self.server.bind.trim().is_empty() {
            return Err(invalid("server.bind", "empty address"));
        }
        if self.server.poll_seconds == 0 {
            return Err(invalid(
                "server.poll_seconds",
                "must be at least 1, found 0",
            ));
        }
        if let Some(public_url) = &self.server.public_url {
            web_origin(public_url).map_err(|reason| invalid("server.public_url", reason))?;
        }
        if self.server.header_timeout_ms == 0 {
            return Err(invalid(
                "server.header_timeout_ms",
                "must be at least 1, found 0",
            ));
        }
        if let Some(metrics_bind) = &self.server.metrics_bind {
            if metrics_bind.trim().parse::<std::net::SocketAddr>().is_err() {
                return Err(invalid(
                    "server.metrics_bind",
                    "expected a socket address such as 127.0.0.1:9090",
                ));
            }
        }
        let url = self.store.url.as_str();
        let redis = ["redis://", "rediss://", "redis+unix://", "unix://"];
        if url.starts_with(crate::store::redis::SENTINEL_SCHEME) {
            // The URL is not repeated: it may hold a password.
            crate::store::redis::SentinelUrl::parse(url)
                .map_err(|reason| invalid("store.url", &reason))?;
        } else if url != "memory" && !redis.iter().any(|scheme| url.starts_with(scheme)) {
            return Err(invalid(
                "store.url",
                "expected \"memory\", a redis:// URL or a redis+sentinel:// URL",
            ));
        }
        self.validate_replicas()?;
        let header = self.auth.header.as_str();
        let header_is_token = !header.is_empty()
            && header
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_');
        if self.auth.mode == AuthMode::TrustedHeader && !header_is_token {
            return Err(invalid(
                "auth.header",
                "expected an HTTP header name such as X-Remote-User",
            ));
        }
        Ok(())
    }

    /// `min_replicas` and `replica_timeout_ms`: the wait for the replicas
    /// must end before the command's own timeout, or no answer comes back.
    fn validate_replicas(&self) -> Result<(), ConfigError> {
        let store = &self.store;
        let invalid = |key: &str, reason: String| ConfigError::Invalid {
            key: key.into(),
            reason,
        };
        if store.min_replicas > MAX_MIN_REPLICAS {
            return Err(invalid(
                "store.min_replicas",
                format!("at most {MAX_MIN_REPLICAS}, found {}", store.min_replicas),
            ));
        }
        if store.min_replicas > 0 && store.replica_timeout_ms == 0 {
            return Err(invalid(
                "store.replica_timeout_ms",
                "must be at least 1 when store.min_replicas is set".into(),
            ));
        }
        if store.min_replicas > 0 && store.replica_timeout_ms >= store.command_timeout_ms {
            return Err(invalid(
                "store.replica_timeout_ms",
                format!(
                    "must be below store.command_timeout_ms ({} ms), found {} ms",
                    store.command_timeout_ms, store.replica_timeout_ms
                ),
            ));
        }
        Ok(())
    }

    fn build_calendar(&self) -> Result<Calendar, ConfigError> {
        let mut holidays = Vec::with_capacity(self.calendar.holidays.len());
        for (index, text) in self.calendar.holidays.iter().enumerate() {
            let date: Date = text.trim().parse().map_err(|_| ConfigError::BadHoliday {
                key: format!("calendar.holidays[{index}]"),
                value: text.clone(),
            })?;
            holidays.push(date);
        }
        Calendar::new(&self.calendar.timezone, holidays).map_err(|source| ConfigError::Schedule {
            key: "calendar.timezone".into(),
            source,
        })
    }

    fn build_services(&self) -> Result<Vec<Service>, ConfigError> {
        if self.services.is_empty() {
            return Err(ConfigError::NoServices);
        }
        let mut seen = HashSet::new();
        let mut services = Vec::with_capacity(self.services.len());
        for (index, raw) in self.services.iter().enumerate() {
            let key = |field: &str| format!("services[{index}].{field}");
            let schedule_error = |field: &str| {
                let key = key(field);
                move |source| ConfigError::Schedule { key, source }
            };
            let code =
                ServiceCode::parse(&raw.code).map_err(|source| ConfigError::ServiceCode {
                    key: key("code"),
                    source,
                })?;
            if !seen.insert(code.clone()) {
                return Err(ConfigError::DuplicateService {
                    key: key("code"),
                    code: code.to_string(),
                });
            }
            let days = Days::parse(&raw.days).map_err(schedule_error("days"))?;
            let open = parse_time_of_day(&raw.open).map_err(schedule_error("open"))?;
            let close = parse_time_of_day(&raw.close).map_err(schedule_error("close"))?;
            let schedule = match Schedule::new(days, open, close) {
                Err(ScheduleError::OpensAtEndOfDay) => {
                    return Err(schedule_error("open")(ScheduleError::OpensAtEndOfDay))
                }
                other => other.map_err(schedule_error("close"))?,
            };
            if raw.attention_minutes == 0 {
                return Err(ConfigError::ZeroAttention {
                    key: key("attention_minutes"),
                });
            }
            require_text(&raw.description, &key("description"))?;
            require_text(&raw.authentication, &key("authentication"))?;
            if let Some(url) = &raw.protocol_url {
                // The link is rendered in the console: only web links, never javascript:.
                if !(url.starts_with("https://")
                    || url.starts_with("http://")
                    || url.starts_with('/'))
                {
                    return Err(ConfigError::Invalid {
                        key: key("protocol_url"),
                        reason: format!("{url:?} is not an http(s) link"),
                    });
                }
            }
            services.push(Service {
                code,
                description: raw.description.trim().to_owned(),
                schedule,
                attention: Duration::from_secs(u64::from(raw.attention_minutes) * 60),
                representation: raw.representation,
                authentication: raw.authentication.trim().to_owned(),
                protocol_url: raw.protocol_url.clone(),
            });
        }
        Ok(services)
    }

    fn build_operators(&self) -> Result<Vec<OperatorProfile>, ConfigError> {
        let mut seen = HashSet::new();
        let mut operators = Vec::with_capacity(self.operators.len());
        for (index, raw) in self.operators.iter().enumerate() {
            let key = |field: &str| format!("operators[{index}].{field}");
            let id = OperatorId::parse(&raw.id).map_err(|_| ConfigError::OperatorId {
                key: key("id"),
                value: raw.id.clone(),
            })?;
            if !seen.insert(id.clone()) {
                return Err(ConfigError::DuplicateOperator {
                    key: key("id"),
                    id: id.to_string(),
                });
            }
            require_text(&raw.name, &key("name"))?;
            require_text(&raw.id_number, &key("id_number"))?;
            let credential = match (&raw.password, &raw.password_hash) {
                (Some(_), Some(_)) => {
                    return Err(ConfigError::TwoCredentials {
                        key: format!("operators[{index}]"),
                    })
                }
                (Some(password), None) => {
                    require_text(password, &key("password"))?;
                    Credential::DemoPassword(password.clone())
                }
                (None, Some(hash)) => {
                    require_text(hash, &key("password_hash"))?;
                    Credential::PasswordHash(hash.trim().to_owned())
                }
                (None, None) => Credential::None,
            };
            operators.push(OperatorProfile {
                id,
                name: raw.name.trim().to_owned(),
                id_number: raw.id_number.trim().to_owned(),
                credential,
                zoom_user: raw.zoom_user.clone(),
            });
        }
        Ok(operators)
    }

    fn build_identity(&self, base_dir: &Path) -> Result<IdentityCheck, ConfigError> {
        match self.identity.mode {
            IdentityMode::AnyValidNif => Ok(IdentityCheck::AnyValidNif),
            IdentityMode::Directory => {
                let path = self
                    .identity
                    .directory
                    .as_ref()
                    .ok_or(ConfigError::MissingDirectory)?;
                let directory = Directory::load(&resolve(base_dir, path))
                    .map_err(|source| ConfigError::Directory { source })?;
                Ok(IdentityCheck::Directory(directory))
            }
        }
    }
}

fn parse_toml(text: &str, origin: &str) -> Result<Config, ConfigError> {
    toml::from_str(text).map_err(|error| ConfigError::Parse {
        origin: origin.to_owned(),
        message: error.to_string().trim_end().to_owned(),
    })
}

/// Parses a snake_case keyword ("trusted_header") into its enum through serde, so the
/// accepted words are exactly those of the file.
fn keyword<T: DeserializeOwned>(value: &str) -> Result<T, String> {
    T::deserialize(StrDeserializer::<ValueError>::new(value)).map_err(|error| error.to_string())
}

fn require_text(value: &str, key: &str) -> Result<(), ConfigError> {
    if value.trim().is_empty() {
        return Err(ConfigError::Invalid {
            key: key.into(),
            reason: "must not be empty".into(),
        });
    }
    Ok(())
}

/// A relative path beside `base_dir` if it exists there, else as given (relative to the
/// current directory): the shipped default names "config/…" from the repository root.
fn resolve(base_dir: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() {
        return path.to_owned();
    }
    let beside = base_dir.join(path);
    if beside.exists() {
        beside
    } else {
        path.to_owned()
    }
}

/// The web origin ("https://host[:port]", default port left out) of an
/// http or https URL that names nothing beyond its origin: how
/// `server.public_url` is checked, and how the gateway compares an `Origin`
/// header with it.
pub fn web_origin(text: &str) -> Result<String, &'static str> {
    const SHAPE: &str =
        "expected an http or https origin such as https://videoasistencia.example.es";
    let url = reqwest::Url::parse(text.trim()).map_err(|_| SHAPE)?;
    let plain = url.username().is_empty()
        && url.password().is_none()
        && url.query().is_none()
        && url.fragment().is_none()
        && url.path() == "/";
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() || !plain {
        return Err(SHAPE);
    }
    Ok(url.origin().ascii_serialization())
}
