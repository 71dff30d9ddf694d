//! Redis without a single point of loss, with real processes on private
//! ports: crash restarts that need nobody (the plain command, and the
//! shipped systemd unit run the way systemd runs it), replica
//! acknowledgements (`min_replicas`), and Sentinel failover.

mod redis_support;

use std::path::Path;
use std::time::{Duration, Instant};

use redis_support::*;
use serde_json::json;

/// The parts of `ops/systemd/ventanilla.service` that decide how it runs.
struct Unit {
    program: String,
    args: Vec<String>,
    environment: Vec<(String, String)>,
    restart: String,
    restart_sec: Duration,
}

fn read_unit() -> Unit {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ops/systemd/ventanilla.service");
    let text = std::fs::read_to_string(&path).expect("ops/systemd/ventanilla.service");
    let mut unit = Unit {
        program: String::new(),
        args: Vec::new(),
        environment: Vec::new(),
        restart: String::new(),
        restart_sec: Duration::from_millis(100),
    };
    for line in text.lines().map(str::trim) {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        match key {
            "ExecStart" => {
                let mut words = value.split_whitespace().map(str::to_string);
                unit.program = words.next().expect("ExecStart names a program");
                unit.args = words.collect();
            }
            "Restart" => unit.restart = value.to_string(),
            "RestartSec" => {
                let seconds: f64 = value
                    .trim_end_matches('s')
                    .parse()
                    .expect("RestartSec in s");
                unit.restart_sec = Duration::from_secs_f64(seconds);
            }
            "Environment" => {
                let (name, value) = value.split_once('=').expect("Environment=NAME=VALUE");
                unit.environment.push((name.to_string(), value.to_string()));
            }
            _ => {}
        }
    }
    unit
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_systemd_unit_brings_ventanilla_back_after_kill_9_with_nothing_lost_or_served_twice() {
    let unit = read_unit();
    assert_eq!(unit.restart, "always", "the unit restarts after any exit");
    assert!(unit.program.ends_with("/ventanilla"), "{}", unit.program);
    assert!(
        !unit.args.iter().any(|arg| arg == "--standby"),
        "a restart needs no flag: {:?}",
        unit.args
    );
    let config_at = unit
        .args
        .iter()
        .position(|arg| arg == "--config")
        .expect("ExecStart passes --config FILE")
        + 1;

    let dir = tempfile::tempdir().expect("tempdir");
    let redis = RedisNode::start(dir.path(), "redis", None, "always");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    // A long lease: serving again at once shows the dead holder was seen to be gone.
    let config = write_config(
        dir.path(),
        "ventanilla.toml",
        port,
        &format!(
            "url = \"{}\"\nlease_ttl_ms = 60000\ncommand_timeout_ms = 500\nretries = 1",
            redis.url()
        ),
        2,
    );
    // The unit's exact command line; only the configuration file is this test's.
    let mut args = unit.args.clone();
    args[config_at] = config.display().to_string();
    let client = client(Duration::from_secs(2));
    let mut acknowledged: Vec<(String, String)> = Vec::new();
    let mut seed = 0x5eed_u64;
    let mut died_at: Option<Instant> = None;
    let mut next_taxpayer = 1;
    for round in 0..4 {
        let log = dir.path().join(format!("ventanilla-{round}.log"));
        let mut service = start_ventanilla(&args, &unit.environment, &log);
        wait_ready(&client, &base, Duration::from_secs(20)).await;
        if let Some(died) = died_at {
            println!(
                "round {round}: serving again {} ms after kill -9 (RestartSec {} ms included)",
                died.elapsed().as_millis(),
                unit.restart_sec.as_millis()
            );
        }
        // Everything acknowledged before the crash is served by the new process.
        for (id, token) in &acknowledged {
            let response = ticket_poll(&client, &base, id, token).await;
            assert_eq!(response.status(), 200, "ticket {id} lost after kill -9");
        }
        let operator = login(&client, &base, "op-0001").await;
        assert_eq!(set_available(&client, &base, &operator).await, 200);
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let kill_after = Duration::from_millis(100 + (seed >> 33) % 300);
        let load = {
            let (client, base) = (client.clone(), base.clone());
            let first = next_taxpayer;
            tokio::spawn(async move {
                let mut acknowledged = Vec::new();
                for n in first..first + 300 {
                    if let Some(ticket) = acknowledged_join(&client, &base, n).await {
                        acknowledged.push(ticket);
                    } else if !ready(&client, &base).await {
                        break;
                    }
                    let _ = operator_post(&client, &base, &operator, "attend", json!({})).await;
                }
                acknowledged
            })
        };
        tokio::time::sleep(kill_after).await;
        service.kill();
        died_at = Some(Instant::now());
        acknowledged.extend(load.await.expect("load"));
        next_taxpayer += 300;
        // What systemd does on Restart=always.
        tokio::time::sleep(unit.restart_sec).await;
    }
    assert!(acknowledged.len() > 10, "the load did real work");
    let (state, log) = stored(&redis.url()).await;
    assert_nothing_lost_nothing_twice(&state, &log, &acknowledged);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn beside_a_live_ventanilla_the_same_command_refuses_saying_who_and_after_kill_9_it_serves_at_once(
) {
    let dir = tempfile::tempdir().expect("tempdir");
    let redis = RedisNode::start(dir.path(), "redis", None, "everysec");
    let client = client(Duration::from_secs(5));
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let store = format!(
        "url = \"{}\"\nlease_ttl_ms = 60000\ncommand_timeout_ms = 500\nretries = 1",
        redis.url()
    );
    let config = write_config(dir.path(), "a.toml", port, &store, 2);
    let mut first = start_plain(&config);
    wait_ready(&client, &base, Duration::from_secs(20)).await;
    let ticket = acknowledged_join(&client, &base, 1)
        .await
        .expect("a join is acknowledged");

    // The same command again, beside the live process (another port: the
    // lease is what refuses it, not the listening socket).
    let other = write_config(dir.path(), "b.toml", free_port(), &store, 2);
    let (succeeded, stderr) = start_plain(&other).exit_output();
    assert!(!succeeded);
    assert!(
        stderr.contains("another ventanilla is the active dispatcher"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("pid {} on host", first.pid())),
        "it names the holder: {stderr}"
    );
    assert!(stderr.contains("which is alive"), "{stderr}");

    // The holder crashes: the same command serves at once, without waiting
    // out the minute-long lease and without --standby.
    first.kill();
    let _second = start_plain(&config);
    wait_ready(&client, &base, Duration::from_secs(20)).await;
    let response = ticket_poll(&client, &base, &ticket.0, &ticket.1).await;
    assert_eq!(response.status(), 200);
    assert!(acknowledged_join(&client, &base, 2).await.is_some());
}

async fn status_and_code(response: reqwest::Response) -> (u16, bool, String) {
    let status = response.status().as_u16();
    let retry_after = response.headers().contains_key("retry-after");
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    let code = body["error"]["code"].as_str().unwrap_or("").to_string();
    (status, retry_after, code)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_min_replicas_a_change_no_replica_confirms_answers_503_is_taken_back_and_reads_go_on()
{
    let dir = tempfile::tempdir().expect("tempdir");
    let primary = RedisNode::start(dir.path(), "primary", None, "everysec");
    let replica = RedisNode::start(dir.path(), "replica", Some(primary.port), "everysec");
    replica.wait_in_sync();
    let client = client(Duration::from_secs(5));
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let config = write_config(
        dir.path(),
        "a.toml",
        port,
        &format!(
            "url = \"{}\"\nmin_replicas = 1\nreplica_timeout_ms = 200\ncommand_timeout_ms = 1000\nretries = 1",
            primary.url()
        ),
        2,
    );
    let _server = start_plain(&config);
    wait_ready(&client, &base, Duration::from_secs(20)).await;
    let operator = login(&client, &base, "op-0001").await;
    assert_eq!(set_available(&client, &base, &operator).await, 200);
    let first = acknowledged_join(&client, &base, 1)
        .await
        .expect("with the replica up, a join is acknowledged");
    assert_eq!(
        operator_post(&client, &base, &operator, "attend", json!({})).await,
        200
    );
    assert_eq!(
        operator_post(&client, &base, &operator, "start", json!({})).await,
        200
    );
    let (_, before) = stored(&primary.url()).await;

    // The replica stops answering: nothing can be confirmed on two nodes.
    replica.pause(true);
    let started = Instant::now();
    let refused = join(&client, &base, 2).await.expect("an answer");
    let waited = started.elapsed();
    let (status, retry_after, code) = status_and_code(refused).await;
    println!(
        "a join no replica confirmed answered {status} after {} ms (replica_timeout_ms 200)",
        waited.as_millis()
    );
    assert_eq!((status, code.as_str()), (503, "store_unavailable"));
    assert!(retry_after, "a 503 says when to retry");
    assert!(waited < Duration::from_secs(3), "no hang: {waited:?}");
    let finalize = json!({"outcome": "success", "observations": "", "next": "interrupt"});
    assert_eq!(
        operator_post(&client, &base, &operator, "finalize", finalize.clone()).await,
        503
    );
    // Reads keep being served.
    let polled = ticket_poll(&client, &base, &first.0, &first.1).await;
    assert_eq!(polled.status(), 200);
    let console = console_poll(&client, &base, &operator).await;
    assert_eq!(console.status(), 200);
    let console: serde_json::Value = console.json().await.expect("json");
    assert_eq!(
        console["state"], "in_meeting",
        "the finalize was not applied"
    );
    // What the clients were told (not done) is what the primary holds.
    let (state, log) = stored(&primary.url()).await;
    assert_eq!(
        log.len(),
        before.len(),
        "the unconfirmed events were taken back"
    );
    assert_eq!(
        state.tickets.len(),
        1,
        "the unconfirmed join was taken back"
    );
    let nif = engine::domain::Nif::parse(&engine::testsuite::dni(1)).expect("nif");
    let history = stored_history(&primary.url(), &nif).await;
    assert!(
        history.is_empty(),
        "the unconfirmed annotation was taken back"
    );

    // The replica is back: the retries apply, once each.
    replica.pause(false);
    let deadline = Instant::now() + Duration::from_secs(15);
    let second = loop {
        if let Some(ticket) = acknowledged_join(&client, &base, 2).await {
            break ticket;
        }
        assert!(Instant::now() < deadline, "joins never resumed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        operator_post(&client, &base, &operator, "finalize", finalize).await,
        200
    );
    let (state, log) = stored(&primary.url()).await;
    assert_nothing_lost_nothing_twice(&state, &log, &[first, second]);
    let history = stored_history(&primary.url(), &nif).await;
    assert_eq!(history.len(), 1, "the finalize applied exactly once");
    // And the replica holds it all too.
    replica.wait_in_sync();
    let (on_replica, _) = stored(&replica.url()).await;
    assert_eq!(on_replica, state);
}

/// The port Sentinel names as the primary now.
fn primary_port(sentinel: u16) -> u16 {
    let reply = cli(
        sentinel,
        &["SENTINEL", "get-master-addr-by-name", "ventanilla"],
    );
    reply
        .lines()
        .nth(1)
        .and_then(|port| port.trim().parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_primary_is_killed_sentinel_promotes_a_replica_and_joins_resume_with_nothing_lost(
) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut primary = RedisNode::start(dir.path(), "primary", None, "everysec");
    // Two replicas: with min_replicas = 1 the promoted one still has one.
    let replicas = [
        RedisNode::start(dir.path(), "replica-1", Some(primary.port), "everysec"),
        RedisNode::start(dir.path(), "replica-2", Some(primary.port), "everysec"),
    ];
    for replica in &replicas {
        replica.wait_in_sync();
    }
    let sentinels: Vec<(u16, Killed)> = (1..=3)
        .map(|n| start_sentinel(dir.path(), &format!("sentinel-{n}"), primary.port))
        .collect();
    // The Sentinels must know each other and the replicas before a failover can happen.
    wait_until(Duration::from_secs(20), "3 usable Sentinels", || {
        sentinels.iter().all(|(port, _)| {
            cli(*port, &["SENTINEL", "ckquorum", "ventanilla"]).contains("OK 3 usable") && {
                let known = cli(*port, &["SENTINEL", "replicas", "ventanilla"]);
                replicas
                    .iter()
                    .all(|replica| known.contains(&format!("127.0.0.1:{}", replica.port)))
            }
        })
    });
    let hosts: Vec<String> = sentinels
        .iter()
        .map(|(port, _)| format!("127.0.0.1:{port}"))
        .collect();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let config = write_config(
        dir.path(),
        "a.toml",
        port,
        &format!(
            "url = \"redis+sentinel://{}/ventanilla/0\"\nmin_replicas = 1\nreplica_timeout_ms = 200\n\
             command_timeout_ms = 1000\nretries = 2\nlease_ttl_ms = 3000",
            hosts.join(",")
        ),
        2,
    );
    let mut server = start_plain(&config);
    let client = client(Duration::from_secs(3));
    wait_ready(&client, &base, Duration::from_secs(20)).await;
    let operator = login(&client, &base, "op-0001").await;
    assert_eq!(set_available(&client, &base, &operator).await, 200);

    // A bounded loop of joins (and an operator attending now and then),
    // through the failover.
    let killed: std::sync::Arc<std::sync::OnceLock<Instant>> = Default::default();
    let load = {
        let (client, base, operator) = (client.clone(), base.clone(), operator.clone());
        let killed = killed.clone();
        tokio::spawn(async move {
            let mut acknowledged: Vec<(String, String, Instant)> = Vec::new();
            let deadline = Instant::now() + Duration::from_secs(40);
            for n in 1..5000 {
                if let Some((id, token)) = acknowledged_join(&client, &base, n).await {
                    acknowledged.push((id, token, Instant::now()));
                }
                if n % 7 == 0 {
                    let _ = operator_post(&client, &base, &operator, "attend", json!({})).await;
                    let finalize =
                        json!({"outcome": "success", "observations": "", "next": "interrupt"});
                    let _ = operator_post(&client, &base, &operator, "start", json!({})).await;
                    let _ = operator_post(&client, &base, &operator, "finalize", finalize).await;
                }
                // Until 20 joins were acknowledged after the kill.
                let after_kill = killed.get().map_or(0, |killed_at| {
                    acknowledged
                        .iter()
                        .filter(|(_, _, at)| at > killed_at)
                        .count()
                });
                if after_kill >= 20 || Instant::now() > deadline {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            acknowledged
        })
    };
    tokio::time::sleep(Duration::from_millis(700)).await;
    let old_primary = primary.port;
    primary.process.kill();
    let killed_at = Instant::now();
    killed.set(killed_at).expect("killed once");
    let acknowledged = load.await.expect("load");

    let first_after = acknowledged
        .iter()
        .find(|(_, _, at)| *at > killed_at)
        .map(|(_, _, at)| at.duration_since(killed_at))
        .expect("joins resumed after the failover, without restarting ventanilla");
    println!(
        "failover: first acknowledged join {} ms after kill -9 of the primary ({} joins acknowledged)",
        first_after.as_millis(),
        acknowledged.len()
    );
    assert!(
        server
            .0
            .as_mut()
            .is_some_and(|child| child.try_wait().ok().flatten().is_none()),
        "the same ventanilla process served throughout"
    );
    let promoted = primary_port(sentinels[0].0);
    assert_ne!(promoted, old_primary, "a replica was promoted");
    assert!(replicas.iter().any(|replica| replica.port == promoted));

    let acknowledged: Vec<(String, String)> = acknowledged
        .into_iter()
        .map(|(id, token, _)| (id, token))
        .collect();
    let (state, log) = stored(&format!("redis://127.0.0.1:{promoted}/0")).await;
    assert_nothing_lost_nothing_twice(&state, &log, &acknowledged);
    // In order: the acknowledged tickets still waiting wait in the order they joined.
    let order: std::collections::HashMap<&str, usize> = acknowledged
        .iter()
        .enumerate()
        .map(|(at, (id, _))| (id.as_str(), at))
        .collect();
    let waiting: Vec<usize> = state
        .waiting_in_order()
        .iter()
        .filter_map(|ticket| order.get(ticket.id.to_string().as_str()).copied())
        .collect();
    assert!(
        waiting.windows(2).all(|pair| pair[0] < pair[1]),
        "{waiting:?}"
    );
    // Every acknowledged ticket is served by the process that lived through it.
    for (id, token) in acknowledged.iter().rev().take(20) {
        let response = ticket_poll(&client, &base, id, token).await;
        assert_eq!(response.status(), 200);
    }
}
