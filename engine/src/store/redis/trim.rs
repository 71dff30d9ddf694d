//! Retention in Redis: the event stream trimmed by age (`XTRIM MINID`) and
//! the taxpayers' histories by the age of their oldest annotations, in one
//! script fenced by the dispatcher lease (`scripts/trim.lua`), so a process
//! that lost the lease never trims what the active one keeps.
//!
//! Stream ids are event seqs, not times, so the first entry to keep is found
//! by a binary search over the stream (a few `XRANGE … COUNT 1` reads).
//! Histories are visited with `SCAN`, the cursor kept between passes, in
//! rounds: each round's keys go to one script call, so Redis (and every
//! commit waiting behind it) is held for one round's keys at a time, and a
//! pass makes a bounded number of rounds. One pass every ten seconds must
//! sweep every history often enough that an annotation outlives its
//! `[retention] history` by little: at 20,000 new taxpayers a day and the
//! default four years that is about 29 million keys, which
//! [`HISTORY_KEYS_PER_PASS`] sweeps in about 20 hours (one round a pass,
//! as before, took 17 days; BENCHMARKS.md "A month on the manual clock").

use deadpool_redis::redis;
use jiff::Timestamp;

use super::codec::{self, Entry};
use super::Shared;
use crate::store::{StoreError, TrimCutoffs, TrimReport};

/// History keys one round asks `SCAN` for, and so about the most one
/// script call looks at (~1 ms of Redis's time).
const HISTORY_KEYS_PER_ROUND: usize = 200;

/// Rounds one pass makes at most (fewer once the sweep reaches its end).
const HISTORY_ROUNDS_PER_PASS: usize = 20;

/// About the most history keys one pass looks at.
pub const HISTORY_KEYS_PER_PASS: usize = HISTORY_KEYS_PER_ROUND * HISTORY_ROUNDS_PER_PASS;

/// One pass: returns what went and the `SCAN` cursor to go on from. A pass
/// that fails part way is retried from the cursor it started at (looking
/// at a history twice only finds nothing more to drop).
pub(super) async fn trim(
    shared: &Shared,
    cutoffs: TrimCutoffs,
    cursor: u64,
) -> Result<(TrimReport, u64), StoreError> {
    let fence = shared.fence()?;
    // The events go with the first round; later rounds only trim histories.
    let mut first_kept = first_event_at_or_after(shared, cutoffs.events)
        .await?
        .map(codec::entry_id)
        .unwrap_or_default();
    let history_cutoff = cutoffs.history.to_string();
    let mut report = TrimReport::default();
    let mut cursor = cursor;
    for _ in 0..HISTORY_ROUNDS_PER_PASS {
        let (next_cursor, history_keys) = scan_histories(shared, cursor).await?;
        let mut invocation = shared.scripts.trim.prepare_invoke();
        invocation
            .key(&shared.keys.lease)
            .key(&shared.keys.events)
            .arg(&fence.value)
            .arg(std::mem::take(&mut first_kept))
            .arg(&history_cutoff);
        for key in &history_keys {
            invocation.key(key);
        }
        let mut connection = shared.connection().await?;
        let (events, annotations): (u64, u64) = invocation
            .invoke_async(&mut connection)
            .await
            .map_err(|error| super::store_error(&error))?;
        report.events += events;
        report.annotations += annotations;
        cursor = next_cursor;
        if cursor == 0 {
            break;
        }
    }
    report.history_complete = cursor == 0;
    Ok((report, cursor))
}

/// One `SCAN` round over the histories: the next cursor and the keys.
async fn scan_histories(shared: &Shared, cursor: u64) -> Result<(u64, Vec<String>), StoreError> {
    shared
        .read(
            redis::pipe()
                .cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(shared.keys.history_pattern())
                .arg("COUNT")
                .arg(HISTORY_KEYS_PER_ROUND),
        )
        .await
        .map(|((next, keys),): ((u64, Vec<String>),)| (next, keys))
}

/// The seq of the oldest event committed at or after `cutoff`; `None` when
/// there is nothing older to drop. With every event older, the seq after
/// the newest (the stream is emptied).
async fn first_event_at_or_after(
    shared: &Shared,
    cutoff: Timestamp,
) -> Result<Option<u64>, StoreError> {
    let Some((oldest, oldest_at)) = event_from(shared, "-".to_string()).await? else {
        return Ok(None);
    };
    if oldest_at >= cutoff {
        return Ok(None);
    }
    let Some((newest, newest_at)) = newest_event(shared).await? else {
        return Ok(None);
    };
    if newest_at < cutoff {
        return Ok(Some(newest + 1));
    }
    // Invariant: the event at `older` is before the cutoff, the one at
    // `kept` is not; times follow seqs (one clock, one writer).
    let (mut older, mut kept) = (oldest, newest);
    while kept - older > 1 {
        let middle = older + (kept - older) / 2;
        match event_from(shared, codec::entry_id(middle)).await? {
            Some((seq, at)) if seq < kept => {
                if at < cutoff {
                    older = seq;
                } else {
                    kept = seq;
                }
            }
            // A gap in the ids up to `kept`: nothing between to look at.
            _ => break,
        }
    }
    Ok(Some(kept))
}

async fn event_from(
    shared: &Shared,
    start: String,
) -> Result<Option<(u64, Timestamp)>, StoreError> {
    let (entries,): (redis::streams::StreamRangeReply,) = shared
        .read(
            redis::pipe()
                .cmd("XRANGE")
                .arg(&shared.keys.events)
                .arg(start)
                .arg("+")
                .arg("COUNT")
                .arg(1),
        )
        .await?;
    first_entry(entries)
}

async fn newest_event(shared: &Shared) -> Result<Option<(u64, Timestamp)>, StoreError> {
    let (entries,): (redis::streams::StreamRangeReply,) = shared
        .read(
            redis::pipe()
                .cmd("XREVRANGE")
                .arg(&shared.keys.events)
                .arg("+")
                .arg("-")
                .arg("COUNT")
                .arg(1),
        )
        .await?;
    first_entry(entries)
}

fn first_entry(
    entries: redis::streams::StreamRangeReply,
) -> Result<Option<(u64, Timestamp)>, StoreError> {
    let Some(entry) = entries.ids.into_iter().next() else {
        return Ok(None);
    };
    let field = |name: &str| -> Result<String, StoreError> {
        let value = entry
            .map
            .get(name)
            .ok_or_else(|| StoreError::Corrupt(format!("event {} has no {name}", entry.id)))?;
        redis::from_redis_value_ref(value).map_err(|error| {
            StoreError::Corrupt(format!("event {} field {name}: {error}", entry.id))
        })
    };
    let at = match codec::parse_entry(&field("kind")?, &field("change")?)? {
        Entry::Change(change) => change.at(),
        Entry::Join(join) => join.joined_at,
        Entry::Renewal(renewal) => renewal.at,
    };
    Ok(Some((codec::seq_of(&entry.id)?, at)))
}
