//! Key metric baselines and the series behind the charts, each computed from the dataset (and the
//! world-level ones for every environment from the world model alone, without facts).

use std::collections::{BTreeMap, HashMap};

use arrow::array::AsArray;
use arrow::datatypes::{Int64Type, TimestampMicrosecondType};
use rayon::prelude::*;
use serde::Serialize;

use crate::app::{accounts, locations};
use crate::check::Dataset;
use crate::error::Result;
use crate::iot::tap_events;
use crate::marketing::performance;
use crate::profile::Profile;
use crate::registry;
use crate::time::{self, MICROS_PER_DAY, MICROS_PER_HOUR};
use crate::world::{self, Config, World, geo};

/// A figure with the plan's target where the plan gives one.
#[derive(Serialize, Clone, Debug)]
pub struct Metric {
    pub name: String,
    pub value: f64,
    pub display: String,
    pub target: String,
    pub how: String,
}

fn metric(name: &str, value: f64, display: String, target: &str, how: &str) -> Metric {
    Metric {
        name: name.into(),
        value,
        display,
        target: target.into(),
        how: how.into(),
    }
}

#[derive(Serialize, Clone, Debug, Default)]
pub struct Series {
    /// Month (YYYY-MM), accounts active at its end, their MRR in dollars (today's MRR per account).
    pub accounts_by_month: Vec<(String, u64, f64)>,
    /// Year, new accounts, campaign spend in dollars.
    pub spend_vs_new_accounts: Vec<(i64, u64, f64)>,
    /// Pours by local hour 0–23, by local weekday Monday–Sunday, by local month (YYYY-MM).
    pub pours_by_hour: Vec<u64>,
    pub pours_by_weekday: Vec<u64>,
    pub pours_by_month: Vec<(String, u64)>,
    /// Tier, active accounts, mean MRR, lowest and highest MRR.
    pub arpa_by_tier: Vec<(String, u64, f64, f64, f64)>,
}

/// Whole dollars with thousands separators.
fn dollars(v: f64) -> String {
    format!("${}", super::thousands(v.round().max(0.0) as u64))
}

/// Pours by local hour, by local weekday, by local month (year × 12 + month − 1).
type PourCounts = (Vec<u64>, Vec<u64>, BTreeMap<i64, u64>);

fn month_label(day: i64) -> String {
    let (y, m, _) = time::civil_from_days(day);
    format!("{y:04}-{m:02}")
}

/// Accounts, MRR, ARPA and churn from `app_accounts`; spend against new accounts; pours in local
/// time. Tables the dataset does not hold are skipped.
pub fn dataset_metrics(ds: &Dataset) -> Result<(Vec<Metric>, Series)> {
    let mut out = Vec::new();
    let mut series = Series::default();
    let as_of_end = ds.end_ts;
    let mut new_by_year: BTreeMap<i64, u64> = BTreeMap::new();
    if ds.has(accounts::cols::TABLE) {
        let created = ds.instants(accounts::cols::CREATED_AT)?;
        let churned = ds.timestamps(accounts::cols::CHURNED_AT)?;
        let mrr = ds.cents(accounts::cols::MRR)?;
        let tiers = ds.texts(accounts::cols::PLAN_TIER)?;
        let n = created.len();
        let first = created.iter().copied().min().unwrap_or(as_of_end);
        // Month ends from the first account's month to the as-of month.
        let mut day = time::day_of(first);
        let last_day = time::day_of(as_of_end - 1);
        while day <= last_day {
            let (y, m, _) = time::civil_from_days(day);
            let end_day =
                (time::days_from_civil(y, m, time::days_in_month(y, m)) + 1).min(last_day + 1);
            let end = end_day * MICROS_PER_DAY;
            let (mut active, mut sum) = (0u64, 0i64);
            for i in 0..n {
                if created[i] < end && churned[i].is_none_or(|c| c >= end) {
                    active += 1;
                    sum += mrr[i];
                }
            }
            series
                .accounts_by_month
                .push((month_label(day), active, sum as f64 / 100.0));
            day = end_day;
        }
        for &c in &created {
            let (y, _, _) = time::civil_from_days(time::day_of(c));
            *new_by_year.entry(y).or_insert(0) += 1;
        }
        let active: Vec<usize> = (0..n).filter(|&i| churned[i].is_none()).collect();
        let mrr_now: i64 = active.iter().map(|&i| mrr[i]).sum();
        out.push(metric(
            "active accounts at the as-of date",
            active.len() as f64,
            format!("{}", active.len()),
            "",
            "app_accounts with churned_at null",
        ));
        out.push(metric(
            "MRR at the as-of date",
            mrr_now as f64 / 100.0,
            dollars(mrr_now as f64 / 100.0),
            "",
            "sum of app_accounts.mrr over active accounts",
        ));
        out.push(metric(
            "ARR at the as-of date",
            mrr_now as f64 * 12.0 / 100.0,
            dollars(mrr_now as f64 * 12.0 / 100.0),
            "",
            "12 × MRR",
        ));
        for (t, tier) in world::TIERS.iter().enumerate() {
            let of: Vec<i64> = active
                .iter()
                .filter(|&&i| tiers[i].eq_ignore_ascii_case(tier))
                .map(|&i| mrr[i])
                .collect();
            if of.is_empty() {
                continue;
            }
            let mean = of.iter().sum::<i64>() as f64 / of.len() as f64 / 100.0;
            let (lo, hi) = (
                *of.iter().min().expect("non-empty") as f64 / 100.0,
                *of.iter().max().expect("non-empty") as f64 / 100.0,
            );
            let (tlo, thi) = world::TIER_MRR[t];
            series
                .arpa_by_tier
                .push((tier.to_string(), of.len() as u64, mean, lo, hi));
            out.push(metric(
                &format!("ARPA {tier}"),
                mean,
                format!("{} (range {}–{})", dollars(mean), dollars(lo), dollars(hi)),
                &format!("${tlo}–${thi} MRR (plan)"),
                "mean app_accounts.mrr of active accounts of the tier",
            ));
        }
        // Logo churn over the last 365 days: churned in the window / active at its start.
        let start = as_of_end - 365 * MICROS_PER_DAY;
        let at_start = (0..n)
            .filter(|&i| created[i] < start && churned[i].is_none_or(|c| c >= start))
            .count();
        let lost = (0..n)
            .filter(|&i| {
                churned[i].is_some_and(|c| c >= start && c < as_of_end) && created[i] < start
            })
            .count();
        if at_start > 0 {
            let rate = lost as f64 / at_start as f64;
            out.push(metric(
                "logo churn, last 12 months",
                rate,
                format!("{:.1} %", rate * 100.0),
                "8–12 % a year (plan)",
                "accounts active 365 days before the as-of date that churned since, over those accounts",
            ));
        }
        let years: Vec<(&i64, &u64)> = new_by_year.iter().collect();
        if years.len() >= 3 {
            // Growth between the last two full years.
            let (a, b) = (years[years.len() - 3].1, years[years.len() - 2].1);
            let g = *b as f64 / (*a).max(1) as f64;
            out.push(metric(
                "new accounts, year-over-year",
                g,
                format!("×{g:.2}"),
                "×1.4 a year (plan)",
                "accounts created in the last full year over the year before",
            ));
        }
    }
    if ds.has(performance::cols::TABLE) {
        let days = ds.i32s_date(performance::cols::DATE)?;
        let spend = ds.cents(performance::cols::SPEND)?;
        let mut by_year: BTreeMap<i64, i64> = BTreeMap::new();
        for (d, s) in days.iter().zip(&spend) {
            let (y, _, _) = time::civil_from_days(i64::from(*d));
            *by_year.entry(y).or_insert(0) += s;
        }
        for (y, s) in &by_year {
            let new = new_by_year.get(y).copied().unwrap_or(0);
            series
                .spend_vs_new_accounts
                .push((*y, new, *s as f64 / 100.0));
        }
        let total_new: u64 = series.spend_vs_new_accounts.iter().map(|r| r.1).sum();
        let total_spend: f64 = series.spend_vs_new_accounts.iter().map(|r| r.2).sum();
        if total_new > 0 {
            out.push(metric(
                "marketing spend per new account",
                total_spend / total_new as f64,
                dollars(total_spend / total_new as f64),
                "",
                "campaign spend over accounts created in the campaigns' years",
            ));
        }
    }
    if ds.has(tap_events::cols::TABLE) && ds.has(locations::cols::TABLE) {
        let ids = ds.i64s(locations::cols::LOCATION_ID)?;
        let zones = ds.texts(locations::cols::TIMEZONE)?;
        let zone: HashMap<i64, (i64, bool)> = ids
            .iter()
            .zip(&zones)
            .filter_map(|(id, z)| geo::zone(z).map(|tz| (*id, tz)))
            .collect();
        // Shards in parallel, each into its own counts, summed (order does not matter).
        let entry = ds.entry(tap_events::cols::TABLE)?;
        let names = [
            tap_events::cols::LOCATION_ID.name,
            tap_events::cols::POURED_AT.name,
        ];
        let parts: Vec<PourCounts> = (0..entry.shards.len())
            .into_par_iter()
            .map(|shard| -> Result<_> {
                let mut hours = vec![0u64; 24];
                let mut weekdays = vec![0u64; 7];
                let mut months: BTreeMap<i64, u64> = BTreeMap::new();
                // Offsets change only at 02:00 local on two days a year: cache per (zone, hour).
                let mut cache: HashMap<(i64, bool, i64), i64> = HashMap::new();
                ds.scan_shard(tap_events::cols::TABLE, shard, &names, |b| {
                    let loc = b.column(0).as_primitive::<Int64Type>();
                    let at = b.column(1).as_primitive::<TimestampMicrosecondType>();
                    for i in 0..b.num_rows() {
                        let (std, dst) = zone.get(&loc.value(i)).copied().unwrap_or((0, false));
                        let utc = at.value(i);
                        let hour = utc.div_euclid(MICROS_PER_HOUR);
                        let offset = *cache.entry((std, dst, hour)).or_insert_with(|| {
                            time::us_utc_offset_hours(hour * MICROS_PER_HOUR, std, dst)
                        });
                        let local = utc + offset * MICROS_PER_HOUR;
                        let day = time::day_of(local);
                        hours[((local - day * MICROS_PER_DAY) / MICROS_PER_HOUR) as usize] += 1;
                        weekdays[time::weekday(day) as usize] += 1;
                        let (y, m, _) = time::civil_from_days(day);
                        *months.entry(y * 12 + i64::from(m) - 1).or_insert(0) += 1;
                    }
                    Ok(())
                })?;
                Ok((hours, weekdays, months))
            })
            .collect::<Result<_>>()?;
        let mut hours = vec![0u64; 24];
        let mut weekdays = vec![0u64; 7];
        let mut months: BTreeMap<i64, u64> = BTreeMap::new();
        for (h, w, m) in parts {
            hours.iter_mut().zip(h).for_each(|(a, b)| *a += b);
            weekdays.iter_mut().zip(w).for_each(|(a, b)| *a += b);
            for (k, v) in m {
                *months.entry(k).or_insert(0) += v;
            }
        }
        series.pours_by_hour = hours;
        series.pours_by_weekday = weekdays;
        series.pours_by_month = months
            .into_iter()
            .map(|(k, v)| (format!("{:04}-{:02}", k / 12, k % 12 + 1), v))
            .collect();
    }
    Ok((out, series))
}

/// World-level baselines of one environment, from the world model alone.
#[derive(Serialize, Clone, Debug)]
pub struct Baseline {
    pub profile: String,
    pub accounts: u64,
    pub active_accounts: u64,
    pub churned_accounts: u64,
    pub mrr: f64,
    /// Share of accounts per tier and per industry, in the order of the declarations.
    pub tier_mix: Vec<(String, f64)>,
    pub industry_mix: Vec<(String, f64)>,
    /// Accounts created per calendar year.
    pub new_accounts_by_year: Vec<(i64, u64)>,
}

pub fn baseline(cfg: &Config, profile: Profile) -> Result<Baseline> {
    let counts = registry::counts(&profile);
    let cfg = Config {
        profile: profile.clone(),
        seed: cfg.seed,
        as_of: cfg.as_of,
        tap_window_days: cfg.tap_window_days,
    };
    let w = World::build(&cfg, &counts);
    let n = w.accounts.len() as f64;
    let share = |f: &dyn Fn(&world::Account) -> bool| {
        w.accounts.iter().filter(|a| f(a)).count() as f64 / n.max(1.0)
    };
    let mut by_year: BTreeMap<i64, u64> = BTreeMap::new();
    for a in &w.accounts {
        let (y, _, _) = time::civil_from_days(time::day_of(a.created_at));
        *by_year.entry(y).or_insert(0) += 1;
    }
    let active: Vec<&world::Account> = w
        .accounts
        .iter()
        .filter(|a| a.churned_at.is_none())
        .collect();
    Ok(Baseline {
        profile: profile.name().to_string(),
        accounts: w.accounts.len() as u64,
        active_accounts: active.len() as u64,
        churned_accounts: w.accounts.len() as u64 - active.len() as u64,
        mrr: active.iter().map(|a| a.mrr_dollars as f64).sum(),
        tier_mix: world::TIERS
            .iter()
            .enumerate()
            .map(|(t, name)| (name.to_string(), share(&|a| a.tier as usize == t)))
            .collect(),
        industry_mix: world::INDUSTRIES
            .iter()
            .enumerate()
            .map(|(t, name)| (name.to_string(), share(&|a| a.industry as usize == t)))
            .collect(),
        new_accounts_by_year: by_year.into_iter().collect(),
    })
}
