//! Zoom meeting numbers are 64-bit integers (11 digits today, more later): read
//! them as `u64`, from a JSON number (the REST API) or a digit string (webhooks),
//! never through a float.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};

/// Parses a stored or received meeting id ("85746065432").
pub(crate) fn parse_meeting_id(text: &str) -> Option<u64> {
    let text = text.trim();
    if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

struct MeetingIdVisitor;

impl Visitor<'_> for MeetingIdVisitor {
    type Value = u64;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a meeting id: a non-negative 64-bit integer or its decimal digits")
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<u64, E> {
        Ok(value)
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<u64, E> {
        u64::try_from(value).map_err(|_| E::invalid_value(de::Unexpected::Signed(value), &self))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<u64, E> {
        parse_meeting_id(value).ok_or_else(|| E::invalid_value(de::Unexpected::Str(value), &self))
    }

    // A float means precision may already be lost: refuse rather than guess.
    fn visit_f64<E: de::Error>(self, value: f64) -> Result<u64, E> {
        Err(E::invalid_type(de::Unexpected::Float(value), &self))
    }
}

/// `#[serde(deserialize_with = "id::deserialize")]` for meeting ids.
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    deserializer.deserialize_any(MeetingIdVisitor)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Deserialize)]
    struct Holder {
        #[serde(deserialize_with = "deserialize")]
        id: u64,
    }

    fn id_of(json: &str) -> Option<u64> {
        serde_json::from_str::<Holder>(json)
            .ok()
            .map(|holder| holder.id)
    }

    #[test]
    fn ids_beyond_a_float_s_precision_survive_intact() {
        // 2^53 + 1 is the first integer an f64 cannot hold.
        assert_eq!(
            id_of(r#"{"id": 9007199254740993}"#),
            Some(9_007_199_254_740_993)
        );
        assert_eq!(
            id_of(r#"{"id": "9007199254740993"}"#),
            Some(9_007_199_254_740_993)
        );
        assert_eq!(id_of(r#"{"id": 18446744073709551615}"#), Some(u64::MAX));
    }

    #[test]
    fn anything_but_digits_is_refused() {
        assert_eq!(id_of(r#"{"id": 857.5}"#), None);
        assert_eq!(id_of(r#"{"id": -1}"#), None);
        assert_eq!(id_of(r#"{"id": "85a"}"#), None);
        assert_eq!(id_of(r#"{"id": ""}"#), None);
        assert_eq!(parse_meeting_id("+85"), None);
        assert_eq!(parse_meeting_id(" 85746065432 "), Some(85_746_065_432));
    }
}
