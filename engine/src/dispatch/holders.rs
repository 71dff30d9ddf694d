//! Who holds which ticket (assigned or in a meeting, until Finalizar), and
//! the operators on duty (waiting or attending) with their services: the
//! estimate's "operators serving the service".

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use jiff::Timestamp;

use crate::domain::{OperatorId, ServiceCode};
use crate::presence::Seen;
use crate::ticket::{TicketDetails, TicketId};

#[derive(Debug, Clone)]
pub(crate) struct Holder {
    /// The held ticket's details, for an Interrumpir that lost the race.
    pub ticket: Arc<TicketDetails>,
    pub operator: OperatorId,
    pub assigned_at: Timestamp,
    /// The ticket's service: whose attention times the hold adds to.
    pub service: ServiceCode,
    /// The page's last poll: an assignment not accepted ends when it goes silent.
    pub seen: Arc<Seen>,
    /// The sweep asked the ticket to end for silence, at this last poll.
    pub ending: Option<Timestamp>,
}

/// Tickets held by an operator, and the reverse.
#[derive(Debug, Default)]
pub(crate) struct Holders {
    by_ticket: HashMap<TicketId, Holder>,
    by_operator: HashMap<OperatorId, TicketId>,
}

impl Holders {
    pub fn insert(&mut self, holder: Holder) {
        self.by_operator
            .insert(holder.operator.clone(), holder.ticket.id);
        self.by_ticket.insert(holder.ticket.id, holder);
    }

    /// `operator` finalized `ticket`: neither holds the other any more.
    /// Answers the hold, if the ticket had one.
    pub fn release(&mut self, operator: &OperatorId, ticket: TicketId) -> Option<Holder> {
        if self.by_operator.get(operator) == Some(&ticket) {
            self.by_operator.remove(operator);
        }
        self.by_ticket.remove(&ticket)
    }

    pub fn holds(&self, operator: &OperatorId) -> bool {
        self.by_operator.contains_key(operator)
    }

    pub fn of_operator(&self, operator: &OperatorId) -> Option<&Holder> {
        self.by_operator
            .get(operator)
            .and_then(|ticket| self.by_ticket.get(ticket))
    }

    pub fn of_ticket(&self, ticket: &TicketId) -> Option<&Holder> {
        self.by_ticket.get(ticket)
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&TicketId, &mut Holder)> {
        self.by_ticket.iter_mut()
    }

    pub fn has_tickets(&self, service: &ServiceCode) -> bool {
        self.by_ticket
            .values()
            .any(|holder| &holder.service == service)
    }

    /// Ticket held by each operator.
    pub fn by_operator(&self) -> BTreeMap<OperatorId, TicketId> {
        self.by_operator
            .iter()
            .map(|(operator, ticket)| (operator.clone(), *ticket))
            .collect()
    }
}

/// Operators waiting or attending, with their services.
#[derive(Debug, Default)]
pub(crate) struct OnDuty {
    services: HashMap<OperatorId, Vec<ServiceCode>>,
    serving: HashMap<ServiceCode, u32>,
}

impl OnDuty {
    /// Puts `operator` on duty for `services` (they were off duty).
    pub fn put(&mut self, operator: OperatorId, services: Vec<ServiceCode>) {
        for service in &services {
            *self.serving.entry(service.clone()).or_default() += 1;
        }
        self.services.insert(operator, services);
    }

    /// Takes `operator` off duty; answers the services they served.
    pub fn take(&mut self, operator: &OperatorId) -> Option<Vec<ServiceCode>> {
        let services = self.services.remove(operator)?;
        for service in &services {
            if let Some(count) = self.serving.get_mut(service) {
                *count = count.saturating_sub(1);
            }
        }
        Some(services)
    }

    pub fn services(&self, operator: &OperatorId) -> Option<&Vec<ServiceCode>> {
        self.services.get(operator)
    }

    /// Operators on duty who serve `service`.
    pub fn serving(&self, service: &ServiceCode) -> u32 {
        self.serving.get(service).copied().unwrap_or(0)
    }

    /// Operators and services, sorted (for tests' comparisons).
    #[cfg(test)]
    pub fn entries(&self) -> Vec<(OperatorId, Vec<ServiceCode>)> {
        let mut entries: Vec<_> = self
            .services
            .iter()
            .map(|(operator, services)| (operator.clone(), services.clone()))
            .collect();
        entries.sort();
        entries
    }
}
