//! The taxpayer's typed text (name, contrast datum) and the one check every
//! free-text field shares: no character that changes how the next reader sees
//! the text without being seen itself.
//!
//! Bidirectional controls (U+202E turns "exe.txt" into "txt.exe") and
//! invisible format characters (zero-width spaces, word joiners, the BOM, soft
//! hyphens, Unicode category Cf generally) let one text look like another on
//! an operator's screen; the line and paragraph separators break lines where
//! none is shown. They are refused, never stripped, so what is kept is what
//! was typed.

use std::fmt;

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Why a typed text is refused; the message starts with the field's name,
/// which the join page uses to put it beside the right input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// Empty once trimmed, or longer than allowed (in characters).
    #[error("{field} must be 1 to {max} characters")]
    Length {
        /// The field, as named in the API.
        field: &'static str,
        /// The limit, in characters.
        max: usize,
    },
    /// A control character (NUL, escape, a line break in a one-line field…).
    #[error("{field} must not hold control characters")]
    ControlCharacter {
        /// The field, as named in the API.
        field: &'static str,
    },
    /// A bidirectional control or an invisible format character.
    #[error("{field} must not hold invisible or bidirectional formatting characters (found U+{code_point:04X})")]
    FormatCharacter {
        /// The field, as named in the API.
        field: &'static str,
        /// The character refused, as a number: safe to show and to log.
        code_point: u32,
    },
}

/// Whether `character` is a bidirectional control or an invisible format
/// character: everything of category Cf (which holds U+200B–U+200F,
/// U+202A–U+202E, U+2060–U+2069, U+FEFF, U+00AD, U+061C and the tag
/// characters), plus the line and paragraph separators U+2028 and U+2029.
pub fn is_format_character(character: char) -> bool {
    matches!(character, '\u{2028}' | '\u{2029}')
        || character.general_category() == GeneralCategory::Format
}

/// The first character of `text` that no text field may hold, as a refusal.
pub fn refuse_format_characters(field: &'static str, text: &str) -> Result<(), TextError> {
    match text
        .chars()
        .find(|character| is_format_character(*character))
    {
        Some(character) => Err(TextError::FormatCharacter {
            field,
            code_point: u32::from(character),
        }),
        None => Ok(()),
    }
}

/// A one-line field: trimmed, 1 to `max` characters, no control characters
/// and no format characters.
fn one_line(field: &'static str, text: &str, max: usize) -> Result<String, TextError> {
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed.chars().count() > max {
        return Err(TextError::Length { field, max });
    }
    if trimmed.chars().any(char::is_control) {
        return Err(TextError::ControlCharacter { field });
    }
    refuse_format_characters(field, trimmed)?;
    Ok(trimmed.to_owned())
}

/// The name a joining taxpayer gives, as the operator will read it.
#[derive(Clone, PartialEq, Eq)]
pub struct TaxpayerName(String);

impl TaxpayerName {
    /// The most characters a name may hold.
    pub const MAX_CHARS: usize = 200;

    /// Checks and trims the name.
    pub fn parse(text: &str) -> Result<TaxpayerName, TextError> {
        one_line("name", text, Self::MAX_CHARS).map(TaxpayerName)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Debug for TaxpayerName {
    // A name is personal data: Debug gives the length only.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "TaxpayerName({} chars)", self.0.chars().count())
    }
}

/// The "Fecha/Dato de contraste" a joining taxpayer types, before it is
/// compared with the directory.
#[derive(Clone, PartialEq, Eq)]
pub struct ContrastDatum(String);

impl ContrastDatum {
    /// The most characters a contrast datum may hold.
    pub const MAX_CHARS: usize = 100;

    /// Checks and trims the datum.
    pub fn parse(text: &str) -> Result<ContrastDatum, TextError> {
        one_line("contrast", text, Self::MAX_CHARS).map(ContrastDatum)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ContrastDatum {
    // The contrast datum is a secret of sorts: never in a log.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "ContrastDatum({} chars)", self.0.chars().count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every character the contract names (API.md, v1.1).
    const DECEPTIVE: [char; 25] = [
        '\u{202A}',
        '\u{202B}',
        '\u{202C}',
        '\u{202D}',
        '\u{202E}',
        '\u{2066}',
        '\u{2067}',
        '\u{2068}',
        '\u{2069}',
        '\u{200E}',
        '\u{200F}',
        '\u{061C}',
        '\u{200B}',
        '\u{200C}',
        '\u{200D}',
        '\u{2060}',
        '\u{2061}',
        '\u{2062}',
        '\u{2063}',
        '\u{2064}',
        '\u{FEFF}',
        '\u{2028}',
        '\u{2029}',
        '\u{00AD}',
        '\u{E0041}',
    ];

    #[test]
    fn every_bidi_control_and_invisible_format_character_is_refused_in_a_name() {
        for character in DECEPTIVE {
            let error = TaxpayerName::parse(&format!("ANA{character}GARCIA")).expect_err("refused");
            assert_eq!(
                error,
                TextError::FormatCharacter {
                    field: "name",
                    code_point: u32::from(character)
                },
                "U+{:04X}",
                u32::from(character)
            );
            assert!(error.to_string().starts_with("name "), "{error}");
        }
    }

    #[test]
    fn ordinary_spanish_names_are_kept_trimmed() {
        let name = TaxpayerName::parse("  José Ñúñez-O'Connor d'Àvila ").expect("valid");
        assert_eq!(name.as_str(), "José Ñúñez-O'Connor d'Àvila");
        assert_eq!(format!("{name:?}"), "TaxpayerName(27 chars)");
    }

    #[test]
    fn a_contrast_datum_refuses_control_and_format_characters_naming_its_field() {
        for bad in [
            "31-12\u{0}-2030",
            "31-12-2030\u{1b}",
            "a\tb",
            "31\u{202E}-12-2030",
            "\u{FEFF}x",
        ] {
            let error = ContrastDatum::parse(bad).expect_err("refused");
            assert!(
                error.to_string().starts_with("contrast "),
                "{bad:?}: {error}"
            );
        }
        assert_eq!(
            ContrastDatum::parse(" 31-12-2030 ")
                .expect("valid")
                .as_str(),
            "31-12-2030"
        );
        assert_eq!(
            ContrastDatum::parse(&"x".repeat(101)),
            Err(TextError::Length {
                field: "contrast",
                max: 100
            })
        );
    }
}
