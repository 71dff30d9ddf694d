//! Reading Redis: pooled connections retried with backoff, reads retried
//! on a fresh connection, the connection the history reads share, and the
//! store's runtime every call runs on.

use std::sync::Arc;

use deadpool_redis::redis;

use super::{codec, failure, pool_error, Connection, Failure, Manager, Shared};
use crate::domain::{Annotation, Nif};
use crate::store::StoreError;

/// A taxpayer's annotations, oldest first: on the shared read connection
/// when there is one, else (or when it just failed) through the pool.
pub(super) async fn history(
    shared: &Arc<Shared>,
    nif: &Nif,
) -> Result<Vec<Annotation>, StoreError> {
    let key = shared.keys.history(nif);
    let mut pipe = redis::pipe();
    pipe.lrange(&key, 0, -1);
    let shared_read = match shared.shared_reader().await {
        Some(mut reader) => match pipe.query_async(&mut reader).await {
            Ok(entries) => Some(entries),
            Err(error) => {
                // Dropped; the pool's read retries on a fresh connection.
                *shared.reader.lock() = None;
                tracing::debug!(%error, "shared redis read failed; retrying on the pool");
                None
            }
        },
        None => None,
    };
    let (entries,): (Vec<String>,) = match shared_read {
        Some(entries) => entries,
        None => {
            shared
                .on_runtime(|shared| async move { shared.read(&pipe).await })
                .await?
        }
    };
    entries.iter().map(|json| codec::from_json(json)).collect()
}

impl Shared {
    /// A pooled connection, retried with backoff while Redis cannot be reached.
    pub(super) async fn connection(&self) -> Result<Connection, StoreError> {
        let mut attempt = 0;
        loop {
            match self.pool.get().await {
                Ok(connection) => return Ok(Connection::new(connection)),
                Err(error) if attempt < self.options.retries => {
                    attempt += 1;
                    crate::metrics::record_store_reconnect();
                    tracing::debug!(error = %pool_error(&error), attempt, "redis connection failed; retrying");
                    tokio::time::sleep(self.options.backoff(attempt)).await;
                }
                Err(error) => return Err(StoreError::Unavailable(pool_error(&error))),
            }
        }
    }

    /// Runs a read-only pipeline, retrying any failure to reach Redis (a read
    /// can be repeated safely).
    pub(super) async fn read<T: redis::FromRedisValue>(
        &self,
        pipeline: &redis::Pipeline,
    ) -> Result<T, StoreError> {
        let mut attempt = 0;
        loop {
            let mut connection = self.connection().await?;
            match pipeline.query_async::<T>(&mut connection).await {
                Ok(value) => return Ok(value),
                Err(error) => match failure(&error) {
                    Failure::Transient(reason) if attempt < self.options.retries => {
                        attempt += 1;
                        // The connection may be broken: do not give it back.
                        drop(Connection::take(connection));
                        crate::metrics::record_store_reconnect();
                        tracing::debug!(%reason, attempt, "redis read failed; retrying");
                        tokio::time::sleep(self.options.backoff(attempt)).await;
                    }
                    Failure::Transient(reason) => return Err(StoreError::Unavailable(reason)),
                    Failure::Definite(error) => return Err(error),
                },
            }
        }
    }

    /// The shared read connection (see [`Shared::reader`]), taken from the
    /// pool on first use; `None` with Sentinel, or when no connection can
    /// be had now (the caller reads through the pool, which retries).
    async fn shared_reader(
        self: &Arc<Self>,
    ) -> Option<deadpool_redis::redis::aio::MultiplexedConnection> {
        if matches!(self.pool.manager(), Manager::Sentinel { .. }) {
            return None;
        }
        if let Some(reader) = self.reader.lock().clone() {
            return Some(reader);
        }
        let taken = self
            .on_runtime(|shared| async move { shared.connection().await.map(Connection::take) })
            .await
            .ok()?;
        *self.reader.lock() = Some(taken.clone());
        Some(taken)
    }

    /// Runs `work` on the store's runtime (see [`Shared::runtime`]).
    pub(super) async fn on_runtime<T, F>(
        self: &Arc<Self>,
        work: impl FnOnce(Arc<Shared>) -> F,
    ) -> Result<T, StoreError>
    where
        F: std::future::Future<Output = Result<T, StoreError>> + Send + 'static,
        T: Send + 'static,
    {
        self.runtime
            .spawn(work(Arc::clone(self)))
            .await
            .map_err(|error| StoreError::Unavailable(format!("redis task failed: {error}")))?
    }
}
