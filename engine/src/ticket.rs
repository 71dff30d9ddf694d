//! Ticket identity: the public id in URLs and the secret token that opens it.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::domain::{Nif, ServiceCode};

/// What a match tells the operator about the ticket: carried by the match
/// itself (the dispatcher's queue entry holds it), so nobody re-reads a
/// published snapshot to fill a console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketDetails {
    pub id: TicketId,
    pub nif: Nif,
    pub name: String,
    pub service: ServiceCode,
    pub joined_at: Timestamp,
}

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
/// bits, shown as 32 hex digits. Compared in constant time.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TicketToken([u8; 16]);

impl TicketToken {
    pub fn random() -> TicketToken {
        let mut bytes = [0u8; 16];
        rand::rng().fill_bytes(&mut bytes);
        TicketToken(bytes)
    }

    /// The token as the taxpayer's page holds it: 32 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn from_hex(text: &str) -> Option<TicketToken> {
        if text.len() != 32 || !text.is_ascii() {
            return None;
        }
        let mut bytes = [0u8; 16];
        for (index, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[index * 2..index * 2 + 2], 16).ok()?;
        }
        Some(TicketToken(bytes))
    }

    /// Compares with what a client presented without leaking, through timing,
    /// how many leading bytes matched.
    pub fn matches(&self, presented: &str) -> bool {
        let Some(presented) = TicketToken::from_hex(presented) else {
            return false;
        };
        self.0
            .iter()
            .zip(presented.0.iter())
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0
    }
}

impl fmt::Debug for TicketToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TicketToken(…)")
    }
}

impl Serialize for TicketToken {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for TicketToken {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<TicketToken, D::Error> {
        let text = String::deserialize(deserializer)?;
        TicketToken::from_hex(&text)
            .ok_or_else(|| serde::de::Error::custom("a ticket token is 32 hex digits"))
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
        assert_eq!(token.to_hex().len(), 32);
        assert!(token.matches(&token.to_hex()));
        assert!(!token.matches(
            &token
                .to_hex()
                .to_uppercase()
                .replace(|c: char| c.is_ascii_digit(), "g")
        ));
        let mut other = token.to_hex();
        other.replace_range(31..32, if other.ends_with('0') { "1" } else { "0" });
        assert!(!token.matches(&other));
        assert!(!token.matches(""));
        assert_ne!(TicketToken::random(), token);
    }
}
