//! The OpenAPI shapes of engine types the poll bodies carry as they are
//! (the engine has no OpenAPI in it): same names, same serialization, for
//! the generated document only.

use serde::Serialize;

/// The console states of DESIGN.md.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConsoleState {
    Unavailable,
    Closed,
    Idle,
    Waiting,
    Assigned,
    InMeeting,
    TaxpayerAbandoned,
}

/// The operator as the taxpayer sees them: name and identification number.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OperatorBadge {
    pub name: String,
    pub id_number: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The mirror serializes every state as the engine's type does.
    #[test]
    fn the_console_states_serialize_as_the_engine_s() {
        let mirrored = [
            ConsoleState::Unavailable,
            ConsoleState::Closed,
            ConsoleState::Idle,
            ConsoleState::Waiting,
            ConsoleState::Assigned,
            ConsoleState::InMeeting,
            ConsoleState::TaxpayerAbandoned,
        ];
        for (mirror, state) in mirrored.iter().zip(engine::console::ConsoleState::ALL) {
            assert_eq!(
                serde_json::to_value(mirror).expect("serializes"),
                serde_json::to_value(state).expect("serializes")
            );
            assert_eq!(
                serde_json::to_value(mirror).expect("serializes"),
                state.as_str()
            );
        }
    }

    #[test]
    fn the_badge_serializes_as_the_engine_s() {
        let engine_badge = engine::views::OperatorBadge {
            name: "Operadora Demo".to_string(),
            id_number: "A-0001".to_string(),
        };
        let mirror = OperatorBadge {
            name: engine_badge.name.clone(),
            id_number: engine_badge.id_number.clone(),
        };
        assert_eq!(
            serde_json::to_value(&mirror).expect("serializes"),
            serde_json::to_value(&engine_badge).expect("serializes")
        );
    }
}
