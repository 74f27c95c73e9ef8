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
