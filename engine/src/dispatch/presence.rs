//! Taxpayers who leave and come back: dispatch's side of presence.
//!
//! A waiting ticket whose page went silent is set aside (out of its queue,
//! into the absent tickets, keeping its join sequence) when a match looks
//! at it or when the periodic sweep passes by; a poll brings it back to the
//! same place. Silent past `absent_after + grace`, it ends abandoned (reason
//! "absent") with a note in the taxpayer's history. An assigned ticket not
//! yet accepted whose page goes silent ends the same way, through its ticket
//! actor and its operator, so the console turns to the guide's abandoned
//! screen. Every pass is bounded, so a million waiting tickets never stall
//! dispatch: `SCAN_BUDGET` queued tickets looked at, `EXPIRY_BUDGET`
//! abandonments decided.

use jiff::Timestamp;

use super::absent::AbsentTicket;
use super::pending::{Origin, PendingTicket};
use super::{Dispatch, Effect, LeavePlan};
use crate::domain::{Annotation, Observations, Outcome, ServiceCode};
use crate::presence::CONNECTION_LOST_NOTE;
use crate::store::{AbandonReason, Change, TicketState};
use crate::ticket::TicketId;

/// Queued tickets one sweep looks at, across all services: at one pass a
/// second, a queue of a million is covered every 50 s, well inside the
/// default `absent_after` of 150 s. Heads are checked at every match anyway.
const SCAN_BUDGET: usize = 20_000;

/// Abandonments one sweep decides; the rest wait for the next pass.
const EXPIRY_BUDGET: usize = 256;

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

/// One pass decided: what it did at once, the abandonments to commit (each
/// parked until its `commit_leave` or `rollback_leave`), and the silent
/// assignments to ask to end now.
#[derive(Debug)]
#[must_use = "the parked expiries must be committed or rolled back"]
pub struct SweepPlan {
    /// `expired` is zero: the caller counts the committed ones.
    pub sweep: PresenceSweep,
    pub expiries: Vec<LeavePlan>,
    pub effects: Vec<Effect>,
}

impl Dispatch {
    /// Sets aside the heads of `service`'s queue whose page went silent.
    pub(super) fn set_aside_silent_heads(&mut self, service: &ServiceCode, now: Timestamp) {
        let settings = self.views.catalog().presence;
        while let Some(seq) = self
            .queues
            .head(service)
            .filter(|(_, queued)| queued.seen.is_absent(now, &settings))
            .map(|(seq, _)| seq)
        {
            self.set_aside(service, seq);
        }
    }

    /// Moves one queued ticket aside as absent: it stops counting for
    /// positions and matches, and keeps its join sequence.
    fn set_aside(&mut self, service: &ServiceCode, seq: u64) {
        let Some(queued) = self.queues.remove(service, seq) else {
            return;
        };
        if let Some(figures) = self.views.figures(service) {
            figures.dequeue(queued.slot);
        }
        queued.seen.set_absent(true);
        let expires_at = queued.seen.expires_at(&self.views.catalog().presence);
        self.absent_insert(
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
        let Some(absent) = self.absent_remove(seq) else {
            return false;
        };
        absent.queued.seen.set_absent(false);
        if let Some(figures) = self.views.figures(&absent.service) {
            figures.requeue(absent.queued.slot);
        }
        let service = absent.service;
        self.queues.insert(&service, seq, absent.queued);
        self.publish_oldest(&service);
        crate::metrics::record_return(&service);
        true
    }

    /// A ticket set aside was polled again: back at its place. Answers true
    /// when it came back: an operator may be waiting for exactly this
    /// taxpayer, so the caller matches pending pairs at once
    /// ([`Dispatch::next_match`]), before any Atender pressed since.
    pub fn ticket_returned(&mut self, ticket: TicketId, seq: u64) -> bool {
        self.absent.holds(ticket, seq) && self.bring_back(seq)
    }

    /// One pass of presence upkeep at `now`: sets silent tickets aside,
    /// decides the abandonment of those whose grace ran out, and asks
    /// silent assignments to end. When `returned` is not zero the caller
    /// matches pending pairs once the expiries are settled.
    pub fn sweep(&mut self, now: Timestamp) -> SweepPlan {
        let set_aside = self.scan_queues(now);
        let (expiries, returned) = self.due_expiries(now);
        let effects = self.end_silent_assignments(now);
        self.compact_positions();
        SweepPlan {
            sweep: PresenceSweep {
                set_aside,
                returned,
                expired: 0,
                assignments_ended: effects.len(),
            },
            expiries,
            effects,
        }
    }

    /// Looks at up to `SCAN_BUDGET` queued tickets from where the last pass
    /// stopped, and sets aside the silent ones.
    fn scan_queues(&mut self, now: Timestamp) -> usize {
        let settings = self.views.catalog().presence;
        let silent = self.queues.scan_silent(now, &settings, SCAN_BUDGET);
        let count = silent.len();
        for (service, seq) in silent {
            self.set_aside(&service, seq);
        }
        count
    }

    /// Absent tickets whose grace ran out, soonest first, parked for their
    /// abandonment; tickets that were polled meanwhile go back to their
    /// place instead (counted in the second value).
    fn due_expiries(&mut self, now: Timestamp) -> (Vec<LeavePlan>, usize) {
        let settings = self.views.catalog().presence;
        let mut due = Vec::new();
        let mut returned = 0;
        while due.len() < EXPIRY_BUDGET {
            let Some((expires_at, seq)) = self.absent.first_expiry() else {
                break;
            };
            if expires_at > now {
                break;
            }
            let Some(absent) = self.absent.get(seq) else {
                self.absent.drop_expiry((expires_at, seq));
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
                self.absent.renew(seq, renewed);
                continue;
            }
            let Some(absent) = self.absent_remove(seq) else {
                continue;
            };
            due.push(LeavePlan {
                ticket: absent.queued.id,
                seq,
                change: expiry_change(&absent, now),
            });
            self.pending.tickets.insert(
                seq,
                PendingTicket::Leaving {
                    service: absent.service,
                    queued: absent.queued,
                    from: Origin::Absent {
                        expires_at: absent.expires_at,
                    },
                },
            );
        }
        (due, returned)
    }

    /// Assigned tickets not yet accepted whose page went silent: their
    /// ticket actor ends them through the operator who holds them. Each
    /// silence is asked about once.
    fn end_silent_assignments(&mut self, now: Timestamp) -> Vec<Effect> {
        let settings = self.views.catalog().presence;
        let views = &self.views;
        let mut effects = Vec::new();
        for (ticket, holder) in self.holders.iter_mut() {
            let last_seen = holder.seen.last_seen();
            if holder.ending == Some(last_seen) || !holder.seen.is_absent(now, &settings) {
                continue;
            }
            // Only a ticket whose actor still runs has a snapshot to read.
            let Some(view) = views.ticket(ticket) else {
                continue;
            };
            if !matches!(view.state, TicketState::Assigned { .. }) {
                continue;
            }
            holder.ending = Some(last_seen);
            effects.push(Effect::EndSilentAssignment { ticket: *ticket });
        }
        effects
    }

    /// Sets a ticket aside as absent, and says so in its service's figures.
    pub(super) fn absent_insert(&mut self, seq: u64, absent: AbsentTicket) {
        let service = absent.service.clone();
        self.absent.insert(seq, absent);
        self.publish_absent(&service);
    }

    /// Takes a ticket out of the absent ones (back, abandoned or parked).
    pub(super) fn absent_remove(&mut self, seq: u64) -> Option<AbsentTicket> {
        let absent = self.absent.remove(seq)?;
        self.publish_absent(&absent.service);
        Some(absent)
    }

    /// The figures count the service's absent tickets: a closed service
    /// whose queue is only absent taxpayers still has operators waiting for
    /// it (they may come back, at their place).
    fn publish_absent(&self, service: &ServiceCode) {
        if let Some(figures) = self.views.figures(service) {
            figures.set_absent(self.absent.count(service));
        }
    }

    /// Publishes how many tickets each service has set aside (metrics).
    pub fn publish_absent_counts(&self) {
        for service in self.views.catalog().services() {
            crate::metrics::record_absent(&service.code, self.absent.count(&service.code));
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
