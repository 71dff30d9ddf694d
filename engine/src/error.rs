//! The engine's one error enum: every refusal a console can meet, with its API code.

use crate::store::StoreError;

/// Why the engine refused a command. The gateway maps each variant to the
/// HTTP status and `code` of API.md in one place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    #[error("the operator is not available in any service")]
    NotAvailable,
    #[error("none of the operator's services is open or has taxpayers waiting")]
    ServicesClosed,
    #[error("not allowed while the console is {state}")]
    InvalidState { state: &'static str },
    #[error("the meeting could not be created: {reason}")]
    MeetingProviderFailed { reason: String },
    #[error("unknown outcome, expected one of success, technical_error, functional_error, taxpayer_abandoned")]
    InvalidOutcome,
    #[error("invalid nif: {reason}")]
    InvalidNif { reason: String },
    #[error("observations are longer than {max} characters")]
    ObservationsTooLong { max: usize },
    #[error("{reason}")]
    InvalidRequest { reason: String },
    #[error("this service does not allow representation")]
    RepresentationNotAllowed,
    #[error(
        "the service day is about to end and taxpayers are waiting: interrupting is not allowed"
    )]
    InterruptRefusedEndOfDay,
    #[error("unknown service {code}")]
    UnknownService { code: String },
    #[error("the identity could not be verified")]
    IdentityNotVerified,
    #[error("the service is closed now")]
    ServiceClosed,
    #[error("the estimated start of the attention is after the service's closing time today")]
    ServiceClosing,
    #[error("this taxpayer is already waiting or being served in this service")]
    AlreadyWaiting,
    #[error("unknown operator")]
    UnknownOperator,
    #[error("unknown ticket")]
    UnknownTicket,
    #[error("the store is unavailable: {reason}")]
    StoreUnavailable { reason: String },
    #[error("the engine is not running")]
    EngineUnavailable,
}

impl EngineError {
    /// The snake_case code of API.md.
    pub fn code(&self) -> &'static str {
        match self {
            EngineError::NotAvailable => "not_available",
            EngineError::ServicesClosed => "services_closed",
            EngineError::InvalidState { .. } => "invalid_state",
            EngineError::MeetingProviderFailed { .. } => "meeting_provider_failed",
            EngineError::InvalidOutcome => "invalid_outcome",
            EngineError::InvalidNif { .. } => "invalid_nif",
            EngineError::ObservationsTooLong { .. } => "observations_too_long",
            EngineError::InvalidRequest { .. } => "invalid_request",
            EngineError::RepresentationNotAllowed => "representation_not_allowed",
            EngineError::InterruptRefusedEndOfDay => "interrupt_refused_end_of_day",
            EngineError::UnknownService { .. } => "unknown_service",
            EngineError::IdentityNotVerified => "identity_not_verified",
            EngineError::ServiceClosed => "service_closed",
            EngineError::ServiceClosing => "service_closing",
            EngineError::AlreadyWaiting => "already_waiting",
            EngineError::UnknownOperator => "unknown_operator",
            EngineError::UnknownTicket => "not_found",
            EngineError::StoreUnavailable { .. } => "store_unavailable",
            EngineError::EngineUnavailable => "engine_unavailable",
        }
    }

    pub(crate) fn invalid_state(state: &'static str) -> EngineError {
        EngineError::InvalidState { state }
    }
}

impl From<StoreError> for EngineError {
    fn from(error: StoreError) -> EngineError {
        EngineError::StoreUnavailable {
            reason: error.to_string(),
        }
    }
}

impl From<actix::MailboxError> for EngineError {
    fn from(_: actix::MailboxError) -> EngineError {
        EngineError::EngineUnavailable
    }
}
