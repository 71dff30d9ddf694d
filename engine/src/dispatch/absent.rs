//! Waiting tickets set aside because their page went silent: they keep
//! their join sequence (their place) and the time they end if they stay
//! silent.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use jiff::Timestamp;

use super::queues::Queued;
use crate::domain::ServiceCode;
use crate::ticket::TicketId;

/// A waiting ticket set aside as absent.
#[derive(Debug)]
pub(crate) struct AbsentTicket {
    pub service: ServiceCode,
    pub queued: Queued,
    /// Its entry in the expiry index.
    pub expires_at: Timestamp,
}

/// The absent tickets, by join sequence, with an index of when each ends.
#[derive(Debug, Default)]
pub(crate) struct AbsentTickets {
    by_seq: BTreeMap<u64, AbsentTicket>,
    /// When each absent ticket ends if it stays silent, soonest first. A
    /// ticket whose abandonment is being committed is out of it.
    expiries: BTreeSet<(Timestamp, u64)>,
    /// Absent tickets per service, for the metrics.
    count: HashMap<ServiceCode, usize>,
}

impl AbsentTickets {
    pub fn insert(&mut self, seq: u64, absent: AbsentTicket) {
        self.expiries.insert((absent.expires_at, seq));
        *self.count.entry(absent.service.clone()).or_default() += 1;
        self.by_seq.insert(seq, absent);
    }

    pub fn remove(&mut self, seq: u64) -> Option<AbsentTicket> {
        let absent = self.by_seq.remove(&seq)?;
        self.expiries.remove(&(absent.expires_at, seq));
        if let Some(count) = self.count.get_mut(&absent.service) {
            *count = count.saturating_sub(1);
        }
        Some(absent)
    }

    pub fn get(&self, seq: u64) -> Option<&AbsentTicket> {
        self.by_seq.get(&seq)
    }

    /// Whether `ticket` is the absent ticket at `seq`.
    pub fn holds(&self, ticket: TicketId, seq: u64) -> bool {
        self.get(seq)
            .is_some_and(|absent| absent.queued.id == ticket)
    }

    /// The soonest entry of the expiry index.
    pub fn first_expiry(&self) -> Option<(Timestamp, u64)> {
        self.expiries.first().copied()
    }

    /// Drops an index entry whose ticket is gone.
    pub fn drop_expiry(&mut self, entry: (Timestamp, u64)) {
        self.expiries.remove(&entry);
    }

    /// Polled since it was set aside, then silent again: a new grace.
    pub fn renew(&mut self, seq: u64, expires_at: Timestamp) {
        if let Some(absent) = self.by_seq.get_mut(&seq) {
            self.expiries.remove(&(absent.expires_at, seq));
            self.expiries.insert((expires_at, seq));
            absent.expires_at = expires_at;
        }
    }

    pub fn count(&self, service: &ServiceCode) -> usize {
        self.count.get(service).copied().unwrap_or(0)
    }

    pub fn has_tickets(&self, service: &ServiceCode) -> bool {
        self.count(service) > 0
    }

    /// The oldest slot an absent ticket of `service` keeps.
    pub fn lowest_slot(&self, service: &ServiceCode) -> Option<usize> {
        self.by_seq
            .values()
            .filter(|absent| &absent.service == service)
            .map(|absent| absent.queued.slot)
            .min()
    }

    /// The absent tickets in join order.
    pub fn ids(&self) -> Vec<TicketId> {
        self.by_seq
            .values()
            .map(|absent| absent.queued.id)
            .collect()
    }

    /// Join sequences and expiries, in join order (for tests' comparisons).
    #[cfg(test)]
    pub fn entries(&self) -> Vec<(u64, TicketId, Timestamp)> {
        self.by_seq
            .iter()
            .map(|(seq, absent)| (*seq, absent.queued.id, absent.expires_at))
            .collect()
    }

    #[cfg(test)]
    pub fn expiry_index(&self) -> Vec<(Timestamp, u64)> {
        self.expiries.iter().copied().collect()
    }
}
