//! Rules of the marketing and analytics tables read back from disk, one per TEST line of plan
//! steps 22–26, plus spend tracking new-account growth.

use std::collections::{HashMap, HashSet};

use arrow::array::{Array, AsArray};
use arrow::datatypes::{Float64Type, Int32Type, Int64Type, TimestampMicrosecondType};

use crate::app::accounts::cols as app_accounts;
use crate::check::{Check, Dataset, share_check};
use crate::error::Result;
use crate::hubspot::companies::cols as hubspot_companies;
use crate::hubspot::contacts::cols as hubspot_contacts;
use crate::hubspot::deals::cols as hubspot_deals;
use crate::marketing::campaigns::cols as marketing_campaigns;
use crate::marketing::ga_sessions::cols as ga_sessions;
use crate::marketing::mqls::cols as marketing_mqls;
use crate::marketing::performance::cols as marketing_campaign_performance;
use crate::marketing::touchpoints::cols as marketing_attribution_touchpoints;
use crate::plans::marketing::{CHANNELS, MQL_SCORE};
use crate::targets;
use crate::time;

pub fn campaign_checks(ds: &Dataset) -> Result<Vec<Check>> {
    let t = marketing_campaigns::TABLE;
    let channel = ds.texts(marketing_campaigns::CHANNEL)?;
    let first = ds.i32s_date(marketing_campaigns::START_DATE)?;
    let last = ds.i32s_date(marketing_campaigns::END_DATE)?;
    let as_of = time::day_of(ds.end_ts) - 1;
    // A cut holds the campaigns started by then, with their planned end.
    let bad = (0..first.len())
        .filter(|&i| first[i] > last[i] || i64::from(first[i]) > as_of)
        .count();
    let refs: Vec<&str> = channel.iter().map(String::as_str).collect();
    Ok(vec![
        share_check(t, "channel mix", &refs, &targets::CHANNEL_MIX),
        Check::zero(t, "start ≤ end, start by the as-of date", bad),
    ])
}

pub fn performance_checks(ds: &Dataset) -> Result<Vec<Check>> {
    let t = marketing_campaign_performance::TABLE;
    let campaigns = ds.index(marketing_campaigns::CAMPAIGN_ID)?;
    let channel = ds.texts(marketing_campaigns::CHANNEL)?;
    let first = ds.i32s_date(marketing_campaigns::START_DATE)?;
    let last = ds.i32s_date(marketing_campaigns::END_DATE)?;
    let campaign = ds.i64s(marketing_campaign_performance::CAMPAIGN_ID)?;
    let date = ds.i32s_date(marketing_campaign_performance::DATE)?;
    let impressions = ds.i64s(marketing_campaign_performance::IMPRESSIONS)?;
    let clicks = ds.i64s(marketing_campaign_performance::CLICKS)?;
    let spend = ds.cents(marketing_campaign_performance::SPEND)?;
    let budget = ds.cents(marketing_campaigns::DAILY_BUDGET)?;
    let as_of = (time::day_of(ds.end_ts) - 1) as i32;
    let mut days: Vec<HashSet<i32>> = vec![HashSet::new(); first.len()];
    let (mut over_budget, mut weekday, mut weekend) = (0, (0f64, 0f64), (0f64, 0f64));
    let (mut outside, mut dup) = (0, 0);
    let mut totals = [(0f64, 0f64, 0f64); 4];
    let mut spend_by_year: HashMap<i64, f64> = HashMap::new();
    for i in 0..campaign.len() {
        let Some(&c) = campaigns.get(&campaign[i]) else {
            continue;
        };
        outside += usize::from(date[i] < first[c] || date[i] > last[c].min(as_of));
        dup += usize::from(!days[c].insert(date[i]));
        over_budget += usize::from(spend[i] > budget[c]);
        let side = if time::weekday(i64::from(date[i])) >= 5 {
            &mut weekend
        } else {
            &mut weekday
        };
        side.0 += spend[i] as f64;
        side.1 += 1.0;
        if let Some(ch) = CHANNELS.iter().position(|x| *x == channel[c]) {
            totals[ch].0 += impressions[i] as f64;
            totals[ch].1 += clicks[i] as f64;
            totals[ch].2 += spend[i] as f64 / 100.0;
        }
        *spend_by_year
            .entry(time::civil_from_days(i64::from(date[i])).0)
            .or_default() += spend[i] as f64;
    }
    // Every day a campaign has run by the cut has its row.
    let gaps: usize = (0..first.len())
        .map(|c| ((last[c].min(as_of) - first[c] + 1).max(0) as usize).abs_diff(days[c].len()))
        .sum();
    // KPIs near the channel's REFERENCE CTR and CPC (e-mail has no CPC benchmark).
    let tol = targets::CHANNEL_KPI_TOLERANCE;
    let mut kpi = Vec::new();
    let mut kpi_ok = true;
    for (ch, (imp, clk, sp)) in totals.iter().enumerate() {
        if *imp == 0.0 {
            continue;
        }
        let (ctr, cpc) = (clk / imp, sp / clk.max(1.0));
        let (_, rctr, rcpc) = targets::CHANNEL_KPIS[ch];
        kpi_ok &=
            (ctr / rctr - 1.0).abs() <= tol && (rcpc == 0.0 || (cpc / rcpc - 1.0).abs() <= tol);
        kpi.push(format!(
            "{} CTR {:.2}% CPC ${cpc:.2}",
            CHANNELS[ch],
            ctr * 100.0
        ));
    }
    let kpi_target = targets::CHANNEL_KPIS
        .iter()
        .map(|(c, ctr, cpc)| format!("{c} {:.2}%/${cpc:.1}", ctr * 100.0))
        .collect::<Vec<_>>()
        .join(", ");
    // Spend per year follows new accounts per year.
    let created = ds.instants(app_accounts::CREATED_AT)?;
    let mut accounts_by_year: HashMap<i64, f64> = HashMap::new();
    for c in created {
        *accounts_by_year
            .entry(time::civil_from_days(time::day_of(c)).0)
            .or_default() += 1.0;
    }
    let mut years: Vec<i64> = accounts_by_year
        .keys()
        .copied()
        .filter(|y| spend_by_year.contains_key(y))
        .collect();
    years.sort_unstable();
    // Full years only (the first may be partial): spend per new account, most over least.
    let full: Vec<i64> = years
        .iter()
        .copied()
        .filter(|y| {
            time::days_from_civil(*y, 1, 1) * time::MICROS_PER_DAY >= ds.start_ts
                && time::days_from_civil(*y + 1, 1, 1) * time::MICROS_PER_DAY <= ds.end_ts
        })
        .collect();
    let per_account: Vec<f64> = full
        .iter()
        .map(|y| spend_by_year[y] / 100.0 / accounts_by_year[y])
        .collect();
    let (lo, hi) = per_account
        .iter()
        .fold((f64::MAX, 0f64), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    let spread = hi / lo.max(1e-9);
    let fewest = full
        .iter()
        .map(|y| accounts_by_year[y])
        .fold(f64::MAX, f64::min);
    let weekend_ratio =
        (weekend.0 / weekend.1.max(1.0)) / (weekday.0 / weekday.1.max(1.0)).max(1e-9);
    Ok(vec![
        Check::zero(t, "one row per campaign per day it ran", gaps + dup),
        Check::zero(t, "no row outside the campaign's dates", outside),
        Check::zero(
            t,
            "pacing: daily spend within the campaign's daily budget",
            over_budget,
        ),
        Check::new(
            t,
            "B2B seasonality: weekend spend below weekdays",
            "weekend / weekday spend per campaign-day ≤ 0.9",
            format!("{weekend_ratio:.2}"),
            weekend_ratio <= 0.9,
        )
        .unless_too_few(weekend.1 >= 200.0, format!("{} weekend rows", weekend.1)),
        Check::new(
            t,
            "CTR and CPC near channel benchmarks",
            format!("±{:.0} % of {kpi_target}", tol * 100.0),
            kpi.join("; "),
            kpi_ok,
        ),
        Check::new(
            t,
            "yearly spend per new account steady (spend tracks growth)",
            format!(
                "most / least over the full years ≤ {:.1}",
                targets::SPEND_PER_ACCOUNT_SPREAD
            ),
            format!(
                "{spread:.2} (per account {})",
                per_account
                    .iter()
                    .map(|v| format!("${v:.0}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            spread <= targets::SPEND_PER_ACCOUNT_SPREAD,
        )
        .unless_too_few(
            full.len() >= 3 && fewest >= 100.0,
            format!(
                "{} full years, {fewest} new accounts in the smallest",
                full.len()
            ),
        ),
    ])
}

pub fn touchpoint_checks(ds: &Dataset) -> Result<Vec<Check>> {
    let t = marketing_attribution_touchpoints::TABLE;
    let campaigns = ds.index(marketing_campaigns::CAMPAIGN_ID)?;
    let c_channel = ds.texts(marketing_campaigns::CHANNEL)?;
    let mut sums: HashMap<String, (i64, i32, i32)> = HashMap::new();
    let (mut after, mut wrong_channel) = (0, 0);
    let cols = [
        marketing_attribution_touchpoints::CONVERSION_ID,
        marketing_attribution_touchpoints::TOUCHED_AT,
        marketing_attribution_touchpoints::CONVERTED_AT,
        marketing_attribution_touchpoints::CHANNEL,
        marketing_attribution_touchpoints::CAMPAIGN_ID,
        marketing_attribution_touchpoints::TOUCH_COUNT,
        marketing_attribution_touchpoints::ATTRIBUTION_WEIGHT,
    ];
    ds.scan(&cols, |b| {
        let conv = b.column(0).as_string::<i32>();
        let at = b
            .column(1)
            .as_primitive::<TimestampMicrosecondType>()
            .values();
        let converted = b
            .column(2)
            .as_primitive::<TimestampMicrosecondType>()
            .values();
        let channel = b.column(3).as_string::<i32>();
        let campaign = b.column(4).as_primitive::<Int64Type>();
        let count = b.column(5).as_primitive::<Int32Type>().values();
        let weight = b.column(6).as_primitive::<Float64Type>().values();
        for i in 0..b.num_rows() {
            let e = sums.entry(conv.value(i).to_string()).or_default();
            e.0 += (weight[i] * 1e6).round() as i64;
            e.1 += 1;
            e.2 = count[i];
            after += usize::from(at[i] > converted[i]);
            if campaign.is_valid(i) {
                let ok = campaigns
                    .get(&campaign.value(i))
                    .is_some_and(|&c| c_channel[c] == channel.value(i));
                wrong_channel += usize::from(!ok);
            }
        }
        Ok(())
    })?;
    let not_one = sums.values().filter(|s| s.0 != 1_000_000).count();
    let bad_count = sums.values().filter(|s| s.1 != s.2).count();
    let mqls = ds.i64s(marketing_mqls::MQL_ID)?;
    let accounts = ds.i64s(app_accounts::ACCOUNT_ID)?;
    let missing = mqls
        .iter()
        .map(|m| format!("mql-{m}"))
        .chain(accounts.iter().map(|a| format!("account-{a}")))
        .filter(|k| !sums.contains_key(k))
        .count();
    Ok(vec![
        Check::zero(
            t,
            "attribution weights of each conversion sum to exactly 1",
            not_one,
        ),
        Check::zero(t, "every MQL and sign-up has a journey", missing),
        Check::zero(t, "touch_count equals the journey's touches", bad_count),
        Check::zero(t, "touches precede their conversion", after),
        Check::zero(
            t,
            "campaign's channel is the touch's channel",
            wrong_channel,
        ),
    ])
}

/// Contacts whose lifecycle stage is not the one their company and MQLs give: customer at a
/// customer, opportunity at a company with an open deal, else the latest MQL's stage (MQL or
/// SQL while in play, lead once lost or disqualified), else subscriber or lead.
fn lifecycle_mismatches(
    ds: &Dataset,
    contacts: &HashMap<i64, usize>,
    mql_contact: &[i64],
    mql_at: &[i64],
    mql_status: &[String],
) -> Result<usize> {
    let companies = ds.index(hubspot_companies::ID)?;
    let c_account = ds.column(hubspot_companies::ACCOUNT_ID)?;
    let ct_company = ds.i64s(hubspot_contacts::COMPANY_ID)?;
    let stage = ds.texts(hubspot_contacts::PROPERTY_LIFECYCLESTAGE)?;
    let mut open_deal = vec![false; c_account.len()];
    let d_company = ds.i64s(hubspot_deals::COMPANY_ID)?;
    let d_stage = ds.texts(hubspot_deals::PROPERTY_DEALSTAGE)?;
    for (c, st) in d_company.iter().zip(&d_stage) {
        if let Some(&c) = companies.get(c) {
            open_deal[c] |= !st.starts_with("closed");
        }
    }
    let mut latest: Vec<Option<usize>> = vec![None; stage.len()];
    for i in 0..mql_contact.len() {
        if let Some(&c) = contacts.get(&mql_contact[i])
            && latest[c].is_none_or(|j| mql_at[i] >= mql_at[j])
        {
            latest[c] = Some(i);
        }
    }
    let mut off = 0;
    for k in 0..stage.len() {
        let Some(&c) = companies.get(&ct_company[k]) else {
            continue;
        };
        let want: &[&str] = if c_account.is_valid(c) {
            &["customer"]
        } else if open_deal[c] {
            &["opportunity"]
        } else {
            match latest[k].map(|i| mql_status[i].as_str()) {
                Some("mql") => &["marketingqualifiedlead"],
                Some("sql") => &["salesqualifiedlead"],
                Some(_) => &["lead"],
                None => &["subscriber", "lead"],
            }
        };
        off += usize::from(!want.contains(&stage[k].as_str()));
    }
    Ok(off)
}

pub fn mql_checks(ds: &Dataset) -> Result<Vec<Check>> {
    let t = marketing_mqls::TABLE;
    let contacts = ds.index(hubspot_contacts::ID)?;
    let ct_created = ds.instants(hubspot_contacts::PROPERTY_CREATEDATE)?;
    let ct_company = ds.i64s(hubspot_contacts::COMPANY_ID)?;
    let deals = ds.index(hubspot_deals::ID)?;
    let d_created = ds.instants(hubspot_deals::PROPERTY_CREATEDATE)?;
    let d_stage = ds.texts(hubspot_deals::PROPERTY_DEALSTAGE)?;
    let d_company = ds.i64s(hubspot_deals::COMPANY_ID)?;
    let companies = ds.index(hubspot_companies::ID)?;
    let c_account = ds.column(hubspot_companies::ACCOUNT_ID)?;
    let c_account = c_account.as_primitive::<Int64Type>().clone();
    let contact = ds.i64s(marketing_mqls::CONTACT_ID)?;
    let company = ds.i64s(marketing_mqls::COMPANY_ID)?;
    let at = ds.instants(marketing_mqls::BECAME_MQL_AT)?;
    let s0 = ds.i32s(marketing_mqls::LEAD_SCORE_AT_CREATION)?;
    let s1 = ds.i32s(marketing_mqls::LEAD_SCORE_AT_MQL)?;
    let status = ds.texts(marketing_mqls::STATUS)?;
    let sql_at = ds.timestamps(marketing_mqls::BECAME_SQL_AT)?;
    let deal = ds.column(marketing_mqls::DEAL_ID)?;
    let deal = deal.as_primitive::<Int64Type>().clone();
    let converted = ds.column(marketing_mqls::CONVERTED_ACCOUNT_ID)?;
    let converted = converted.as_primitive::<Int64Type>().clone();
    let (mut criteria, mut order, mut funnel) = (0, 0, 0);
    let mut sqls = 0;
    for i in 0..contact.len() {
        criteria += usize::from(s1[i] < MQL_SCORE || s0[i] > s1[i]);
        let ct = contacts.get(&contact[i]);
        order += usize::from(
            ct.is_none_or(|&c| at[i] < ct_created[c] || ct_company[c] != company[i])
                || at[i] >= ds.end_ts,
        );
        if let Some(s) = sql_at[i] {
            sqls += 1;
            order += usize::from(s < at[i]);
        }
        // Funnel: a deal means an SQL first; won → customer with the company's account.
        let d = deal
            .is_valid(i)
            .then(|| deal.value(i))
            .and_then(|k| deals.get(&k));
        let ok = match (status[i].as_str(), d) {
            ("mql" | "disqualified", None) => sql_at[i].is_none() && !converted.is_valid(i),
            ("sql", None) => sql_at[i].is_some(),
            ("opportunity" | "closed_lost" | "customer", Some(&d)) => {
                let stage_ok = match status[i].as_str() {
                    "customer" => d_stage[d] == "closedwon",
                    "closed_lost" => d_stage[d] == "closedlost",
                    _ => !d_stage[d].starts_with("closed"),
                };
                let account_ok = if status[i] == "customer" {
                    let acct = companies
                        .get(&d_company[d])
                        .and_then(|&c| c_account.is_valid(c).then(|| c_account.value(c)));
                    converted.is_valid(i) && acct == Some(converted.value(i))
                } else {
                    !converted.is_valid(i)
                };
                stage_ok
                    && account_ok
                    && d_company[d] == company[i]
                    && sql_at[i].is_some_and(|s| s <= d_created[d])
            }
            _ => false,
        };
        funnel += usize::from(!ok);
    }
    let stage_off = lifecycle_mismatches(ds, &contacts, &contact, &at, &status)?;
    let rate = sqls as f64 / contact.len().max(1) as f64;
    // The funnel grows with the business: MQLs and deals per year against new accounts, over
    // the last four 365-day years (compounded yearly growth, first to last).
    let a_created = ds.instants(app_accounts::CREATED_AT)?;
    let yearly = |times: &[i64]| {
        let mut n = [0f64; 4];
        for &t in times {
            let back = (ds.end_ts - 1 - t) / (365 * time::MICROS_PER_DAY);
            if (0..4).contains(&back) {
                n[3 - back as usize] += 1.0;
            }
        }
        n
    };
    let (acc_n, mql_n, deal_n) = (yearly(&a_created), yearly(&at), yearly(&d_created));
    let growth = |n: &[f64; 4]| (n[3] / n[0].max(1.0)).powf(1.0 / 3.0);
    let (g_acc, g_mql, g_deal) = (growth(&acc_n), growth(&mql_n), growth(&deal_n));
    let spread = targets::FUNNEL_GROWTH_SPREAD;
    let in_line = |g: f64| g / g_acc <= spread && g_acc / g <= spread;
    let fewest = acc_n[0];
    // Timestamps carry a time of day: few on the exact hour.
    let on_hour = |t: i64| t.rem_euclid(time::MICROS_PER_HOUR) == 0;
    let hourly = at.iter().filter(|&&t| on_hour(t)).count()
        + sql_at.iter().flatten().filter(|&&t| on_hour(t)).count();
    let stamped = at.len() + sql_at.iter().flatten().count();
    let hourly_share = hourly as f64 / stamped.max(1) as f64;
    Ok(vec![
        Check::new(
            t,
            "MQLs and deals grow in line with new accounts",
            format!("yearly growth within ×{spread:.1} of accounts'"),
            format!("accounts ×{g_acc:.2}, MQLs ×{g_mql:.2}, deals ×{g_deal:.2}"),
            in_line(g_mql) && in_line(g_deal),
        )
        .unless_too_few(
            fewest >= 100.0,
            format!("{fewest} new accounts in the first year"),
        ),
        Check::new(
            t,
            "became_mql_at and became_sql_at carry a time of day",
            "≤ 0.5 % on the exact hour",
            format!("{:.2} % ({hourly} of {stamped})", hourly_share * 100.0),
            hourly_share <= 0.005,
        )
        .unless_too_few(stamped >= 200, format!("{stamped} timestamps")),
        Check::zero(
            t,
            "MQL criteria: score at MQL ≥ 50 and risen since creation",
            criteria,
        ),
        Check::zero(
            t,
            "qualified after the contact existed, SQL after MQL",
            order,
        ),
        Check::zero(t, "funnel consistent with deals and accounts", funnel),
        Check::zero(
            t,
            "contact lifecycle stage follows its latest MQL and its company's deals",
            stage_off,
        ),
        Check::new(
            t,
            "MQL → SQL rate within 13–22 %",
            "0.13–0.22",
            format!("{rate:.3}"),
            (0.13..=0.22).contains(&rate),
        )
        .unless_too_few(contact.len() >= 50, format!("{} MQLs", contact.len())),
    ])
}

pub fn ga_checks(ds: &Dataset) -> Result<Vec<Check>> {
    let t = ga_sessions::TABLE;
    let (mut n, mut bounced, mut inconsistent, mut wrong_campaign) =
        (0usize, 0usize, 0usize, 0usize);
    let mut engaged_durations: Vec<i32> = Vec::new();
    let mut per_weekday = [0u64; 7];
    let mut per_year: HashMap<i64, u64> = HashMap::new();
    let cols = [
        ga_sessions::SESSION_START,
        ga_sessions::MEDIUM,
        ga_sessions::CHANNEL_GROUPING,
        ga_sessions::CAMPAIGN_ID,
        ga_sessions::PAGEVIEWS,
        ga_sessions::DURATION_S,
        ga_sessions::ENGAGED,
        ga_sessions::BOUNCED,
        ga_sessions::LANDING_PAGE,
    ];
    // Bounces by landing-page type: blog posts, product pages, conversion pages.
    let mut by_page = [(0f64, 0f64); 3];
    ds.scan(&cols, |b| {
        let start = b
            .column(0)
            .as_primitive::<TimestampMicrosecondType>()
            .values();
        let medium = b.column(1).as_string::<i32>();
        let grouping = b.column(2).as_string::<i32>();
        let campaign = b.column(3).as_primitive::<Int64Type>();
        let pv = b.column(4).as_primitive::<Int32Type>().values();
        let dur = b.column(5).as_primitive::<Int32Type>().values();
        let engaged = b.column(6).as_boolean();
        let bounce = b.column(7).as_boolean();
        let landing = b.column(8).as_string::<i32>();
        for i in 0..b.num_rows() {
            n += 1;
            let kind = match landing.value(i) {
                p if p.starts_with("/blog") => 0,
                "/pricing" | "/demo" => 2,
                _ => 1,
            };
            by_page[kind].0 += f64::from(u8::from(bounce.value(i)));
            by_page[kind].1 += 1.0;
            let e = engaged.value(i);
            bounced += usize::from(bounce.value(i));
            // GA4: engaged = over 10 s or 2+ page views; bounce is its complement.
            inconsistent += usize::from(e != (dur[i] > 10 || pv[i] >= 2) || e == bounce.value(i));
            let expected_medium = super::ga_sessions::GROUPINGS
                .iter()
                .any(|g| g.0 == grouping.value(i) && g.2 == medium.value(i));
            let paid = matches!(medium.value(i), "cpc" | "paid" | "email");
            wrong_campaign += usize::from(!expected_medium || paid != campaign.is_valid(i));
            if e {
                engaged_durations.push(dur[i]);
            }
            let day = time::day_of(start[i]);
            per_weekday[time::weekday(day) as usize] += 1;
            *per_year.entry(time::civil_from_days(day).0).or_default() += 1;
        }
        Ok(())
    })?;
    engaged_durations.sort_unstable();
    let median = engaged_durations
        .get(engaged_durations.len() / 2)
        .copied()
        .unwrap_or(0);
    let bounce_rate = bounced as f64 / n.max(1) as f64;
    let page_bounce: Vec<f64> = by_page.iter().map(|(b, n)| b / n.max(1.0)).collect();
    let fewest_pages = by_page.iter().map(|p| p.1).fold(f64::MAX, f64::min);
    let weekday = per_weekday[..5].iter().sum::<u64>() as f64 / 5.0;
    let weekend = per_weekday[5..].iter().sum::<u64>() as f64 / 2.0;
    let mut years: Vec<(&i64, &u64)> = per_year.iter().collect();
    years.sort();
    let growth = match (years.get(1), years.get(years.len().saturating_sub(2))) {
        (Some(a), Some(b)) if years.len() >= 4 => {
            (*b.1 as f64 / *a.1 as f64).powf(1.0 / (b.0 - a.0) as f64)
        }
        _ => 0.0,
    };
    Ok(vec![
        Check::new(
            t,
            "bounce by landing page type: blog > product pages > pricing and demo",
            "blog > product > conversion pages, each by ≥ 2 pp",
            format!(
                "{:.1} % / {:.1} % / {:.1} %",
                page_bounce[0] * 100.0,
                page_bounce[1] * 100.0,
                page_bounce[2] * 100.0
            ),
            page_bounce[0] > page_bounce[1] + 0.02 && page_bounce[1] > page_bounce[2] + 0.02,
        )
        .unless_too_few(
            fewest_pages >= 2_000.0,
            format!("{fewest_pages} sessions of a page type"),
        ),
        Check::new(
            t,
            "bounce rate near the B2B SaaS benchmark",
            "0.32–0.58 (≈ 0.44)",
            format!("{bounce_rate:.3}"),
            (0.32..=0.58).contains(&bounce_rate),
        ),
        Check::new(
            t,
            "engaged-session median duration near benchmark",
            "90–280 s (≈ 165)",
            format!("{median} s"),
            (90..=280).contains(&median),
        ),
        Check::zero(t, "engaged / bounced follow GA4's definition", inconsistent),
        Check::zero(
            t,
            "channel grouping matches medium; campaigns only on paid and e-mail traffic",
            wrong_campaign,
        ),
        Check::new(
            t,
            "weekdays busier than weekends",
            "weekday avg > weekend avg",
            format!("{weekday:.0} > {weekend:.0}"),
            weekday > weekend,
        ),
        Check::new(
            t,
            "traffic grows over time",
            "yearly growth 1.2–1.6",
            format!("{growth:.2}"),
            (1.2..=1.6).contains(&growth),
        )
        // Judged between full calendar years: an early cut may not hold two of them.
        .unless_too_few(
            n >= 10_000 && years.len() >= 4,
            format!("{n} sessions over {} calendar years", years.len()),
        ),
    ])
}
