//! Iniciar Videoasistencia. The provider's create can take as long as its
//! timeout (Zoom: 10 s), so it runs outside the actor: the operator is
//! marked as starting, the create is a spawned task, and its result comes
//! back as [`MeetingCreated`]. Meanwhile the actor answers everything else
//! (an Abandonar, a webhook, a console poll's command); a meeting that
//! arrives for an attention that is no longer waiting for it is ended.

use tokio::sync::oneshot;

use super::*;
use crate::actors::commit_and;
use crate::meeting::MeetingError;

/// Iniciar Videoasistencia.
#[derive(Message)]
#[rtype(result = "Result<StartReceipt, EngineError>")]
pub struct Start;

/// The operator's link to the meeting just created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartReceipt {
    pub start_url: String,
}

type StartReply = oneshot::Sender<Result<StartReceipt, EngineError>>;

/// An Iniciar Videoasistencia whose meeting the provider is still creating
/// (not stored: after a restart the operator presses it again).
pub(super) struct Starting {
    ticket: TicketId,
    /// Every Iniciar pressed meanwhile gets the same answer.
    replies: Vec<StartReply>,
}

impl Handler<Start> for OperatorActor {
    /// Waits for the provider without holding the mailbox.
    type Result = ResponseFuture<Result<StartReceipt, EngineError>>;

    fn handle(&mut self, _msg: Start, ctx: &mut Context<Self>) -> Self::Result {
        let (reply, answer) = oneshot::channel();
        if let Err(error) = self.begin_start(reply, ctx) {
            return Box::pin(async move { Err(error) });
        }
        Box::pin(async move {
            // Dropped unanswered only when the engine stops.
            answer.await.unwrap_or(Err(EngineError::EngineUnavailable))
        })
    }
}

impl OperatorActor {
    /// Checks Iniciar Videoasistencia and asks the provider for a meeting,
    /// unless one is already being created for this attention.
    fn begin_start(
        &mut self,
        reply: StartReply,
        ctx: &mut Context<Self>,
    ) -> Result<(), EngineError> {
        let (Duty::Assigned { ticket, .. }, Some(assignment)) = (&self.duty, &self.assignment)
        else {
            return Err(EngineError::invalid_state(self.state_name()));
        };
        let ticket = *ticket;
        if let Some(starting) = self.starting.as_mut().filter(|s| s.ticket == ticket) {
            starting.replies.push(reply);
            return Ok(());
        }
        let request = MeetingRequest {
            operator: self.id().clone(),
            provider_user: self.profile.zoom_user.clone(),
            ticket,
            service: assignment.service.clone(),
        };
        self.starting = Some(Starting {
            ticket,
            replies: vec![reply],
        });
        let meetings = Arc::clone(&self.shared.meetings);
        let operator = ctx.address();
        actix::spawn(async move {
            let result = meetings.create(&request).await;
            operator.do_send(MeetingCreated { ticket, result });
        });
        Ok(())
    }

    /// Answers every Iniciar waiting for the meeting being created.
    pub(super) fn answer_start(&mut self, result: Result<StartReceipt, EngineError>) {
        for reply in self.starting.take().map(|s| s.replies).unwrap_or_default() {
            // A caller that went away needs no answer.
            let _ = reply.send(result.clone());
        }
    }

    /// Ends a meeting nobody will use, outside the actor.
    fn end_unused(&self, meeting: MeetingRecord) {
        let meetings = Arc::clone(&self.shared.meetings);
        actix::spawn(async move {
            if let Err(error) = meetings.end(&meeting).await {
                tracing::warn!(%error, "could not end an unused meeting");
            }
        });
    }
}

/// The provider answered the create of an Iniciar Videoasistencia.
#[derive(Message)]
#[rtype(result = "()")]
pub(super) struct MeetingCreated {
    /// The attention the meeting was asked for.
    ticket: TicketId,
    result: Result<MeetingRecord, MeetingError>,
}

impl Handler<MeetingCreated> for OperatorActor {
    /// Holds the mailbox only for the store's write, as every command does.
    type Result = AtomicResponse<Self, ()>;

    fn handle(&mut self, msg: MeetingCreated, _ctx: &mut Context<Self>) -> Self::Result {
        let done = || AtomicResponse::new(Box::pin(actix::fut::ready(())));
        let wanted = self
            .starting
            .as_ref()
            .is_some_and(|s| s.ticket == msg.ticket);
        let assigned_at = match &self.duty {
            Duty::Assigned {
                ticket,
                assigned_at,
            } if wanted && *ticket == msg.ticket => *assigned_at,
            _ => {
                // The taxpayer left (or the attention moved on) while the
                // provider worked: nobody will use this meeting.
                if let Ok(meeting) = msg.result {
                    self.end_unused(meeting);
                }
                return done();
            }
        };
        let meeting = match msg.result {
            Ok(meeting) => meeting,
            Err(error) => {
                // The assignment stays as it was: the operator may retry.
                self.answer_start(Err(EngineError::MeetingProviderFailed {
                    reason: error.reason,
                }));
                return done();
            }
        };
        let ticket = msg.ticket;
        let started_at = self.shared.clock.now();
        let change = Change::MeetingStarted {
            operator: self.id().clone(),
            ticket,
            meeting: meeting.clone(),
            at: started_at,
        };
        commit_and(
            self,
            &self.shared.store,
            change,
            move |result, this, ctx| {
                if let Err(error) = result {
                    // Not recorded: do not leave a meeting nobody will use.
                    this.end_unused(meeting);
                    this.answer_start(Err(error.into()));
                    return;
                }
                // Zoom's daily cap: the operator hears of it before reaching it.
                this.quota_warning = this
                    .shared
                    .meetings
                    .quota_warning(this.profile.zoom_user.as_deref())
                    .map(Arc::<str>::from);
                this.meeting_live = MeetingLive::default();
                this.shared
                    .meetings_by_id
                    .insert(meeting.id.clone(), ctx.address().recipient());
                this.duty = Duty::InMeeting {
                    ticket,
                    assigned_at,
                    meeting: meeting.clone(),
                    started_at,
                };
                this.publish();
                if let Some(held) = this.shared.tickets.get(&ticket) {
                    held.notify(TicketNotice::MeetingStarted {
                        join_url: meeting.join_url.clone(),
                    });
                }
                this.answer_start(Ok(StartReceipt {
                    start_url: meeting.start_url,
                }));
            },
        )
    }
}
