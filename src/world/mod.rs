//! The world: accounts, locations, users, devices and subscription timelines, built once per
//! (seed, profile, as-of) in a fixed order and read by every table generator. It holds only the
//! dimension entities (a few hundred thousand rows at production size); fact tables stream.

// Per-entity counts live in arrays parallel to the entity vectors.
#![allow(clippy::needless_range_loop)]

pub mod geo;
pub mod names;

use std::collections::HashSet;

use crate::allocate::{fit_total, fit_total_capped};
use crate::profile::{Counts, Profile};
use crate::rng::Rand;
use crate::time::{self, MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MIN};

pub const INDUSTRIES: [&str; 4] = ["Restaurant", "Bar", "Hotel", "Other"];
pub const INDUSTRY_SHARES: [f64; 4] = [40.0, 30.0, 20.0, 10.0];
pub const TIERS: [&str; 3] = ["basic", "pro", "enterprise"];
pub const TIER_SHARES: [f64; 3] = [50.0, 35.0, 15.0];
/// Monthly recurring revenue range per tier, in whole dollars (inclusive).
pub const TIER_MRR: [(i64, i64); 3] = [(299, 999), (999, 2_999), (2_999, 9_999)];
pub const TIER_EMPLOYEES: [(i64, i64); 3] = [(5, 40), (25, 150), (100, 500)];
pub const ACCOUNT_STATUSES: [&str; 3] = ["trialing", "active", "churned"];
pub const LOCATION_TYPES: [&str; 3] = ["main", "branch", "franchise"];
pub const LOCATION_TYPE_SHARES: [f64; 3] = [40.0, 40.0, 20.0];
pub const ROLES: [&str; 3] = ["admin", "manager", "staff"];
pub const ROLE_SHARES: [f64; 3] = [10.0, 30.0, 60.0];
pub const LOGIN_FREQUENCIES: [&str; 3] = ["daily", "weekly", "monthly"];
pub const DEVICE_STATUSES: [&str; 3] = ["online", "offline", "maintenance"];
pub const DEVICE_STATUS_SHARES: [f64; 3] = [85.0, 10.0, 5.0];
pub const DEVICE_MODELS: [&str; 4] = [
    "FlowSense FS-200",
    "FlowSense FS-300 Pro",
    "KegLink KL-1",
    "TapMaster TM-4",
];
/// Firmware releases (version, release date as day number offsets from the as-of date).
pub const FIRMWARE: [(&str, i64); 6] = [
    ("1.8.4", -1_700),
    ("2.0.1", -1_300),
    ("2.2.0", -900),
    ("2.4.3", -520),
    ("3.0.0", -240),
    ("3.1.2", -60),
];
/// Monthly list price of each tier's base plan, in whole dollars: the bottom of its MRR range.
pub const TIER_BASE_PRICE: [i64; 3] = [299, 999, 2_999];
/// Add-ons: (name, monthly list price in dollars, largest quantity).
pub const ADDONS: [(&str, i64, u16); 3] = [
    ("extra_location", 99, 4),
    ("advanced_analytics", 149, 1),
    ("premium_support", 249, 1),
];
pub const SUBSCRIPTION_STATUSES: [&str; 4] = ["trialing", "active", "past_due", "canceled"];
pub const CHANGE_TYPES: [&str; 3] = ["new", "upgrade", "downgrade"];
pub const END_REASONS: [&str; 4] = ["upgrade", "downgrade", "churn", "trial_expired"];
/// Annual churn hazard of a paying account (~10 % a year, as the plan asks).
pub const ANNUAL_CHURN: f64 = 0.105;
/// Chance that a churning monthly-billed account of each tier is lost to failed payments.
pub const INVOLUNTARY_CHURN: [f64; 3] = [0.34, 0.18, 0.06];
/// Most base-plan units a subscription carries.
pub const MAX_UNITS: u16 = 3;
pub const TRIAL_SHARE: f64 = 0.65;
pub const TRIAL_CONVERSION: f64 = 0.70;
pub const TRIAL_DAYS: i64 = 14;
pub const YEARLY_GROWTH: f64 = 1.4;
pub const HISTORY_YEARS: i64 = 5;

/// Everything that fixes a dataset: the same config gives the same bytes.
#[derive(Clone, Debug)]
pub struct Config {
    pub profile: Profile,
    pub seed: u64,
    /// The last day of history (day number); data ends at the following midnight UTC.
    pub as_of: i64,
    /// Days of tap telemetry before the as-of date.
    pub tap_window_days: i64,
}

impl Config {
    pub const DEFAULT_SEED: u64 = 42;
    pub const DEFAULT_AS_OF: &'static str = "2025-12-31";

    /// Exclusive end of history: midnight after the as-of date.
    pub fn end_ts(&self) -> i64 {
        (self.as_of + 1) * MICROS_PER_DAY
    }

    /// Start of the five years of history.
    pub fn start_ts(&self) -> i64 {
        time::add_months(self.end_ts(), -12 * HISTORY_YEARS)
    }
}

pub struct Account {
    pub id: i64,
    pub name: String,
    pub domain: String,
    pub industry: u8,
    pub tier: u8,
    pub employees: i32,
    pub created_at: i64,
    pub status: u8,
    pub churned_at: Option<i64>,
    pub mrr_dollars: i64,
    pub annual_billing: bool,
    pub hq_city: u16,
    /// Ranges into the world's vectors; children are stored contiguously by account.
    pub locations: std::ops::Range<u32>,
    pub users: std::ops::Range<u32>,
    pub subscriptions: std::ops::Range<u32>,
}

impl Account {
    /// When the account stops doing anything: churn, or the end of history.
    pub fn life_end(&self, cfg: &Config) -> i64 {
        self.churned_at.unwrap_or(cfg.end_ts())
    }
}

pub struct Location {
    pub id: i64,
    pub account: u32,
    pub name: String,
    pub kind: u8,
    pub street: String,
    pub city: u16,
    pub zip: &'static str,
    pub created_at: i64,
    pub devices: std::ops::Range<u32>,
}

pub struct User {
    pub id: i64,
    pub account: u32,
    pub first_name: &'static str,
    pub last_name: &'static str,
    pub email: String,
    pub role: u8,
    pub login_frequency: u8,
    pub created_at: i64,
    pub last_login_at: Option<i64>,
    pub is_active: bool,
}

pub struct Device {
    pub id: i64,
    pub location: u32,
    pub account: u32,
    pub model: u8,
    pub firmware: u8,
    pub installed_at: i64,
    pub status: u8,
    pub last_seen_at: i64,
}

pub struct Subscription {
    pub id: i64,
    pub account: u32,
    pub tier: u8,
    pub mrr_dollars: i64,
    pub annual: bool,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub trial_end: Option<i64>,
    pub status: u8,
    pub change: u8,
    pub end_reason: Option<u8>,
    /// Units of the base plan billed (licence packs; enterprise prices are negotiated as units).
    pub units: u16,
    /// Add-ons billed on top of the base plan: (index into `ADDONS`, quantity).
    pub addons: Vec<(u8, u16)>,
    /// The period ended because payments failed (involuntary churn), not by cancellation.
    pub payment_failed: bool,
}

pub struct World {
    pub cfg: Config,
    pub accounts: Vec<Account>,
    pub locations: Vec<Location>,
    pub users: Vec<User>,
    pub devices: Vec<Device>,
    pub subscriptions: Vec<Subscription>,
    /// Exact row counts of the profile, from the tables' declared sizes.
    pub counts: Counts,
}

/// Per-account facts decided before the children are drawn.
struct Lifecycle {
    trial_end: Option<i64>,
    converted: bool,
    paid_start: i64,
    churned_at: Option<i64>,
}

impl World {
    /// Builds the dimensions of `cfg`, sized by `counts` (see `registry::counts`).
    pub fn build(cfg: &Config, counts: &Counts) -> World {
        let n = cfg.profile.accounts() as usize;
        let count = |t: &str| counts.get(t) as usize;
        let mut rng = Rand::new(cfg.seed, "world", 0);
        let (start, end) = (cfg.start_ts(), cfg.end_ts());

        // Account creation times follow a curve growing YEARLY_GROWTH a year: inverse CDF of an
        // exponential density over the history. Sorted so ids increase with creation time.
        let span = (end - start) as f64;
        let g = YEARLY_GROWTH.powi(HISTORY_YEARS as i32) - 1.0;
        let mut created: Vec<i64> = (0..n)
            .map(|_| {
                let t = (1.0 + rng.f64() * g).ln() / YEARLY_GROWTH.ln() / HISTORY_YEARS as f64;
                let day = time::day_of(start + (t * span) as i64);
                // Sign-ups happen in business hours, US time (14:00–23:00 UTC).
                (day * MICROS_PER_DAY
                    + 14 * MICROS_PER_HOUR
                    + rng.below(9 * 3600) as i64 * 1_000_000)
                    .min(end - MICROS_PER_HOUR)
            })
            .collect();
        created.sort_unstable();

        let tiers: Vec<u8> = (0..n).map(|_| rng.weighted(&TIER_SHARES) as u8).collect();

        // Children per account, drawn by tier and then fitted to the exact profile totals.
        let mut n_users: Vec<u8> = tiers
            .iter()
            .map(|&t| {
                let w: &[f64] = match t {
                    0 => &[70.0, 20.0, 10.0],
                    1 => &[30.0, 35.0, 20.0, 15.0],
                    _ => &[0.0, 0.0, 20.0, 20.0, 20.0, 15.0, 10.0, 10.0, 5.0],
                };
                2 + rng.weighted(w) as u8
            })
            .collect();
        fit_total(&mut n_users, count("app_users"), 2, 10, &mut rng);
        let mut n_locations: Vec<u8> = tiers
            .iter()
            .map(|&t| {
                let w: &[f64] = match t {
                    0 => &[88.0, 10.0, 2.0, 0.0, 0.0],
                    1 => &[50.0, 30.0, 12.0, 5.0, 3.0],
                    _ => &[25.0, 25.0, 25.0, 15.0, 10.0],
                };
                1 + rng.weighted(w) as u8
            })
            .collect();
        fit_total(&mut n_locations, count("app_locations"), 1, 5, &mut rng);

        // Lifecycles: trial, conversion, churn. More users = more engaged = less churn.
        let mut life: Vec<Lifecycle> = (0..n)
            .map(|i| {
                let c = created[i];
                let trial_end = rng
                    .chance(TRIAL_SHARE)
                    .then_some(c + TRIAL_DAYS * MICROS_PER_DAY);
                let converted_draw = rng.chance(TRIAL_CONVERSION);
                let tier_mult = [1.25, 0.7, 0.5][tiers[i] as usize];
                let engagement = (3.0 / f64::from(n_users[i])).powf(0.3);
                let years = rng.exp(1.0 / (ANNUAL_CHURN * tier_mult * engagement));
                decide_lifecycle(c, trial_end, converted_draw, years, end)
            })
            .collect();

        // Plan changes: each one adds a subscription row. Spread over paying tenure.
        let extra = count("app_subscriptions").saturating_sub(n);
        let paid_days = |l: &Lifecycle| {
            if !l.converted {
                return 0.0;
            }
            (l.churned_at.unwrap_or(end) - l.paid_start) as f64 / MICROS_PER_DAY as f64
        };
        if extra > 0 && life.iter().all(|l| paid_days(l) < 2.0) {
            // Tiny custom profiles: make the oldest account a long-lived customer.
            life[0] = decide_lifecycle(created[0], None, true, f64::INFINITY, end);
        }
        let caps: Vec<u8> = life
            .iter()
            .map(|l| match paid_days(l) {
                d if d < 2.0 => 0,
                d => (d / 120.0).clamp(1.0, 8.0) as u8,
            })
            .collect();
        // Larger customers change plans more often (they expand: net revenue retention rises
        // with the tier).
        let change_weight = |i: usize| paid_days(&life[i]) * [0.2, 2.8, 6.5][tiers[i] as usize];
        let tenure_total: f64 = (0..n).map(change_weight).sum::<f64>().max(1.0);
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
        };
        let mut domains = HashSet::new();
        let city_weights = geo::weights();
        for i in 0..n {
            let tier = tiers[i];
            let industry = rng.weighted(&INDUSTRY_SHARES) as u8;
            let hq_city = rng.weighted(&city_weights) as u16;
            let name = company_name(&mut rng, industry, hq_city);
            let domain = unique_domain(&name, &mut domains);
            let (elo, ehi) = TIER_EMPLOYEES[tier as usize];
            let employees =
                (elo as f64 * (ehi as f64 / elo as f64).powf(rng.f64().powf(1.4))).round() as i32;
            let annual_billing = rng.chance(0.25);
            let lost_to_payments = !annual_billing && rng.chance(INVOLUNTARY_CHURN[tier as usize]);
            let l = &life[i];
            let status = match (l.churned_at, l.trial_end) {
                (Some(_), _) => 2,
                (None, Some(t)) if t > end => 0,
                _ => 1,
            };
            let sub_start = w.subscriptions.len() as u32;
            push_subscriptions(
                &mut w,
                &mut rng,
                i as u32,
                tier,
                l,
                created[i],
                annual_billing,
                n_changes[i],
            );
            let last = w.subscriptions.last_mut().expect("one subscription");
            let churned_at = if lost_to_payments && l.converted {
                involuntary(last, end).or(l.churned_at)
            } else {
                l.churned_at
            };
            let mrr_dollars = last.mrr_dollars;
            w.accounts.push(Account {
                id: i as i64 + 1,
                name,
                domain,
                industry,
                tier,
                employees,
                created_at: created[i],
                status,
                churned_at,
                mrr_dollars,
                annual_billing,
                hq_city,
                locations: 0..0,
                users: 0..0,
                subscriptions: sub_start..w.subscriptions.len() as u32,
            });
        }

        let extra_items = count("stripe_subscription_items").saturating_sub(w.subscriptions.len());
        price_subscriptions(&mut w, &mut rng, extra_items);

        // Locations, then devices per location fitted to the exact total.
        for i in 0..n {
            let first = w.locations.len() as u32;
            push_locations(&mut w, &mut rng, i as u32, n_locations[i]);
            w.accounts[i].locations = first..w.locations.len() as u32;
        }
        let mut n_devices: Vec<u8> = w
            .locations
            .iter()
            .map(|l| {
                let bias = f64::from(tiers[l.account as usize]) * 8.0;
                2 + rng.weighted(&[42.0 - bias, 33.0, 15.0 + bias / 2.0, 10.0 + bias / 2.0]) as u8
            })
            .collect();
        fit_total(&mut n_devices, count("app_devices"), 2, 5, &mut rng);
        for li in 0..w.locations.len() {
            let first = w.devices.len() as u32;
            push_devices(&mut w, &mut rng, li as u32, n_devices[li]);
            w.locations[li].devices = first..w.devices.len() as u32;
        }
        for i in 0..n {
            let first = w.users.len() as u32;
            push_users(&mut w, &mut rng, i as u32, n_users[i]);
            w.accounts[i].users = first..w.users.len() as u32;
        }
        w
    }

    pub fn account_of_location(&self, l: &Location) -> &Account {
        &self.accounts[l.account as usize]
    }
}

fn decide_lifecycle(
    created: i64,
    trial_end: Option<i64>,
    converted_draw: bool,
    churn_years: f64,
    end: i64,
) -> Lifecycle {
    let trial_running = trial_end.is_some_and(|t| t >= end);
    let converted = trial_end.is_none() || (!trial_running && converted_draw);
    let paid_start = trial_end.unwrap_or(created);
    let churned_at = if trial_end.is_some() && !trial_running && !converted {
        trial_end
    } else if converted {
        let t = paid_start as f64 + churn_years * 365.25 * MICROS_PER_DAY as f64;
        (t < end as f64).then_some(t as i64)
    } else {
        None
    };
    Lifecycle {
        trial_end,
        converted,
        paid_start,
        churned_at,
    }
}

/// Turns the churn ending `last` into a loss to failed payments: the card is declined on the
/// period's billing date, Smart Retries give up, and the subscription ends 13 days after that
/// billing date. Returns the new churn instant, or None when that would not fit.
fn involuntary(last: &mut Subscription, end: i64) -> Option<i64> {
    let churned = last.ended_at?;
    let anchor = last.trial_end.unwrap_or(last.started_at);
    let step = if last.annual { 12 } else { 1 };
    let mut k = 0;
    while time::add_months(anchor, (k + 1) * step) <= churned {
        k += 1;
    }
    let at = time::add_months(anchor, k * step) + 13 * MICROS_PER_DAY + 7 * MICROS_PER_HOUR;
    if at >= end - MICROS_PER_DAY || time::add_months(anchor, k * step) < last.started_at {
        return None;
    }
    last.ended_at = Some(at);
    last.payment_failed = true;
    Some(at)
}

fn company_name(rng: &mut Rand, industry: u8, city: u16) -> String {
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

fn unique_domain(name: &str, seen: &mut HashSet<String>) -> String {
    let base = names::slug(name.trim_start_matches("The "));
    let mut candidate = format!("{base}.com");
    let mut k = 2;
    while !seen.insert(candidate.clone()) {
        candidate = format!("{base}{k}.com");
        k += 1;
    }
    candidate
}

#[allow(clippy::too_many_arguments)]
fn push_subscriptions(
    w: &mut World,
    rng: &mut Rand,
    account: u32,
    final_tier: u8,
    l: &Lifecycle,
    created: i64,
    annual: bool,
    changes: u8,
) {
    let end = w.cfg.end_ts();
    let life_end = l.churned_at.unwrap_or(end);
    // Change times: distinct, inside the paying life, at least a day from either edge.
    let lo = l.paid_start + MICROS_PER_DAY;
    let hi = (life_end - MICROS_PER_DAY).max(lo + 1);
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
    let mut targets = Vec::with_capacity(changes as usize + 1);
    for j in 0..=changes as usize {
        if j > 0 {
            position = if expansion[j] {
                (position + rng.uniform(0.25, 0.6)).min(1.0)
            } else if kinds[j] == 1 {
                rng.uniform(0.0, 0.3)
            } else {
                rng.uniform(0.35, 0.8)
            };
        }
        let (lo, hi) = TIER_MRR[tiers[j] as usize];
        targets.push((lo as f64 * (hi as f64 / lo as f64).powf(position)) as i64);
    }
    let base_id = w.subscriptions.len() as i64 + 1;
    for j in 0..=changes as usize {
        let started_at = if j == 0 { created } else { at[j - 1] };
        let last = j == changes as usize;
        let ended_at = if last { l.churned_at } else { Some(at[j]) };
        let end_reason = match (last, ended_at) {
            (false, _) => Some(kinds[j + 1] - 1),
            (true, Some(_)) if !l.converted => Some(3),
            (true, Some(_)) => Some(2),
            (true, None) => None,
        };
        let status = match (last, ended_at, l.trial_end) {
            (_, Some(_), _) => 3,
            (_, None, Some(t)) if t >= end => 0,
            _ if rng.chance(0.02) => 2,
            _ => 1,
        };
        w.subscriptions.push(Subscription {
            id: base_id + j as i64,
            account,
            tier: tiers[j],
            mrr_dollars: targets[j],
            annual,
            started_at,
            ended_at,
            trial_end: if j == 0 { l.trial_end } else { None },
            status,
            change: kinds[j],
            end_reason,
            units: 1,
            addons: Vec::new(),
            payment_failed: false,
        });
    }
}

/// Gives subscriptions their add-ons — exactly `items - subscriptions` add-on lines in all,
/// more on higher tiers — and base-plan units, so that each MRR (base × units plus add-ons) comes
/// as close to its target as the price list allows, inside the tier's range.
fn price_subscriptions(w: &mut World, rng: &mut Rand, extra_items: usize) {
    let mut lines: Vec<u8> = w
        .subscriptions
        .iter()
        .map(|s| {
            rng.weighted(
                [
                    &[70.0, 20.0, 8.0, 2.0][..],
                    &[55.0, 28.0, 12.0, 5.0],
                    &[40.0, 30.0, 20.0, 10.0],
                ][s.tier as usize],
            ) as u8
        })
        .collect();
    fit_total(&mut lines, extra_items, 0, ADDONS.len() as u8, rng);
    for (s, &n) in w.subscriptions.iter_mut().zip(&lines) {
        let mut picks: Vec<u8> = (0..ADDONS.len() as u8).collect();
        for k in (1..picks.len()).rev() {
            picks.swap(k, rng.below(k as u64 + 1) as usize);
        }
        picks.truncate(n as usize);
        picks.sort_unstable();
        let (units, addons) = compose(s.tier, s.mrr_dollars, &picks);
        s.units = units;
        s.addons = addons;
        s.mrr_dollars = monthly_value(s.tier, units, &s.addons);
    }
    for a in &mut w.accounts {
        a.mrr_dollars = w.subscriptions[a.subscriptions.end as usize - 1].mrr_dollars;
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
fn compose(tier: u8, target: i64, picks: &[u8]) -> (u16, Vec<(u8, u16)>) {
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

fn push_locations(w: &mut World, rng: &mut Rand, account: u32, count: u8) {
    let a = &w.accounts[account as usize];
    let (created, life_end) = (a.created_at, a.life_end(&w.cfg));
    let life = (life_end - created) as f64;
    let city_weights = geo::weights();
    let mut times: Vec<i64> = (0..count)
        .map(|j| {
            let frac = if j == 0 {
                rng.uniform(0.0, 0.05)
            } else {
                rng.uniform(0.05, 0.7)
            };
            created + (life * frac) as i64
        })
        .collect();
    times.sort_unstable();
    let short = a.name.trim_start_matches("The ").to_string();
    let hq = a.hq_city as usize;
    for (j, created_at) in times.into_iter().enumerate() {
        let city = if j == 0 || rng.chance(0.7) {
            geo::same_state(hq, rng.f64())
        } else {
            rng.weighted(&city_weights)
        };
        let c = &geo::CITIES[city];
        let id = w.locations.len() as i64 + 1;
        w.locations.push(Location {
            id,
            account,
            name: format!("{short} - {}", c.name),
            kind: rng.weighted(&LOCATION_TYPE_SHARES) as u8,
            street: format!(
                "{} {} {}",
                rng.range(10, 9_899),
                rng.pick(names::STREETS),
                rng.pick(names::STREET_KINDS)
            ),
            city: city as u16,
            zip: c.zips[rng.below(c.zips.len() as u64) as usize],
            created_at,
            devices: 0..0,
        });
    }
}

fn push_devices(w: &mut World, rng: &mut Rand, location: u32, count: u8) {
    let loc = &w.locations[location as usize];
    let account = loc.account;
    let a = &w.accounts[account as usize];
    let end = w.cfg.end_ts();
    let life_end = a.life_end(&w.cfg);
    let room = life_end - loc.created_at;
    for _ in 0..count {
        let installed_at = loc.created_at + rng.range(0, (14 * MICROS_PER_DAY).min(room / 3));
        let status = if a.churned_at.is_some() {
            1
        } else {
            rng.weighted(&DEVICE_STATUS_SHARES) as u8
        };
        let quiet_since = match status {
            0 => rng.range(0, 10 * MICROS_PER_MIN),
            1 if a.churned_at.is_some() => end - life_end + rng.range(0, MICROS_PER_DAY),
            1 => rng.range(MICROS_PER_DAY, 30 * MICROS_PER_DAY),
            _ => rng.range(MICROS_PER_HOUR, 72 * MICROS_PER_HOUR),
        };
        let last_seen_at = (end - quiet_since)
            .max(installed_at + MICROS_PER_MIN)
            .min(end - 1);
        // Devices update firmware while they report; an older release on one in five.
        let days_before_end = (last_seen_at - end) / MICROS_PER_DAY;
        let newest = FIRMWARE
            .iter()
            .rposition(|&(_, d)| d <= days_before_end)
            .unwrap_or(0);
        let firmware = if newest > 0 && rng.chance(0.2) {
            newest - 1
        } else {
            newest
        } as u8;
        let id = w.devices.len() as i64 + 1;
        w.devices.push(Device {
            id,
            location,
            account,
            model: rng.weighted(&[35.0, 25.0, 25.0, 15.0]) as u8,
            firmware,
            installed_at,
            status,
            last_seen_at,
        });
    }
}

fn push_users(w: &mut World, rng: &mut Rand, account: u32, count: u8) {
    let a = &w.accounts[account as usize];
    let life_end = a.life_end(&w.cfg);
    let life = life_end - a.created_at;
    let mut emails = HashSet::new();
    for j in 0..count {
        let first_name = rng.pick(names::FIRST_NAMES);
        let last_name = rng.pick(names::LAST_NAMES);
        let local = format!("{}.{}", names::slug(first_name), names::slug(last_name));
        let mut email = format!("{local}@{}", a.domain);
        let mut k = 2;
        while !emails.insert(email.clone()) {
            email = format!("{local}{k}@{}", a.domain);
            k += 1;
        }
        let role = rng.weighted(&ROLE_SHARES) as u8;
        let login_frequency = rng.weighted(match role {
            0 => &[60.0, 30.0, 10.0],
            1 => &[50.0, 40.0, 10.0],
            _ => &[30.0, 45.0, 25.0],
        }) as u8;
        let created_at = if j == 0 {
            a.created_at
        } else {
            a.created_at + (life as f64 * rng.uniform(0.0, 0.6)) as i64
        };
        let is_active = a.churned_at.is_none() && rng.chance(0.92);
        let mean_gap_days: f64 = [1.0, 5.0, 20.0][login_frequency as usize];
        // A user still active logs in until the account's end (churn or today); a deactivated
        // user last logged in somewhere in the account's life.
        let last_login_at = rng.chance(0.97).then(|| {
            // Users of an account about to churn had already drifted away.
            let mean_gap = if a.churned_at.is_some() {
                mean_gap_days.max(10.0)
            } else {
                mean_gap_days
            };
            let gap = (rng.exp(mean_gap) * MICROS_PER_DAY as f64) as i64;
            let last = if is_active || a.churned_at.is_some() {
                life_end - 1 - gap
            } else {
                created_at + ((life_end - created_at) as f64 * rng.uniform(0.2, 0.9)) as i64
            };
            last.max(created_at)
        });
        let id = w.users.len() as i64 + 1;
        w.users.push(User {
            id,
            account,
            first_name,
            last_name,
            email,
            role,
            login_frequency,
            created_at,
            last_login_at,
            is_active,
        });
    }
}

/// What this part of the model leaves out, and why: shown in `datagen report`.
pub const SIMPLIFICATIONS: &[&str] = &[
    "One currency (USD) and the United States only: every account, location and time zone is in the US, with US daylight time.",
    "Accounts carry today's MRR; the history of price changes lives in app_subscriptions, so the accounts-by-month chart applies each account's current MRR to every month it was active.",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(profile: Profile) -> Config {
        Config {
            profile,
            seed: 7,
            as_of: time::parse_date(Config::DEFAULT_AS_OF).unwrap(),
            tap_window_days: 365,
        }
    }

    #[test]
    fn exact_counts_for_every_profile() {
        for p in [
            Profile::Dev,
            Profile::Custom(777),
            Profile::Custom(1),
            Profile::Custom(2),
        ] {
            let counts = crate::registry::counts(&p);
            let w = World::build(&cfg(p.clone()), &counts);
            assert_eq!(w.accounts.len() as u64, counts.get("app_accounts"));
            assert_eq!(w.locations.len() as u64, counts.get("app_locations"));
            assert_eq!(w.users.len() as u64, counts.get("app_users"));
            assert_eq!(w.devices.len() as u64, counts.get("app_devices"));
            assert_eq!(
                w.subscriptions.len() as u64,
                counts.get("app_subscriptions")
            );
        }
    }

    #[test]
    fn timelines_are_ordered() {
        let p = Profile::Custom(2_000);
        let w = World::build(&cfg(p.clone()), &crate::registry::counts(&p));
        let end = w.cfg.end_ts();
        for d in &w.devices {
            let l = &w.locations[d.location as usize];
            assert!(d.installed_at >= l.created_at);
            assert!(d.last_seen_at > d.installed_at && d.last_seen_at < end);
        }
        for a in &w.accounts {
            let subs =
                &w.subscriptions[a.subscriptions.start as usize..a.subscriptions.end as usize];
            assert_eq!(subs[0].started_at, a.created_at);
            for p in subs.windows(2) {
                assert_eq!(p[0].ended_at, Some(p[1].started_at));
            }
            assert_eq!(subs.last().unwrap().ended_at, a.churned_at);
        }
    }
}

#[cfg(test)]
mod nrr {
    use super::*;

    /// The world's plan histories give net revenue retention near the REFERENCE figure of each
    /// tier (pooled over the last three years, as `validate` measures it), for two seeds.
    #[test]
    fn nrr_by_tier_is_near_reference() {
        for seed in [42u64, 7] {
            let p = Profile::Qa;
            let cfg = Config {
                profile: p.clone(),
                seed,
                as_of: time::parse_date(Config::DEFAULT_AS_OF).unwrap(),
                tap_window_days: 365,
            };
            let w = World::build(&cfg, &crate::registry::counts(&p));
            let end = cfg.end_ts();
            let (mut after, mut before) = ([0i64; 3], [0i64; 3]);
            for k in 1..=3 {
                let t0 = end - k * 365 * MICROS_PER_DAY;
                let t1 = t0 + 365 * MICROS_PER_DAY - 1;
                for a in &w.accounts {
                    let subs = &w.subscriptions
                        [a.subscriptions.start as usize..a.subscriptions.end as usize];
                    let at = |t: i64| {
                        subs.iter().find(|s| {
                            s.started_at <= t
                                && s.ended_at.is_none_or(|e| e > t)
                                && s.trial_end.is_none_or(|te| te <= t)
                        })
                    };
                    if let Some(s0) = at(t0) {
                        before[s0.tier as usize] += s0.mrr_dollars;
                        after[s0.tier as usize] += at(t1).map_or(0, |s| s.mrr_dollars);
                    }
                }
            }
            for t in 0..3 {
                let nrr = after[t] as f64 / before[t] as f64;
                assert!(
                    (nrr - crate::targets::NRR[t]).abs() <= crate::targets::NRR_TOLERANCE,
                    "seed {seed}, {}: NRR {nrr:.3}",
                    TIERS[t]
                );
            }
        }
    }
}
