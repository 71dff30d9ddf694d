//! Where the gateway's configuration comes from: the file (or the built-in
//! demo copy), the `VENTANILLA_*` overrides, then the command line. The
//! file's `[server]`, `[auth]` and `[limits]` are the gateway's
//! ([`sections`]); the engine reads the rest ([`FileConfig`] holds both).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use engine::config::ENV_PREFIX;

mod file;
pub mod sections;

pub use file::FileConfig;
pub use sections::{
    web_origin, AuthConfig, AuthMode, GatewaySections, LimitsConfig, ServerConfig, ENV_VARIABLES,
};

/// The shipped demo configuration, used when `config/default.toml` is not
/// beside the current directory (e.g. the binary was copied elsewhere).
pub const EMBEDDED_DEFAULT: &str = include_str!("../../../config/default.toml");

/// Where `ventanilla` looks for its configuration without `--config`.
pub const DEFAULT_PATH: &str = "config/default.toml";

/// `VENTANILLA_*` variables that are not configuration overrides but that the
/// gateway or the test scripts read; they are kept away from the config loader,
/// which refuses every name it does not know.
pub const NON_CONFIG_VARIABLES: [&str; 2] = ["VENTANILLA_LOG_FORMAT", "VENTANILLA_CHROMIUM"];

/// Everything `run` needs: the configuration file's contents plus the
/// gateway-only options that the file contract does not have.
#[derive(Debug, Clone)]
pub struct Config {
    /// The configuration contract of DESIGN.md §4, overrides applied.
    pub file: FileConfig,
    /// Where relative paths of the file (the taxpayer directory) are resolved.
    pub base_dir: PathBuf,
    /// Take the client address from the last `X-Forwarded-For` entry (only
    /// behind a reverse proxy that sets it); otherwise the socket's peer.
    pub trust_forwarded_for: bool,
    /// `--standby`: wait for the Redis dispatcher lease instead of refusing
    /// to start while another process holds it.
    pub standby: bool,
}

/// What was found in the environment that the loader will not see.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct IgnoredVariables {
    /// `VENTANILLA_*` names that are neither overrides nor known to the gateway:
    /// likely typos, reported at start.
    pub unknown: Vec<String>,
}

/// Keeps the variables `Config::load` understands (and every non-`VENTANILLA_`
/// one), so that the gateway's own variables do not make it refuse to start.
pub fn config_environment(
    env: impl IntoIterator<Item = (String, String)>,
) -> (HashMap<String, String>, IgnoredVariables) {
    let mut kept = HashMap::new();
    let mut ignored = IgnoredVariables::default();
    for (name, value) in env {
        if !name.starts_with(ENV_PREFIX) || ENV_VARIABLES.contains(&name.as_str()) {
            kept.insert(name, value);
        } else if !NON_CONFIG_VARIABLES.contains(&name.as_str()) {
            ignored.unknown.push(name);
        }
    }
    ignored.unknown.sort();
    (kept, ignored)
}

impl Config {
    /// Loads `path`, or `config/default.toml` under the current directory, or
    /// the built-in copy, then applies the environment overrides in `env`
    /// (already filtered by [`config_environment`]).
    pub fn load(path: Option<&Path>, env: &HashMap<String, String>) -> anyhow::Result<Config> {
        let current_dir = std::env::current_dir().context("cannot read the current directory")?;
        let (file, base_dir) = match path {
            Some(path) => (
                FileConfig::load(path, env)?,
                path.parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| current_dir.clone()),
            ),
            None if Path::new(DEFAULT_PATH).exists() => {
                let path = Path::new(DEFAULT_PATH);
                (FileConfig::load(path, env)?, current_dir.join("config"))
            }
            None => {
                tracing::warn!(
                    "{DEFAULT_PATH} not found under the current directory: using the built-in demo configuration"
                );
                let mut file = FileConfig::from_toml_str(EMBEDDED_DEFAULT)?;
                file.apply_env(env)?;
                (file, current_dir)
            }
        };
        Ok(Config {
            file,
            base_dir,
            trust_forwarded_for: false,
            standby: false,
        })
    }

    /// The built-in demo configuration, without overrides (tests, examples).
    pub fn embedded_default() -> Config {
        Config {
            // unwrap: the shipped file is parsed by the gateway's own tests.
            file: FileConfig::from_toml_str(EMBEDDED_DEFAULT)
                .expect("the embedded default configuration parses"),
            base_dir: PathBuf::from("."),
            trust_forwarded_for: false,
            standby: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(names: &[&str]) -> Vec<(String, String)> {
        names
            .iter()
            .map(|name| (name.to_string(), "1".to_string()))
            .collect()
    }

    #[test]
    fn the_gateways_own_variables_never_reach_the_config_loader() {
        let (kept, ignored) = config_environment(vars(&[
            "VENTANILLA_LOG_FORMAT",
            "VENTANILLA_CHROMIUM",
            "VENTANILLA_SERVER_BIND",
            "PATH",
        ]));
        assert!(kept.contains_key("VENTANILLA_SERVER_BIND") && kept.contains_key("PATH"));
        assert!(!kept.contains_key("VENTANILLA_LOG_FORMAT"));
        assert_eq!(ignored, IgnoredVariables::default());
    }

    #[test]
    fn an_unknown_ventanilla_variable_is_reported_not_passed_on() {
        let (kept, ignored) = config_environment(vars(&["VENTANILLA_SERVER_BINDD"]));
        assert!(kept.is_empty());
        assert_eq!(ignored.unknown, ["VENTANILLA_SERVER_BINDD"]);
    }

    #[test]
    fn the_embedded_default_validates() {
        let config = Config::embedded_default();
        let settings = config
            .file
            .validate(Path::new(env!("CARGO_MANIFEST_DIR")))
            .expect("valid");
        assert_eq!(settings.operators.len(), 3);
    }
}
