//! Real processes for the observability test: the `ventanilla` binary on a
//! generated configuration and Debian's `prometheus` scraping it, both
//! killed when dropped; `promtool`; and the dashboards' panel expressions.

use std::io::Write as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("gateway/ has a parent")
        .to_path_buf()
}

/// The path of a Prometheus tool, or a failure that says what to install.
pub fn prometheus_tool(name: &str) -> PathBuf {
    let found = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .chain([PathBuf::from("/usr/bin")])
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file());
    found.unwrap_or_else(|| {
        panic!(
            "`{name}` not found: install the Debian package `prometheus` \
             (apt-get install prometheus; ops/test installs it when missing)"
        )
    })
}

/// Runs `promtool` with `args` (and `stdin`, if given) and fails the test,
/// showing promtool's output, unless it succeeds.
pub fn promtool(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(prometheus_tool("promtool"))
        .args(args)
        .current_dir(repo().join("ops/prometheus"))
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool runs");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .expect("piped stdin")
            .write_all(text.as_bytes())
            .expect("promtool reads stdin");
    }
    let output = child.wait_with_output().expect("promtool ends");
    assert!(
        output.status.success(),
        "promtool {} failed:\n{}{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// A loopback port free now (the child binds it a moment later).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port()
}

/// A child process killed when dropped, its output kept in a file.
pub struct Process {
    child: Child,
    log: PathBuf,
}

impl Process {
    fn spawn(command: &mut Command, log: PathBuf) -> Process {
        let file = std::fs::File::create(&log).expect("log file");
        let child = command
            .stdout(file.try_clone().expect("log file handle"))
            .stderr(file)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {command:?}: {error}"));
        Process { child, log }
    }

    /// What the process has written so far, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Fails with the process's log if it has exited.
    pub fn assert_running(&mut self, name: &str) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!("{name} exited ({status}):\n{}", self.log());
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A configuration with one service open all day, every day (no holidays,
/// no interrupt margin: the test may run at any hour), three demo operators
/// and no rate limits.
pub fn ventanilla_config(bind: &str) -> String {
    format!(
        r#"
[server]
bind = "{bind}"
poll_seconds = 9

[store]
url = "memory"

[auth]
mode = "password"

[identity]
mode = "any_valid_nif"

[calendar]
timezone = "Europe/Madrid"
holidays = []

[dispatch]
interrupt_margin_minutes = 0

[limits]
logins_per_minute = 0
joins_per_minute = 0

[[services]]
code = "{SERVICE}"
description = "Trámites de asistencia por videollamada"
days = "every_day"
open = "00:00"
close = "24:00"
attention_minutes = 4

[[operators]]
id = "op-0001"
name = "Operadora Uno"
id_number = "A-0001"
password = "demo"

[[operators]]
id = "op-0002"
name = "Operador Dos"
id_number = "A-0002"
password = "demo"

[[operators]]
id = "op-0003"
name = "Operadora Tres"
id_number = "A-0003"
password = "demo"

[meetings]
provider = "local"
"#
    )
}

/// The one service of [`ventanilla_config`].
pub const SERVICE: &str = "CLAVE";

/// The `ventanilla` binary serving `config` on `port`.
pub fn start_ventanilla(dir: &Path, port: u16) -> Process {
    let config = dir.join("ventanilla.toml");
    std::fs::write(&config, ventanilla_config(&format!("127.0.0.1:{port}"))).expect("config");
    Process::spawn(
        Command::new(env!("CARGO_BIN_EXE_ventanilla"))
            .arg("--config")
            .arg(&config)
            .env("RUST_LOG", "warn"),
        dir.join("ventanilla.log"),
    )
}

/// Debian's `prometheus` scraping `target` every second, with the alert
/// rules of ops/prometheus loaded, listening on `port`.
pub fn start_prometheus(dir: &Path, port: u16, target: &str) -> Process {
    let rules = repo().join("ops/prometheus/alerts.yml");
    let config = dir.join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
             rule_files:\n  - {rules}\n\
             scrape_configs:\n  - job_name: ventanilla\n    static_configs:\n      - targets: [\"{target}\"]\n",
            rules = rules.display()
        ),
    )
    .expect("prometheus config");
    Process::spawn(
        Command::new(prometheus_tool("prometheus"))
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("tsdb").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}")),
        dir.join("prometheus.log"),
    )
}

/// Polls `check` every 100 ms until it returns `Some`, or fails with `what`.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One query expression of a dashboard, with where it comes from.
#[derive(Debug, Clone)]
pub struct PanelQuery {
    pub dashboard: String,
    pub panel: String,
    pub expr: String,
}

/// Every dashboard JSON under dashboards/, by file name.
pub fn dashboards() -> Vec<(String, Value)> {
    let mut found: Vec<(String, Value)> = std::fs::read_dir(repo().join("dashboards"))
        .expect("dashboards/ exists")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("dashboard readable");
            let json = serde_json::from_str(&text)
                .unwrap_or_else(|error| panic!("{} is not JSON: {error}", path.display()));
            (
                path.file_name()
                    .expect("file name")
                    .to_string_lossy()
                    .into_owned(),
                json,
            )
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

/// Every panel target expression of `dashboard`, rows' panels included.
pub fn panel_queries(file: &str, dashboard: &Value) -> Vec<PanelQuery> {
    fn walk(file: &str, panels: &Value, out: &mut Vec<PanelQuery>) {
        for panel in panels.as_array().into_iter().flatten() {
            let title = panel["title"].as_str().unwrap_or("?").to_string();
            for target in panel["targets"].as_array().into_iter().flatten() {
                if let Some(expr) = target["expr"].as_str() {
                    out.push(PanelQuery {
                        dashboard: file.to_string(),
                        panel: title.clone(),
                        expr: expr.to_string(),
                    });
                }
            }
            walk(file, &panel["panels"], out);
        }
    }
    let mut out = Vec::new();
    walk(file, &dashboard["panels"], &mut out);
    out
}

/// `expr` as Grafana would send it: `$service` selects `service_regex`,
/// `$__rate_interval` is 1m, `$__interval` 15s, `$__range` 1h.
pub fn substitute(expr: &str, service_regex: &str) -> String {
    expr.replace("${__rate_interval}", "1m")
        .replace("$__rate_interval", "1m")
        .replace("${__interval}", "15s")
        .replace("$__interval", "15s")
        .replace("${__range}", "1h")
        .replace("$__range", "1h")
        .replace("${service}", service_regex)
        .replace("$service", service_regex)
}

/// The `ventanilla_…` metric names an expression reads (histogram series
/// names such as `…_bucket` included, as Prometheus stores them).
pub fn metric_names(expr: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = expr;
    while let Some(start) = rest.find("ventanilla_") {
        let tail = &rest[start..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        names.push(tail[..end].to_string());
        rest = &tail[end..];
    }
    names
}
