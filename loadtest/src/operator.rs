//! One simulated operator console: logs in, sets availability, presses
//! Atender Contribuyente, polls every poll interval with `If-None-Match`,
//! starts the meeting when a taxpayer is assigned, finalizes after the
//! attention time, and interrupts as the scenario's habits say.
//!
//! The console is driven by the state the gateway shows, never by what the
//! simulation assumes: after any refused button (a taxpayer who left at the
//! same moment, say) it reloads the console and acts on that.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::Rng;
use reqwest::Method;
use serde_json::json;
use tokio::sync::watch;

use crate::client::{Api, Call, ConsoleAnswer, Credentials, Ignored, LoginAnswer, Reply};
use crate::metrics::{Endpoint, OperatorPhase};
use crate::run::RunContext;
use crate::scenario::{AuthMode, Scenario};
use std::sync::atomic::Ordering;

const CONSOLE: &str = "/api/v1/operator/console";

/// Refusals of a console button that a race explains.
const RACES: &[&str] = &["invalid_state"];
/// Finalizar e Interrumpir may also be refused near the end of the day.
const FINALIZE_RACES: &[&str] = &["invalid_state", "interrupt_refused_end_of_day"];

/// Who the operator is and what they serve.
#[derive(Debug)]
pub struct OperatorPlan {
    /// Slot in the metrics' operator table.
    pub index: usize,
    pub id: String,
    pub services: Vec<String>,
    pub rng: StdRng,
}

/// An operator logged in and available, ready to work.
#[derive(Debug)]
pub struct ReadyOperator {
    plan: OperatorPlan,
    credentials: Credentials,
}

/// Logs in (or prepares the trusted header) and sets availability.
pub async fn prepare(
    api: &Api,
    scenario: &Scenario,
    plan: OperatorPlan,
) -> anyhow::Result<ReadyOperator> {
    let credentials = match scenario.auth.mode {
        AuthMode::TrustedHeader => Credentials::trusted(&scenario.auth.header, &plan.id)?,
        AuthMode::Password => {
            let public = Credentials::None;
            let call = Call::new(Endpoint::Login, Method::POST, "/api/v1/session", &public)
                .body(json!({ "operator_id": plan.id, "password": scenario.operators.password }));
            match api.send::<LoginAnswer>(call).await {
                Reply::Ok { value, .. } => Credentials::bearer(&value.token)?,
                _ => anyhow::bail!("operator {} could not log in", plan.id),
            }
        }
    };
    let services: serde_json::Map<String, serde_json::Value> = plan
        .services
        .iter()
        .map(|code| (code.clone(), serde_json::Value::Bool(true)))
        .collect();
    let call = Call::new(
        Endpoint::Availability,
        Method::PUT,
        "/api/v1/operator/availability",
        &credentials,
    )
    .body(json!({ "services": services }));
    match api.send::<Ignored>(call).await {
        Reply::Ok { .. } => {}
        _ => anyhow::bail!("operator {} could not set availability", plan.id),
    }
    api.metrics()
        .set_operator_phase(plan.index, OperatorPhase::Idle);
    Ok(ReadyOperator { plan, credentials })
}

/// What woke the console up.
enum Wake {
    Timer,
    Stop,
}

/// The console being driven.
struct Console {
    context: Arc<RunContext>,
    plan: OperatorPlan,
    credentials: Credentials,
    /// The state the gateway last showed.
    state: String,
    /// The ticket the console last showed, if any.
    ticket_id: Option<String>,
    etag: Option<String>,
    next_poll: Instant,
    /// When the current meeting ends (attention time drawn at start).
    meeting_ends: Option<Instant>,
    /// While idle after an interruption: when to press Atender again.
    break_until: Option<Instant>,
    /// While waiting: when this operator gives up and interrupts.
    interrupt_at: Option<Instant>,
}

/// Works until told to stop, then leaves the console idle.
pub async fn run(context: Arc<RunContext>, ready: ReadyOperator, stop: watch::Receiver<bool>) {
    let mut console = Console {
        next_poll: Instant::now(),
        context,
        plan: ready.plan,
        credentials: ready.credentials,
        state: "idle".into(),
        ticket_id: None,
        etag: None,
        meeting_ends: None,
        break_until: None,
        interrupt_at: None,
    };
    console.work(stop).await;
    let metrics = console.context.api.metrics().clone();
    metrics.set_operator_phase(console.plan.index, OperatorPhase::Offline);
}

impl Console {
    fn api(&self) -> &Api {
        &self.context.api
    }

    fn interval(&self) -> Duration {
        self.context.scenario.console_poll_interval()
    }

    async fn work(&mut self, mut stop: watch::Receiver<bool>) {
        // The first look at the console; a gateway that fails it is retried
        // until the run ends (each failure is counted as an error).
        while !self.reload().await {
            let retry = Instant::now() + self.interval().min(Duration::from_secs(1));
            if let Wake::Stop = sleep_or_stop(retry, &mut stop).await {
                return;
            }
        }
        // Consecutive failed actions: a gateway that refuses everything must
        // not make the console spin.
        let mut failures = 0u32;
        loop {
            if *stop.borrow() {
                self.wrap_up().await;
                return;
            }
            let acted = match self.state.as_str() {
                "idle" => match self.break_until.filter(|until| *until > Instant::now()) {
                    Some(until) => self.wait_or_poll(until, &mut stop).await,
                    None => self.attend().await,
                },
                "waiting" => match self.interrupt_at {
                    Some(at) if at <= Instant::now() => self.interrupt(true).await,
                    Some(at) => self.wait_or_poll(at, &mut stop).await,
                    None => self.wait_or_poll(far_future(), &mut stop).await,
                },
                "assigned" => self.start().await,
                "in_meeting" => {
                    let ends = *self.meeting_ends.get_or_insert_with(|| {
                        Instant::now()
                            + self
                                .context
                                .scenario
                                .operators
                                .attention
                                .sample(&mut self.plan.rng)
                    });
                    if ends <= Instant::now() {
                        let outcome = self
                            .context
                            .scenario
                            .operators
                            .outcomes
                            .pick(&mut self.plan.rng);
                        self.finalize(outcome).await
                    } else {
                        self.wait_or_poll(ends, &mut stop).await
                    }
                }
                "taxpayer_abandoned" => self.finalize("taxpayer_abandoned").await,
                "unavailable" => self.restore_availability().await,
                // "closed" and anything unknown: keep polling, as the page does.
                _ => self.wait_or_poll(far_future(), &mut stop).await,
            };
            if acted {
                failures = 0;
            } else {
                failures += 1;
                // Back off one poll interval, then start again from the gateway's view.
                let until =
                    Instant::now() + self.interval().min(Duration::from_secs(1)) * failures.min(5);
                if let Wake::Stop = sleep_or_stop(until, &mut stop).await {
                    continue;
                }
                self.reload().await;
            }
        }
    }

    /// Sleeps until `until` or the next poll, whichever comes first, and polls
    /// if the poll came first. False only if the poll failed.
    async fn wait_or_poll(&mut self, until: Instant, stop: &mut watch::Receiver<bool>) -> bool {
        if until < self.next_poll {
            sleep_or_stop(until, stop).await;
            return true;
        }
        match sleep_or_stop(self.next_poll, stop).await {
            Wake::Stop => true,
            Wake::Timer => self.poll().await,
        }
    }

    /// The 9-second poll, on its fixed schedule.
    async fn poll(&mut self) -> bool {
        let intended = self.next_poll;
        self.next_poll += self.interval();
        let call = Call::new(
            Endpoint::ConsolePoll,
            Method::GET,
            CONSOLE,
            &self.credentials,
        )
        .if_none_match(self.etag.as_deref())
        .intended(intended);
        match self.context.api.send::<ConsoleAnswer>(call).await {
            Reply::Ok { value, etag } => {
                self.observe(value, etag);
                true
            }
            Reply::NotModified | Reply::Conflict(_) => true,
            Reply::Failed => false,
        }
    }

    /// Loads the console afresh (no `If-None-Match`).
    async fn reload(&mut self) -> bool {
        let call = Call::new(
            Endpoint::ConsolePoll,
            Method::GET,
            CONSOLE,
            &self.credentials,
        );
        match self.context.api.send::<ConsoleAnswer>(call).await {
            Reply::Ok { value, etag } => {
                self.observe(value, etag);
                self.next_poll = Instant::now() + self.interval();
                true
            }
            _ => false,
        }
    }

    /// Takes in a console view (from a poll or a button's answer).
    fn observe(&mut self, console: ConsoleAnswer, etag: Option<String>) {
        let metrics = self.context.api.metrics();
        if self.state == "in_meeting" && console.state != "in_meeting" {
            self.meeting_ends = None;
        }
        self.state = console.state;
        self.etag = etag;
        self.ticket_id = console.assignment.as_ref().map(|a| a.ticket_id.clone());
        if let Some(assignment) = &console.assignment {
            self.context.ledger.console_shows(
                &self.plan.id,
                &assignment.ticket_id,
                assignment.joined_at.as_deref(),
                assignment.assigned_at.as_deref(),
                metrics,
            );
        }
        if self.state != "waiting" {
            self.interrupt_at = None;
        }
        let phase = match self.state.as_str() {
            "waiting" => OperatorPhase::Waiting,
            "assigned" | "in_meeting" | "taxpayer_abandoned" => OperatorPhase::Busy,
            _ => OperatorPhase::Idle,
        };
        metrics.set_operator_phase(self.plan.index, phase);
    }

    /// A button's answer is the console as it is now: the page re-renders and
    /// its countdown starts again.
    fn observe_after_button(&mut self, console: ConsoleAnswer, etag: Option<String>) {
        self.observe(console, etag);
        self.next_poll = Instant::now() + self.interval();
    }

    /// Decides, on starting to wait, whether this wait ends in Interrumpir.
    fn plan_waiting_interrupt(&mut self) {
        let habits = &self.context.scenario.operators.interrupts;
        if self.state == "waiting" && self.plan.rng.random::<f64>() < habits.while_waiting_share {
            let patience = habits.waiting_patience.sample(&mut self.plan.rng);
            self.interrupt_at = Some(Instant::now() + patience);
        }
    }

    fn take_break(&mut self) {
        let habits = &self.context.scenario.operators.interrupts;
        let length = habits.break_time.sample(&mut self.plan.rng);
        self.break_until = Some(Instant::now() + length);
        self.api()
            .metrics()
            .counters
            .interrupts
            .fetch_add(1, Ordering::Relaxed);
    }

    /// Atender Contribuyente.
    async fn attend(&mut self) -> bool {
        self.break_until = None;
        let call = Call::new(
            Endpoint::Attend,
            Method::POST,
            "/api/v1/operator/attend",
            &self.credentials,
        )
        .expect_conflicts(RACES);
        match self.context.api.send::<ConsoleAnswer>(call).await {
            Reply::Ok { value, etag } => {
                self.observe_after_button(value, etag);
                self.plan_waiting_interrupt();
                // Still idle after Atender would make the loop press it again
                // at once: treat it as a failure, which backs off.
                self.state != "idle"
            }
            Reply::Conflict(_) => self.reload().await,
            _ => false,
        }
    }

    /// Interrumpir, while waiting; then a break if `by_habit` (the end-of-run
    /// wrap-up interrupts too, and neither counts nor rests).
    async fn interrupt(&mut self, by_habit: bool) -> bool {
        self.interrupt_at = None;
        let call = Call::new(
            Endpoint::Interrupt,
            Method::POST,
            "/api/v1/operator/interrupt",
            &self.credentials,
        )
        .expect_conflicts(&["invalid_state", "interrupt_refused_end_of_day"]);
        match self.context.api.send::<ConsoleAnswer>(call).await {
            Reply::Ok { value, etag } => {
                self.observe_after_button(value, etag);
                if by_habit {
                    self.take_break();
                }
                true
            }
            // A taxpayer arrived at the same moment, or the day is ending.
            Reply::Conflict(_) => self.reload().await,
            _ => false,
        }
    }

    /// Iniciar Videoasistencia.
    async fn start(&mut self) -> bool {
        let call = Call::new(
            Endpoint::Start,
            Method::POST,
            "/api/v1/operator/start",
            &self.credentials,
        )
        .expect_conflicts(RACES);
        match self.context.api.send::<Ignored>(call).await {
            Reply::Ok { .. } => {
                // The answer is the meeting link only; the console is now
                // in_meeting until the next poll says otherwise.
                self.state = "in_meeting".into();
                let attention = self
                    .context
                    .scenario
                    .operators
                    .attention
                    .sample(&mut self.plan.rng);
                self.meeting_ends = Some(Instant::now() + attention);
                true
            }
            // The taxpayer left before the meeting started.
            Reply::Conflict(_) => self.reload().await,
            _ => false,
        }
    }

    /// Finalizar, then Atender siguiente or Interrumpir as habits say.
    async fn finalize(&mut self, outcome: &str) -> bool {
        let habits = &self.context.scenario.operators.interrupts;
        let next = if self.plan.rng.random::<f64>() < habits.after_attention_share {
            "interrupt"
        } else {
            "attend"
        };
        match self.send_finalize(outcome, next, "Prueba de carga").await {
            Finalized::Done { interrupted: true } => {
                self.take_break();
                true
            }
            Finalized::Done { interrupted: false } => {
                self.plan_waiting_interrupt();
                true
            }
            Finalized::Refused => self.reload().await,
            Finalized::Failed => false,
        }
    }

    /// Sends Finalizar with `next`; if Interrumpir is refused because the day
    /// ends soon and taxpayers wait, goes on with Atender siguiente, as the
    /// guide says. Counts the attention when it is accepted.
    async fn send_finalize(&mut self, outcome: &str, next: &str, observations: &str) -> Finalized {
        let held_meeting = self.state == "in_meeting";
        let ticket_id = self.ticket_id.clone();
        let mut next = next;
        loop {
            let call = Call::new(
                Endpoint::Finalize,
                Method::POST,
                "/api/v1/operator/finalize",
                &self.credentials,
            )
            .body(json!({ "outcome": outcome, "observations": observations, "next": next }))
            .expect_conflicts(FINALIZE_RACES);
            match self.context.api.send::<ConsoleAnswer>(call).await {
                Reply::Ok { value, etag } => {
                    let metrics = self.context.api.metrics();
                    metrics.record_outcome(outcome);
                    let counter = if held_meeting && outcome != "taxpayer_abandoned" {
                        &metrics.counters.served
                    } else {
                        &metrics.counters.closed_abandoned
                    };
                    counter.fetch_add(1, Ordering::Relaxed);
                    if let Some(ticket_id) = &ticket_id {
                        self.context.ledger.finalized(ticket_id, &self.plan.id);
                    }
                    self.meeting_ends = None;
                    self.observe_after_button(value, etag);
                    return Finalized::Done {
                        interrupted: next == "interrupt",
                    };
                }
                Reply::Conflict(code)
                    if code == "interrupt_refused_end_of_day" && next == "interrupt" =>
                {
                    next = "attend";
                }
                Reply::Conflict(_) => return Finalized::Refused,
                _ => return Finalized::Failed,
            }
        }
    }

    /// Sets availability again if the console says the operator has none.
    async fn restore_availability(&mut self) -> bool {
        let services: serde_json::Map<String, serde_json::Value> = self
            .plan
            .services
            .iter()
            .map(|code| (code.clone(), serde_json::Value::Bool(true)))
            .collect();
        let call = Call::new(
            Endpoint::Availability,
            Method::PUT,
            "/api/v1/operator/availability",
            &self.credentials,
        )
        .body(json!({ "services": services }));
        match self.context.api.send::<Ignored>(call).await {
            Reply::Ok { .. } => self.reload().await && self.state != "unavailable",
            _ => false,
        }
    }

    /// The run is over: close what is open and leave the console idle, so
    /// that the final check finds every attention finished. Bounded: a
    /// refused Interrumpir near the end of the day leaves the console waiting.
    async fn wrap_up(&mut self) {
        for _ in 0..4 {
            match self.state.as_str() {
                "waiting" => {
                    self.interrupt(false).await;
                }
                "assigned" => {
                    self.start().await;
                }
                "in_meeting" | "taxpayer_abandoned" => {
                    let outcome = if self.state == "in_meeting" {
                        "success"
                    } else {
                        "taxpayer_abandoned"
                    };
                    let observations = "Prueba de carga (fin de la prueba)";
                    if let Finalized::Refused =
                        self.send_finalize(outcome, "interrupt", observations).await
                    {
                        self.reload().await;
                    }
                }
                _ => return,
            }
        }
    }
}

/// How a Finalizar went.
enum Finalized {
    /// Accepted; `interrupted` if the console went idle (Finalizar e Interrumpir).
    Done { interrupted: bool },
    /// Refused by a race: reload the console.
    Refused,
    /// Failed, already counted as an error.
    Failed,
}

/// Sleeps until `until` unless told to stop first.
async fn sleep_or_stop(until: Instant, stop: &mut watch::Receiver<bool>) -> Wake {
    if *stop.borrow() {
        return Wake::Stop;
    }
    tokio::select! {
        _ = tokio::time::sleep_until(until.into()) => Wake::Timer,
        _ = stop.changed() => Wake::Stop,
    }
}

/// An instant no run reaches (a day away).
fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(86_400)
}
