//! The month benchmark's store: the memory store, or (`--redis URL`) a Redis
//! store holding the dispatcher lease, with Redis's own memory figures
//! (`INFO memory` `used_memory`, `DBSIZE`, the event stream's length and
//! `MEMORY USAGE`) read beside the process's, and the time Redis spent in
//! each run of the retention script (`SLOWLOG`, which logs every command
//! while the morning's passes run).

use std::sync::Arc;
use std::time::Duration;

use deadpool_redis::redis;
use engine::store::redis::{RedisLease, RedisOptions};
use engine::store::{MemoryStore, RedisStore, Store};

/// How long the benchmark's lease lasts between renewals.
const LEASE_TTL: Duration = Duration::from_secs(30);

/// Redis's defaults, put back once the passes have been watched.
const SLOWLOG_DEFAULTS: [(&str, &str); 2] = [
    ("slowlog-log-slower-than", "10000"),
    ("slowlog-max-len", "128"),
];

/// The retention script, as the store sends it (`EVALSHA` of this hash).
const TRIM_SCRIPT: &str = include_str!("../../src/store/redis/scripts/trim.lua");

/// The retention script's runs in Redis while watched.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScriptTimes {
    pub calls: u64,
    /// The longest run: how long every other command (commits) waited at
    /// most behind one.
    pub slowest_micros: u64,
    pub total_micros: u64,
}

/// Redis's memory figures at one moment.
#[derive(Debug, Clone, Copy, Default)]
pub struct RedisMemory {
    /// `INFO memory` `used_memory`: what Redis's allocator holds.
    pub used_memory: u64,
    /// `DBSIZE`: keys (all but a handful are taxpayers' histories).
    pub keys: u64,
    /// `XLEN` of the event stream.
    pub events: u64,
    /// `MEMORY USAGE` of the event stream (Redis samples it).
    pub events_bytes: u64,
}

pub enum MonthStore {
    Memory(Arc<MemoryStore>),
    // Boxed: far larger than the memory store's one pointer.
    Redis(Box<RedisBackend>),
}

pub struct RedisBackend {
    url: String,
    store: RedisStore,
    lease: Option<RedisLease>,
    /// A connection of its own for `INFO`, outside the store's pool.
    info: redis::aio::MultiplexedConnection,
    /// The retention script's runs since `watch_commands`.
    script: ScriptTimes,
}

impl MonthStore {
    pub fn memory() -> MonthStore {
        MonthStore::Memory(Arc::new(MemoryStore::new()))
    }

    /// A store on `url`, whose keyspace must be empty: the figures would
    /// otherwise count what someone else keeps there, and a benchmark never
    /// deletes what it did not write.
    pub async fn redis(url: &str) -> MonthStore {
        let client = redis::Client::open(url).expect("a valid redis url");
        let mut info = client
            .get_multiplexed_async_connection()
            .await
            .expect("redis reachable");
        let keys: u64 = redis::cmd("DBSIZE")
            .query_async(&mut info)
            .await
            .expect("DBSIZE");
        if keys != 0 {
            eprintln!("the redis at {url} holds {keys} keys: give the month benchmark an empty one (ops/bench --with-redis starts a private one)");
            std::process::exit(2);
        }
        let (store, lease) = connect(url).await;
        MonthStore::Redis(Box::new(RedisBackend {
            url: url.to_string(),
            store,
            lease: Some(lease),
            info,
            script: ScriptTimes::default(),
        }))
    }

    /// The store an engine is started on.
    pub fn store(&self) -> Arc<dyn Store> {
        match self {
            MonthStore::Memory(store) => Arc::clone(store) as Arc<dyn Store>,
            MonthStore::Redis(server) => Arc::new(server.store.clone()),
        }
    }

    /// What a new process would start from, once the old engine is gone:
    /// the same memory store, or a new Redis store (empty mirror, so the
    /// engine's start reads everything back from Redis) that takes the lease
    /// over. Not timed: the recovery figure is the engine's start.
    pub async fn reopen(&mut self) -> Arc<dyn Store> {
        if let MonthStore::Redis(server) = self {
            if let Some(lease) = server.lease.take() {
                lease.release().await.expect("release the lease");
            }
            let (store, lease) = connect(&server.url).await;
            server.store = store;
            server.lease = Some(lease);
        }
        self.store()
    }

    /// Redis's memory figures; `None` for the memory store.
    pub async fn redis_memory(&mut self) -> Option<RedisMemory> {
        let MonthStore::Redis(server) = self else {
            return None;
        };
        let events_key = server.store.keys().events.clone();
        let info = &mut server.info;
        let text: String = redis::cmd("INFO")
            .arg("memory")
            .query_async(info)
            .await
            .expect("INFO memory");
        let used_memory = text
            .lines()
            .find_map(|line| line.strip_prefix("used_memory:"))
            .and_then(|value| value.trim().parse().ok())
            .expect("INFO memory has used_memory");
        let (keys, events, events_bytes): (u64, u64, Option<u64>) = redis::pipe()
            .cmd("DBSIZE")
            .cmd("XLEN")
            .arg(&events_key)
            .cmd("MEMORY")
            .arg("USAGE")
            .arg(&events_key)
            .query_async(info)
            .await
            .expect("DBSIZE, XLEN, MEMORY USAGE");
        Some(RedisMemory {
            used_memory,
            keys,
            events,
            events_bytes: events_bytes.unwrap_or(0),
        })
    }

    /// CPU time the Redis server has used (`INFO cpu`: user and system);
    /// 0 for the memory store.
    pub async fn redis_cpu_seconds(&mut self) -> f64 {
        let MonthStore::Redis(server) = self else {
            return 0.0;
        };
        let info = &mut server.info;
        let text: String = redis::cmd("INFO")
            .arg("cpu")
            .query_async(info)
            .await
            .expect("INFO cpu");
        text.lines()
            .filter_map(|line| {
                line.strip_prefix("used_cpu_user:")
                    .or_else(|| line.strip_prefix("used_cpu_sys:"))
            })
            .filter_map(|value| value.trim().parse::<f64>().ok())
            .sum()
    }

    /// Has Redis log every command from now on (`SLOWLOG`).
    pub async fn watch_commands(&mut self) {
        let MonthStore::Redis(server) = self else {
            return;
        };
        let RedisBackend { info, script, .. } = &mut **server;
        *script = ScriptTimes::default();
        let _: () = redis::pipe()
            .cmd("CONFIG")
            .arg("SET")
            .arg("slowlog-log-slower-than")
            .arg(0)
            .ignore()
            .cmd("CONFIG")
            .arg("SET")
            .arg("slowlog-max-len")
            .arg(100_000)
            .ignore()
            .cmd("SLOWLOG")
            .arg("RESET")
            .ignore()
            .query_async(info)
            .await
            .expect("CONFIG SET slowlog");
    }

    /// Counts the retention script's runs logged since the last call and
    /// empties the log. Called after every pass, so each reply is small:
    /// one large reply would leave the process's RSS swollen for good
    /// (freed memory the allocator keeps), spoiling the next rows.
    pub async fn collect_script_times(&mut self) {
        let MonthStore::Redis(server) = self else {
            return;
        };
        let RedisBackend { info, script, .. } = &mut **server;
        let (entries,): (Vec<redis::Value>,) = redis::pipe()
            .atomic()
            .cmd("SLOWLOG")
            .arg("GET")
            .arg(-1)
            .cmd("SLOWLOG")
            .arg("RESET")
            .ignore()
            .query_async(info)
            .await
            .expect("SLOWLOG GET");
        let sha = redis::Script::new(TRIM_SCRIPT).get_hash().to_string();
        for micros in entries.iter().filter_map(|entry| script_run(entry, &sha)) {
            script.calls += 1;
            script.slowest_micros = script.slowest_micros.max(micros);
            script.total_micros += micros;
        }
    }

    /// The retention script's runs since [`MonthStore::watch_commands`];
    /// Redis's defaults are back. `None` for the memory store.
    pub async fn trim_script_times(&mut self) -> Option<ScriptTimes> {
        self.collect_script_times().await;
        let MonthStore::Redis(server) = self else {
            return None;
        };
        let RedisBackend { info, script, .. } = &mut **server;
        let mut reset = redis::pipe();
        for (name, value) in SLOWLOG_DEFAULTS {
            reset.cmd("CONFIG").arg("SET").arg(name).arg(value).ignore();
        }
        let _: () = reset.query_async(info).await.expect("CONFIG SET slowlog");
        Some(*script)
    }
}

/// The duration of one `SLOWLOG` entry (`[id, time, micros, [command,
/// args…], …]`) if it is an `EVALSHA` of `sha`.
fn script_run(entry: &redis::Value, sha: &str) -> Option<u64> {
    let redis::Value::Array(fields) = entry else {
        return None;
    };
    let (Some(redis::Value::Int(micros)), Some(redis::Value::Array(command))) =
        (fields.get(2), fields.get(3))
    else {
        return None;
    };
    let text = |value: Option<&redis::Value>| match value {
        Some(redis::Value::BulkString(bytes)) => String::from_utf8_lossy(bytes).into_owned(),
        _ => String::new(),
    };
    let is_trim =
        text(command.first()).eq_ignore_ascii_case("evalsha") && text(command.get(1)) == sha;
    is_trim.then_some(*micros as u64)
}

async fn connect(url: &str) -> (RedisStore, RedisLease) {
    let store = RedisStore::connect(url, RedisOptions::default())
        .await
        .expect("redis reachable");
    // A lease left by the store before (released) is free at once.
    let lease =
        RedisLease::acquire_when_free(&store, "bench-month", LEASE_TTL, Duration::from_millis(50));
    let mut lease = tokio::time::timeout(Duration::from_secs(60), lease)
        .await
        .expect("lease in time")
        .expect("lease");
    lease.keep_renewed();
    (store, lease)
}
