//! The poll bodies of a [`TestEngine`] as the gateway renders them: what
//! `TestEngine::console` and `TestEngine::ticket` were while the engine
//! rendered them, so the tests that moved here read the same bodies.

use std::time::Duration;

use engine::console::ConsoleState;
use engine::testsuite::{op, TestEngine};
use engine::ticket::TicketId;
use gateway::render::{self, ConsoleBody, TicketBody};

pub trait Polls {
    /// The console as a poll would answer it now.
    fn console(&self, operator: &str) -> ConsoleBody;
    /// The ticket page as a poll would answer it now.
    fn ticket(&self, ticket: TicketId) -> TicketBody;
    /// Waits (without sleeping) until the operator's console shows `state`.
    async fn until_console(&self, operator: &str, state: ConsoleState) -> ConsoleBody;
    /// Waits until the ticket's page shows `state`.
    async fn until_ticket(&self, ticket: TicketId, state: &str) -> TicketBody;
}

impl Polls for TestEngine {
    fn console(&self, operator: &str) -> ConsoleBody {
        let views = self.engine.views();
        let view = views
            .operator(&op(operator))
            .unwrap_or_else(|| panic!("unknown operator {operator}"));
        let now = self.engine.now();
        let body = render::console(views, &view, now);
        // Every console a test looks at also checks that the 304 path, which
        // decides without rendering, agrees with the body.
        assert_eq!(
            render::console_etag(views, &view, now),
            body.etag(),
            "the ETag decided without rendering differs from the body's"
        );
        body
    }

    fn ticket(&self, ticket: TicketId) -> TicketBody {
        let views = self.engine.views();
        let view = views
            .ticket(&ticket)
            .unwrap_or_else(|| panic!("unknown ticket {ticket}"));
        render::ticket(views, &view, self.engine.now())
    }

    async fn until_console(&self, operator: &str, state: ConsoleState) -> ConsoleBody {
        let wait = self
            .engine
            .views()
            .wait_until(|_| self.console(operator).state == state);
        if tokio::time::timeout(Duration::from_secs(10), wait)
            .await
            .is_err()
        {
            panic!(
                "console of {operator} never reached {state:?}; it shows {:?}",
                self.console(operator).state
            );
        }
        self.console(operator)
    }

    async fn until_ticket(&self, ticket: TicketId, state: &str) -> TicketBody {
        let wait = self
            .engine
            .views()
            .wait_until(|_| self.ticket(ticket).state == state);
        if tokio::time::timeout(Duration::from_secs(10), wait)
            .await
            .is_err()
        {
            panic!(
                "ticket never reached {state}; it shows {}",
                self.ticket(ticket).state
            );
        }
        self.ticket(ticket)
    }
}
