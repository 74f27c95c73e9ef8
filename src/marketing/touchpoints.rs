//! `marketing_attribution_touchpoints`: the multi-touch journey before each conversion (an MQL
//! or an account sign-up) with the conversion's declared attribution model; the weights of each
//! conversion sum to exactly 1 (in millionths).

use std::sync::LazyLock;

use arrow::record_batch::RecordBatch;

use crate::arrays::*;
use crate::error::Result;
use crate::plans::Plans;
use crate::plans::marketing::{CHANNELS, MODELS, TOUCH_CHANNELS, weights_micro};
use crate::profile::Size;
use crate::rng::Rand;
use crate::schema::{ColType::*, TableSchema, col};
use crate::table::Table;
use crate::time::MICROS_PER_DAY;
use crate::world::World;

pub struct TouchpointsTable;

const CONVERSIONS_PER_SHARD: usize = 20_000;
const TOUCH_SHARES: [f64; 7] = [30.0, 20.0, 15.0, 15.0, 10.0, 5.0, 5.0];

/// Columns of `marketing_attribution_touchpoints`, named once: the schema below and every check refer to these.
pub mod cols {
    use crate::schema::Col;

    pub const TABLE: &str = "marketing_attribution_touchpoints";
    pub const TOUCHPOINT_ID: Col = Col::new(TABLE, "touchpoint_id");
    pub const CONVERSION_ID: Col = Col::new(TABLE, "conversion_id");
    pub const CONVERSION_TYPE: Col = Col::new(TABLE, "conversion_type");
    pub const MQL_ID: Col = Col::new(TABLE, "mql_id");
    pub const ACCOUNT_ID: Col = Col::new(TABLE, "account_id");
    pub const CONTACT_ID: Col = Col::new(TABLE, "contact_id");
    pub const TOUCHED_AT: Col = Col::new(TABLE, "touched_at");
    pub const CONVERTED_AT: Col = Col::new(TABLE, "converted_at");
    pub const CHANNEL: Col = Col::new(TABLE, "channel");
    pub const CAMPAIGN_ID: Col = Col::new(TABLE, "campaign_id");
    pub const TOUCH_NUMBER: Col = Col::new(TABLE, "touch_number");
    pub const TOUCH_COUNT: Col = Col::new(TABLE, "touch_count");
    pub const ATTRIBUTION_MODEL: Col = Col::new(TABLE, "attribution_model");
    pub const ATTRIBUTION_WEIGHT: Col = Col::new(TABLE, "attribution_weight");
}

static SCHEMA: LazyLock<TableSchema> = LazyLock::new(|| {
    TableSchema::new(
        cols::TABLE,
        "Marketing touches on the journey to each conversion, with attribution weights.",
        Size::Scaled {
            dev: 15_000,
            qa: 750_000,
            production: 3_000_000,
        },
        cols::TOUCHPOINT_ID,
        vec![
            col(cols::TOUCHPOINT_ID, Int64, "Surrogate key of the touch."),
            col(
                cols::CONVERSION_ID,
                Text,
                "Conversion the journey led to: mql-<id> or account-<id>.",
            ),
            col(cols::CONVERSION_TYPE, Text, "What converted.").accepted(&["mql", "customer"]),
            col(cols::MQL_ID, Int64, "MQL conversion.")
                .grouped()
                .nullable(),
            col(cols::ACCOUNT_ID, Int64, "Account sign-up conversion.").nullable(),
            col(cols::CONTACT_ID, Int64, "Person touched.").grouped(),
            col(cols::TOUCHED_AT, Timestamp, "When the touch happened."),
            col(
                cols::CONVERTED_AT,
                Timestamp,
                "When the conversion happened.",
            ),
            col(cols::CHANNEL, Text, "Channel of the touch.").accepted(&TOUCH_CHANNELS),
            col(
                cols::CAMPAIGN_ID,
                Int64,
                "Campaign of a paid or e-mail touch.",
            )
            .nullable(),
            col(
                cols::TOUCH_NUMBER,
                Int32,
                "Position in the journey, from 1.",
            ),
            col(cols::TOUCH_COUNT, Int32, "Touches in the journey."),
            col(cols::ATTRIBUTION_MODEL, Text, "Model the weights follow.").accepted(&MODELS),
            col(
                cols::ATTRIBUTION_WEIGHT,
                Float64,
                "Credit of this touch; a conversion's weights sum to 1.",
            ),
        ],
        &[
            (cols::MQL_ID, "marketing_mqls", "mql_id"),
            (cols::ACCOUNT_ID, "app_accounts", "account_id"),
            (cols::CONTACT_ID, "hubspot_contacts", "id"),
            (cols::CAMPAIGN_ID, "marketing_campaigns", "campaign_id"),
        ],
    )
});

fn shards(n: usize) -> Vec<std::ops::Range<usize>> {
    crate::allocate::ranges(n, CONVERSIONS_PER_SHARD)
}

struct Row {
    id: i64,
    conversion: String,
    mql: Option<i64>,
    account: Option<i64>,
    contact: i64,
    at: i64,
    converted: i64,
    channel: u8,
    campaign: Option<i64>,
    number: i32,
    count: i32,
    model: u8,
    weight: f64,
}

impl Table for TouchpointsTable {
    fn schema(&self) -> &'static TableSchema {
        &SCHEMA
    }

    fn shard_rows(&self, _world: &World, plans: &Plans) -> Vec<u64> {
        let plan = &plans.marketing;
        shards(plan.conversions.len())
            .into_iter()
            .map(|r| plan.conversions[r].iter().map(|c| c.touches).sum())
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
        let crm = &plans.crm;
        let build = |r: &[Row]| {
            batch(
                &SCHEMA,
                vec![
                    i64s(r.iter().map(|r| r.id)),
                    texts(r.iter().map(|r| &r.conversion)),
                    texts(
                        r.iter()
                            .map(|r| if r.mql.is_some() { "mql" } else { "customer" }),
                    ),
                    i64s_opt(r.iter().map(|r| r.mql)),
                    i64s_opt(r.iter().map(|r| r.account)),
                    i64s(r.iter().map(|r| r.contact)),
                    timestamps(r.iter().map(|r| r.at)),
                    timestamps(r.iter().map(|r| r.converted)),
                    texts(r.iter().map(|r| TOUCH_CHANNELS[r.channel as usize])),
                    i64s_opt(r.iter().map(|r| r.campaign)),
                    i32s(r.iter().map(|r| r.number)),
                    i32s(r.iter().map(|r| r.count)),
                    texts(r.iter().map(|r| MODELS[r.model as usize])),
                    f64s(r.iter().map(|r| r.weight)),
                ],
            )
        };
        let mut rows = Batcher::new(build, emit);
        for ci in shards(plan.conversions.len())[shard].clone() {
            let c = &plan.conversions[ci];
            // The conversion's place in the history: the same touches in every cut.
            let mut rng = Rand::new(world.cfg.seed, "marketing_attribution_touchpoints", c.key);
            let n = c.touches as usize;
            // Touches over the 90 days before the conversion; the last one converts.
            let mut times: Vec<i64> = (0..n - 1)
                .map(|_| c.at - rng.range(MICROS_PER_DAY / 24, 90 * MICROS_PER_DAY))
                .collect();
            times.sort_unstable();
            times.push(c.at);
            let days: Vec<f64> = times
                .iter()
                .map(|t| (c.at - t) as f64 / MICROS_PER_DAY as f64)
                .collect();
            let weights = weights_micro(c.model, &days);
            let (conversion, mql, account) = match (c.mql, c.account) {
                (Some(m), _) => {
                    let id = plan.mqls[m as usize].id;
                    (format!("mql-{id}"), Some(id), None)
                }
                (_, Some(a)) => {
                    let id = world.accounts[a as usize].id;
                    (format!("account-{id}"), None, Some(id))
                }
                _ => unreachable!("a conversion is an MQL or an account"),
            };
            for (k, (&at, &w)) in times.iter().zip(&weights).enumerate() {
                let (channel, campaign) = match c.last {
                    Some(last) if k + 1 == n => last,
                    _ => {
                        let ch = rng.weighted(&TOUCH_SHARES) as u8;
                        let camp = if (ch as usize) < CHANNELS.len() {
                            plan.active_campaign(ch, at, rng.u64())
                        } else {
                            None
                        };
                        // A paid channel with no campaign running that day was organic search.
                        if (ch as usize) < CHANNELS.len() && camp.is_none() {
                            (4, None)
                        } else {
                            (ch, camp)
                        }
                    }
                };
                rows.push(Row {
                    id: (c.offset + k as u64 + 1) as i64,
                    conversion: conversion.clone(),
                    mql,
                    account,
                    contact: crm.contacts[c.contact as usize].id,
                    at,
                    converted: c.at,
                    channel,
                    campaign: campaign.map(|x| plan.campaigns()[x as usize].id),
                    number: k as i32 + 1,
                    count: n as i32,
                    model: c.model,
                    weight: w as f64 / 1e6,
                })?;
            }
        }
        rows.finish()
    }
}
