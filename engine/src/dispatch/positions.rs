//! Keeping the position trees small: the slots below the oldest one still
//! in use are dropped (`ServiceFigures::compact_positions`), so a service
//! that takes twenty thousand joins a day does not keep a slot for each of
//! them for as long as the process runs.

use super::pending::PendingTicket;
use super::Dispatch;
use crate::domain::ServiceCode;

impl Dispatch {
    /// Compacts every service's position tree that is due. Called by the
    /// periodic presence sweep; a tree is looked at only when it is large
    /// and mostly past (`positions_may_compact`), and then the floor costs
    /// a look at the absent and parked tickets.
    pub fn compact_positions(&self) -> usize {
        let mut compacted = 0;
        for (service, figures) in self.views.all_figures().iter() {
            if figures.positions_may_compact()
                && figures.compact_positions(self.lowest_slot_in_use(service))
            {
                compacted += 1;
            }
        }
        compacted
    }

    /// The oldest slot a ticket of `service` still has: waiting (the head
    /// of its queue: slots follow join order), absent (it may come back to
    /// it) or parked by a decision in flight (a rollback puts it back).
    fn lowest_slot_in_use(&self, service: &ServiceCode) -> Option<usize> {
        let queued = self.queues.head(service).map(|(_, queued)| queued.slot);
        let absent = self.absent.lowest_slot(service);
        let parked = self
            .pending
            .tickets
            .values()
            .filter_map(|ticket| match ticket {
                PendingTicket::Matching { service: s, queued }
                | PendingTicket::Leaving {
                    service: s, queued, ..
                } if s == service => Some(queued.slot),
                _ => None,
            })
            .min();
        [queued, absent, parked].into_iter().flatten().min()
    }
}
