//! Shared test helpers (feature `testsuite`): an engine on a manual clock
//! with the shipped configuration, a meeting provider that can be made to
//! fail, and the store contract suite.

pub mod faults;
mod probes;
pub mod store_contract;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use jiff::Timestamp;
use parking_lot::Mutex;

use crate::actors::dispatcher::JoinReceipt;
use crate::clock::{Clock as _, ManualClock};
use crate::config::{Config, EngineSettings, HostSections, ENV_VARIABLES};
use crate::domain::{Annotation, Nif, OperatorId};
use crate::meeting::{LocalMeetings, MeetingError, MeetingProvider, MeetingRequest};
use crate::store::{MeetingRecord, MemoryStore, Store};
use crate::ticket::TicketId;
use crate::{Engine, EngineError, EngineParts, FinalizeInput, JoinInput};

/// The smallest configuration that validates: one service, CLAVE, on
/// weekdays from 09:00 to 15:00, and defaults for everything else.
pub const MINIMAL_CONFIG: &str = r#"
    [[services]]
    code = "CLAVE"
    description = "Trámites de asistencia por videollamada"
    days = "mon-fri"
    open = "09:00"
    close = "15:00"
    attention_minutes = 4
"#;

/// The workspace root: what a configuration's relative paths are read from.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The gateway's sections of a file in the contract's shape, skipped unread:
/// the engine's tests read whole files (the shipped default has `[server]`,
/// `[auth]` and `[limits]`), and the gateway's own tests check those
/// sections. The engine alone refuses them.
#[derive(Debug, Default)]
pub struct GatewaySectionsSkipped;

impl HostSections for GatewaySectionsSkipped {
    const ALL_SECTIONS: &'static [&'static str] = &[
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
    const ALL_VARIABLES: &'static [&'static str] = &ENV_VARIABLES;

    fn read_section<'de, A: serde::de::MapAccess<'de>>(
        &mut self,
        section: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        if !matches!(section, "server" | "auth" | "limits") {
            return Ok(false);
        }
        map.next_value::<serde::de::IgnoredAny>()?;
        Ok(true)
    }

    fn apply_variable(&mut self, _: &str, _: &str) -> Result<bool, crate::config::ConfigError> {
        Ok(false)
    }
}

/// The engine's sections of the shipped `config/default.toml`, parsed (not
/// validated), with no `VENTANILLA_*` environment.
pub fn shipped_config() -> Config {
    Config::load_with_host::<GatewaySectionsSkipped>(
        &workspace_root().join("config/default.toml"),
        &HashMap::new(),
    )
    .expect("the shipped default parses")
    .0
}

/// The engine's sections of a TOML text in the configuration contract's
/// shape (the gateway's sections skipped), parsed, not validated.
pub fn config_from(text: &str) -> Config {
    Config::with_host_from_toml_str::<GatewaySectionsSkipped>(text)
        .unwrap_or_else(|error| panic!("test configuration does not parse: {error}"))
        .0
}

/// The shipped `config/default.toml`, validated.
pub fn default_settings() -> EngineSettings {
    settings_from(include_str!("../../../config/default.toml"))
}

/// Settings from a TOML text in the configuration contract's shape (the
/// gateway's sections skipped: the console refresh period is the default).
pub fn settings_from(text: &str) -> EngineSettings {
    config_from(text)
        .validate(&workspace_root())
        .unwrap_or_else(|error| panic!("test configuration is invalid: {error}"))
}

/// An instant given in Madrid local time, e.g. `madrid("2026-11-30 10:00")`.
pub fn madrid(local: &str) -> Timestamp {
    let civil: jiff::civil::DateTime = local
        .parse()
        .unwrap_or_else(|error| panic!("bad local time {local}: {error}"));
    civil
        .in_tz("Europe/Madrid")
        .unwrap_or_else(|error| panic!("bad local time {local}: {error}"))
        .timestamp()
}

/// A meeting provider whose failures tests switch on and off, and which
/// remembers the meetings it was asked to end.
#[derive(Debug)]
pub struct ScriptedMeetings {
    local: LocalMeetings,
    failing: AtomicBool,
    ended: Mutex<Vec<String>>,
    quota_warning: Mutex<Option<String>>,
}

impl Default for ScriptedMeetings {
    fn default() -> ScriptedMeetings {
        ScriptedMeetings {
            local: LocalMeetings::new("http://meetings.test"),
            failing: AtomicBool::new(false),
            ended: Mutex::new(Vec::new()),
            quota_warning: Mutex::new(None),
        }
    }
}

impl ScriptedMeetings {
    pub fn fail(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }

    /// Ids of the meetings ended so far.
    pub fn ended(&self) -> Vec<String> {
        self.ended.lock().clone()
    }

    /// What [`MeetingProvider::quota_warning`] answers from now on (as
    /// Zoom's provider does near the daily cap).
    pub fn warn_quota(&self, warning: Option<&str>) {
        *self.quota_warning.lock() = warning.map(str::to_string);
    }
}

#[async_trait]
impl MeetingProvider for ScriptedMeetings {
    async fn create(&self, request: &MeetingRequest) -> Result<MeetingRecord, MeetingError> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(MeetingError {
                reason: "the provider is down".to_string(),
            });
        }
        self.local.create(request).await
    }

    async fn end(&self, meeting: &MeetingRecord) -> Result<(), MeetingError> {
        self.ended.lock().push(meeting.id.clone());
        Ok(())
    }

    fn quota_warning(&self, _provider_user: Option<&str>) -> Option<String> {
        self.quota_warning.lock().clone()
    }
}

/// An engine on a manual clock, with the pieces tests poke at.
pub struct TestEngine {
    pub engine: Engine,
    pub clock: Arc<ManualClock>,
    pub store: Arc<dyn Store>,
    pub meetings: Arc<ScriptedMeetings>,
}

impl TestEngine {
    /// The shipped configuration on a fresh in-memory store, at `at`.
    pub async fn start_at(at: Timestamp) -> TestEngine {
        TestEngine::start_with(default_settings(), Arc::new(MemoryStore::new()), at).await
    }

    pub async fn start_with(
        settings: EngineSettings,
        store: Arc<dyn Store>,
        at: Timestamp,
    ) -> TestEngine {
        let clock = ManualClock::new(at);
        let meetings = Arc::new(ScriptedMeetings::default());
        TestEngine::start_parts(settings, store, clock, meetings).await
    }

    pub async fn start_parts(
        settings: EngineSettings,
        store: Arc<dyn Store>,
        clock: Arc<ManualClock>,
        meetings: Arc<ScriptedMeetings>,
    ) -> TestEngine {
        let engine = Engine::start(EngineParts {
            settings,
            store: Arc::clone(&store),
            meetings: Arc::clone(&meetings) as Arc<dyn MeetingProvider>,
            clock: Arc::clone(&clock) as crate::clock::SharedClock,
        })
        .await
        .unwrap_or_else(|error| panic!("engine did not start: {error}"));
        TestEngine {
            engine,
            clock,
            store,
            meetings,
        }
    }

    /// The same store, clock and provider, in a new engine: a restart.
    pub async fn restart(self) -> TestEngine {
        let TestEngine {
            engine,
            clock,
            store,
            meetings,
        } = self;
        let settings = default_settings();
        drop(engine);
        TestEngine::start_parts(settings, store, clock, meetings).await
    }

    /// Moves the clock on while every taxpayer keeps their page open (each
    /// live ticket polls at the new time), as on a real day.
    pub fn advance(&self, by: Duration) {
        let then = self
            .clock
            .now()
            .checked_add(jiff::SignedDuration::try_from(by).unwrap_or(jiff::SignedDuration::MAX))
            .unwrap_or(Timestamp::MAX);
        self.set_time(then);
    }

    /// Sets the clock to `at` while every taxpayer keeps their page open.
    pub fn set_time(&self, at: Timestamp) {
        // Polls first, stamped with the new time, so that no sweep or match
        // ever sees a page that has not yet polled.
        self.engine
            .views()
            .for_each_ticket(|view| self.engine.heartbeat_at(view, at));
        self.clock.set(at);
    }

    /// Moves the clock on with no page polling: taxpayers who closed their
    /// tab or lost the network. Presence tests then run a sweep.
    pub fn advance_without_polls(&self, by: Duration) {
        self.clock.advance(by);
    }

    /// One poll of `ticket`'s page now (what the gateway does on a poll).
    pub fn poll(&self, ticket: TicketId) {
        if let Some(view) = self.engine.views().ticket(&ticket) {
            self.engine.heartbeat(&view);
        }
    }

    /// Marks `operator` available for exactly `services`.
    pub async fn make_available(&self, operator: &str, services: &[&str]) {
        let map = self
            .engine
            .catalog()
            .services()
            .iter()
            .map(|s| {
                (
                    s.code.as_str().to_string(),
                    services.contains(&s.code.as_str()),
                )
            })
            .collect();
        self.engine
            .set_availability(&op(operator), &map)
            .await
            .unwrap_or_else(|error| panic!("availability refused: {error}"));
    }

    pub async fn join(&self, nif: &str, service: &str) -> Result<JoinReceipt, EngineError> {
        self.engine
            .join(JoinInput {
                nif: nif.to_string(),
                name: format!("CONTRIBUYENTE {nif}"),
                contrast: "01-01-2030".to_string(),
                service: service.to_string(),
            })
            .await
    }

    pub async fn finalize(
        &self,
        operator: &str,
        outcome: &str,
        observations: &str,
        next: &str,
    ) -> Result<(), EngineError> {
        self.engine
            .finalize(
                &op(operator),
                FinalizeInput {
                    outcome: outcome.to_string(),
                    observations: Some(observations.to_string()),
                    represented_nif: None,
                    next: next.to_string(),
                },
            )
            .await
    }

    /// The attention history the store holds for `nif` (a valid NIF).
    pub async fn history(&self, nif: &str) -> Vec<Annotation> {
        let nif = Nif::parse(nif).unwrap_or_else(|error| panic!("bad test NIF {nif}: {error}"));
        self.store.history(&nif).await.expect("history")
    }
}

/// An operator id from a literal.
pub fn op(id: &str) -> OperatorId {
    OperatorId::parse(id).unwrap_or_else(|error| panic!("bad operator id {id}: {error}"))
}

/// Valid DNIs for tests: `dni(n)` is the n-th one.
pub fn dni(number: u32) -> String {
    const LETTERS: &[u8] = b"TRWAGMYFPDXBNJZSQVHLCKE";
    format!("{number:08}{}", LETTERS[(number % 23) as usize] as char)
}
