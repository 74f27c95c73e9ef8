//! `marketing_campaigns`: Google Ads 40 / Meta 30 / LinkedIn 20 / Email 10 %, with dates and
//! budgets that grow with the business.

use std::sync::LazyLock;

use arrow::record_batch::RecordBatch;

use crate::arrays::*;
use crate::error::Result;
use crate::plans::Plans;
use crate::plans::marketing::{CHANNELS, Campaign};
use crate::profile::Size;
use crate::schema::{ColType::*, TableSchema, col};
use crate::table::Table;
use crate::world::World;

pub struct CampaignsTable;

/// Columns of `marketing_campaigns`, named once: the schema below and every check refer to these.
pub mod cols {
    use crate::schema::Col;

    pub const TABLE: &str = "marketing_campaigns";
    pub const CAMPAIGN_ID: Col = Col::new(TABLE, "campaign_id");
    pub const CAMPAIGN_NAME: Col = Col::new(TABLE, "campaign_name");
    pub const CHANNEL: Col = Col::new(TABLE, "channel");
    pub const OBJECTIVE: Col = Col::new(TABLE, "objective");
    pub const START_DATE: Col = Col::new(TABLE, "start_date");
    pub const END_DATE: Col = Col::new(TABLE, "end_date");
    pub const DAILY_BUDGET: Col = Col::new(TABLE, "daily_budget");
    pub const TOTAL_BUDGET: Col = Col::new(TABLE, "total_budget");
}

static SCHEMA: LazyLock<TableSchema> = LazyLock::new(|| {
    TableSchema::new(
        cols::TABLE,
        "Paid and e-mail marketing campaigns.",
        Size::Scaled {
            dev: 25,
            qa: 1_250,
            production: 5_000,
        },
        cols::CAMPAIGN_ID,
        vec![
            col(cols::CAMPAIGN_ID, Int64, "Surrogate key of the campaign."),
            col(cols::CAMPAIGN_NAME, Text, "Name."),
            col(cols::CHANNEL, Text, "Channel.").accepted(&CHANNELS),
            col(cols::OBJECTIVE, Text, "Campaign objective.").accepted(&[
                "lead_generation",
                "awareness",
                "nurture",
            ]),
            col(cols::START_DATE, Date, "First day."),
            col(cols::END_DATE, Date, "Last day (inclusive)."),
            col(cols::DAILY_BUDGET, Money, "Daily budget, USD."),
            col(cols::TOTAL_BUDGET, Money, "Budget over the whole run, USD."),
        ],
        &[],
    )
});

impl Table for CampaignsTable {
    fn schema(&self) -> &'static TableSchema {
        &SCHEMA
    }

    fn shard_rows(&self, _world: &World, plans: &Plans) -> Vec<u64> {
        vec![plans.marketing.campaigns().len() as u64]
    }

    fn generate(
        &self,
        _world: &World,
        plans: &Plans,
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
        emit_chunks(plans.marketing.campaigns(), build, emit)
    }
}
