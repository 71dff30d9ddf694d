//! `ventanilla` as real processes on a real `redis-server`: one active
//! dispatcher at a time, standby takeover, Redis outages, and kill -9 at
//! random moments under load with nothing acknowledged lost.

mod redis_support;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use engine::store::TicketState;
use engine::testsuite::dni;
use engine::ticket::TicketId;
use redis_support::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A configuration on `redis` with four operators and a 1 s lease, so that
/// a standby takes over soon after the active process dies.
fn config_on(redis: &SocketRedis, dir: &Path, name: &str, port: u16) -> PathBuf {
    let store = format!(
        "url = \"{}\"\nlease_ttl_ms = 1000\ncommand_timeout_ms = 500\nretries = 1",
        redis.url()
    );
    write_config(dir, name, port, &store, 4)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_ventanilla_refuses_to_dispatch_and_a_standby_takes_over_when_the_active_one_dies()
{
    let dir = tempfile::tempdir().expect("tempdir");
    let redis = SocketRedis::start(dir.path());
    let client = client(Duration::from_secs(5));
    let (port_a, port_b, port_c) = (free_port(), free_port(), free_port());
    let (a, c) = (
        format!("http://127.0.0.1:{port_a}"),
        format!("http://127.0.0.1:{port_c}"),
    );
    let active = start_plain(&config_on(&redis, dir.path(), "a.toml", port_a));
    wait_ready(&client, &a, Duration::from_secs(20)).await;

    // A second active process is refused, and says why.
    let second = start_plain(&config_on(&redis, dir.path(), "b.toml", port_b));
    let (succeeded, stderr) = second.exit_output();
    assert!(!succeeded);
    assert!(
        stderr.contains("another ventanilla is the active dispatcher"),
        "{stderr}"
    );

    // A standby waits without serving.
    let _standby = start_standby(&config_on(&redis, dir.path(), "c.toml", port_c));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!ready(&client, &c).await);

    // Work on the active one: a taxpayer is assigned to an operator.
    let token = login(&client, &a, "op-0001").await;
    let set = set_available(&client, &a, &token).await;
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
        operator_post(&client, &a, &token, "attend", json!({})).await,
        StatusCode::OK
    );

    // The active process dies; the standby takes over within the lease ttl.
    drop(active);
    wait_ready(&client, &c, Duration::from_secs(10)).await;
    // The operator carries on with the session opened on the dead process.
    let console: Value = console_poll(&client, &c, &token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(console["state"], "assigned");
    assert_eq!(console["assignment"]["ticket_id"], joined["ticket_id"]);
    // The waiting taxpayer's token still opens their ticket on the new process.
    let ticket = ticket_poll(
        &client,
        &c,
        second_joined["ticket_id"].as_str().expect("id"),
        second_joined["token"].as_str().expect("token"),
    )
    .await;
    assert_eq!(ticket.status(), StatusCode::OK);
    let ticket: Value = ticket.json().await.expect("json");
    assert_eq!(ticket["position"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_redis_is_down_polls_still_answer_writes_get_503_and_service_resumes_by_itself() {
    let dir = tempfile::tempdir().expect("tempdir");
    let redis = SocketRedis::start(dir.path());
    let client = client(Duration::from_secs(5));
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let _server = start_plain(&config_on(&redis, dir.path(), "a.toml", port));
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
    let poll = console_poll(&client, &base, &token).await;
    let ticket_polled = ticket_poll(
        &client,
        &base,
        joined["ticket_id"].as_str().expect("id"),
        joined["token"].as_str().expect("token"),
    )
    .await;

    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["error"]["code"], "store_unavailable");
    assert!(retry_after.is_some());
    assert_eq!(poll.status(), StatusCode::OK);
    assert_eq!(ticket_polled.status(), StatusCode::OK);
    assert!(
        !ready(&client, &base).await,
        "/readyz must say not ready without Redis"
    );

    // Redis comes back with its AOF: service resumes without a restart.
    let redis = SocketRedis::start(dir.path());
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
    let (state, _) = stored(&redis.url()).await;
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
    let client = client(Duration::from_secs(2));
    let mut acknowledged = Vec::new();
    let mut tasks = Vec::new();
    for (_, token) in operators {
        let (client, base) = (client.clone(), base.clone());
        tasks.push(tokio::spawn(async move {
            for _ in 0..200 {
                if operator_post(&client, &base, &token, "attend", json!({})).await
                    == StatusCode::SERVICE_UNAVAILABLE
                {
                    return;
                }
                let _ = operator_post(&client, &base, &token, "start", json!({})).await;
                let finalize =
                    json!({"outcome": "success", "observations": "", "next": "interrupt"});
                let _ = operator_post(&client, &base, &token, "finalize", finalize).await;
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
    let redis = SocketRedis::start(dir.path());
    let client = client(Duration::from_secs(5));
    let mut acknowledged: Vec<(TicketId, String)> = Vec::new();
    let mut seed = 0x5eed_u64;
    for round in 0..6u32 {
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        // The killed process still holds the lease until its ttl lapses:
        // its replacement starts as a standby and takes over (tests/redis_ha.rs
        // restarts with the plain command, which takes over at once).
        let mut server = start_standby(&config_on(
            &redis,
            dir.path(),
            &format!("r{round}.toml"),
            port,
        ));
        wait_ready(&client, &base, Duration::from_secs(20)).await;
        let mut operators = Vec::new();
        for n in 1..=4 {
            let id = format!("op-000{n}");
            let token = login(&client, &base, &id).await;
            let _ = set_available(&client, &base, &token).await;
            operators.push((id, token));
        }
        // Every ticket acknowledged in an earlier round is still there.
        for (id, token) in &acknowledged {
            let response = ticket_poll(&client, &base, id, token).await;
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
        server.kill();
        acknowledged.extend(load.await.expect("load task"));
    }
    assert!(
        acknowledged.len() > 20,
        "the load did real work ({} joins)",
        acknowledged.len()
    );

    // The store holds every acknowledged ticket and its log replays cleanly.
    let (state, log) = stored(&redis.url()).await;
    for (id, _) in &acknowledged {
        assert!(
            state.tickets.contains_key(id),
            "acknowledged ticket {id} missing"
        );
    }
    let mut replayed = engine::store::StoredState::default();
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_that_loses_the_lease_stops_instead_of_serving_stale_state() {
    let dir = tempfile::tempdir().expect("tempdir");
    let redis = SocketRedis::start(dir.path());
    let client = client(Duration::from_secs(5));
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let active = start_plain(&config_on(&redis, dir.path(), "a.toml", port));
    wait_ready(&client, &base, Duration::from_secs(20)).await;

    // Another dispatcher takes the lease with a newer fencing token (as after
    // a network partition outlasting the ttl): the old process must step down.
    let token = redis.cli(&["INCR", "ventanilla:v1:{vt}:lease:fence"]);
    let value = format!("{token} intruder:1");
    assert_eq!(
        redis.cli(&["SET", "ventanilla:v1:{vt}:lease", &value, "PX", "60000"]),
        "OK"
    );
    let (succeeded, stderr) = active.exit_output();

    assert!(!succeeded, "the fenced-out process exits with an error");
    assert!(stderr.contains("lease was lost"), "{stderr}");
}
