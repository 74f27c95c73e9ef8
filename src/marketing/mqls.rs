//! `marketing_mqls`: contacts that crossed the lead-score threshold, with their source and the
//! funnel after: SQL, deal (opportunity), customer or closed-lost, or disqualified.

use std::sync::LazyLock;

use arrow::record_batch::RecordBatch;

use crate::arrays::*;
use crate::error::Result;
use crate::plans::Plans;
use crate::plans::marketing::{MQL_STATUSES, Mql, TOUCH_CHANNELS};
use crate::profile::Size;
use crate::schema::{ColType::*, TableSchema, col};
use crate::table::Table;
use crate::world::World;

pub struct MqlsTable;

const PER_SHARD: usize = 100_000;

/// Columns of `marketing_mqls`, named once: the schema below and every check refer to these.
pub mod cols {
    use crate::schema::Col;

    pub const TABLE: &str = "marketing_mqls";
    pub const MQL_ID: Col = Col::new(TABLE, "mql_id");
    pub const CONTACT_ID: Col = Col::new(TABLE, "contact_id");
    pub const COMPANY_ID: Col = Col::new(TABLE, "company_id");
    pub const BECAME_MQL_AT: Col = Col::new(TABLE, "became_mql_at");
    pub const LEAD_SCORE_AT_CREATION: Col = Col::new(TABLE, "lead_score_at_creation");
    pub const LEAD_SCORE_AT_MQL: Col = Col::new(TABLE, "lead_score_at_mql");
    pub const SOURCE_CHANNEL: Col = Col::new(TABLE, "source_channel");
    pub const CAMPAIGN_ID: Col = Col::new(TABLE, "campaign_id");
    pub const STATUS: Col = Col::new(TABLE, "status");
    pub const BECAME_SQL_AT: Col = Col::new(TABLE, "became_sql_at");
    pub const DEAL_ID: Col = Col::new(TABLE, "deal_id");
    pub const CONVERTED_ACCOUNT_ID: Col = Col::new(TABLE, "converted_account_id");
}

static SCHEMA: LazyLock<TableSchema> = LazyLock::new(|| {
    TableSchema::new(
        cols::TABLE,
        "Marketing-qualified leads and their progress down the funnel.",
        Size::Scaled {
            dev: 200,
            qa: 20_000,
            production: 80_000,
        },
        cols::MQL_ID,
        vec![
            col(cols::MQL_ID, Int64, "Surrogate key of the MQL."),
            col(cols::CONTACT_ID, Int64, "HubSpot contact that qualified."),
            col(cols::COMPANY_ID, Int64, "Company of the contact."),
            col(
                cols::BECAME_MQL_AT,
                Timestamp,
                "When the lead score crossed the MQL threshold.",
            ),
            col(
                cols::LEAD_SCORE_AT_CREATION,
                Int32,
                "Lead score when the contact was created.",
            ),
            col(
                cols::LEAD_SCORE_AT_MQL,
                Int32,
                "Lead score at qualification (≥ 50).",
            ),
            col(
                cols::SOURCE_CHANNEL,
                Text,
                "Channel of the converting touch.",
            )
            .accepted(&TOUCH_CHANNELS),
            col(
                cols::CAMPAIGN_ID,
                Int64,
                "Campaign of the converting touch.",
            )
            .nullable(),
            col(cols::STATUS, Text, "Furthest funnel stage.").accepted(&MQL_STATUSES),
            col(
                cols::BECAME_SQL_AT,
                Timestamp,
                "When sales accepted the lead.",
            )
            .nullable(),
            col(cols::DEAL_ID, Int64, "Deal opened from the lead.").nullable(),
            col(
                cols::CONVERTED_ACCOUNT_ID,
                Int64,
                "Account created when the deal was won.",
            )
            .nullable(),
        ],
        &[
            (cols::CONTACT_ID, "hubspot_contacts", "id"),
            (cols::COMPANY_ID, "hubspot_companies", "id"),
            (cols::CAMPAIGN_ID, "marketing_campaigns", "campaign_id"),
            (cols::DEAL_ID, "hubspot_deals", "id"),
            (cols::CONVERTED_ACCOUNT_ID, "app_accounts", "account_id"),
        ],
    )
});

fn shards(n: usize) -> Vec<std::ops::Range<usize>> {
    crate::allocate::ranges(n, PER_SHARD)
}

impl Table for MqlsTable {
    fn schema(&self) -> &'static TableSchema {
        &SCHEMA
    }

    fn shard_rows(&self, _world: &World, plans: &Plans) -> Vec<u64> {
        shards(plans.marketing.mqls.len())
            .into_iter()
            .map(|r| r.len() as u64)
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
        let build = |m: &[Mql]| {
            let contact = |m: &Mql| &crm.contacts[m.contact as usize];
            let company = |m: &Mql| &crm.companies[contact(m).company as usize];
            batch(
                &SCHEMA,
                vec![
                    i64s(m.iter().map(|m| m.id)),
                    i64s(m.iter().map(|m| contact(m).id)),
                    i64s(m.iter().map(|m| company(m).id)),
                    timestamps(m.iter().map(|m| m.at)),
                    i32s(m.iter().map(|m| m.score_created)),
                    i32s(m.iter().map(|m| m.score_mql)),
                    texts(m.iter().map(|m| TOUCH_CHANNELS[m.source as usize])),
                    i64s_opt(
                        m.iter()
                            .map(|m| m.campaign.map(|c| plan.campaigns()[c as usize].id)),
                    ),
                    texts(m.iter().map(|m| MQL_STATUSES[m.status as usize])),
                    timestamps_opt(m.iter().map(|m| m.sql_at)),
                    i64s_opt(m.iter().map(|m| m.deal.map(|d| crm.deals[d as usize].id))),
                    i64s_opt(m.iter().map(|m| {
                        (m.status == 3)
                            .then(|| company(m).account.map(|a| world.accounts[a as usize].id))
                            .flatten()
                    })),
                ],
            )
        };
        emit_chunks(
            &plan.mqls[shards(plan.mqls.len())[shard].clone()],
            build,
            emit,
        )
    }
}
