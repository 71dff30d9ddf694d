//! One simulated taxpayer: joins the queue at their arrival time, polls
//! their ticket as the page does, accepts the call after a while, or leaves.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;
use reqwest::Method;
use serde_json::json;

use crate::client::{Call, Credentials, Ignored, JoinAnswer, Reply, TicketAnswer};
use crate::metrics::Endpoint;
use crate::run::RunContext;

/// The DNI check letters, indexed by the number modulo 23.
const DNI_LETTERS: &[u8; 23] = b"TRWAGMYFPDXBNJZSQVHLCKE";

/// A valid DNI for `number` (taken modulo 10⁸): eight digits and the check letter.
pub fn dni(number: u64) -> String {
    let number = number % 100_000_000;
    let letter = char::from(DNI_LETTERS[(number % 23) as usize]);
    format!("{number:08}{letter}")
}

/// Unique DNIs for the arrivals of one run: arrival `n` gets a number that no
/// other arrival of the run gets (an odd multiplier prime to 10⁸ permutes the
/// numbers), offset by a per-run salt so that a second run against the same
/// gateway does not meet its own taxpayers still waiting (`already_waiting`).
#[derive(Debug, Clone, Copy)]
pub struct NifSequence {
    salt: u64,
}

impl NifSequence {
    /// 7,919 is prime and neither 2 nor 5: multiplication by it is a
    /// bijection modulo 10⁸.
    const STRIDE: u64 = 7_919;

    pub fn new(salt: u64) -> NifSequence {
        NifSequence {
            salt: salt % 100_000_000,
        }
    }

    /// The DNI of arrival `index` (unique for the first 10⁸ arrivals).
    pub fn nth(&self, index: u64) -> String {
        dni(self.salt + (index % 100_000_000) * Self::STRIDE)
    }
}

/// What one taxpayer will do, decided at arrival.
#[derive(Debug, Clone)]
pub struct TaxpayerPlan {
    /// Arrival number, from 0.
    pub index: u64,
    /// When the join is meant to be sent.
    pub intended: Instant,
    pub nif: String,
    pub service: String,
    /// Leaves if still waiting this long after joining.
    pub patience: Option<Duration>,
    /// Closes the page once assigned.
    pub never_accepts: bool,
    /// From seeing the operator to pressing Aceptar.
    pub accept_delay: Duration,
}

impl TaxpayerPlan {
    /// Draws a taxpayer's behaviour from the scenario.
    pub fn draw(
        context: &RunContext,
        rng: &mut impl Rng,
        index: u64,
        intended: Instant,
    ) -> TaxpayerPlan {
        let scenario = &context.scenario;
        let behaviour = &scenario.taxpayers;
        let total_weight: f64 = scenario.services.iter().map(|service| service.weight).sum();
        let mut point = rng.random::<f64>() * total_weight;
        let mut service = &scenario.services[0].code;
        for candidate in &scenario.services {
            if point < candidate.weight {
                service = &candidate.code;
                break;
            }
            point -= candidate.weight;
        }
        let patience = (rng.random::<f64>() < behaviour.abandon_while_waiting_share)
            .then(|| behaviour.patience.sample(rng));
        TaxpayerPlan {
            index,
            intended,
            nif: context.nifs.nth(index),
            service: service.clone(),
            patience,
            never_accepts: rng.random::<f64>() < behaviour.never_accept_share,
            accept_delay: behaviour.accept_delay.sample(rng),
        }
    }
}

/// Keeps the live-taxpayer count right however the task ends.
struct LiveGuard(Arc<RunContext>);

impl Drop for LiveGuard {
    fn drop(&mut self) {
        self.0
            .api
            .metrics()
            .counters
            .live_taxpayers
            .fetch_sub(1, Ordering::Relaxed);
    }
}

/// Runs one taxpayer to the end of their story or of the run. The caller has
/// already counted them live.
pub async fn run(context: Arc<RunContext>, plan: TaxpayerPlan) {
    let _live = LiveGuard(context.clone());
    let api = &context.api;
    let counters = &api.metrics().counters;
    let public = Credentials::None;
    let join = Call::new(Endpoint::Join, Method::POST, "/api/v1/tickets", &public)
        .intended(plan.intended)
        .body(json!({
            "nif": plan.nif,
            "name": format!("Contribuyente de carga {}", plan.index + 1),
            "contrast": "01/01/1980",
            "service": plan.service,
        }));
    let joined = match api.send::<JoinAnswer>(join).await {
        Reply::Ok { value, .. } => value,
        _ => {
            counters.join_failed.fetch_add(1, Ordering::Relaxed);
            return;
        }
    };
    counters.joined.fetch_add(1, Ordering::Relaxed);
    context.ledger.joined(
        &joined.ticket_id,
        &joined.token,
        joined.estimated_wait_seconds,
    );
    let Ok(credentials) = Credentials::bearer(&joined.token) else {
        api.metrics()
            .record_error(Endpoint::Join, "unusable token", &joined.ticket_id);
        return;
    };
    let ticket = TicketSession {
        context: &context,
        ticket_id: &joined.ticket_id,
        path: format!("/api/v1/tickets/{}", joined.ticket_id),
        credentials,
    };
    ticket.follow(&plan, Instant::now()).await;
}

/// A joined taxpayer's page.
struct TicketSession<'a> {
    context: &'a RunContext,
    ticket_id: &'a str,
    path: String,
    credentials: Credentials,
}

/// What the page does next.
enum Next {
    Poll,
    Abandon,
    Accept,
}

impl TicketSession<'_> {
    /// Polls, accepts and abandons as the plan says, until the ticket is over,
    /// the taxpayer leaves, or the run's drain deadline passes.
    async fn follow(&self, plan: &TaxpayerPlan, joined: Instant) {
        let context = self.context;
        let counters = &context.api.metrics().counters;
        let interval = context.scenario.taxpayer_poll_interval();
        // Polls run on a fixed schedule: a late poll is measured from its slot.
        let mut next_poll = joined + interval;
        let mut abandon_at = plan.patience.map(|patience| joined + patience);
        let mut accept_at: Option<Instant> = None;
        let mut accepted = false;
        let mut etag: Option<String> = None;
        loop {
            let mut wake = (next_poll, Next::Poll);
            if let Some(at) = abandon_at.filter(|at| *at < wake.0) {
                wake = (at, Next::Abandon);
            }
            if let Some(at) = accept_at.filter(|at| *at < wake.0) {
                wake = (at, Next::Accept);
            }
            // Behind schedule, `wake` may lie in the past: the clock decides too.
            if wake.0 >= context.drain_deadline || Instant::now() >= context.drain_deadline {
                return;
            }
            tokio::time::sleep_until(wake.0.into()).await;
            match wake.1 {
                Next::Abandon => {
                    abandon_at = None;
                    if self.abandon().await {
                        return;
                    }
                    next_poll = Instant::now();
                }
                Next::Accept => {
                    accept_at = None;
                    let path = format!("{}/accept", self.path);
                    let call = Call::new(Endpoint::Accept, Method::POST, &path, &self.credentials)
                        .expect_conflicts(&["invalid_state"]);
                    match context.api.send::<Ignored>(call).await {
                        Reply::Ok { .. } => {
                            accepted = true;
                            counters.accepted.fetch_add(1, Ordering::Relaxed);
                        }
                        // The operator finalized first (a short attention, a slow
                        // taxpayer): the next poll tells what the ticket became.
                        _ => next_poll = Instant::now(),
                    }
                }
                Next::Poll => {
                    let intended = next_poll;
                    next_poll += interval;
                    let call = Call::new(
                        Endpoint::TicketPoll,
                        Method::GET,
                        &self.path,
                        &self.credentials,
                    )
                    .if_none_match(etag.as_deref())
                    .intended(intended);
                    let Reply::Ok { value, etag: tag } =
                        context.api.send::<TicketAnswer>(call).await
                    else {
                        continue;
                    };
                    etag = tag;
                    context
                        .ledger
                        .taxpayer_sees(self.ticket_id, &value, context.api.metrics());
                    match value.state.as_str() {
                        "waiting" => {}
                        "assigned" if plan.never_accepts => {
                            counters.never_accepted.fetch_add(1, Ordering::Relaxed);
                            return;
                        }
                        "assigned" => {
                            abandon_at = None;
                            if !accepted && accept_at.is_none() {
                                accept_at = Some(Instant::now() + plan.accept_delay);
                            }
                        }
                        "accepted" => abandon_at = None,
                        "finished" => {
                            counters.finished_seen.fetch_add(1, Ordering::Relaxed);
                            return;
                        }
                        _ => return,
                    }
                }
            }
        }
    }

    /// Presses Abandonar; true if the ticket is over (abandoned now or before).
    async fn abandon(&self) -> bool {
        let context = self.context;
        let counters = &context.api.metrics().counters;
        let path = format!("{}/abandon", self.path);
        let call = Call::new(Endpoint::Abandon, Method::POST, &path, &self.credentials)
            .body(
                json!({ "observations": "Prueba de carga: el contribuyente se cansó de esperar" }),
            )
            .expect_conflicts(&["invalid_state"]);
        match context.api.send::<TicketAnswer>(call).await {
            Reply::Ok { value, .. } => {
                // The answer tells whether an operator got the ticket first.
                if value.assigned_at.is_some() {
                    counters.abandoned_assigned.fetch_add(1, Ordering::Relaxed);
                } else {
                    counters.abandoned_waiting.fetch_add(1, Ordering::Relaxed);
                }
                context.ledger.abandoned(self.ticket_id);
                true
            }
            // Already over (finished by a quick operator): poll to see it.
            Reply::Conflict(_) => false,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// An independent check of a DNI: eight digits and the letter of number mod 23.
    fn is_valid_dni(text: &str) -> bool {
        let bytes = text.as_bytes();
        if bytes.len() != 9 || !bytes[..8].iter().all(u8::is_ascii_digit) {
            return false;
        }
        let number: u64 = text[..8].parse().expect("eight digits");
        bytes[8] == DNI_LETTERS[(number % 23) as usize]
    }

    #[test]
    fn known_dnis_get_their_letters() {
        assert_eq!(dni(12_345_678), "12345678Z");
        assert_eq!(dni(0), "00000000T");
        assert_eq!(dni(99_999_999), "99999999R");
    }

    #[test]
    fn generated_dnis_are_valid_and_unique() {
        let sequence = NifSequence::new(98_765_432);
        let mut seen = HashSet::new();
        for index in 0..200_000 {
            let nif = sequence.nth(index);
            assert!(is_valid_dni(&nif), "{nif} is not a valid DNI");
            assert!(seen.insert(nif), "arrival {index} repeats a DNI");
        }
    }

    #[test]
    fn the_letter_table_is_the_official_one() {
        // Ministry of the Interior's table: number mod 23 → letter.
        assert_eq!(&DNI_LETTERS[..5], b"TRWAG");
        assert_eq!(DNI_LETTERS[22], b'E');
        let distinct: HashSet<u8> = DNI_LETTERS.iter().copied().collect();
        assert_eq!(distinct.len(), 23);
    }
}
