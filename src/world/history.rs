//! The history: every account from the first sign-up to the horizon with its timeline — trial,
//! conversion, plan changes, churn — and its locations, devices and users.
//!
//! Up to the anchor the history is fitted to the profile's exact counts, as one draw over all
//! accounts. Past the anchor it runs on by processes that each entity draws from its own random
//! stream, in time order, never looking at the horizon: sign-ups keep arriving on the growth
//! curve, plan changes keep coming at the rate fitted before the anchor. A longer horizon only
//! appends, so a cut never depends on it.

// Per-entity counts live in arrays parallel to the entity vectors.
#![allow(clippy::needless_range_loop)]

use std::collections::HashSet;

use super::children::{push_devices, push_locations, push_users};
use super::later::{push_later_accounts, renumber_later};
use super::periods::push_plans;
use super::pricing::price_subscriptions;
use super::*;
use crate::allocate::{fit_total, fit_total_capped};
use crate::rng::Rand;
use crate::time::MICROS_PER_HOUR;

pub(super) const YEAR: f64 = 365.25 * MICROS_PER_DAY as f64;

/// Per-account facts decided before the children are drawn.
#[derive(Clone, Copy)]
pub(super) struct Lifecycle {
    pub(super) trial_end: Option<i64>,
    pub(super) converted: bool,
    pub(super) paid_start: i64,
    /// When the account churns: at a trial that does not convert, else after its paying years
    /// (None only for the long-lived account of tiny profiles).
    pub(super) churned_at: Option<i64>,
}

pub(super) fn decide_lifecycle(
    created: i64,
    trial_end: Option<i64>,
    converted_draw: bool,
    churn_years: f64,
) -> Lifecycle {
    let converted = trial_end.is_none() || converted_draw;
    let paid_start = trial_end.unwrap_or(created);
    let churned_at = if !converted {
        trial_end
    } else {
        let t = paid_start as f64 + churn_years * YEAR;
        (t < i64::MAX as f64 / 2.0).then_some(t as i64)
    };
    Lifecycle {
        trial_end,
        converted,
        paid_start,
        churned_at,
    }
}

/// Sign-up instant of a day: business hours, US time (14:00–23:00 UTC).
pub(super) fn sign_up(day: i64, rng: &mut Rand) -> i64 {
    day * MICROS_PER_DAY + 14 * MICROS_PER_HOUR + rng.below(9 * 3600) as i64 * 1_000_000
}

/// Plan changes per paying day and unit of change weight, fitted before the anchor.
#[derive(Clone, Copy)]
pub(super) struct ChangeRate(pub(super) f64);

/// Weight of a tier in how often its customers change plans: larger ones expand more.
pub(super) const CHANGE_WEIGHT: [f64; 3] = [0.2, 2.8, 6.5];

impl World {
    /// Every entity of the history of `cfg` (seed, size, anchor, horizon): sized by the
    /// profile's `counts` at the anchor. Mutable columns are filled in by the cut. Support
    /// tickets, MQLs and conversions after the anchor are kept up to the end of `cfg.as_of`
    /// only (the bulk of what the history would hold past it): cut the history there or
    /// earlier.
    pub fn history(cfg: &Config, counts: &Counts) -> World {
        let n = cfg.profile.accounts() as usize;
        let count = |t: &str| counts.get(t) as usize;
        let mut rng = Rand::new(cfg.seed, "world", 0);
        let (start, anchor) = (cfg.start_ts(), cfg.anchor_end_ts());

        // Account creation times follow a curve growing YEARLY_GROWTH a year: inverse CDF of an
        // exponential density over the history. Sorted so ids increase with creation time.
        let span = (anchor - start) as f64;
        let g = YEARLY_GROWTH.powi(HISTORY_YEARS as i32) - 1.0;
        let mut created: Vec<i64> = (0..n)
            .map(|_| {
                let t = (1.0 + rng.f64() * g).ln() / YEARLY_GROWTH.ln() / HISTORY_YEARS as f64;
                let day = time::day_of(start + (t * span) as i64);
                sign_up(day, &mut rng).min(anchor - MICROS_PER_HOUR)
            })
            .collect();
        created.sort_unstable();

        // Tiers at the anchor.
        let tiers: Vec<u8> = (0..n).map(|_| rng.weighted(&TIER_SHARES) as u8).collect();

        // Children per account, drawn by tier and then fitted to the exact profile totals.
        let mut n_users: Vec<u8> = tiers.iter().map(|&t| users_of(t, &mut rng)).collect();
        fit_total(&mut n_users, count("app_users"), 2, 10, &mut rng);
        let mut n_locations: Vec<u8> = tiers.iter().map(|&t| locations_of(t, &mut rng)).collect();
        fit_total(&mut n_locations, count("app_locations"), 1, 5, &mut rng);

        let mut life: Vec<Lifecycle> = (0..n)
            .map(|i| draw_lifecycle(created[i], tiers[i], n_users[i], &mut rng))
            .collect();

        // Plan changes before the anchor: each one adds a subscription row, spread over the
        // paying tenure up to the anchor and fitted to the exact count.
        let extra = count("app_subscriptions").saturating_sub(n);
        let paid_days = |l: &Lifecycle| paid_days_before(l, anchor);
        if extra > 0 && life.iter().all(|l| paid_days(l) < 2.0) {
            // Tiny custom profiles: make the oldest account a long-lived customer.
            life[0] = decide_lifecycle(created[0], None, true, f64::INFINITY);
        }
        let caps: Vec<u8> = life
            .iter()
            .map(|l| match paid_days(l) {
                d if d < 2.0 => 0,
                d => (d / 120.0).clamp(1.0, 8.0) as u8,
            })
            .collect();
        let change_weight = |i: usize| paid_days(&life[i]) * CHANGE_WEIGHT[tiers[i] as usize];
        let tenure_total: f64 = (0..n).map(change_weight).sum::<f64>().max(1.0);
        let rate = ChangeRate(extra as f64 / tenure_total);
        let mut n_changes: Vec<u8> = (0..n)
            .map(|i| {
                (rng.poisson(extra as f64 * change_weight(i) / tenure_total) as u8).min(caps[i])
            })
            .collect();
        fit_total_capped(&mut n_changes, extra, &caps, &mut rng);

        let mut w = World {
            cfg: cfg.clone(),
            accounts: Vec::with_capacity(n),
            locations: Vec::with_capacity(count("app_locations")),
            users: Vec::with_capacity(count("app_users")),
            devices: Vec::with_capacity(count("app_devices")),
            subscriptions: Vec::with_capacity(count("app_subscriptions")),
            counts: counts.clone(),
            logins: Default::default(),
            activity: Vec::new(),
            billing_fit: Default::default(),
            pours: Default::default(),
            device_pours: Vec::new(),
            billing: Default::default(),
            crm: Default::default(),
            campaigns: Default::default(),
            funnel: Default::default(),
            ga_days: Vec::new(),
        };
        let mut domains = HashSet::new();
        for i in 0..n {
            push_account(
                &mut w,
                &mut rng,
                &mut domains,
                created[i],
                tiers[i],
                &life[i],
            );
            push_plans(&mut w, &mut rng, i, &life[i], n_changes[i], rate);
        }
        let extra_items = count("stripe_subscription_items").saturating_sub(
            w.subscriptions
                .iter()
                .filter(|s| s.started_at < anchor)
                .count(),
        );
        price_subscriptions(&mut w, &mut rng, extra_items);

        // Locations, then devices per location fitted to the exact total, then users: all in
        // place by the anchor.
        for i in 0..n {
            let first = w.locations.len() as u32;
            let until = by_anchor(&w.accounts[i], anchor);
            push_locations(&mut w, &mut rng, i as u32, n_locations[i], until);
            w.accounts[i].locations = first..w.locations.len() as u32;
        }
        let mut n_devices: Vec<u8> = w
            .locations
            .iter()
            .map(|l| devices_of(tiers[l.account as usize], &mut rng))
            .collect();
        fit_total(&mut n_devices, count("app_devices"), 2, 5, &mut rng);
        for li in 0..w.locations.len() {
            let first = w.devices.len() as u32;
            let a = w.locations[li].account as usize;
            let until = by_anchor(&w.accounts[a], anchor);
            push_devices(&mut w, &mut rng, li as u32, n_devices[li], until);
            w.locations[li].devices = first..w.devices.len() as u32;
        }
        for i in 0..n {
            let first = w.users.len() as u32;
            let until = by_anchor(&w.accounts[i], anchor);
            push_users(&mut w, &mut rng, i as u32, n_users[i], until);
            w.accounts[i].users = first..w.users.len() as u32;
        }
        let anchored = (w.locations.len(), w.users.len(), w.devices.len());
        push_later_accounts(&mut w, &mut domains, rate);
        renumber_later(&mut w, anchored);
        w.shrink_to_fit();
        w.logins = super::logins::fit(&w);
        w.billing_fit = super::billing::fit(&w);
        w.pours = super::pours::fit(&w);
        w.crm = std::sync::Arc::new(super::crm::Crm::history(&w));
        let anchored = w.accounts.partition_point(|a| a.created_at < anchor);
        w.campaigns =
            std::sync::Arc::new(super::campaigns::Campaigns::history(cfg, counts, anchored));
        w.funnel = std::sync::Arc::new(super::funnel::Funnel::history(&w));
        w
    }
}

impl World {
    /// Gives back the room the history's entity lists grew into: they are held while the cut
    /// is made.
    fn shrink_to_fit(&mut self) {
        self.accounts.shrink_to_fit();
        self.locations.shrink_to_fit();
        self.users.shrink_to_fit();
        self.devices.shrink_to_fit();
        self.subscriptions.shrink_to_fit();
    }
}

/// The end of an account's life up to the anchor: its churn, or the anchor.
pub(super) fn by_anchor(a: &Account, anchor: i64) -> i64 {
    a.churned_at.map_or(anchor, |c| c.min(anchor))
}

/// Users of an account by tier (2–10), before fitting.
pub(super) fn users_of(tier: u8, rng: &mut Rand) -> u8 {
    let w: &[f64] = match tier {
        0 => &[70.0, 20.0, 10.0],
        1 => &[30.0, 35.0, 20.0, 15.0],
        _ => &[0.0, 0.0, 20.0, 20.0, 20.0, 15.0, 10.0, 10.0, 5.0],
    };
    2 + rng.weighted(w) as u8
}

/// Locations of an account by tier (1–5), before fitting.
pub(super) fn locations_of(tier: u8, rng: &mut Rand) -> u8 {
    let w: &[f64] = match tier {
        0 => &[88.0, 10.0, 2.0, 0.0, 0.0],
        1 => &[50.0, 30.0, 12.0, 5.0, 3.0],
        _ => &[25.0, 25.0, 25.0, 15.0, 10.0],
    };
    1 + rng.weighted(w) as u8
}

/// Devices of a location by its account's tier (2–5), before fitting.
pub(super) fn devices_of(tier: u8, rng: &mut Rand) -> u8 {
    let bias = f64::from(tier) * 8.0;
    2 + rng.weighted(&[42.0 - bias, 33.0, 15.0 + bias / 2.0, 10.0 + bias / 2.0]) as u8
}

/// Trial, conversion and churn. More users = more engaged = less churn.
pub(super) fn draw_lifecycle(created: i64, tier: u8, users: u8, rng: &mut Rand) -> Lifecycle {
    let trial_end = rng
        .chance(TRIAL_SHARE)
        .then_some(created + TRIAL_DAYS * MICROS_PER_DAY);
    let converted_draw = rng.chance(TRIAL_CONVERSION);
    let tier_mult = [1.25, 0.7, 0.5][tier as usize];
    let engagement = (3.0 / f64::from(users)).powf(0.3);
    let years = rng.exp(1.0 / (ANNUAL_CHURN * tier_mult * engagement));
    decide_lifecycle(created, trial_end, converted_draw, years)
}

/// Days paid before the anchor.
fn paid_days_before(l: &Lifecycle, anchor: i64) -> f64 {
    if !l.converted {
        return 0.0;
    }
    let until = l.churned_at.map_or(anchor, |c| c.min(anchor));
    ((until - l.paid_start) as f64 / MICROS_PER_DAY as f64).max(0.0)
}

/// Pushes an account (its plans and children come after).
pub(super) fn push_account(
    w: &mut World,
    rng: &mut Rand,
    domains: &mut HashSet<String>,
    created_at: i64,
    tier: u8,
    l: &Lifecycle,
) {
    let industry = rng.weighted(&INDUSTRY_SHARES) as u8;
    let hq_city = rng.weighted(&geo::weights()) as u16;
    let name = company_name(rng, industry, hq_city);
    let domain = unique_domain(&name, domains);
    let annual_billing = rng.chance(0.25);
    let id = w.accounts.len() as i64 + 1;
    w.accounts.push(Account {
        id,
        name,
        domain,
        industry,
        tier,
        employees: 0,
        created_at,
        status: 1,
        churned_at: l.churned_at,
        churns_at: l.churned_at,
        mrr_dollars: 0,
        annual_billing,
        hq_city,
        locations: 0..0,
        users: 0..0,
        subscriptions: 0..0,
    });
}

pub(super) fn company_name(rng: &mut Rand, industry: u8, city: u16) -> String {
    let suffix = rng.pick(names::SUFFIXES[industry as usize]);
    if rng.chance(0.25) {
        let city = geo::CITIES[city as usize].name;
        format!("{city} {} {suffix}", rng.pick(names::NOUNS))
    } else {
        let article = if rng.chance(0.4) { "The " } else { "" };
        let (adj, noun) = (rng.pick(names::ADJECTIVES), rng.pick(names::NOUNS));
        format!("{article}{adj} {noun} {suffix}")
    }
}

pub(super) fn unique_domain(name: &str, seen: &mut HashSet<String>) -> String {
    let base = names::slug(name.trim_start_matches("The "));
    let mut candidate = format!("{base}.com");
    let mut k = 2;
    while !seen.insert(candidate.clone()) {
        candidate = format!("{base}{k}.com");
        k += 1;
    }
    candidate
}
