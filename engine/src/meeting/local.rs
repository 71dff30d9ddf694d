//! The provider for demos and tests: no account, links to a room page that
//! the gateway serves.

use async_trait::async_trait;

use super::{MeetingError, MeetingProvider, MeetingRequest};
use crate::store::MeetingRecord;
use crate::ticket::TicketId;

/// Meetings that live at `{base_url}/reunion/{id}`.
#[derive(Debug, Clone)]
pub struct LocalMeetings {
    base_url: String,
}

impl LocalMeetings {
    /// Links are relative to `base_url` ("" gives site-relative links).
    pub fn new(base_url: impl Into<String>) -> LocalMeetings {
        LocalMeetings {
            base_url: base_url.into().trim_end_matches('/').to_string(),
        }
    }
}

#[async_trait]
impl MeetingProvider for LocalMeetings {
    async fn create(&self, _request: &MeetingRequest) -> Result<MeetingRecord, MeetingError> {
        // A fresh random 64-bit id per meeting, in decimal like Zoom's: one
        // room per taxpayer, and the same webhooks path works for both.
        let id = TicketId::random().as_u64().to_string();
        Ok(MeetingRecord {
            start_url: format!("{}/reunion/{id}?rol=anfitrion", self.base_url),
            join_url: format!("{}/reunion/{id}", self.base_url),
            id,
        })
    }

    async fn end(&self, _meeting: &MeetingRecord) -> Result<(), MeetingError> {
        Ok(())
    }
}
