//! `SIGHUP`: re-read the configuration file and apply what may change live
//! (DESIGN.md section 5; what is live and what needs a restart is in
//! `engine::reload` and docs/architecture.md "Reloading the configuration").

use std::collections::HashMap;
use std::path::PathBuf;

use engine::reload::{keep_restart_only, ReloadReport};

use crate::config::Config;
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
    running: tokio::sync::Mutex<engine::config::Config>,
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
            loaded.file.server.bind = bind.clone();
        }
        if let Some(store) = &self.store {
            loaded.file.store.url = store.clone();
        }
        let report = state
            .engine
            .reload(&running, &loaded.file, &loaded.base_dir)
            .await?;
        // [limits] apply from the next request; the gateway's other options
        // ([server] addresses and timeouts, [auth]) are restart-only.
        let limits = &loaded.file.limits;
        state
            .login_guard
            .set_logins_per_minute(limits.logins_per_minute);
        state.join_limiter.set_per_minute(limits.joins_per_minute);
        *running = keep_restart_only(loaded.file, &running);
        Ok(report)
    }
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
