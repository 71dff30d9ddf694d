//! The operators waiting for a taxpayer ("A la espera"), in the order they
//! started waiting, indexed by each service they take.

use std::collections::{BTreeMap, HashMap};

use crate::domain::{OperatorId, ServiceCode};

/// One waiting operator: their place and the services they wait for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WaitingOperator {
    /// Their place among the waiting operators (smaller waited longer).
    pub wait_seq: u64,
    pub services: Vec<ServiceCode>,
}

#[derive(Debug, Default)]
pub(crate) struct WaitingOperators {
    by_service: HashMap<ServiceCode, BTreeMap<u64, OperatorId>>,
    by_operator: HashMap<OperatorId, WaitingOperator>,
    next_wait_seq: u64,
}

impl WaitingOperators {
    /// The place of an operator who starts waiting now: after everybody.
    pub fn next_place(&mut self) -> u64 {
        let wait_seq = self.next_wait_seq;
        self.next_wait_seq += 1;
        wait_seq
    }

    pub fn insert(&mut self, operator: OperatorId, waiting: WaitingOperator) {
        for service in &waiting.services {
            self.by_service
                .entry(service.clone())
                .or_default()
                .insert(waiting.wait_seq, operator.clone());
        }
        self.by_operator.insert(operator, waiting);
    }

    pub fn remove(&mut self, operator: &OperatorId) -> Option<WaitingOperator> {
        let waiting = self.by_operator.remove(operator)?;
        for service in &waiting.services {
            if let Some(operators) = self.by_service.get_mut(service) {
                operators.remove(&waiting.wait_seq);
            }
        }
        Some(waiting)
    }

    pub fn contains(&self, operator: &OperatorId) -> bool {
        self.by_operator.contains_key(operator)
    }

    /// The operator who has waited longest for `service`.
    pub fn longest_waiting(&self, service: &ServiceCode) -> Option<&OperatorId> {
        self.by_service
            .get(service)?
            .first_key_value()
            .map(|(_, operator)| operator)
    }

    /// Every waiting operator with their services, longest-waiting first.
    pub fn in_order(&self) -> Vec<(OperatorId, Vec<ServiceCode>)> {
        let mut operators: Vec<(&u64, &OperatorId, &Vec<ServiceCode>)> = self
            .by_operator
            .iter()
            .map(|(operator, waiting)| (&waiting.wait_seq, operator, &waiting.services))
            .collect();
        operators.sort_by_key(|(wait_seq, _, _)| **wait_seq);
        operators
            .into_iter()
            .map(|(_, operator, services)| (operator.clone(), services.clone()))
            .collect()
    }

    /// Places and services, longest-waiting first (for tests' comparisons).
    #[cfg(test)]
    pub fn entries(&self) -> Vec<(u64, OperatorId, Vec<ServiceCode>)> {
        let mut entries: Vec<_> = self
            .by_operator
            .iter()
            .map(|(operator, waiting)| {
                (waiting.wait_seq, operator.clone(), waiting.services.clone())
            })
            .collect();
        entries.sort();
        entries
    }
}
