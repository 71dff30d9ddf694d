//! What taxpayers ask of the queues: join, leave, and a held ticket's end.

use super::*;

/// A taxpayer joins a service queue (already validated by the engine).
#[derive(Message)]
#[rtype(result = "Result<JoinReceipt, EngineError>")]
pub struct Join {
    /// The taxpayer's NIF/NIE.
    pub nif: Nif,
    /// The name the taxpayer gave.
    pub name: String,
    /// The service they queue for.
    pub service: ServiceCode,
    /// The identity was verified against the directory: a taxpayer who
    /// already has a live ticket in the service takes it up again (a new
    /// token) instead of being refused.
    pub may_resume: bool,
}

/// What a taxpayer gets back from joining.
#[derive(Debug, Clone, PartialEq)]
pub struct JoinReceipt {
    pub ticket_id: TicketId,
    pub token: TicketToken,
    /// 1-based position in the queue; 0 when an operator took it at once.
    pub position: u32,
    /// `None` when no operator is serving the service right now.
    pub estimated_wait: Option<Duration>,
    /// The estimated start of the attention is after the service's closing time today.
    pub estimate_past_closing: bool,
    /// The taxpayer took up the ticket they already had (same id, new token).
    pub resumed: bool,
}

impl Handler<Join> for Dispatcher {
    type Result = AtomicResponse<Self, Result<JoinReceipt, EngineError>>;

    fn handle(&mut self, msg: Join, _ctx: &mut Context<Self>) -> Self::Result {
        if let Some(ticket) = self.live.get(&(msg.nif, msg.service.clone())).copied() {
            if !msg.may_resume {
                return ready(Err(EngineError::AlreadyWaiting));
            }
            return self.resume(ticket);
        }
        // The front door checked the service against the catalog it loaded;
        // a reload handled in between may have withdrawn it.
        if self
            .shared
            .catalog()
            .service_by_text(msg.service.as_str())
            .is_none()
        {
            return ready(Err(EngineError::UnknownService {
                code: msg.service.as_str().to_string(),
            }));
        }
        // A pair left by a failed commit is matched first: the newcomer
        // never passes over it.
        self.after_pending(move |this| this.decide_join(msg))
    }
}

impl Dispatcher {
    /// Stamps the newcomer, matches them with the longest-waiting operator
    /// if any, and commits both.
    fn decide_join(&mut self, msg: Join) -> Decision<JoinReceipt> {
        let now = self.shared.clock.now();
        let record = TicketRecord {
            id: self.fresh_ticket_id(),
            token: TicketToken::random(),
            nif: msg.nif,
            name: msg.name,
            service: msg.service,
            seq: self.next_seq,
            joined_at: now,
            state: TicketState::Waiting,
        };
        let operator = self.longest_waiting_operator(&record.service);
        if operator.is_none() && self.shared.catalog().refuse_joins_past_closing {
            // Everybody waiting is ahead of the newcomer.
            let ahead = self
                .shared
                .views
                .figures(&record.service)
                .map_or(0, |figures| figures.waiting());
            if self
                .shared
                .views
                .estimate(&record.service, ahead, now)
                .past_closing
            {
                return Box::pin(actix::fut::ready(Err(EngineError::ServiceClosing)));
            }
        }
        let joined = Change::TicketJoined {
            ticket: record.clone(),
        };
        let matched = operator.clone().map(|operator| Change::Matched {
            ticket: record.id,
            operator,
            at: now,
        });
        let store = Arc::clone(&self.shared.store);
        let commit = async move {
            store.apply(&joined).await?;
            let match_result = match &matched {
                Some(change) => Some(store.apply(change).await),
                None => None,
            };
            Ok::<_, StoreError>(match_result)
        };
        Box::pin(commit.into_actor(self).map(move |result, this, ctx| {
            let match_result = result?;
            this.next_seq = this.next_seq.max(record.seq + 1);
            let (id, token, service, seq) =
                (record.id, record.token, record.service.clone(), record.seq);
            this.commit_join(record);
            match (operator, match_result) {
                (Some(operator), Some(Ok(()))) => {
                    this.commit_match(&service, seq, &operator, now, true);
                    return Ok(JoinReceipt {
                        ticket_id: id,
                        token,
                        position: 0,
                        estimated_wait: Some(Duration::ZERO),
                        estimate_past_closing: false,
                        resumed: false,
                    });
                }
                (Some(_), Some(Err(error))) => {
                    tracing::warn!(%error, "match after join not committed; retrying");
                    this.retry_later(ctx);
                }
                _ => {}
            }
            let position = this
                .shared
                .views
                .ticket(&id)
                .and_then(|view| {
                    let figures = this.shared.views.figures(&service)?;
                    Some(figures.position(view.slot?))
                })
                .unwrap_or(1);
            let estimate = this
                .shared
                .views
                .estimate(&service, position.saturating_sub(1), now);
            if let Some(queued) = this
                .queues
                .get_mut(&service)
                .and_then(|queue| queue.get_mut(&seq))
            {
                queued.estimated_wait_secs = estimate
                    .wait_seconds()
                    .map(|secs| u32::try_from(secs).unwrap_or(u32::MAX));
            }
            Ok(JoinReceipt {
                ticket_id: id,
                token,
                position,
                estimated_wait: estimate.wait,
                estimate_past_closing: estimate.past_closing,
                resumed: false,
            })
        }))
    }
}

/// Abandonar from the queue.
#[derive(Message)]
#[rtype(result = "Result<Abandonment, EngineError>")]
pub struct AbandonWaiting {
    /// The ticket that leaves.
    pub ticket: TicketId,
    /// Its service and join sequence: where it sits in the queues.
    pub service: ServiceCode,
    pub seq: u64,
    /// Its NIF, to free the one-live-ticket rule.
    pub nif: Nif,
    /// "Observaciones (en caso de abandonar)".
    pub observations: Observations,
}

/// How an Abandonar from the queue ended.
#[derive(Debug, Clone)]
pub enum Abandonment {
    Abandoned {
        at: Timestamp,
    },
    /// Too late: an operator holds the ticket, who must hear of it.
    Assigned {
        operator: OperatorId,
        operator_addr: Addr<OperatorActor>,
        assigned_at: Timestamp,
    },
    Gone,
}

impl Handler<AbandonWaiting> for Dispatcher {
    type Result = AtomicResponse<Self, Result<Abandonment, EngineError>>;

    fn handle(&mut self, msg: AbandonWaiting, _ctx: &mut Context<Self>) -> Self::Result {
        let queued = self.waits_at(msg.ticket, &msg.service, msg.seq);
        if !queued {
            let held = self.holders.get(&msg.ticket).and_then(|holder| {
                self.operators
                    .get(&holder.operator)
                    .map(|addr| Abandonment::Assigned {
                        operator: holder.operator.clone(),
                        operator_addr: addr.clone(),
                        assigned_at: holder.assigned_at,
                    })
            });
            return ready(Ok(held.unwrap_or(Abandonment::Gone)));
        }
        let at = self.shared.clock.now();
        let change = Change::TicketAbandoned {
            ticket: msg.ticket,
            operator: None,
            observations: msg.observations.clone(),
            at,
            reason: AbandonReason::Taxpayer,
            annotation: None,
        };
        commit_then(self, &self.shared.store, change, move |this, _ctx| {
            if let Some(queued) = this.queue(&msg.service).remove(&msg.seq) {
                if let Some(figures) = this.shared.views.figures(&msg.service) {
                    figures.dequeue(queued.slot);
                }
            }
            // Set aside as absent: its slot already left the position tree.
            this.forget_absent(msg.seq);
            this.publish_oldest(&msg.service);
            crate::metrics::record_abandon(
                &msg.service,
                crate::metrics::AbandonedWhile::Waiting,
                AbandonReason::Taxpayer,
            );
            this.live.remove(&(msg.nif, msg.service));
            Ok(Abandonment::Abandoned { at })
        })
    }
}

/// A held ticket reached its end (finished, or abandoned after assignment):
/// its taxpayer may join that service again.
#[derive(Message)]
#[rtype(result = "()")]
pub struct TicketEnded {
    /// The taxpayer's NIF.
    pub nif: Nif,
    /// The service the ticket was for.
    pub service: ServiceCode,
}

impl Handler<TicketEnded> for Dispatcher {
    type Result = ();

    fn handle(&mut self, msg: TicketEnded, _ctx: &mut Context<Self>) {
        self.live.remove(&(msg.nif, msg.service));
    }
}

impl Dispatcher {
    /// A verified taxpayer asks again for a service where their ticket is
    /// still live: the same ticket, its current place and a new token (the
    /// old one stops working).
    fn resume(
        &mut self,
        ticket: TicketId,
    ) -> AtomicResponse<Self, Result<JoinReceipt, EngineError>> {
        let token = TicketToken::random();
        let change = Change::TicketTokenRenewed {
            ticket,
            token,
            at: self.shared.clock.now(),
        };
        commit_then(self, &self.shared.store, change, move |this, _ctx| {
            let Some(addr) = this.shared.tickets.get(&ticket).map(|e| e.value().clone()) else {
                return Err(EngineError::UnknownTicket);
            };
            addr.do_send(super::ticket::TokenRenewed { token });
            let now = this.shared.clock.now();
            let (position, estimate) = this
                .shared
                .views
                .ticket(&ticket)
                .and_then(|view| {
                    let figures = this.shared.views.figures(&view.service)?;
                    let position = figures.position(view.slot?);
                    // Still waiting: re-estimated now; held: being served.
                    let estimate = matches!(view.state, TicketState::Waiting).then(|| {
                        this.shared
                            .views
                            .estimate(&view.service, position.saturating_sub(1), now)
                    });
                    Some((position, estimate))
                })
                .unwrap_or((0, None));
            Ok(JoinReceipt {
                ticket_id: ticket,
                token,
                position,
                estimated_wait: estimate.map_or(Some(Duration::ZERO), |estimate| estimate.wait),
                estimate_past_closing: estimate.is_some_and(|estimate| estimate.past_closing),
                resumed: true,
            })
        })
    }
}
