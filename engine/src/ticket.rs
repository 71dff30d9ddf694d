//! Ticket identity: the public id in URLs and the secret token that opens it.

use std::fmt;
use std::str::FromStr;

use rand::RngCore;
use serde::{Deserialize, Serialize};

/// A ticket's id: 64 random bits, shown as 16 lowercase hex digits. It names
/// the ticket in URLs; it does not open it (the token does).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TicketId(u64);

impl TicketId {
    /// A fresh random id.
    pub fn random() -> TicketId {
        TicketId(rand::rng().next_u64())
    }

    pub fn from_u64(value: u64) -> TicketId {
        TicketId(value)
    }

    pub fn as_u64(&self) -> u64 {
        self.0
    }
}

impl fmt::Display for TicketId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl fmt::Debug for TicketId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TicketId({self})")
    }
}

/// A ticket id in a URL was not 16 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a ticket id is 16 hexadecimal digits")]
pub struct BadTicketId;

impl FromStr for TicketId {
    type Err = BadTicketId;

    fn from_str(text: &str) -> Result<TicketId, BadTicketId> {
        if text.len() != 16 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(BadTicketId);
        }
        u64::from_str_radix(text, 16)
            .map(TicketId)
            .map_err(|_| BadTicketId)
    }
}

impl Serialize for TicketId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TicketId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<TicketId, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The secret that lets one taxpayer read and act on their ticket: 128 random
/// bits as 32 hex digits. Compared in constant time by the gateway.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TicketToken(String);

impl TicketToken {
    pub fn random() -> TicketToken {
        let mut bytes = [0u8; 16];
        rand::rng().fill_bytes(&mut bytes);
        TicketToken(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Compares with what a client presented without leaking, through timing,
    /// how many leading characters matched.
    pub fn matches(&self, presented: &str) -> bool {
        let expected = self.0.as_bytes();
        let presented = presented.as_bytes();
        if expected.len() != presented.len() {
            return false;
        }
        expected
            .iter()
            .zip(presented)
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0
    }
}

impl fmt::Debug for TicketToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TicketToken(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_id_round_trips_through_its_text() {
        let id = TicketId::random();
        assert_eq!(id.to_string().parse::<TicketId>(), Ok(id));
        assert_eq!("not-an-id".parse::<TicketId>(), Err(BadTicketId));
        assert_eq!("00000000000000zz".parse::<TicketId>(), Err(BadTicketId));
    }

    #[test]
    fn a_token_opens_only_with_its_exact_text() {
        let token = TicketToken::random();
        assert_eq!(token.as_str().len(), 32);
        assert!(token.matches(token.as_str()));
        let mut other = token.as_str().to_string();
        other.replace_range(31..32, if other.ends_with('0') { "1" } else { "0" });
        assert!(!token.matches(&other));
        assert!(!token.matches(""));
        assert_ne!(TicketToken::random(), token);
    }
}
