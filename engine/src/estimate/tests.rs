//! Hand-computed cases of the estimator, and the property that nobody
//! behind you is told a shorter wait than you.

use std::time::Duration;

use proptest::prelude::*;

use super::*;

fn seconds(value: u64) -> Duration {
    Duration::from_secs(value)
}

fn constant(value: u64) -> AttentionDistribution {
    AttentionDistribution::constant(seconds(value))
}

fn busy(elapsed: u64, attention: &AttentionDistribution) -> OnDuty<'_> {
    OnDuty {
        share: 1.0,
        busy: Some(InProgress {
            elapsed: seconds(elapsed),
            attention,
        }),
    }
}

fn idle() -> OnDuty<'static> {
    OnDuty {
        share: 1.0,
        busy: None,
    }
}

fn starts(query: &WaitQuery<'_>, aheads: std::ops::Range<u32>) -> Vec<u64> {
    let table = WaitTable::compute(query, aheads.end as usize).expect("operators on duty");
    aheads
        .map(|ahead| table.start_after(ahead).as_secs())
        .collect()
}

#[test]
fn with_operators_free_the_first_taxpayers_wait_nothing() {
    let attention = constant(60);
    let operators = [idle(), idle()];
    let query = WaitQuery {
        operators: &operators,
        attention: &attention,
    };
    // Two free now; the third waits for the first of them to finish.
    assert_eq!(starts(&query, 0..4), vec![0, 0, 60, 60]);
}

#[test]
fn with_every_operator_busy_the_line_moves_as_attentions_end() {
    let attention = constant(60);
    // Attentions of 60 s that have run 10, 20, 30 and 40 s: they end in
    // 50, 40, 30 and 20 s; then each operator takes 60 s per taxpayer.
    let operators = [
        busy(10, &attention),
        busy(20, &attention),
        busy(30, &attention),
        busy(40, &attention),
    ];
    let query = WaitQuery {
        operators: &operators,
        attention: &attention,
    };
    assert_eq!(starts(&query, 0..8), vec![20, 30, 40, 50, 80, 90, 100, 110]);
}

#[test]
fn an_operator_shared_with_another_service_counts_for_their_share() {
    let attention = constant(60);
    let operators = [
        // Only this service: free at 60, 120, 180 …
        busy(0, &attention),
        // Half of their heads are this service's: free at 30, 90, 150 …
        OnDuty {
            share: 0.5,
            ..busy(30, &attention)
        },
    ];
    let query = WaitQuery {
        operators: &operators,
        attention: &attention,
    };
    // The line moves 0.5 at 30 s, 1.5 at 60, 2 at 90, 3 at 120, 3.5 at 150:
    // the places start at 30, 60, 120 and 150 s (to the nearest head).
    assert_eq!(starts(&query, 0..4), vec![30, 60, 120, 150]);
    let whole = [busy(0, &attention), busy(30, &attention)];
    let unshared = WaitQuery {
        operators: &whole,
        attention: &attention,
    };
    assert_eq!(starts(&unshared, 0..4), vec![30, 60, 90, 120]);
}

#[test]
fn the_share_follows_what_waits_in_each_of_the_operators_services() {
    assert_eq!(queue_share(3, []), 1.0);
    assert_eq!(queue_share(3, [1]), 0.75);
    assert_eq!(queue_share(1, [2, 1]), 0.25);
    // The taxpayer asking counts even before they are in the queue.
    assert_eq!(queue_share(0, [1]), 0.5);
}

#[test]
fn with_no_operator_on_duty_there_is_no_estimate() {
    let attention = constant(60);
    let query = WaitQuery {
        operators: &[],
        attention: &attention,
    };
    assert_eq!(estimate_wait(&query, 0), None);
    let nobody_for_us = [OnDuty {
        share: 0.0,
        busy: None,
    }];
    let query = WaitQuery {
        operators: &nobody_for_us,
        attention: &attention,
    };
    assert_eq!(estimate_wait(&query, 3), None);
}

#[test]
fn the_first_attentions_of_the_day_take_the_configured_attention_time() {
    // No attention observed today: every attention is the configured 4 minutes.
    let today: jiff::civil::Date = "2026-11-30".parse().expect("date");
    let attention = AttentionTimes::new().distribution(today, seconds(240));
    let operators = [busy(0, &attention), busy(0, &attention)];
    let query = WaitQuery {
        operators: &operators,
        attention: &attention,
    };
    // Two operators who have just started: ceil(p / 2) × 4 minutes, the old formula's case.
    assert_eq!(starts(&query, 0..5), vec![240, 240, 480, 480, 720]);
}

#[test]
fn an_operator_who_outlasted_every_observed_attention_ends_within_one_mean() {
    let attention = constant(60);
    let operators = [busy(90, &attention)];
    let query = WaitQuery {
        operators: &operators,
        attention: &attention,
    };
    // Uniform over the next 60 s: the median is half of it.
    let wait = estimate_wait(&query, 0).expect("estimate");
    assert!((29..=31).contains(&wait.as_secs()), "{wait:?}");
}

/// Exponential attention times of mean `mean` seconds, as evenly spaced quantiles.
fn exponential(mean: f64) -> AttentionDistribution {
    let count = WINDOW;
    AttentionDistribution::from_seconds(
        (0..count).map(|i| -mean * (1.0 - (i as f64 + 0.5) / count as f64).ln()),
    )
    .expect("samples")
}

#[test]
fn behind_four_busy_operators_the_first_in_line_waits_a_fraction_of_an_attention() {
    // M/M/4: the first of four exponential attentions (mean 6 s) in progress
    // ends after Exp(mean 1.5 s), median 1.5 × ln 2 ≈ 1.04 s; the taxpayer
    // with 7 ahead waits for 8 releases, Gamma(8, mean 1.5 s), median ≈ 11.5 s.
    let attention = exponential(6.0);
    let operators = [
        busy(1, &attention),
        busy(3, &attention),
        busy(5, &attention),
        busy(9, &attention),
    ];
    let query = WaitQuery {
        operators: &operators,
        attention: &attention,
    };
    let table = WaitTable::compute(&query, 8).expect("estimate");
    let first = table.start_after(0).as_secs_f64();
    let eighth = table.start_after(7).as_secs_f64();
    assert!((0.8..1.3).contains(&first), "first {first}");
    assert!((10.0..13.0).contains(&eighth), "eighth {eighth}");
}

#[test]
fn past_the_table_the_line_moves_at_the_operators_steady_rate() {
    let attention = constant(60);
    let operators = [busy(0, &attention), busy(0, &attention)];
    let query = WaitQuery {
        operators: &operators,
        attention: &attention,
    };
    let table = WaitTable::compute(&query, 4).expect("estimate");
    assert_eq!(table.positions(), 4);
    // 2 operators, 60 s each: 30 s per head past the 4th place (120 s).
    assert_eq!(table.start_after(5), seconds(120 + 2 * 30));
    assert_eq!(table.start_after(1_000_000), seconds(120 + 999_997 * 30));
}

/// A random roster: operators each serving this service, another, or both,
/// some busy on either.
#[derive(Debug, Clone)]
struct Roster {
    /// Per operator: serves S, serves U, elapsed (None = idle), busy on S (else U).
    operators: Vec<(bool, bool, Option<u64>, bool)>,
    waiting: (u32, u32),
    samples: (Vec<u64>, Vec<u64>),
}

fn roster() -> impl Strategy<Value = Roster> {
    (
        proptest::collection::vec(
            (
                any::<bool>(),
                any::<bool>(),
                proptest::option::of(0u64..900),
                any::<bool>(),
            ),
            0..9,
        ),
        (0u32..60, 0u32..60),
        (
            proptest::collection::vec(1u64..900, 1..30),
            proptest::collection::vec(1u64..900, 1..30),
        ),
    )
        .prop_map(|(operators, waiting, samples)| Roster {
            operators,
            waiting,
            samples,
        })
}

/// The estimates for places 0..`places` of service S (`for_s`) or U.
fn estimates(roster: &Roster, for_s: bool, table_positions: usize, places: u32) -> Vec<Duration> {
    let to_distribution = |samples: &[u64]| {
        AttentionDistribution::from_seconds(samples.iter().map(|s| *s as f64)).expect("samples")
    };
    let distribution_s = to_distribution(&roster.samples.0);
    let distribution_u = to_distribution(&roster.samples.1);
    let (waiting_here, waiting_there) = if for_s {
        roster.waiting
    } else {
        (roster.waiting.1, roster.waiting.0)
    };
    let operators: Vec<OnDuty<'_>> = roster
        .operators
        .iter()
        .filter(|(serves_s, serves_u, _, _)| if for_s { *serves_s } else { *serves_u })
        .map(|(serves_s, serves_u, elapsed, busy_on_s)| OnDuty {
            share: if *serves_s && *serves_u {
                queue_share(waiting_here, [waiting_there])
            } else {
                1.0
            },
            busy: elapsed.map(|elapsed| InProgress {
                elapsed: Duration::from_secs(elapsed),
                attention: if *busy_on_s {
                    &distribution_s
                } else {
                    &distribution_u
                },
            }),
        })
        .collect();
    let query = WaitQuery {
        operators: &operators,
        attention: if for_s {
            &distribution_s
        } else {
            &distribution_u
        },
    };
    match WaitTable::compute(&query, table_positions) {
        Some(table) => (0..places).map(|ahead| table.start_after(ahead)).collect(),
        None => Vec::new(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn nobody_behind_you_is_told_a_shorter_wait_in_either_service_sharing_operators(
        roster in roster(),
        table_positions in 1usize..40,
    ) {
        for for_s in [true, false] {
            let told = estimates(&roster, for_s, table_positions, 60);
            for pair in told.windows(2) {
                prop_assert!(pair[0] <= pair[1], "{:?} then {:?} ({})", pair[0], pair[1], if for_s { "S" } else { "U" });
            }
        }
    }

    #[test]
    fn the_same_situation_always_gives_the_same_estimate(roster in roster()) {
        prop_assert_eq!(estimates(&roster, true, 20, 20), estimates(&roster, true, 20, 20));
    }
}

/// The median of Gamma(`shape`, `rate`): the exact model's answer for the
/// taxpayer with `shape - 1` ahead behind `c` busy exponential operators.
fn gamma_median(shape: u32, rate: f64) -> f64 {
    let below = |t: f64| {
        // P(Gamma ≤ t) = P(Poisson(rate · t) ≥ shape).
        let x = rate * t;
        let mut term = (-x).exp();
        let mut sum = 0.0;
        for i in 0..shape {
            sum += term;
            term *= x / f64::from(i + 1);
        }
        1.0 - sum
    };
    let (mut low, mut high) = (0.0, 100.0 * f64::from(shape) / rate);
    for _ in 0..60 {
        let middle = (low + high) / 2.0;
        if below(middle) < 0.5 {
            low = middle;
        } else {
            high = middle;
        }
    }
    high
}

/// Median and p90 of a list of relative errors.
fn median_and_p90(mut errors: Vec<f64>) -> (f64, f64) {
    errors.sort_by(f64::total_cmp);
    (errors[errors.len() / 2], errors[errors.len() * 9 / 10])
}

#[test]
fn on_an_m_m_4_queue_the_estimates_are_as_true_as_the_exact_models() {
    use rand::{Rng, SeedableRng};
    // M/M/4 at ρ = 0.9 (arrivals 0.6/s, attentions Exp(mean 6 s)), from
    // empty, 240 s, 12 days. The estimator knows the attention times only
    // by their sample; the exact model knows they are exponential, so its
    // answer is the median of Gamma(k + 1, 4 / 6) for k ahead. Both are
    // judged as the load tester judges them: |told − real| / real for
    // waits of at least 3 s. Nothing can do much better than the exact
    // model: the rest is the attentions still to come.
    let (rate, mean, operators) = (0.6, 6.0, 4usize);
    let attention = exponential(mean);
    let mut ours = Vec::new();
    let mut exact = Vec::new();
    for day in 0..12u64 {
        let mut rng = rand::rngs::StdRng::seed_from_u64(day);
        let mut draw = |mean: f64| -mean * (1.0 - rng.random::<f64>()).ln();
        // Each operator's attentions (start, end), and when the last ends.
        let mut attentions: Vec<Vec<(f64, f64)>> = vec![Vec::new(); operators];
        let mut free_at = [0.0f64; 4];
        let mut starts: Vec<f64> = Vec::new();
        let mut now = 0.0;
        loop {
            now += draw(1.0 / rate);
            if now > 240.0 {
                break;
            }
            let ahead = starts.iter().filter(|start| **start > now).count() as u32;
            // What the engine knows now: since when each attention in progress runs.
            let running: Vec<Option<f64>> = attentions
                .iter()
                .map(|list| {
                    list.iter()
                        .rev()
                        .find(|(start, end)| *start <= now && now < *end)
                        .map(|(start, _)| now - start)
                })
                .collect();
            let on_duty: Vec<OnDuty<'_>> = running
                .iter()
                .map(|elapsed| OnDuty {
                    share: 1.0,
                    busy: elapsed.map(|elapsed| InProgress {
                        elapsed: Duration::from_secs_f64(elapsed),
                        attention: &attention,
                    }),
                })
                .collect();
            let idle = running.iter().any(Option::is_none);
            let query = WaitQuery {
                operators: &on_duty,
                attention: &attention,
            };
            let told = estimate_wait(&query, ahead)
                .expect("operators")
                .as_secs_f64();
            let model = if idle && ahead == 0 {
                0.0
            } else {
                gamma_median(ahead + 1, operators as f64 / mean)
            };
            // FIFO: the next operator to free up takes the next in line.
            let first = (0..operators)
                .min_by(|a, b| free_at[*a].total_cmp(&free_at[*b]))
                .expect("operators");
            let start = now.max(free_at[first]);
            free_at[first] = start + draw(mean);
            attentions[first].push((start, free_at[first]));
            starts.push(start);
            let waited = start - now;
            if waited >= 3.0 {
                ours.push((told - waited).abs() / waited);
                exact.push((model - waited).abs() / waited);
            }
        }
    }
    let (our_median, our_p90) = median_and_p90(ours);
    let (exact_median, exact_p90) = median_and_p90(exact);
    assert!(
        our_median <= exact_median + 0.05 && our_p90 <= exact_p90 + 0.10,
        "ours: median {our_median:.3}, p90 {our_p90:.3}; exact model: median {exact_median:.3}, p90 {exact_p90:.3}"
    );
}
