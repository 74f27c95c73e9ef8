//! Exact allocation: splitting a total over weights, fitting per-entity draws to an exact total,
//! and cutting index ranges into shards. Pure functions; every exact row count rests on them.

use std::ops::Range;

use crate::rng::Rand;

/// Splits `total` over weights exactly: floors of the cumulative share, so every count is within
/// one of its expectation and the sum is exact.
pub fn apportion(total: u64, weights: &[f64]) -> Vec<u32> {
    let sum: f64 = weights.iter().sum();
    let mut out = Vec::with_capacity(weights.len());
    let (mut acc, mut given) = (0.0, 0u64);
    for (i, w) in weights.iter().enumerate() {
        acc += w;
        let upto = if i + 1 == weights.len() {
            total
        } else {
            // `as` truncates toward zero and saturates at zero: `floor` for every value here,
            // without a libm call.
            ((acc / sum) * total as f64) as u64
        };
        let upto = upto.clamp(given, total);
        out.push((upto - given) as u32);
        given = upto;
    }
    out
}

/// Where each item starts when counts are laid end to end: exclusive prefix sums (the first is
/// 0), e.g. the id offset of each entity's rows.
pub fn offsets(counts: impl IntoIterator<Item = u64>) -> Vec<u64> {
    let mut acc = 0;
    counts
        .into_iter()
        .map(|c| {
            let start = acc;
            acc += c;
            start
        })
        .collect()
}

/// The x at which exactly `target` critical values lie at or below it, for a count that is a
/// unit-step function of x (each entity's draws turn on, one at a time, as x grows: a session
/// exists when its critical value is at or below the fitted rate). `pass(lo, hi)` visits every
/// critical value once and returns how many lie at or below `lo` and those in `(lo, hi]`; the
/// band starts at `guess` ± 2 % and moves and widens until it holds the target, so memory
/// stays a few percent of the values. `None` when no x gives `target` (too few values).
pub fn order_statistic(
    target: u64,
    guess: f64,
    pass: impl Fn(f64, f64) -> (u64, Vec<f64>),
) -> Option<f64> {
    order_statistics([target], [guess], |[(lo, hi)]| [pass(lo, hi)]).map(|[x]| x)
}

/// [`order_statistic`] for several independent counts judged in one pass over the same
/// entities: `pass` gets a band per count and returns each count's values as above. A count
/// already fitted gets an empty band (`lo == hi`) in later passes.
pub fn order_statistics<const K: usize>(
    targets: [u64; K],
    guesses: [f64; K],
    pass: impl Fn([(f64, f64); K]) -> [(u64, Vec<f64>); K],
) -> Option<[f64; K]> {
    let mut found: [Option<f64>; K] = [None; K];
    for k in 0..K {
        if targets[k] == 0 {
            found[k] = Some(0.0);
        }
    }
    let mut guesses = guesses.map(|g| if g.is_finite() && g > 0.0 { g } else { 1.0 });
    let mut width: f64 = 0.02;
    for _ in 0..80 {
        if found.iter().all(Option::is_some) {
            return Some(found.map(|x| x.expect("all found")));
        }
        let bands: [(f64, f64); K] = std::array::from_fn(|k| match found[k] {
            Some(x) => (x, x),
            None => (
                guesses[k] * (1.0 - width).max(0.0),
                guesses[k] * (1.0 + width),
            ),
        });
        let results = pass(bands);
        for (k, (below, mut band)) in results.into_iter().enumerate() {
            if found[k].is_some() {
                continue;
            }
            let ((lo, hi), target) = (bands[k], targets[k]);
            let at_hi = below + band.len() as u64;
            if below < target && target <= at_hi {
                let i = (target - below - 1) as usize;
                let (_, v, _) = band.select_nth_unstable_by(i, f64::total_cmp);
                found[k] = Some(*v);
                continue;
            }
            let g = if below >= target {
                lo * target as f64 / below as f64
            } else if at_hi > 0 {
                hi * target as f64 / at_hi as f64
            } else {
                hi * 4.0
            };
            if !(g.is_finite() && g < 1e300) {
                return None;
            }
            guesses[k] = g;
        }
        width = (width * 2.0).min(0.5);
    }
    None
}

/// Nudges per-entity counts up or down, one random entity at a time, until they sum to exactly
/// `target`, keeping each inside [lo, hi]. The draws keep their shape; the total becomes exact.
pub fn fit_total(counts: &mut [u8], target: usize, lo: u8, hi: u8, rng: &mut Rand) {
    let caps = vec![hi; counts.len()];
    let floors = vec![lo; counts.len()];
    fit(counts, target, &floors, &caps, rng);
}

/// Like `fit_total` with a cap per entity and a floor of zero; when the caps cannot reach the
/// target, every non-zero cap grows by one until they can.
pub fn fit_total_capped(counts: &mut [u8], target: usize, caps: &[u8], rng: &mut Rand) {
    let floors = vec![0; counts.len()];
    let mut caps = caps.to_vec();
    // Raise the caps of long-lived customers until the target is reachable.
    while caps.iter().map(|&c| c as usize).sum::<usize>() < target {
        for c in caps.iter_mut().filter(|c| **c > 0) {
            *c = c.saturating_add(1);
        }
    }
    fit(counts, target, &floors, &caps, rng);
}

fn fit(counts: &mut [u8], target: usize, floors: &[u8], caps: &[u8], rng: &mut Rand) {
    let n = counts.len() as u64;
    let mut sum: usize = counts.iter().map(|&c| c as usize).sum();
    assert!(
        floors.iter().map(|&c| c as usize).sum::<usize>() <= target
            && caps.iter().map(|&c| c as usize).sum::<usize>() >= target,
        "target {target} is not reachable"
    );
    while sum != target {
        let i = rng.below(n) as usize;
        if sum > target && counts[i] > floors[i] {
            counts[i] -= 1;
            sum -= 1;
        } else if sum < target && counts[i] < caps[i] {
            counts[i] += 1;
            sum += 1;
        }
    }
}

/// Cuts `0..n` into consecutive ranges of `per` items (the last may be shorter; at least one).
pub fn ranges(n: usize, per: usize) -> Vec<Range<usize>> {
    (0..n.div_ceil(per).max(1))
        .map(|s| s * per..((s + 1) * per).min(n))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_statistic_lands_on_the_exact_count() {
        // Critical values of 5,000 entities, each turning on at i / 7 plus jitter.
        let values: Vec<f64> = (0..5_000u64)
            .map(|i| 0.5 + (i as f64 * 0.618_033_988_7).fract() * 3.0)
            .collect();
        let pass = |lo: f64, hi: f64| {
            let below = values.iter().filter(|&&v| v <= lo).count() as u64;
            let band = values
                .iter()
                .copied()
                .filter(|&v| v > lo && v <= hi)
                .collect();
            (below, band)
        };
        for target in [1u64, 17, 2_500, 4_999, 5_000] {
            for guess in [0.01, 1.0, 2.0, 900.0] {
                let x = order_statistic(target, guess, pass).unwrap();
                assert_eq!(values.iter().filter(|&&v| v <= x).count() as u64, target);
            }
        }
        // Two counts in one pass, one guessed far off: each lands on its own target.
        let [x, y] = order_statistics([100, 4_000], [1.0, 50.0], |[a, b]| {
            [pass(a.0, a.1), pass(b.0, b.1)]
        })
        .unwrap();
        assert_eq!(values.iter().filter(|&&v| v <= x).count(), 100);
        assert_eq!(values.iter().filter(|&&v| v <= y).count(), 4_000);
        assert_eq!(order_statistic(5_001, 1.0, pass), None);
        assert_eq!(order_statistic(0, 1.0, pass), Some(0.0));
    }

    #[test]
    fn offsets_are_exclusive_prefix_sums() {
        assert_eq!(offsets([3, 0, 2, 5]), vec![0, 3, 3, 5]);
        assert!(offsets(std::iter::empty()).is_empty());
    }

    #[test]
    fn apportion_is_exact() {
        let w = [0.1, 3.0, 0.0, 2.2, 7.9];
        for total in [0, 1, 7, 1000, 123_457] {
            let c = apportion(total, &w);
            assert_eq!(c.iter().map(|&x| u64::from(x)).sum::<u64>(), total);
            assert_eq!(c[2], 0);
        }
    }

    #[test]
    fn fit_total_lands_on_the_target_inside_the_bounds() {
        let mut rng = Rand::new(1, "test", 0);
        // Draws start inside the bounds; the fit keeps them there.
        let mut counts = vec![3u8, 8, 2, 5, 5, 2];
        fit_total(&mut counts, 30, 2, 8, &mut rng);
        assert_eq!(counts.iter().map(|&c| c as usize).sum::<usize>(), 30);
        assert!(counts.iter().all(|&c| (2..=8).contains(&c)));
    }

    #[test]
    fn ranges_cover_everything_once() {
        assert_eq!(ranges(25, 10), vec![0..10, 10..20, 20..25]);
        assert_eq!(ranges(0, 10), vec![0..0]);
    }
}
