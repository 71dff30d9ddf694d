//! Reading the configuration file and its environment overrides.
//!
//! One file holds the engine's sections and those of the program around it
//! (its *host*: the gateway's `[server]`, `[auth]`, `[limits]`). The file is
//! parsed once; each top-level section is handed to its owner, which
//! refuses its own unknown keys (`deny_unknown_fields`), and a top-level
//! name that nobody owns is refused here. serde's `flatten` cannot do this:
//! it does not work with `deny_unknown_fields`. Parsing straight from the
//! text keeps toml's messages whole: the key, the line, the column.

use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;
use std::path::Path;

use serde::de::value::{Error as ValueError, StrDeserializer};
use serde::de::{DeserializeOwned, DeserializeSeed, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::{Config, ConfigError, ENV_PREFIX, ENV_VARIABLES, SECTIONS};

/// The sections of the file, and the overrides, that belong to the program
/// around the engine. `()` is the engine alone: no host section, so
/// `[server]` is an unknown key.
pub trait HostSections: Default {
    /// Every top-level section of the file, the host's and the engine's
    /// ([`SECTIONS`]), in the order an unknown section's error lists them.
    const ALL_SECTIONS: &'static [&'static str];
    /// Every `VENTANILLA_*` override, the host's and the engine's
    /// ([`ENV_VARIABLES`]), in the order an unknown variable's error lists them.
    const ALL_VARIABLES: &'static [&'static str];

    /// Reads the value of top-level section `section` from `map` if it is the
    /// host's; `Ok(false)` (nothing read) if it is not.
    fn read_section<'de, A: MapAccess<'de>>(
        &mut self,
        section: &str,
        map: &mut A,
    ) -> Result<bool, A::Error>;

    /// Applies override `name` (never empty `value`) if it is the host's;
    /// `Ok(false)` if it is not. See [`override_number`], [`override_keyword`].
    fn apply_variable(&mut self, name: &str, value: &str) -> Result<bool, ConfigError>;
}

impl HostSections for () {
    const ALL_SECTIONS: &'static [&'static str] = &SECTIONS;
    const ALL_VARIABLES: &'static [&'static str] = &ENV_VARIABLES;

    fn read_section<'de, A: MapAccess<'de>>(
        &mut self,
        _: &str,
        _: &mut A,
    ) -> Result<bool, A::Error> {
        Ok(false)
    }

    fn apply_variable(&mut self, _: &str, _: &str) -> Result<bool, ConfigError> {
        Ok(false)
    }
}

impl Config {
    /// Parses configuration text holding the engine's sections only.
    /// Unknown keys are refused, naming the key.
    pub fn from_toml_str(text: &str) -> Result<Config, ConfigError> {
        Config::with_host_from_toml_str::<()>(text).map(|(config, ())| config)
    }

    /// Parses configuration text holding the engine's sections and `H`'s.
    pub fn with_host_from_toml_str<H: HostSections>(
        text: &str,
    ) -> Result<(Config, H), ConfigError> {
        parse_with_host(text, "configuration")
    }

    /// Reads a configuration file of the engine's sections, then applies the
    /// `VENTANILLA_*` overrides found in `env` (pass
    /// `std::env::vars().collect()` in production).
    pub fn load(path: &Path, env: &HashMap<String, String>) -> Result<Config, ConfigError> {
        Config::load_with_host::<()>(path, env).map(|(config, ())| config)
    }

    /// Reads a configuration file of the engine's sections and `H`'s, then
    /// applies the overrides in `env`, `H`'s among them.
    pub fn load_with_host<H: HostSections>(
        path: &Path,
        env: &HashMap<String, String>,
    ) -> Result<(Config, H), ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let (mut config, mut host) = parse_with_host::<H>(&text, &path.display().to_string())?;
        config.apply_env_with_host(&mut host, env)?;
        Ok((config, host))
    }

    /// Applies the `VENTANILLA_<SECTION>_<KEY>` overrides of the engine's keys
    /// (see `ENV_VARIABLES`); other variables are ignored, other
    /// `VENTANILLA_*` ones refused.
    pub fn apply_env(&mut self, env: &HashMap<String, String>) -> Result<(), ConfigError> {
        self.apply_env_with_host(&mut (), env)
    }

    /// Applies the overrides of the engine's keys and of `host`'s; other
    /// `VENTANILLA_*` variables are refused, listing every override there is.
    pub fn apply_env_with_host<H: HostSections>(
        &mut self,
        host: &mut H,
        env: &HashMap<String, String>,
    ) -> Result<(), ConfigError> {
        let mut names: Vec<&String> = env
            .keys()
            .filter(|name| name.starts_with(ENV_PREFIX))
            .collect();
        // Sorted so that, with several bad variables, the error is always the
        // same one, whichever of engine and host owns them.
        names.sort();
        for name in names {
            let unknown = || ConfigError::UnknownVariable {
                name: name.clone(),
                known: H::ALL_VARIABLES,
            };
            if !H::ALL_VARIABLES.contains(&name.as_str()) {
                return Err(unknown());
            }
            let value = env[name].trim();
            if value.is_empty() {
                return Err(ConfigError::BadVariable {
                    name: name.clone(),
                    reason: "empty value".into(),
                });
            }
            if !self.apply_variable(name, value)? && !host.apply_variable(name, value)? {
                return Err(unknown());
            }
        }
        Ok(())
    }

    /// Applies one of the engine's overrides; `Ok(false)` if `name` is not one.
    fn apply_variable(&mut self, name: &str, value: &str) -> Result<bool, ConfigError> {
        match name {
            "VENTANILLA_STORE_URL" => self.store.url = value.to_owned(),
            "VENTANILLA_IDENTITY_MODE" => self.identity.mode = override_keyword(name, value)?,
            "VENTANILLA_IDENTITY_DIRECTORY" => self.identity.directory = Some(value.into()),
            "VENTANILLA_DISPATCH_INTERRUPT_MARGIN_MINUTES" => {
                self.dispatch.interrupt_margin_minutes = override_number(name, value)?
            }
            "VENTANILLA_MEETINGS_PROVIDER" => {
                self.meetings.provider = override_keyword(name, value)?
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Reads the value of one of the engine's top-level sections; `Ok(false)`
    /// (nothing read) if `section` is not one of them.
    fn read_section<'de, A: MapAccess<'de>>(
        &mut self,
        section: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        match section {
            "store" => self.store = map.next_value()?,
            "identity" => self.identity = map.next_value()?,
            "calendar" => self.calendar = map.next_value()?,
            "dispatch" => self.dispatch = map.next_value()?,
            "services" => self.services = map.next_value()?,
            "operators" => self.operators = map.next_value()?,
            "meetings" => self.meetings = map.next_value()?,
            "presence" => self.presence = map.next_value()?,
            "retention" => self.retention = map.next_value()?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// An override's value as a whole number; the error names the variable and
/// does not repeat the value.
pub fn override_number(name: &str, value: &str) -> Result<u32, ConfigError> {
    value.parse().map_err(|_| ConfigError::BadVariable {
        name: name.to_owned(),
        reason: "expected a whole number from 0 to 4294967295".into(),
    })
}

/// An override's value as a snake_case keyword ("trusted_header") of enum
/// `T`, through serde, so the accepted words are exactly those of the file.
pub fn override_keyword<T: DeserializeOwned>(name: &str, value: &str) -> Result<T, ConfigError> {
    T::deserialize(StrDeserializer::<ValueError>::new(value)).map_err(|error| {
        ConfigError::BadVariable {
            name: name.to_owned(),
            reason: error.to_string(),
        }
    })
}

/// toml's message (key, line, column), and where the text came from.
fn parse_error(error: toml::de::Error, origin: &str) -> ConfigError {
    ConfigError::Parse {
        origin: origin.to_owned(),
        message: error.to_string().trim_end().to_owned(),
    }
}

fn parse_with_host<H: HostSections>(text: &str, origin: &str) -> Result<(Config, H), ConfigError> {
    let deserializer =
        toml::Deserializer::parse(text).map_err(|error| parse_error(error, origin))?;
    FileSeed::<H>(PhantomData)
        .deserialize(deserializer)
        .map_err(|error| parse_error(error, origin))
}

impl<'de> Deserialize<'de> for Config {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Config, D::Error> {
        FileSeed::<()>(PhantomData)
            .deserialize(deserializer)
            .map(|(config, ())| config)
    }
}

/// Deserializes a whole file: the engine's sections into a [`Config`], the
/// host's into an `H`.
struct FileSeed<H>(PhantomData<H>);

impl<'de, H: HostSections> DeserializeSeed<'de> for FileSeed<H> {
    type Value = (Config, H);

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(Config, H), D::Error> {
        deserializer.deserialize_struct("Config", H::ALL_SECTIONS, self)
    }
}

impl<'de, H: HostSections> Visitor<'de> for FileSeed<H> {
    type Value = (Config, H);

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a configuration file")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(Config, H), A::Error> {
        let mut config = Config::default();
        let mut host = H::default();
        while let Some(section) = map.next_key_seed(SectionName(H::ALL_SECTIONS))? {
            if !config.read_section(section, &mut map)? && !host.read_section(section, &mut map)? {
                // Listed by the host but read by nobody: still refused by name.
                return Err(serde::de::Error::unknown_field(section, H::ALL_SECTIONS));
            }
        }
        Ok((config, host))
    }
}

/// A top-level key, which must be one of `.0`. Refused while the key is
/// read, so that toml's message points at it.
struct SectionName(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for SectionName {
    type Value = &'static str;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<&'static str, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl Visitor<'_> for SectionName {
    type Value = &'static str;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a section name")
    }

    fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<&'static str, E> {
        self.0
            .iter()
            .find(|known| **known == name)
            .copied()
            .ok_or_else(|| E::unknown_field(name, self.0))
    }
}
