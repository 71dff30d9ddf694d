//! Finalizar y Atender siguiente / Finalizar e Interrumpir.

use super::*;

/// What the operator does after finalizing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Finalizar y Atender siguiente.
    Attend,
    /// Finalizar e Interrumpir.
    Interrupt,
}

/// Finalizar: records the outcome and annotation. Answers the meeting's
/// end, which runs outside the actor: the caller may wait for it.
#[derive(Message)]
#[rtype(result = "Result<MeetingEnd, EngineError>")]
pub struct Finalize {
    /// The "Finalización" combo.
    pub outcome: Outcome,
    /// "Observaciones/Anotaciones", visible to the next operator.
    pub observations: Observations,
    /// "NIF Representado", only where the service allows representation.
    pub represented_nif: Option<Nif>,
    /// Attend the next taxpayer or interrupt.
    pub next: Next,
}

/// The end of a finalized attention's meeting, called on its own task so
/// no mailbox waits for the provider (and a caller that goes away does not
/// cancel it).
#[derive(Debug, Default)]
pub struct MeetingEnd(Option<tokio::task::JoinHandle<()>>);

impl MeetingEnd {
    /// Waits until the provider has answered (the outcome is only logged).
    pub async fn finished(self) {
        if let Some(task) = self.0 {
            // An engine stopping meanwhile ends the task: nothing to wait for.
            let _ = task.await;
        }
    }
}

impl Handler<Finalize> for OperatorActor {
    type Result = Reply<MeetingEnd>;

    fn handle(&mut self, msg: Finalize, _ctx: &mut Context<Self>) -> Self::Result {
        let (ticket, meeting, started_at, abandoned, left) = match &self.duty {
            Duty::InMeeting {
                ticket,
                meeting,
                started_at,
                ..
            } => (
                *ticket,
                Some(meeting.clone()),
                Some(*started_at),
                false,
                None,
            ),
            Duty::TaxpayerAbandoned {
                ticket,
                meeting,
                started_at,
                taxpayer_observations,
                reason,
                ..
            } => (
                *ticket,
                meeting.clone(),
                *started_at,
                true,
                // The history keeps why they left and what they wrote.
                Some((taxpayer_observations.clone(), *reason)),
            ),
            _ => return ready(Err(EngineError::invalid_state(self.state_name()))),
        };
        // Where the console's attention-time warning counts from (for the metrics).
        let warning_from =
            started_at.map(|started_at| self.meeting_live.started_at.unwrap_or(started_at));
        let Some(assignment) = self.assignment.clone() else {
            return ready(Err(EngineError::invalid_state(self.state_name())));
        };
        let representation = self
            .shared
            .catalog()
            .service(&assignment.service)
            .is_some_and(|service| service.representation);
        if msg.represented_nif.is_some() && !representation {
            return ready(Err(EngineError::RepresentationNotAllowed));
        }
        let now = self.shared.clock.now();
        if msg.next == Next::Interrupt
            && self
                .shared
                .views
                .end_of_day_blocks_interrupt(&self.availability, now)
        {
            crate::metrics::record_interrupt_refused();
            return ready(Err(EngineError::InterruptRefusedEndOfDay));
        }
        let outcome = msg.outcome;
        let change = Change::AttentionFinalized {
            operator: self.id().clone(),
            ticket,
            annotation: Annotation {
                at: now,
                operator_id: Some(self.id().clone()),
                service: assignment.service.clone(),
                outcome,
                observations: msg.observations,
                represented_nif: msg.represented_nif,
                taxpayer_observations: left
                    .as_ref()
                    .map(|(written, _)| written.clone())
                    .filter(|written| !written.as_str().is_empty()),
                abandon_reason: left.map(|(_, reason)| reason),
            },
            at: now,
        };
        let next = msg.next;
        let store = Arc::clone(&self.shared.store);
        let finalized = async move { store.apply(&change).await };
        AtomicResponse::new(Box::pin(finalized.into_actor(self).then(
            move |result, this, _ctx| -> ResponseActFuture<Self, Result<MeetingEnd, EngineError>> {
                if let Err(error) = result {
                    return Box::pin(actix::fut::ready(Err(error.into())));
                }
                // The guide asks operators to end the meeting for everybody
                // first; this makes sure of it, on its own task.
                let ending = MeetingEnd(meeting.map(|meeting| {
                    let meetings = Arc::clone(&this.shared.meetings);
                    actix::spawn(async move {
                        if let Err(error) = meetings.end(&meeting).await {
                            tracing::warn!(%error, "could not end the meeting");
                        }
                    })
                }));
                if let Some(meeting) = this.duty.meeting() {
                    this.shared.meetings_by_id.remove(&meeting.id);
                }
                this.meeting_live = MeetingLive::default();
                this.quota_warning = None;
                this.duty = Duty::Off;
                this.assignment = None;
                this.publish();
                if !abandoned {
                    if let Some(held) = this.shared.tickets.get(&ticket) {
                        held.notify(TicketNotice::Finished { at: now });
                    }
                    this.shared
                        .dispatcher
                        .notify(DispatcherNotice::TicketEnded {
                            nif: assignment.nif,
                            service: assignment.service.clone(),
                        });
                }
                let attention = match (started_at, outcome) {
                    (_, Outcome::TaxpayerAbandoned) | (None, _) => None,
                    (Some(started_at), _) => Some(Duration::from_millis(
                        now.duration_since(started_at).as_millis().max(0) as u64,
                    )),
                };
                let over_time = warning_from
                    .zip(this.shared.catalog().service(&assignment.service))
                    .is_some_and(|(started_at, service)| {
                        crate::console::attention_time_exceeded(service, started_at, now)
                    });
                crate::metrics::record_outcome(&assignment.service, outcome, attention, over_time);
                // Decided before telling the dispatcher, so that an operator
                // about to press Atender again stays on duty for the estimates.
                let services = match next {
                    Next::Interrupt => None,
                    // With nothing to attend the console shows why (closed
                    // or not available).
                    Next::Attend => this.services_to_attend(this.shared.clock.now()).ok(),
                };
                this.shared
                    .dispatcher
                    .notify(DispatcherNotice::AttentionClosed {
                        operator: this.id().clone(),
                        ticket,
                        service: assignment.service.clone(),
                        attention,
                        leaving: services.is_none(),
                    });
                match services {
                    // Finalized either way.
                    None => Box::pin(actix::fut::ready(Ok(ending))),
                    Some(services) => Box::pin(
                        this.become_ready(services)
                            .map(move |result, _, _| result.map(|()| ending)),
                    ),
                }
            },
        )))
    }
}
