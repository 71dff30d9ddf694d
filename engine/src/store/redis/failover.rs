//! After a failover: the dispatcher lease on the new primary is checked
//! again before anything is written there, never assumed.
//!
//! Every commit script compares the lease with this process's exact value,
//! on whatever node it runs; the renewal does the same every third of the
//! ttl. On a promoted replica that had the lease (the usual case: it is
//! replicated like any key) nothing changes. On one that did not (the lease,
//! or the `INCR` of its token, had not reached it), both find no lease and
//! another last token, and call [`reacquire`]: the lease is taken again, with
//! a fencing token higher than this process's old one and than any the node
//! handed out, but only if nobody holds it and nobody wrote there under a
//! newer token. The commit task then reloads its mirror from the new primary
//! (its token changed) before writing. Anything else found there (another
//! holder, newer writes) fences this process out as usual.

use std::sync::Arc;

use deadpool_redis::redis::Value;

use super::lease::split_value;
use super::{store_error, token_and_value, Fence, Shared};
use crate::store::StoreError;

/// Takes the lease back after it went missing in a failover; `None` when
/// it may not be (someone else holds it, or wrote under a newer token).
pub(super) async fn reacquire(
    shared: &Arc<Shared>,
    lost: &Fence,
) -> Result<Option<Fence>, StoreError> {
    let lost = lost.clone();
    shared
        .on_runtime(move |shared| async move {
            let (_, holder) = split_value(&lost.value);
            let mut connection = shared.connection().await?;
            let reply: Vec<Value> = shared
                .scripts
                .reacquire
                .key(&shared.keys.lease)
                .key(&shared.keys.fence)
                .key(&shared.keys.writer)
                .arg(holder)
                .arg(lost.ttl_ms)
                .arg(lost.token)
                .invoke_async(&mut connection)
                .await
                .map_err(|error| store_error(&error))?;
            let (token, value) = token_and_value(&reply, "re-acquire")?;
            if token > 0 {
                tracing::warn!(
                    old_token = lost.token,
                    token,
                    "the dispatcher lease was missing on the primary (a failover?): taken again with a higher fencing token"
                );
                return Ok(Some(Fence {
                    token,
                    value,
                    ttl_ms: lost.ttl_ms,
                }));
            }
            // Another task of this process may have taken it again already.
            Ok(shared.current().filter(|fence| fence.value == value))
        })
        .await
}
