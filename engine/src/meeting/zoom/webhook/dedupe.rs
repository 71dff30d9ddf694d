//! Zoom redelivers an event when it got no timely 200, so the same event may
//! arrive twice, minutes apart. A bounded memory of recent delivery keys
//! recognises the second one.

use std::collections::{HashSet, VecDeque};
use std::fmt;

use parking_lot::Mutex;

/// Keys remembered by default: hours of a busy day's events.
pub const DEFAULT_REMEMBERED_DELIVERIES: usize = 16_384;

/// Identifies one event across its deliveries: event name, meeting uuid (or
/// number), participant id and `event_ts`. Ids only, no names.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct DeliveryKey(String);

impl DeliveryKey {
    pub(super) fn new(
        event: &str,
        meeting: &str,
        participant: &str,
        event_ts: Option<i64>,
    ) -> DeliveryKey {
        let event_ts = event_ts.map_or_else(|| "-".to_owned(), |ts| ts.to_string());
        DeliveryKey(format!("{event}|{meeting}|{participant}|{event_ts}"))
    }

    /// The key as text (for a shared store of keys, if one is ever needed).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for DeliveryKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "DeliveryKey({})", self.0)
    }
}

struct Remembered {
    keys: HashSet<DeliveryKey>,
    order: VecDeque<DeliveryKey>,
}

/// The last `capacity` delivery keys seen; the oldest is forgotten first.
/// Shared behind an `Arc` by the webhook handler.
pub struct RecentDeliveries {
    capacity: usize,
    remembered: Mutex<Remembered>,
}

impl fmt::Debug for RecentDeliveries {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("RecentDeliveries")
            .field("capacity", &self.capacity)
            .field("remembered", &self.remembered.lock().order.len())
            .finish()
    }
}

impl Default for RecentDeliveries {
    fn default() -> RecentDeliveries {
        RecentDeliveries::new(DEFAULT_REMEMBERED_DELIVERIES)
    }
}

impl RecentDeliveries {
    /// Remembers up to `capacity` keys (at least one).
    pub fn new(capacity: usize) -> RecentDeliveries {
        let capacity = capacity.max(1);
        RecentDeliveries {
            capacity,
            remembered: Mutex::new(Remembered {
                keys: HashSet::with_capacity(capacity),
                order: VecDeque::with_capacity(capacity),
            }),
        }
    }

    /// True the first time `key` is seen (act on the event); false for a
    /// redelivery (answer 200, change nothing).
    pub fn first_delivery(&self, key: &DeliveryKey) -> bool {
        let mut remembered = self.remembered.lock();
        if remembered.keys.contains(key) {
            return false;
        }
        if remembered.order.len() >= self.capacity {
            if let Some(oldest) = remembered.order.pop_front() {
                remembered.keys.remove(&oldest);
            }
        }
        remembered.keys.insert(key.clone());
        remembered.order.push_back(key.clone());
        true
    }

    /// Keys remembered now.
    pub fn len(&self) -> usize {
        self.remembered.lock().order.len()
    }

    /// Whether nothing was seen yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: i64) -> DeliveryKey {
        DeliveryKey::new("meeting.started", "abc==", "-", Some(n))
    }

    #[test]
    fn a_redelivery_is_recognised_and_memory_stays_bounded() {
        let deliveries = RecentDeliveries::new(2);
        assert!(deliveries.first_delivery(&key(1)));
        assert!(!deliveries.first_delivery(&key(1)));
        assert!(deliveries.first_delivery(&key(2)));
        assert!(deliveries.first_delivery(&key(3)));
        assert_eq!(deliveries.len(), 2);
        // The oldest was forgotten to make room.
        assert!(deliveries.first_delivery(&key(1)));
        assert!(!deliveries.first_delivery(&key(3)));
    }
}
