//! Validation of the engine's sections into its domain types: every error
//! names the key at fault.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::civil::Date;

use super::{Config, ConfigError, EngineSettings, IdentityMode, DEFAULT_POLL_SECONDS};
use crate::domain::schedule::parse_time_of_day;
use crate::domain::{
    Calendar, Credential, Days, Directory, IdentityCheck, OperatorId, OperatorProfile, Schedule,
    ScheduleError, Service, ServiceCode,
};

/// More replicas than any deployment runs: a typo, not a plan.
const MAX_MIN_REPLICAS: u32 = 16;

impl Config {
    /// Checks every value and builds the engine's settings. A relative
    /// `identity.directory` is looked for beside `base_dir` (usually the configuration
    /// file's folder), then relative to the current directory.
    pub fn validate(&self, base_dir: &Path) -> Result<EngineSettings, ConfigError> {
        self.validate_store_url()?;
        self.validate_replicas()?;
        Ok(EngineSettings {
            calendar: self.build_calendar()?,
            services: self.build_services()?,
            operators: self.build_operators()?,
            identity: self.build_identity(base_dir)?,
            interrupt_margin: Duration::from_secs(
                u64::from(self.dispatch.interrupt_margin_minutes) * 60,
            ),
            refuse_joins_past_closing: self.dispatch.refuse_joins_past_closing,
            poll_seconds: DEFAULT_POLL_SECONDS,
            presence: self.presence.validate()?,
            retention: self.retention.validate()?,
        })
    }

    /// `[store] url`: one of the stores the engine opens. The URL is never
    /// repeated in an error: it may hold a password.
    fn validate_store_url(&self) -> Result<(), ConfigError> {
        let invalid = |reason: &str| ConfigError::Invalid {
            key: "store.url".into(),
            reason: reason.into(),
        };
        let url = self.store.url.as_str();
        let redis = ["redis://", "rediss://", "redis+unix://", "unix://"];
        if url.starts_with(crate::store::redis::SENTINEL_SCHEME) {
            crate::store::redis::SentinelUrl::parse(url).map_err(|reason| invalid(&reason))?;
        } else if url != "memory" && !redis.iter().any(|scheme| url.starts_with(scheme)) {
            return Err(invalid(
                "expected \"memory\", a redis:// URL or a redis+sentinel:// URL",
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
