//! Scenario files: the complete description of one load test (who arrives
//! when, how operators and taxpayers behave, what must hold at the end).
//!
//! Every table refuses unknown keys, so a typo fails the run before it
//! starts instead of silently testing something else. Durations are in
//! seconds (fractions allowed) and named `…_seconds`.

use std::path::Path;
use std::time::Duration;

use rand::Rng;
use serde::{Deserialize, Serialize};

mod distribution;
mod validate;

pub use distribution::Distribution;

/// The scenarios shipped in `loadtest/scenarios/`, by name, so that
/// `ventanilla-load smoke` works from any directory.
pub const SHIPPED: [(&str, &str); 8] = [
    ("smoke", include_str!("../../scenarios/smoke.toml")),
    (
        "campaign-day",
        include_str!("../../scenarios/campaign-day.toml"),
    ),
    ("flood", include_str!("../../scenarios/flood.toml")),
    ("max-polls", include_str!("../../scenarios/max-polls.toml")),
    (
        "lifecycles",
        include_str!("../../scenarios/lifecycles.toml"),
    ),
    (
        "mmc-honest-wait",
        include_str!("../../scenarios/mmc-honest-wait.toml"),
    ),
    (
        "lognormal-honest-wait",
        include_str!("../../scenarios/lognormal-honest-wait.toml"),
    ),
    (
        "shared-honest-wait",
        include_str!("../../scenarios/shared-honest-wait.toml"),
    ),
];

/// Why a scenario cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    // The causes are part of the message (and deliberately not `source`s,
    // so that `{:#}` does not print them twice).
    #[error("cannot read scenario file {path}: {cause}")]
    Read { path: String, cause: std::io::Error },
    #[error("scenario {origin}: {cause}")]
    Parse {
        origin: String,
        cause: toml::de::Error,
    },
    #[error("scenario {origin}: {key}: {reason}")]
    Invalid {
        origin: String,
        key: String,
        reason: String,
    },
}

/// One load test, as written in its TOML file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short name, shown in reports.
    pub name: String,
    /// What the scenario models, for the report.
    #[serde(default)]
    pub description: String,
    /// How long taxpayers keep arriving.
    pub duration_seconds: f64,
    /// After arrivals stop, how long the run may go on so that the queue
    /// drains and meetings end; it ends earlier once every taxpayer is done.
    #[serde(default = "default_drain_seconds")]
    pub drain_seconds: f64,
    /// Seed for every random choice (arrivals, behaviours); a fixed seed gives
    /// the same schedule and the same behaviours on every run.
    #[serde(default)]
    pub seed: Option<u64>,
    /// How often an operator console polls (the guide's 9 s countdown).
    #[serde(default = "default_poll_seconds")]
    pub poll_interval_seconds: f64,
    /// How often a taxpayer's page polls its ticket; the console interval if omitted.
    #[serde(default)]
    pub taxpayer_poll_interval_seconds: Option<f64>,
    /// Period of the time series (queue length, operators busy, waits).
    #[serde(default = "default_sample_seconds")]
    pub sample_interval_seconds: f64,
    /// A request not answered in this time is an error.
    #[serde(default = "default_request_timeout_seconds")]
    pub request_timeout_seconds: f64,
    /// Requests in flight at once, over all simulated clients: the client's
    /// connection budget. Waiting for a slot counts in corrected latencies.
    #[serde(default = "default_max_in_flight")]
    pub max_in_flight: usize,
    /// Taxpayers alive at once on the client side; arrivals beyond it are
    /// dropped and counted as errors (keeps the client's memory bounded).
    #[serde(default = "default_max_live_taxpayers")]
    pub max_live_taxpayers: usize,
    /// The services taxpayers join and operators attend.
    pub services: Vec<ServiceSpec>,
    /// How simulated operators authenticate.
    #[serde(default)]
    pub auth: AuthSpec,
    /// The operator crowd.
    pub operators: OperatorsSpec,
    /// Taxpayer arrivals: an open model, phase after phase.
    pub arrivals: Vec<Phase>,
    /// How taxpayers behave once in the queue.
    #[serde(default)]
    pub taxpayers: TaxpayerSpec,
    /// Thresholds that decide the exit status.
    #[serde(default)]
    pub slo: SloSpec,
}

fn default_drain_seconds() -> f64 {
    30.0
}
fn default_poll_seconds() -> f64 {
    9.0
}
fn default_sample_seconds() -> f64 {
    1.0
}
fn default_request_timeout_seconds() -> f64 {
    10.0
}
fn default_max_in_flight() -> usize {
    512
}
fn default_max_live_taxpayers() -> usize {
    200_000
}

/// One service of the run.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceSpec {
    /// E.g. "CLAVE".
    pub code: String,
    /// Shown in the generated configuration; the code if omitted.
    #[serde(default)]
    pub description: Option<String>,
    /// The configured average attention time (generated configuration only).
    #[serde(default = "default_attention_minutes")]
    pub attention_minutes: u32,
    /// Relative share of arrivals that join this service.
    #[serde(default = "one")]
    pub weight: f64,
}

fn default_attention_minutes() -> u32 {
    4
}
fn one() -> f64 {
    1.0
}

/// How operators authenticate: DESIGN.md's two `[auth]` modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AuthMode {
    /// `POST /api/v1/session` with the operator's password, then a bearer token.
    #[default]
    Password,
    /// Every call carries the header an SSO proxy would set.
    TrustedHeader,
}

/// `[auth]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSpec {
    #[serde(default)]
    pub mode: AuthMode,
    /// The header named in the gateway's `[auth] header` (trusted_header mode).
    #[serde(default = "default_auth_header")]
    pub header: String,
}

impl Default for AuthSpec {
    fn default() -> Self {
        AuthSpec {
            mode: AuthMode::Password,
            header: default_auth_header(),
        }
    }
}

fn default_auth_header() -> String {
    "X-Remote-User".into()
}

/// `[operators]`: the crowd of simulated consoles.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperatorsSpec {
    /// How many operators work.
    pub count: usize,
    /// Ids are `prefix` plus a four-digit number from 0001, unless `ids` is given.
    #[serde(default = "default_operator_prefix")]
    pub prefix: String,
    /// Explicit operator ids (e.g. those configured in a running gateway);
    /// the first `count` are used.
    #[serde(default)]
    pub ids: Option<Vec<String>>,
    /// The password of every simulated operator (password mode).
    #[serde(default = "default_password")]
    pub password: String,
    /// The services operators make themselves available for; all if omitted.
    #[serde(default)]
    pub services: Option<Vec<String>>,
    /// Time from Iniciar Videoasistencia to Finalizar.
    pub attention: Distribution,
    /// The outcome recorded at Finalizar, as relative weights.
    #[serde(default)]
    pub outcomes: OutcomeMix,
    /// When operators press Interrumpir.
    #[serde(default)]
    pub interrupts: InterruptHabits,
}

fn default_operator_prefix() -> String {
    "load-op-".into()
}
fn default_password() -> String {
    "demo".into()
}

impl OperatorsSpec {
    /// The ids of the simulated operators, in order.
    pub fn operator_ids(&self) -> Vec<String> {
        match &self.ids {
            Some(ids) => ids.iter().take(self.count).cloned().collect(),
            None => (1..=self.count)
                .map(|number| format!("{}{number:04}", self.prefix))
                .collect(),
        }
    }
}

/// Relative weights of the four outcomes of API.md.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeMix {
    #[serde(default)]
    pub success: f64,
    #[serde(default)]
    pub technical_error: f64,
    #[serde(default)]
    pub functional_error: f64,
    #[serde(default)]
    pub taxpayer_abandoned: f64,
}

impl Default for OutcomeMix {
    fn default() -> Self {
        OutcomeMix {
            success: 1.0,
            technical_error: 0.0,
            functional_error: 0.0,
            taxpayer_abandoned: 0.0,
        }
    }
}

impl OutcomeMix {
    /// The outcome codes of API.md with their weights.
    pub fn weighted(&self) -> [(&'static str, f64); 4] {
        [
            ("success", self.success),
            ("technical_error", self.technical_error),
            ("functional_error", self.functional_error),
            ("taxpayer_abandoned", self.taxpayer_abandoned),
        ]
    }

    /// Draws one outcome code.
    pub fn pick(&self, rng: &mut impl Rng) -> &'static str {
        let weighted = self.weighted();
        let total: f64 = weighted.iter().map(|(_, weight)| weight).sum();
        let mut point = rng.random::<f64>() * total;
        for (code, weight) in weighted {
            if point < weight {
                return code;
            }
            point -= weight;
        }
        "success"
    }
}

/// `[operators.interrupts]`: Interrumpir habits.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InterruptHabits {
    /// Share of attentions closed with "Finalizar e Interrumpir" (then a break).
    #[serde(default)]
    pub after_attention_share: f64,
    /// Share of waits the operator interrupts if no taxpayer comes in time.
    #[serde(default)]
    pub while_waiting_share: f64,
    /// How long such an operator waits before interrupting.
    #[serde(default = "default_waiting_patience")]
    pub waiting_patience: Distribution,
    /// How long an operator stays idle after interrupting.
    #[serde(default = "default_break")]
    pub break_time: Distribution,
}

fn default_waiting_patience() -> Distribution {
    Distribution::Constant { seconds: 30.0 }
}
fn default_break() -> Distribution {
    Distribution::Constant { seconds: 10.0 }
}

impl Default for InterruptHabits {
    fn default() -> Self {
        InterruptHabits {
            after_attention_share: 0.0,
            while_waiting_share: 0.0,
            waiting_patience: default_waiting_patience(),
            break_time: default_break(),
        }
    }
}

/// `[taxpayers]`: behaviour once joined.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxpayerSpec {
    /// Share of taxpayers who press Abandonar if still waiting after their patience.
    #[serde(default)]
    pub abandon_while_waiting_share: f64,
    /// How long such a taxpayer waits before abandoning.
    #[serde(default = "default_patience")]
    pub patience: Distribution,
    /// From seeing the operator's name to pressing "Aceptar y Acceder".
    #[serde(default = "default_accept_delay")]
    pub accept_delay: Distribution,
    /// Share of taxpayers who close the page once assigned and never accept.
    #[serde(default)]
    pub never_accept_share: f64,
}

fn default_patience() -> Distribution {
    Distribution::Constant { seconds: 60.0 }
}
fn default_accept_delay() -> Distribution {
    Distribution::Constant { seconds: 1.0 }
}

impl Default for TaxpayerSpec {
    fn default() -> Self {
        TaxpayerSpec {
            abandon_while_waiting_share: 0.0,
            patience: default_patience(),
            accept_delay: default_accept_delay(),
            never_accept_share: 0.0,
        }
    }
}

/// `[slo]`: thresholds; an absent one is not checked.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SloSpec {
    /// p99 of `POST /api/v1/tickets`, from the intended arrival time.
    #[serde(default)]
    pub join_p99_ms: Option<f64>,
    /// p99 of console and ticket polls, from their intended time.
    #[serde(default)]
    pub poll_p99_ms: Option<f64>,
    /// p99 of `assigned_at − joined_at` as the engine stamped them.
    #[serde(default)]
    pub join_to_assignment_p99_ms: Option<f64>,
    /// Errors over requests, e.g. 0.001; 0 means no error at all.
    #[serde(default)]
    pub error_rate_max: Option<f64>,
    /// At least this many attentions finalized.
    #[serde(default)]
    pub min_served: Option<u64>,
}

/// One phase of the arrival process. Arrivals are independent of how the
/// gateway answers (an open model): a slow gateway does not slow them down.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Phase {
    /// A Poisson process at a constant rate.
    Poisson {
        rate_per_second: f64,
        duration_seconds: f64,
    },
    /// A Poisson process whose rate goes linearly from one value to another.
    Ramp {
        from_per_second: f64,
        to_per_second: f64,
        duration_seconds: f64,
    },
    /// `count` arrivals at uniformly random instants within the first
    /// `spread_seconds` of the phase (all at once if 0), then quiet.
    Burst {
        count: u64,
        #[serde(default)]
        spread_seconds: f64,
        duration_seconds: f64,
    },
}

impl Phase {
    /// How long the phase lasts.
    pub fn duration_seconds(&self) -> f64 {
        match self {
            Phase::Poisson {
                duration_seconds, ..
            }
            | Phase::Ramp {
                duration_seconds, ..
            }
            | Phase::Burst {
                duration_seconds, ..
            } => *duration_seconds,
        }
    }

    /// The expected number of arrivals in the phase.
    pub fn expected_arrivals(&self) -> f64 {
        match self {
            Phase::Poisson {
                rate_per_second,
                duration_seconds,
            } => rate_per_second * duration_seconds,
            Phase::Ramp {
                from_per_second,
                to_per_second,
                duration_seconds,
            } => (from_per_second + to_per_second) / 2.0 * duration_seconds,
            Phase::Burst { count, .. } => *count as f64,
        }
    }
}

impl Scenario {
    /// Reads a scenario: a file path, or the name of a shipped scenario.
    pub fn load(path_or_name: &str) -> Result<Scenario, ScenarioError> {
        let path = Path::new(path_or_name);
        if !path.exists() {
            if let Some((name, text)) = SHIPPED.iter().find(|(name, _)| *name == path_or_name) {
                return Scenario::from_toml_str(text, &format!("{name} (shipped)"));
            }
        }
        let text = std::fs::read_to_string(path).map_err(|cause| ScenarioError::Read {
            path: path.display().to_string(),
            cause,
        })?;
        Scenario::from_toml_str(&text, &path.display().to_string())
    }

    /// Parses and validates; `origin` names the source in messages.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
        let scenario: Scenario = toml::from_str(text).map_err(|cause| ScenarioError::Parse {
            origin: origin.to_string(),
            cause,
        })?;
        scenario.validate(origin)?;
        Ok(scenario)
    }

    /// The taxpayer poll period.
    pub fn taxpayer_poll_interval(&self) -> Duration {
        Duration::from_secs_f64(
            self.taxpayer_poll_interval_seconds
                .unwrap_or(self.poll_interval_seconds),
        )
    }

    /// The console poll period.
    pub fn console_poll_interval(&self) -> Duration {
        Duration::from_secs_f64(self.poll_interval_seconds)
    }

    /// The services operators make themselves available for.
    pub fn operator_services(&self) -> Vec<String> {
        match &self.operators.services {
            Some(codes) => codes.clone(),
            None => self
                .services
                .iter()
                .map(|service| service.code.clone())
                .collect(),
        }
    }

    /// The expected number of arrivals over all phases.
    pub fn expected_arrivals(&self) -> f64 {
        self.arrivals.iter().map(Phase::expected_arrivals).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    const MINIMAL: &str = r#"
        name = "minimal"
        duration_seconds = 10
        [[services]]
        code = "CLAVE"
        [operators]
        count = 2
        attention = { distribution = "constant", seconds = 1 }
        [[arrivals]]
        kind = "poisson"
        rate_per_second = 1
        duration_seconds = 10
    "#;

    #[test]
    fn every_shipped_scenario_parses_and_validates() {
        for (name, text) in SHIPPED {
            let scenario = Scenario::from_toml_str(text, name)
                .unwrap_or_else(|error| panic!("{name}: {error}"));
            assert_eq!(
                scenario.name, name,
                "the file's name key matches its file name"
            );
            assert!(scenario.expected_arrivals() > 0.0, "{name} has arrivals");
        }
    }

    #[test]
    fn every_file_in_the_scenarios_folder_is_shipped() {
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        for entry in std::fs::read_dir(folder).expect("scenarios folder") {
            let path = entry.expect("entry").path();
            if path
                .extension()
                .is_some_and(|extension| extension == "toml")
            {
                let stem = path
                    .file_stem()
                    .and_then(|stem| stem.to_str())
                    .unwrap_or("");
                assert!(
                    SHIPPED.iter().any(|(name, _)| *name == stem),
                    "{} is not in SHIPPED",
                    path.display()
                );
            }
        }
    }

    #[test]
    fn shipped_scenarios_load_by_name() {
        let scenario = Scenario::load("smoke").expect("shipped smoke scenario");
        assert_eq!(scenario.name, "smoke");
    }

    #[test]
    fn a_minimal_scenario_takes_the_defaults() {
        let scenario = Scenario::from_toml_str(MINIMAL, "test").expect("valid");
        assert_eq!(scenario.poll_interval_seconds, 9.0);
        assert_eq!(scenario.taxpayer_poll_interval(), Duration::from_secs(9));
        assert_eq!(scenario.auth.mode, AuthMode::Password);
        assert_eq!(
            scenario.operators.operator_ids(),
            ["load-op-0001", "load-op-0002"]
        );
        assert_eq!(scenario.operator_services(), ["CLAVE"]);
    }

    #[test]
    fn an_unknown_top_level_key_is_refused() {
        let text = format!("{MINIMAL}\nduraton_seconds = 5\n");
        let error = Scenario::from_toml_str(&text, "test").expect_err("typo refused");
        assert!(error.to_string().contains("duraton_seconds"), "{error}");
    }

    #[test]
    fn an_unknown_key_inside_a_table_is_refused() {
        let text = MINIMAL.replace("count = 2", "count = 2\ncolor = \"blue\"");
        let error = Scenario::from_toml_str(&text, "test").expect_err("unknown key refused");
        assert!(error.to_string().contains("color"), "{error}");
    }

    #[test]
    fn an_unknown_key_inside_a_phase_or_a_distribution_is_refused() {
        let phase = MINIMAL.replace("rate_per_second = 1", "rate_per_second = 1\nrate = 2");
        assert!(Scenario::from_toml_str(&phase, "test").is_err());
        let distribution = MINIMAL.replace("seconds = 1 }", "seconds = 1, mean_seconds = 2 }");
        assert!(Scenario::from_toml_str(&distribution, "test").is_err());
    }

    #[test]
    fn phases_longer_than_the_run_are_refused() {
        let text = MINIMAL.replace(
            "duration_seconds = 10\n        [[services]]",
            "duration_seconds = 5\n[[services]]",
        );
        let error = Scenario::from_toml_str(&text, "test").expect_err("too long");
        assert!(error.to_string().contains("arrivals"), "{error}");
    }

    #[test]
    fn a_share_above_one_is_refused() {
        let text = format!("{MINIMAL}\n[taxpayers]\nnever_accept_share = 1.5\n");
        let error = Scenario::from_toml_str(&text, "test").expect_err("bad share");
        assert!(error.to_string().contains("never_accept_share"), "{error}");
    }

    #[test]
    fn operators_may_only_serve_declared_services() {
        let text = MINIMAL.replace("count = 2", "count = 2\nservices = [\"NOPE\"]");
        let error = Scenario::from_toml_str(&text, "test").expect_err("unknown service");
        assert!(error.to_string().contains("NOPE"), "{error}");
    }

    #[test]
    fn the_outcome_mix_follows_its_weights() {
        let mix = OutcomeMix {
            success: 3.0,
            technical_error: 1.0,
            functional_error: 0.0,
            taxpayer_abandoned: 0.0,
        };
        let mut rng = StdRng::seed_from_u64(5);
        let successes = (0..40_000)
            .filter(|_| mix.pick(&mut rng) == "success")
            .count();
        let share = successes as f64 / 40_000.0;
        assert!((share - 0.75).abs() < 0.01, "share {share}");
    }
}
