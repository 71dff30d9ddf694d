//! How an attention ended: the outcome, the operator's observations and the annotation
//! that keeps both in the taxpayer's history.

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::nif::Nif;
use super::operator::OperatorId;
use super::service::ServiceCode;

/// The "Finalización" of an attention, as chosen by the operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// "Finalizada con éxito": the meeting happened normally.
    Success,
    /// "Error técnico": the taxpayer's camera, sound or Zoom failed.
    TechnicalError,
    /// "Error funcional": wrong service or missing information (e.g. no DNI at hand).
    FunctionalError,
    /// "Abandono del contribuyente": the taxpayer left the system.
    TaxpayerAbandoned,
}

impl Outcome {
    /// Every outcome, in the order of the guide's drop-down.
    pub const ALL: [Outcome; 4] = [
        Outcome::Success,
        Outcome::TechnicalError,
        Outcome::FunctionalError,
        Outcome::TaxpayerAbandoned,
    ];

    /// Parses the snake_case code, e.g. "technical_error".
    pub fn parse(code: &str) -> Option<Outcome> {
        Outcome::ALL
            .into_iter()
            .find(|outcome| outcome.as_str() == code)
    }

    /// The snake_case code used in the API, the store and metric labels.
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::TechnicalError => "technical_error",
            Outcome::FunctionalError => "functional_error",
            Outcome::TaxpayerAbandoned => "taxpayer_abandoned",
        }
    }

    /// The guide's label, e.g. "Finalizada con éxito".
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Success => "Finalizada con éxito",
            Outcome::TechnicalError => "Error técnico",
            Outcome::FunctionalError => "Error funcional",
            Outcome::TaxpayerAbandoned => "Abandono del contribuyente",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// Free text an operator (or an abandoning taxpayer) leaves about an attention, read
/// later by other operators: bounded, trimmed, with line breaks but no other control
/// characters. It still needs escaping wherever it is shown.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Observations(String);

/// Why a text cannot be kept as observations.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ObservationsError {
    /// Longer than allowed once trimmed, counted in characters.
    #[error("observations hold at most {max} characters, found {found}")]
    TooLong {
        /// The limit, in characters.
        max: usize,
        /// The characters given, after trimming.
        found: usize,
    },
    /// A control character other than a line break.
    #[error("observations may hold line breaks but no other control characters")]
    ControlCharacter,
}

impl Observations {
    /// The most characters observations may hold.
    pub const MAX_CHARS: usize = 1000;

    /// Checks and normalises the text: CRLF (as browsers send textarea content) becomes
    /// LF, then surrounding whitespace is trimmed.
    pub fn parse(text: &str) -> Result<Observations, ObservationsError> {
        let normalized = text.replace("\r\n", "\n");
        let trimmed = normalized.trim();
        let found = trimmed.chars().count();
        if found > Self::MAX_CHARS {
            return Err(ObservationsError::TooLong {
                max: Self::MAX_CHARS,
                found,
            });
        }
        if trimmed
            .chars()
            .any(|character| character.is_control() && character != '\n')
        {
            return Err(ObservationsError::ControlCharacter);
        }
        Ok(Observations(trimmed.to_owned()))
    }

    /// No observations.
    pub fn empty() -> Observations {
        Observations(String::new())
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether there is no text.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Observations {
    // Observations may name people or quote their data: logs get the length only.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "Observations({} chars)", self.0.chars().count())
    }
}

impl Serialize for Observations {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Observations {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Observations, D::Error> {
        let text = String::deserialize(deserializer)?;
        Observations::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// One finalized attention in a taxpayer's history, shown to the next operator who gets
/// that NIF ("Anotaciones sobre el contribuyente").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Annotation {
    /// When the operator finalized it (or the engine ended the ticket).
    pub at: Timestamp,
    /// Who attended; none when the ticket ended before anyone did (the
    /// taxpayer's page stopped answering while they waited).
    pub operator_id: Option<OperatorId>,
    /// The service attended.
    pub service: ServiceCode,
    /// How it ended.
    pub outcome: Outcome,
    /// What the operator wrote.
    pub observations: Observations,
    /// The represented taxpayer's NIF, where the service allows representation.
    pub represented_nif: Option<Nif>,
    /// What the taxpayer wrote when pressing Abandonar ("Observaciones (en
    /// caso de abandonar)"), shown beside the operator's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taxpayer_observations: Option<Observations>,
    /// Why the taxpayer left, when they did: pressed Abandonar or lost the
    /// connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abandon_reason: Option<crate::store::AbandonReason>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outcome_parses_from_its_code_and_has_the_guides_label() {
        for outcome in Outcome::ALL {
            assert_eq!(Outcome::parse(outcome.as_str()), Some(outcome));
            let json = serde_json::to_string(&outcome).expect("serializes");
            assert_eq!(json, format!("\"{}\"", outcome.as_str()));
        }
        assert_eq!(
            Outcome::TaxpayerAbandoned.label(),
            "Abandono del contribuyente"
        );
        assert_eq!(Outcome::Success.label(), "Finalizada con éxito");
        assert_eq!(Outcome::parse("Success"), None);
    }

    #[test]
    fn observations_are_trimmed_and_lose_their_carriage_returns() {
        let observations =
            Observations::parse("  Todo bien\r\nSin incidencias \r\n").expect("valid");
        assert_eq!(observations.as_str(), "Todo bien\nSin incidencias");
        assert!(Observations::parse(" \r\n ").expect("valid").is_empty());
    }

    #[test]
    fn observations_are_counted_in_characters_not_bytes() {
        let accented = "é".repeat(Observations::MAX_CHARS);
        assert!(Observations::parse(&accented).is_ok());
        assert_eq!(
            Observations::parse(&format!("{accented}é")),
            Err(ObservationsError::TooLong {
                max: 1000,
                found: 1001
            })
        );
    }

    #[test]
    fn observations_with_control_characters_are_refused() {
        for bad in ["a\u{0}b", "a\tb", "a\rb", "a\u{1b}[31mb", "a\u{7f}b"] {
            assert_eq!(
                Observations::parse(bad),
                Err(ObservationsError::ControlCharacter),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn observations_never_reach_debug_output() {
        let observations = Observations::parse("Juan Español").expect("valid");
        assert_eq!(format!("{observations:?}"), "Observations(12 chars)");
    }

    #[test]
    fn an_annotation_round_trips_through_json() {
        let annotation = Annotation {
            at: "2023-02-18T13:08:42Z".parse().expect("valid"),
            operator_id: Some(OperatorId::parse("op-0001").expect("valid")),
            service: ServiceCode::parse("CLAVE").expect("valid"),
            outcome: Outcome::TaxpayerAbandoned,
            observations: Observations::parse("No ha aparecido el contribuyente").expect("valid"),
            represented_nif: Some(Nif::parse("89890002E").expect("valid")),
            taxpayer_observations: Some(Observations::parse("Me voy").expect("valid")),
            abandon_reason: Some(crate::store::AbandonReason::Taxpayer),
        };
        let json = serde_json::to_string(&annotation).expect("serializes");
        assert!(json.contains("\"outcome\":\"taxpayer_abandoned\""));
        let back: Annotation = serde_json::from_str(&json).expect("parses");
        assert_eq!(back, annotation);
    }

    #[test]
    fn an_annotation_with_overlong_observations_is_refused_on_the_way_in() {
        let json = format!(
            r#"{{"at":"2023-02-18T13:08:42Z","operator_id":"op-0001","service":"CLAVE",
                "outcome":"success","observations":"{}","represented_nif":null}}"#,
            "x".repeat(1001)
        );
        assert!(serde_json::from_str::<Annotation>(&json).is_err());
    }
}
