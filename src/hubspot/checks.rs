//! Rules of the HubSpot tables read back from disk, one per TEST line of plan steps 17–21.

use std::collections::HashMap;

use arrow::array::Array;

use crate::app::accounts::cols as app_accounts;
use crate::app::devices::cols as app_devices;
use crate::app::subscriptions::cols as app_subscriptions;
use crate::check::{Check, Dataset};
use crate::error::Result;
use crate::hubspot::companies::cols as hubspot_companies;
use crate::hubspot::contacts::cols as hubspot_contacts;
use crate::hubspot::deals::cols as hubspot_deals;
use crate::hubspot::engagements::cols as hubspot_engagements;
use crate::hubspot::tickets::cols as hubspot_tickets;
use crate::time::MICROS_PER_DAY;

pub fn company_checks(ds: &Dataset) -> Result<Vec<Check>> {
    let t = hubspot_companies::TABLE;
    let accounts = ds.index(app_accounts::ACCOUNT_ID)?;
    let a_industry = ds.texts(app_accounts::INDUSTRY)?;
    let a_domain = ds.texts(app_accounts::DOMAIN)?;
    let account = ds.column(hubspot_companies::ACCOUNT_ID)?;
    let account = arrow::array::AsArray::as_primitive::<arrow::datatypes::Int64Type>(&account);
    let industry = ds.texts(hubspot_companies::PROPERTY_INDUSTRY)?;
    let domain = ds.texts(hubspot_companies::PROPERTY_DOMAIN)?;
    let stage = ds.texts(hubspot_companies::PROPERTY_LIFECYCLESTAGE)?;
    let mut per_account = vec![0u32; a_domain.len()];
    let (mut mismatched, mut prospects) = (0, 0);
    for i in 0..industry.len() {
        match account
            .is_valid(i)
            .then(|| account.value(i))
            .and_then(|k| accounts.get(&k))
        {
            Some(&a) => {
                per_account[a] += 1;
                mismatched += usize::from(
                    industry[i] != a_industry[a]
                        || domain[i] != a_domain[a]
                        || stage[i] != "customer",
                );
            }
            None => {
                prospects += 1;
                mismatched += usize::from(stage[i] == "customer");
            }
        }
    }
    let uncovered = per_account.iter().filter(|&&n| n != 1).count();
    Ok(vec![
        Check::zero(
            t,
            "every account is exactly one customer company",
            uncovered,
        ),
        Check::zero(
            t,
            "customers match their account's industry and domain",
            mismatched,
        ),
        Check::new(
            t,
            "prospects besides customers",
            "> 0",
            prospects.to_string(),
            prospects > 0,
        )
        .unless_too_few(
            industry.len() > a_domain.len(),
            format!(
                "{} companies for {} accounts",
                industry.len(),
                a_domain.len()
            ),
        ),
    ])
}

pub fn contact_checks(ds: &Dataset) -> Result<Vec<Check>> {
    let t = hubspot_contacts::TABLE;
    let companies = ds.index(hubspot_companies::ID)?;
    let c_domain = ds.texts(hubspot_companies::PROPERTY_DOMAIN)?;
    let c_created = ds.instants(hubspot_companies::PROPERTY_CREATEDATE)?;
    let company = ds.i64s(hubspot_contacts::COMPANY_ID)?;
    let email = ds.texts(hubspot_contacts::PROPERTY_EMAIL)?;
    let created = ds.instants(hubspot_contacts::PROPERTY_CREATEDATE)?;
    let score = ds.i32s(hubspot_contacts::PROPERTY_HUBSPOTSCORE)?;
    let mut per_company = vec![0u32; c_domain.len()];
    let (mut bad_email, mut early, mut bad_score) = (0, 0, 0);
    for i in 0..company.len() {
        let Some(&c) = companies.get(&company[i]) else {
            continue;
        };
        per_company[c] += 1;
        bad_email +=
            usize::from(email[i].rsplit_once('@').map(|x| x.1) != Some(c_domain[c].as_str()));
        early += usize::from(created[i] < c_created[c]);
        bad_score += usize::from(!(0..=100).contains(&score[i]));
    }
    // Lead-score distribution: spread over the scale, customers' people scoring higher than
    // prospects' (plan step 18).
    let c_account = ds.column(hubspot_companies::ACCOUNT_ID)?;
    let (mut cust, mut pros) = ((0f64, 0f64), (0f64, 0f64));
    for i in 0..company.len() {
        if let Some(&c) = companies.get(&company[i]) {
            let side = if c_account.is_valid(c) {
                &mut cust
            } else {
                &mut pros
            };
            side.0 += f64::from(score[i]);
            side.1 += 1.0;
        }
    }
    let n = score.len().max(1) as f64;
    let mean = score.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let sd = (score
        .iter()
        .map(|&v| (f64::from(v) - mean).powi(2))
        .sum::<f64>()
        / n)
        .sqrt();
    let (cm, pm) = (cust.0 / cust.1.max(1.0), pros.0 / pros.1.max(1.0));
    Ok(vec![
        Check::new(
            t,
            "lead scores spread, customers' contacts above prospects'",
            "sd ≥ 10 points; customer mean > prospect mean + 10",
            format!("sd {sd:.1}; {cm:.1} vs {pm:.1}"),
            sd >= 10.0 && cm > pm + 10.0,
        )
        .unless_too_few(
            cust.1 >= 30.0 && pros.1 >= 30.0,
            format!("{} / {} contacts", cust.1, pros.1),
        ),
        Check::zero(
            t,
            "every company has contacts",
            per_company.iter().filter(|&&n| n == 0).count(),
        ),
        Check::zero(t, "e-mail on the company's domain", bad_email),
        Check::zero(t, "created after the company", early),
        Check::zero(t, "lead score within 0–100", bad_score),
    ])
}

pub fn deal_checks(ds: &Dataset) -> Result<Vec<Check>> {
    let t = hubspot_deals::TABLE;
    let companies = ds.index(hubspot_companies::ID)?;
    let c_account = ds.column(hubspot_companies::ACCOUNT_ID)?;
    let c_account =
        arrow::array::AsArray::as_primitive::<arrow::datatypes::Int64Type>(&c_account).clone();
    let c_employees = ds.i32s(hubspot_companies::PROPERTY_NUMBEROFEMPLOYEES)?;
    let accounts = ds.index(app_accounts::ACCOUNT_ID)?;
    let a_created = ds.instants(app_accounts::CREATED_AT)?;
    let company = ds.i64s(hubspot_deals::COMPANY_ID)?;
    let stage = ds.texts(hubspot_deals::PROPERTY_DEALSTAGE)?;
    let prob = ds.column(hubspot_deals::PROPERTY_HS_DEAL_STAGE_PROBABILITY)?;
    let prob = arrow::array::AsArray::as_primitive::<arrow::datatypes::Float64Type>(&prob)
        .values()
        .to_vec();
    let created = ds.instants(hubspot_deals::PROPERTY_CREATEDATE)?;
    let closed = ds.timestamps(hubspot_deals::PROPERTY_CLOSEDATE)?;
    let amount = ds.cents(hubspot_deals::PROPERTY_AMOUNT)?;
    let first_mrr = first_mrr_cents(ds, &accounts)?;
    let (mut broken, mut won_off, mut won, mut lost) = (0, 0, 0usize, 0usize);
    let mut won_amount_off = 0;
    let (mut big, mut small) = ((0f64, 0f64), (0f64, 0f64));
    for i in 0..stage.len() {
        let p = crate::plans::crm::STAGES
            .iter()
            .find(|s| s.0 == stage[i])
            .map(|s| s.1);
        let is_closed = stage[i].starts_with("closed");
        broken += usize::from(
            p != Some(prob[i])
                || is_closed != closed[i].is_some()
                || closed[i].is_some_and(|c| c < created[i] || c >= ds.end_ts),
        );
        let Some(&c) = companies.get(&company[i]) else {
            continue;
        };
        if stage[i] == "closedwon" {
            won += 1;
            // A customer's winning deal closes within a week before its account is created.
            let account = c_account
                .is_valid(c)
                .then(|| c_account.value(c))
                .and_then(|k| accounts.get(&k));
            won_off += usize::from(account.is_none_or(|&a| {
                closed[i]
                    .is_none_or(|cl| cl > a_created[a] || a_created[a] - cl > 7 * MICROS_PER_DAY)
            }));
            // The deal is signed for the first plan: a year of its MRR, not of a later one.
            won_amount_off +=
                usize::from(account.is_some_and(|&a| first_mrr[a] != Some(amount[i] / 12)));
        } else if stage[i] == "closedlost" {
            lost += 1;
        }
        let bucket = if c_employees[c] > 100 {
            &mut big
        } else {
            &mut small
        };
        bucket.0 += amount[i] as f64;
        bucket.1 += 1.0;
    }
    let win_rate = won as f64 / (won + lost).max(1) as f64;
    let target = crate::targets::WIN_RATE;
    let tol = 0.03 + 2.0 * (target * (1.0 - target) / (won + lost).max(1) as f64).sqrt();
    let (big_avg, small_avg) = (big.0 / big.1.max(1.0), small.0 / small.1.max(1.0));
    // Timestamps carry a time of day, and closes do not pile up on one instant (a clamp).
    let hour = crate::time::MICROS_PER_HOUR;
    let stamps: Vec<i64> = created
        .iter()
        .copied()
        .chain(closed.iter().flatten().copied())
        .collect();
    let on_hour = stamps.iter().filter(|&&t| t.rem_euclid(hour) == 0).count();
    let mut close_counts: HashMap<i64, usize> = HashMap::new();
    for c in closed.iter().flatten() {
        *close_counts.entry(*c).or_default() += 1;
    }
    let piled = close_counts.values().copied().max().unwrap_or(0);
    let on_hour_share = on_hour as f64 / stamps.len().max(1) as f64;
    Ok(vec![
        Check::new(
            t,
            "create and close dates carry a time of day",
            "≤ 0.5 % on the exact hour, ≤ 3 deals closing at one instant",
            format!(
                "{:.2} % on the hour, at most {piled} at one instant",
                on_hour_share * 100.0
            ),
            on_hour_share <= 0.005 && piled <= 3,
        )
        .unless_too_few(stamps.len() >= 200, format!("{} timestamps", stamps.len())),
        Check::zero(
            t,
            "pipeline integrity: stage, probability and close date agree",
            broken,
        ),
        Check::zero(
            t,
            "won deals are customers closing within 7 days before sign-up",
            won_off,
        ),
        Check::zero(
            t,
            "won deal amount is 12 × the account's first MRR",
            won_amount_off,
        ),
        Check::new(
            t,
            "~25 % of closed deals won",
            format!("{target:.2}±{tol:.3}"),
            format!("{win_rate:.3} ({won}/{})", won + lost),
            (win_rate - target).abs() <= tol,
        )
        .unless_too_few(tol < target / 2.0, format!("{} closed deals", won + lost)),
        Check::new(
            t,
            "deal value rises with company size",
            "avg amount (>100 employees) > (≤100)",
            format!("{:.0} > {:.0}", big_avg / 100.0, small_avg / 100.0),
            big_avg > small_avg,
        )
        .unless_too_few(
            big.1 >= 10.0 && small.1 >= 10.0,
            format!("{} / {} deals", big.1, small.1),
        ),
    ])
}

/// Cents of MRR of each account's first subscription (by start), indexed like `accounts`.
fn first_mrr_cents(ds: &Dataset, accounts: &HashMap<i64, usize>) -> Result<Vec<Option<i64>>> {
    let account = ds.i64s(app_subscriptions::ACCOUNT_ID)?;
    let started = ds.instants(app_subscriptions::STARTED_AT)?;
    let mrr = ds.cents(app_subscriptions::MRR)?;
    let rows = accounts.values().max().map_or(0, |&a| a + 1);
    let mut first: Vec<Option<(i64, i64)>> = vec![None; rows];
    for i in 0..account.len() {
        if let Some(&a) = accounts.get(&account[i])
            && first[a].is_none_or(|(t, _)| started[i] < t)
        {
            first[a] = Some((started[i], mrr[i]));
        }
    }
    Ok(first.into_iter().map(|f| f.map(|(_, m)| m)).collect())
}

pub fn engagement_checks(ds: &Dataset) -> Result<Vec<Check>> {
    let t = hubspot_engagements::TABLE;
    let deals = ds.index(hubspot_deals::ID)?;
    let d_company = ds.i64s(hubspot_deals::COMPANY_ID)?;
    let d_created = ds.instants(hubspot_deals::PROPERTY_CREATEDATE)?;
    let d_closed = ds.timestamps(hubspot_deals::PROPERTY_CLOSEDATE)?;
    let d_stage = ds.texts(hubspot_deals::PROPERTY_DEALSTAGE)?;
    let contacts = ds.index(hubspot_contacts::ID)?;
    let ct_company = ds.i64s(hubspot_contacts::COMPANY_ID)?;
    let deal = ds.i64s(hubspot_engagements::DEAL_ID)?;
    let contact = ds.i64s(hubspot_engagements::CONTACT_ID)?;
    let company = ds.i64s(hubspot_engagements::COMPANY_ID)?;
    let at = ds.instants(hubspot_engagements::TIMESTAMP)?;
    let (mut outside, mut wrong_company) = (0, 0);
    let mut per_deal = vec![0u32; d_created.len()];
    for i in 0..deal.len() {
        let Some(&d) = deals.get(&deal[i]) else {
            continue;
        };
        per_deal[d] += 1;
        outside += usize::from(at[i] < d_created[d] || at[i] > d_closed[d].unwrap_or(ds.end_ts));
        wrong_company += usize::from(
            company[i] != d_company[d]
                || contacts
                    .get(&contact[i])
                    .is_none_or(|&c| ct_company[c] != company[i]),
        );
    }
    let mean = |s: &str| {
        let v: Vec<u32> = (0..per_deal.len())
            .filter(|&d| d_stage[d] == s)
            .map(|d| per_deal[d])
            .collect();
        (
            v.iter().sum::<u32>() as f64 / v.len().max(1) as f64,
            v.len(),
        )
    };
    let ((won, nw), (lost, nl)) = (mean("closedwon"), mean("closedlost"));
    Ok(vec![
        Check::zero(t, "engagements inside their deal's life", outside),
        Check::zero(t, "contact and company are the deal's", wrong_company),
        Check::new(
            t,
            "more engagements on won deals than lost",
            "won > lost",
            format!("{won:.1} > {lost:.1}"),
            won > lost,
        )
        .unless_too_few(nw >= 10 && nl >= 10, format!("{nw} won / {nl} lost deals")),
    ])
}

pub fn ticket_checks(ds: &Dataset) -> Result<Vec<Check>> {
    let t = hubspot_tickets::TABLE;
    let companies = ds.index(hubspot_companies::ID)?;
    let c_account = ds.column(hubspot_companies::ACCOUNT_ID)?;
    let c_account =
        arrow::array::AsArray::as_primitive::<arrow::datatypes::Int64Type>(&c_account).clone();
    let company = ds.i64s(hubspot_tickets::COMPANY_ID)?;
    let created = ds.instants(hubspot_tickets::PROPERTY_CREATEDATE)?;
    let reply = ds.timestamps(hubspot_tickets::PROPERTY_FIRST_AGENT_REPLY_DATE)?;
    let closed = ds.timestamps(hubspot_tickets::PROPERTY_CLOSED_DATE)?;
    let stage = ds.texts(hubspot_tickets::PROPERTY_HS_PIPELINE_STAGE)?;
    let (mut bad_order, mut not_customer) = (0, 0);
    let mut per_account: HashMap<i64, u64> = HashMap::new();
    for i in 0..company.len() {
        let ordered = reply[i].is_none_or(|r| r > created[i] && r < ds.end_ts)
            && closed[i].is_none_or(|c| reply[i].is_some_and(|r| c > r) && c < ds.end_ts)
            && (stage[i] == "4") == closed[i].is_some();
        bad_order += usize::from(!ordered);
        match companies
            .get(&company[i])
            .filter(|&&c| c_account.is_valid(c))
        {
            Some(&c) => *per_account.entry(c_account.value(c)).or_default() += 1,
            None => not_customer += 1,
        }
    }
    // Poor device uptime brings more tickets: accounts with offline or maintenance devices.
    let d_account = ds.i64s(app_devices::ACCOUNT_ID)?;
    let d_status = ds.texts(app_devices::STATUS)?;
    let mut poor: HashMap<i64, bool> = HashMap::new();
    for (a, s) in d_account.iter().zip(&d_status) {
        *poor.entry(*a).or_default() |= s != "online";
    }
    let a_ids = ds.i64s(app_accounts::ACCOUNT_ID)?;
    let avg = |want: bool| {
        let v: Vec<u64> = a_ids
            .iter()
            .filter(|a| poor.get(a).copied().unwrap_or(false) == want)
            .map(|a| per_account.get(a).copied().unwrap_or(0))
            .collect();
        (
            v.iter().sum::<u64>() as f64 / v.len().max(1) as f64,
            v.len(),
        )
    };
    let ((with_poor, n1), (without, n2)) = (avg(true), avg(false));
    // Resolution time by priority: the median hours to close fall as priority rises.
    let priority = ds.texts(hubspot_tickets::PROPERTY_HS_TICKET_PRIORITY)?;
    let mut hours: [Vec<f64>; 4] = Default::default();
    for i in 0..created.len() {
        let k = ["LOW", "MEDIUM", "HIGH", "URGENT"]
            .iter()
            .position(|p| *p == priority[i]);
        if let (Some(k), Some(c)) = (k, closed[i]) {
            hours[k].push((c - created[i]) as f64 / crate::time::MICROS_PER_HOUR as f64);
        }
    }
    let medians: Vec<f64> = hours
        .iter_mut()
        .map(|v| {
            v.sort_by(f64::total_cmp);
            v.get(v.len() / 2).copied().unwrap_or(0.0)
        })
        .collect();
    let fewest = hours.iter().map(Vec::len).min().unwrap_or(0);
    Ok(vec![
        Check::new(
            t,
            "resolution time falls with priority",
            "median hours LOW > MEDIUM > HIGH > URGENT",
            medians
                .iter()
                .map(|m| format!("{m:.0}"))
                .collect::<Vec<_>>()
                .join(" > "),
            medians.windows(2).all(|w| w[0] > w[1]),
        )
        .unless_too_few(
            fewest >= 20,
            format!("{fewest} closed tickets in a priority"),
        ),
        Check::zero(
            t,
            "lifecycle: created < first reply < closed, stage agrees",
            bad_order,
        ),
        Check::zero(t, "tickets belong to customer companies", not_customer),
        Check::new(
            t,
            "more tickets where devices have poor uptime",
            "with offline/maintenance devices > without",
            format!("{with_poor:.2} > {without:.2}"),
            with_poor > without,
        )
        .unless_too_few(n1 >= 10 && n2 >= 10, format!("{n1} / {n2} accounts")),
    ])
}
