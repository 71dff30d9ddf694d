//! What the browser tests stand on: the app in-process on a manual clock,
//! Debian's chromedriver on a free port (killed with its browsers on drop),
//! one headless Chromium per person with a fresh profile, DOM waits that
//! poll instead of sleeping, and PNG screenshots under
//! `target/test-output/<folder>/`. [`run_scenario`] puts them together for
//! a test: the set-up, the scenario, and its unwinding.

pub mod axe;

use std::future::Future;
use std::net::{SocketAddr, TcpListener as StdTcpListener};
use std::os::unix::process::CommandExt as _;
use std::panic::resume_unwind;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use engine::clock::{ManualClock, SharedClock};
use engine::meeting::LocalMeetings;
use engine::store::MemoryStore;
use engine::testsuite::default_settings;
use engine::{Engine, EngineParts};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use gateway::config::FileConfig;
use gateway::{AppState, GatewayOptions};
use serde_json::json;
use tempfile::TempDir;

/// The shipped configuration, as text.
const DEFAULT_CONFIG: &str = include_str!("../../../config/default.toml");

/// How often a wait looks at the page again.
const PROBE_EVERY: Duration = Duration::from_millis(100);

/// The gateway with the shipped configuration on an in-memory store, a
/// manual clock and the local meeting provider with site-relative links (as
/// the `ventanilla` binary serves the demo), on 127.0.0.1:<random port>.
pub struct App {
    /// "http://127.0.0.1:PORT".
    pub base: String,
    /// The engine behind the pages, for tests that read its views directly
    /// (a GET of a ticket would itself be a heartbeat).
    #[allow(dead_code)] // each test binary compiles this module; not all read it
    pub engine: Engine,
    /// The engine's clock, stopped until a test moves it.
    #[allow(dead_code)]
    pub clock: Arc<ManualClock>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl App {
    pub async fn spawn(at: jiff::Timestamp) -> App {
        let file = FileConfig::from_toml_str(DEFAULT_CONFIG).expect("the shipped config parses");
        let clock = ManualClock::new(at);
        let engine = Engine::start(EngineParts {
            settings: default_settings(),
            store: Arc::new(MemoryStore::new()),
            meetings: Arc::new(LocalMeetings::new("")),
            clock: Arc::clone(&clock) as SharedClock,
        })
        .await
        .unwrap_or_else(|error| panic!("engine did not start: {error}"));
        let options = GatewayOptions::from_file(&file).expect("valid gateway options");
        let state = AppState::new(engine.clone(), options);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind port 0");
        let address: SocketAddr = listener.local_addr().expect("local address");
        let (sender, receiver) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let shutdown = async move {
                let _ = receiver.await;
            };
            gateway::serve(listener, state, shutdown)
                .await
                .expect("server runs");
        });
        App {
            base: format!("http://{address}"),
            engine,
            clock,
            shutdown: Some(sender),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for App {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// `target/test-output/browser/` of the workspace.
pub fn output_dir() -> PathBuf {
    output_dir_named("browser")
}

/// `target/test-output/NAME/` of the workspace: a test binary of its own
/// gets its own folder, so clearing it never deletes another's screenshots.
pub fn output_dir_named(name: &str) -> PathBuf {
    let gateway = Path::new(env!("CARGO_MANIFEST_DIR"));
    gateway
        .parent()
        .unwrap_or(gateway)
        .join("target")
        .join("test-output")
        .join(name)
}

/// [`output_dir_named`], created, without the screenshots of an earlier run.
pub fn fresh_output_dir_named(name: &str) -> PathBuf {
    let dir = output_dir_named(name);
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|error| panic!("cannot create {}: {error}", dir.display()));
    for entry in std::fs::read_dir(&dir)
        .expect("read the output folder")
        .flatten()
    {
        if entry.path().extension().is_some_and(|ext| ext == "png") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    dir
}

/// Fails unless `path` is a non-empty PNG file.
pub fn assert_png(path: &Path) {
    let bytes = std::fs::read(path)
        .unwrap_or_else(|error| panic!("missing screenshot {}: {error}", path.display()));
    assert!(
        bytes.len() > 1024 && bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{} is not a non-empty PNG ({} bytes)",
        path.display(),
        bytes.len()
    );
}

/// A program found on PATH, or a failure that names the Debian package.
fn installed(program: &str, package: &str) -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(program))
            .find(|candidate| candidate.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "`{program}` (Debian package `{package}`) is not on PATH: the browser test drives \
             Debian's headless Chromium through chromedriver and needs the packages `chromium` \
             and `chromium-driver`; `ops/test` installs them when missing \
             (by hand: apt-get install chromium chromium-driver)"
        )
    })
}

/// chromedriver on a free loopback port, in its own process group so that
/// dropping it ends it and every browser it started.
pub struct Chromedriver {
    child: Child,
    launcher: Launcher,
}

/// What opens browsers through a running chromedriver: a handle a scenario
/// may keep, while only the [`Chromedriver`] owns (and ends) the process.
#[derive(Clone)]
pub struct Launcher {
    url: String,
    chromium: PathBuf,
    log: PathBuf,
}

impl Chromedriver {
    pub async fn start(output: &Path) -> Chromedriver {
        let chromium = installed("chromium", "chromium");
        let chromedriver = installed("chromedriver", "chromium-driver");
        let port = StdTcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let log = output.join("chromedriver.log");
        let log_file = std::fs::File::create(&log).expect("chromedriver log file");
        let child = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().expect("log handle"))
            .stderr(log_file)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {}: {error}", chromedriver.display()));
        let mut driver = Chromedriver {
            child,
            launcher: Launcher {
                url: format!("http://127.0.0.1:{port}"),
                chromium,
                log,
            },
        };
        driver.until_ready().await;
        driver
    }

    async fn until_ready(&mut self) {
        let status = format!("{}/status", self.launcher.url);
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Ok(Some(exit)) = self.child.try_wait() {
                panic!(
                    "chromedriver exited at start ({exit}):\n{}",
                    std::fs::read_to_string(&self.launcher.log).unwrap_or_default()
                );
            }
            if let Ok(response) = client.get(&status).send().await {
                if response.status().is_success() {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not answer {status} within 15 s:\n{}",
                std::fs::read_to_string(&self.launcher.log).unwrap_or_default()
            );
            tokio::time::sleep(PROBE_EVERY).await;
        }
    }

    /// A handle that opens browsers through this chromedriver.
    pub fn launcher(&self) -> Launcher {
        self.launcher.clone()
    }
}

impl Launcher {
    /// A new headless Chromium with its own empty profile: a separate
    /// person, sharing no cookies or storage with the others.
    pub async fn open(&self, who: &str, output: &Path) -> Browser {
        let profile = tempfile::Builder::new()
            .prefix(&format!("ventanilla-browser-{who}-"))
            .tempdir()
            .expect("a profile folder");
        let args = [
            "--headless=new".to_string(),
            "--no-sandbox".to_string(),
            "--disable-gpu".to_string(),
            "--disable-dev-shm-usage".to_string(),
            "--disable-background-networking".to_string(),
            "--disable-component-update".to_string(),
            "--disable-sync".to_string(),
            "--no-first-run".to_string(),
            "--no-default-browser-check".to_string(),
            "--lang=es-ES".to_string(),
            "--window-size=1280,1100".to_string(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".to_string(), json!("chrome"));
        capabilities.insert(
            "goog:chromeOptions".to_string(),
            // A Spanish speaker's browser: `--lang` alone does not set the
            // Accept-Language of headless Chromium, and the taxpayer's pages
            // follow that header.
            json!({
                "binary": self.chromium.to_string_lossy(),
                "args": args,
                "prefs": {"intl": {"accept_languages": "es-ES,es"}},
            }),
        );
        // Both of rustls' crypto providers are in this build (hyper-rustls
        // asks for aws-lc-rs, our dev-dependency for ring), so rustls cannot
        // pick one itself: install ring before fantoccini builds its
        // connector. Only the first install counts.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = ClientBuilder::rustls()
            .expect("rustls connector")
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .unwrap_or_else(|error| {
                panic!(
                    "chromedriver could not start {} for {who}: {error}\n{}",
                    self.chromium.display(),
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                )
            });
        Browser {
            who: who.to_string(),
            client,
            driver: self.url.clone(),
            output: output.to_path_buf(),
            _profile: Arc::new(profile),
        }
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        // The group is chromedriver's own (process_group(0)): it and the
        // browsers it started, nothing else.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a browser scenario plays on: the app, one browser per person asked
/// for (in that order), and a way to open more.
pub struct Stage<const N: usize> {
    pub app: App,
    pub browsers: [Browser; N],
    launcher: Launcher,
    output: PathBuf,
    /// Every browser opened, to be closed when the scenario ends.
    opened: Arc<Mutex<Vec<Browser>>>,
}

impl<const N: usize> Stage<N> {
    /// The app and the browsers, for a scenario that opens no more.
    #[allow(dead_code)] // each test binary compiles this module; not all use it
    pub fn into_parts(self) -> (App, [Browser; N]) {
        (self.app, self.browsers)
    }

    /// Another person's browser, closed with the others at the end.
    #[allow(dead_code)] // each test binary compiles this module; not all use it
    pub async fn open(&self, who: &str) -> Browser {
        open_kept(&self.launcher, who, &self.output, &self.opened).await
    }
}

async fn open_kept(
    launcher: &Launcher,
    who: &str,
    output: &Path,
    opened: &Mutex<Vec<Browser>>,
) -> Browser {
    let browser = launcher.open(who, output).await;
    opened
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .push(browser.clone());
    browser
}

/// Runs a browser test: clears `target/test-output/FOLDER/`, starts
/// chromedriver, the app (its clock stopped at `at`) and one browser per
/// name in `people`, then runs `scenario` as a task, so that whether it
/// passes or panics every browser is closed and chromedriver ended before
/// its panic is raised here. Answers how long it all took.
pub async fn run_scenario<const N: usize, F, Fut>(
    folder: &str,
    at: jiff::Timestamp,
    people: [&str; N],
    scenario: F,
) -> Duration
where
    F: FnOnce(Stage<N>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let started = Instant::now();
    let output = fresh_output_dir_named(folder);
    let driver = Chromedriver::start(&output).await;
    let app = App::spawn(at).await;
    let opened = Arc::new(Mutex::new(Vec::new()));
    let mut browsers = Vec::with_capacity(N);
    for who in people {
        browsers.push(open_kept(&driver.launcher, who, &output, &opened).await);
    }
    let browsers: [Browser; N] = browsers
        .try_into()
        .unwrap_or_else(|_| unreachable!("one browser per person"));
    eprintln!("{folder}: browsers ready after {:?}", started.elapsed());
    let stage = Stage {
        app,
        browsers,
        launcher: driver.launcher(),
        output: output.clone(),
        opened: Arc::clone(&opened),
    };

    let outcome = tokio::spawn(scenario(stage)).await;
    let browsers = std::mem::take(&mut *opened.lock().unwrap_or_else(|p| p.into_inner()));
    for browser in browsers {
        browser.close().await;
    }
    drop(driver);
    if let Err(error) = outcome {
        if error.is_panic() {
            resume_unwind(error.into_panic());
        }
        panic!("the scenario did not finish: {error}");
    }
    let took = started.elapsed();
    eprintln!(
        "{folder} took {took:?}; screenshots in {}",
        output.display()
    );
    took
}

/// One person's browser.
#[derive(Clone)]
pub struct Browser {
    pub who: String,
    pub client: Client,
    /// chromedriver's URL, for the Chrome DevTools commands WebDriver lacks.
    driver: String,
    output: PathBuf,
    _profile: Arc<TempDir>,
}

/// Waits, probing every 100 ms, until `probe` answers `Some`; panics with
/// `what` after `within`.
pub async fn until<T, F, Fut>(what: &str, within: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + within;
    loop {
        if let Some(found) = probe().await {
            return found;
        }
        assert!(
            Instant::now() < deadline,
            "waited {within:?} for {what} in vain"
        );
        tokio::time::sleep(PROBE_EVERY).await;
    }
}

impl Browser {
    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|error| panic!("{}: cannot open {url}: {error}", self.who));
    }

    /// The page's path now.
    pub async fn path(&self) -> String {
        self.client
            .current_url()
            .await
            .map(|url| url.path().to_string())
            .unwrap_or_default()
    }

    /// The text a person sees (hidden elements left out), or "" mid-reload.
    pub async fn visible_text(&self) -> String {
        match self.client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Waits until the page shows every one of `texts`; returns the text.
    pub async fn until_text(&self, texts: &[&str], within: Duration) -> String {
        let deadline = Instant::now() + within;
        loop {
            let text = self.visible_text().await;
            if texts.iter().all(|wanted| text.contains(wanted)) {
                return text;
            }
            if Instant::now() >= deadline {
                let missing: Vec<&&str> = texts.iter().filter(|t| !text.contains(**t)).collect();
                panic!(
                    "{}: waited {within:?} for {missing:?}; the page at {} shows:\n{text}",
                    self.who,
                    self.path().await
                );
            }
            tokio::time::sleep(PROBE_EVERY).await;
        }
    }

    /// The element `css` once it is on the page and displayed.
    pub async fn until_displayed(&self, css: &str, within: Duration) -> Element {
        let deadline = Instant::now() + within;
        loop {
            if let Ok(element) = self.client.find(Locator::Css(css)).await {
                if element.is_displayed().await.unwrap_or(false) {
                    return element;
                }
            }
            if Instant::now() >= deadline {
                panic!(
                    "{}: waited {within:?} for `{css}` to be displayed; the page at {} shows:\n{}",
                    self.who,
                    self.path().await,
                    self.visible_text().await
                );
            }
            tokio::time::sleep(PROBE_EVERY).await;
        }
    }

    /// The visible text of `css` (which must be there).
    pub async fn text_of(&self, css: &str) -> String {
        let element = self.until_displayed(css, Duration::from_secs(5)).await;
        element
            .text()
            .await
            .unwrap_or_else(|error| panic!("{}: text of `{css}`: {error}", self.who))
    }

    pub async fn click(&self, css: &str) {
        let element = self.until_displayed(css, Duration::from_secs(5)).await;
        element
            .click()
            .await
            .unwrap_or_else(|error| panic!("{}: cannot click `{css}`: {error}", self.who));
    }

    /// Clicks the link whose visible text is `text`.
    pub async fn click_link(&self, text: &str) {
        let link = self
            .client
            .find(Locator::LinkText(text))
            .await
            .unwrap_or_else(|error| panic!("{}: no link {text:?}: {error}", self.who));
        link.click()
            .await
            .unwrap_or_else(|error| panic!("{}: cannot click {text:?}: {error}", self.who));
    }

    /// Types `text` into the empty field `css`.
    pub async fn type_into(&self, css: &str, text: &str) {
        let field = self.until_displayed(css, Duration::from_secs(5)).await;
        field.clear().await.expect("clear the field");
        field
            .send_keys(text)
            .await
            .unwrap_or_else(|error| panic!("{}: cannot type into `{css}`: {error}", self.who));
    }

    /// Chooses the option whose visible label is `label` in the select `css`.
    pub async fn choose(&self, css: &str, label: &str) {
        let select = self.until_displayed(css, Duration::from_secs(5)).await;
        select.select_by_label(label).await.unwrap_or_else(|error| {
            panic!("{}: no option {label:?} in `{css}`: {error}", self.who)
        });
    }

    /// Runs `script` (a function body) in the page and returns its value.
    pub async fn run(&self, script: &str) -> serde_json::Value {
        self.client
            .execute(script, Vec::new())
            .await
            .unwrap_or_else(|error| panic!("{}: script {script:?} failed: {error}", self.who))
    }

    /// Saves the viewport as `NAME.png` in the output folder and checks that
    /// the file is a non-empty PNG.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self
            .client
            .screenshot()
            .await
            .unwrap_or_else(|error| panic!("{}: screenshot {name}: {error}", self.who));
        let path = self.output.join(format!("{name}.png"));
        std::fs::write(&path, &png)
            .unwrap_or_else(|error| panic!("cannot write {}: {error}", path.display()));
        assert_png(&path);
        path
    }

    /// Runs the Chrome DevTools Protocol command `method` in this browser's
    /// page, through chromedriver's `goog/cdp/execute` (plain WebDriver has
    /// no way to run a script before a page's own); answers its result.
    #[allow(dead_code)] // each test binary compiles this module; not all use it
    pub async fn cdp(&self, method: &str, params: serde_json::Value) -> serde_json::Value {
        let session = self
            .client
            .session_id()
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("{}: no WebDriver session", self.who));
        let url = format!("{}/session/{session}/goog/cdp/execute", self.driver);
        let response = reqwest::Client::new()
            .post(&url)
            .json(&json!({"cmd": method, "params": params}))
            .send()
            .await
            .unwrap_or_else(|error| panic!("{}: {method} not sent: {error}", self.who));
        let status = response.status();
        let body: serde_json::Value = response
            .json()
            .await
            .unwrap_or_else(|error| panic!("{}: {method} answer unreadable: {error}", self.who));
        assert!(
            status.is_success(),
            "{}: {method} refused ({status}): {body}",
            self.who
        );
        body.get("value")
            .cloned()
            .unwrap_or(serde_json::Value::Null)
    }

    /// Ends the WebDriver session (and its Chromium).
    pub async fn close(&self) {
        let _ = self.client.clone().close().await;
    }
}
