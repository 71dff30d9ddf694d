//! Held polls (docs/api.md "Instant updates"): a console or ticket poll
//! with `?wait=N` and `If-None-Match` is answered as soon as what it would
//! render differs from the client's ETag, or when its time is up.
//!
//! No actor is asked and no thread is taken: a held poll is a future that
//! renders the published snapshot, and sleeps until something it renders
//! from may have changed:
//! - its own snapshot (the operator's slot notification, or the ticket's
//!   watch, created only while somebody holds a poll on it);
//! - the service figures it reads ([`FigureChanges`]): a ticket's position
//!   and estimate move when somebody ahead leaves the queue, without the
//!   ticket's own snapshot changing; a console's closed-but-active services
//!   and its end-of-day warning flip with a queue's occupancy;
//! - the clock, at the next instant the rendering may change by itself
//!   ([`Depends::until`]): open/closed, warnings, the day's attended count.
//!
//! The ETag is computed from the rendered body (`crate::render`), so a held poll
//! answers exactly when a plain poll at that moment would have answered 200:
//! it never misses a change polling would have seen.

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::futures::{Notified, OwnedNotified};
use tokio::time::Instant;

use crate::render::{self, ConsoleBody, TicketBody};
use engine::domain::{OperatorId, ServiceCode};
use engine::store::TicketState;
use engine::ticket::TicketId;
use engine::views::{DutyView, OperatorView, TicketView, Views};
use engine::Engine;

/// After a queue or occupancy change, a held poll waits this long before
/// rendering: the dispatcher's next publications of the same step (the
/// matched ticket's own snapshot) land first, and a burst of changes is
/// answered once.
pub const SETTLE: Duration = Duration::from_millis(20);

/// What a rendered view depends on besides its own snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Depends {
    /// Services whose queue movements change the rendering (a waiting
    /// ticket's position and estimate).
    pub queues: Vec<ServiceCode>,
    /// Services whose queue's occupancy (empty or not) changes the rendering.
    pub occupancy: Vec<ServiceCode>,
    /// The next instant at which the clock alone may change the rendering.
    pub until: Option<Timestamp>,
}

/// What an operator's console rendered at `now` depends on.
///
/// The clock changes a console when one of its services opens or closes,
/// when the interrupt margin before a closing begins (the end-of-day
/// warning), at local midnight (the day's attended count, and the
/// end-of-day warning ends) and when the attention-time warning appears: a
/// held console wakes at the next of those. A queue's occupancy counts only
/// for a service that is closed (still active while taxpayers wait) or near
/// its end of day (Interrumpir refused while taxpayers wait).
pub fn console_depends(views: &Views, view: &OperatorView, now: Timestamp) -> Depends {
    let catalog = views.catalog();
    let occupancy = view
        .available_services(&catalog)
        .filter(|code| !catalog.is_open(code, now) || catalog.end_of_day_near(code, now))
        .cloned()
        .collect();
    let warning = attention_warning_at(views, view);
    let until = schedule_changes(views, view, now)
        .into_iter()
        .chain(warning)
        .filter(|at| *at > now)
        .min();
    Depends {
        queues: Vec::new(),
        occupancy,
        until,
    }
}

/// The instants after `now`, up to the next local midnight, at which the
/// schedule part of the console (`render::console`) changes.
fn schedule_changes(views: &Views, view: &OperatorView, now: Timestamp) -> Vec<Timestamp> {
    let catalog = views.catalog();
    let calendar = &catalog.calendar;
    let mut changes: Vec<Timestamp> = next_midnight(views, now).into_iter().collect();
    for code in view.available_services(&catalog) {
        let Some(service) = catalog.service(code) else {
            continue;
        };
        let schedule = &service.schedule;
        changes.extend(schedule.next_opening(calendar, now));
        if let Some(close) = schedule.closing_time_today(calendar, now) {
            changes.push(close);
            changes.extend(close.checked_sub(catalog.interrupt_margin).ok());
        }
    }
    changes
}

/// The next local midnight: the attended count starts again.
fn next_midnight(views: &Views, now: Timestamp) -> Option<Timestamp> {
    let calendar = &views.catalog().calendar;
    let tomorrow = calendar.local_date(now).tomorrow().ok()?;
    tomorrow
        .to_zoned(calendar.timezone().clone())
        .ok()
        .map(|zoned| zoned.timestamp())
}

/// What a ticket page depends on: its queue while it waits. The ticket
/// rendering reads no clock (`render::ticket`); if it comes to, `until`
/// must say when it next changes.
pub fn ticket_depends(view: &TicketView) -> Depends {
    let queues = match view.state {
        TicketState::Waiting => vec![view.service.clone()],
        _ => Vec::new(),
    };
    Depends {
        queues,
        occupancy: Vec::new(),
        until: None,
    }
}

/// When the attention-time warning appears on this console
/// (`engine::console::attention_time_exceeded`), if a meeting is on.
fn attention_warning_at(views: &Views, view: &OperatorView) -> Option<Timestamp> {
    let (assignment, meeting) = match &view.duty {
        DutyView::InMeeting {
            assignment,
            meeting,
        } => (assignment, meeting),
        DutyView::TaxpayerAbandoned {
            assignment,
            meeting: Some(meeting),
            ..
        } => (assignment, meeting),
        _ => return None,
    };
    let catalog = views.catalog();
    let service = catalog.service(&assignment.service)?;
    let attention = Duration::from_secs(service.attention.as_secs());
    meeting
        .attention_started_at()
        .saturating_add(attention)
        .ok()
}

/// A rendered body and its ETag.
#[derive(Debug, Clone)]
pub struct Held<B> {
    pub body: B,
    pub etag: String,
}

/// Holds a console poll until its ETag is not one the client has
/// (`unchanged` says which it has) or `deadline`; `None` for an unknown
/// operator.
pub async fn console(
    engine: &Engine,
    operator: &OperatorId,
    deadline: Instant,
    unchanged: impl Fn(&str) -> bool,
) -> Option<Held<ConsoleBody>> {
    let views = engine.views();
    let changes = views.operator_changes(operator)?;
    loop {
        let own = changes.notified();
        tokio::pin!(own);
        own.as_mut().enable();
        let view = views.operator(operator)?;
        let now = engine.now();
        let depends = console_depends(views, &view, now);
        let mut figures = figure_notifications(views, &depends);
        // Rendered only to answer: a wake that changed nothing costs the
        // clock-dependent parts of the ETag, not a body.
        let etag = render::console_etag(views, &view, now);
        if !unchanged(&etag) || Instant::now() >= deadline {
            let body = render::console(views, &view, now);
            return Some(Held { body, etag });
        }
        let wake_at = clock_wake(depends.until, now, deadline);
        if wake(own, &mut figures, wake_at).await == Woke::Figures {
            tokio::time::sleep_until(deadline.min(Instant::now() + SETTLE)).await;
        }
    }
}

/// Holds a ticket poll like [`console`]; answers the ticket's latest
/// snapshot too (its token may have changed meanwhile). `None` for a ticket
/// that is not (or no longer) published.
pub async fn ticket(
    engine: &Engine,
    ticket: TicketId,
    deadline: Instant,
    unchanged: impl Fn(&str) -> bool,
) -> Option<(Arc<TicketView>, Held<TicketBody>)> {
    let views = engine.views();
    let watch = views.watch_ticket(ticket);
    loop {
        let own = watch.notified();
        tokio::pin!(own);
        own.as_mut().enable();
        let view = views.ticket(&ticket)?;
        let now = engine.now();
        let depends = ticket_depends(&view);
        let mut figures = figure_notifications(views, &depends);
        let body = render::ticket(views, &view, now);
        let etag = body.etag();
        if (!unchanged(&etag) && !leaving_queue(&body)) || Instant::now() >= deadline {
            return Some((view, Held { body, etag }));
        }
        let wake_at = clock_wake(depends.until, now, deadline);
        if wake(own, &mut figures, wake_at).await == Woke::Figures {
            tokio::time::sleep_until(deadline.min(Instant::now() + SETTLE)).await;
        }
    }
}

/// A waiting ticket at position 0 has left its queue (matched or
/// abandoned) and its own new snapshot is on its way: a held poll waits for
/// that instead of answering the moment in between.
fn leaving_queue(body: &TicketBody) -> bool {
    body.state == "waiting" && body.position == Some(0)
}

/// A figure notification a held poll waits on; it owns its `Notify`, since
/// a reload may replace the map the figures are found in.
type Waiting = Pin<Box<OwnedNotified>>;

/// The figure notifications `depends` names, created (and so armed) now,
/// before the caller renders.
fn figure_notifications(views: &Views, depends: &Depends) -> Vec<Waiting> {
    let queues = depends
        .queues
        .iter()
        .filter_map(|code| views.figures(code))
        .map(|figures| Arc::clone(&figures.changes().queue));
    let occupancy = depends
        .occupancy
        .iter()
        .filter_map(|code| views.figures(code))
        .map(|figures| Arc::clone(&figures.changes().occupancy));
    queues
        .chain(occupancy)
        .map(|notify| {
            let mut notified = Box::pin(notify.notified_owned());
            notified.as_mut().enable();
            notified
        })
        .collect()
}

/// When to look at the clock again: just past `until` (engine time, mapped
/// onto the runtime's clock), and never after `deadline`.
fn clock_wake(until: Option<Timestamp>, now: Timestamp, deadline: Instant) -> Instant {
    let Some(until) = until else {
        return deadline;
    };
    let gap = Duration::try_from(until.duration_since(now)).unwrap_or(Duration::ZERO);
    // A millisecond past the boundary, so the next rendering is on its far side.
    deadline.min(Instant::now() + gap + Duration::from_millis(1))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Woke {
    Snapshot,
    Figures,
    Clock,
}

/// Waits for the first of: the own snapshot, any figure notification, `at`.
async fn wake(mut own: Pin<&mut Notified<'_>>, figures: &mut [Waiting], at: Instant) -> Woke {
    let sleep = tokio::time::sleep_until(at);
    tokio::pin!(sleep);
    poll_fn(|cx| {
        if own.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Woke::Snapshot);
        }
        // Every pending one is polled, so each has this task's waker.
        let mut woke = false;
        for notified in figures.iter_mut() {
            woke |= notified.as_mut().poll(cx).is_ready();
        }
        if woke {
            return Poll::Ready(Woke::Figures);
        }
        match sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Woke::Clock),
            Poll::Pending => Poll::Pending,
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::testsuite::madrid;

    #[test]
    fn a_clock_wake_is_never_past_the_deadline() {
        let now = madrid("2026-11-30 10:00");
        let deadline = Instant::now() + Duration::from_secs(1);
        assert_eq!(
            clock_wake(Some(madrid("2026-11-30 10:01")), now, deadline),
            deadline
        );
        assert_eq!(clock_wake(None, now, deadline), deadline);
        let soon = clock_wake(
            Some(now.saturating_add(Duration::from_millis(100)).unwrap()),
            now,
            deadline,
        );
        assert!(soon < deadline);
    }
}
