//! The wait estimator, as plain data and functions: no actors, no clock
//! (time comes in as durations), no locks. `crate::waits` feeds it from
//! what the dispatcher publishes.
//!
//! Model (README "Estimated wait"): the taxpayer with `ahead` present
//! taxpayers before them starts when the operators on duty for the service
//! have freed up `ahead + 1` times (an operator shared with other services
//! counting for their share of this service's heads). When each busy
//! operator frees up follows from how long their attention has run and the
//! service's observed attention times; idle operators are free now.

mod attention;
mod model;
#[cfg(test)]
mod tests;

pub use attention::{AttentionDistribution, AttentionTimes, MIN_SAMPLES, WINDOW};
pub use model::{
    estimate_wait, InProgress, OnDuty, WaitQuery, WaitTable, MAX_TABLE_POSITIONS, SCENARIOS,
};

/// The share of `service`'s queue heads an operator takes who serves it and
/// other services, from the queues' lengths: heads are taken oldest first
/// across the operator's services, so over the coming attentions the
/// operator's releases split in proportion to what waits in each. The
/// service asked about counts at least one waiting ticket (the taxpayer the
/// estimate is for). An operator of this service only has share 1.
pub fn queue_share(
    waiting_here: u32,
    waiting_in_other_services: impl IntoIterator<Item = u32>,
) -> f64 {
    let here = f64::from(waiting_here.max(1));
    let others: f64 = waiting_in_other_services.into_iter().map(f64::from).sum();
    here / (here + others)
}
