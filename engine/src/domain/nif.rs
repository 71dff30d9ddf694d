//! The NIF/NIE: a Spanish tax identification number, valid only with its check letter.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Check letters, indexed by the number modulo 23 (Real Decreto 1553/2005).
const CHECK_LETTERS: &[u8; 23] = b"TRWAGMYFPDXBNJZSQVHLCKE";

/// A validated NIF (DNI) or NIE, always in its normalized 9-character uppercase form.
///
/// `Nif::parse` is the only way to get one. `Display` shows the whole number (for the
/// consoles); `Debug` masks it, because NIFs must never reach logs.
///
/// Held inline as its nine ASCII bytes: a million waiting tickets each carry one
/// in their record, snapshot and queue index, so no heap allocation per copy.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Nif([u8; 9]);

/// Why a text is not a NIF/NIE.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NifError {
    /// Not 9 characters once spaces and hyphens are removed.
    #[error("a NIF/NIE has 9 characters, found {found}")]
    WrongLength {
        /// The number of characters left after normalisation.
        found: usize,
    },
    /// The check letter does not match the number. The expected letter stays out of the
    /// message: showing it would let anyone forge a valid NIF by trial.
    #[error("the check letter does not match")]
    WrongLetter {
        /// The letter the number calls for; for tests, never for display.
        expected: char,
    },
    /// Starts with a letter other than X, Y or Z.
    #[error("a NIF starts with a digit and a NIE with X, Y or Z")]
    BadPrefix,
    /// A character where a digit or the final letter should be.
    #[error("a NIF/NIE holds seven or eight digits and ends with a letter")]
    BadCharacter,
}

impl Nif {
    /// Parses a DNI (8 digits and a letter) or a NIE (X, Y or Z, 7 digits and a letter),
    /// ignoring case, spaces and hyphens ("12345678-z" is accepted).
    pub fn parse(text: &str) -> Result<Nif, NifError> {
        let normalized: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let found = normalized.chars().count();
        if found != 9 {
            return Err(NifError::WrongLength { found });
        }
        // Nine characters and, below, all of them ASCII: byte indexing is safe from here.
        if !normalized.is_ascii() {
            return Err(NifError::BadCharacter);
        }
        let bytes = normalized.as_bytes();
        let prefix_digit = match bytes[0] {
            b'0'..=b'9' => bytes[0] - b'0',
            b'X' => 0,
            b'Y' => 1,
            b'Z' => 2,
            b'A'..=b'W' => return Err(NifError::BadPrefix),
            _ => return Err(NifError::BadCharacter),
        };
        let mut number = u32::from(prefix_digit);
        for &byte in &bytes[1..8] {
            if !byte.is_ascii_digit() {
                return Err(NifError::BadCharacter);
            }
            number = number * 10 + u32::from(byte - b'0');
        }
        let letter = bytes[8];
        if !letter.is_ascii_uppercase() {
            return Err(NifError::BadCharacter);
        }
        let expected = char::from(CHECK_LETTERS[(number % 23) as usize]);
        if char::from(letter) != expected {
            return Err(NifError::WrongLetter { expected });
        }
        let mut inline = [0u8; 9];
        inline.copy_from_slice(bytes);
        Ok(Nif(inline))
    }

    /// The normalized form, e.g. "89890002E".
    pub fn as_str(&self) -> &str {
        // unwrap-free: parse() only stores nine checked ASCII bytes.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The number with its first four characters hidden ("****0002E"): enough to tell
    /// two taxpayers apart in a trace, not enough to identify one.
    pub fn masked(&self) -> String {
        format!("****{}", &self.as_str()[4..])
    }

    /// Whether this is a NIE (foreigner's number, starting with X, Y or Z).
    pub fn is_nie(&self) -> bool {
        matches!(self.0[0], b'X' | b'Y' | b'Z')
    }
}

impl fmt::Display for Nif {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl fmt::Debug for Nif {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "Nif({})", self.masked())
    }
}

impl std::str::FromStr for Nif {
    type Err = NifError;

    fn from_str(text: &str) -> Result<Nif, NifError> {
        Nif::parse(text)
    }
}

impl Serialize for Nif {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Nif {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Nif, D::Error> {
        let text = String::deserialize(deserializer)?;
        // The error names the reason, never the text: it may be a real NIF.
        Nif::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check_letter(number: u32) -> char {
        char::from(CHECK_LETTERS[(number % 23) as usize])
    }

    /// Scrambles case and sprinkles spaces and hyphens, as people type.
    fn scramble(text: &str, noise: &[u8]) -> String {
        let mut out = String::new();
        for (index, character) in text.chars().enumerate() {
            let roll = noise.get(index).copied().unwrap_or(0);
            out.push(if roll % 2 == 0 {
                character.to_ascii_lowercase()
            } else {
                character
            });
            match roll % 7 {
                3 => out.push(' '),
                5 => out.push('-'),
                _ => {}
            }
        }
        format!(" {out} ")
    }

    proptest! {
        #[test]
        fn every_valid_dni_parses_however_it_is_typed(
            number in 0u32..100_000_000,
            noise in proptest::collection::vec(any::<u8>(), 9),
        ) {
            let canonical = format!("{number:08}{}", check_letter(number));
            let nif = Nif::parse(&scramble(&canonical, &noise));
            prop_assert_eq!(nif.map(|nif| nif.as_str().to_owned()), Ok(canonical));
        }

        #[test]
        fn every_valid_nie_parses_however_it_is_typed(
            prefix in 0u32..3,
            number in 0u32..10_000_000,
            noise in proptest::collection::vec(any::<u8>(), 9),
        ) {
            let letter = check_letter(prefix * 10_000_000 + number);
            let prefix_letter = ['X', 'Y', 'Z'][prefix as usize];
            let canonical = format!("{prefix_letter}{number:07}{letter}");
            let nif = Nif::parse(&scramble(&canonical, &noise));
            prop_assert_eq!(nif.map(|nif| nif.as_str().to_owned()), Ok(canonical));
        }

        #[test]
        fn every_other_check_letter_is_refused(number in 0u32..100_000_000, wrong in b'A'..=b'Z') {
            let expected = check_letter(number);
            prop_assume!(char::from(wrong) != expected);
            let text = format!("{number:08}{}", char::from(wrong));
            prop_assert_eq!(Nif::parse(&text), Err(NifError::WrongLetter { expected }));
        }
    }

    #[test]
    fn the_guides_demo_nif_is_valid() {
        let nif = Nif::parse("89890002E").expect("the guide's NIF");
        assert_eq!(nif.as_str(), "89890002E");
        assert!(!nif.is_nie());
    }

    #[test]
    fn a_dni_with_a_lowercase_letter_and_a_hyphen_is_normalized() {
        let nif = Nif::parse("12345678-z").expect("valid");
        assert_eq!(nif.to_string(), "12345678Z");
    }

    #[test]
    fn a_nie_is_recognised() {
        let nif = Nif::parse("x1234567l").expect("valid");
        assert_eq!(nif.as_str(), "X1234567L");
        assert!(nif.is_nie());
    }

    #[test]
    fn a_dni_with_the_wrong_letter_is_refused_without_revealing_the_right_one() {
        let error = Nif::parse("12345678A").expect_err("wrong letter");
        assert_eq!(error, NifError::WrongLetter { expected: 'Z' });
        assert!(!error.to_string().contains('Z'));
    }

    #[test]
    fn a_number_of_the_wrong_length_is_refused() {
        assert_eq!(
            Nif::parse("1234567Z"),
            Err(NifError::WrongLength { found: 8 })
        );
        assert_eq!(Nif::parse(""), Err(NifError::WrongLength { found: 0 }));
    }

    #[test]
    fn a_nie_with_an_unknown_prefix_is_refused() {
        assert_eq!(Nif::parse("A1234567L"), Err(NifError::BadPrefix));
    }

    #[test]
    fn a_letter_among_the_digits_is_refused() {
        assert_eq!(Nif::parse("1234O678Z"), Err(NifError::BadCharacter));
        assert_eq!(Nif::parse("123456789"), Err(NifError::BadCharacter));
        assert_eq!(Nif::parse("1234567ñZ"), Err(NifError::BadCharacter));
    }

    #[test]
    fn debug_masks_the_number() {
        let nif = Nif::parse("89890002E").expect("valid");
        assert_eq!(format!("{nif:?}"), "Nif(****0002E)");
    }

    #[test]
    fn serde_round_trips_and_refuses_invalid_numbers() {
        let nif = Nif::parse("Y2345678Z").expect("valid");
        let json = serde_json::to_string(&nif).expect("serializes");
        assert_eq!(json, "\"Y2345678Z\"");
        assert_eq!(serde_json::from_str::<Nif>(&json).expect("parses"), nif);
        assert!(serde_json::from_str::<Nif>("\"Y2345678A\"").is_err());
    }
}
