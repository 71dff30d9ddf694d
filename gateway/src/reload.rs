//! `SIGHUP`: re-read the configuration file and apply what may change live
//! (DESIGN.md section 5; what is live and what needs a restart is in
//! [`FileConfig::restart_only_changes`], `engine::reload` and
//! docs/architecture.md "Live reconfiguration").
//!
//! The new file is validated whole, both halves (the gateway's sections and
//! the engine's); if either fails the whole file is refused and nothing
//! changes. The engine's part is applied as one engine message; the
//! gateway's live keys (`[limits]`) just after.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use engine::reload::{ReloadError, ReloadReport};
use engine::Engine;

use crate::config::{Config, FileConfig};
use crate::state::AppState;

/// What the process was started with, to read the file again the same way.
#[derive(Debug)]
pub struct Reloader {
    /// `--config`; `None`: `config/default.toml` or the built-in copy, as at start.
    path: Option<PathBuf>,
    /// The `VENTANILLA_*` overrides, as read at start.
    env: HashMap<String, String>,
    /// `--bind` and `--store`, which keep overriding the file.
    bind: Option<String>,
    store: Option<String>,
    /// The configuration running now (restart-only keys as at start);
    /// also serialises reloads.
    running: tokio::sync::Mutex<FileConfig>,
}

impl Reloader {
    /// A reloader for the process started from `config`, read from `path`
    /// with `env`, `--bind` and `--store` applied.
    pub fn new(
        config: &Config,
        path: Option<PathBuf>,
        env: HashMap<String, String>,
        bind: Option<String>,
        store: Option<String>,
    ) -> Reloader {
        Reloader {
            path,
            env,
            bind,
            store,
            running: tokio::sync::Mutex::new(config.file.clone()),
        }
    }

    /// Reads the file again and applies it. A file that does not load or
    /// validate is refused (logged, counted) and nothing changes.
    pub async fn reload(&self, state: &AppState) -> anyhow::Result<ReloadReport> {
        let mut running = self.running.lock().await;
        let mut loaded = match Config::load(self.path.as_deref(), &self.env) {
            Ok(loaded) => loaded,
            Err(error) => {
                engine::metrics::record_config_reload("refused");
                tracing::error!(error = %format!("{error:#}"), "configuration reload refused: the running configuration stays");
                return Err(error);
            }
        };
        if let Some(bind) = &self.bind {
            loaded.file.gateway.server.bind = bind.clone();
        }
        if let Some(store) = &self.store {
            loaded.file.engine.store.url = store.clone();
        }
        let report = apply(&state.engine, &running, &loaded.file, &loaded.base_dir).await?;
        // [limits] apply from the next request; the gateway's other options
        // ([server] addresses and timeouts, [auth]) are restart-only.
        let limits = &loaded.file.gateway.limits;
        state
            .login_guard
            .set_logins_per_minute(limits.logins_per_minute);
        state.join_limiter.set_per_minute(limits.joins_per_minute);
        *running = loaded.file.keep_restart_only(&running);
        Ok(report)
    }
}

/// Validates `new` whole (the gateway's sections, then the engine's) and
/// hands the engine its part as one message, with the restart-only keys of
/// both halves reported, not applied. A file that does not validate is
/// refused (logged, counted in `ventanilla_config_reloads_total`) and the
/// engine does not see it.
pub async fn apply(
    engine: &Engine,
    running: &FileConfig,
    new: &FileConfig,
    base_dir: &Path,
) -> Result<ReloadReport, ReloadError> {
    let settings = new.validate(base_dir).map_err(engine::reload::refused)?;
    engine
        .reload_settings(settings, new.restart_only_changes(running))
        .await
}

/// Reloads at every `SIGHUP` until the process ends.
#[cfg(unix)]
pub async fn on_sighup(reloader: std::sync::Arc<Reloader>, state: AppState) {
    use tokio::signal::unix::{signal, SignalKind};
    let mut hangups = match signal(SignalKind::hangup()) {
        Ok(hangups) => hangups,
        Err(error) => {
            tracing::error!(%error, "cannot listen for SIGHUP: configuration reloads are off");
            return;
        }
    };
    while hangups.recv().await.is_some() {
        tracing::info!("SIGHUP: reloading the configuration");
        // Either way it is logged and counted where it ended.
        let _ = reloader.reload(&state).await;
    }
}
