//! Operators: their ids and configured profiles, credentials kept out of every log.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Longest accepted operator id.
const MAX_ID_LENGTH: usize = 64;

/// An operator's login id, e.g. "op-0001": 1 to 64 characters among A-Z, a-z, 0-9,
/// '.', '_', '@' and '-' (so SSO user names and e-mail addresses fit). Case-sensitive.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct OperatorId(Arc<str>);

/// A text that is not an operator id. The text itself stays out of the message: it
/// may come from a login form or a proxy header.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid operator id: use 1 to 64 characters among A-Z, a-z, 0-9, '.', '_', '@' and '-'")]
pub struct OperatorIdError;

impl OperatorId {
    /// Parses an id, trimming surrounding whitespace.
    pub fn parse(text: &str) -> Result<OperatorId, OperatorIdError> {
        let id = text.trim();
        let valid = !id.is_empty()
            && id.len() <= MAX_ID_LENGTH
            && id.bytes().all(|byte| {
                byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'@' | b'-')
            });
        if !valid {
            return Err(OperatorIdError);
        }
        Ok(OperatorId(id.into()))
    }

    /// The id, e.g. "op-0001".
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OperatorId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl std::str::FromStr for OperatorId {
    type Err = OperatorIdError;

    fn from_str(text: &str) -> Result<OperatorId, OperatorIdError> {
        OperatorId::parse(text)
    }
}

impl Serialize for OperatorId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for OperatorId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<OperatorId, D::Error> {
        let text = String::deserialize(deserializer)?;
        OperatorId::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// How an operator proves who they are at the password login.
#[derive(Clone)]
pub enum Credential {
    /// No password: the operator can only come in through the trusted SSO header.
    None,
    /// A plain-text password from the demo configuration; never for real deployments.
    DemoPassword(String),
    /// A password hash (argon2, PHC string format).
    PasswordHash(String),
}

impl fmt::Debug for Credential {
    // Neither passwords nor hashes may reach a log: a hash can be cracked offline.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::None => formatter.write_str("None"),
            Credential::DemoPassword(_) => formatter.write_str("DemoPassword(<redacted>)"),
            Credential::PasswordHash(_) => formatter.write_str("PasswordHash(<redacted>)"),
        }
    }
}

/// An operator as configured.
#[derive(Clone, Debug)]
pub struct OperatorProfile {
    /// Login id.
    pub id: OperatorId,
    /// Full name, shown on the console and to the taxpayer.
    pub name: String,
    /// The identification number the taxpayer sees ("Número de identificación").
    pub id_number: String,
    /// How the operator logs in with a password.
    pub credential: Credential,
    /// The operator's Zoom user (id or e-mail), for the zoom meeting provider.
    pub zoom_user: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_operator_id_may_be_an_email_address() {
        let id = OperatorId::parse("ana.garcia@example.org").expect("valid");
        assert_eq!(id.as_str(), "ana.garcia@example.org");
        assert_eq!(
            OperatorId::parse(" op-0001 ").expect("valid").to_string(),
            "op-0001"
        );
    }

    #[test]
    fn an_operator_id_with_other_characters_or_too_long_is_refused() {
        for bad in ["", "op 1", "op/1", "opé", &"a".repeat(65)] {
            assert_eq!(OperatorId::parse(bad), Err(OperatorIdError), "{bad:?}");
        }
        assert!(OperatorId::parse(&"a".repeat(64)).is_ok());
    }

    #[test]
    fn an_operator_id_serializes_as_its_text() {
        let id = OperatorId::parse("op-0001").expect("valid");
        assert_eq!(
            serde_json::to_string(&id).expect("serializes"),
            "\"op-0001\""
        );
        assert!(serde_json::from_str::<OperatorId>("\"op 1\"").is_err());
    }

    #[test]
    fn debug_output_never_shows_a_password_or_hash() {
        let profile = OperatorProfile {
            id: OperatorId::parse("op-0001").expect("valid"),
            name: "Operadora Demo".into(),
            id_number: "A-0001".into(),
            credential: Credential::DemoPassword("s3cret-demo".into()),
            zoom_user: None,
        };
        let shown = format!("{profile:?}");
        assert!(!shown.contains("s3cret-demo"), "{shown}");
        let hash = Credential::PasswordHash("$argon2id$v=19$m=19456,t=2,p=1$salt$hash".into());
        assert_eq!(format!("{hash:?}"), "PasswordHash(<redacted>)");
    }
}
