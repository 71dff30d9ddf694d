//! `Dispatch` alone: no actor, no store. Each test plays the shell: it asks
//! for a decision, says whether the commit went through, and reads the
//! effects and the published figures.

mod fifo;
mod in_flight;
mod positions;
mod presence;
mod rollback;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;

use super::*;
use crate::catalog::{Catalog, CatalogHandle};
use crate::domain::{Nif, Observations, OperatorId, ServiceCode};
use crate::error::EngineError;
use crate::store::{AbandonReason, Change};
use crate::testsuite::{default_settings, dni, madrid, op};
use crate::views::Views;

/// Dispatch for the shipped configuration (services APOYOIRPF and CLAVE,
/// operators op-0001..3), with nothing recovered, at a Monday 10:00.
struct Harness {
    dispatch: Dispatch,
    views: Arc<Views>,
    now: Timestamp,
    next_taxpayer: u32,
}

/// A ticket as the shell knows it after its join committed.
struct Joined {
    id: TicketId,
    seq: u64,
    service: ServiceCode,
    seen: Arc<Seen>,
    receipt: JoinReceipt,
    effects: Vec<Effect>,
}

fn service(code: &str) -> ServiceCode {
    ServiceCode::parse(code).expect("a configured service")
}

fn services(codes: &[&str]) -> Vec<ServiceCode> {
    codes.iter().map(|code| service(code)).collect()
}

impl Harness {
    fn new() -> Harness {
        let catalog = Catalog::new(default_settings());
        let views = Arc::new(Views::new(Arc::new(CatalogHandle::new(catalog))));
        Harness {
            dispatch: Dispatch::recover(Arc::clone(&views), DispatchSeed::default()),
            views,
            now: madrid("2026-11-30 10:00"),
            next_taxpayer: 1,
        }
    }

    fn advance(&mut self, by: Duration) {
        self.now = self
            .now
            .checked_add(jiff::SignedDuration::try_from(by).expect("a short duration"))
            .expect("a time in range");
    }

    /// A new taxpayer joins `code`; the join (and the match it brings, if an
    /// operator waits) commits.
    fn join(&mut self, code: &str) -> Joined {
        self.advance(Duration::from_secs(1));
        let nif = Nif::parse(&dni(self.next_taxpayer)).expect("a valid NIF");
        self.next_taxpayer += 1;
        let plan = match self.decide_join(nif, code) {
            Ok(JoinDecision::Join(plan)) => plan,
            other => panic!("a new taxpayer joins: {other:?}"),
        };
        let seq = plan.record.seq;
        let (receipt, effects) = self.dispatch.commit_join(plan, true);
        let seen = match effects.first() {
            Some(Effect::StartTicket(view)) => Arc::clone(&view.seen),
            other => panic!("a join starts its ticket first: {other:?}"),
        };
        Joined {
            id: receipt.ticket_id,
            seq,
            service: service(code),
            seen,
            receipt,
            effects,
        }
    }

    fn decide_join(&mut self, nif: Nif, code: &str) -> Result<JoinDecision, EngineError> {
        self.dispatch
            .decide_join(nif, "ANA".to_string(), service(code), false, self.now)
    }

    /// `operator` presses Atender for `codes`, and the commit goes through.
    fn ready(&mut self, operator: &str, codes: &[&str]) -> (Readiness, Vec<Effect>) {
        self.advance(Duration::from_secs(1));
        let plan = self
            .dispatch
            .decide_ready(op(operator), services(codes), self.now)
            .expect("an idle operator may press Atender");
        self.dispatch.commit_ready(plan)
    }

    /// The ticket `operator` got from their Atender, if any.
    fn ready_gets(&mut self, operator: &str, codes: &[&str]) -> Option<TicketId> {
        match self.ready(operator, codes).0 {
            Readiness::Matched { ticket, .. } => Some(ticket.id),
            Readiness::Waiting { .. } => None,
        }
    }

    /// Matches every pair the state allows now, committing each, as the
    /// shell does after a return: answers (ticket, operator) in order.
    fn match_all(&mut self) -> Vec<(TicketId, OperatorId)> {
        let mut matched = Vec::new();
        while let Some(plan) = self.dispatch.next_match(self.now) {
            matched.push((plan.ticket.id, plan.operator.clone()));
            let _effects = self.dispatch.commit_match(plan, true);
        }
        matched
    }

    fn position(&self, ticket: &Joined) -> u32 {
        let slot = match ticket.effects.first() {
            Some(Effect::StartTicket(view)) => view.slot.expect("a waiting ticket has a slot"),
            _ => unreachable!("checked at join"),
        };
        self.views
            .figures(&ticket.service)
            .expect("figures")
            .position(slot)
    }

    fn waiting_in(&self, code: &str) -> u32 {
        self.views
            .figures(&service(code))
            .expect("figures")
            .waiting()
    }

    /// Everything dispatch holds, in a comparable form: two equal digests
    /// mean no decision could tell the two states apart.
    fn digest(&self) -> String {
        let d = &self.dispatch;
        let mut live: Vec<_> = d.live.iter().map(|(k, v)| (k.clone(), *v)).collect();
        live.sort();
        let figures: Vec<_> = self
            .views
            .catalog()
            .services()
            .iter()
            .map(|s| {
                let f = self.views.figures(&s.code).expect("figures");
                (
                    s.code.clone(),
                    f.waiting(),
                    f.serving_operators(),
                    f.oldest_joined(),
                )
            })
            .collect();
        format!(
            "queues {:?}\nabsent {:?} {:?}\nwaiting {:?}\nholding {:?}\non duty {:?}\n\
             live {:?}\npending {}\nfigures {:?}",
            d.queues.ids(),
            d.absent.entries(),
            d.absent.expiry_index(),
            d.waiting.entries(),
            d.holders.by_operator(),
            d.on_duty.entries(),
            live,
            d.pending.is_empty(),
            figures,
        )
    }
}

fn observations() -> Observations {
    Observations::parse("me voy").expect("valid observations")
}
