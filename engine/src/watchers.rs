//! Change notifications created only while somebody waits for them.
//!
//! A held ticket poll (docs/api.md "Instant updates") waits for its ticket's next
//! snapshot. Most tickets have nobody holding a poll at any moment, and there
//! may be a million of them: instead of a notification per ticket, a
//! [`Watchers`] map holds one `Notify` per key *while watched* and drops it
//! with its last watcher. A key nobody watches costs nothing; a watched one
//! costs one map entry and one `Arc<Notify>` (see [`WATCH_BYTES`]), shared by
//! every poll held on it.

use std::hash::Hash;
use std::sync::Arc;

use dashmap::DashMap;
use tokio::sync::futures::Notified;
use tokio::sync::Notify;

/// Heap bytes one watched key costs, shared by all of its watchers: the
/// `Arc<Notify>` allocation (counts and the notify) plus the map's key and
/// pointer (the map's own slack comes on top, as in any hash map).
pub const WATCH_BYTES: usize =
    2 * std::mem::size_of::<usize>() + std::mem::size_of::<Notify>() + std::mem::size_of::<usize>();

/// Per-key notifications, present only while watched.
pub struct Watchers<K: Eq + Hash> {
    watched: DashMap<K, Arc<Notify>>,
}

impl<K: Eq + Hash + Clone> Watchers<K> {
    pub fn new() -> Watchers<K> {
        Watchers {
            watched: DashMap::new(),
        }
    }

    /// Wakes every watcher of `key`; nothing to do when nobody watches it.
    pub fn notify(&self, key: &K) {
        if let Some(notify) = self.watched.get(key) {
            notify.notify_waiters();
        }
    }

    /// Wakes every watcher of every key (a reload changed what they render).
    pub fn notify_all(&self) {
        for entry in self.watched.iter() {
            entry.value().notify_waiters();
        }
    }

    /// Starts watching `key`. Create each `notified()` *before* reading the
    /// state it guards: a notification after that point is never missed.
    pub fn watch(&self, key: K) -> Watch<'_, K> {
        let notify = Arc::clone(
            self.watched
                .entry(key.clone())
                .or_insert_with(|| Arc::new(Notify::new()))
                .value(),
        );
        Watch {
            watchers: self,
            key,
            notify,
        }
    }

    /// Keys watched now.
    pub fn len(&self) -> usize {
        self.watched.len()
    }

    pub fn is_empty(&self) -> bool {
        self.watched.is_empty()
    }
}

impl<K: Eq + Hash + Clone> Default for Watchers<K> {
    fn default() -> Self {
        Watchers::new()
    }
}

/// One watcher of one key; the key's notification goes when its last
/// watcher does.
pub struct Watch<'a, K: Eq + Hash + Clone> {
    watchers: &'a Watchers<K>,
    key: K,
    notify: Arc<Notify>,
}

impl<K: Eq + Hash + Clone> Watch<'_, K> {
    /// Completes at the key's next notification after this call.
    pub fn notified(&self) -> Notified<'_> {
        self.notify.notified()
    }
}

impl<K: Eq + Hash + Clone> Drop for Watch<'_, K> {
    fn drop(&mut self) {
        // Under the shard's write lock nobody can take a new clone from the
        // map, so two references (the map's and ours) means we are the last.
        self.watchers.watched.remove_if(&self.key, |_, notify| {
            Arc::ptr_eq(notify, &self.notify) && Arc::strong_count(notify) == 2
        });
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_key_is_held_only_while_somebody_watches_it() {
        let watchers: Watchers<u64> = Watchers::new();
        let first = watchers.watch(7);
        let second = watchers.watch(7);
        assert_eq!(watchers.len(), 1);
        drop(first);
        assert_eq!(watchers.len(), 1, "the second watcher still needs it");
        drop(second);
        assert!(watchers.is_empty());
        watchers.notify(&7);
        assert!(watchers.is_empty(), "notifying nobody creates nothing");
    }

    #[tokio::test]
    async fn a_notification_after_notified_is_created_is_not_missed() {
        let watchers: Watchers<u64> = Watchers::new();
        let watch = watchers.watch(1);
        let notified = watch.notified();
        watchers.notify(&2);
        watchers.notify(&1);
        tokio::time::timeout(Duration::from_secs(5), notified)
            .await
            .expect("the notification before the await still counts");
    }

    #[tokio::test]
    async fn another_key_does_not_wake_a_watcher() {
        let watchers: Watchers<u64> = Watchers::new();
        let watch = watchers.watch(1);
        let notified = watch.notified();
        watchers.notify(&2);
        let woke = tokio::time::timeout(Duration::from_millis(50), notified).await;
        assert!(woke.is_err());
    }
}
