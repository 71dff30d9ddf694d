//! Reloading the configuration file (SIGHUP, DESIGN.md section 5): what
//! changes live, what needs a restart, and what the reload changed.
//!
//! The new file is validated whole first (a host validates its own sections
//! too, then calls [`Engine::reload_settings`]); a file that fails is
//! refused and the running configuration stays. Keys read only at start
//! (here the store and the meeting provider; the gateway adds its listening
//! addresses and authentication) are reported and left as they run. The rest reaches the engine as one
//! dispatcher message ([`Engine::reconfigure`]), so no command ever sees
//! half of a configuration.

use std::path::Path;

use crate::catalog::Catalog;
use crate::config::{Config, ConfigError, EngineSettings};
use crate::domain::{OperatorId, ServiceCode};
use crate::error::EngineError;
use crate::Engine;

/// What a reload applied, and what it left for a restart.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReloadReport {
    /// Services taking joins from now on.
    pub services_added: Vec<ServiceCode>,
    /// Services no longer taking joins (those with taxpayers left are still
    /// served until they are attended: see `services_draining`).
    pub services_removed: Vec<ServiceCode>,
    /// Removed services whose waiting or attended taxpayers are still served.
    pub services_draining: Vec<ServiceCode>,
    /// Services whose hours, description, attention time or other settings changed.
    pub services_changed: Vec<ServiceCode>,
    pub operators_added: Vec<OperatorId>,
    /// They finish the attention they hold, then can no longer attend or log in.
    pub operators_removed: Vec<OperatorId>,
    pub operators_renamed: Vec<OperatorId>,
    /// Keys whose new value needs a restart: changed in the file, not applied.
    pub restart_only: Vec<&'static str>,
}

/// Why a reload changed nothing.
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    /// The new file does not validate: the running configuration stays.
    #[error("the new configuration was refused, the running one stays: {0}")]
    Invalid(#[from] ConfigError),
    /// The engine did not take it (it is stopping).
    #[error("the engine did not take the new configuration: {0}")]
    Engine(#[from] EngineError),
}

/// The engine's keys read only at start whose value differs between
/// `running` and `new` (a host adds its own: the gateway's `server.bind`, …).
pub fn restart_only_changes(running: &Config, new: &Config) -> Vec<&'static str> {
    [
        ("[store]", running.store != new.store),
        ("[meetings]", running.meetings != new.meetings),
    ]
    .into_iter()
    .filter_map(|(key, changed)| changed.then_some(key))
    .collect()
}

/// `new` with every restart-only key of the engine as it runs now: what the
/// process runs after a reload (and what the next reload is compared with).
pub fn keep_restart_only(mut new: Config, running: &Config) -> Config {
    new.store = running.store.clone();
    new.meetings = running.meetings.clone();
    new
}

/// What changes from `before` to `settings` (restart-only keys aside).
pub fn describe(before: &Catalog, settings: &EngineSettings) -> ReloadReport {
    let mut report = ReloadReport::default();
    for service in &settings.services {
        match before.services().iter().find(|s| s.code == service.code) {
            None => report.services_added.push(service.code.clone()),
            Some(old) if old != service => report.services_changed.push(service.code.clone()),
            Some(_) => {}
        }
    }
    for service in before.services() {
        if !settings.services.iter().any(|s| s.code == service.code) {
            report.services_removed.push(service.code.clone());
        }
    }
    for profile in &settings.operators {
        match before.operator(&profile.id) {
            None => report.operators_added.push(profile.id.clone()),
            Some(old) if old.name != profile.name => {
                report.operators_renamed.push(profile.id.clone())
            }
            Some(_) => {}
        }
    }
    for profile in &before.operators {
        if !settings.operators.iter().any(|o| o.id == profile.id) {
            report.operators_removed.push(profile.id.clone());
        }
    }
    report
}

impl Engine {
    /// Reloads the configuration: `new` (as read from the file, overrides
    /// applied) replaces `running`, whose restart-only keys stay. Counted in
    /// `ventanilla_config_reloads_total{result}` and logged either way.
    pub async fn reload(
        &self,
        running: &Config,
        new: &Config,
        base_dir: &Path,
    ) -> Result<ReloadReport, ReloadError> {
        let settings = match new.validate(base_dir) {
            Ok(settings) => settings,
            Err(error) => return Err(refused(error)),
        };
        self.reload_settings(settings, restart_only_changes(running, new))
            .await
    }

    /// Applies `settings`, already validated from a new file whose
    /// `restart_only` keys changed (logged and reported, not applied): what a
    /// host calls once it has validated its own sections too. One dispatcher
    /// message, so no command sees half of a configuration.
    pub async fn reload_settings(
        &self,
        settings: EngineSettings,
        restart_only: Vec<&'static str>,
    ) -> Result<ReloadReport, ReloadError> {
        let mut report = describe(&self.catalog(), &settings);
        report.restart_only = restart_only;
        for key in &report.restart_only {
            tracing::warn!(
                key,
                "configuration reload: this key changed but needs a restart; not applied"
            );
        }
        let catalog = self.reconfigure(settings).await.inspect_err(|_| {
            crate::metrics::record_config_reload("refused");
        })?;
        report.services_draining = report
            .services_removed
            .iter()
            .filter(|code| catalog.is_withdrawn(code))
            .cloned()
            .collect();
        crate::metrics::initialize(&catalog);
        crate::metrics::record_config_reload("applied");
        tracing::info!(
            services_added = ?report.services_added,
            services_removed = ?report.services_removed,
            services_draining = ?report.services_draining,
            services_changed = ?report.services_changed,
            operators_added = ?report.operators_added,
            operators_removed = ?report.operators_removed,
            operators_renamed = ?report.operators_renamed,
            restart_only = ?report.restart_only,
            "configuration reloaded"
        );
        Ok(report)
    }
}

/// A new file that does not validate: counted, logged, and the reload's error.
pub fn refused(error: ConfigError) -> ReloadError {
    crate::metrics::record_config_reload("refused");
    tracing::error!(%error, "configuration reload refused: the running configuration stays");
    ReloadError::Invalid(error)
}
