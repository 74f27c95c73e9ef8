//! Prices of plan periods: base-plan units and add-ons whose list value comes as close to each
//! period's MRR target as the price list allows.

use super::periods::shuffled_picks;
use super::{ADDONS, MAX_UNITS, TIER_BASE_PRICE, TIER_MRR, World};

/// Weights of 0–3 add-on lines on a plan period, by tier: more on higher tiers.
pub(super) const ADDON_LINES: [[f64; 4]; 3] = [
    [70.0, 20.0, 8.0, 2.0],
    [55.0, 28.0, 12.0, 5.0],
    [40.0, 30.0, 20.0, 10.0],
];
use crate::allocate::fit_total;
use crate::rng::Rand;

/// Gives the subscriptions begun by the anchor their add-ons — exactly `extra_items` add-on
/// lines in all, more on higher tiers — and base-plan units, so that each MRR (base × units
/// plus add-ons) comes as close to its target as the price list allows, inside the tier's range.
/// Later periods were priced as they were drawn.
pub(super) fn price_subscriptions(w: &mut World, rng: &mut Rand, extra_items: usize) {
    let anchor = w.cfg.anchor_end_ts();
    let anchored: Vec<usize> = (0..w.subscriptions.len())
        .filter(|&i| w.subscriptions[i].started_at < anchor)
        .collect();
    let mut lines: Vec<u8> = anchored
        .iter()
        .map(|&i| rng.weighted(&ADDON_LINES[w.subscriptions[i].tier as usize]) as u8)
        .collect();
    fit_total(&mut lines, extra_items, 0, ADDONS.len() as u8, rng);
    for (&i, &n) in anchored.iter().zip(&lines) {
        let picks = shuffled_picks(rng, n as usize);
        let s = &mut w.subscriptions[i];
        let (units, addons) = compose(s.tier, s.mrr_dollars, &picks);
        s.units = units;
        s.addons = addons;
        s.mrr_dollars = monthly_value(s.tier, units, &s.addons);
    }
}

/// Monthly list value of a base plan's units and add-ons, in dollars.
pub fn monthly_value(tier: u8, units: u16, addons: &[(u8, u16)]) -> i64 {
    TIER_BASE_PRICE[tier as usize] * i64::from(units)
        + addons
            .iter()
            .map(|&(a, q)| ADDONS[a as usize].1 * i64::from(q))
            .sum::<i64>()
}

/// Units and add-on quantities (of the picked add-ons, each at least one) whose value comes
/// closest to `target` without leaving the tier's range.
pub(super) fn compose(tier: u8, target: i64, picks: &[u8]) -> (u16, Vec<(u8, u16)>) {
    let (_, hi) = TIER_MRR[tier as usize];
    let base = TIER_BASE_PRICE[tier as usize];
    let fixed: i64 = picks.iter().map(|&a| ADDONS[a as usize].1).sum();
    let mut units = ((target - fixed) / base).clamp(1, i64::from(MAX_UNITS)) as u16;
    while units > 1 && base * i64::from(units) + fixed > hi {
        units -= 1;
    }
    let mut room = target.min(hi) - base * i64::from(units) - fixed;
    let addons = picks
        .iter()
        .map(|&a| {
            let (_, price, max_q) = ADDONS[a as usize];
            let extra = (room / price).clamp(0, i64::from(max_q) - 1);
            room -= extra * price;
            (a, 1 + extra as u16)
        })
        .collect();
    (units, addons)
}
