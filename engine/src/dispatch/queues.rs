//! The waiting tickets whose pages answer, per service, in join order: the
//! only ones a match considers.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use jiff::Timestamp;

use crate::domain::{Nif, ServiceCode};
use crate::presence::{PresenceSettings, Seen};
use crate::store::TicketRecord;
use crate::ticket::{TicketDetails, TicketId};

/// A queued ticket. Deliberately small (no actor address): a million of
/// them may wait; the shell looks the address up when it delivers a match.
#[derive(Debug)]
pub(crate) struct Queued {
    pub id: TicketId,
    /// What the operator who takes it is told (so a match needs no lookup).
    pub nif: Nif,
    pub name: Box<str>,
    pub joined_at: Timestamp,
    /// Its place in the service's position tree (`ServiceFigures`).
    pub slot: usize,
    /// The page's last poll, shared with the ticket's snapshot.
    pub seen: Arc<Seen>,
    /// The wait its taxpayer was told at join, in seconds (none after a
    /// restart): the metrics compare it with the real wait at assignment.
    pub estimated_wait_secs: Option<u32>,
}

impl Queued {
    pub fn new(record: &TicketRecord, slot: usize, seen: Arc<Seen>) -> Queued {
        Queued {
            id: record.id,
            nif: record.nif,
            name: record.name.as_str().into(),
            joined_at: record.joined_at,
            slot,
            seen,
            estimated_wait_secs: None,
        }
    }

    pub fn details(&self, service: &ServiceCode) -> TicketDetails {
        TicketDetails {
            id: self.id,
            nif: self.nif,
            name: self.name.to_string(),
            service: service.clone(),
            joined_at: self.joined_at,
        }
    }
}

/// Present waiting tickets per service, keyed by global join sequence.
#[derive(Debug, Default)]
pub(crate) struct Queues {
    by_service: HashMap<ServiceCode, BTreeMap<u64, Queued>>,
    /// Where the presence sweep goes on scanning each queue from.
    sweep_cursor: HashMap<ServiceCode, u64>,
}

impl Queues {
    pub fn insert(&mut self, service: &ServiceCode, seq: u64, queued: Queued) {
        self.by_service
            .entry(service.clone())
            .or_default()
            .insert(seq, queued);
    }

    pub fn remove(&mut self, service: &ServiceCode, seq: u64) -> Option<Queued> {
        self.by_service.get_mut(service)?.remove(&seq)
    }

    /// The ticket at `seq` in `service`, if it is that ticket.
    pub fn holds(&self, ticket: TicketId, service: &ServiceCode, seq: u64) -> bool {
        self.get(service, seq)
            .is_some_and(|queued| queued.id == ticket)
    }

    pub fn get(&self, service: &ServiceCode, seq: u64) -> Option<&Queued> {
        self.by_service.get(service)?.get(&seq)
    }

    pub fn get_mut(&mut self, service: &ServiceCode, seq: u64) -> Option<&mut Queued> {
        self.by_service.get_mut(service)?.get_mut(&seq)
    }

    /// The longest-waiting ticket of `service`.
    pub fn head(&self, service: &ServiceCode) -> Option<(u64, &Queued)> {
        self.by_service
            .get(service)?
            .first_key_value()
            .map(|(seq, queued)| (*seq, queued))
    }

    /// The longest-waiting ticket among `services`, with its service.
    pub fn oldest_head(&self, services: &[ServiceCode]) -> Option<(ServiceCode, u64)> {
        services
            .iter()
            .filter_map(|service| self.head(service).map(|(seq, _)| (service, seq)))
            .min_by_key(|(_, seq)| *seq)
            .map(|(service, seq)| (service.clone(), seq))
    }

    pub fn has_tickets(&self, service: &ServiceCode) -> bool {
        self.by_service
            .get(service)
            .is_some_and(|queue| !queue.is_empty())
    }

    /// Every service that ever had a queue (empty ones included).
    pub fn services(&self) -> impl Iterator<Item = &ServiceCode> {
        self.by_service.keys()
    }

    /// Ticket ids per service, in queue order.
    pub fn ids(&self) -> BTreeMap<ServiceCode, Vec<TicketId>> {
        self.by_service
            .iter()
            .map(|(service, queue)| (service.clone(), queue.values().map(|q| q.id).collect()))
            .collect()
    }

    /// Looks at up to `budget` queued tickets in all, from where the last
    /// call stopped in each queue, and answers the silent ones.
    pub fn scan_silent(
        &mut self,
        now: Timestamp,
        settings: &PresenceSettings,
        budget: usize,
    ) -> Vec<(ServiceCode, u64)> {
        let per_service = budget / self.by_service.len().max(1);
        let mut silent = Vec::new();
        for (service, queue) in &self.by_service {
            let from = self.sweep_cursor.get(service).copied().unwrap_or(0);
            let mut last = None;
            for (seq, queued) in queue.range(from..).take(per_service) {
                last = Some(*seq);
                if queued.seen.is_absent(now, settings) {
                    silent.push((service.clone(), *seq));
                }
            }
            // At the end of the queue the next pass starts again at its head.
            let next = match last {
                Some(seq) if queue.range(seq + 1..).next().is_some() => seq + 1,
                _ => 0,
            };
            self.sweep_cursor.insert(service.clone(), next);
        }
        silent
    }
}
