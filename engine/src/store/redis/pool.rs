//! The store's connections: to one Redis named by its URL, or to whichever
//! node Redis Sentinel says is the primary now (`redis+sentinel://`).
//!
//! With Sentinel, every new connection asks the Sentinels for the primary
//! (redis-rs checks with `ROLE` that the node it names really is one), and
//! an idle connection is handed out again only after `ROLE` says its node is
//! still the primary: after a failover, connections to the demoted or dead
//! node fail or are dropped, and the next ones reach the promoted replica.
//! What the store then checks before writing again (the dispatcher lease and
//! its fencing token on the new primary) is told in `lease.rs`.

use std::ops::{Deref, DerefMut};

use deadpool::managed::{self, Metrics, RecycleError, RecycleResult};
use deadpool_redis::redis::aio::{ConnectionLike, MultiplexedConnection};
use deadpool_redis::redis::sentinel::{
    SentinelClient, SentinelNodeConnectionInfo, SentinelServerType,
};
use deadpool_redis::redis::{
    self, AsyncConnectionConfig, Client, ConnectionAddr, ConnectionInfo, IntoConnectionInfo,
    RedisConnectionInfo, RedisError, Role,
};

/// The URL scheme that makes the store follow Sentinel.
pub const SENTINEL_SCHEME: &str = "redis+sentinel://";

/// How recently a pooled connection must have been handed out to be handed
/// out again unchecked (direct URLs only: with Sentinel, `ROLE` is asked
/// every time, since after a failover a live connection may reach a demoted
/// node).
const FRESH: std::time::Duration = std::time::Duration::from_secs(1);

/// Longest list of Sentinels in one URL.
const MAX_SENTINELS: usize = 16;

/// What a `redis+sentinel://[[user]:password@]HOST:PORT[,HOST:PORT…]/MASTER_NAME[/DB]`
/// URL says. The password (if any) is the data nodes' (primary and
/// replicas), not the Sentinels'.
#[derive(Clone, PartialEq, Eq)]
pub struct SentinelUrl {
    pub sentinels: Vec<(String, u16)>,
    pub master_name: String,
    pub db: i64,
    username: Option<String>,
    password: Option<String>,
}

impl std::fmt::Debug for SentinelUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the password.
        f.debug_struct("SentinelUrl")
            .field("sentinels", &self.sentinels)
            .field("master_name", &self.master_name)
            .field("db", &self.db)
            .finish_non_exhaustive()
    }
}

impl SentinelUrl {
    /// Reads a Sentinel URL; the error says what is wrong without repeating
    /// the URL (it may hold a password).
    pub fn parse(url: &str) -> Result<SentinelUrl, String> {
        let rest = url
            .strip_prefix(SENTINEL_SCHEME)
            .ok_or_else(|| format!("expected a URL starting with {SENTINEL_SCHEME}"))?;
        let (userinfo, rest) = match rest.rsplit_once('@') {
            Some((userinfo, rest)) => (Some(userinfo), rest),
            None => (None, rest),
        };
        let (hosts, path) = rest
            .split_once('/')
            .ok_or("expected HOST:PORT[,HOST:PORT…]/MASTER_NAME[/DB]")?;
        let mut sentinels = Vec::new();
        for host in hosts.split(',') {
            let (name, port) = host.rsplit_once(':').ok_or("every Sentinel is HOST:PORT")?;
            let name = name.trim_start_matches('[').trim_end_matches(']');
            let port: u16 = port.parse().map_err(|_| "a Sentinel port is 1 to 65535")?;
            if name.is_empty() || port == 0 {
                return Err("every Sentinel is HOST:PORT".into());
            }
            sentinels.push((name.to_string(), port));
        }
        if sentinels.len() > MAX_SENTINELS {
            return Err(format!("at most {MAX_SENTINELS} Sentinels"));
        }
        let (master_name, db) = match path.split_once('/') {
            Some((name, db)) => (
                name,
                db.parse::<i64>()
                    .ok()
                    .filter(|db| (0..=15).contains(db))
                    .ok_or("the database is a number from 0 to 15")?,
            ),
            None => (path, 0),
        };
        let name_ok = !master_name.is_empty()
            && master_name.len() <= 64
            && master_name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if !name_ok {
            return Err("the master name is 1 to 64 of a-z, A-Z, 0-9, '-', '_', '.'".into());
        }
        let (username, password) = match userinfo {
            None => (None, None),
            Some(info) => match info.split_once(':') {
                Some((user, password)) => (
                    (!user.is_empty()).then(|| user.to_string()),
                    Some(password.to_string()),
                ),
                None => (Some(info.to_string()), None),
            },
        };
        Ok(SentinelUrl {
            sentinels,
            master_name: master_name.to_string(),
            db,
            username,
            password,
        })
    }

    fn data_node_settings(&self) -> RedisConnectionInfo {
        let mut settings = RedisConnectionInfo::default().set_db(self.db);
        if let Some(user) = &self.username {
            settings = settings.set_username(user);
        }
        if let Some(password) = &self.password {
            settings = settings.set_password(password);
        }
        settings
    }
}

/// Makes and checks the pool's connections.
pub(crate) enum Manager {
    Direct {
        client: Client,
        config: AsyncConnectionConfig,
    },
    Sentinel {
        client: tokio::sync::Mutex<SentinelClient>,
        config: AsyncConnectionConfig,
    },
}

impl Manager {
    /// A manager for `url` (a Redis URL or a `redis+sentinel://` one).
    pub fn new(url: &str, config: AsyncConnectionConfig) -> Result<Manager, String> {
        if url.starts_with(SENTINEL_SCHEME) {
            let parsed = SentinelUrl::parse(url)?;
            let sentinels: Vec<ConnectionInfo> = parsed
                .sentinels
                .iter()
                .map(|(host, port)| {
                    ConnectionAddr::Tcp(host.clone(), *port)
                        .into_connection_info()
                        .map_err(|error| format!("bad Sentinel address: {error}"))
                })
                .collect::<Result<_, _>>()?;
            let node = SentinelNodeConnectionInfo::default()
                .set_redis_connection_info(parsed.data_node_settings());
            let client = SentinelClient::build(
                sentinels,
                parsed.master_name.clone(),
                Some(node),
                SentinelServerType::Master,
            )
            .map_err(|error| format!("bad Sentinel URL: {error}"))?;
            Ok(Manager::Sentinel {
                client: tokio::sync::Mutex::new(client),
                config,
            })
        } else {
            let client = Client::open(url).map_err(|error| format!("bad redis url: {error}"))?;
            Ok(Manager::Direct { client, config })
        }
    }
}

impl managed::Manager for Manager {
    type Type = MultiplexedConnection;
    type Error = RedisError;

    async fn create(&self) -> Result<MultiplexedConnection, RedisError> {
        match self {
            Manager::Direct { client, config } => {
                client
                    .get_multiplexed_async_connection_with_config(config)
                    .await
            }
            Manager::Sentinel { client, config } => {
                // The Sentinels name the primary now (checked with ROLE).
                let primary = client.lock().await.async_get_client().await?;
                primary
                    .get_multiplexed_async_connection_with_config(config)
                    .await
            }
        }
    }

    async fn recycle(
        &self,
        connection: &mut MultiplexedConnection,
        metrics: &Metrics,
    ) -> RecycleResult<RedisError> {
        match self {
            // A connection handed out within the last `FRESH` is given out
            // again without a PING: a round trip (and a command for Redis)
            // on every read otherwise, for a check its next command makes
            // anyway. One that broke meanwhile fails that command, and the
            // reads (`Shared::read`) and the writer drop it and reconnect.
            Manager::Direct { .. } if metrics.last_used() < FRESH => Ok(()),
            Manager::Direct { .. } => {
                let _: String = redis::cmd("PING").query_async(connection).await?;
                Ok(())
            }
            Manager::Sentinel { .. } => {
                let role: Role = redis::cmd("ROLE").query_async(connection).await?;
                match role {
                    Role::Primary { .. } => Ok(()),
                    _ => Err(RecycleError::message("this node is no longer the primary")),
                }
            }
        }
    }
}

pub(crate) type Pool = managed::Pool<Manager>;
pub(crate) type PoolError = managed::PoolError<RedisError>;

/// A pooled connection; usable wherever redis-rs takes a connection.
pub(crate) struct Connection(managed::Object<Manager>);

impl Connection {
    pub fn new(object: managed::Object<Manager>) -> Connection {
        Connection(object)
    }

    /// Takes the connection out of the pool for good (it may be broken or
    /// hold a lost reply): dropping the result closes it.
    pub fn take(this: Connection) -> MultiplexedConnection {
        managed::Object::take(this.0)
    }
}

impl Deref for Connection {
    type Target = MultiplexedConnection;
    fn deref(&self) -> &MultiplexedConnection {
        &self.0
    }
}

impl DerefMut for Connection {
    fn deref_mut(&mut self) -> &mut MultiplexedConnection {
        &mut self.0
    }
}

impl ConnectionLike for Connection {
    fn req_packed_command<'a>(
        &'a mut self,
        cmd: &'a redis::Cmd,
    ) -> redis::RedisFuture<'a, redis::Value> {
        self.0.req_packed_command(cmd)
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        cmd: &'a redis::Pipeline,
        offset: usize,
        count: usize,
    ) -> redis::RedisFuture<'a, Vec<redis::Value>> {
        self.0.req_packed_commands(cmd, offset, count)
    }

    fn get_db(&self) -> i64 {
        self.0.get_db()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sentinel_url_names_its_sentinels_the_master_and_the_database() {
        let url = SentinelUrl::parse("redis+sentinel://10.0.0.1:26379,s2:26380/ventanilla/3")
            .expect("valid");
        assert_eq!(
            url.sentinels,
            vec![("10.0.0.1".to_string(), 26379), ("s2".to_string(), 26380)]
        );
        assert_eq!((url.master_name.as_str(), url.db), ("ventanilla", 3));
        let url = SentinelUrl::parse("redis+sentinel://:secret@h:1/m").expect("valid");
        assert_eq!((url.db, url.password.as_deref()), (0, Some("secret")));
        assert!(!format!("{url:?}").contains("secret"));
    }

    #[test]
    fn a_bad_sentinel_url_is_refused_without_repeating_it() {
        for bad in [
            "redis://h:1/0",
            "redis+sentinel://h:1",
            "redis+sentinel://h/m",
            "redis+sentinel://h:0/m",
            "redis+sentinel://h:1/",
            "redis+sentinel://h:1/m/16",
            "redis+sentinel://h:1/m n",
            "redis+sentinel://:pw@h:x/m",
        ] {
            let error = SentinelUrl::parse(bad).expect_err(bad);
            assert!(!error.contains("pw"), "{error}");
        }
    }
}
