//! What operators ask of the dispatcher: be matched or wait, withdraw,
//! and hand a finished attention back.

use super::*;

/// Atender Contribuyente: the operator is ready for the next taxpayer.
#[derive(Message)]
#[rtype(result = "Result<Readiness, EngineError>")]
pub struct OperatorReady {
    /// Who pressed the button.
    pub operator: OperatorId,
    /// The services they are available for and that are active now.
    pub services: Vec<ServiceCode>,
}

/// Whether a ready operator got a taxpayer at once.
#[derive(Debug, Clone, PartialEq)]
pub enum Readiness {
    /// Matched at once with this ticket, whose details the match carries.
    Matched {
        ticket: TicketDetails,
        assigned_at: Timestamp,
    },
    Waiting {
        since: Timestamp,
    },
}

impl Handler<OperatorReady> for Dispatcher {
    type Result = AtomicResponse<Self, Result<Readiness, EngineError>>;

    fn handle(&mut self, msg: OperatorReady, _ctx: &mut Context<Self>) -> Self::Result {
        if self.waiting_operators.contains_key(&msg.operator)
            || self.holding.contains_key(&msg.operator)
        {
            return ready(Err(EngineError::invalid_state("waiting")));
        }
        // A pair left by a failed commit is matched first: this operator
        // never passes over an operator who waited longer.
        self.after_pending(move |this| this.decide_ready(msg))
    }
}

impl Dispatcher {
    /// Matches the ready operator with the longest-waiting ticket of their
    /// services, or has them wait, and commits that.
    fn decide_ready(&mut self, msg: OperatorReady) -> Decision<Readiness> {
        let now = self.shared.clock.now();
        let best = self.longest_waiting_ticket(&msg.services);
        let change = match &best {
            Some((_, _, ticket)) => Change::Matched {
                ticket: ticket.id,
                operator: msg.operator.clone(),
                at: now,
            },
            None => Change::OperatorWaiting {
                operator: msg.operator.clone(),
                at: now,
            },
        };
        let store = Arc::clone(&self.shared.store);
        Box::pin(
            async move { store.apply(&change).await }
                .into_actor(self)
                .map(move |result, this, _ctx| {
                    if let Err(error) = result {
                        // An operator between Finalizar and this Atender was
                        // kept on duty for the estimates: not any more.
                        if !this.holding.contains_key(&msg.operator)
                            && !this.waiting_operators.contains_key(&msg.operator)
                        {
                            this.set_off_duty(&msg.operator);
                        }
                        return Err(error.into());
                    }
                    match best {
                        Some((service, seq, ticket)) => {
                            this.set_on_duty(msg.operator.clone(), msg.services);
                            // The details were read when the match was decided.
                            this.commit_match(&service, seq, &msg.operator, now, false);
                            Ok(Readiness::Matched {
                                ticket,
                                assigned_at: now,
                            })
                        }
                        None => {
                            this.add_waiting_operator(msg.operator, msg.services);
                            Ok(Readiness::Waiting { since: now })
                        }
                    }
                }),
        )
    }
}

/// Interrumpir while waiting.
#[derive(Message)]
#[rtype(result = "Result<Withdrawal, EngineError>")]
pub struct WithdrawOperator {
    /// Who pressed Interrumpir.
    pub operator: OperatorId,
}

/// How an Interrumpir ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Withdrawal {
    Withdrawn,
    /// Too late: a taxpayer was matched first.
    Assigned {
        ticket: TicketDetails,
        assigned_at: Timestamp,
    },
    NotWaiting,
}

impl Handler<WithdrawOperator> for Dispatcher {
    type Result = AtomicResponse<Self, Result<Withdrawal, EngineError>>;

    fn handle(&mut self, msg: WithdrawOperator, _ctx: &mut Context<Self>) -> Self::Result {
        if !self.waiting_operators.contains_key(&msg.operator) {
            let held = self.holding.get(&msg.operator).and_then(|ticket| {
                self.holders.get(ticket).map(|holder| Withdrawal::Assigned {
                    ticket: (*holder.ticket).clone(),
                    assigned_at: holder.assigned_at,
                })
            });
            return ready(Ok(held.unwrap_or(Withdrawal::NotWaiting)));
        }
        let change = Change::OperatorInterrupted {
            operator: msg.operator.clone(),
            at: self.shared.clock.now(),
        };
        commit_then(self, &self.shared.store, change, move |this, _ctx| {
            let services = this.on_duty.get(&msg.operator).cloned().unwrap_or_default();
            this.remove_waiting_operator(&msg.operator);
            this.set_off_duty(&msg.operator);
            let now = this.shared.clock.now();
            this.shared.views.waits().operator_left(&services, now);
            Ok(Withdrawal::Withdrawn)
        })
    }
}

/// An operator finalized an attention and holds nothing any more.
#[derive(Message)]
#[rtype(result = "()")]
pub struct AttentionClosed {
    /// Who finalized.
    pub operator: OperatorId,
    /// The ticket they held.
    pub ticket: TicketId,
    /// The ticket's service.
    pub service: ServiceCode,
    /// From Iniciar Videoasistencia to Finalizar, when a meeting took place.
    pub attention: Option<Duration>,
    /// Finalizar e Interrumpir (or nothing left to attend): the operator
    /// goes off duty; otherwise they press Atender again at once.
    pub leaving: bool,
}

impl Handler<AttentionClosed> for Dispatcher {
    type Result = ();

    fn handle(&mut self, msg: AttentionClosed, _ctx: &mut Context<Self>) {
        let now = self.shared.clock.now();
        if let Some(holder) = self.holders.remove(&msg.ticket) {
            // From assignment to Finalizar: how long the queue lost this operator.
            let took =
                Duration::try_from(now.duration_since(holder.assigned_at)).unwrap_or_default();
            let today = self.shared.catalog().calendar.local_date(now);
            self.shared
                .views
                .waits()
                .record_attention(&holder.service, took, today);
        }
        if self.holding.get(&msg.operator) == Some(&msg.ticket) {
            self.holding.remove(&msg.operator);
        }
        if msg.leaving {
            let services = self.on_duty.get(&msg.operator).cloned().unwrap_or_default();
            self.set_off_duty(&msg.operator);
            self.shared.views.waits().operator_left(&services, now);
        } else {
            // Back in a moment (Finalizar y Atender siguiente): on duty and free.
            self.publish_duty(&msg.operator);
        }
        if let (Some(took), Some(figures)) =
            (msg.attention, self.shared.views.figures(&msg.service))
        {
            figures.record_attention(took);
        }
    }
}

/// A waiting operator changed their availability ("Gestión disponibilidad
/// operador" while "A la espera"): it takes effect at once, both ways.
#[derive(Message)]
#[rtype(result = "()")]
pub struct WaitingServicesChanged {
    /// The operator whose availability changed.
    pub operator: OperatorId,
    /// Every service they are available for now.
    pub services: Vec<ServiceCode>,
}

impl Handler<WaitingServicesChanged> for Dispatcher {
    type Result = AtomicResponse<Self, ()>;

    fn handle(&mut self, msg: WaitingServicesChanged, _ctx: &mut Context<Self>) -> Self::Result {
        let Some(wait_seq) = self
            .waiting_operators
            .get(&msg.operator)
            .map(|waiting| waiting.wait_seq)
        else {
            // Matched or withdrawn meanwhile: the next Atender reads the new
            // availability anyway.
            return ready(());
        };
        // Same place among the waiting operators, new services.
        self.remove_waiting_operator(&msg.operator);
        self.insert_waiting_operator(msg.operator.clone(), wait_seq, msg.services);
        // A taxpayer may already wait in a service just added: matched
        // before any Atender pressed since.
        AtomicResponse::new(self.match_pending())
    }
}
