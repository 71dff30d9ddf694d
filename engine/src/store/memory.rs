//! The embedded store: the fold of [`StoredState`] behind a mutex, for the
//! demo and for tests. Nothing survives the process.

use std::collections::{HashMap, VecDeque};

use async_trait::async_trait;
use parking_lot::Mutex;

use super::{Change, LoggedChange, Store, StoreError, StoredState, TrimCutoffs, TrimReport};
use crate::domain::{Annotation, Nif};

/// How many log entries the demo keeps by default; older ones are dropped so
/// a long demo does not grow without bound.
const DEFAULT_EVENT_CAPACITY: usize = 1_000_000;

/// The most log entries, and the most annotations, one retention pass
/// drops: a pass holds the store's lock, so every commit waits for it
/// (5,000 is well under a millisecond; the engine passes every 10 s).
const DROPPED_PER_PASS: usize = 5_000;

/// In-memory [`Store`]. A std-style mutex is right here: every critical
/// section is a short, non-async map update (see mini-redis's `db.rs`).
#[derive(Debug)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
    event_capacity: usize,
}

#[derive(Debug, Default)]
struct Inner {
    state: StoredState,
    histories: HashMap<Nif, Vec<Annotation>>,
    /// Every annotation's time and taxpayer, in commit order (the clock's
    /// order): a pass drops the oldest first without looking at the rest.
    annotation_times: VecDeque<(jiff::Timestamp, Nif)>,
    events: VecDeque<LoggedChange>,
    next_event: u64,
}

impl Default for MemoryStore {
    fn default() -> MemoryStore {
        MemoryStore::new()
    }
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::with_event_capacity(DEFAULT_EVENT_CAPACITY)
    }

    /// A store that keeps at most `capacity` event log entries (0 keeps none:
    /// benchmarks measure the engine, not the log).
    pub fn with_event_capacity(capacity: usize) -> MemoryStore {
        MemoryStore {
            inner: Mutex::new(Inner::default()),
            event_capacity: capacity,
        }
    }
}

#[async_trait]
impl Store for MemoryStore {
    async fn load(&self) -> Result<StoredState, StoreError> {
        Ok(self.inner.lock().state.clone())
    }

    async fn apply(&self, change: &Change) -> Result<(), StoreError> {
        let mut inner = self.inner.lock();
        inner.state.apply(change)?;
        if let Some((ticket, annotation)) = change.annotation() {
            // unwrap-free: apply() has just checked that the ticket exists.
            if let Some(nif) = inner.state.tickets.get(ticket).map(|t| t.nif) {
                inner
                    .histories
                    .entry(nif)
                    .or_default()
                    .push(annotation.clone());
                inner.annotation_times.push_back((annotation.at, nif));
            }
        }
        let seq = inner.next_event;
        inner.next_event += 1;
        if self.event_capacity > 0 {
            if inner.events.len() == self.event_capacity {
                inner.events.pop_front();
            }
            inner.events.push_back(LoggedChange {
                seq,
                change: change.clone(),
            });
        }
        Ok(())
    }

    async fn history(&self, nif: &Nif) -> Result<Vec<Annotation>, StoreError> {
        Ok(self
            .inner
            .lock()
            .histories
            .get(nif)
            .cloned()
            .unwrap_or_default())
    }

    async fn trim(&self, cutoffs: &TrimCutoffs) -> Result<TrimReport, StoreError> {
        let mut inner = self.inner.lock();
        let mut report = TrimReport::default();
        while report.events < DROPPED_PER_PASS as u64
            && inner
                .events
                .front()
                .is_some_and(|logged| logged.change.at() < cutoffs.events)
        {
            inner.events.pop_front();
            report.events += 1;
        }
        let mut looked_at = 0;
        while looked_at < DROPPED_PER_PASS {
            let Some(&(at, nif)) = inner.annotation_times.front() else {
                break;
            };
            if at >= cutoffs.history {
                break;
            }
            inner.annotation_times.pop_front();
            looked_at += 1;
            if let Some(annotations) = inner.histories.get_mut(&nif) {
                let before = annotations.len();
                annotations.retain(|annotation| annotation.at >= cutoffs.history);
                report.annotations += (before - annotations.len()) as u64;
                if annotations.is_empty() {
                    inner.histories.remove(&nif);
                }
            }
        }
        report.history_complete = inner
            .annotation_times
            .front()
            .is_none_or(|(at, _)| *at >= cutoffs.history);
        Ok(report)
    }

    async fn events(&self, from: u64, limit: usize) -> Result<Vec<LoggedChange>, StoreError> {
        let inner = self.inner.lock();
        Ok(inner
            .events
            .iter()
            .filter(|entry| entry.seq >= from)
            .take(limit)
            .cloned()
            .collect())
    }
}
