//! Video meetings: one per attention, created when the operator presses
//! "Iniciar Videoasistencia" and ended when the attention is finalized.

pub mod activity;
pub mod local;
pub mod zoom;

use async_trait::async_trait;

use crate::domain::{OperatorId, ServiceCode};
use crate::store::MeetingRecord;
use crate::ticket::TicketId;

pub use local::LocalMeetings;

/// What a provider needs to create one meeting. Deliberately without the
/// taxpayer's NIF or name: meeting topics end up in the provider's logs.
#[derive(Debug, Clone)]
pub struct MeetingRequest {
    pub operator: OperatorId,
    /// The operator's user at the provider (Zoom user id or e-mail).
    pub provider_user: Option<String>,
    pub ticket: TicketId,
    pub service: ServiceCode,
}

/// A provider could not do what was asked. The engine keeps the assignment
/// as it was and lets the operator retry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct MeetingError {
    pub reason: String,
}

/// Creates and ends meetings (Zoom, or the local stand-in).
#[async_trait]
pub trait MeetingProvider: Send + Sync + 'static {
    /// Creates the meeting for one attention.
    async fn create(&self, request: &MeetingRequest) -> Result<MeetingRecord, MeetingError>;
    /// Ends the meeting for everybody, if it is still running.
    async fn end(&self, meeting: &MeetingRecord) -> Result<(), MeetingError>;
    /// What to tell the operator about their provider quota after a create,
    /// in Spanish: Zoom's 100 meetings a day per host. `None` when all is well
    /// (and always for providers without a quota).
    fn quota_warning(&self, provider_user: Option<&str>) -> Option<String> {
        let _ = provider_user;
        None
    }
}
