//! Services (APOYOIRPF, CLAVE, …): their codes and what the consoles show about them.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::schedule::{Calendar, Schedule};

/// Longest accepted service code.
const MAX_CODE_LENGTH: usize = 32;

/// A service code such as "CLAVE": 1 to 32 characters among A-Z, 0-9, '_' and '-'.
///
/// Cheap to clone: codes travel in every ticket, queue key and metric label.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServiceCode(Arc<str>);

/// A text that is not a service code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid service code {code:?}: use 1 to 32 characters among A-Z, 0-9, '_' and '-'")]
pub struct ServiceCodeError {
    /// The text as given.
    pub code: String,
}

impl ServiceCode {
    /// Parses a code, uppercasing it ("clave" is "CLAVE").
    pub fn parse(text: &str) -> Result<ServiceCode, ServiceCodeError> {
        let code = text.trim().to_ascii_uppercase();
        let valid = !code.is_empty()
            && code.len() <= MAX_CODE_LENGTH
            && code.bytes().all(|byte| {
                byte.is_ascii_uppercase() || byte.is_ascii_digit() || byte == b'_' || byte == b'-'
            });
        if !valid {
            return Err(ServiceCodeError {
                code: text.to_owned(),
            });
        }
        Ok(ServiceCode(code.into()))
    }

    /// The code, e.g. "CLAVE".
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ServiceCode {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl fmt::Debug for ServiceCode {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "ServiceCode({})", self.0)
    }
}

impl std::str::FromStr for ServiceCode {
    type Err = ServiceCodeError;

    fn from_str(text: &str) -> Result<ServiceCode, ServiceCodeError> {
        ServiceCode::parse(text)
    }
}

impl Serialize for ServiceCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ServiceCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ServiceCode, D::Error> {
        let text = String::deserialize(deserializer)?;
        ServiceCode::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A service taxpayers queue for, as configured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    /// Its code, e.g. "CLAVE".
    pub code: ServiceCode,
    /// What the consoles show beside the code, e.g. "Trámites de asistencia por videollamada".
    pub description: String,
    /// When it is open, in the calendar's time zone.
    pub schedule: Schedule,
    /// Average attention time: past it since "Iniciar Videoasistencia", the console warns.
    pub attention: Duration,
    /// Whether a taxpayer may be represented (the "NIF Representado" field).
    pub representation: bool,
    /// The authentication method shown to the operator.
    pub authentication: String,
    /// A link to the service's protocol document.
    pub protocol_url: Option<String>,
}

impl Service {
    /// Whether the service is open at this instant.
    pub fn is_open(&self, calendar: &Calendar, at: Timestamp) -> bool {
        self.schedule.is_open(calendar, at)
    }

    /// The instant today's session closes, if it opens today (see `Schedule`).
    pub fn closing_time_today(&self, calendar: &Calendar, at: Timestamp) -> Option<Timestamp> {
        self.schedule.closing_time_today(calendar, at)
    }

    /// The hours in the guide's words, e.g. "De lunes a viernes (excepto festivos
    /// nacionales) de 09:00 a 15:00. (Horario peninsular)".
    pub fn hours_text(&self) -> String {
        self.schedule.hours_text()
    }

    /// The console's "Servicios Activos" line, e.g. "CLAVE: Trámites de asistencia por
    /// videollamada - De lunes a viernes (excepto festivos nacionales) de 09:00 a 15:00.
    /// (Horario peninsular)".
    pub fn active_line(&self) -> String {
        format!(
            "{}: {} - {}",
            self.code,
            self.description,
            self.hours_text()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clave() -> Service {
        Service {
            code: ServiceCode::parse("CLAVE").expect("valid"),
            description: "Trámites de asistencia por videollamada".into(),
            schedule: Schedule::parse("mon-fri", "09:00", "15:00").expect("valid"),
            attention: Duration::from_secs(4 * 60),
            representation: false,
            authentication: "NIF/NIE + Fecha/Dato de contraste".into(),
            protocol_url: None,
        }
    }

    #[test]
    fn a_service_code_is_uppercased() {
        let code = ServiceCode::parse(" apoyo_irpf-2 ").expect("valid");
        assert_eq!(code.as_str(), "APOYO_IRPF-2");
    }

    #[test]
    fn a_service_code_with_other_characters_or_too_long_is_refused() {
        for bad in ["", "CLAVE X", "CLAVÉ", "CLAVE/1", &"A".repeat(33)] {
            assert!(
                ServiceCode::parse(bad).is_err(),
                "{bad:?} should be refused"
            );
        }
        assert!(ServiceCode::parse(&"A".repeat(32)).is_ok());
    }

    #[test]
    fn a_service_code_serializes_as_its_text() {
        let code = ServiceCode::parse("CLAVE").expect("valid");
        assert_eq!(
            serde_json::to_string(&code).expect("serializes"),
            "\"CLAVE\""
        );
        let parsed: ServiceCode = serde_json::from_str("\"clave\"").expect("parses");
        assert_eq!(parsed, code);
        assert!(serde_json::from_str::<ServiceCode>("\"NO SPACES\"").is_err());
    }

    #[test]
    fn the_active_line_reads_as_in_the_guide() {
        assert_eq!(
            clave().active_line(),
            "CLAVE: Trámites de asistencia por videollamada - De lunes a viernes \
             (excepto festivos nacionales) de 09:00 a 15:00. (Horario peninsular)"
        );
    }

    #[test]
    fn a_service_is_open_by_its_schedule() {
        let calendar = Calendar::new("Europe/Madrid", []).expect("bundled zone");
        let monday_ten: Timestamp = "2026-11-30T09:00:00Z".parse().expect("valid");
        assert!(clave().is_open(&calendar, monday_ten));
        assert_eq!(
            clave().closing_time_today(&calendar, monday_ten),
            Some("2026-11-30T14:00:00Z".parse().expect("valid"))
        );
    }
}
