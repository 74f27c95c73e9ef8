//! The Stripe plan: every invoice and its outcome, the price list and the id scheme, read by the
//! Stripe tables (which shard it by account range).
//!
//! Exact counts: the candidate invoices are every billing period of every paid subscription plus
//! a hardware invoice per installed device; the account's history moved to Stripe at a
//! "billing start" instant chosen so that exactly the profile's number of invoices falls after
//! it. Charges land exactly by moving invoices between card and out-of-band payment; events by
//! adding `invoice.upcoming` and `customer.updated` notices to the mandatory trail.

use crate::allocate::{self, apportion};
use crate::rng::{Rand, stable_hash};
use crate::time::{self, MICROS_PER_DAY};
use crate::world::{ADDONS, Subscription, TIER_BASE_PRICE, TIERS, World};

/// Stripe-style id: a prefix and 14 base-62 characters derived from a stable hash.
pub fn stripe_id(prefix: &str, seed: u64, kind: &str, index: u64) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut h = stable_hash(seed, kind, index);
    let mut h2 = stable_hash(seed ^ 0x5bd1_e995, kind, index);
    let mut s = String::with_capacity(prefix.len() + 14);
    s.push_str(prefix);
    for i in 0..14 {
        let src = if i < 7 { &mut h } else { &mut h2 };
        s.push(ALPHABET[(*src % 62) as usize] as char);
        *src /= 62;
    }
    s
}

pub fn customer_id(seed: u64, account_id: i64) -> String {
    stripe_id("cus_", seed, "customer", account_id as u64)
}

pub fn subscription_id(seed: u64, app_subscription_id: i64) -> String {
    stripe_id("sub_", seed, "subscription", app_subscription_id as u64)
}

/// Hardware price of a tap device by model, in cents.
pub const DEVICE_PRICE_CENTS: [i64; 4] = [34_900, 49_900, 29_900, 59_900];

pub const BILLING_REASONS: [&str; 4] = [
    "subscription_create",
    "subscription_cycle",
    "subscription_update",
    "manual",
];
pub const INVOICE_STATUSES: [&str; 4] = ["paid", "open", "uncollectible", "void"];

/// How an invoice was settled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Paid by card at the first attempt.
    Card,
    /// Paid by card after failed attempts (Smart Retries), possibly after the due date.
    Retried,
    /// Paid outside Stripe's card flow (bank transfer against a sent invoice).
    OutOfBand,
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
    /// Index into `world.subscriptions`, or None for a hardware invoice.
    pub subscription: Option<u32>,
    /// Device index for hardware invoices.
    pub device: Option<u32>,
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
        self.created + MICROS_PER_DAY / 24 + k as i64 * 3 * MICROS_PER_DAY
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
}

/// Billing periods of a subscription: (start, end) from the end of the trial, monthly or yearly.
pub fn periods(s: &Subscription, end: i64) -> Vec<(i64, i64)> {
    let start = s.trial_end.unwrap_or(s.started_at);
    let stop = s.ended_at.unwrap_or(end);
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

pub struct StripePlan {
    /// Invoices after the billing start, by account then creation time.
    pub invoices: Vec<Invoice>,
    /// Invoice index range of each account.
    pub by_account: Vec<std::ops::Range<u32>>,
    /// Charges before each account (prefix sums).
    pub charge_offsets: Vec<u64>,
    /// Events of each account (mandatory trail plus notices) and their prefix sums.
    pub events: Vec<u64>,
    pub event_offsets: Vec<u64>,
    /// Optional notices per account (`invoice.upcoming`, then `customer.updated`).
    pub notices: Vec<u64>,
    pub billing_start: i64,
}

impl StripePlan {
    pub fn build(world: &World) -> StripePlan {
        let cfg = &world.cfg;
        let end = cfg.end_ts();
        let count = |t: &str| world.counts.get(t);
        let mut rng = Rand::new(cfg.seed, "stripe.plan", 0);
        // Every candidate invoice, in account order.
        let mut all: Vec<Invoice> = Vec::new();
        for (ai, a) in world.accounts.iter().enumerate() {
            let first = all.len();
            for si in a.subscriptions.clone() {
                let s = &world.subscriptions[si as usize];
                let monthly_cents = s.mrr_dollars * 100;
                for (k, (ps, pe)) in periods(s, end).into_iter().enumerate() {
                    all.push(Invoice {
                        account: ai as u32,
                        subscription: Some(si),
                        device: None,
                        created: ps,
                        period_start: ps,
                        period_end: pe,
                        amount: monthly_cents * if s.annual { 12 } else { 1 },
                        reason: match (k, s.change) {
                            (0, 0) => 0,
                            (0, _) => 2,
                            _ => 1,
                        },
                        outcome: Outcome::Card,
                        failed: 0,
                        transfer_days: 9,
                    });
                }
            }
            for l in a.locations.clone() {
                for d in world.locations[l as usize].devices.clone() {
                    let dev = &world.devices[d as usize];
                    let created = (dev.installed_at - MICROS_PER_DAY).max(a.created_at);
                    all.push(Invoice {
                        account: ai as u32,
                        subscription: None,
                        device: Some(d),
                        created,
                        period_start: created,
                        period_end: created,
                        amount: DEVICE_PRICE_CENTS[dev.model as usize],
                        reason: 3,
                        outcome: Outcome::Card,
                        failed: 0,
                        transfer_days: 9,
                    });
                }
            }
            all[first..].sort_by_key(|i| i.created);
        }
        // The billing start keeps exactly the newest `target` invoices. Small custom profiles
        // may have too few periods: onboarding and training services billed by hand fill in.
        let target = count("stripe_invoices") as usize;
        if all.len() < target {
            let lives: Vec<f64> = world
                .accounts
                .iter()
                .map(|a| (a.life_end(cfg) - a.created_at) as f64)
                .collect();
            let extra = apportion((target - all.len()) as u64, &lives);
            for (ai, n) in extra.into_iter().enumerate() {
                let a = &world.accounts[ai];
                for _ in 0..n {
                    let created = rng.range(a.created_at, a.life_end(cfg) - 1);
                    all.push(Invoice {
                        account: ai as u32,
                        subscription: None,
                        device: None,
                        created,
                        period_start: created,
                        period_end: created,
                        amount: rng.range(250, 1_500) * 100,
                        reason: 3,
                        outcome: Outcome::Card,
                        failed: 0,
                        transfer_days: 9,
                    });
                }
            }
            all.sort_by_key(|i| (i.account, i.created));
        }
        let mut times: Vec<i64> = all.iter().map(|i| i.created).collect();
        times.sort_unstable();
        let billing_start = if target >= times.len() {
            i64::MIN
        } else {
            times[times.len() - target]
        };
        let mut kept: Vec<Invoice> = all
            .into_iter()
            .filter(|i| i.created >= billing_start)
            .collect();
        // Ties at the boundary (same instant) would keep one too many: drop the earliest extras.
        while kept.len() > target {
            let pos = kept
                .iter()
                .position(|i| i.created == billing_start)
                .expect("tie");
            kept.remove(pos);
        }

        // Outcomes: ~95 % paid, some after retries, some out of band; recent ones may be open.
        for inv in &mut kept {
            let recent = inv.created >= end - 30 * MICROS_PER_DAY;
            let w: &[f64] = if inv.subscription.is_none() {
                &[85.0, 0.0, 15.0, 0.0, 0.0, 0.0]
            } else if recent {
                &[70.0, 3.0, 12.0, 15.0, 0.0, 0.0]
            } else {
                &[77.0, 4.0, 13.0, 0.0, 3.8, 1.2]
            };
            inv.outcome = [
                Outcome::Card,
                Outcome::Retried,
                Outcome::OutOfBand,
                Outcome::Open,
                Outcome::Uncollectible,
                Outcome::Void,
            ][rng.weighted(w)];
            inv.failed = match inv.outcome {
                Outcome::Retried => rng.range(1, 3) as u8,
                Outcome::Open => rng.range(0, 1) as u8,
                Outcome::Uncollectible => rng.range(2, 4) as u8,
                _ => 0,
            };
            // Attempts happen before the as-of date.
            while inv.failed > 0 && inv.attempt_time(inv.charges()) >= end {
                inv.failed -= 1;
            }
            if inv.outcome == Outcome::Retried && inv.failed == 0 {
                inv.outcome = Outcome::Card;
            }
            if matches!(inv.outcome, Outcome::Card) && inv.attempt_time(0) >= end {
                inv.outcome = Outcome::Open;
            }
            if inv.outcome == Outcome::OutOfBand && inv.created + 9 * MICROS_PER_DAY >= end {
                inv.outcome = Outcome::Open;
            }
            // Late payers: a third of bank transfers arrive after the due date.
            if inv.outcome == Outcome::OutOfBand && rng.chance(0.33) {
                let days = rng.range(16, 45);
                if inv.created + days * MICROS_PER_DAY < end {
                    inv.transfer_days = days as u8;
                }
            }
        }
        // Involuntary churn: the last invoice of a subscription lost to failed payments is
        // declined three times and marked uncollectible before the subscription ends.
        for inv in &mut kept {
            let Some(si) = inv.subscription else { continue };
            let s = &world.subscriptions[si as usize];
            if s.payment_failed
                && s.ended_at
                    .is_some_and(|e| e - inv.period_start < 14 * MICROS_PER_DAY)
            {
                inv.outcome = Outcome::Uncollectible;
                inv.failed = 3;
            }
        }
        // A subscription past_due at the as-of date owes its latest invoice: its card was
        // declined and Smart Retries are still trying.
        let mut latest: std::collections::HashMap<u32, usize> = std::collections::HashMap::new();
        for (k, inv) in kept.iter().enumerate() {
            if let Some(si) = inv
                .subscription
                .filter(|&si| world.subscriptions[si as usize].status == 2)
            {
                latest.insert(si, k);
            }
        }
        for &k in latest.values() {
            let inv = &mut kept[k];
            inv.outcome = Outcome::Open;
            inv.failed = u8::from(inv.attempt_time(1) < end);
        }
        // Exact charges: move first-attempt card payments to bank transfer, or back.
        let target_charges = count("stripe_charges");
        let mut charges: u64 = kept.iter().map(Invoice::charges).sum();
        let mut order: Vec<usize> = (0..kept.len()).collect();
        for k in (1..order.len()).rev() {
            order.swap(k, rng.below(k as u64 + 1) as usize);
        }
        // Move card payments to bank transfer (or back), then add or remove retries, until the
        // count is exact; every move keeps all attempts before the as-of date.
        let mut progress = true;
        while charges != target_charges && progress {
            progress = false;
            for &i in &order {
                if charges == target_charges {
                    break;
                }
                let inv = &mut kept[i];
                let before = inv.charges();
                if charges > target_charges {
                    match inv.outcome {
                        Outcome::Card if inv.created + 9 * MICROS_PER_DAY < end => {
                            inv.outcome = Outcome::OutOfBand
                        }
                        Outcome::Retried if inv.failed > 1 => inv.failed -= 1,
                        Outcome::Retried => {
                            inv.failed = 0;
                            inv.outcome = Outcome::Card;
                        }
                        _ => continue,
                    }
                } else {
                    match inv.outcome {
                        Outcome::OutOfBand if inv.attempt_time(0) < end => {
                            inv.outcome = Outcome::Card
                        }
                        Outcome::Card | Outcome::Retried
                            if inv.attempt_time(u64::from(inv.failed) + 1) < end =>
                        {
                            inv.failed += 1;
                            inv.outcome = Outcome::Retried;
                        }
                        _ => continue,
                    }
                }
                charges = charges + inv.charges() - before;
                progress = true;
            }
        }
        assert_eq!(
            charges, target_charges,
            "charges cannot land on the profile's count"
        );

        let n = world.accounts.len();
        let mut by_account = vec![0..0; n];
        let mut charge_offsets = vec![0u64; n];
        let mut mandatory = vec![0u64; n];
        let (mut i, mut charges_before) = (0usize, 0u64);
        for (ai, a) in world.accounts.iter().enumerate() {
            let first = i;
            charge_offsets[ai] = charges_before;
            let mut m = 1; // customer.created
            for si in a.subscriptions.clone() {
                let s = &world.subscriptions[si as usize];
                m += 1
                    + u64::from(trial_will_end(s, end).is_some())
                    + u64::from(s.ended_at.is_some())
                    + u64::from(past_due(s).is_some());
            }
            while i < kept.len() && kept[i].account == ai as u32 {
                let inv = &kept[i];
                m += invoice_events(inv);
                charges_before += inv.charges();
                i += 1;
            }
            mandatory[ai] = m;
            by_account[ai] = first as u32..i as u32;
        }
        let target_events = count("stripe_events");
        let total_mandatory: u64 = mandatory.iter().sum();
        assert!(
            total_mandatory <= target_events,
            "the event trail ({total_mandatory}) exceeds the profile's {target_events} events"
        );
        let weights: Vec<f64> = by_account.iter().map(|r| 1.0 + r.len() as f64).collect();
        let notices: Vec<u64> = apportion(target_events - total_mandatory, &weights)
            .into_iter()
            .map(u64::from)
            .collect();
        let events: Vec<u64> = mandatory.iter().zip(&notices).map(|(m, n)| m + n).collect();
        let event_offsets = allocate::offsets(events.iter().copied());
        StripePlan {
            invoices: kept,
            by_account,
            charge_offsets,
            events,
            event_offsets,
            notices,
            billing_start,
        }
    }

    pub fn invoices_of(&self, account: usize) -> &[Invoice] {
        let r = &self.by_account[account];
        &self.invoices[r.start as usize..r.end as usize]
    }
}

/// When a subscription lost to failed payments turned past_due (see
/// [`Subscription::past_due_from`]).
pub fn past_due(s: &Subscription) -> Option<i64> {
    s.past_due_from()
}

/// When Stripe warns that a trial ends (three days before), if that falls inside history.
pub fn trial_will_end(s: &Subscription, end: i64) -> Option<i64> {
    let te = s.trial_end?;
    let t = te - 3 * MICROS_PER_DAY;
    (t > s.started_at && t < end).then_some(t)
}

/// Events an invoice produces: created and finalized; per failed attempt charge.failed and
/// invoice.payment_failed; per success charge.succeeded; when paid invoice.paid and
/// invoice.payment_succeeded; voided or marked uncollectible.
pub fn invoice_events(inv: &Invoice) -> u64 {
    let failed = u64::from(inv.failed);
    2 + 2 * failed
        + u64::from(matches!(inv.outcome, Outcome::Card | Outcome::Retried))
        + if inv.paid() { 2 } else { 0 }
        + u64::from(matches!(
            inv.outcome,
            Outcome::Void | Outcome::Uncollectible
        ))
}

/// A price: lookup key (`<product>_<interval>`), product, monthly list price in dollars, yearly.
pub struct Price {
    pub lookup_key: String,
    pub product: &'static str,
    pub monthly_dollars: i64,
    pub yearly: bool,
}

impl Price {
    pub fn unit_amount(&self) -> i64 {
        self.monthly_dollars * 100 * if self.yearly { 12 } else { 1 }
    }

    pub fn id(&self, seed: u64) -> String {
        stripe_id("price_", seed, &self.lookup_key, 0)
    }
}

/// Every price: tiers first, then add-ons, monthly before yearly.
pub fn price_list() -> Vec<Price> {
    let products = TIERS
        .iter()
        .zip(TIER_BASE_PRICE)
        .map(|(t, p)| (*t, p))
        .chain(ADDONS.iter().map(|a| (a.0, a.1)));
    products
        .flat_map(|(product, monthly_dollars)| {
            [false, true].map(|yearly| Price {
                lookup_key: format!("{product}_{}", if yearly { "year" } else { "month" }),
                product,
                monthly_dollars,
                yearly,
            })
        })
        .collect()
}

/// Index into `price_list()` of a product's price for the billing interval.
pub fn price_index(product: usize, yearly: bool) -> usize {
    product * 2 + usize::from(yearly)
}

/// Invoice id: per account, by position in the account's invoices.
pub fn invoice_id(seed: u64, account_id: i64, k: usize) -> String {
    stripe_id("in_", seed, "invoice", (account_id as u64) << 20 | k as u64)
}

/// When an unpaid invoice gave up (after its last attempt) or was voided.
pub fn closed_at(inv: &Invoice) -> i64 {
    inv.attempt_time(u64::from(inv.failed)) + MICROS_PER_DAY
}
