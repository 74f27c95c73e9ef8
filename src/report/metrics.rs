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
                "≈ 10 % a year (plan)",
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
    more_metrics(ds, &mut out)?;
    Ok((out, series))
}

fn share(n: usize, of: usize) -> f64 {
    if of == 0 { 0.0 } else { n as f64 / of as f64 }
}

fn pct(v: f64) -> String {
    format!("{:.1} %", v * 100.0)
}

/// Subscription revenue, billing, CRM, web, product and device baselines.
fn more_metrics(ds: &Dataset, out: &mut Vec<Metric>) -> Result<()> {
    use crate::activity::{feature_usage, sessions};
    use crate::app::subscriptions as subs;
    use crate::hubspot::deals;
    use crate::iot::device_health as health;
    use crate::marketing::ga_sessions as ga;
    use crate::stripe::invoices;
    let end = ds.end_ts;
    if ds.has(subs::cols::TABLE) {
        let account = ds.i64s(subs::cols::ACCOUNT_ID)?;
        let tier = ds.texts(subs::cols::PLAN_TIER)?;
        let mrr = ds.cents(subs::cols::MRR)?;
        let trial_start = ds.timestamps(subs::cols::TRIAL_START)?;
        let trial_end = ds.timestamps(subs::cols::TRIAL_END)?;
        let started = ds.instants(subs::cols::STARTED_AT)?;
        let ended = ds.timestamps(subs::cols::ENDED_AT)?;
        let reason = ds.strings(subs::cols::END_REASON)?;
        let n = account.len();
        let over: Vec<usize> = (0..n)
            .filter(|&i| trial_start[i].is_some() && trial_end[i].is_some_and(|t| t < end))
            .collect();
        let converted = over
            .iter()
            .filter(|&&i| reason[i].as_deref() != Some("trial_expired"))
            .count();
        if !over.is_empty() {
            let v = share(converted, over.len());
            out.push(metric(
                "trial conversion",
                v,
                pct(v),
                "70 % (plan)",
                "subscriptions whose trial ended before the as-of date and did not end as trial_expired, over those trials",
            ));
        }
        // Net revenue retention by the tier an account had a year before the as-of date.
        let t0 = end - 365 * MICROS_PER_DAY;
        let t1 = end - 1;
        let paying = |i: usize, t: i64| {
            started[i] <= t
                && ended[i].is_none_or(|e| e > t)
                && trial_end[i].is_none_or(|te| te <= t)
        };
        let mut then: HashMap<i64, (i64, usize)> = HashMap::new();
        let mut now: HashMap<i64, i64> = HashMap::new();
        for i in 0..n {
            if paying(i, t0) {
                let e = then.entry(account[i]).or_insert((0, i));
                e.0 += mrr[i];
            }
            if paying(i, t1) {
                *now.entry(account[i]).or_insert(0) += mrr[i];
            }
        }
        for t in world::TIERS {
            let (mut a, mut b) = (0i64, 0i64);
            for (acc, (m, i)) in &then {
                if tier[*i].eq_ignore_ascii_case(t) {
                    a += m;
                    b += now.get(acc).copied().unwrap_or(0);
                }
            }
            if a > 0 {
                let v = b as f64 / a as f64;
                let target = match t {
                    "basic" => "≈ 97 % (SMB, REFERENCE)",
                    "pro" => "≈ 108 % (mid-market, REFERENCE)",
                    _ => "≈ 118 % (enterprise, REFERENCE)",
                };
                out.push(metric(
                    &format!("net revenue retention {t}"),
                    v,
                    pct(v),
                    target,
                    "paying MRR at the as-of date over paying MRR a year before, accounts by their tier a year before (out of trial)",
                ));
            }
        }
    }
    if ds.has(invoices::cols::TABLE) {
        let status = ds.texts(invoices::cols::STATUS)?;
        let v = share(status.iter().filter(|s| *s == "paid").count(), status.len());
        out.push(metric(
            "invoices paid",
            v,
            pct(v),
            "",
            "stripe_invoices with status paid, over all invoices",
        ));
    }
    if ds.has(deals::cols::TABLE) {
        let stage = ds.texts(deals::cols::PROPERTY_DEALSTAGE)?;
        let created = ds.timestamps(deals::cols::PROPERTY_CREATEDATE)?;
        let closed = ds.timestamps(deals::cols::PROPERTY_CLOSEDATE)?;
        let won = stage.iter().filter(|s| *s == "closedwon").count();
        let lost = stage.iter().filter(|s| *s == "closedlost").count();
        if won + lost > 0 {
            let v = share(won, won + lost);
            out.push(metric(
                "deal win rate",
                v,
                pct(v),
                "25 % (plan)",
                "closedwon over closedwon + closedlost",
            ));
            let days: Vec<f64> = (0..stage.len())
                .filter(|&i| stage[i] == "closedwon" || stage[i] == "closedlost")
                .filter_map(|i| Some((closed[i]? - created[i]?) as f64 / MICROS_PER_DAY as f64))
                .collect();
            if !days.is_empty() {
                let v = days.iter().sum::<f64>() / days.len() as f64;
                out.push(metric(
                    "sales cycle, closed deals",
                    v,
                    format!("{v:.1} days"),
                    "SMB 14–30, mid-market 30–90, enterprise 90–180 days (REFERENCE)",
                    "mean days from createdate to closedate of closed deals",
                ));
            }
        }
    }
    if ds.has(ga::cols::TABLE) {
        let bounced = ds.column(ga::cols::BOUNCED)?;
        let engaged = ds.column(ga::cols::ENGAGED)?;
        let duration = ds.i32s(ga::cols::DURATION_S)?;
        let (b, e) = (bounced.as_boolean(), engaged.as_boolean());
        let v = share(b.true_count(), b.len());
        out.push(metric(
            "GA bounce rate",
            v,
            pct(v),
            "≈ 44 % (B2B SaaS, REFERENCE)",
            "ga_sessions with bounced true, over all sessions",
        ));
        let engaged_s: Vec<i32> = (0..e.len())
            .filter(|&i| e.value(i))
            .map(|i| duration[i])
            .collect();
        if !engaged_s.is_empty() {
            let v = engaged_s.iter().map(|&x| f64::from(x)).sum::<f64>() / engaged_s.len() as f64;
            out.push(metric(
                "GA engaged session duration",
                v,
                format!("{v:.0} s"),
                "median ≈ 165 s (SaaS, REFERENCE)",
                "mean duration_s of engaged ga_sessions",
            ));
        }
    }
    if ds.has(sessions::cols::TABLE) {
        let users = ds.i64s(sessions::cols::USER_ID)?;
        let distinct: std::collections::HashSet<i64> = users.iter().copied().collect();
        if !distinct.is_empty() {
            let v = users.len() as f64 / distinct.len() as f64;
            out.push(metric(
                "sessions per active user",
                v,
                format!("{v:.1}"),
                "",
                "app_user_sessions over distinct users with a session",
            ));
        }
    }
    if ds.has(feature_usage::cols::TABLE) && ds.has(accounts::cols::TABLE) {
        let acc_tier = ds.texts(accounts::cols::PLAN_TIER)?;
        let mut using: HashMap<String, std::collections::HashSet<i64>> = HashMap::new();
        ds.scan(
            &[
                feature_usage::cols::ACCOUNT_ID,
                feature_usage::cols::PLAN_TIER,
            ],
            |b| {
                let a = b.column(0).as_primitive::<Int64Type>();
                let t = b.column(1).as_string::<i32>();
                for i in 0..b.num_rows() {
                    using
                        .entry(t.value(i).to_string())
                        .or_default()
                        .insert(a.value(i));
                }
                Ok(())
            },
        )?;
        for t in world::TIERS {
            let of = acc_tier
                .iter()
                .filter(|x| x.eq_ignore_ascii_case(t))
                .count();
            if of > 0 {
                let v = share(using.get(t).map_or(0, |s| s.len()), of);
                out.push(metric(
                    &format!("feature adoption {t}"),
                    v,
                    pct(v),
                    "",
                    "distinct accounts with feature use on the tier, over app_accounts of the tier",
                ));
            }
        }
    }
    if ds.has(health::cols::TABLE) {
        let pours = ds.i32s(health::cols::POUR_COUNT)?;
        let uptime = ds.column(health::cols::UPTIME_PCT)?;
        let up = uptime.as_primitive::<arrow::datatypes::Float64Type>();
        if !pours.is_empty() {
            let v = pours.iter().map(|&x| f64::from(x)).sum::<f64>() / pours.len() as f64;
            out.push(metric(
                "pours per device-day",
                v,
                format!("{v:.1}"),
                "",
                "mean iot_device_health.pour_count",
            ));
            let v = up.values().iter().sum::<f64>() / up.len() as f64;
            out.push(metric(
                "device uptime",
                v,
                format!("{v:.2} %"),
                "",
                "mean iot_device_health.uptime_pct",
            ));
        }
    }
    Ok(())
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
        ..cfg.clone()
    };
    // A smaller profile's history may begin after an early cut of a larger one: its baseline is
    // then taken at its own first day.
    let history = World::history(&cfg, &counts);
    let r = history.range();
    let w = history.cut(cfg.as_of.clamp(r.first, r.last));
    let n = w.accounts.len() as f64;
    let fraction = |f: &dyn Fn(&world::Account) -> bool| {
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
            .map(|(t, name)| (name.to_string(), fraction(&|a| a.tier as usize == t)))
            .collect(),
        industry_mix: world::INDUSTRIES
            .iter()
            .enumerate()
            .map(|(t, name)| (name.to_string(), fraction(&|a| a.industry as usize == t)))
            .collect(),
        new_accounts_by_year: by_year.into_iter().collect(),
    })
}
