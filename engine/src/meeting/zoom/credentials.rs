//! The Server-to-Server OAuth app's credentials, read from the environment only
//! and never printed: `Debug` redacts the client secret.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// Environment variable holding the Zoom account id.
pub const ACCOUNT_ID_VAR: &str = "ZOOM_ACCOUNT_ID";
/// Environment variable holding the OAuth app's client id.
pub const CLIENT_ID_VAR: &str = "ZOOM_CLIENT_ID";
/// Environment variable holding the OAuth app's client secret.
pub const CLIENT_SECRET_VAR: &str = "ZOOM_CLIENT_SECRET";

/// Some required environment variables are missing or empty. Names only: the
/// values never reach a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("missing or empty environment variables for zoom: {}", names.join(", "))]
pub struct CredentialsError {
    /// The variables to set.
    pub names: Vec<&'static str>,
}

/// A secret text: compared and sent, never shown.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(Arc<str>);

impl Secret {
    pub(crate) fn new(value: &str) -> Secret {
        Secret(value.into())
    }

    /// The secret itself, for the one place that sends it.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("<redacted>")
    }
}

/// Account id, client id and client secret of Zoom's Server-to-Server OAuth app.
#[derive(Clone)]
pub struct ZoomCredentials {
    account_id: String,
    client_id: String,
    client_secret: Secret,
}

impl ZoomCredentials {
    /// Credentials given directly (tests; production uses [`ZoomCredentials::from_env`]).
    pub fn new(account_id: &str, client_id: &str, client_secret: &str) -> ZoomCredentials {
        ZoomCredentials {
            account_id: account_id.trim().to_owned(),
            client_id: client_id.trim().to_owned(),
            client_secret: Secret::new(client_secret.trim()),
        }
    }

    /// Reads `ZOOM_ACCOUNT_ID`, `ZOOM_CLIENT_ID` and `ZOOM_CLIENT_SECRET` from `env`
    /// (pass `std::env::vars().collect()` in production). Names every missing one.
    pub fn from_env(env: &HashMap<String, String>) -> Result<ZoomCredentials, CredentialsError> {
        let names = [ACCOUNT_ID_VAR, CLIENT_ID_VAR, CLIENT_SECRET_VAR];
        let missing: Vec<&'static str> = names
            .into_iter()
            .filter(|name| env.get(*name).is_none_or(|value| value.trim().is_empty()))
            .collect();
        if !missing.is_empty() {
            return Err(CredentialsError { names: missing });
        }
        // unwrap-free: every name was just checked to be present.
        let value = |name: &str| env.get(name).map(String::as_str).unwrap_or_default();
        Ok(ZoomCredentials::new(
            value(ACCOUNT_ID_VAR),
            value(CLIENT_ID_VAR),
            value(CLIENT_SECRET_VAR),
        ))
    }

    /// The Zoom account the app belongs to.
    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    /// The app's client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    pub(crate) fn client_secret(&self) -> &Secret {
        &self.client_secret
    }
}

impl fmt::Debug for ZoomCredentials {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("ZoomCredentials")
            .field("account_id", &self.account_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    }

    #[test]
    fn credentials_come_from_the_three_variables() {
        let credentials = ZoomCredentials::from_env(&env(&[
            (ACCOUNT_ID_VAR, "acc"),
            (CLIENT_ID_VAR, " client "),
            (CLIENT_SECRET_VAR, "s3cret"),
        ]))
        .expect("complete environment");
        assert_eq!(credentials.account_id(), "acc");
        assert_eq!(credentials.client_id(), "client");
        assert_eq!(credentials.client_secret().expose(), "s3cret");
    }

    #[test]
    fn every_missing_or_empty_variable_is_named() {
        let error = ZoomCredentials::from_env(&env(&[
            (CLIENT_ID_VAR, "client"),
            (CLIENT_SECRET_VAR, "  "),
        ]))
        .expect_err("incomplete environment");
        assert_eq!(error.names, vec![ACCOUNT_ID_VAR, CLIENT_SECRET_VAR]);
        assert!(error
            .to_string()
            .contains("ZOOM_ACCOUNT_ID, ZOOM_CLIENT_SECRET"));
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let credentials = ZoomCredentials::new("acc", "client", "s3cret");
        let shown = format!("{credentials:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("<redacted>"));
    }
}
