//! `ventanilla` as real processes on a real `redis-server`: one active
//! dispatcher at a time, standby takeover, Redis outages, and kill -9 at
//! random moments under load with nothing acknowledged lost.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use engine::store::redis::RedisOptions;
use engine::store::{RedisStore, StoredState, TicketState};
use engine::testsuite::dni;
use engine::ticket::TicketId;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A child process killed (SIGKILL) when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A private redis-server on a unix socket, with its AOF in `dir`.
fn start_redis(dir: &Path) -> Killed {
    let child = Command::new("redis-server")
        .args(["--port", "0", "--unixsocket"])
        .arg(dir.join("redis.sock"))
        .args([
            "--save",
            "",
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
            "--dir",
        ])
        .arg(dir)
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server must be installed (ops/test installs Debian's redis-server)");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !dir.join("redis.sock").exists() {
        assert!(Instant::now() < deadline, "redis-server did not start");
        std::thread::sleep(Duration::from_millis(10));
    }
    // The socket file appears before the AOF is loaded: wait for PING.
    loop {
        let ping = Command::new("redis-cli")
            .arg("-s")
            .arg(dir.join("redis.sock"))
            .arg("ping")
            .output();
        if ping.is_ok_and(|out| String::from_utf8_lossy(&out.stdout).contains("PONG")) {
            break;
        }
        assert!(Instant::now() < deadline, "redis-server did not answer");
        std::thread::sleep(Duration::from_millis(10));
    }
    Killed(child)
}

/// A port nobody listens on now (three at a time must differ).
fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU16, Ordering};
    static NEXT: AtomicU16 = AtomicU16::new(0);
    loop {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map(|address| address.port())
            .expect("a free port");
        if NEXT.swap(port, Ordering::SeqCst) != port {
            return port;
        }
    }
}

/// Every call of these tests gives up after a few seconds instead of hanging.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client")
}

/// A configuration with one all-day service, so the test runs any day.
fn write_config(dir: &Path, name: &str, port: u16) -> PathBuf {
    let mut text = format!(
        "[server]\nbind = \"127.0.0.1:{port}\"\n\n\
         [store]\nurl = \"unix://{}\"\nlease_ttl_ms = 1000\ncommand_timeout_ms = 500\nretries = 1\n\n\
         [limits]\nlogins_per_minute = 0\njoins_per_minute = 0\n\n\
         [calendar]\ntimezone = \"Europe/Madrid\"\nholidays = []\n\n\
         [[services]]\ncode = \"CLAVE\"\ndescription = \"Trámites de asistencia por videollamada\"\n\
         days = \"every_day\"\nopen = \"00:00\"\nclose = \"24:00\"\nattention_minutes = 4\nrepresentation = false\n",
        dir.join("redis.sock").display()
    );
    for n in 1..=4 {
        text.push_str(&format!(
            "\n[[operators]]\nid = \"op-000{n}\"\nname = \"Operador {n}\"\nid_number = \"A-000{n}\"\npassword = \"demo\"\n"
        ));
    }
    let path = dir.join(name);
    std::fs::write(&path, text).expect("config written");
    path
}

fn start_ventanilla(config: &Path, extra: &[&str]) -> Killed {
    let child = Command::new(env!("CARGO_BIN_EXE_ventanilla"))
        .arg("--config")
        .arg(config)
        .args(extra)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ventanilla starts");
    Killed(child)
}

async fn ready(client: &reqwest::Client, base: &str) -> bool {
    matches!(client.get(format!("{base}/readyz")).send().await, Ok(r) if r.status() == StatusCode::OK)
}

async fn wait_ready(client: &reqwest::Client, base: &str, within: Duration) {
    let deadline = Instant::now() + within;
    while !ready(client, base).await {
        assert!(Instant::now() < deadline, "{base} never became ready");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn login(client: &reqwest::Client, base: &str, operator: &str) -> String {
    let response = client
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"operator_id": operator, "password": "demo"}))
        .send()
        .await
        .expect("login");
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("json");
    body["token"].as_str().expect("token").to_string()
}

async fn join(client: &reqwest::Client, base: &str, n: u32) -> reqwest::Result<reqwest::Response> {
    client
        .post(format!("{base}/api/v1/tickets"))
        .json(&json!({"nif": dni(n), "name": format!("CONTRIBUYENTE {n}"), "contrast": "x", "service": "CLAVE"}))
        .send()
        .await
}

async fn operator_call(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    method: &str,
    path: &str,
    body: Value,
) -> StatusCode {
    let url = format!("{base}/api/v1/operator/{path}");
    let request = match method {
        "PUT" => client.put(url),
        "GET" => client.get(url),
        _ => client.post(url),
    };
    match request.bearer_auth(token).json(&body).send().await {
        Ok(response) => response.status(),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}

async fn redis_state(dir: &Path) -> (StoredState, RedisStore) {
    let url = format!("unix://{}", dir.join("redis.sock").display());
    let store = RedisStore::connect(&url, RedisOptions::default())
        .await
        .expect("connect");
    let state = engine::store::Store::load(&store).await.expect("load");
    (state, store)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_ventanilla_refuses_to_dispatch_and_a_standby_takes_over_when_the_active_one_dies()
{
    let dir = tempfile::tempdir().expect("tempdir");
    let _redis = start_redis(dir.path());
    let client = client();
    let (port_a, port_b, port_c) = (free_port(), free_port(), free_port());
    let (a, c) = (
        format!("http://127.0.0.1:{port_a}"),
        format!("http://127.0.0.1:{port_c}"),
    );
    let active = start_ventanilla(&write_config(dir.path(), "a.toml", port_a), &[]);
    wait_ready(&client, &a, Duration::from_secs(20)).await;

    // A second active process is refused, and says why.
    let second = start_ventanilla(&write_config(dir.path(), "b.toml", port_b), &[]);
    let output = second.into_child().wait_with_output_killed();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("another ventanilla is the active dispatcher"),
        "{stderr}"
    );

    // A standby waits without serving.
    let _standby = start_ventanilla(&write_config(dir.path(), "c.toml", port_c), &["--standby"]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!ready(&client, &c).await);

    // Work on the active one: a taxpayer is assigned to an operator.
    let token = login(&client, &a, "op-0001").await;
    let set = operator_call(
        &client,
        &a,
        &token,
        "PUT",
        "availability",
        json!({"services": {"CLAVE": true}}),
    )
    .await;
    assert_eq!(set, StatusCode::OK);
    let joined: Value = join(&client, &a, 1)
        .await
        .expect("join")
        .json()
        .await
        .expect("json");
    let second_joined: Value = join(&client, &a, 2)
        .await
        .expect("join")
        .json()
        .await
        .expect("json");
    assert_eq!(
        operator_call(&client, &a, &token, "POST", "attend", json!({})).await,
        StatusCode::OK
    );

    // The active process dies; the standby takes over within the lease ttl.
    drop(active);
    wait_ready(&client, &c, Duration::from_secs(10)).await;
    // The operator carries on with the session opened on the dead process.
    let console: Value = client
        .get(format!("{c}/api/v1/operator/console"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("console")
        .json()
        .await
        .expect("json");
    assert_eq!(console["state"], "assigned");
    assert_eq!(console["assignment"]["ticket_id"], joined["ticket_id"]);
    // The waiting taxpayer's token still opens their ticket on the new process.
    let ticket = client
        .get(format!(
            "{c}/api/v1/tickets/{}",
            second_joined["ticket_id"].as_str().expect("id")
        ))
        .bearer_auth(second_joined["token"].as_str().expect("token"))
        .send()
        .await
        .expect("ticket");
    assert_eq!(ticket.status(), StatusCode::OK);
    let ticket: Value = ticket.json().await.expect("json");
    assert_eq!(ticket["position"], 1);
}

trait WaitKilled {
    fn wait_with_output_killed(self) -> std::process::Output;
}

impl WaitKilled for Child {
    /// Waits (bounded) for a process expected to exit by itself.
    fn wait_with_output_killed(mut self) -> std::process::Output {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.try_wait().ok().flatten().is_none() {
            if Instant::now() > deadline {
                let _ = self.kill();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.wait_with_output().expect("output")
    }
}

impl Killed {
    fn into_child(self) -> Child {
        let this = std::mem::ManuallyDrop::new(self);
        // SAFETY: `this` is never dropped, so the child is moved out exactly once.
        unsafe { std::ptr::read(&this.0) }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_redis_is_down_polls_still_answer_writes_get_503_and_service_resumes_by_itself() {
    let dir = tempfile::tempdir().expect("tempdir");
    let redis = start_redis(dir.path());
    let client = client();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let _server = start_ventanilla(&write_config(dir.path(), "a.toml", port), &[]);
    wait_ready(&client, &base, Duration::from_secs(20)).await;
    let token = login(&client, &base, "op-0002").await;
    let joined: Value = join(&client, &base, 10)
        .await
        .expect("join")
        .json()
        .await
        .expect("json");

    drop(redis);
    let refused = join(&client, &base, 11).await.expect("an answer");
    let retry_after = refused.headers().get("retry-after").cloned();
    let status = refused.status();
    let body: Value = refused.json().await.expect("json");
    let poll = client
        .get(format!("{base}/api/v1/operator/console"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("poll");
    let ticket_poll = client
        .get(format!(
            "{base}/api/v1/tickets/{}",
            joined["ticket_id"].as_str().expect("id")
        ))
        .bearer_auth(joined["token"].as_str().expect("token"))
        .send()
        .await
        .expect("ticket poll");

    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["error"]["code"], "store_unavailable");
    assert!(retry_after.is_some());
    assert_eq!(poll.status(), StatusCode::OK);
    assert_eq!(ticket_poll.status(), StatusCode::OK);
    assert!(
        !ready(&client, &base).await,
        "/readyz must say not ready without Redis"
    );

    // Redis comes back with its AOF: service resumes without a restart.
    let _redis = start_redis(dir.path());
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let again = join(&client, &base, 11).await.expect("an answer");
        if again.status() == StatusCode::CREATED {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "writes never resumed: {}",
            again.status()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    wait_ready(&client, &base, Duration::from_secs(10)).await;
    let (state, _store) = redis_state(dir.path()).await;
    let waiting: Vec<String> = state
        .waiting_in_order()
        .iter()
        .map(|t| t.nif.to_string())
        .collect();
    assert_eq!(
        waiting,
        vec![dni(10), dni(11)],
        "nothing lost, nothing duplicated"
    );
}

/// One round of scripted load: operators attend, start and finalize while
/// taxpayers join and accept, until the process is killed. Returns the
/// tickets whose join was acknowledged.
async fn load_until_killed(
    base: String,
    operators: Vec<(String, String)>,
    first_taxpayer: u32,
) -> Vec<(TicketId, String)> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .expect("client");
    let mut acknowledged = Vec::new();
    let mut tasks = Vec::new();
    for (_, token) in operators {
        let (client, base) = (client.clone(), base.clone());
        tasks.push(tokio::spawn(async move {
            for _ in 0..200 {
                if operator_call(&client, &base, &token, "POST", "attend", json!({})).await
                    == StatusCode::SERVICE_UNAVAILABLE
                {
                    return;
                }
                let _ = operator_call(&client, &base, &token, "POST", "start", json!({})).await;
                let finalize =
                    json!({"outcome": "success", "observations": "", "next": "interrupt"});
                let _ = operator_call(&client, &base, &token, "POST", "finalize", finalize).await;
            }
        }));
    }
    for n in first_taxpayer..first_taxpayer + 400 {
        match join(&client, &base, n).await {
            Ok(response) if response.status() == StatusCode::CREATED => {
                let body: Value = response.json().await.unwrap_or(Value::Null);
                if let (Some(id), Some(token)) =
                    (body["ticket_id"].as_str(), body["token"].as_str())
                {
                    if let Ok(id) = id.parse::<TicketId>() {
                        acknowledged.push((id, token.to_string()));
                        let _ = client
                            .post(format!("{base}/api/v1/tickets/{id}/accept"))
                            .bearer_auth(token)
                            .send()
                            .await;
                    }
                }
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    for task in tasks {
        let _ = task.await;
    }
    acknowledged
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_at_random_moments_under_load_loses_nothing_acknowledged_and_never_assigns_twice() {
    let dir = tempfile::tempdir().expect("tempdir");
    let _redis = start_redis(dir.path());
    let client = client();
    let mut acknowledged: Vec<(TicketId, String)> = Vec::new();
    let mut seed = 0x5eed_u64;
    for round in 0..6u32 {
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        // The killed process still holds the lease until its ttl lapses:
        // its replacement starts as a standby and takes over (tests/redis_ha.rs
        // restarts with the plain command, which takes over at once).
        let server = start_ventanilla(
            &write_config(dir.path(), &format!("r{round}.toml"), port),
            &["--standby"],
        );
        wait_ready(&client, &base, Duration::from_secs(20)).await;
        let mut operators = Vec::new();
        for n in 1..=4 {
            let id = format!("op-000{n}");
            let token = login(&client, &base, &id).await;
            let _ = operator_call(
                &client,
                &base,
                &token,
                "PUT",
                "availability",
                json!({"services": {"CLAVE": true}}),
            )
            .await;
            operators.push((id, token));
        }
        // Every ticket acknowledged in an earlier round is still there.
        for (id, token) in &acknowledged {
            let response = client
                .get(format!("{base}/api/v1/tickets/{id}"))
                .bearer_auth(token)
                .send()
                .await
                .expect("ticket poll");
            assert_eq!(
                response.status(),
                StatusCode::OK,
                "ticket {id} lost after a kill -9"
            );
        }
        let load = tokio::spawn(load_until_killed(
            base.clone(),
            operators,
            1000 * (round + 1),
        ));
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let kill_after = Duration::from_millis(150 + (seed >> 33) % 600);
        tokio::time::sleep(kill_after).await;
        drop(server.into_child_killed());
        acknowledged.extend(load.await.expect("load task"));
    }
    assert!(
        acknowledged.len() > 20,
        "the load did real work ({} joins)",
        acknowledged.len()
    );

    // The store holds every acknowledged ticket and its log replays cleanly.
    let (state, store) = redis_state(dir.path()).await;
    for (id, _) in &acknowledged {
        assert!(
            state.tickets.contains_key(id),
            "acknowledged ticket {id} missing"
        );
    }
    let log = engine::store::Store::events(&store, 0, usize::MAX)
        .await
        .expect("events");
    let mut replayed = StoredState::default();
    let mut holder_of: HashMap<TicketId, String> = HashMap::new();
    for entry in &log {
        replayed
            .apply(&entry.change)
            .expect("every logged change fits: no double assignment");
        if let engine::store::Change::Matched {
            ticket, operator, ..
        } = &entry.change
        {
            assert!(
                holder_of.insert(*ticket, operator.to_string()).is_none(),
                "ticket {ticket} matched twice"
            );
        }
    }
    assert_eq!(replayed, state);
    let mut held: HashSet<TicketId> = HashSet::new();
    let mut per_operator: BTreeMap<String, u32> = BTreeMap::new();
    for (operator, record) in &state.operators {
        if let Some(ticket) = record.duty.ticket() {
            assert!(held.insert(ticket), "ticket {ticket} held by two operators");
            *per_operator.entry(operator.to_string()).or_default() += 1;
        }
    }
    assert!(per_operator.values().all(|count| *count <= 1));
    for ticket in state.tickets.values() {
        if let TicketState::Assigned { operator, .. } | TicketState::Accepted { operator, .. } =
            &ticket.state
        {
            assert_eq!(state.operators[operator].duty.ticket(), Some(ticket.id));
        }
    }
}

impl Killed {
    /// SIGKILL now, like a crash.
    fn into_child_killed(self) -> Child {
        let mut child = self.into_child();
        let _ = child.kill();
        let _ = child.wait();
        child
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_that_loses_the_lease_stops_instead_of_serving_stale_state() {
    let dir = tempfile::tempdir().expect("tempdir");
    let _redis = start_redis(dir.path());
    let client = client();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let active = start_ventanilla(&write_config(dir.path(), "a.toml", port), &[]);
    wait_ready(&client, &base, Duration::from_secs(20)).await;

    // Another dispatcher takes the lease with a newer fencing token (as after
    // a network partition outlasting the ttl): the old process must step down.
    let cli = |args: &[&str]| {
        let output = Command::new("redis-cli")
            .arg("-s")
            .arg(dir.path().join("redis.sock"))
            .args(args)
            .output()
            .expect("redis-cli");
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    };
    let token = cli(&["INCR", "ventanilla:v1:{vt}:lease:fence"]);
    let value = format!("{token} intruder:1");
    assert_eq!(
        cli(&["SET", "ventanilla:v1:{vt}:lease", &value, "PX", "60000"]),
        "OK"
    );
    let output = active.into_child().wait_with_output_killed();

    assert!(
        !output.status.success(),
        "the fenced-out process exits with an error"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("lease was lost"), "{stderr}");
}
