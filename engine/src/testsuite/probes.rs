//! What a test asks a [`TestEngine`] about its operators and tickets: the
//! engine's facts (console state, assignment, queue place) as the published
//! snapshots give them, without rendering a poll body (the gateway owns those).

use std::sync::Arc;
use std::time::Duration;

use super::{op, TestEngine};
use crate::console::{self, ConsoleState};
use crate::place::{self, Place};
use crate::store::TicketState;
use crate::ticket::TicketId;
use crate::views::{AssignmentView, MeetingView, OperatorView, TicketView};

impl TestEngine {
    /// The operator's published snapshot now.
    pub fn operator_view(&self, operator: &str) -> Arc<OperatorView> {
        self.engine
            .views()
            .operator(&op(operator))
            .unwrap_or_else(|| panic!("unknown operator {operator}"))
    }

    /// The state the operator's console shows now.
    pub fn console_state(&self, operator: &str) -> ConsoleState {
        let view = self.operator_view(operator);
        console::console_state(self.engine.views(), &view, self.engine.now())
    }

    /// The operator's services as the console lists them now: (code, open, active).
    pub fn services(&self, operator: &str) -> Vec<(String, bool, bool)> {
        let views = self.engine.views();
        let catalog = views.catalog();
        let view = self.operator_view(operator);
        console::services(views, &catalog, &view, self.engine.now())
            .into_iter()
            .map(|status| {
                let code = status.service.code.as_str().to_string();
                (code, status.open, status.active)
            })
            .collect()
    }

    /// How many attentions the operator has finished today.
    pub fn attended_today(&self, operator: &str) -> u32 {
        let view = self.operator_view(operator);
        console::attended_today(self.engine.views(), &view, self.engine.now())
    }

    /// The ticket the operator holds (assigned, in a meeting or abandoned).
    pub fn assignment(&self, operator: &str) -> Option<AssignmentView> {
        self.operator_view(operator).duty.held().0.cloned()
    }

    /// The meeting of the operator's attention in progress, if any.
    pub fn meeting(&self, operator: &str) -> Option<MeetingView> {
        self.operator_view(operator).duty.held().1.cloned()
    }

    /// Everything the operator's console is rendered from now, as text, to
    /// compare two moments: the whole snapshot, its state, its services'
    /// flags and the day's attended count.
    pub fn console_facts(&self, operator: &str) -> String {
        format!(
            "{:?} {:?} {:?} {}",
            self.operator_view(operator),
            self.console_state(operator),
            self.services(operator),
            self.attended_today(operator)
        )
    }

    /// Everything the ticket's page is rendered from now, as text: the whole
    /// snapshot and its place in the queue.
    pub fn ticket_facts(&self, ticket: TicketId) -> String {
        format!("{:?} {:?}", self.ticket_view(ticket), self.place(ticket))
    }

    /// The ticket's published snapshot now.
    pub fn ticket_view(&self, ticket: TicketId) -> Arc<TicketView> {
        self.engine
            .views()
            .ticket(&ticket)
            .unwrap_or_else(|| panic!("unknown ticket {ticket}"))
    }

    /// The name of the ticket's state now ("waiting", "assigned", ...).
    pub fn ticket_state(&self, ticket: TicketId) -> &'static str {
        self.ticket_view(ticket).state.name()
    }

    /// Why the ticket was abandoned ("taxpayer", "absent"), if it was.
    pub fn abandon_reason(&self, ticket: TicketId) -> Option<&'static str> {
        match &self.ticket_view(ticket).state {
            TicketState::Abandoned { reason, .. } => Some(reason.as_str()),
            _ => None,
        }
    }

    /// The ticket's place in its queue now, if it waits.
    pub fn place(&self, ticket: TicketId) -> Option<Place> {
        let view = self.ticket_view(ticket);
        place::place(self.engine.views(), &view, self.engine.now())
    }

    /// The ticket's estimated wait now, in whole seconds, if it waits and
    /// somebody serves its service.
    pub fn wait_seconds(&self, ticket: TicketId) -> Option<u64> {
        self.place(ticket)
            .and_then(|place| place.estimate.wait_seconds())
    }

    /// Why the ticket's estimate may have risen ("no_operator", ...), if it waits.
    pub fn estimate_reason(&self, ticket: TicketId) -> Option<&'static str> {
        self.place(ticket)
            .and_then(|place| place.estimate.reason)
            .map(|reason| reason.as_str())
    }

    /// Whether the ticket's estimated start is after today's closing.
    pub fn estimate_past_closing(&self, ticket: TicketId) -> bool {
        self.place(ticket)
            .is_some_and(|place| place.estimate.past_closing)
    }

    /// The ticket's queue position now, if it waits.
    pub fn position(&self, ticket: TicketId) -> Option<u32> {
        place::position(self.engine.views(), &self.ticket_view(ticket))
    }

    /// Waits (without sleeping) until the operator's console shows `state`.
    pub async fn until_console_state(
        &self,
        operator: &str,
        state: ConsoleState,
    ) -> Arc<OperatorView> {
        let wait = self
            .engine
            .views()
            .wait_until(|_| self.console_state(operator) == state);
        if tokio::time::timeout(Duration::from_secs(10), wait)
            .await
            .is_err()
        {
            panic!(
                "console of {operator} never reached {state:?}; it shows {:?}",
                self.console_state(operator)
            );
        }
        self.operator_view(operator)
    }

    /// Waits until the ticket's state is named `state`.
    pub async fn until_ticket_state(&self, ticket: TicketId, state: &str) -> Arc<TicketView> {
        let wait = self
            .engine
            .views()
            .wait_until(|_| self.ticket_state(ticket) == state);
        if tokio::time::timeout(Duration::from_secs(10), wait)
            .await
            .is_err()
        {
            panic!(
                "ticket never reached {state}; it shows {}",
                self.ticket_state(ticket)
            );
        }
        self.ticket_view(ticket)
    }
}
