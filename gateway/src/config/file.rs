//! The whole configuration file: the gateway's sections and the engine's,
//! parsed once, overridden, validated and reloaded together.

use std::collections::HashMap;
use std::path::Path;

use engine::config::{Config as EngineConfig, ConfigError, EngineSettings};

use super::sections::GatewaySections;

/// The configuration contract of DESIGN.md section 4, as written: every key
/// in one of the two halves, each refusing what it does not know.
#[derive(Clone, Debug, Default)]
pub struct FileConfig {
    /// `[server]`, `[auth]`, `[limits]`.
    pub gateway: GatewaySections,
    /// Everything else: `[store]`, `[identity]`, `[calendar]`, `[dispatch]`,
    /// `[[services]]`, `[[operators]]`, `[meetings]`, `[presence]`, `[retention]`.
    pub engine: EngineConfig,
}

impl FileConfig {
    /// Parses configuration text. Unknown keys are refused, naming the key.
    pub fn from_toml_str(text: &str) -> Result<FileConfig, ConfigError> {
        let (engine, gateway) = EngineConfig::with_host_from_toml_str::<GatewaySections>(text)?;
        Ok(FileConfig { gateway, engine })
    }

    /// Reads a configuration file, then applies the `VENTANILLA_*` overrides
    /// found in `env`.
    pub fn load(path: &Path, env: &HashMap<String, String>) -> Result<FileConfig, ConfigError> {
        let (engine, gateway) = EngineConfig::load_with_host::<GatewaySections>(path, env)?;
        Ok(FileConfig { gateway, engine })
    }

    /// Applies the `VENTANILLA_<SECTION>_<KEY>` overrides of both halves
    /// (see [`super::sections::ENV_VARIABLES`]); other variables are
    /// ignored, other `VENTANILLA_*` ones refused.
    pub fn apply_env(&mut self, env: &HashMap<String, String>) -> Result<(), ConfigError> {
        self.engine.apply_env_with_host(&mut self.gateway, env)
    }

    /// Checks both halves, the gateway's first, and builds the engine's
    /// settings, the gateway's `poll_seconds` among them. A relative
    /// `identity.directory` is looked for beside `base_dir`.
    pub fn validate(&self, base_dir: &Path) -> Result<EngineSettings, ConfigError> {
        self.gateway.validate()?;
        let mut settings = self.engine.validate(base_dir)?;
        settings.poll_seconds = self.gateway.server.poll_seconds;
        Ok(settings)
    }

    /// The keys read only at start whose value differs from `running` to
    /// `self`, in the contract's order: `server.bind`, `server.metrics_bind`,
    /// `server.public_url`, `server.header_timeout_ms`, `[store]`, `[auth]`,
    /// `[meetings]`.
    pub fn restart_only_changes(&self, running: &FileConfig) -> Vec<&'static str> {
        let mut keys = self.gateway.restart_only_changes(&running.gateway);
        keys.extend(engine::reload::restart_only_changes(
            &running.engine,
            &self.engine,
        ));
        keys.sort_by_key(|key| RESTART_ONLY.iter().position(|known| known == key));
        keys
    }

    /// `self` with every restart-only key as in `running`: what the process
    /// runs after a reload (and what the next reload is compared with).
    pub fn keep_restart_only(self, running: &FileConfig) -> FileConfig {
        FileConfig {
            gateway: self.gateway.keep_restart_only(&running.gateway),
            engine: engine::reload::keep_restart_only(self.engine, &running.engine),
        }
    }
}

/// The restart-only keys of both halves, in the order a reload reports them.
const RESTART_ONLY: [&str; 7] = [
    "server.bind",
    "server.metrics_bind",
    "server.public_url",
    "server.header_timeout_ms",
    "[store]",
    "[auth]",
    "[meetings]",
];
