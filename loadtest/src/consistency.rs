//! What the run saw of every ticket, and the check through the API at the
//! end: every accepted join still exists and is in a state its history
//! allows, and no ticket was ever shown to two operators.
//!
//! The ledger is filled as the run goes: taxpayers record what their page
//! showed, operators what their console showed. A violation seen during the
//! run (a second operator holding a ticket, a state going backwards) is kept
//! at once; the final check polls every ticket with its token.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use dashmap::DashMap;
use parking_lot::Mutex;
use reqwest::Method;
use serde::{Deserialize, Serialize};

use crate::client::{elapsed_between, Api, Call, Credentials, Reply, ServicesAnswer, TicketAnswer};
use crate::estimates::Told;
use crate::metrics::{Endpoint, Metrics};

/// How many violations are listed verbatim in the report.
const LISTED_VIOLATIONS: usize = 50;

/// Everything known about one ticket.
#[derive(Debug, Default)]
pub struct TicketRecord {
    /// The ticket token, once the join was answered.
    pub token: Option<String>,
    /// Operators whose console showed this ticket (more than one is a violation).
    pub operators: Vec<String>,
    /// Identification numbers of the operator the taxpayer was shown.
    pub badges: Vec<String>,
    /// The latest state the taxpayer's page showed.
    pub last_state: Option<String>,
    /// The taxpayer's Abandonar was answered 200.
    pub abandoned: bool,
    /// The operator who finalized the attention of this ticket.
    pub finalized_by: Option<String>,
    /// The join-to-assignment wait was already recorded.
    pub wait_recorded: bool,
    /// When the join was answered (the client's clock), for the polls' "wait left".
    pub joined_instant: Option<Instant>,
    /// The estimates told until the wait was known.
    pub told: Told,
}

/// A ticket state's place in the only order tickets move in.
fn rank(state: &str) -> Option<u8> {
    match state {
        "waiting" => Some(0),
        "assigned" => Some(1),
        "accepted" => Some(2),
        "finished" | "abandoned" => Some(3),
        _ => None,
    }
}

fn is_final(state: &str) -> bool {
    matches!(state, "finished" | "abandoned")
}

/// The run's record of every ticket.
#[derive(Debug, Default)]
pub struct Ledger {
    tickets: DashMap<String, TicketRecord>,
    violations: Mutex<Vec<String>>,
    violation_count: AtomicUsize,
    double_assigned: AtomicUsize,
    regressions: AtomicUsize,
}

impl Ledger {
    fn violation(&self, text: String) {
        self.violation_count.fetch_add(1, Ordering::Relaxed);
        let mut listed = self.violations.lock();
        if listed.len() < LISTED_VIOLATIONS {
            listed.push(text);
        }
    }

    /// A join was answered 201, telling `estimated_wait_seconds`.
    pub fn joined(&self, ticket_id: &str, token: &str, estimated_wait_seconds: Option<u64>) {
        let mut record = self.tickets.entry(ticket_id.to_string()).or_default();
        record.token = Some(token.to_string());
        record.joined_instant = Some(Instant::now());
        record.told.at_join = Some(estimated_wait_seconds);
    }

    /// The number of tickets known.
    pub fn len(&self) -> usize {
        self.tickets.len()
    }

    /// Whether no ticket is known.
    pub fn is_empty(&self) -> bool {
        self.tickets.is_empty()
    }

    /// Records the wait once, from whichever side saw the assignment first.
    fn record_wait(
        record: &mut TicketRecord,
        joined_at: Option<&str>,
        assigned_at: Option<&str>,
        metrics: &Metrics,
    ) {
        if record.wait_recorded {
            return;
        }
        if let (Some(joined_at), Some(assigned_at)) = (joined_at, assigned_at) {
            if let Some(wait) = elapsed_between(joined_at, assigned_at) {
                metrics.record_wait(wait);
                metrics.estimates.record(&record.told, wait);
                record.told = Told::default();
                record.wait_recorded = true;
            }
        }
    }

    /// An operator's console showed `ticket_id` as theirs.
    pub fn console_shows(
        &self,
        operator_id: &str,
        ticket_id: &str,
        joined_at: Option<&str>,
        assigned_at: Option<&str>,
        metrics: &Metrics,
    ) {
        let mut record = self.tickets.entry(ticket_id.to_string()).or_default();
        if !record.operators.iter().any(|seen| seen == operator_id) {
            if let Some(first) = record.operators.first() {
                let text = format!(
                    "ticket {ticket_id} shown to operator {first} and to operator {operator_id}"
                );
                self.double_assigned.fetch_add(1, Ordering::Relaxed);
                self.violation(text);
            }
            record.operators.push(operator_id.to_string());
        }
        Self::record_wait(&mut record, joined_at, assigned_at, metrics);
    }

    /// The taxpayer's page showed `answer`.
    pub fn taxpayer_sees(&self, ticket_id: &str, answer: &TicketAnswer, metrics: &Metrics) {
        let mut record = self.tickets.entry(ticket_id.to_string()).or_default();
        if let Some(problem) = Self::transition_problem(&record, answer) {
            self.regressions.fetch_add(1, Ordering::Relaxed);
            self.violation(format!("ticket {ticket_id}: {problem}"));
        }
        if let Some(badge) = &answer.operator {
            if !record.badges.contains(&badge.id_number) {
                if let Some(first) = record.badges.first() {
                    let text = format!(
                        "ticket {ticket_id}: the taxpayer was shown operator {first}, then {}",
                        badge.id_number
                    );
                    self.double_assigned.fetch_add(1, Ordering::Relaxed);
                    self.violation(text);
                }
                record.badges.push(badge.id_number.clone());
            }
        }
        if answer.state == "waiting" && !record.wait_recorded {
            if let Some(joined) = record.joined_instant {
                record
                    .told
                    .poll(joined.elapsed(), answer.estimated_wait_seconds);
            }
        }
        record.last_state = Some(answer.state.clone());
        Self::record_wait(
            &mut record,
            answer.joined_at.as_deref(),
            answer.assigned_at.as_deref(),
            metrics,
        );
    }

    /// What is wrong with going from what was seen before to `answer`, if anything.
    fn transition_problem(record: &TicketRecord, answer: &TicketAnswer) -> Option<String> {
        let Some(new_rank) = rank(&answer.state) else {
            return Some(format!("unknown state {:?}", answer.state));
        };
        let previous = record.last_state.as_deref()?;
        let previous_rank = rank(previous)?;
        if is_final(previous) && previous != answer.state {
            return Some(format!("was {previous}, then {}", answer.state));
        }
        if new_rank < previous_rank {
            return Some(format!("went back from {previous} to {}", answer.state));
        }
        None
    }

    /// The taxpayer's Abandonar was accepted.
    pub fn abandoned(&self, ticket_id: &str) {
        let mut record = self.tickets.entry(ticket_id.to_string()).or_default();
        record.abandoned = true;
        record.last_state = Some("abandoned".into());
    }

    /// An operator finalized the attention of `ticket_id`.
    pub fn finalized(&self, ticket_id: &str, operator_id: &str) {
        self.tickets
            .entry(ticket_id.to_string())
            .or_default()
            .finalized_by = Some(operator_id.to_string());
    }

    /// What the final state of a ticket may be, given its history; `None` if it is fine.
    fn final_problem(record: &TicketRecord, state: &str) -> Option<String> {
        if rank(state).is_none() {
            return Some(format!("unknown state {state:?}"));
        }
        if record.abandoned && state != "abandoned" {
            return Some(format!("abandoned by its taxpayer, but {state}"));
        }
        if record.finalized_by.is_some() && !is_final(state) {
            return Some(format!("its attention was finalized, but {state}"));
        }
        if let Some(previous) = record.last_state.as_deref() {
            if is_final(previous) && previous != state {
                return Some(format!("was {previous}, now {state}"));
            }
            if rank(previous).is_some_and(|previous_rank| rank(state) < Some(previous_rank)) {
                return Some(format!("was {previous}, now back to {state}"));
            }
        }
        None
    }
}

/// The consistency section of the report.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ConsistencyReport {
    /// Tickets polled at the end.
    pub tickets_checked: u64,
    /// Final state → tickets.
    pub states: BTreeMap<String, u64>,
    /// Joins answered 201 whose ticket the gateway no longer knows (404) or
    /// whose token it refuses (401).
    pub lost: u64,
    /// Tickets shown to two operators (consoles) or with two operators (page).
    pub double_assigned: u64,
    /// Tickets whose state went backwards or changed after it was final.
    pub regressions: u64,
    /// Tickets whose final state contradicts what happened to them.
    pub wrong_final_state: u64,
    /// Tickets the final poll could not read (transport errors): a violation,
    /// since the check cannot vouch for them.
    pub unreadable: u64,
    /// Tickets seen on a console whose join was never answered: not checkable.
    pub unconfirmed_joins: u64,
    /// With a spawned gateway (no other client), whether the services' waiting
    /// counts equal the tickets found waiting.
    pub queue_count_matches: Option<bool>,
    /// Every violation, counted.
    pub violation_count: u64,
    /// The first violations, in words.
    pub violations: Vec<String>,
    /// No violation.
    pub passed: bool,
}

/// What the final poll of one ticket found.
#[derive(Debug)]
struct FinalPoll {
    ticket_id: String,
    /// The state, if the ticket answered 200.
    state: Option<String>,
    /// The status that refused it (404, 401), if any.
    refused: Option<u16>,
}

/// Polls every ticket with its token and judges what it finds.
pub async fn check(
    api: &Api,
    ledger: &Ledger,
    exclusive_target: bool,
    concurrency: usize,
) -> ConsistencyReport {
    let tickets: Vec<(String, String)> = ledger
        .tickets
        .iter()
        .filter_map(|entry| {
            entry
                .token
                .as_ref()
                .map(|token| (entry.key().clone(), token.clone()))
        })
        .collect();
    let unconfirmed = ledger.len() - tickets.len();
    let tickets = Arc::new(tickets);
    let next = Arc::new(AtomicUsize::new(0));
    let found: Arc<Mutex<Vec<FinalPoll>>> = Arc::default();

    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency.max(1) {
        let (api, tickets, next, found) =
            (api.clone(), tickets.clone(), next.clone(), found.clone());
        workers.spawn(async move {
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some((ticket_id, token)) = tickets.get(index) else {
                    break;
                };
                let (state, refused) = poll_final(&api, ticket_id, token).await;
                found.lock().push(FinalPoll {
                    ticket_id: ticket_id.clone(),
                    state,
                    refused,
                });
            }
        });
    }
    while workers.join_next().await.is_some() {}

    let mut report = ConsistencyReport {
        tickets_checked: tickets.len() as u64,
        unconfirmed_joins: unconfirmed as u64,
        ..ConsistencyReport::default()
    };
    let found = std::mem::take(&mut *found.lock());
    let mut late_violations = Vec::new();
    for FinalPoll {
        ticket_id,
        state,
        refused,
    } in found
    {
        match (state, refused) {
            (Some(state), _) => {
                *report.states.entry(state.clone()).or_default() += 1;
                let problem = ledger
                    .tickets
                    .get(&ticket_id)
                    .and_then(|record| Ledger::final_problem(&record, &state));
                if let Some(problem) = problem {
                    report.wrong_final_state += 1;
                    late_violations.push(format!("ticket {ticket_id}: {problem}"));
                }
            }
            (None, Some(status)) => {
                report.lost += 1;
                late_violations.push(format!(
                    "ticket {ticket_id}: joined with 201, now answered {status}"
                ));
            }
            (None, None) => {
                // Not judged is not passed: the check must see every ticket.
                report.unreadable += 1;
                late_violations.push(format!("ticket {ticket_id}: could not be read at the end"));
            }
        }
    }
    for text in late_violations {
        ledger.violation(text);
    }

    if exclusive_target {
        let waiting_found = report.states.get("waiting").copied().unwrap_or(0);
        let credentials = Credentials::None;
        let call = Call::new(
            Endpoint::Services,
            Method::GET,
            "/api/v1/services",
            &credentials,
        );
        if let Reply::Ok { value, .. } = api.send::<ServicesAnswer>(call).await {
            let waiting: u64 = value.services.iter().map(|service| service.waiting).sum();
            let matches = waiting == waiting_found;
            if !matches {
                ledger.violation(format!(
                    "the services report {waiting} taxpayers waiting; the tickets say {waiting_found}"
                ));
            }
            report.queue_count_matches = Some(matches);
        }
    }

    report.double_assigned = ledger.double_assigned.load(Ordering::Relaxed) as u64;
    report.regressions = ledger.regressions.load(Ordering::Relaxed) as u64;
    report.violation_count = ledger.violation_count.load(Ordering::Relaxed) as u64;
    report.violations = ledger.violations.lock().clone();
    report.passed = report.violation_count == 0;
    report
}

/// One ticket's final poll: its state, or the status that refused it, or
/// neither if the request failed.
async fn poll_final(api: &Api, ticket_id: &str, token: &str) -> (Option<String>, Option<u16>) {
    let Ok(credentials) = Credentials::bearer(token) else {
        return (None, None);
    };
    let path = format!("/api/v1/tickets/{ticket_id}");
    // A 404 or 401 here is a finding of the check, not a request error.
    let call = Call::new(Endpoint::ConsistencyPoll, Method::GET, &path, &credentials);
    match api.send_raw(call).await {
        Some((200, body)) => match serde_json::from_slice::<TicketAnswer>(&body) {
            Ok(answer) => (Some(answer.state), None),
            Err(_) => (None, None),
        },
        Some((status, _)) => (None, Some(status)),
        None => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::OperatorBadge;

    fn seen(state: &str) -> TicketAnswer {
        TicketAnswer {
            state: state.into(),
            estimated_wait_seconds: None,
            operator: None,
            joined_at: None,
            assigned_at: None,
        }
    }

    #[test]
    fn a_ticket_shown_to_two_operators_is_a_violation() {
        let ledger = Ledger::default();
        let metrics = Metrics::new(0);
        ledger.console_shows("op-1", "t1", None, None, &metrics);
        ledger.console_shows("op-1", "t1", None, None, &metrics);
        assert_eq!(ledger.violation_count.load(Ordering::Relaxed), 0);
        ledger.console_shows("op-2", "t1", None, None, &metrics);
        assert_eq!(ledger.double_assigned.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn a_taxpayer_shown_two_operators_is_a_violation() {
        let ledger = Ledger::default();
        let metrics = Metrics::new(0);
        let mut answer = seen("assigned");
        answer.operator = Some(OperatorBadge {
            name: "A".into(),
            id_number: "A-1".into(),
        });
        ledger.taxpayer_sees("t1", &answer, &metrics);
        answer.operator = Some(OperatorBadge {
            name: "B".into(),
            id_number: "B-2".into(),
        });
        ledger.taxpayer_sees("t1", &answer, &metrics);
        assert_eq!(ledger.double_assigned.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn a_state_going_backwards_is_a_violation_and_forwards_is_not() {
        let ledger = Ledger::default();
        let metrics = Metrics::new(0);
        for state in ["waiting", "waiting", "assigned", "accepted", "finished"] {
            ledger.taxpayer_sees("t1", &seen(state), &metrics);
        }
        assert_eq!(ledger.violation_count.load(Ordering::Relaxed), 0);
        ledger.taxpayer_sees("t1", &seen("waiting"), &metrics);
        assert_eq!(ledger.regressions.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn the_final_state_must_agree_with_what_happened() {
        let abandoned = TicketRecord {
            abandoned: true,
            last_state: Some("abandoned".into()),
            ..TicketRecord::default()
        };
        assert!(Ledger::final_problem(&abandoned, "abandoned").is_none());
        assert!(Ledger::final_problem(&abandoned, "finished").is_some());
        let finalized = TicketRecord {
            finalized_by: Some("op-1".into()),
            last_state: Some("accepted".into()),
            ..TicketRecord::default()
        };
        assert!(Ledger::final_problem(&finalized, "finished").is_none());
        assert!(Ledger::final_problem(&finalized, "accepted").is_some());
        let waiting = TicketRecord {
            last_state: Some("waiting".into()),
            ..TicketRecord::default()
        };
        assert!(Ledger::final_problem(&waiting, "waiting").is_none());
        assert!(Ledger::final_problem(&waiting, "assigned").is_none());
    }

    #[test]
    fn the_wait_is_recorded_once_per_ticket() {
        let ledger = Ledger::default();
        let metrics = Metrics::new(0);
        let joined = Some("2026-11-30T10:00:00.000+01:00");
        let assigned = Some("2026-11-30T10:00:00.250+01:00");
        ledger.console_shows("op-1", "t1", joined, assigned, &metrics);
        let mut answer = seen("assigned");
        answer.joined_at = joined.map(str::to_string);
        answer.assigned_at = assigned.map(str::to_string);
        ledger.taxpayer_sees("t1", &answer, &metrics);
        let wait = metrics.wait.lock();
        assert_eq!(wait.len(), 1);
        assert!((wait.max() as i64 - 250_000).abs() < 500);
    }

    #[test]
    fn what_the_taxpayer_was_told_is_judged_once_the_wait_is_known() {
        let ledger = Ledger::default();
        let metrics = Metrics::new(0);
        ledger.joined("t1", "token", Some(20));
        let mut waiting = seen("waiting");
        waiting.estimated_wait_seconds = Some(9);
        ledger.taxpayer_sees("t1", &waiting, &metrics);
        assert_eq!(metrics.estimates.report().taxpayers, 0);

        // Assigned 10 s after joining: told 20 s at join, 100 % off.
        ledger.console_shows(
            "op-1",
            "t1",
            Some("2026-11-30T10:00:00.000+01:00"),
            Some("2026-11-30T10:00:10.000+01:00"),
            &metrics,
        );

        let report = metrics.estimates.report();
        assert_eq!(report.taxpayers, 1);
        assert_eq!(report.at_join.median_percent, Some(100.0));
        // The poll came at once: told 9 s of the 10 s left, 10 % off.
        assert_eq!(report.at_polls.count, 1);
        assert_eq!(report.at_polls.median_percent, Some(10.0));
    }
}
