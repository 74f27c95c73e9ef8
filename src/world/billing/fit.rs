//! The billing fitted at the anchor: billing start, bank-transfer split and notice scale.

use rayon::prelude::*;

use super::*;
use crate::allocate::apportion;

/// Fits the billing of the history `w` at its anchor to the profile's counts of invoices,
/// charges and events.
///
/// # Panics
/// When no split or scale lands on the counts (a profile whose charges or events per invoice
/// lie outside what the billing rules can produce).
pub(in crate::world) fn fit(w: &World) -> BillingFit {
    let end = w.cfg.anchor_end_ts();
    let n = w.accounts.partition_point(|a| a.created_at < end);
    let count = |t: &str| w.counts.get(t);
    let mut fit = BillingFit {
        start: (i64::MIN, 0),
        transfer: 0.0,
        notices: 0.0,
        manual: Vec::new(),
    };
    // The billing start keeps exactly the newest invoices; small custom sizes with too few
    // billing periods bill onboarding and training services by hand to fill in.
    let mut keys: Vec<(i64, u64)> = (0..n)
        .into_par_iter()
        .flat_map_iter(|ai| {
            candidates(w, &fit, ai, end)
                .into_iter()
                .map(|i| (i.created, i.key))
        })
        .collect();
    let target = count("stripe_invoices") as usize;
    if keys.len() < target {
        let lives: Vec<f64> = w.accounts[..n]
            .iter()
            .map(|a| (by_anchor(a, end) - a.created_at) as f64)
            .collect();
        fit.manual = apportion((target - keys.len()) as u64, &lives);
    } else {
        keys.sort_unstable();
        fit.start = keys[keys.len() - target];
    }
    // The transfer split: card-class invoices whose first attempt falls before the anchor each
    // add a charge unless paid by transfer.
    let (fixed, mut splits) = (0..n)
        .into_par_iter()
        .map(|ai| {
            let (mut fixed, mut splits) = (0u64, Vec::new());
            for i in candidates(w, &fit, ai, end) {
                if i.split.is_nan() {
                    fixed += i.at(end).charges();
                } else if i.attempt_time(0) < end {
                    splits.push(i.split);
                }
            }
            (fixed, splits)
        })
        .reduce(
            || (0, Vec::new()),
            |(f, mut s), (g, t)| {
                s.extend(t);
                (f + g, s)
            },
        );
    let charges = count("stripe_charges");
    let card = charges
        .checked_sub(fixed)
        .filter(|&c| c <= splits.len() as u64);
    let Some(card) = card else {
        panic!(
            "charges cannot land on the profile's count: {charges} asked, {fixed} to {} possible",
            fixed + splits.len() as u64
        );
    };
    // `card` values at or above the split are paid by card.
    splits.sort_unstable_by(|a, b| b.total_cmp(a));
    fit.transfer = between(&splits, card as usize, 1.0, 0.0);
    // The notice scale: what the trails leave of the profile's events.
    let trails: u64 = (0..n)
        .into_par_iter()
        .map(|ai| {
            let inv: Vec<Invoice> = candidates(w, &fit, ai, end)
                .into_iter()
                .map(|i| i.at(end))
                .collect();
            trail_len(w, ai, &inv, end)
        })
        .sum();
    let mut values: Vec<f64> = (0..n)
        .into_par_iter()
        .flat_map_iter(|ai| {
            let mut v = Vec::new();
            upcoming(w, &fit, ai, end, |_, _, _, x| v.push(x));
            v
        })
        .collect();
    let lives: Vec<i64> = w.accounts[..n]
        .iter()
        .map(|a| by_anchor(a, end) - a.created_at)
        .collect();
    let events = count("stripe_events");
    let Some(wanted) = events.checked_sub(trails) else {
        panic!("the event trail ({trails}) exceeds the profile's {events} events");
    };
    let wanted = wanted as usize;
    values.sort_unstable_by(f64::total_cmp);
    fit.notices = if wanted <= values.len() {
        between(&values, wanted, 0.0, 1.0)
    } else {
        1.0 + update_rate(w, &lives[..], wanted - values.len())
    };
    fit
}

/// A threshold with exactly `k` of the sorted `values` on the near side: halfway between the
/// k-th and the next (or the bound past the last).
fn between(values: &[f64], k: usize, first: f64, last: f64) -> f64 {
    match (k.checked_sub(1).map(|i| values[i]), values.get(k)) {
        (None, None) => first,
        (None, Some(&v)) => (first + v) / 2.0,
        (Some(u), None) => (u + last) / 2.0,
        (Some(u), Some(&v)) => (u + v) / 2.0,
    }
}

/// The yearly rate of customer updates that puts exactly `wanted` of them before the anchor:
/// the k-th update of an account with `life` micros before the anchor comes at `G_k / rate`
/// years (`G_k` a running sum of Exp(1) draws), so it is in when `rate > G_k / life`.
fn update_rate(w: &World, lives: &[i64], wanted: usize) -> f64 {
    let total: f64 = lives
        .iter()
        .map(|&l| l as f64 / YEAR)
        .sum::<f64>()
        .max(1e-9);
    let mut bound = 2.0 * wanted as f64 / total + 1.0;
    loop {
        let mut rates = Vec::new();
        for (a, &life) in w.accounts.iter().zip(lives) {
            let years = life as f64 / YEAR;
            let mut r = Rand::new(w.cfg.seed, "stripe.updates", a.id as u64);
            let mut g = 0.0;
            loop {
                g += r.exp(1.0);
                let rate = g / years;
                if rate > bound {
                    break;
                }
                rates.push(rate);
            }
        }
        if rates.len() > wanted {
            rates.sort_unstable_by(f64::total_cmp);
            return (rates[wanted - 1] + rates[wanted]) / 2.0;
        }
        bound *= 2.0;
    }
}
