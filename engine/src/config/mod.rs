//! The engine's part of the configuration contract of DESIGN.md section 4:
//! its sections of the TOML file, their `VENTANILLA_*` environment
//! overrides, and validation into the engine's domain types.
//!
//! The file also holds sections that the program around the engine reads
//! (the gateway's `[server]`, `[auth]` and `[limits]`): that program names
//! them as [`HostSections`], and the file is parsed once, each section by
//! its owner, every unknown key refused (`file.rs`). Validation is in
//! `validate.rs`.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use crate::domain::{
    Calendar, IdentityCheck, IdentityError, OperatorProfile, ScheduleError, Service,
    ServiceCodeError,
};

mod file;
mod validate;

pub use file::{override_keyword, override_number, HostSections};

/// The prefix of every environment override.
pub const ENV_PREFIX: &str = "VENTANILLA_";

/// The environment overrides of the engine's keys (`Config::apply_env`); any
/// other `VENTANILLA_*` variable is an error unless the host knows it, so a
/// typo cannot silently leave a default in place.
pub const ENV_VARIABLES: [&str; 5] = [
    "VENTANILLA_STORE_URL",
    "VENTANILLA_IDENTITY_MODE",
    "VENTANILLA_IDENTITY_DIRECTORY",
    "VENTANILLA_DISPATCH_INTERRUPT_MARGIN_MINUTES",
    "VENTANILLA_MEETINGS_PROVIDER",
];

/// The top-level sections of the file that the engine reads.
pub const SECTIONS: [&str; 9] = [
    "store",
    "identity",
    "calendar",
    "dispatch",
    "services",
    "operators",
    "meetings",
    "presence",
    "retention",
];

/// The console refresh period, in seconds, unless the host sets another
/// (the gateway's `[server] poll_seconds`): the guide's 9 s countdown.
pub const DEFAULT_POLL_SECONDS: u32 = 9;

/// The authentication method shown for a service unless configured otherwise.
const DEFAULT_AUTHENTICATION: &str = "NIF/NIE + Fecha/Dato de contraste";

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
    #[error("unknown environment variable {name}: the overrides are {}", .known.join(", "))]
    UnknownVariable {
        name: String,
        /// Every override there is (the host's with the engine's).
        known: &'static [&'static str],
    },
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

/// The engine's sections of the configuration file, as written (see
/// [`SECTIONS`]). Every section may be omitted. Deserialized by hand
/// (`file.rs`) so that a host's sections can sit beside them in one file.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// `[store]`.
    pub store: StoreConfig,
    /// `[identity]`.
    pub identity: IdentityConfig,
    /// `[calendar]`.
    pub calendar: CalendarConfig,
    /// `[dispatch]`.
    pub dispatch: DispatchConfig,
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
    /// Console refresh period in seconds, shown in the poll bodies: the
    /// host's (`[server] poll_seconds`), else [`DEFAULT_POLL_SECONDS`].
    pub poll_seconds: u32,
    /// When a silent taxpayer page is absent, then gone.
    pub presence: crate::presence::PresenceSettings,
    /// How long what has ended is kept.
    pub retention: crate::retention::RetentionSettings,
}
