//! Taxpayer identity checks at join time: any valid NIF, or NIF and contrast datum
//! against a directory.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use jiff::civil::Date;
use serde::Deserialize;

use super::nif::{Nif, NifError};

/// How a joining taxpayer's identity is checked.
#[derive(Clone, Debug)]
pub enum IdentityCheck {
    /// Any NIF/NIE with a valid check letter is accepted (the demo and load tests).
    AnyValidNif,
    /// The NIF must be in the directory and the contrast datum must match its entry.
    Directory(Directory),
}

/// Why a taxpayer was not let in, or a directory could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// Unknown NIF or wrong contrast datum: one error for both, so it is no oracle.
    #[error("the NIF/NIE and contrast datum could not be verified")]
    NotVerified,
    /// The directory file could not be read.
    #[error("cannot read the taxpayer directory {}: {source}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The reason.
        source: std::io::Error,
    },
    /// The directory file is not valid TOML of the expected shape.
    #[error("the taxpayer directory {} is invalid: {message}", .path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The TOML error, naming the key and line.
        message: String,
    },
    /// An entry's NIF is invalid; the entry is named by index, its data stays out.
    #[error("{}: taxpayers[{index}].nif: {source}", .path.display())]
    BadNif {
        /// The file.
        path: PathBuf,
        /// The entry's position, from 0.
        index: usize,
        /// Why the NIF is invalid.
        source: NifError,
    },
    /// Two entries share a NIF.
    #[error("{}: taxpayers[{index}].nif repeats an earlier entry's NIF", .path.display())]
    DuplicateNif {
        /// The file.
        path: PathBuf,
        /// The later entry's position, from 0.
        index: usize,
    },
    /// An entry has an empty contrast datum, which anyone could match.
    #[error("{}: taxpayers[{index}].contrast is empty", .path.display())]
    EmptyContrast {
        /// The file.
        path: PathBuf,
        /// The entry's position, from 0.
        index: usize,
    },
}

impl IdentityCheck {
    /// Checks a joining taxpayer's NIF and contrast datum.
    pub fn verify(&self, nif: &Nif, contrast: &str) -> Result<(), IdentityError> {
        match self {
            IdentityCheck::AnyValidNif => Ok(()),
            IdentityCheck::Directory(directory) => directory.verify(nif, contrast),
        }
    }

    /// The taxpayer's name in the directory, if there is one.
    pub fn name_of(&self, nif: &Nif) -> Option<&str> {
        match self {
            IdentityCheck::AnyValidNif => None,
            IdentityCheck::Directory(directory) => directory.name_of(nif),
        }
    }
}

/// Known taxpayers with their names and contrast data.
#[derive(Clone)]
pub struct Directory {
    taxpayers: HashMap<Nif, Taxpayer>,
}

#[derive(Clone)]
struct Taxpayer {
    name: String,
    contrast: Contrast,
}

/// A contrast datum ready for comparison.
#[derive(Clone, PartialEq, Eq)]
struct Contrast {
    /// Lowercase, trimmed, inner whitespace collapsed to one space.
    text: String,
    /// The date it spells, in any accepted format.
    date: Option<Date>,
}

impl Contrast {
    fn new(raw: &str) -> Contrast {
        let text = raw
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        let date = parse_date(&text);
        Contrast { text, date }
    }

    fn matches(&self, other: &Contrast) -> bool {
        match (self.date, other.date) {
            (Some(mine), Some(theirs)) => mine == theirs,
            _ => self.text == other.text,
        }
    }
}

/// Reads dd-mm-yyyy, dd/mm/yyyy or yyyy-mm-dd (also yyyy/mm/dd).
fn parse_date(text: &str) -> Option<Date> {
    let separator = if text.contains('/') { '/' } else { '-' };
    let parts: Vec<&str> = text.split(separator).collect();
    let [first, second, third] = parts.as_slice() else {
        return None;
    };
    let number = |part: &str, max_len: usize| -> Option<i16> {
        let digits = !part.is_empty() && part.len() <= max_len;
        if digits && part.bytes().all(|byte| byte.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let (year, month, day) = if first.len() == 4 {
        (number(first, 4)?, number(second, 2)?, number(third, 2)?)
    } else if third.len() == 4 {
        (number(third, 4)?, number(second, 2)?, number(first, 2)?)
    } else {
        return None;
    };
    Date::new(year, i8::try_from(month).ok()?, i8::try_from(day).ok()?).ok()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDirectory {
    #[serde(default)]
    taxpayers: Vec<RawTaxpayer>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTaxpayer {
    nif: String,
    name: String,
    contrast: String,
}

impl Directory {
    /// Loads a directory from a TOML file of `[[taxpayers]]` with `nif`, `name` and
    /// `contrast` (a date such as "31-12-2030", or a short text).
    pub fn load(path: &Path) -> Result<Directory, IdentityError> {
        let text = std::fs::read_to_string(path).map_err(|source| IdentityError::Read {
            path: path.to_owned(),
            source,
        })?;
        Directory::from_toml_str(&text, path)
    }

    /// Parses a directory from TOML text; `path` only names it in errors.
    pub fn from_toml_str(text: &str, path: &Path) -> Result<Directory, IdentityError> {
        let raw: RawDirectory = toml::from_str(text).map_err(|error| IdentityError::Parse {
            path: path.to_owned(),
            message: error.to_string(),
        })?;
        let mut taxpayers = HashMap::with_capacity(raw.taxpayers.len());
        for (index, entry) in raw.taxpayers.into_iter().enumerate() {
            let nif = Nif::parse(&entry.nif).map_err(|source| IdentityError::BadNif {
                path: path.to_owned(),
                index,
                source,
            })?;
            let contrast = Contrast::new(&entry.contrast);
            if contrast.text.is_empty() {
                return Err(IdentityError::EmptyContrast {
                    path: path.to_owned(),
                    index,
                });
            }
            let taxpayer = Taxpayer {
                name: entry.name.trim().to_owned(),
                contrast,
            };
            if taxpayers.insert(nif, taxpayer).is_some() {
                return Err(IdentityError::DuplicateNif {
                    path: path.to_owned(),
                    index,
                });
            }
        }
        Ok(Directory { taxpayers })
    }

    /// Checks that the NIF is known and the contrast datum matches its entry.
    pub fn verify(&self, nif: &Nif, contrast: &str) -> Result<(), IdentityError> {
        let given = Contrast::new(contrast);
        match self.taxpayers.get(nif) {
            Some(taxpayer) if taxpayer.contrast.matches(&given) => Ok(()),
            _ => Err(IdentityError::NotVerified),
        }
    }

    /// The taxpayer's name, e.g. "CERTIFICADO DOS TELEMATICA".
    pub fn name_of(&self, nif: &Nif) -> Option<&str> {
        self.taxpayers
            .get(nif)
            .map(|taxpayer| taxpayer.name.as_str())
    }

    /// How many taxpayers it knows.
    pub fn len(&self) -> usize {
        self.taxpayers.len()
    }

    /// Whether it knows no taxpayer.
    pub fn is_empty(&self) -> bool {
        self.taxpayers.is_empty()
    }
}

impl fmt::Debug for Directory {
    // NIFs, names and contrast data are personal: Debug gives the size only.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "Directory({} taxpayers)", self.taxpayers.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEMO: &str = r#"
        [[taxpayers]]
        nif = "89890002E"
        name = "CERTIFICADO DOS TELEMATICA"
        contrast = "31-12-2030"

        [[taxpayers]]
        nif = "X1234567L"
        name = "DEMO NIE"
        contrast = "  Soporte   ABC123 "
    "#;

    fn demo() -> Directory {
        Directory::from_toml_str(DEMO, Path::new("demo.toml")).expect("valid directory")
    }

    fn nif(text: &str) -> Nif {
        Nif::parse(text).expect("valid NIF")
    }

    #[test]
    fn a_date_contrast_matches_in_any_accepted_format() {
        let directory = demo();
        for given in ["31-12-2030", "31/12/2030", "2030-12-31", " 31/12/2030 "] {
            assert!(
                directory.verify(&nif("89890002E"), given).is_ok(),
                "{given}"
            );
        }
        assert_eq!(
            directory.name_of(&nif("89890002E")),
            Some("CERTIFICADO DOS TELEMATICA")
        );
    }

    #[test]
    fn a_text_contrast_matches_ignoring_case_and_spacing() {
        assert!(demo().verify(&nif("x1234567l"), "soporte abc123").is_ok());
        assert!(demo().verify(&nif("X1234567L"), "soporteabc123").is_err());
    }

    #[test]
    fn a_wrong_contrast_is_not_verified() {
        let error = demo()
            .verify(&nif("89890002E"), "30-12-2030")
            .expect_err("wrong date");
        assert!(matches!(error, IdentityError::NotVerified));
    }

    #[test]
    fn an_unknown_nif_gets_the_same_error_as_a_wrong_contrast() {
        let unknown = demo()
            .verify(&nif("12345678Z"), "31-12-2030")
            .expect_err("unknown");
        let wrong = demo().verify(&nif("89890002E"), "nope").expect_err("wrong");
        assert_eq!(unknown.to_string(), wrong.to_string());
    }

    #[test]
    fn any_valid_nif_mode_lets_everyone_in() {
        assert!(IdentityCheck::AnyValidNif
            .verify(&nif("12345678Z"), "")
            .is_ok());
    }

    #[test]
    fn a_bad_nif_in_the_directory_names_the_entry_but_not_the_data() {
        let text = DEMO.replace("X1234567L", "X1234567A");
        let error = Directory::from_toml_str(&text, Path::new("t.toml")).expect_err("bad NIF");
        let message = error.to_string();
        assert!(message.contains("t.toml: taxpayers[1].nif"), "{message}");
        assert!(!message.contains("X1234567"), "{message}");
    }

    #[test]
    fn a_repeated_nif_or_an_empty_contrast_is_refused() {
        let repeated = DEMO.replace("X1234567L", "89890002E");
        assert!(matches!(
            Directory::from_toml_str(&repeated, Path::new("t.toml")),
            Err(IdentityError::DuplicateNif { index: 1, .. })
        ));
        let empty = DEMO.replace("31-12-2030", " ");
        assert!(matches!(
            Directory::from_toml_str(&empty, Path::new("t.toml")),
            Err(IdentityError::EmptyContrast { index: 0, .. })
        ));
    }

    #[test]
    fn an_unknown_key_or_a_missing_file_is_refused() {
        let extra = DEMO.replace("name = \"DEMO NIE\"", "name = \"DEMO NIE\"\nbirth = \"x\"");
        let error = Directory::from_toml_str(&extra, Path::new("t.toml")).expect_err("unknown key");
        assert!(error.to_string().contains("birth"), "{error}");
        let missing = Directory::load(Path::new("/nonexistent/taxpayers.toml"));
        assert!(matches!(missing, Err(IdentityError::Read { .. })));
    }

    #[test]
    fn the_shipped_demo_directory_loads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/taxpayers.demo.toml");
        let directory = Directory::load(&path).expect("the demo directory loads");
        assert!((4..=6).contains(&directory.len()));
        assert_eq!(
            directory.name_of(&nif("89890002E")),
            Some("CERTIFICADO DOS TELEMATICA")
        );
    }
}
