//! `marketing_campaigns`: Google Ads 40 / Meta 30 / LinkedIn 20 / Email 10 %, with dates and
//! budgets that grow with the business.

use std::sync::LazyLock;

use arrow::record_batch::RecordBatch;

use super::{CHANNELS, Campaign, MarketingPlan};
use crate::arrays::*;
use crate::error::Result;
use crate::schema::{ColType::*, TableSchema, col};
use crate::table::Table;
use crate::world::World;

pub struct CampaignsTable;

static SCHEMA: LazyLock<TableSchema> = LazyLock::new(|| {
    TableSchema::new(
        "marketing_campaigns",
        "Paid and e-mail marketing campaigns.",
        "campaign_id",
        vec![
            col("campaign_id", Int64, "Surrogate key of the campaign."),
            col("campaign_name", Text, "Name."),
            col("channel", Text, "Channel.").accepted(&CHANNELS),
            col("objective", Text, "Campaign objective.").accepted(&[
                "lead_generation",
                "awareness",
                "nurture",
            ]),
            col("start_date", Date, "First day."),
            col("end_date", Date, "Last day (inclusive)."),
            col("daily_budget", Money, "Daily budget, USD."),
            col("total_budget", Money, "Budget over the whole run, USD."),
        ],
        &[],
    )
});

impl Table for CampaignsTable {
    fn schema(&self) -> &'static TableSchema {
        &SCHEMA
    }

    fn shard_rows(&self, world: &World) -> Vec<u64> {
        vec![MarketingPlan::of(world).campaigns.len() as u64]
    }

    fn generate(
        &self,
        world: &World,
        _shard: usize,
        emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
    ) -> Result<()> {
        let build = |c: &[Campaign]| {
            batch(
                &SCHEMA,
                vec![
                    i64s(c.iter().map(|c| c.id)),
                    texts(c.iter().map(|c| {
                        format!(
                            "{} {} #{}",
                            crate::time::format_date(c.first_day),
                            CHANNELS[c.channel as usize],
                            c.id % 1000
                        )
                    })),
                    texts(c.iter().map(|c| CHANNELS[c.channel as usize])),
                    texts(c.iter().map(|c| match c.channel {
                        0 | 2 => "lead_generation",
                        1 => "awareness",
                        _ => "nurture",
                    })),
                    dates(c.iter().map(|c| c.first_day as i32)),
                    dates(c.iter().map(|c| c.last_day as i32)),
                    money(c.iter().map(|c| c.daily_budget)),
                    money(c.iter().map(|c| c.daily_budget * c.days() as i64)),
                ],
            )
        };
        emit_chunks(&MarketingPlan::of(world).campaigns, build, emit)
    }

    fn checks(&self, ds: &crate::validate::Dataset) -> Result<Vec<crate::validate::Check>> {
        super::checks::campaign_checks(ds)
    }
}
