//! The last console body sent to each operator, serialized, by its ETag: a
//! full poll of a version already rendered costs a lookup, not a render.
//!
//! Sound because the ETag covers everything the body is made of (the
//! snapshot's version, the catalog's generation, and the clock-dependent
//! parts), which `engine::testsuite` checks on every console a test renders.

use bytes::Bytes;
use dashmap::DashMap;
use engine::domain::OperatorId;

/// One entry per operator who polled: operators are those of the
/// configuration, so the map is bounded by it; a newer version replaces
/// the entry.
#[derive(Default)]
pub struct ConsoleCache {
    bodies: DashMap<OperatorId, (String, Bytes)>,
}

impl ConsoleCache {
    /// The body last stored for `operator` if it has this `etag`.
    pub fn get(&self, operator: &OperatorId, etag: &str) -> Option<Bytes> {
        self.bodies
            .get(operator)
            .filter(|entry| entry.0 == etag)
            .map(|entry| entry.1.clone())
    }

    /// Keeps `body` as `operator`'s version `etag`.
    pub fn put(&self, operator: &OperatorId, etag: &str, body: Bytes) {
        self.bodies
            .insert(operator.clone(), (etag.to_string(), body));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_served_only_for_the_etag_it_was_stored_with() {
        let cache = ConsoleCache::default();
        let operator = OperatorId::parse("op-0001").expect("id");
        assert_eq!(cache.get(&operator, "\"a\""), None);
        cache.put(&operator, "\"a\"", Bytes::from_static(b"{\"v\":1}"));
        assert_eq!(
            cache.get(&operator, "\"a\""),
            Some(Bytes::from_static(b"{\"v\":1}"))
        );
        assert_eq!(cache.get(&operator, "\"b\""), None);
        cache.put(&operator, "\"b\"", Bytes::from_static(b"{\"v\":2}"));
        assert_eq!(
            cache.get(&operator, "\"a\""),
            None,
            "replaced by the newer version"
        );
        assert_eq!(cache.bodies.len(), 1);
    }
}
