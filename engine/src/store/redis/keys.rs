//! Every Redis key the store uses, in one place.
//!
//! All keys share one prefix, `ventanilla:v1:{<namespace>}:` (the namespace
//! is `vt` unless [`RedisOptions::namespace`](super::RedisOptions) says
//! otherwise). `v1` is the schema version: a change to what a key holds gets
//! a new version and a migration, never a silent reinterpretation. The braces
//! are a Redis Cluster hash tag: every key lands in the same slot, which the
//! commit script needs (it touches them all atomically), and a later sharding
//! by namespace stays possible.
//!
//! | key (after the prefix) | type | holds |
//! |---|---|---|
//! | `tickets` | hash | ticket id (16 hex digits) → `TicketRecord` as JSON (NIF, name, token, service, join seq, state) |
//! | `operators` | hash | operator id → `OperatorRecord` as JSON (availability, duty, attended count) |
//! | `waiting` | sorted set | ids of the tickets waiting in any queue, scored by their global join seq (the dispatcher's FIFO key) |
//! | `next_seq` | string | the next global join seq (never decreases) |
//! | `events` | stream | the event log; entry id `<seq>-0`, fields `kind` and `change` (JSON). Joins are stored without NIF, name or token (see `codec.rs`) |
//! | `events:seq` | string | the last event seq handed out (the stream ids come from it) |
//! | `history:<NIF>` | list | the taxpayer's annotations as JSON, oldest first |
//! | `lease` | string, with a TTL | `"<fencing token> <holder name>"` of the active dispatcher |
//! | `lease:fence` | string | the last fencing token handed out (`INCR`) |
//! | `session:<sha256 of token>` | string, with a TTL | an operator's session: the operator id (the token itself is never stored) |
//! | `writer` | hash | `fence`, `decided`, `applied`: the commit bookkeeping of the current fencing token, which makes an interrupted commit decidable (see `scripts/commit.lua`) |
//!
//! Key names hold no secret, but `history:<NIF>` holds a NIF: whoever may run
//! `SCAN` on this Redis may read taxpayers' data anyway (it is in the values),
//! so access to Redis must be restricted like access to the data itself.

use crate::domain::Nif;

/// The schema version in every key name.
pub const SCHEMA_VERSION: &str = "v1";

/// The full names of the store's keys for one namespace.
#[derive(Debug, Clone)]
pub struct Keys {
    prefix: String,
    pub tickets: String,
    pub operators: String,
    pub waiting: String,
    pub next_seq: String,
    pub events: String,
    pub event_seq: String,
    pub lease: String,
    pub fence: String,
    pub writer: String,
}

/// A namespace that would break the hash tag or the key layout.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a redis namespace is 1 to 32 characters among a-z, A-Z, 0-9, '-' and '_'")]
pub struct BadNamespace;

impl Keys {
    pub fn new(namespace: &str) -> Result<Keys, BadNamespace> {
        let valid = !namespace.is_empty()
            && namespace.len() <= 32
            && namespace
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !valid {
            return Err(BadNamespace);
        }
        let prefix = format!("ventanilla:{SCHEMA_VERSION}:{{{namespace}}}:");
        let key = |name: &str| format!("{prefix}{name}");
        Ok(Keys {
            tickets: key("tickets"),
            operators: key("operators"),
            waiting: key("waiting"),
            next_seq: key("next_seq"),
            events: key("events"),
            event_seq: key("events:seq"),
            lease: key("lease"),
            fence: key("lease:fence"),
            writer: key("writer"),
            prefix,
        })
    }

    /// An operator session, by the hex SHA-256 of its token.
    pub fn session(&self, digest: &str) -> String {
        format!("{}session:{digest}", self.prefix)
    }

    /// The list of one taxpayer's annotations.
    pub fn history(&self, nif: &Nif) -> String {
        format!("{}history:{}", self.prefix, nif.as_str())
    }

    /// The `SCAN MATCH` pattern of every taxpayer's history.
    pub fn history_pattern(&self) -> String {
        format!("{}history:*", self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_carries_the_schema_version_and_one_hash_tag() {
        let keys = Keys::new("vt").expect("valid");
        let nif = Nif::parse("12345678Z").expect("valid");
        let all = [
            &keys.tickets,
            &keys.operators,
            &keys.waiting,
            &keys.next_seq,
            &keys.events,
            &keys.event_seq,
            &keys.lease,
            &keys.fence,
            &keys.writer,
            &keys.history(&nif),
        ];
        for key in all {
            assert!(key.starts_with("ventanilla:v1:{vt}:"), "{key}");
            assert_eq!(key.matches('{').count(), 1, "{key}");
        }
        assert_eq!(keys.tickets, "ventanilla:v1:{vt}:tickets");
    }

    #[test]
    fn a_namespace_that_could_break_the_hash_tag_is_refused() {
        for bad in ["", "a}b", "a{b", "with space", &"x".repeat(33)] {
            assert_eq!(Keys::new(bad).map(|_| ()), Err(BadNamespace), "{bad:?}");
        }
    }
}
