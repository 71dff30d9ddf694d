//! The meeting of an attention: Iniciar Videoasistencia, what happens in
//! the meeting, and ending it for everybody.

use super::*;

/// Iniciar Videoasistencia.
#[derive(Message)]
#[rtype(result = "Result<StartReceipt, EngineError>")]
pub struct Start;

/// The operator's link to the meeting just created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartReceipt {
    pub start_url: String,
}

impl Handler<Start> for OperatorActor {
    type Result = Reply<StartReceipt>;

    fn handle(&mut self, _msg: Start, _ctx: &mut Context<Self>) -> Self::Result {
        let (
            Duty::Assigned {
                ticket,
                assigned_at,
            },
            Some(assignment),
        ) = (&self.duty, &self.assignment)
        else {
            return ready(Err(EngineError::invalid_state(self.state_name())));
        };
        let (ticket, assigned_at) = (*ticket, *assigned_at);
        let request = MeetingRequest {
            operator: self.id().clone(),
            provider_user: self.profile.zoom_user.clone(),
            ticket,
            service: assignment.service.clone(),
        };
        let shared = Arc::clone(&self.shared);
        let operator = self.id().clone();
        AtomicResponse::new(Box::pin(
            async move {
                let meeting = shared.meetings.create(&request).await.map_err(|error| {
                    EngineError::MeetingProviderFailed {
                        reason: error.reason,
                    }
                })?;
                let started_at = shared.clock.now();
                let change = Change::MeetingStarted {
                    operator,
                    ticket,
                    meeting: meeting.clone(),
                    at: started_at,
                };
                if let Err(error) = shared.store.apply(&change).await {
                    // Not recorded: do not leave a meeting nobody will use.
                    if let Err(end_error) = shared.meetings.end(&meeting).await {
                        tracing::warn!(%end_error, "could not end an unrecorded meeting");
                    }
                    return Err(error.into());
                }
                // Zoom's daily cap: the operator hears of it before reaching it.
                let quota_warning = shared
                    .meetings
                    .quota_warning(request.provider_user.as_deref())
                    .map(Arc::<str>::from);
                Ok((meeting, started_at, quota_warning))
            }
            .into_actor(self)
            .map(
                move |result: Result<(MeetingRecord, Timestamp, Option<Arc<str>>), EngineError>,
                      this,
                      ctx| {
                    let (meeting, started_at, quota_warning) = result?;
                    this.meeting_live = MeetingLive::default();
                    this.quota_warning = quota_warning;
                    this.shared
                        .meetings_by_id
                        .insert(meeting.id.clone(), ctx.address());
                    this.duty = Duty::InMeeting {
                        ticket,
                        assigned_at,
                        meeting: meeting.clone(),
                        started_at,
                    };
                    this.publish();
                    if let Some(addr) = this.shared.tickets.get(&ticket) {
                        addr.do_send(ticket::MeetingStarted {
                            join_url: meeting.join_url.clone(),
                        });
                    }
                    Ok(StartReceipt {
                        start_url: meeting.start_url,
                    })
                },
            ),
        ))
    }
}

/// Something happened in the meeting of the attention in progress (a Zoom
/// webhook, or the local room page).
#[derive(Message)]
#[rtype(result = "bool")]
pub struct MeetingEvent {
    /// The provider's meeting id.
    pub meeting_id: String,
    /// What happened.
    pub activity: MeetingActivity,
}

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
    type Result = Reply<()>;

    fn handle(&mut self, _msg: EndMeeting, _ctx: &mut Context<Self>) -> Self::Result {
        let Some(meeting) = self.duty.meeting().cloned() else {
            return ready(Err(EngineError::invalid_state(self.state_name())));
        };
        let shared = Arc::clone(&self.shared);
        AtomicResponse::new(Box::pin(
            async move {
                shared.meetings.end(&meeting).await.map_err(|error| {
                    EngineError::MeetingProviderFailed {
                        reason: error.reason,
                    }
                })
            }
            .into_actor(self)
            .map(|result, this, _ctx| {
                result?;
                this.meeting_live.apply(MeetingActivity::Ended);
                this.publish();
                Ok(())
            }),
        ))
    }
}
