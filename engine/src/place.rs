//! A waiting ticket's place: its position in its service's queue, from the
//! published figures, and its wait estimate, made afresh from the duty
//! roster. The gateway's ticket poll shows both.

use jiff::Timestamp;

use crate::store::TicketState;
use crate::views::{TicketView, Views};
use crate::waits::WaitEstimate;

/// Where a waiting ticket stands as of some instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// 1-based; 0 for a ticket that has just left the queue (matched or
    /// abandoned) and whose own new snapshot is on its way.
    pub position: u32,
    pub estimate: WaitEstimate,
}

/// The place of `view` as of `now`; `None` once it no longer waits (or its
/// service has no figures).
pub fn place(views: &Views, view: &TicketView, now: Timestamp) -> Option<Place> {
    let position = position(views, view)?;
    // Only present taxpayers count ahead: absent ones have left the position
    // tree (and come back to it at their place).
    let estimate = views.estimate(&view.service, position.saturating_sub(1), now);
    Some(Place { position, estimate })
}

/// The queue position of `view`, if it waits.
pub fn position(views: &Views, view: &TicketView) -> Option<u32> {
    // A ticket set aside as absent has left the position tree; it is back in
    // it as soon as the dispatcher hears of its poll, at the same place.
    let set_aside = u32::from(view.seen.marked_absent());
    match (&view.state, view.slot, views.figures(&view.service)) {
        (TicketState::Waiting, Some(slot), Some(figures)) => {
            Some(figures.position(slot) + set_aside)
        }
        _ => None,
    }
}
