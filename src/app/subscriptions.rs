//! `app_subscriptions`: each account's plan history — trial, upgrades, downgrades, churn — as
//! contiguous periods: a period ends exactly when the next one starts.

use std::collections::HashMap;
use std::sync::LazyLock;

use arrow::record_batch::RecordBatch;

use crate::app::accounts::cols as app_accounts;
use crate::arrays::*;
use crate::check::{Check, Dataset};
use crate::error::Result;
use crate::plans::Plans;
use crate::profile::Size;
use crate::schema::{ColType::*, TableSchema, col};
use crate::table::{Table, account_shards, rows_by_account};
use crate::targets;
use crate::world::{
    CHANGE_TYPES, END_REASONS, SUBSCRIPTION_STATUSES, Subscription, TIER_EMPLOYEES, TIERS, World,
};

pub struct SubscriptionsTable;

/// Columns of `app_subscriptions`, named once: the schema below and every check refer to these.
pub mod cols {
    use crate::schema::Col;

    pub const TABLE: &str = "app_subscriptions";
    pub const SUBSCRIPTION_ID: Col = Col::new(TABLE, "subscription_id");
    pub const ACCOUNT_ID: Col = Col::new(TABLE, "account_id");
    pub const PLAN_TIER: Col = Col::new(TABLE, "plan_tier");
    pub const BILLING_INTERVAL: Col = Col::new(TABLE, "billing_interval");
    pub const MRR: Col = Col::new(TABLE, "mrr");
    pub const STATUS: Col = Col::new(TABLE, "status");
    pub const CHANGE_TYPE: Col = Col::new(TABLE, "change_type");
    pub const TRIAL_START: Col = Col::new(TABLE, "trial_start");
    pub const TRIAL_END: Col = Col::new(TABLE, "trial_end");
    pub const STARTED_AT: Col = Col::new(TABLE, "started_at");
    pub const ENDED_AT: Col = Col::new(TABLE, "ended_at");
    pub const END_REASON: Col = Col::new(TABLE, "end_reason");
}

static SCHEMA: LazyLock<TableSchema> = LazyLock::new(|| {
    TableSchema::new(
        cols::TABLE,
        "Plan periods of each account: a new row at sign-up and at every plan change.",
        Size::Scaled {
            dev: 125,
            qa: 12_500,
            production: 50_000,
        },
        cols::SUBSCRIPTION_ID,
        vec![
            col(
                cols::SUBSCRIPTION_ID,
                Int64,
                "Surrogate key of the plan period.",
            ),
            col(cols::ACCOUNT_ID, Int64, "Account subscribed.").grouped(),
            col(cols::PLAN_TIER, Text, "Plan tier of the period.").accepted(&[
                "basic",
                "pro",
                "enterprise",
            ]),
            col(cols::BILLING_INTERVAL, Text, "Billing interval.").accepted(&["month", "year"]),
            col(
                cols::MRR,
                Money,
                "Monthly recurring revenue of the period, USD.",
            ),
            col(cols::STATUS, Text, "Status at the as-of date.")
                .accepted(&["trialing", "active", "past_due", "canceled"]),
            col(
                cols::CHANGE_TYPE,
                Text,
                "How the period began: upgrade is a higher tier or more units and add-ons.",
            )
            .accepted(&["new", "upgrade", "downgrade"]),
            col(
                cols::TRIAL_START,
                Timestamp,
                "Start of the free trial, if the period began with one.",
            )
            .nullable(),
            col(cols::TRIAL_END, Timestamp, "End of the free trial.").nullable(),
            col(cols::STARTED_AT, Timestamp, "Start of the period."),
            col(
                cols::ENDED_AT,
                Timestamp,
                "End of the period; null while current.",
            )
            .nullable(),
            col(cols::END_REASON, Text, "Why the period ended.")
                .nullable()
                .accepted(&["upgrade", "downgrade", "churn", "trial_expired"]),
        ],
        &[(cols::ACCOUNT_ID, "app_accounts", "account_id")],
    )
});

impl Table for SubscriptionsTable {
    fn schema(&self) -> &'static TableSchema {
        &SCHEMA
    }

    fn shard_rows(&self, world: &World, _plans: &Plans) -> Vec<u64> {
        rows_by_account(world, |a| a.subscriptions.len() as u64)
    }

    fn generate(
        &self,
        world: &World,
        _plans: &Plans,
        shard: usize,
        emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
    ) -> Result<()> {
        let r = account_shards(world)[shard].clone();
        let first = world.accounts[r.start].subscriptions.start as usize;
        let last = world.accounts[r.end - 1].subscriptions.end as usize;
        let build = |s: &[Subscription]| {
            batch(
                &SCHEMA,
                vec![
                    i64s(s.iter().map(|s| s.id)),
                    i64s(s.iter().map(|s| world.accounts[s.account as usize].id)),
                    texts(s.iter().map(|s| TIERS[s.tier as usize])),
                    texts(s.iter().map(|s| if s.annual { "year" } else { "month" })),
                    money(s.iter().map(|s| s.mrr_dollars * 100)),
                    texts(s.iter().map(|s| SUBSCRIPTION_STATUSES[s.status as usize])),
                    texts(s.iter().map(|s| CHANGE_TYPES[s.change as usize])),
                    timestamps_opt(s.iter().map(|s| s.trial_end.map(|_| s.started_at))),
                    timestamps_opt(s.iter().map(|s| s.trial_end)),
                    timestamps(s.iter().map(|s| s.started_at)),
                    timestamps_opt(s.iter().map(|s| s.ended_at)),
                    texts_opt(
                        s.iter()
                            .map(|s| s.end_reason.map(|r| END_REASONS[r as usize])),
                    ),
                ],
            )
        };
        emit_chunks(&world.subscriptions[first..last], build, emit)
    }
}

/// The rules of this table, read back from a dataset on disk.
/// Accounts whose employee count lies outside the range of every tier they held: employees
/// are drawn by tier, and an account that changed tier since may sit in the range of either.
fn employees_outside_tiers(ds: &Dataset) -> Result<usize> {
    let ids = ds.i64s(app_accounts::ACCOUNT_ID)?;
    let employees = ds.i32s(app_accounts::EMPLOYEE_COUNT)?;
    let tier_idx = |s: &str| TIERS.iter().position(|x| *x == s).unwrap_or(0);
    let mut held: HashMap<i64, Vec<usize>> = HashMap::new();
    for (a, t) in ds
        .i64s(cols::ACCOUNT_ID)?
        .into_iter()
        .zip(ds.texts(cols::PLAN_TIER)?)
    {
        held.entry(a).or_default().push(tier_idx(&t));
    }
    Ok((0..ids.len())
        .filter(|&i| {
            let fits = |t: &usize| {
                let (lo, hi) = TIER_EMPLOYEES[*t];
                (lo..=hi).contains(&i64::from(employees[i]))
            };
            !held.get(&ids[i]).is_some_and(|ts| ts.iter().any(fits))
        })
        .count())
}

pub fn checks(ds: &Dataset) -> Result<Vec<Check>> {
    let t = cols::TABLE;
    let accounts = ds.index(app_accounts::ACCOUNT_ID)?;
    let a_created = ds.instants(app_accounts::CREATED_AT)?;
    let a_churned = ds.timestamps(app_accounts::CHURNED_AT)?;
    let a_tier = ds.texts(app_accounts::PLAN_TIER)?;
    let a_mrr = ds.cents(app_accounts::MRR)?;
    let account = ds.i64s(cols::ACCOUNT_ID)?;
    let tier = ds.texts(cols::PLAN_TIER)?;
    let mrr = ds.cents(cols::MRR)?;
    let started = ds.instants(cols::STARTED_AT)?;
    let ended = ds.timestamps(cols::ENDED_AT)?;
    let trial_end = ds.timestamps(cols::TRIAL_END)?;
    let reason = ds.strings(cols::END_REASON)?;
    let mut by_account: Vec<Vec<usize>> = vec![Vec::new(); a_created.len()];
    for (i, k) in account.iter().enumerate() {
        if let Some(&a) = accounts.get(k) {
            by_account[a].push(i);
        }
    }
    let (mut gaps, mut mismatched) = (0, 0);
    let (mut paid_years, mut churns, mut trials, mut converted) = (0f64, 0u64, 0u64, 0u64);
    for (a, subs) in by_account.iter_mut().enumerate() {
        subs.sort_by_key(|&i| started[i]);
        let Some(&last) = subs.last() else {
            gaps += 1;
            continue;
        };
        gaps += usize::from(started[subs[0]] != a_created[a]);
        gaps += subs
            .windows(2)
            .filter(|w| ended[w[0]] != Some(started[w[1]]))
            .count();
        mismatched += usize::from(
            tier[last] != a_tier[a] || mrr[last] != a_mrr[a] || ended[last] != a_churned[a],
        );
        let first = subs[0];
        if let Some(te) = trial_end[first].filter(|&te| te < ds.end_ts) {
            trials += 1;
            let lost = reason[first].as_deref() == Some("trial_expired");
            converted += u64::from(!lost);
            if !lost {
                paid_years += (a_churned[a].unwrap_or(ds.end_ts) - te) as f64;
            }
        } else if trial_end[first].is_none() {
            paid_years += (a_churned[a].unwrap_or(ds.end_ts) - a_created[a]) as f64;
        }
        churns += u64::from(reason[last].as_deref() == Some("churn"));
    }
    paid_years /= 365.25 * crate::time::MICROS_PER_DAY as f64;
    let bad_mrr = tier
        .iter()
        .zip(&mrr)
        .filter(|(t, m)| {
            let (lo, hi) = targets::TIER_MRR[TIERS.iter().position(|x| x == t).unwrap_or(0)];
            **m < lo * 100 || **m > hi * 100
        })
        .count();
    let churn = churns as f64 / paid_years.max(1e-9);
    let conversion = converted as f64 / trials.max(1) as f64;
    // Tolerances: a point plus three standard errors; judged only when they are under half
    // the target (so that no churn, or half the conversion, fails).
    let (churn_target, conv_target) = (targets::ANNUAL_CHURN, targets::TRIAL_CONVERSION);
    let churn_tol = 0.01 + 3.0 * (churn_target / paid_years.max(1.0)).sqrt();
    let conv_tol = 0.02 + 3.0 * (conv_target * (1.0 - conv_target) / trials.max(1) as f64).sqrt();
    // Net revenue retention by tier, pooled over the last three years: paying MRR a year later
    // over paying MRR at the start, accounts by their tier at the start (out of trial).
    let paying_at = |subs: &[usize], at: i64| {
        subs.iter().copied().find(|&i| {
            started[i] <= at
                && ended[i].is_none_or(|e| e > at)
                && trial_end[i].is_none_or(|te| te <= at)
        })
    };
    let (mut before, mut after, mut cohort) = ([0i64; 3], [0i64; 3], [0usize; 3]);
    for k in 1..=3 {
        let t0 = ds.end_ts - k * 365 * crate::time::MICROS_PER_DAY;
        let t1 = t0 + 365 * crate::time::MICROS_PER_DAY - 1;
        for subs in &by_account {
            let Some(i) = paying_at(subs, t0) else {
                continue;
            };
            let tr = TIERS.iter().position(|x| *x == tier[i]).unwrap_or(0);
            before[tr] += mrr[i];
            after[tr] += paying_at(subs, t1).map_or(0, |j| mrr[j]);
            cohort[tr] += 1;
        }
    }
    let nrr: Vec<f64> = (0..3)
        .map(|tr| after[tr] as f64 / before[tr].max(1) as f64)
        .collect();
    let nrr_ok = (0..3).all(|tr| (nrr[tr] - targets::NRR[tr]).abs() <= targets::NRR_TOLERANCE);
    let smallest = *cohort.iter().min().unwrap_or(&0);
    let employees_off = employees_outside_tiers(ds)?;
    Ok(vec![
        Check::zero(
            t,
            "account employee_count inside the range of a tier it held (5–500)",
            employees_off,
        ),
        Check::new(
            t,
            "MRR expansion: net revenue retention by tier",
            format!(
                "{} ±{:.0} pp",
                (0..3)
                    .map(|tr| format!("{} {:.0} %", TIERS[tr], targets::NRR[tr] * 100.0))
                    .collect::<Vec<_>>()
                    .join(" / "),
                targets::NRR_TOLERANCE * 100.0
            ),
            format!(
                "{} (cohorts {cohort:?}, last 3 years)",
                (0..3)
                    .map(|tr| format!("{:.1} %", nrr[tr] * 100.0))
                    .collect::<Vec<_>>()
                    .join(" / ")
            ),
            nrr_ok,
        )
        .unless_too_few(
            smallest >= 250,
            format!("{smallest} accounts in the smallest tier cohort"),
        ),
        Check::zero(
            t,
            "continuity: starts at sign-up, each period ends as the next starts",
            gaps,
        ),
        Check::zero(
            t,
            "latest period matches the account's tier, mrr and churn",
            mismatched,
        ),
        Check::zero(t, "mrr inside its tier's range", bad_mrr),
        Check::new(
            t,
            "annual churn of paying accounts ~10 %",
            format!("{churn_target:.3}±{churn_tol:.3}"),
            format!("{churn:.3} ({churns} churns / {paid_years:.0} paid years)"),
            (churn - churn_target).abs() <= churn_tol,
        )
        .unless_too_few(
            churn_tol < churn_target / 2.0,
            format!("{paid_years:.1} paid years"),
        ),
        Check::new(
            t,
            "trial-to-paid conversion ~70 %",
            format!("{conv_target:.2}±{conv_tol:.2}"),
            format!("{conversion:.3} ({converted}/{trials})"),
            (conversion - conv_target).abs() <= conv_tol,
        )
        .unless_too_few(conv_tol < conv_target / 4.0, format!("{trials} trials")),
    ])
}
