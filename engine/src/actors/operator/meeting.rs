//! The meeting of an attention once started: what happens in it, and
//! ending it for everybody.

use super::*;
use crate::actors::protocol::MeetingEvent;

impl Handler<MeetingEvent> for OperatorActor {
    type Result = bool;

    /// Answers whether the meeting is this operator's current one.
    fn handle(&mut self, msg: MeetingEvent, _ctx: &mut Context<Self>) -> bool {
        if self.duty.meeting().map(|meeting| meeting.id.as_str()) != Some(msg.meeting_id.as_str()) {
            return false;
        }
        let before = self.meeting_live;
        self.meeting_live.apply(msg.activity);
        if self.meeting_live != before {
            self.publish();
        }
        true
    }
}

/// "Finalizar la reunión para todos" from the console, when the operator
/// forgot to do it in Zoom.
#[derive(Message)]
#[rtype(result = "Result<(), EngineError>")]
pub struct EndMeeting;

impl Handler<EndMeeting> for OperatorActor {
    /// Not atomic: the provider's call does not hold the mailbox.
    type Result = ResponseActFuture<Self, Result<(), EngineError>>;

    fn handle(&mut self, _msg: EndMeeting, _ctx: &mut Context<Self>) -> Self::Result {
        let Some(meeting) = self.duty.meeting().cloned() else {
            let refused = EngineError::invalid_state(self.state_name());
            return Box::pin(actix::fut::ready(Err(refused)));
        };
        let meetings = Arc::clone(&self.shared.meetings);
        Box::pin(
            async move {
                meetings.end(&meeting).await.map_err(|error| {
                    EngineError::MeetingProviderFailed {
                        reason: error.reason,
                    }
                })?;
                Ok(meeting.id)
            }
            .into_actor(self)
            .map(|result: Result<String, EngineError>, this, _ctx| {
                let ended = result?;
                // The attention may have been finalized meanwhile.
                if this
                    .duty
                    .meeting()
                    .is_some_and(|meeting| meeting.id == ended)
                {
                    this.meeting_live.apply(MeetingActivity::Ended);
                    this.publish();
                }
                Ok(())
            }),
        )
    }
}
