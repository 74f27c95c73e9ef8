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

use super::*;
use rayon::prelude::*;

use crate::allocate::apportion;
use crate::rng::{Rand, mix, stable_hash, unit};
use crate::time::MICROS_PER_HOUR;

/// Hardware price of a tap device by model, in cents.
pub const DEVICE_PRICE_CENTS: [i64; 4] = [34_900, 49_900, 29_900, 59_900];

/// Shares of how a plan invoice ends, besides the bank-transfer split: paid by card (at the
/// first attempt or by transfer), paid after declined attempts, uncollectible, void.
const PLAN_ENDS: [f64; 4] = [90.0, 4.0, 3.8, 1.2];
/// Share of bank transfers that arrive after the 14-day due date (16–45 days).
const LATE_TRANSFERS: f64 = 0.33;
/// Days before a renewal that Stripe announces it.
pub const UPCOMING_DAYS: i64 = 7;
const YEAR: f64 = 365.25 * MICROS_PER_DAY as f64;

/// How an invoice was settled (in a cut: how it stood).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Paid by card at the first attempt.
    Card,
    /// Paid by card after failed attempts (Smart Retries), possibly after the due date.
    Retried,
    /// Paid outside Stripe's card flow (bank transfer against a sent invoice).
    OutOfBand,
    /// Not settled yet at the cut: its attempts so far failed, or its transfer is on the way.
    Open,
    Uncollectible,
    Void,
}

impl Outcome {
    pub fn status(self) -> u8 {
        match self {
            Outcome::Card | Outcome::Retried | Outcome::OutOfBand => 0,
            Outcome::Open => 1,
            Outcome::Uncollectible => 2,
            Outcome::Void => 3,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Invoice {
    pub account: u32,
    /// Index into the world's subscriptions, or None for a hardware or service invoice.
    pub subscription: Option<u32>,
    pub created: i64,
    pub period_start: i64,
    pub period_end: i64,
    pub amount: i64,
    pub reason: u8,
    pub outcome: Outcome,
    /// Failed charge attempts before success (or in total, when never paid).
    pub failed: u8,
    /// Days a bank transfer took (out-of-band payments): 9, or late past the 14-day due date.
    pub transfer_days: u8,
    /// The last invoice of a period lost to failed payments.
    pub lost: bool,
    /// Sent to be paid by bank transfer (collection method `send_invoice`), from its creation.
    pub by_transfer: bool,
    /// Where the bank-transfer split puts a card-paid invoice (uniform).
    split: f64,
    /// The invoice's own hash, and its billing-start tiebreak.
    key: u64,
}

impl Invoice {
    pub fn charges(&self) -> u64 {
        u64::from(self.failed) + u64::from(matches!(self.outcome, Outcome::Card | Outcome::Retried))
    }

    pub fn paid(&self) -> bool {
        self.outcome.status() == 0
    }

    /// Charge attempts are three days apart after finalisation; a paid invoice is paid at the last.
    pub fn attempt_time(&self, k: u64) -> i64 {
        self.created + MICROS_PER_HOUR + k as i64 * 3 * MICROS_PER_DAY
    }

    pub fn due(&self) -> i64 {
        self.created + 14 * MICROS_PER_DAY
    }

    pub fn paid_at(&self) -> Option<i64> {
        match self.outcome {
            Outcome::Card | Outcome::Retried => Some(self.attempt_time(u64::from(self.failed))),
            Outcome::OutOfBand => {
                Some(self.created + i64::from(self.transfer_days) * MICROS_PER_DAY)
            }
            _ => None,
        }
    }

    /// When an unpaid invoice gave up (a day after its last attempt) or was voided.
    pub fn closed_at(&self) -> i64 {
        self.attempt_time(u64::from(self.failed)) + MICROS_PER_DAY
    }

    /// When the invoice was settled one way or the other; None while open.
    pub fn settled_at(&self) -> Option<i64> {
        match self.outcome {
            Outcome::Open => None,
            Outcome::Uncollectible | Outcome::Void => Some(self.closed_at()),
            _ => self.paid_at(),
        }
    }

    /// The invoice as it stood at `end`: attempts after it not yet made, open until settled.
    fn at(mut self, end: i64) -> Invoice {
        let settled = self.settled_at().expect("a history invoice is settled");
        if settled < end {
            return self;
        }
        let made = (0..u64::from(self.failed))
            .take_while(|&k| self.attempt_time(k) < end)
            .count();
        let failed = match self.outcome {
            Outcome::Retried | Outcome::Uncollectible => made as u8,
            _ => 0,
        };
        self.outcome = Outcome::Open;
        self.failed = failed;
        self
    }

    /// Events the invoice produces: created and finalized; per failed attempt charge.failed and
    /// invoice.payment_failed; per success charge.succeeded; when paid invoice.paid and
    /// invoice.payment_succeeded; voided or marked uncollectible. With a declined card, its
    /// subscription turns past_due at the first failure and back to active when settled.
    pub fn events(&self, sub_end: Option<i64>) -> u64 {
        let failed = u64::from(self.failed);
        2 + 2 * failed
            + u64::from(matches!(self.outcome, Outcome::Card | Outcome::Retried))
            + if self.paid() { 2 } else { 0 }
            + u64::from(matches!(
                self.outcome,
                Outcome::Void | Outcome::Uncollectible
            ))
            + u64::from(self.turns_past_due())
            + u64::from(self.recovers_at(sub_end).is_some())
    }

    /// Whether a declined card turns the invoice's subscription past_due (at its first attempt).
    pub fn turns_past_due(&self) -> bool {
        self.subscription.is_some() && self.failed > 0
    }

    /// When the subscription, past_due over this invoice, is active again: when it is settled,
    /// unless the period was lost or ended first.
    pub fn recovers_at(&self, sub_end: Option<i64>) -> Option<i64> {
        if !self.turns_past_due() || self.lost {
            return None;
        }
        self.settled_at().filter(|&t| sub_end.is_none_or(|e| t < e))
    }

    /// Whether the invoice keeps its subscription past_due at `end`: its card was declined and
    /// it is still open, or it is the last invoice of a period lost to failed payments.
    pub fn owed_at(&self, end: i64) -> bool {
        self.turns_past_due()
            && self.attempt_time(0) < end
            && (self.lost || self.outcome == Outcome::Open)
    }
}

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

impl BillingFit {
    pub fn billing_start(&self) -> i64 {
        self.start.0
    }
}

/// A cut's invoices, by account then creation time.
#[derive(Default)]
pub struct Billing {
    pub invoices: Vec<Invoice>,
    pub by_account: Vec<std::ops::Range<u32>>,
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
        let life_end = a
            .churned_at
            .map_or(w.cfg.anchor_end_ts(), |c| c.min(w.cfg.anchor_end_ts()));
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

/// The invoices of account `ai` (of the history `w`) as they stood at `end`, their account and
/// subscription indices shifted to a cut's (`account`, `first_sub`).
pub(super) fn invoices_at(
    w: &World,
    fit: &BillingFit,
    ai: usize,
    end: i64,
    account: u32,
    first_sub: u32,
) -> Vec<Invoice> {
    let shift = w.accounts[ai].subscriptions.start;
    candidates(w, fit, ai, end)
        .into_iter()
        .map(|mut i| {
            i.account = account;
            i.subscription = i.subscription.map(|s| s - shift + first_sub);
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
        let limit = a.churned_at.map_or(end, |c| c.min(end));
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

/// Fits the billing of the history `w` at its anchor to the profile's counts of invoices,
/// charges and events.
///
/// # Panics
/// When no split or scale lands on the counts (a profile whose charges or events per invoice
/// lie outside what the billing rules can produce).
pub(super) fn fit(w: &World) -> BillingFit {
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
            .map(|a| (a.churned_at.map_or(end, |c| c.min(end)) - a.created_at) as f64)
            .collect();
        fit.manual = apportion((target - keys.len()) as u64, &lives);
    } else {
        keys.sort_unstable();
        fit.start = keys[keys.len() - target];
    }
    // The transfer split: card-class invoices whose first attempt falls before the anchor each
    // add a charge unless paid by transfer.
    let fixed: u64 = (0..n)
        .into_par_iter()
        .map(|ai| {
            candidates(w, &fit, ai, end)
                .into_iter()
                .filter(|i| i.split.is_nan())
                .map(|i| i.at(end).charges())
                .sum::<u64>()
        })
        .sum();
    let mut splits: Vec<f64> = (0..n)
        .into_par_iter()
        .flat_map_iter(|ai| {
            candidates(w, &fit, ai, end)
                .into_iter()
                .filter(|i| !i.split.is_nan() && i.attempt_time(0) < end)
                .map(|i| i.split)
        })
        .collect();
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
        .map(|a| a.churned_at.map_or(end, |c| c.min(end)) - a.created_at)
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
