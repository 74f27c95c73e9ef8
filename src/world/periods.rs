//! Plan periods of an account: the changes fitted before the anchor, walked back from its tier
//! at the anchor, then changes after the anchor at the fitted rate, walked forward; the last
//! period ends at the churn, lost to failed payments for some.

use super::history::{ChangeRate, Lifecycle, YEAR};
use super::pricing::{ADDON_LINES, compose, monthly_value};
use super::*;
use crate::rng::Rand;
use crate::time::{MICROS_PER_HOUR, MICROS_PER_MIN};

/// One plan period of an account, before ids and prices.
struct Period {
    start: i64,
    tier: u8,
    kind: u8,
    target: i64,
}

/// The subscriptions of account `i`: the fitted changes before the anchor, walked back from its
/// tier at the anchor, then changes after the anchor at the fitted rate from its own stream;
/// the last one ends at the churn, lost to failed payments for some.
pub(super) fn push_plans(
    w: &mut World,
    rng: &mut Rand,
    i: usize,
    l: &Lifecycle,
    changes_before_anchor: u8,
    rate: ChangeRate,
) {
    let anchor = w.cfg.anchor_end_ts();
    let a = &w.accounts[i];
    let (tier, annual, created) = (a.tier, a.annual_billing, a.created_at);
    let lost_to_payments = !annual && rng.chance(INVOLUNTARY_CHURN[tier as usize]);
    let mut periods = periods_before(
        rng,
        tier,
        l,
        created,
        changes_before_anchor,
        l.churned_at.map_or(anchor, |c| c.min(anchor)),
    );
    // Company size at sign-up, by the tier it signed up on.
    let (elo, ehi) = TIER_EMPLOYEES[periods[0].tier as usize];
    w.accounts[i].employees =
        (elo as f64 * (ehi as f64 / elo as f64).powf(rng.f64().powf(1.4))).round() as i32;
    let mut later = Rand::new(w.cfg.seed, "world.changes", w.accounts[i].id as u64);
    let mut position = {
        let last = periods.last().expect("one period");
        let (lo, hi) = TIER_MRR[last.tier as usize];
        ((last.target as f64 / lo as f64).ln() / (hi as f64 / lo as f64).ln()).clamp(0.0, 1.0)
    };
    if l.converted {
        let from = l.paid_start.max(anchor);
        periods_after(
            &mut periods,
            &mut later,
            from,
            l.churned_at,
            rate,
            &mut position,
        );
    }
    let first = w.subscriptions.len() as u32;
    let horizon = w.cfg.horizon_end_ts();
    for (j, p) in periods.iter().enumerate() {
        // Past the horizon only an account's first period (what its CRM deal is signed for).
        if p.start >= horizon && j > 0 {
            break;
        }
        let next = periods.get(j + 1).map(|q| q.start);
        let ended_at = next.or(l.churned_at);
        let end_reason = match (next, l.churned_at) {
            (Some(_), _) => Some(periods[j + 1].kind - 1),
            (None, Some(_)) if !l.converted => Some(3),
            (None, Some(_)) => Some(2),
            (None, None) => None,
        };
        let mut s = Subscription {
            id: 0,
            account: i as u32,
            tier: p.tier,
            mrr_dollars: p.target,
            annual,
            started_at: p.start,
            ended_at,
            trial_end: if j == 0 { l.trial_end } else { None },
            status: 1,
            change: p.kind,
            end_reason,
            units: 1,
            addons: Vec::new(),
            payment_failed: false,
        };
        if p.start >= anchor {
            // Priced now, from the account's own stream (before the anchor: fitted below).
            let picks = addon_picks(&mut later, p.tier);
            let (units, addons) = compose(p.tier, p.target, &picks);
            s.units = units;
            s.addons = addons;
            s.mrr_dollars = monthly_value(p.tier, units, &s.addons);
        }
        w.subscriptions.push(s);
    }
    let subs = first..w.subscriptions.len() as u32;
    w.accounts[i].subscriptions = subs.clone();
    // The period live at the churn is the last one: the churn may be a loss to failed payments.
    if lost_to_payments && l.converted {
        let last_start = periods.last().expect("one period").start;
        let stored_last = w.subscriptions[subs.end as usize - 1].started_at == last_start;
        if let Some(at) = l.churned_at.and_then(|c| involuntary_at(&periods, l, c)) {
            w.accounts[i].churned_at = Some(at);
            w.accounts[i].churns_at = Some(at);
            if stored_last {
                let s = &mut w.subscriptions[subs.end as usize - 1];
                s.ended_at = Some(at);
                s.payment_failed = true;
            }
        }
    }
}

/// Periods up to the anchor: `changes` plan changes at distinct instants inside the paying life
/// up to `until`, tiers walked back from the tier at the anchor.
fn periods_before(
    rng: &mut Rand,
    final_tier: u8,
    l: &Lifecycle,
    created: i64,
    changes: u8,
    until: i64,
) -> Vec<Period> {
    // Change times: distinct, inside the paying life, at least a day from either edge.
    let lo = l.paid_start + MICROS_PER_DAY;
    let hi = (until - MICROS_PER_DAY).max(lo + 1);
    let mut at: Vec<i64> = (0..changes).map(|_| rng.range(lo, hi)).collect();
    at.sort_unstable();
    for k in 1..at.len() {
        at[k] = at[k].max(at[k - 1] + MICROS_PER_MIN);
    }
    // Walk tiers backwards from the final tier. A change is an upgrade (from the tier below, or
    // an expansion in the same tier: more units or add-ons) or a downgrade (from the tier above).
    let mut tiers = vec![final_tier; changes as usize + 1];
    let mut kinds = vec![0u8; changes as usize + 1];
    let mut expansion = vec![false; changes as usize + 1];
    for j in (1..=changes as usize).rev() {
        let t = tiers[j];
        // (expansion, upgrade from below, downgrade from above) by tier.
        let w: &[f64] = match t {
            0 => &[0.9, 0.0, 0.1],
            1 => &[0.76, 0.2, 0.04],
            _ => &[0.85, 0.15, 0.0],
        };
        let (prev, kind) = match rng.weighted(w) {
            0 => (t, 1),
            1 => (t - 1, 1),
            _ => (t + 1, 2),
        };
        tiers[j - 1] = prev;
        kinds[j] = kind;
        expansion[j] = prev == t;
    }
    // MRR targets along the way, as a position in the tier's (log) range: new customers start
    // low, expansions climb, an upgrade enters low in the tier above, a downgrade lands high in
    // the tier below. `price_subscriptions` turns each target into units and add-ons.
    let mut position = 0.55 * rng.f64().powi(2);
    (0..=changes as usize)
        .map(|j| {
            if j > 0 {
                position = next_position(rng, position, expansion[j], kinds[j]);
            }
            Period {
                start: if j == 0 { created } else { at[j - 1] },
                tier: tiers[j],
                kind: kinds[j],
                target: target_mrr(tiers[j], position),
            }
        })
        .collect()
}

fn next_position(rng: &mut Rand, position: f64, expansion: bool, kind: u8) -> f64 {
    if expansion {
        (position + rng.uniform(0.25, 0.6)).min(1.0)
    } else if kind == 1 {
        rng.uniform(0.0, 0.3)
    } else {
        rng.uniform(0.35, 0.8)
    }
}

fn target_mrr(tier: u8, position: f64) -> i64 {
    let (lo, hi) = TIER_MRR[tier as usize];
    (lo as f64 * (hi as f64 / lo as f64).powf(position)) as i64
}

/// Weight of the current tier in how often a customer changes plans after the anchor, against
/// the same fitted rate: higher than [`CHANGE_WEIGHT`], which weighs a whole pre-anchor history by
/// the tier it reached (so already counts the upgrades that led there). Sized so that net revenue
/// retention by tier stays at the REFERENCE figures in cuts up to the horizon (a test checks it).
const FORWARD_CHANGE_WEIGHT: [f64; 3] = [2.0, 4.2, 13.0];

/// Plan changes after `from` until the churn, a Poisson process at the fitted rate of the
/// current tier, walked forward. Runs to the churn (not the horizon) so that the period live at
/// the churn is known whatever the horizon.
fn periods_after(
    periods: &mut Vec<Period>,
    rng: &mut Rand,
    from: i64,
    churn: Option<i64>,
    rate: ChangeRate,
    position: &mut f64,
) {
    // A cap keeps a customer that never churns (tiny profiles) finite: far past any horizon.
    let stop = churn.unwrap_or(from + (200.0 * YEAR) as i64);
    let mut t = from;
    while let Some(last) = periods.last() {
        let per_day = rate.0 * FORWARD_CHANGE_WEIGHT[last.tier as usize];
        if per_day <= 0.0 {
            return;
        }
        t += (rng.exp(1.0 / per_day) * MICROS_PER_DAY as f64) as i64 + MICROS_PER_MIN;
        if t >= stop - MICROS_PER_DAY {
            return;
        }
        let tier = last.tier;
        // (expansion, upgrade to the tier above, downgrade to the tier below) by tier.
        let w: &[f64] = match tier {
            0 => &[0.88, 0.12, 0.0],
            1 => &[0.78, 0.12, 0.10],
            _ => &[0.88, 0.0, 0.12],
        };
        let (next, kind) = match rng.weighted(w) {
            0 => (tier, 1),
            1 => (tier + 1, 1),
            _ => (tier - 1, 2),
        };
        *position = next_position(rng, *position, next == tier, kind);
        periods.push(Period {
            start: t,
            tier: next,
            kind,
            target: target_mrr(next, *position),
        });
    }
}

/// Add-ons picked for a plan period of a tier (from its own stream, not fitted).
pub(super) fn addon_picks(rng: &mut Rand, tier: u8) -> Vec<u8> {
    let n = rng.weighted(&ADDON_LINES[tier as usize]);
    shuffled_picks(rng, n)
}

/// `n` of the add-ons in a random order's first places, sorted.
pub(super) fn shuffled_picks(rng: &mut Rand, n: usize) -> Vec<u8> {
    let mut picks: Vec<u8> = (0..ADDONS.len() as u8).collect();
    for k in (1..picks.len()).rev() {
        picks.swap(k, rng.below(k as u64 + 1) as usize);
    }
    picks.truncate(n);
    picks.sort_unstable();
    picks
}

/// A churn lost to failed payments: the card is declined on the billing date of the period
/// holding the churn, Smart Retries give up, and the subscription ends 13 days after that
/// billing date. None when that would fall before the period began.
fn involuntary_at(periods: &[Period], l: &Lifecycle, churned: i64) -> Option<i64> {
    let last = periods.last()?;
    let billing = if periods.len() == 1 {
        l.trial_end.unwrap_or(last.start)
    } else {
        last.start
    };
    let mut k = 0;
    while time::add_months(billing, k + 1) <= churned {
        k += 1;
    }
    let at = time::add_months(billing, k) + 13 * MICROS_PER_DAY + 7 * MICROS_PER_HOUR;
    (time::add_months(billing, k) >= last.start).then_some(at)
}
