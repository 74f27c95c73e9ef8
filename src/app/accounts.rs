//! `app_accounts`: one row per customer account.

use std::sync::LazyLock;

use arrow::record_batch::RecordBatch;

use crate::arrays::*;
use crate::check::{Check, Dataset, share_check};
use crate::error::Result;
use crate::plans::Plans;
use crate::profile::Size;
use crate::schema::{ColType::*, TableSchema, col};
use crate::table::{Table, account_shards, rows_by_account};
use crate::targets;
use crate::world::{ACCOUNT_STATUSES, INDUSTRIES, TIERS, World, geo::CITIES};

pub struct AccountsTable;

/// Columns of `app_accounts`, named once: the schema below and every check refer to these.
pub mod cols {
    use crate::schema::Col;

    pub const TABLE: &str = "app_accounts";
    pub const ACCOUNT_ID: Col = Col::new(TABLE, "account_id");
    pub const ACCOUNT_NAME: Col = Col::new(TABLE, "account_name");
    pub const DOMAIN: Col = Col::new(TABLE, "domain");
    pub const INDUSTRY: Col = Col::new(TABLE, "industry");
    pub const PLAN_TIER: Col = Col::new(TABLE, "plan_tier");
    pub const MRR: Col = Col::new(TABLE, "mrr");
    pub const BILLING_INTERVAL: Col = Col::new(TABLE, "billing_interval");
    pub const EMPLOYEE_COUNT: Col = Col::new(TABLE, "employee_count");
    pub const HQ_CITY: Col = Col::new(TABLE, "hq_city");
    pub const HQ_STATE: Col = Col::new(TABLE, "hq_state");
    pub const STATUS: Col = Col::new(TABLE, "status");
    pub const CREATED_AT: Col = Col::new(TABLE, "created_at");
    pub const CHURNED_AT: Col = Col::new(TABLE, "churned_at");
}

static SCHEMA: LazyLock<TableSchema> = LazyLock::new(|| {
    TableSchema::new(
        cols::TABLE,
        "Customer accounts of the bar-management platform: one per company.",
        Size::Scaled {
            dev: 100,
            qa: 10_000,
            production: 40_000,
        },
        cols::ACCOUNT_ID,
        vec![
            col(cols::ACCOUNT_ID, Int64, "Surrogate key of the account."),
            col(cols::ACCOUNT_NAME, Text, "Company name."),
            col(cols::DOMAIN, Text, "Company web and e-mail domain."),
            col(cols::INDUSTRY, Text, "Industry of the company.").accepted(&[
                "Restaurant",
                "Bar",
                "Hotel",
                "Other",
            ]),
            col(cols::PLAN_TIER, Text, "Current (or last) plan tier.").accepted(&[
                "basic",
                "pro",
                "enterprise",
            ]),
            col(
                cols::MRR,
                Money,
                "Monthly recurring revenue of the current (or last) plan, USD.",
            ),
            col(cols::BILLING_INTERVAL, Text, "How the account is billed.")
                .accepted(&["month", "year"]),
            col(cols::EMPLOYEE_COUNT, Int32, "Employees of the company."),
            col(cols::HQ_CITY, Text, "City of the headquarters."),
            col(
                cols::HQ_STATE,
                Text,
                "US state of the headquarters (two-letter code).",
            ),
            col(cols::STATUS, Text, "Lifecycle status at the as-of date.")
                .accepted(&["trialing", "active", "churned"]),
            col(cols::CREATED_AT, Timestamp, "When the account signed up."),
            col(
                cols::CHURNED_AT,
                Timestamp,
                "When the account stopped paying; null while a customer.",
            )
            .nullable(),
        ],
        &[],
    )
});

impl Table for AccountsTable {
    fn schema(&self) -> &'static TableSchema {
        &SCHEMA
    }

    fn shard_rows(&self, world: &World, _plans: &Plans) -> Vec<u64> {
        rows_by_account(world, |_| 1)
    }

    fn generate(
        &self,
        world: &World,
        _plans: &Plans,
        shard: usize,
        emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
    ) -> Result<()> {
        let range = account_shards(world)[shard].clone();
        let build = |a: &[crate::world::Account]| {
            batch(
                &SCHEMA,
                vec![
                    i64s(a.iter().map(|a| a.id)),
                    texts(a.iter().map(|a| &a.name)),
                    texts(a.iter().map(|a| &a.domain)),
                    texts(a.iter().map(|a| INDUSTRIES[a.industry as usize])),
                    texts(a.iter().map(|a| TIERS[a.tier as usize])),
                    money(a.iter().map(|a| a.mrr_dollars * 100)),
                    texts(
                        a.iter()
                            .map(|a| if a.annual_billing { "year" } else { "month" }),
                    ),
                    i32s(a.iter().map(|a| a.employees)),
                    texts(a.iter().map(|a| CITIES[a.hq_city as usize].name)),
                    texts(a.iter().map(|a| CITIES[a.hq_city as usize].state)),
                    texts(a.iter().map(|a| ACCOUNT_STATUSES[a.status as usize])),
                    timestamps(a.iter().map(|a| a.created_at)),
                    timestamps_opt(a.iter().map(|a| a.churned_at)),
                ],
            )
        };
        emit_chunks(&world.accounts[range], build, emit)
    }
}

/// The rules of this table, read back from a dataset on disk.
pub fn checks(ds: &Dataset) -> Result<Vec<Check>> {
    let t = cols::TABLE;
    let industry = ds.texts(cols::INDUSTRY)?;
    let tier = ds.texts(cols::PLAN_TIER)?;
    let mrr = ds.cents(cols::MRR)?;
    let created = ds.instants(cols::CREATED_AT)?;
    let tier_idx = |s: &str| TIERS.iter().position(|x| *x == s).unwrap_or(0);
    fn refs(v: &[String]) -> Vec<&str> {
        v.iter().map(String::as_str).collect()
    }
    let mut checks = vec![
        share_check(t, "industry mix", &refs(&industry), &targets::INDUSTRY_MIX),
        share_check(t, "plan tier mix", &refs(&tier), &targets::TIER_MIX),
    ];
    let bad_mrr = tier
        .iter()
        .zip(&mrr)
        .filter(|(t, m)| {
            let (lo, hi) = targets::TIER_MRR[tier_idx(t)];
            **m < lo * 100 || **m > hi * 100
        })
        .count();
    checks.push(Check::zero(
        t,
        "mrr inside its tier's range ($299–999 / 999–2,999 / 2,999–9,999)",
        bad_mrr,
    ));
    // The range is used, not a sliver of it: each tier's largest MRR reaches the upper half.
    let mut top = [(0i64, 0usize); 3];
    for (tr, m) in tier.iter().zip(&mrr) {
        let e = &mut top[tier_idx(tr)];
        e.0 = e.0.max(*m);
        e.1 += 1;
    }
    let reaches = |k: usize| {
        let (lo, hi) = targets::TIER_MRR[k];
        top[k].0 >= (lo + hi) * 50
    };
    let fewest = top.iter().map(|t| t.1).min().unwrap_or(0);
    checks.push(
        Check::new(
            t,
            "mrr spreads over each tier's range (largest in its upper half)",
            "max ≥ $649 / $1,999 / $6,499",
            format!(
                "max ${} / ${} / ${}",
                top[0].0 / 100,
                top[1].0 / 100,
                top[2].0 / 100
            ),
            (0..3).all(reaches),
        )
        .unless_too_few(fewest >= 30, format!("{fewest} accounts in a tier")),
    );

    // Growth: new accounts per year of history (from its start five years before the anchor),
    // compounded yearly rate first → last full year of the cut.
    let start = ds.start_ts;
    let year = (ds.anchor_end_ts - start) / 5;
    let mut per_year = vec![0f64; ((ds.end_ts - start) / year).max(0) as usize];
    let mut outside = 0;
    for &c in &created {
        if c < start || c >= ds.end_ts {
            outside += 1;
        } else if let Some(n) = per_year.get_mut(((c - start) / year) as usize) {
            *n += 1.0;
        }
    }
    checks.push(Check::zero(
        t,
        "created_at inside the history (from five years before the anchor to the cut)",
        outside,
    ));
    // Compounded yearly rate first → last year; its tolerance from the Poisson noise of the two
    // yearly counts (three standard errors). Judged only when "no growth" would fail.
    let (first, last) = (
        per_year.first().copied().unwrap_or(0.0),
        per_year.last().copied().unwrap_or(0.0),
    );
    let gaps = per_year.len().saturating_sub(1).max(1) as f64;
    let growth = (last / first.max(1.0)).powf(1.0 / gaps);
    let se = (1.0 / gaps) * (1.0 / first.max(1.0) + 1.0 / last.max(1.0)).sqrt();
    let tol = 0.05 + 3.0 * se * targets::YEARLY_GROWTH;
    checks.push(
        Check::new(
            t,
            "new accounts grow ~40 % a year",
            format!("{:.2}±{tol:.2}", targets::YEARLY_GROWTH),
            format!("{growth:.2} (per year {per_year:?})"),
            (growth - targets::YEARLY_GROWTH).abs() <= tol,
        )
        .unless_too_few(
            per_year.len() >= 3 && tol < (targets::YEARLY_GROWTH - 1.0) / 2.0,
            format!("{} accounts", created.len()),
        ),
    );
    Ok(checks)
}
