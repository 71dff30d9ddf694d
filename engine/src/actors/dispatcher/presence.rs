//! Taxpayers who leave and come back: the dispatcher's side of presence.
//!
//! A waiting ticket whose page went silent is set aside (out of `queues`,
//! into `absent`, keeping its join sequence) when a match looks at it or
//! when the periodic sweep passes by; a poll brings it back to the same
//! place. Silent past `absent_after + grace`, it ends abandoned (reason
//! "absent") with a note in the taxpayer's history. An assigned ticket not
//! yet accepted whose page goes silent ends the same way, through its ticket
//! actor and its operator, so the console turns to the guide's abandoned
//! screen. Every pass is bounded, so a million waiting tickets never stall
//! dispatch: `SCAN_BUDGET` queued tickets looked at, `EXPIRY_BUDGET`
//! abandonments committed.

use super::*;
use crate::domain::{Annotation, Outcome};
use crate::presence::CONNECTION_LOST_NOTE;

/// Queued tickets one sweep looks at, across all services: at one pass a
/// second, a queue of a million is covered every 50 s, well inside the
/// default `absent_after` of 150 s. Heads are checked at every match anyway.
const SCAN_BUDGET: usize = 20_000;

/// Abandonments one sweep commits; the rest wait for the next pass.
const EXPIRY_BUDGET: usize = 256;

impl Dispatcher {
    /// Sets aside the heads of `service`'s queue whose page went silent.
    pub(super) fn set_aside_silent_heads(&mut self, service: &ServiceCode, now: Timestamp) {
        let settings = self.shared.catalog().presence;
        loop {
            let head = self
                .queues
                .get(service)
                .and_then(|queue| queue.first_key_value())
                .filter(|(_, queued)| queued.seen.is_absent(now, &settings))
                .map(|(seq, _)| *seq);
            match head {
                Some(seq) => self.set_aside(service, seq),
                None => return,
            }
        }
    }

    /// Moves one queued ticket to `absent`: it stops counting for positions
    /// and matches, and keeps its join sequence.
    fn set_aside(&mut self, service: &ServiceCode, seq: u64) {
        let Some(queued) = self.queues.get_mut(service).and_then(|q| q.remove(&seq)) else {
            return;
        };
        if let Some(figures) = self.shared.views.figures(service) {
            figures.dequeue(queued.slot);
        }
        queued.seen.set_absent(true);
        let expires_at = queued.seen.expires_at(&self.shared.catalog().presence);
        self.expiries.insert((expires_at, seq));
        *self.absent_count.entry(service.clone()).or_default() += 1;
        self.absent.insert(
            seq,
            AbsentTicket {
                service: service.clone(),
                queued,
                expires_at,
            },
        );
        self.publish_oldest(service);
    }

    /// Puts an absent ticket back at its place. False if it was not absent.
    fn bring_back(&mut self, seq: u64) -> bool {
        let Some(absent) = self.absent.remove(&seq) else {
            return false;
        };
        self.expiries.remove(&(absent.expires_at, seq));
        self.uncount_absent(&absent.service);
        absent.queued.seen.set_absent(false);
        if let Some(figures) = self.shared.views.figures(&absent.service) {
            figures.requeue(absent.queued.slot);
        }
        let service = absent.service;
        self.queue(&service).insert(seq, absent.queued);
        self.publish_oldest(&service);
        crate::metrics::record_return(&service);
        true
    }

    fn uncount_absent(&mut self, service: &ServiceCode) {
        if let Some(count) = self.absent_count.get_mut(service) {
            *count = count.saturating_sub(1);
        }
    }

    /// Removes an absent ticket for good (abandoned); its slot left the
    /// position tree when it was set aside.
    pub(super) fn forget_absent(&mut self, seq: u64) -> Option<AbsentTicket> {
        let absent = self.absent.remove(&seq)?;
        self.expiries.remove(&(absent.expires_at, seq));
        self.uncount_absent(&absent.service);
        Some(absent)
    }

    /// Whether `ticket` waits at `seq` in `service`, present or absent.
    pub(super) fn waits_at(&self, ticket: TicketId, service: &ServiceCode, seq: u64) -> bool {
        let queued = self
            .queues
            .get(service)
            .and_then(|queue| queue.get(&seq))
            .is_some_and(|queued| queued.id == ticket);
        queued || self.absent.get(&seq).is_some_and(|a| a.queued.id == ticket)
    }

    /// Looks at up to `SCAN_BUDGET` queued tickets from where the last pass
    /// stopped, and sets aside the silent ones.
    fn scan_queues(&mut self, now: Timestamp) -> usize {
        let settings = self.shared.catalog().presence;
        let services: Vec<ServiceCode> = self.queues.keys().cloned().collect();
        let budget = SCAN_BUDGET / services.len().max(1);
        let mut silent = Vec::new();
        for service in services {
            let from = self.sweep_cursor.get(&service).copied().unwrap_or(0);
            let Some(queue) = self.queues.get(&service) else {
                continue;
            };
            let mut last = None;
            for (seq, queued) in queue.range(from..).take(budget) {
                last = Some(*seq);
                if queued.seen.is_absent(now, &settings) {
                    silent.push((service.clone(), *seq));
                }
            }
            // At the end of the queue the next pass starts again at its head.
            let next = match last {
                Some(seq) if queue.range(seq + 1..).next().is_some() => seq + 1,
                _ => 0,
            };
            self.sweep_cursor.insert(service, next);
        }
        let count = silent.len();
        for (service, seq) in silent {
            self.set_aside(&service, seq);
        }
        count
    }

    /// Absent tickets whose grace ran out, soonest first; tickets that were
    /// polled meanwhile go back to their place instead.
    fn due_expiries(&mut self, now: Timestamp) -> (Vec<(u64, Change)>, usize) {
        let settings = self.shared.catalog().presence;
        let mut due = Vec::new();
        let mut returned = 0;
        while due.len() < EXPIRY_BUDGET {
            let Some(&(expires_at, seq)) = self.expiries.first() else {
                break;
            };
            if expires_at > now {
                break;
            }
            let Some(absent) = self.absent.get(&seq) else {
                self.expiries.remove(&(expires_at, seq));
                continue;
            };
            if !absent.queued.seen.is_absent(now, &settings) {
                // Polled again, and the return message is still on its way.
                if self.bring_back(seq) {
                    returned += 1;
                }
                continue;
            }
            let renewed = absent.queued.seen.expires_at(&settings);
            if renewed > now {
                // Polled since it was set aside, then silent again: a new grace.
                self.expiries.remove(&(expires_at, seq));
                self.expiries.insert((renewed, seq));
                if let Some(absent) = self.absent.get_mut(&seq) {
                    absent.expires_at = renewed;
                }
                continue;
            }
            due.push((seq, expiry_change(absent, now)));
            // Out of the index while its commit is under way.
            self.expiries.remove(&(expires_at, seq));
        }
        (due, returned)
    }

    /// Assigned tickets not yet accepted whose page went silent: their
    /// ticket actor ends them through the operator who holds them.
    fn end_silent_assignments(&mut self, now: Timestamp) -> usize {
        let settings = self.shared.catalog().presence;
        let mut ended = 0;
        for (ticket, holder) in self.holders.iter_mut() {
            let last_seen = holder.seen.last_seen();
            if holder.ending == Some(last_seen) || !holder.seen.is_absent(now, &settings) {
                continue;
            }
            let accepted = self
                .shared
                .views
                .ticket(ticket)
                .is_none_or(|view| !matches!(view.state, TicketState::Assigned { .. }));
            if accepted {
                continue;
            }
            let Some(addr) = self.shared.tickets.get(ticket).map(|e| e.value().clone()) else {
                continue;
            };
            holder.ending = Some(last_seen);
            addr.do_send(ticket::Abandon {
                observations: Observations::default(),
                reason: AbandonReason::Absent,
            });
            ended += 1;
        }
        ended
    }

    fn publish_absent_counts(&self) {
        for service in self.shared.catalog().services() {
            let count = self.absent_count.get(&service.code).copied().unwrap_or(0);
            crate::metrics::record_absent(&service.code, count);
        }
    }
}

/// The abandonment of a ticket whose page stayed silent through its grace,
/// with the note its taxpayer's next operator reads.
fn expiry_change(absent: &AbsentTicket, now: Timestamp) -> Change {
    // unwrap: a constant well under the observations limit.
    let note = Observations::parse(CONNECTION_LOST_NOTE).expect("the note is valid observations");
    Change::TicketAbandoned {
        ticket: absent.queued.id,
        operator: None,
        observations: Observations::default(),
        at: now,
        reason: AbandonReason::Absent,
        annotation: Some(Annotation {
            at: now,
            operator_id: None,
            service: absent.service.clone(),
            outcome: Outcome::TaxpayerAbandoned,
            observations: note,
            represented_nif: None,
            taxpayer_observations: None,
            abandon_reason: Some(AbandonReason::Absent),
        }),
    }
}

/// A ticket the dispatcher had set aside was polled again.
#[derive(Message)]
#[rtype(result = "()")]
pub struct TicketReturned {
    /// The ticket whose page answered.
    pub ticket: TicketId,
    /// Its join sequence: its place.
    pub seq: u64,
}

impl Handler<TicketReturned> for Dispatcher {
    type Result = AtomicResponse<Self, ()>;

    fn handle(&mut self, msg: TicketReturned, _ctx: &mut Context<Self>) -> Self::Result {
        let back = self
            .absent
            .get(&msg.seq)
            .is_some_and(|absent| absent.queued.id == msg.ticket);
        if back && self.bring_back(msg.seq) {
            // An operator may be waiting for exactly this taxpayer: they get
            // it before any Atender pressed since.
            return AtomicResponse::new(self.match_pending());
        }
        ready(())
    }
}

/// One pass of presence upkeep: set silent tickets aside, end those whose
/// grace ran out, end silent assignments. Sent every second by the engine
/// (and by tests, after moving the manual clock).
#[derive(Message)]
#[rtype(result = "PresenceSweep")]
pub struct SweepPresence;

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PresenceSweep {
    /// Waiting tickets set aside as absent.
    pub set_aside: usize,
    /// Absent tickets found polling again.
    pub returned: usize,
    /// Absent tickets abandoned (committed).
    pub expired: usize,
    /// Silent assignments asked to end.
    pub assignments_ended: usize,
}

impl Handler<SweepPresence> for Dispatcher {
    type Result = AtomicResponse<Self, PresenceSweep>;

    fn handle(&mut self, _msg: SweepPresence, _ctx: &mut Context<Self>) -> Self::Result {
        let now = self.shared.clock.now();
        let set_aside = self.scan_queues(now);
        let (due, returned) = self.due_expiries(now);
        let assignments_ended = self.end_silent_assignments(now);
        let store = Arc::clone(&self.shared.store);
        let sweep = PresenceSweep {
            set_aside,
            returned,
            expired: 0,
            assignments_ended,
        };
        AtomicResponse::new(Box::pin(
            async move {
                // Concurrent applies: the store's writer commits them as one batch.
                let results = futures_util::future::join_all(
                    due.iter().map(|(_, change)| store.apply(change)),
                )
                .await;
                (due, results)
            }
            .into_actor(self)
            .then(move |(due, results), this, _ctx| {
                let mut sweep = sweep;
                for ((seq, _), result) in due.into_iter().zip(results) {
                    match result {
                        Ok(()) => {
                            this.expired(seq, now);
                            sweep.expired += 1;
                        }
                        Err(error) => {
                            // Tried again at the next pass.
                            tracing::warn!(%error, "absent ticket's abandonment not committed");
                            if let Some(absent) = this.absent.get(&seq) {
                                this.expiries.insert((absent.expires_at, seq));
                            }
                        }
                    }
                }
                this.publish_absent_counts();
                // Tickets that came back go to the operators already waiting
                // before anything else is handled.
                let pending = if sweep.returned > 0 {
                    this.match_pending()
                } else {
                    Box::pin(actix::fut::ready(()))
                };
                pending.map(move |(), _, _| sweep)
            }),
        ))
    }
}

impl Dispatcher {
    /// The abandonment of absent ticket `seq` is committed: everybody hears.
    fn expired(&mut self, seq: u64, at: Timestamp) {
        let Some(absent) = self.forget_absent(seq) else {
            return;
        };
        let id = absent.queued.id;
        self.live
            .remove(&(absent.queued.nif, absent.service.clone()));
        crate::metrics::record_abandon(
            &absent.service,
            crate::metrics::AbandonedWhile::Waiting,
            AbandonReason::Absent,
        );
        if let Some(addr) = self.shared.tickets.get(&id).map(|e| e.value().clone()) {
            addr.do_send(ticket::Expired { at });
        }
    }
}
