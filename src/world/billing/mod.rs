//! Billing: every invoice the history bills in Stripe, how each one ends, and the notices around
//! them, as one history that a cut at any day shows as it stood then.
//!
//! Candidates are every billing period of every paid subscription, a hardware invoice per
//! installed device and, for small custom sizes, hand-billed services. Each invoice decides its
//! own end from its own hash (its subscription and period, or its device): paid by card at the
//! first attempt, by card after declined attempts three days apart, by bank transfer (9 days,
//! a third late), marked uncollectible after failed attempts (the last invoice of a period lost
//! to failed payments always is) or voided. A cut shows each invoice with the attempts made by
//! then: open until it is paid, marked uncollectible or voided.
//!
//! Three values are fitted at the anchor ([`fit`]), each from the history up to the anchor, so
//! a cut never depends on what comes after it:
//! - the billing start, the instant the account history moved to Stripe: exactly the profile's
//!   invoices fall between it and the anchor;
//! - the bank-transfer split: a card-paid invoice whose split value falls below it is paid by
//!   transfer instead, so the charges at the anchor are exact;
//! - the notice scale: a renewal is announced a week ahead (`invoice.upcoming`) when its notice
//!   value is at most the scale and, above 1, customers update their details at (scale − 1) a
//!   year, so the events at the anchor are exact.

mod fit;
mod invoice;

use super::history::by_anchor;
use super::*;
use crate::rng::{Rand, mix, stable_hash, unit};
use crate::time::MICROS_PER_HOUR;

pub(super) use self::fit::fit;
pub use self::invoice::{Invoice, Outcome};

/// Hardware price of a tap device by model, in cents.
pub const DEVICE_PRICE_CENTS: [i64; 4] = [34_900, 49_900, 29_900, 59_900];

/// Shares of how a plan invoice ends, besides the bank-transfer split: paid by card (at the
/// first attempt or by transfer), paid after declined attempts, uncollectible, void.
const PLAN_ENDS: [f64; 4] = [90.0, 4.0, 3.8, 1.2];
/// Share of bank transfers that arrive after the 14-day due date (16–45 days).
const LATE_TRANSFERS: f64 = 0.33;
/// Days before a renewal that Stripe announces it.
const UPCOMING_DAYS: i64 = 7;
const YEAR: f64 = 365.25 * MICROS_PER_DAY as f64;

/// Billing periods of a subscription: (start, end) from the end of the trial, monthly or yearly,
/// starting before `stop`.
pub fn periods(s: &Subscription, stop: i64) -> Vec<(i64, i64)> {
    let start = s.trial_end.unwrap_or(s.started_at);
    let stop = s.ended_at.map_or(stop, |e| e.min(stop));
    let step = if s.annual { 12 } else { 1 };
    let mut out = Vec::new();
    let mut k = 0;
    loop {
        let t = time::add_months(start, k * step);
        if t >= stop {
            break;
        }
        out.push((t, time::add_months(start, (k + 1) * step)));
        k += 1;
    }
    out
}

/// When Stripe warns that a trial ends (three days before), if that falls before `end`.
pub fn trial_will_end(s: &Subscription, end: i64) -> Option<i64> {
    let te = s.trial_end?;
    let t = te - 3 * MICROS_PER_DAY;
    (t > s.started_at && t < end).then_some(t)
}

/// The history's fitted billing (see the module notes).
#[derive(Clone, Debug, Default)]
pub struct BillingFit {
    /// The billing start, with a tiebreak between invoices of one instant: an invoice is in
    /// Stripe when its (created, key) is at least this.
    pub start: (i64, u64),
    /// Card-paid invoices whose split value is below this are paid by bank transfer.
    pub transfer: f64,
    /// The notice scale.
    pub notices: f64,
    /// Hand-billed service invoices per account (small custom sizes only).
    manual: Vec<u32>,
}

/// A cut's invoices, by account then creation time, and each account's Stripe events.
#[derive(Default)]
pub struct Billing {
    pub invoices: Vec<Invoice>,
    pub by_account: Vec<std::ops::Range<u32>>,
    /// Events of each account by the cut: its trail ([`trail_len`]) and its [`notices`].
    pub events: Vec<u64>,
}

impl Billing {
    pub fn of(&self, account: usize) -> &[Invoice] {
        let r = &self.by_account[account];
        &self.invoices[r.start as usize..r.end as usize]
    }
}

/// Every invoice of account `ai` created before `end`, settled (not yet clipped to `end`), in
/// creation order; subscription indices are the world's own.
fn candidates(w: &World, fit: &BillingFit, ai: usize, end: i64) -> Vec<Invoice> {
    let seed = w.cfg.seed;
    let a = &w.accounts[ai];
    let mut out = Vec::new();
    for si in a.subscriptions.clone() {
        let s = &w.subscriptions[si as usize];
        if s.started_at >= end {
            break;
        }
        let monthly_cents = s.mrr_dollars * 100;
        for (k, (ps, pe)) in periods(s, end).into_iter().enumerate() {
            let key = plan_key(seed, s, k);
            let lost = s.payment_failed && s.ended_at.is_some_and(|e| e - ps < 14 * MICROS_PER_DAY);
            let reason = match (k, s.change) {
                (0, 0) => 0,
                (0, _) => 2,
                _ => 1,
            };
            let amount = monthly_cents * if s.annual { 12 } else { 1 };
            let mut inv = settle(key, ps, amount, reason, true, fit);
            inv.subscription = Some(si);
            inv.period_end = pe;
            if lost {
                inv.outcome = Outcome::Uncollectible;
                inv.failed = 3;
                inv.lost = true;
                inv.split = f64::NAN;
            }
            out.push(inv);
        }
    }
    for l in &w.locations[a.locations.start as usize..a.locations.end as usize] {
        for d in &w.devices[l.devices.start as usize..l.devices.end as usize] {
            if d.installed_at < end {
                let key = stable_hash(seed, "stripe.hardware", d.id as u64);
                let amount = DEVICE_PRICE_CENTS[d.model as usize];
                out.push(settle(key, d.installed_at, amount, 3, false, fit));
            }
        }
    }
    let manual = fit.manual.get(ai).copied().unwrap_or(0);
    if manual > 0 {
        let mut rng = Rand::new(seed, "stripe.manual", a.id as u64);
        let life_end = by_anchor(a, w.cfg.anchor_end_ts());
        for j in 0..manual {
            let created = rng.range(a.created_at, life_end - 1);
            let amount = rng.range(250, 1_500) * 100;
            let key = stable_hash(seed, "stripe.manual", (a.id as u64) << 12 | u64::from(j));
            if created < end {
                out.push(settle(key, created, amount, 3, false, fit));
            }
        }
    }
    for i in &mut out {
        i.account = ai as u32;
    }
    out.sort_by_key(|i| (i.created, i.key));
    out.retain(|i| (i.created, i.key) >= fit.start);
    out
}

fn plan_key(seed: u64, s: &Subscription, k: usize) -> u64 {
    stable_hash(seed, "stripe.invoice", (s.id as u64) << 12 | k as u64)
}

/// An invoice's own end, from its hash: plan invoices may be declined, voided or written off;
/// hardware and services are paid by card or transfer.
fn settle(
    key: u64,
    created: i64,
    amount: i64,
    reason: u8,
    plan: bool,
    fit: &BillingFit,
) -> Invoice {
    let mut r = Rand::from_hash(key);
    let class = if plan { r.weighted(&PLAN_ENDS) } else { 0 };
    let split = r.f64();
    let (outcome, failed) = match class {
        0 if split < fit.transfer => (Outcome::OutOfBand, 0),
        0 => (Outcome::Card, 0),
        1 => (Outcome::Retried, r.range(1, 3) as u8),
        2 => (Outcome::Uncollectible, r.range(2, 4) as u8),
        _ => (Outcome::Void, 0),
    };
    let transfer_days = if r.chance(LATE_TRANSFERS) {
        r.range(16, 45) as u8
    } else {
        9
    };
    Invoice {
        account: 0,
        subscription: None,
        created,
        period_start: created,
        period_end: created,
        amount,
        reason,
        outcome,
        failed,
        transfer_days,
        lost: false,
        by_transfer: outcome == Outcome::OutOfBand,
        split: if class == 0 { split } else { f64::NAN },
        key,
    }
}

/// The invoices of account `ai` (of the history `w`) as they stood at `end`, their
/// subscriptions numbered from the account's first.
pub(super) fn invoices_at(w: &World, fit: &BillingFit, ai: usize, end: i64) -> Vec<Invoice> {
    let first = w.accounts[ai].subscriptions.start;
    candidates(w, fit, ai, end)
        .into_iter()
        .map(|mut i| {
            i.subscription = i.subscription.map(|s| s - first);
            i.at(end)
        })
        .collect()
}

/// A notice of the history: an upcoming renewal of a subscription (its index, and the
/// renewal's amount) or a customer's update of their details.
#[derive(Clone, Copy, Debug)]
pub struct Notice {
    pub at: i64,
    pub upcoming: Option<(u32, i64)>,
}

/// The notices of account `ai` of the world `w` (a history or a cut) before `end`.
pub fn notices(w: &World, fit: &BillingFit, ai: usize, end: i64) -> Vec<Notice> {
    let mut out = Vec::new();
    upcoming(w, fit, ai, end, |at, si, amount, value| {
        if value <= fit.notices {
            out.push(Notice {
                at,
                upcoming: Some((si, amount)),
            });
        }
    });
    let a = &w.accounts[ai];
    if fit.notices > 1.0 {
        let rate = fit.notices - 1.0;
        let limit = by_anchor(a, end);
        let mut r = Rand::new(w.cfg.seed, "stripe.updates", a.id as u64);
        let mut g = 0.0;
        loop {
            g += r.exp(1.0);
            let at = a.created_at + (g / rate * YEAR) as i64;
            if at >= limit {
                break;
            }
            out.push(Notice { at, upcoming: None });
        }
    }
    out
}

/// Every renewal of the account's subscriptions announced before `end` (a week ahead, from the
/// billing start on, while the subscription is live), with its notice value.
fn upcoming(
    w: &World,
    fit: &BillingFit,
    ai: usize,
    end: i64,
    mut f: impl FnMut(i64, u32, i64, f64),
) {
    let a = &w.accounts[ai];
    for si in a.subscriptions.clone() {
        let s = &w.subscriptions[si as usize];
        let start = s.trial_end.unwrap_or(s.started_at);
        let step = if s.annual { 12 } else { 1 };
        let amount = s.mrr_dollars * 100 * step;
        for k in 1.. {
            let at = time::add_months(start, k * step) - UPCOMING_DAYS * MICROS_PER_DAY;
            if at >= end || s.ended_at.is_some_and(|e| e <= at) {
                break;
            }
            if at >= fit.start.0 && at >= a.created_at {
                let value = unit(mix(plan_key(w.cfg.seed, s, k as usize), 0x6e07));
                f(at, si, amount, value);
            }
        }
    }
}

/// Events of one account before `end` besides its notices: the customer, its subscriptions
/// (created, trial_will_end, deleted) and its invoices' trails.
pub fn trail_len(w: &World, ai: usize, invoices: &[Invoice], end: i64) -> u64 {
    let a = &w.accounts[ai];
    let mut n = 1;
    for si in a.subscriptions.clone() {
        let s = &w.subscriptions[si as usize];
        if s.started_at >= end {
            break;
        }
        n += 1
            + u64::from(trial_will_end(s, end).is_some())
            + u64::from(s.ended_at.is_some_and(|e| e < end));
    }
    n + invoices
        .iter()
        .map(|i| {
            i.events(
                i.subscription
                    .and_then(|s| w.subscriptions[s as usize].ended_at),
            )
        })
        .sum::<u64>()
}
