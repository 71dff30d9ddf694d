//! The match: FIFO on both sides. The operator who waited longest gets the
//! longest-waiting present ticket among their services, and a ticket goes
//! to the longest-waiting operator who takes its service.

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;

use super::holders::Holder;
use super::pending::{PendingOperator, PendingTicket};
use super::waiting::WaitingOperator;
use super::{Dispatch, Effect, MatchPlan};
use crate::domain::{OperatorId, ServiceCode};

impl Dispatch {
    /// The longest-waiting present ticket among `services`: (service, join
    /// seq). Heads whose page went silent are set aside on the way, so a
    /// match never goes to a taxpayer who is not there.
    pub(super) fn longest_waiting_ticket(
        &mut self,
        services: &[ServiceCode],
        now: Timestamp,
    ) -> Option<(ServiceCode, u64)> {
        for service in services {
            self.set_aside_silent_heads(service, now);
        }
        self.queues.oldest_head(services)
    }

    /// The next pair that should be matched now, parked until its commit:
    /// the longest-waiting operator who has a ticket to take, with the
    /// longest-waiting ticket among their services. A caller that made a
    /// pair possible (a ticket back, an operator's new service, a commit
    /// that failed) asks for these before it handles anything else, so that
    /// no later Atender takes the ticket from an operator who waited longer.
    pub fn next_match(&mut self, now: Timestamp) -> Option<MatchPlan> {
        for (operator, services) in self.waiting.in_order() {
            if let Some((service, seq)) = self.longest_waiting_ticket(&services, now) {
                let place = self.waiting.remove(&operator).map(|w| w.wait_seq);
                self.pending.operators.insert(
                    operator.clone(),
                    PendingOperator::Matching { services, place },
                );
                return self.park_ticket_for_match(&service, seq, operator, now);
            }
        }
        None
    }

    /// Takes the queued ticket at `seq` out of its queue for a match with
    /// the (already parked) `operator`.
    pub(super) fn park_ticket_for_match(
        &mut self,
        service: &ServiceCode,
        seq: u64,
        operator: OperatorId,
        at: Timestamp,
    ) -> Option<MatchPlan> {
        let Some(queued) = self.queues.remove(service, seq) else {
            tracing::error!(seq, "ticket to match is not in its queue");
            self.restore_operator(&operator);
            return None;
        };
        let ticket = queued.details(service);
        self.pending.tickets.insert(
            seq,
            PendingTicket::Matching {
                service: service.clone(),
                queued,
            },
        );
        Some(MatchPlan {
            ticket,
            seq,
            operator,
            at,
        })
    }

    /// The match is committed: the ticket leaves its queue for good, the
    /// operator holds it, and both sides hear (the operator not when
    /// `operator_hears` is false: they hear through a reply).
    pub fn commit_match(&mut self, plan: MatchPlan, operator_hears: bool) -> Vec<Effect> {
        let Some(PendingTicket::Matching { service, queued }) =
            self.pending.tickets.remove(&plan.seq)
        else {
            tracing::error!(seq = plan.seq, "committed match has no parked ticket");
            return Vec::new();
        };
        let services = match self.pending.operators.remove(&plan.operator) {
            Some(PendingOperator::Matching { services, .. }) => services,
            _ => vec![service.clone()],
        };
        if let Some(figures) = self.views.figures(&service) {
            figures.dequeue(queued.slot);
        }
        self.publish_oldest(&service);
        let waited = plan.at.duration_since(queued.joined_at);
        crate::metrics::record_assignment(
            &service,
            Duration::try_from(waited).unwrap_or_default(),
            queued
                .estimated_wait_secs
                .map(|secs| Duration::from_secs(secs.into())),
        );
        self.set_on_duty(plan.operator.clone(), services);
        self.holders.insert(Holder {
            ticket: Arc::new(plan.ticket.clone()),
            operator: plan.operator.clone(),
            assigned_at: plan.at,
            service,
            seen: queued.seen,
            ending: None,
        });
        self.publish_duty(&plan.operator);
        vec![Effect::Assigned {
            ticket: plan.ticket,
            operator: plan.operator,
            assigned_at: plan.at,
            operator_hears,
        }]
    }

    /// The match was not committed: the ticket goes back to its place in
    /// its queue and the operator to theirs (if they were waiting).
    pub fn rollback_match(&mut self, plan: MatchPlan) {
        self.restore_ticket(plan.seq);
        self.restore_operator(&plan.operator);
    }

    /// Puts a parked ticket back where it waited. A joining ticket was in
    /// no queue: it is simply forgotten.
    pub(super) fn restore_ticket(&mut self, seq: u64) {
        match self.pending.tickets.remove(&seq) {
            Some(PendingTicket::Matching { service, queued }) => {
                self.unsettle(std::slice::from_ref(&service));
                self.queues.insert(&service, seq, queued);
            }
            Some(PendingTicket::Leaving {
                service,
                queued,
                from,
            }) => self.put_back_leaving(seq, service, queued, from),
            Some(PendingTicket::Joining { record }) => {
                self.live.remove(&(record.nif, record.service));
            }
            None => {}
        }
    }

    /// Puts a parked operator back where they were: waiting at their old
    /// place, or nowhere (they were not waiting).
    pub(super) fn restore_operator(&mut self, operator: &OperatorId) {
        let place = match self.pending.operators.remove(operator) {
            Some(PendingOperator::Matching {
                services,
                place: Some(wait_seq),
            }) => Some(WaitingOperator { wait_seq, services }),
            Some(PendingOperator::Leaving { waiting }) => Some(waiting),
            Some(PendingOperator::Matching { place: None, .. })
            | Some(PendingOperator::Waiting { .. })
            | None => None,
        };
        if let Some(waiting) = place {
            // Still on duty: only their place in line comes back.
            self.unsettle(&waiting.services);
            self.waiting.insert(operator.clone(), waiting);
        }
    }

    /// Notes that a waiting operator or a queued ticket came to `services`
    /// by a commit or a rollback rather than by a decision: a pair may
    /// have formed there ([`Dispatch::may_match`]).
    pub(super) fn unsettle(&mut self, services: &[ServiceCode]) {
        self.unsettled.extend(services.iter().cloned());
    }

    /// Whether a ticket and an operator who could be matched may both wait
    /// since the last call: then the caller asks for [`Dispatch::next_match`]
    /// until it answers none. Cheap: it looks only at the services where a
    /// commit or a rollback added someone (with commits in flight, a join
    /// and an Atender may each have been decided without seeing the other).
    pub fn may_match(&mut self) -> bool {
        let possible = self.unsettled.iter().any(|service| {
            self.queues.has_tickets(service) && self.waiting.longest_waiting(service).is_some()
        });
        self.unsettled.clear();
        possible
    }
}
