//! Operator sessions kept in Redis, so they outlive the process that
//! opened them.

use std::time::Duration;

use deadpool_redis::redis;

use super::RedisStore;
use crate::store::StoreError;

impl RedisStore {
    /// Keeps an operator session (by the digest of its token) for `ttl`, so
    /// it outlives this process: a restarted or standby gateway honours it.
    /// Sessions are not dispatch state, so this write is not fenced.
    pub async fn session_put(
        &self,
        digest: &str,
        operator: &str,
        ttl: Duration,
    ) -> Result<(), StoreError> {
        let (key, operator) = (self.shared.keys.session(digest), operator.to_string());
        let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        self.shared
            .on_runtime(move |shared| async move {
                let mut pipeline = redis::pipe();
                pipeline
                    .cmd("SET")
                    .arg(&key)
                    .arg(&operator)
                    .arg("PX")
                    .arg(ttl_ms)
                    .ignore();
                shared.read::<()>(&pipeline).await
            })
            .await
    }

    /// The operator of a live session, by the digest of its token.
    pub async fn session_get(&self, digest: &str) -> Result<Option<String>, StoreError> {
        let key = self.shared.keys.session(digest);
        self.shared
            .on_runtime(move |shared| async move {
                let mut pipeline = redis::pipe();
                pipeline.cmd("GET").arg(&key);
                let (operator,): (Option<String>,) = shared.read(&pipeline).await?;
                Ok(operator)
            })
            .await
    }

    /// Ends a session; true if it was live.
    pub async fn session_delete(&self, digest: &str) -> Result<bool, StoreError> {
        let key = self.shared.keys.session(digest);
        self.shared
            .on_runtime(move |shared| async move {
                let mut pipeline = redis::pipe();
                pipeline.cmd("DEL").arg(&key);
                let (deleted,): (u64,) = shared.read(&pipeline).await?;
                Ok(deleted > 0)
            })
            .await
    }
}
