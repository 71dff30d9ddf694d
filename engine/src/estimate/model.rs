//! When the taxpayer with `ahead` present taxpayers before them starts: the
//! order in which the operators on duty free up, replayed over a fixed set
//! of scenarios drawn from the observed attention times.
//!
//! Each scenario draws, for every busy operator, the time left of the
//! attention in progress given how long it has run (an idle operator is
//! free now), then lets the operators take the queue's heads one after
//! another, each later attention drawn from the service's distribution.
//! An operator who also serves other services counts for their share of
//! this service's heads: each time they free up, the service's line moves
//! by that share. The ticket with `ahead` taxpayers before it starts when
//! the line has moved `ahead + 1` heads (to the nearest head). The estimate
//! is the median start over the scenarios: half the taxpayers in that
//! situation start earlier, half later.
//!
//! The draws are a fixed quasi-random sequence, so the same situation
//! always gives the same estimate, and every scenario is replayed for all
//! positions at once: in each scenario the start time cannot decrease with
//! the position, so neither can the median.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::time::Duration;

use super::attention::AttentionDistribution;

/// Scenarios replayed per estimate (odd: the median is one of them).
pub const SCENARIOS: usize = 63;

/// Positions a [`WaitTable`] holds at most; beyond, the line moves at the
/// operators' steady rate (their summed shares per mean attention).
pub const MAX_TABLE_POSITIONS: usize = 256;

/// Operators freeing up replayed per position and scenario at most (an
/// operator with a tiny share frees up many times per head of this service).
const EVENTS_PER_POSITION: usize = 16;

/// An attention in progress.
#[derive(Debug, Clone, Copy)]
pub struct InProgress<'a> {
    /// How long it has run.
    pub elapsed: Duration,
    /// The attention times of the service of the ticket being attended.
    pub attention: &'a AttentionDistribution,
}

/// One operator on duty for the service being estimated.
#[derive(Debug, Clone, Copy)]
pub struct OnDuty<'a> {
    /// The share of this service's queue heads the operator takes, in (0, 1]:
    /// 1 when it is their only service.
    pub share: f64,
    /// The attention in progress; `None` when the operator is free.
    pub busy: Option<InProgress<'a>>,
}

/// What an estimate for one service starts from.
#[derive(Debug, Clone, Copy)]
pub struct WaitQuery<'a> {
    /// The operators on duty for the service.
    pub operators: &'a [OnDuty<'a>],
    /// The service's attention times, for the attentions still to come.
    pub attention: &'a AttentionDistribution,
}

/// Estimated starts by the number of present taxpayers ahead.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitTable {
    /// Seconds from now; index = taxpayers ahead.
    starts: Vec<f64>,
    /// Seconds the line takes per head past the table.
    seconds_per_head: f64,
}

impl WaitTable {
    /// The starts of the first `positions` places in line (at least one, at
    /// most [`MAX_TABLE_POSITIONS`]); `None` when no operator is on duty
    /// for the service: nobody can say when it will move.
    pub fn compute(query: &WaitQuery<'_>, positions: usize) -> Option<WaitTable> {
        let servers: Vec<OnDuty<'_>> = query
            .operators
            .iter()
            .filter(|operator| operator.share.is_finite() && operator.share > 0.0)
            .map(|operator| OnDuty {
                share: operator.share.min(1.0),
                busy: operator.busy,
            })
            .collect();
        if servers.is_empty() {
            return None;
        }
        let positions = positions.clamp(1, MAX_TABLE_POSITIONS);
        let total_share: f64 = servers.iter().map(|server| server.share).sum();
        let seconds_per_head = query.attention.mean_seconds() / total_share;
        let mut by_scenario: Vec<Vec<f64>> = (0..SCENARIOS)
            .map(|scenario| {
                replay(
                    &servers,
                    query.attention,
                    scenario,
                    positions,
                    seconds_per_head,
                )
            })
            .collect();
        let mut column = Vec::with_capacity(SCENARIOS);
        let starts = (0..positions)
            .map(|position| {
                column.clear();
                column.extend(by_scenario.iter_mut().map(|starts| starts[position]));
                let (_, median, _) = column.select_nth_unstable_by(SCENARIOS / 2, f64::total_cmp);
                *median
            })
            .collect();
        Some(WaitTable {
            starts,
            seconds_per_head,
        })
    }

    /// The estimated start of the taxpayer with `ahead` present taxpayers before them.
    pub fn start_after(&self, ahead: u32) -> Duration {
        let ahead = ahead as usize;
        let seconds = match self.starts.get(ahead) {
            Some(start) => *start,
            None => {
                // A table holds at least one position.
                let last = self.starts.len() - 1;
                self.starts[last] + (ahead - last) as f64 * self.seconds_per_head
            }
        };
        Duration::try_from_secs_f64(seconds.max(0.0)).unwrap_or(Duration::MAX)
    }

    /// How many positions the table holds before it extrapolates.
    pub fn positions(&self) -> usize {
        self.starts.len()
    }
}

/// The estimated wait of the taxpayer with `ahead` present taxpayers before
/// them; `None` when no operator is on duty for the service.
pub fn estimate_wait(query: &WaitQuery<'_>, ahead: u32) -> Option<Duration> {
    let positions = (ahead as usize).saturating_add(1);
    WaitTable::compute(query, positions).map(|table| table.start_after(ahead))
}

/// One scenario: the start of each of the first `positions` places.
fn replay(
    servers: &[OnDuty<'_>],
    attention: &AttentionDistribution,
    scenario: usize,
    positions: usize,
    seconds_per_head: f64,
) -> Vec<f64> {
    let mut free_at: BinaryHeap<FreeAt> = servers
        .iter()
        .enumerate()
        .map(|(index, server)| FreeAt {
            seconds: match server.busy {
                None => 0.0,
                Some(busy) => busy
                    .attention
                    .remaining(busy.elapsed.as_secs_f64(), stratified(scenario, index)),
            },
            server: index,
            attentions: 0,
        })
        .collect();
    let mut starts = Vec::with_capacity(positions);
    let mut moved = 0.0;
    let mut events = 0;
    let budget = positions * EVENTS_PER_POSITION + servers.len();
    while starts.len() < positions && events < budget {
        // One entry per server, popped and pushed back each turn.
        let Some(next) = free_at.pop() else { break };
        events += 1;
        moved += servers[next.server].share;
        // Place k (0-based) starts once the line has moved k + 1 heads, to
        // the nearest head: an operator with half a share takes the first
        // head on their first release, the second on their third.
        while starts.len() < positions && moved + 1e-9 >= starts.len() as f64 + 0.5 {
            starts.push(next.seconds);
        }
        let attentions = next.attentions + 1;
        free_at.push(FreeAt {
            seconds: next.seconds + attention.sample(uniform(scenario, next.server, attentions)),
            server: next.server,
            attentions,
        });
    }
    while starts.len() < positions {
        let last = starts.last().copied().unwrap_or(0.0);
        starts.push(last + seconds_per_head);
    }
    starts
}

/// An operator's next release, ordered earliest first in a max-heap.
#[derive(Debug, Clone, Copy)]
struct FreeAt {
    seconds: f64,
    server: usize,
    attentions: u32,
}

impl PartialEq for FreeAt {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for FreeAt {}

impl PartialOrd for FreeAt {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for FreeAt {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: BinaryHeap pops the greatest, we want the earliest (ties:
        // the lower server index, so that replays are deterministic).
        other
            .seconds
            .total_cmp(&self.seconds)
            .then_with(|| other.server.cmp(&self.server))
    }
}

/// A draw in [0, 1) for the time left of server `server`'s attention in
/// progress: over the scenarios, each server's draws cover every stratum
/// once (a Latin hypercube), shuffled differently per server.
fn stratified(scenario: usize, server: usize) -> f64 {
    let offset = (mix(server as u64 ^ 0x5eed) % SCENARIOS as u64) as usize;
    ((scenario + offset) % SCENARIOS) as f64 / SCENARIOS as f64 + 0.5 / SCENARIOS as f64
}

/// A draw in [0, 1) for server `server`'s `attention`-th attention to come.
fn uniform(scenario: usize, server: usize, attention: u32) -> f64 {
    let key = (scenario as u64) << 40 ^ (server as u64) << 20 ^ u64::from(attention);
    // The top 53 bits, as a fraction.
    (mix(key) >> 11) as f64 / (1u64 << 53) as f64
}

/// SplitMix64's finalizer: a fixed, well-spread hash of `value`.
fn mix(value: u64) -> u64 {
    let mut z = value.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
