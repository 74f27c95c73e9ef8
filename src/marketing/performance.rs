//! `marketing_campaign_performance`: one row per campaign per day it ran — impressions, clicks,
//! spend and conversions with channel-realistic CTR and CPC, paced to the daily budget, with
//! weekly and seasonal swings.

use std::sync::LazyLock;

use arrow::record_batch::RecordBatch;

use crate::arrays::*;
use crate::error::Result;
use crate::plans::Plans;
use crate::plans::marketing::{CHANNEL_KPIS, MarketingPlan};
use crate::profile::Size;
use crate::rng::Rand;
use crate::schema::{ColType::*, TableSchema, col};
use crate::table::Table;
use crate::time;
use crate::world::World;

pub struct PerformanceTable;

/// Campaigns per shard.
const CAMPAIGNS_PER_SHARD: usize = 1_000;

/// Columns of `marketing_campaign_performance`, named once: the schema below and every check refer to these.
pub mod cols {
    use crate::schema::Col;

    pub const TABLE: &str = "marketing_campaign_performance";
    pub const PERFORMANCE_ID: Col = Col::new(TABLE, "performance_id");
    pub const CAMPAIGN_ID: Col = Col::new(TABLE, "campaign_id");
    pub const DATE: Col = Col::new(TABLE, "date");
    pub const IMPRESSIONS: Col = Col::new(TABLE, "impressions");
    pub const CLICKS: Col = Col::new(TABLE, "clicks");
    pub const SPEND: Col = Col::new(TABLE, "spend");
    pub const CONVERSIONS: Col = Col::new(TABLE, "conversions");
}

static SCHEMA: LazyLock<TableSchema> = LazyLock::new(|| {
    TableSchema::new(
        cols::TABLE,
        "Daily delivery and results of each campaign.",
        Size::Scaled {
            dev: 7_500,
            qa: 375_000,
            production: 1_500_000,
        },
        cols::PERFORMANCE_ID,
        vec![
            col(
                cols::PERFORMANCE_ID,
                Int64,
                "Surrogate key of the campaign-day.",
            ),
            col(cols::CAMPAIGN_ID, Int64, "Campaign.").grouped(),
            col(cols::DATE, Date, "Day.").grouped(),
            col(
                cols::IMPRESSIONS,
                Int64,
                "Ads shown (e-mails delivered for e-mail).",
            ),
            col(cols::CLICKS, Int64, "Clicks."),
            col(cols::SPEND, Money, "Spend, USD."),
            col(
                cols::CONVERSIONS,
                Int64,
                "Leads attributed by the platform.",
            ),
        ],
        &[(cols::CAMPAIGN_ID, "marketing_campaigns", "campaign_id")],
    )
});

/// B2B demand: weekdays busier; summer and late-December dips, January and September pushes.
pub fn demand(day: i64) -> f64 {
    let (_, m, d) = time::civil_from_days(day);
    let week = [1.1, 1.15, 1.15, 1.1, 1.0, 0.6, 0.55][time::weekday(day) as usize];
    let season = match (m, d) {
        (12, 20..) => 0.7,
        (1, _) | (9, _) => 1.15,
        (7, _) | (8, _) => 0.9,
        _ => 1.0,
    };
    week * season
}

fn shards(plan: &MarketingPlan) -> Vec<std::ops::Range<usize>> {
    crate::allocate::ranges(plan.campaigns().len(), CAMPAIGNS_PER_SHARD)
}

impl Table for PerformanceTable {
    fn schema(&self) -> &'static TableSchema {
        &SCHEMA
    }

    fn shard_rows(&self, world: &World, plans: &Plans) -> Vec<u64> {
        let plan = &plans.marketing;
        let as_of = world.cfg.as_of;
        shards(plan)
            .into_iter()
            .map(|r| {
                plan.campaigns()[r]
                    .iter()
                    .map(|c| (c.last_day.min(as_of) - c.first_day + 1) as u64)
                    .sum()
            })
            .collect()
    }

    fn generate(
        &self,
        world: &World,
        plans: &Plans,
        shard: usize,
        emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
    ) -> Result<()> {
        let plan = &plans.marketing;
        let build = |r: &[(i64, i64, i32, i64, i64, i64, i64)]| {
            batch(
                &SCHEMA,
                vec![
                    i64s(r.iter().map(|r| r.0)),
                    i64s(r.iter().map(|r| r.1)),
                    dates(r.iter().map(|r| r.2)),
                    i64s(r.iter().map(|r| r.3)),
                    i64s(r.iter().map(|r| r.4)),
                    money(r.iter().map(|r| r.5)),
                    i64s(r.iter().map(|r| r.6)),
                ],
            )
        };
        let mut rows = Batcher::new(build, emit);
        for ci in shards(plan)[shard].clone() {
            let c = &plan.campaigns()[ci];
            let mut rng = Rand::new(
                world.cfg.seed,
                "marketing_campaign_performance",
                c.id as u64,
            );
            let (ctr, cpc, cvr) = CHANNEL_KPIS[c.channel as usize];
            let (ctr, cpc) = (ctr * rng.uniform(0.8, 1.2), cpc * rng.uniform(0.8, 1.2));
            // The days run so far (a campaign's days are its history's, whatever the cut).
            for (k, day) in (c.first_day..=c.last_day.min(world.cfg.as_of)).enumerate() {
                // Pacing: the platform spends close to the budget, less on quiet days.
                let spend =
                    (plan.planned_spend(c, day) * demand(day).min(1.05) * rng.uniform(0.85, 1.0))
                        .round() as i64;
                let clicks = (spend as f64 / 100.0 / (cpc * rng.uniform(0.9, 1.1))).round() as i64;
                let impressions =
                    (clicks as f64 / (ctr * rng.uniform(0.9, 1.1))).round() as i64 + 1;
                let conversions = rng.poisson(clicks as f64 * cvr) as i64;
                rows.push((
                    (plan.perf_offsets()[ci] + k as u64 + 1) as i64,
                    c.id,
                    day as i32,
                    impressions,
                    clicks,
                    spend,
                    conversions,
                ))?;
            }
        }
        rows.finish()
    }
}
