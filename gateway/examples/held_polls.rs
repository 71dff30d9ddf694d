//! Benchmark of held polls (docs/api.md "Instant updates", BENCHMARKS.md): many
//! console and ticket polls held at once by one `ventanilla` process, over
//! real loopback sockets.
//!
//! It starts the release binary on a generated configuration (one service
//! open all day, `--consoles` operators authenticated by a trusted header,
//! memory store), joins `--tickets` taxpayers, and holds one poll per
//! console and per ticket with `?wait=30` and `If-None-Match`, asking again
//! after every answer as the pages do. Then it measures the server's RSS
//! and its CPU while nothing changes, the time from a console command to
//! its held poll's 200, and the time from an assignment to the 200 of every
//! ticket whose position it moved.
//!
//! Needs an open-files limit above consoles + tickets in both processes
//! (`ulimit -n`); past ~28,000 connections one source address runs out of
//! ephemeral ports, so client sockets are spread over 127.0.0.2, .3, ….
//!
//! `ops/bench --held-polls [--consoles N] [--tickets M]`

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use clap::Parser;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpSocket;
use tokio::sync::{mpsc, Semaphore};

#[derive(Parser, Debug)]
struct Args {
    /// Held console polls (one operator each).
    #[arg(long, default_value_t = 10_000)]
    consoles: usize,
    /// Held ticket polls (one waiting taxpayer each).
    #[arg(long, default_value_t = 20_000)]
    tickets: usize,
    /// Console commands timed, one after another.
    #[arg(long, default_value_t = 200)]
    changes: usize,
    /// Assignments timed; each moves every waiting ticket's position.
    #[arg(long, default_value_t = 5)]
    rounds: usize,
    /// Seconds of CPU measured while nothing changes.
    #[arg(long, default_value_t = 10)]
    idle_seconds: u64,
    /// The server binary.
    #[arg(long, default_value = "target/release/ventanilla")]
    binary: PathBuf,
    /// Serve in this process and hold the polls through the router, without
    /// sockets: the cost of holding itself, at any scale the open-files
    /// limit would not allow (RSS and CPU are then this process's).
    #[arg(long)]
    in_process: bool,
}

const SERVICE: &str = "CLAVE";
/// Client connections per source address (ephemeral ports: 32768–60999).
const PER_SOURCE: usize = 20_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Console,
    Ticket,
}

/// What a poller tells the bench.
#[derive(Debug)]
enum Event {
    /// Its first (unheld) answer came: it holds from now on.
    Ready,
    /// A held poll answered 200.
    Changed {
        kind: Kind,
        index: usize,
        at: Instant,
    },
    Failed(String),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = tempfile::tempdir()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let config = dir.path().join("bench.toml");
    std::fs::write(&config, config_text(port, args.consoles.max(args.rounds)))?;
    if args.in_process {
        let config = gateway::Config::load(Some(&config), &HashMap::new())?;
        let state = gateway::start(&config).await?;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        tokio::spawn(gateway::serve(
            listener,
            state.clone(),
            std::future::pending(),
        ));
        hold_future_sizes(&state.engine)?;
        let router = gateway::router(state);
        return run(&args, port, std::process::id(), Some(router)).await;
    }
    check_open_files(args.consoles + args.tickets)?;
    let mut server = std::process::Command::new(&args.binary)
        .arg("--config")
        .arg(&config)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .with_context(|| format!("cannot start {}", args.binary.display()))?;
    let pid = server.id();
    let result = run(&args, port, pid, None).await;
    let _ = server.kill();
    let _ = server.wait();
    result
}

async fn run(args: &Args, port: u16, pid: u32, router: Option<axum::Router>) -> anyhow::Result<()> {
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let started = Instant::now();
    while http.get(format!("{base}/readyz")).send().await.is_err() {
        if started.elapsed() > Duration::from_secs(60) {
            bail!("the server never answered /readyz");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let rss_started = rss_kib(pid)?;

    let joined = Instant::now();
    let tickets = join_all(&http, &base, args.tickets).await?;
    let join_time = joined.elapsed();
    let rss_joined = rss_kib(pid)?;

    let (events, mut received) = mpsc::unbounded_channel();
    let server: SocketAddr = ([127, 0, 0, 1], port).into();
    let connecting = Arc::new(Semaphore::new(256));
    let opened = Instant::now();
    let mut index = 0usize;
    for i in 0..args.consoles {
        let target = Target {
            path: "/api/v1/operator/console".to_string(),
            header: ("X-Remote-User", operator_id(i)),
        };
        spawn_poller(
            &router,
            server,
            index,
            (Kind::Console, i),
            target,
            &connecting,
            &events,
        );
        index += 1;
    }
    for (i, (id, token)) in tickets.iter().enumerate() {
        let target = Target {
            path: format!("/api/v1/tickets/{id}"),
            header: ("Authorization", format!("Bearer {token}")),
        };
        spawn_poller(
            &router,
            server,
            index,
            (Kind::Ticket, i),
            target,
            &connecting,
            &events,
        );
        index += 1;
    }
    let total = args.consoles + args.tickets;
    let mut ready = 0;
    while ready < total {
        match received.recv().await {
            Some(Event::Ready) => ready += 1,
            Some(Event::Failed(error)) => bail!("a poller failed: {error}"),
            Some(Event::Changed { .. }) => {}
            None => bail!("pollers gone"),
        }
    }
    let held = until_held(&http, &base, total).await?;
    let open_time = opened.elapsed();
    let rss_held = rss_kib(pid)?;

    let cpu_before = cpu_ticks(pid)?;
    let idle_wall = Instant::now();
    tokio::time::sleep(Duration::from_secs(args.idle_seconds)).await;
    let cpu_idle = cpu_ticks(pid)? - cpu_before;
    let idle_wall = idle_wall.elapsed();
    drain(&mut received);

    // One console command at a time: availability off and on again.
    let mut console_latency = Vec::new();
    for change in 0..args.changes.min(args.consoles) {
        let operator = change % args.consoles;
        let sent = Instant::now();
        let answer = http
            .put(format!("{base}/api/v1/operator/availability"))
            .header("X-Remote-User", operator_id(operator))
            .json(&serde_json::json!({"services": {SERVICE: true}}))
            .send()
            .await?;
        if !answer.status().is_success() {
            bail!("availability: {}", answer.status());
        }
        let at = until_changed(&mut received, Kind::Console, operator).await?;
        console_latency.push(at.duration_since(sent));
    }

    // Assignments: each takes the head of the queue and moves every other
    // waiting ticket up one place.
    let mut ticket_latency = Vec::new();
    let mut round_spans = Vec::new();
    for round in 0..args.rounds.min(args.consoles).min(args.tickets) {
        let operator = operator_id(round);
        http.put(format!("{base}/api/v1/operator/availability"))
            .header("X-Remote-User", &operator)
            .json(&serde_json::json!({"services": {SERVICE: true}}))
            .send()
            .await?
            .error_for_status()?;
        tokio::time::sleep(Duration::from_millis(200)).await;
        drain(&mut received);
        let sent = Instant::now();
        let answer = http
            .post(format!("{base}/api/v1/operator/attend"))
            .header("X-Remote-User", &operator)
            .send()
            .await?;
        if !answer.status().is_success() {
            bail!("attend: {}", answer.status());
        }
        let expected = args.tickets - round;
        let mut seen: HashMap<usize, Instant> = HashMap::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        while seen.len() < expected {
            match tokio::time::timeout_at(deadline, received.recv()).await {
                Ok(Some(Event::Changed {
                    kind: Kind::Ticket,
                    index,
                    at,
                })) => {
                    seen.entry(index).or_insert(at);
                }
                Ok(Some(Event::Failed(error))) => bail!("a poller failed: {error}"),
                Ok(Some(_)) => {}
                Ok(None) => bail!("pollers gone"),
                Err(_) => bail!(
                    "round {round}: {} of {expected} tickets answered",
                    seen.len()
                ),
            }
        }
        let mut round_latency: Vec<Duration> =
            seen.values().map(|at| at.duration_since(sent)).collect();
        round_latency.sort();
        round_spans.push(*round_latency.last().unwrap_or(&Duration::ZERO));
        ticket_latency.extend(round_latency);
    }

    let transport = if router.is_some() {
        "in process, through the router (no sockets)"
    } else {
        "over loopback sockets"
    };
    println!(
        "held polls: {} consoles + {} tickets on one process (pid {pid}), {transport}",
        args.consoles, args.tickets
    );
    println!(
        "joins: {} in {:.1} s",
        args.tickets,
        join_time.as_secs_f64()
    );
    println!(
        "connections opened and held: {total} in {:.1} s (server gauge ventanilla_http_held_polls = {held})",
        open_time.as_secs_f64()
    );
    println!(
        "RSS: started {} MiB, after joins {} MiB, all polls held {} MiB",
        rss_started / 1024,
        rss_joined / 1024,
        rss_held / 1024
    );
    if args.tickets > 0 {
        println!(
            "  per ticket (snapshot, actor, queue): {:.2} KiB",
            (rss_joined.saturating_sub(rss_started)) as f64 / args.tickets as f64
        );
    }
    println!(
        "  per held poll (connection, if any, and hold): {:.2} KiB",
        (rss_held.saturating_sub(rss_joined)) as f64 / total as f64
    );
    println!(
        "  a watched ticket's notification: {} bytes (none for a ticket nobody holds)",
        engine::watchers::WATCH_BYTES
    );
    println!(
        "CPU while held and idle: {:.2} % of one core ({cpu_idle} ticks over {:.1} s)",
        cpu_idle as f64 / clock_ticks() / idle_wall.as_secs_f64() * 100.0,
        idle_wall.as_secs_f64()
    );
    report(
        "console command → its held poll's 200",
        &mut console_latency,
    );
    report(
        "assignment → 200 of each waiting ticket it moved",
        &mut ticket_latency,
    );
    for (round, span) in round_spans.iter().enumerate() {
        println!("  round {round}: last ticket answered after {}", ms(*span));
    }
    Ok(())
}

/// What one poller asks for: its path and the header that opens it.
struct Target {
    path: String,
    header: (&'static str, String),
}

/// The engine's part of a held poll: the state of its future (created, not
/// polled), besides the 56 bytes a watched ticket's notification costs.
fn hold_future_sizes(engine: &engine::Engine) -> anyhow::Result<()> {
    let operator = engine::domain::OperatorId::parse(&operator_id(0))
        .map_err(|_| anyhow::anyhow!("operator id"))?;
    let ticket: engine::ticket::TicketId = "0000000000000001"
        .parse()
        .map_err(|_| anyhow::anyhow!("ticket id"))?;
    let deadline = tokio::time::Instant::now();
    let console = gateway::longpoll::console(engine, &operator, deadline, |_| true);
    let ticket = gateway::longpoll::ticket(engine, ticket, deadline, |_| true);
    println!(
        "hold futures: console {} bytes, ticket {} bytes",
        std::mem::size_of_val(&console),
        std::mem::size_of_val(&ticket)
    );
    Ok(())
}

fn spawn_poller(
    router: &Option<axum::Router>,
    server: SocketAddr,
    connection: usize,
    (kind, index): (Kind, usize),
    target: Target,
    connecting: &Arc<Semaphore>,
    events: &mpsc::UnboundedSender<Event>,
) {
    let source = IpAddr::V4(Ipv4Addr::new(
        127,
        0,
        0,
        2 + (connection / PER_SOURCE) as u8,
    ));
    let connecting = Arc::clone(connecting);
    let events = events.clone();
    let router = router.clone();
    tokio::spawn(async move {
        let polled = match router {
            Some(router) => poll_router(router, (kind, index), target, &events).await,
            None => poll_socket(server, source, (kind, index), target, connecting, &events).await,
        };
        if let Err(error) = polled {
            let _ = events.send(Event::Failed(format!("{error:#}")));
        }
    });
}

/// Tells the bench what an answer was; an error on a status no poll expects.
fn answered(
    status: u16,
    first: bool,
    (kind, index): (Kind, usize),
    events: &mpsc::UnboundedSender<Event>,
) -> anyhow::Result<()> {
    match (status, first) {
        (200, true) => {
            let _ = events.send(Event::Ready);
        }
        (200, false) => {
            let _ = events.send(Event::Changed {
                kind,
                index,
                at: Instant::now(),
            });
        }
        (304, false) => {}
        (status, _) => bail!("{kind:?} {index}: status {status}"),
    }
    Ok(())
}

async fn poll_socket(
    server: SocketAddr,
    source: IpAddr,
    who: (Kind, usize),
    target: Target,
    connecting: Arc<Semaphore>,
    events: &mpsc::UnboundedSender<Event>,
) -> anyhow::Result<()> {
    // Held until the first answer, not just the handshake: the kernel
    // completes connections the server has not accepted yet, and a flood of
    // them overflows its accept queue (dropped SYNs retried after 1 s, 3 s…).
    let mut permit = Some(connecting.acquire_owned().await?);
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(source, 0))?;
    let stream = socket.connect(server).await.context("connect")?;
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::with_capacity(2048, read);
    let (name, value) = &target.header;
    let mut etag: Option<String> = None;
    loop {
        let request = match &etag {
            None => format!(
                "GET {} HTTP/1.1\r\nHost: bench\r\n{name}: {value}\r\n\r\n",
                target.path
            ),
            Some(etag) => format!(
                "GET {}?wait=30 HTTP/1.1\r\nHost: bench\r\n{name}: {value}\r\nIf-None-Match: {etag}\r\n\r\n",
                target.path
            ),
        };
        write.write_all(request.as_bytes()).await?;
        let (status, tag) = read_response(&mut read).await?;
        permit.take();
        answered(status, etag.is_none(), who, events)?;
        if let Some(tag) = tag {
            etag = Some(tag);
        }
    }
}

async fn poll_router(
    router: axum::Router,
    who: (Kind, usize),
    target: Target,
    events: &mpsc::UnboundedSender<Event>,
) -> anyhow::Result<()> {
    use tower::ServiceExt as _;
    let (name, value) = &target.header;
    let mut etag: Option<String> = None;
    loop {
        let uri = match etag {
            None => target.path.clone(),
            Some(_) => format!("{}?wait=30", target.path),
        };
        let mut request = axum::http::Request::get(uri).header(*name, value);
        if let Some(etag) = &etag {
            request = request.header("if-none-match", etag);
        }
        let response = router
            .clone()
            .oneshot(request.body(axum::body::Body::empty())?)
            .await?;
        let status = response.status().as_u16();
        let tag = response
            .headers()
            .get("etag")
            .and_then(|value| value.to_str().ok())
            .map(str::to_string);
        axum::body::to_bytes(response.into_body(), usize::MAX).await?;
        answered(status, etag.is_none(), who, events)?;
        if let Some(tag) = tag {
            etag = Some(tag);
        }
    }
}

/// Reads one HTTP/1.1 response: its status and ETag (the body is skipped).
async fn read_response(
    read: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
) -> anyhow::Result<(u16, Option<String>)> {
    let mut line = String::new();
    let mut status = 0;
    let mut length = 0usize;
    let mut etag = None;
    loop {
        line.clear();
        if read.read_line(&mut line).await? == 0 {
            bail!("connection closed");
        }
        let text = line.trim_end();
        if text.is_empty() {
            break;
        }
        if status == 0 {
            status = text
                .split(' ')
                .nth(1)
                .and_then(|code| code.parse().ok())
                .context("status line")?;
        } else if let Some((name, value)) = text.split_once(':') {
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = value.parse()?;
            } else if name.eq_ignore_ascii_case("etag") {
                etag = Some(value.to_string());
            }
        }
    }
    let mut body = vec![0; length];
    read.read_exact(&mut body).await?;
    Ok((status, etag))
}

async fn join_all(
    http: &reqwest::Client,
    base: &str,
    count: usize,
) -> anyhow::Result<Vec<(String, String)>> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..32 {
        let (http, base, next) = (http.clone(), base.to_string(), Arc::clone(&next));
        workers.spawn(async move {
            let mut joined = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= count {
                    return anyhow::Ok(joined);
                }
                let body: serde_json::Value = http
                    .post(format!("{base}/api/v1/tickets"))
                    .json(&serde_json::json!({"nif": dni(n as u32 + 1), "name": "CONTRIBUYENTE BENCH", "contrast": "x", "service": SERVICE}))
                    .send()
                    .await?
                    .error_for_status()?
                    .json()
                    .await?;
                let field = |name: &str| body[name].as_str().map(str::to_string).context("join answer");
                joined.push((n, field("ticket_id")?, field("token")?));
            }
        });
    }
    let mut all = Vec::new();
    while let Some(worker) = workers.join_next().await {
        all.extend(worker??);
    }
    // Join order, so that ticket index i is at position i + 1.
    all.sort_by_key(|(n, _, _)| *n);
    Ok(all.into_iter().map(|(_, id, token)| (id, token)).collect())
}

/// Waits until the server's gauge counts every poll held; returns it.
async fn until_held(http: &reqwest::Client, base: &str, total: usize) -> anyhow::Result<usize> {
    let started = Instant::now();
    loop {
        let text = http
            .get(format!("{base}/metrics"))
            .send()
            .await?
            .text()
            .await?;
        let held = text
            .lines()
            .find(|line| line.starts_with("ventanilla_http_held_polls "))
            .and_then(|line| line.split(' ').nth(1))
            .and_then(|value| value.parse::<f64>().ok())
            .unwrap_or(0.0) as usize;
        if held >= total || started.elapsed() > Duration::from_secs(30) {
            return Ok(held);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn until_changed(
    received: &mut mpsc::UnboundedReceiver<Event>,
    kind: Kind,
    index: usize,
) -> anyhow::Result<Instant> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(35);
    loop {
        match tokio::time::timeout_at(deadline, received.recv()).await {
            Ok(Some(Event::Changed {
                kind: k,
                index: i,
                at,
            })) if k == kind && i == index => return Ok(at),
            Ok(Some(Event::Failed(error))) => bail!("a poller failed: {error}"),
            Ok(Some(_)) => {}
            Ok(None) => bail!("pollers gone"),
            Err(_) => bail!("{kind:?} {index} never answered its change"),
        }
    }
}

fn drain(received: &mut mpsc::UnboundedReceiver<Event>) {
    while received.try_recv().is_ok() {}
}

fn report(what: &str, latencies: &mut [Duration]) {
    if latencies.is_empty() {
        return;
    }
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "{what}: n = {}, p50 {}, p99 {}, max {}",
        latencies.len(),
        ms(at(0.50)),
        ms(at(0.99)),
        ms(at(1.0))
    );
}

fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

fn operator_id(index: usize) -> String {
    format!("op-{:05}", index + 1)
}

fn dni(number: u32) -> String {
    const LETTERS: &[u8] = b"TRWAGMYFPDXBNJZSQVHLCKE";
    format!("{number:08}{}", LETTERS[(number % 23) as usize] as char)
}

fn config_text(port: u16, consoles: usize) -> String {
    let mut text = format!(
        "[server]\nbind = \"127.0.0.1:{port}\"\n\
         [auth]\nmode = \"trusted_header\"\nheader = \"X-Remote-User\"\n\
         [limits]\nlogins_per_minute = 0\njoins_per_minute = 0\n\
         [calendar]\ntimezone = \"Europe/Madrid\"\nholidays = []\n\
         [[services]]\ncode = \"{SERVICE}\"\ndescription = \"Trámites\"\ndays = \"every_day\"\nopen = \"00:00\"\nclose = \"24:00\"\nattention_minutes = 4\n"
    );
    for i in 0..consoles.max(1) {
        text.push_str(&format!(
            "[[operators]]\nid = \"{}\"\nname = \"Operador {i}\"\nid_number = \"B-{i}\"\n",
            operator_id(i)
        ));
    }
    text
}

/// The open-files limit must leave room for every connection (this process
/// and the server, which inherits it).
fn check_open_files(connections: usize) -> anyhow::Result<()> {
    let limits = std::fs::read_to_string("/proc/self/limits")?;
    let soft: usize = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))
        .and_then(|line| line.split_whitespace().nth(3))
        .and_then(|value| value.parse().ok())
        .context("no open-files limit in /proc/self/limits")?;
    let needed = connections + 200;
    if soft < needed {
        bail!(
            "{connections} held polls need an open-files limit of at least {needed} in this process and the server (it is {soft}): raise it with `ulimit -n {needed}` (or lower --consoles/--tickets)"
        );
    }
    Ok(())
}

fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find(|line| line.starts_with("VmRSS:"))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|value| value.parse().ok())
        .context("no VmRSS")
}

/// utime + stime of a process, in clock ticks.
fn cpu_ticks(pid: u32) -> anyhow::Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name (which may hold spaces) in parentheses.
    let rest = stat.rsplit_once(')').context("stat")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11).context("utime")?.parse()?;
    let stime: u64 = fields.get(12).context("stime")?.parse()?;
    Ok(utime + stime)
}

/// Clock ticks per second (USER_HZ): 100 on Linux.
fn clock_ticks() -> f64 {
    100.0
}
