//! The gateway's sections of the configuration file: `[server]`, `[auth]`
//! and `[limits]` (DESIGN.md section 4), their `VENTANILLA_*` overrides and
//! their validation. The engine reads the rest of the file
//! (`engine::config`); [`super::FileConfig`] puts the two together.

use engine::config::{override_keyword, override_number, ConfigError, HostSections};
use serde::de::MapAccess;
use serde::Deserialize;

/// Every top-level section of the file, the gateway's among the engine's
/// (`engine::config::SECTIONS`), in the contract's order: what the error for
/// an unknown one lists.
pub const SECTIONS: [&str; 12] = [
    "server",
    "store",
    "auth",
    "identity",
    "calendar",
    "dispatch",
    "limits",
    "services",
    "operators",
    "meetings",
    "presence",
    "retention",
];

/// Every environment override, the gateway's among the engine's
/// (`engine::config::ENV_VARIABLES`), in the contract's order; any other
/// `VENTANILLA_*` variable is refused, so a typo cannot silently leave a
/// default in place.
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

/// The gateway's sections, as written. Every section may be omitted.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GatewaySections {
    /// `[server]`.
    pub server: ServerConfig,
    /// `[auth]`.
    pub auth: AuthConfig,
    /// `[limits]`.
    pub limits: LimitsConfig,
}

impl HostSections for GatewaySections {
    const ALL_SECTIONS: &'static [&'static str] = &SECTIONS;
    const ALL_VARIABLES: &'static [&'static str] = &ENV_VARIABLES;

    fn read_section<'de, A: MapAccess<'de>>(
        &mut self,
        section: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        match section {
            "server" => self.server = map.next_value()?,
            "auth" => self.auth = map.next_value()?,
            "limits" => self.limits = map.next_value()?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn apply_variable(&mut self, name: &str, value: &str) -> Result<bool, ConfigError> {
        match name {
            "VENTANILLA_SERVER_BIND" => self.server.bind = value.to_owned(),
            "VENTANILLA_SERVER_POLL_SECONDS" => {
                self.server.poll_seconds = override_number(name, value)?
            }
            "VENTANILLA_AUTH_MODE" => self.auth.mode = override_keyword(name, value)?,
            "VENTANILLA_AUTH_HEADER" => self.auth.header = value.to_owned(),
            "VENTANILLA_LIMITS_LOGINS_PER_MINUTE" => {
                self.limits.logins_per_minute = override_number(name, value)?
            }
            "VENTANILLA_LIMITS_JOINS_PER_MINUTE" => {
                self.limits.joins_per_minute = override_number(name, value)?
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

impl GatewaySections {
    /// Checks every value, naming the key at fault, so that a bad file fails
    /// at start (or a reload is refused) whole.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key: &str, reason: &str| ConfigError::Invalid {
            key: key.into(),
            reason: reason.into(),
        };
        let server = &self.server;
        if server.bind.trim().is_empty() {
            return Err(invalid("server.bind", "empty address"));
        }
        if server.poll_seconds == 0 {
            return Err(invalid(
                "server.poll_seconds",
                "must be at least 1, found 0",
            ));
        }
        if let Some(public_url) = &server.public_url {
            web_origin(public_url).map_err(|reason| invalid("server.public_url", reason))?;
        }
        if server.header_timeout_ms == 0 {
            return Err(invalid(
                "server.header_timeout_ms",
                "must be at least 1, found 0",
            ));
        }
        if let Some(metrics_bind) = &server.metrics_bind {
            if metrics_bind.trim().parse::<std::net::SocketAddr>().is_err() {
                return Err(invalid(
                    "server.metrics_bind",
                    "expected a socket address such as 127.0.0.1:9090",
                ));
            }
        }
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

    /// The gateway's keys read only at start whose value differs from
    /// `running` to `self`; `[limits]` apply live.
    pub fn restart_only_changes(&self, running: &GatewaySections) -> Vec<&'static str> {
        let (old, now) = (&running.server, &self.server);
        [
            ("server.bind", old.bind != now.bind),
            ("server.metrics_bind", old.metrics_bind != now.metrics_bind),
            ("server.public_url", old.public_url != now.public_url),
            (
                "server.header_timeout_ms",
                old.header_timeout_ms != now.header_timeout_ms,
            ),
            ("[auth]", running.auth != self.auth),
        ]
        .into_iter()
        .filter_map(|(key, changed)| changed.then_some(key))
        .collect()
    }

    /// `self` with every restart-only key as in `running`.
    pub fn keep_restart_only(mut self, running: &GatewaySections) -> GatewaySections {
        self.server.bind = running.server.bind.clone();
        self.server.metrics_bind = running.server.metrics_bind.clone();
        self.server.public_url = running.server.public_url.clone();
        self.server.header_timeout_ms = running.server.header_timeout_ms;
        self.auth = running.auth.clone();
        self
    }
}

/// `[server]`: where the gateway listens and how often consoles poll.
/// `poll_seconds` is the one key the engine sees: it is handed over in its
/// settings (the poll bodies carry it as `next_poll_seconds`).
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
            poll_seconds: engine::config::DEFAULT_POLL_SECONDS,
            public_url: None,
            header_timeout_ms: 10_000,
            metrics_bind: None,
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

/// `[limits]`: per client address, per minute; 0 means no limit. Only the
/// gateway's rate limiters read them (the engine has no limit of its own),
/// and they apply live on a reload.
#[derive(Clone, Debug, PartialEq, Deserialize)]
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

/// The web origin ("https://host[:port]", default port left out) of an
/// http or https URL that names nothing beyond its origin: how
/// `server.public_url` is checked, and how the gateway compares an `Origin`
/// header with it.
pub fn web_origin(text: &str) -> Result<String, &'static str> {
    const SHAPE: &str =
        "expected an http or https origin such as https://videoasistencia.example.es";
    let url = url::Url::parse(text.trim()).map_err(|_| SHAPE)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_lists_are_the_gateways_sections_and_overrides_among_the_engines() {
        let mut sections: Vec<&str> = SECTIONS.to_vec();
        sections.retain(|section| !["server", "auth", "limits"].contains(section));
        assert_eq!(sections, engine::config::SECTIONS);
        let mut variables: Vec<&str> = ENV_VARIABLES.to_vec();
        variables.retain(|name| {
            !["SERVER", "AUTH", "LIMITS"]
                .iter()
                .any(|section| name.starts_with(&format!("VENTANILLA_{section}_")))
        });
        assert_eq!(variables, engine::config::ENV_VARIABLES);
    }
}
