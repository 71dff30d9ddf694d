//! What happens inside a meeting, as the consoles need it: the taxpayer in
//! the waiting room, in the meeting or gone, and whether the meeting runs.
//! Zoom's webhooks and the local provider's room page both produce these.

use jiff::Timestamp;

use super::zoom::webhook::ZoomEvent;

/// One thing that happened in a meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeetingActivity {
    /// The host started the meeting (the real start of the attention).
    Started { at: Timestamp },
    /// The taxpayer waits for Admitir.
    TaxpayerInWaitingRoom,
    /// The taxpayer is in the meeting.
    TaxpayerJoined,
    /// The taxpayer left the meeting or the waiting room.
    TaxpayerLeft,
    /// Ended for everybody.
    Ended,
}

/// Where the taxpayer is, as far as the meeting's events tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaxpayerPresence {
    WaitingRoom,
    InMeeting,
    Left,
}

impl TaxpayerPresence {
    pub fn as_str(&self) -> &'static str {
        match self {
            TaxpayerPresence::WaitingRoom => "waiting_room",
            TaxpayerPresence::InMeeting => "in_meeting",
            TaxpayerPresence::Left => "left",
        }
    }
}

/// What the console knows of a meeting in progress. Not stored: after a
/// restart Zoom's next event refreshes it, and the worst case is a missing
/// reminder.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MeetingLive {
    /// When the host really started it (Zoom's `meeting.started`).
    pub started_at: Option<Timestamp>,
    pub taxpayer: Option<TaxpayerPresence>,
    pub ended: bool,
}

impl MeetingLive {
    /// Folds one activity in.
    pub fn apply(&mut self, activity: MeetingActivity) {
        match activity {
            MeetingActivity::Started { at } => self.started_at = Some(at),
            MeetingActivity::TaxpayerInWaitingRoom => {
                self.taxpayer = Some(TaxpayerPresence::WaitingRoom)
            }
            MeetingActivity::TaxpayerJoined => self.taxpayer = Some(TaxpayerPresence::InMeeting),
            MeetingActivity::TaxpayerLeft => self.taxpayer = Some(TaxpayerPresence::Left),
            MeetingActivity::Ended => self.ended = true,
        }
    }
}

/// Turns a verified Zoom event into the meeting id and activity the engine
/// reads; `None` for events the consoles do not use (the host's own joins
/// and leaves, admissions, which the following join reports, and unknown
/// events).
pub fn from_zoom(event: &ZoomEvent) -> Option<(String, MeetingActivity)> {
    let activity = match event {
        ZoomEvent::MeetingStarted { at, .. } => MeetingActivity::Started { at: *at },
        ZoomEvent::MeetingEnded { .. } => MeetingActivity::Ended,
        ZoomEvent::ParticipantInWaitingRoom { participant, .. } if !participant.is_host => {
            MeetingActivity::TaxpayerInWaitingRoom
        }
        ZoomEvent::ParticipantJoined { participant, .. } if !participant.is_host => {
            MeetingActivity::TaxpayerJoined
        }
        ZoomEvent::ParticipantLeft { participant, .. } if !participant.is_host => {
            MeetingActivity::TaxpayerLeft
        }
        _ => return None,
    };
    Some((event.meeting_id()?.to_string(), activity))
}
