//! `--spawn`: starts a `ventanilla` of its own for the run, with a
//! configuration generated from the scenario (DESIGN.md section 4), and
//! stops it at the end. Only ever on loopback.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde::Serialize;
use tokio::process::{Child, Command};

use crate::scenario::{AuthMode, Scenario};

/// How long the gateway may take to answer `/readyz`.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// A running gateway started for this run; killed when dropped.
#[derive(Debug)]
pub struct SpawnedGateway {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    /// The generated configuration and the gateway's log live here.
    directory: tempfile::TempDir,
    /// The store URL the gateway was given.
    pub store: String,
    /// The binary that was started.
    pub binary: PathBuf,
}

impl SpawnedGateway {
    /// Writes the configuration, starts `ventanilla --config …` and waits
    /// until it is ready.
    pub async fn start(
        scenario: &Scenario,
        store: &str,
        binary: Option<&Path>,
    ) -> anyhow::Result<SpawnedGateway> {
        let binary = locate_ventanilla(binary)?;
        let directory = tempfile::Builder::new()
            .prefix("ventanilla-load-")
            .tempdir()
            .context("cannot create a temporary directory for the gateway")?;
        let port = free_port()?;
        let bind = format!("127.0.0.1:{port}");
        let config_path = directory.path().join("ventanilla.toml");
        std::fs::write(&config_path, generated_config(scenario, &bind, store)?)
            .context("cannot write the generated configuration")?;
        let log_path = directory.path().join("ventanilla.log");
        let log = std::fs::File::create(&log_path).context("cannot create the gateway log")?;
        let mut command = Command::new(&binary);
        command
            .arg("--config")
            .arg(&config_path)
            .current_dir(directory.path())
            // Per-request info logs would cost the gateway CPU the test measures.
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .kill_on_drop(true);
        // A process group of its own: Ctrl-C in the terminal stops the load
        // tester's run (which then reports and checks), not the gateway under it.
        #[cfg(unix)]
        command.process_group(0);
        // The generated file is the whole configuration: no override from
        // whoever runs the load tester.
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("VENTANILLA_") {
                command.env_remove(name);
            }
        }
        let child = command
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let mut gateway = SpawnedGateway {
            child,
            base_url: format!("http://{bind}"),
            directory,
            store: store.to_string(),
            binary,
        };
        gateway.wait_ready().await?;
        Ok(gateway)
    }

    /// Polls `/readyz` until it answers 200, the process exits or time runs out.
    async fn wait_ready(&mut self) -> anyhow::Result<()> {
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(2))
            .build()?;
        let url = format!("{}/readyz", self.base_url);
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait()? {
                anyhow::bail!(
                    "{} exited ({status}) before it was ready; its log:\n{}",
                    self.binary.display(),
                    self.log_tail()
                );
            }
            if let Ok(response) = http.get(&url).send().await {
                if response.status().is_success() {
                    return Ok(());
                }
            }
            if Instant::now() > deadline {
                anyhow::bail!(
                    "{} was not ready after {READY_TIMEOUT:?}; its log:\n{}",
                    self.binary.display(),
                    self.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The last lines the gateway logged.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.directory.path().join("ventanilla.log"))
            .unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// Stops the gateway and waits for it to go.
    pub async fn stop(mut self) {
        // The in-memory store has nothing to flush and Redis keeps what was
        // acknowledged: a kill is as good as a polite stop here.
        let _ = self.child.kill().await;
    }
}

/// The binary to start: the one given, else `ventanilla` beside this
/// executable (same cargo target directory), else beside its parent (test
/// binaries live in `deps/`), else `ventanilla` from `PATH`.
pub fn locate_ventanilla(explicit: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(path) = explicit {
        anyhow::ensure!(path.is_file(), "no ventanilla binary at {}", path.display());
        return Ok(path.to_path_buf());
    }
    let name = format!("ventanilla{}", std::env::consts::EXE_SUFFIX);
    if let Ok(me) = std::env::current_exe() {
        for directory in me.ancestors().skip(1).take(2) {
            let candidate = directory.join(&name);
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    Ok(PathBuf::from(name))
}

/// A loopback port nobody listens on now.
fn free_port() -> anyhow::Result<u16> {
    let listener =
        std::net::TcpListener::bind("127.0.0.1:0").context("cannot find a free loopback port")?;
    Ok(listener.local_addr()?.port())
}

/// The configuration file of DESIGN.md section 4 for this scenario: its
/// services open every day, all day, no holidays, its operators with the
/// scenario's password, no rate limits, the local meeting provider.
pub fn generated_config(scenario: &Scenario, bind: &str, store: &str) -> anyhow::Result<String> {
    let config = GeneratedConfig {
        server: ServerSection {
            bind: bind.to_string(),
            // The gateway counts whole seconds; the simulated consoles poll at
            // the scenario's own pace anyway.
            poll_seconds: scenario.poll_interval_seconds.round().max(1.0) as u32,
        },
        store: StoreSection {
            url: store.to_string(),
        },
        auth: AuthSection {
            mode: match scenario.auth.mode {
                AuthMode::Password => "password",
                AuthMode::TrustedHeader => "trusted_header",
            },
            header: scenario.auth.header.clone(),
        },
        identity: IdentitySection {
            mode: "any_valid_nif",
        },
        calendar: CalendarSection {
            timezone: "Europe/Madrid",
            // A run must not meet a closed day: no holidays at all.
            holidays: Vec::new(),
        },
        dispatch: DispatchSection {
            interrupt_margin_minutes: 0,
        },
        limits: LimitsSection {
            logins_per_minute: 0,
            joins_per_minute: 0,
        },
        services: scenario
            .services
            .iter()
            .map(|service| ServiceSection {
                code: service.code.clone(),
                description: service
                    .description
                    .clone()
                    .unwrap_or_else(|| format!("Servicio de carga {}", service.code)),
                days: "every_day",
                open: "00:00",
                close: "24:00",
                attention_minutes: service.attention_minutes,
                representation: false,
                authentication: "NIF/NIE + Fecha/Dato de contraste",
            })
            .collect(),
        operators: scenario
            .operators
            .operator_ids()
            .into_iter()
            .enumerate()
            .map(|(index, id)| OperatorSection {
                name: format!("Operador de carga {}", index + 1),
                id_number: format!("LC-{:04}", index + 1),
                password: scenario.operators.password.clone(),
                id,
            })
            .collect(),
        meetings: MeetingsSection { provider: "local" },
    };
    Ok(toml::to_string(&config)?)
}

#[derive(Serialize)]
struct GeneratedConfig {
    server: ServerSection,
    store: StoreSection,
    auth: AuthSection,
    identity: IdentitySection,
    calendar: CalendarSection,
    dispatch: DispatchSection,
    limits: LimitsSection,
    services: Vec<ServiceSection>,
    operators: Vec<OperatorSection>,
    meetings: MeetingsSection,
}

#[derive(Serialize)]
struct ServerSection {
    bind: String,
    poll_seconds: u32,
}

#[derive(Serialize)]
struct StoreSection {
    url: String,
}

#[derive(Serialize)]
struct AuthSection {
    mode: &'static str,
    header: String,
}

#[derive(Serialize)]
struct IdentitySection {
    mode: &'static str,
}

#[derive(Serialize)]
struct CalendarSection {
    timezone: &'static str,
    holidays: Vec<String>,
}

#[derive(Serialize)]
struct DispatchSection {
    interrupt_margin_minutes: u32,
}

#[derive(Serialize)]
struct LimitsSection {
    logins_per_minute: u32,
    joins_per_minute: u32,
}

#[derive(Serialize)]
struct ServiceSection {
    code: String,
    description: String,
    days: &'static str,
    open: &'static str,
    close: &'static str,
    attention_minutes: u32,
    representation: bool,
    authentication: &'static str,
}

#[derive(Serialize)]
struct OperatorSection {
    id: String,
    name: String,
    id_number: String,
    password: String,
}

#[derive(Serialize)]
struct MeetingsSection {
    provider: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_config_has_the_contract_shape() {
        let scenario = Scenario::load("smoke").expect("smoke");
        let text = generated_config(&scenario, "127.0.0.1:18080", "memory").expect("toml");
        let value: toml::Value = toml::from_str(&text).expect("parses back");
        assert_eq!(value["server"]["bind"].as_str(), Some("127.0.0.1:18080"));
        assert_eq!(value["store"]["url"].as_str(), Some("memory"));
        assert_eq!(value["limits"]["logins_per_minute"].as_integer(), Some(0));
        assert_eq!(value["limits"]["joins_per_minute"].as_integer(), Some(0));
        let services = value["services"].as_array().expect("services");
        assert_eq!(services.len(), scenario.services.len());
        assert_eq!(services[0]["days"].as_str(), Some("every_day"));
        assert_eq!(services[0]["open"].as_str(), Some("00:00"));
        assert_eq!(services[0]["close"].as_str(), Some("24:00"));
        let operators = value["operators"].as_array().expect("operators");
        assert_eq!(operators.len(), scenario.operators.count);
        assert_eq!(
            operators[0]["id"].as_str(),
            scenario
                .operators
                .operator_ids()
                .first()
                .map(String::as_str)
        );
        assert_eq!(value["meetings"]["provider"].as_str(), Some("local"));
    }
}
