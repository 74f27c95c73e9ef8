//! `marketing_mqls`: contacts that crossed the lead-score threshold, with their source and the
//! funnel after: SQL, deal (opportunity), customer or closed-lost, or disqualified.

use std::sync::LazyLock;

use arrow::record_batch::RecordBatch;

use super::{MQL_STATUSES, MarketingPlan, Mql, TOUCH_CHANNELS};
use crate::arrays::*;
use crate::error::Result;
use crate::hubspot::CrmPlan;
use crate::schema::{ColType::*, TableSchema, col};
use crate::table::Table;
use crate::world::World;

pub struct MqlsTable;

const PER_SHARD: usize = 100_000;

static SCHEMA: LazyLock<TableSchema> = LazyLock::new(|| {
    TableSchema::new(
        "marketing_mqls",
        "Marketing-qualified leads and their progress down the funnel.",
        "mql_id",
        vec![
            col("mql_id", Int64, "Surrogate key of the MQL."),
            col("contact_id", Int64, "HubSpot contact that qualified."),
            col("company_id", Int64, "Company of the contact."),
            col(
                "became_mql_at",
                Timestamp,
                "When the lead score crossed the MQL threshold.",
            ),
            col(
                "lead_score_at_creation",
                Int32,
                "Lead score when the contact was created.",
            ),
            col(
                "lead_score_at_mql",
                Int32,
                "Lead score at qualification (≥ 50).",
            ),
            col("source_channel", Text, "Channel of the converting touch.")
                .accepted(&TOUCH_CHANNELS),
            col("campaign_id", Int64, "Campaign of the converting touch.").nullable(),
            col("status", Text, "Furthest funnel stage.").accepted(&MQL_STATUSES),
            col("became_sql_at", Timestamp, "When sales accepted the lead.").nullable(),
            col("deal_id", Int64, "Deal opened from the lead.").nullable(),
            col(
                "converted_account_id",
                Int64,
                "Account created when the deal was won.",
            )
            .nullable(),
        ],
        &[
            ("contact_id", "hubspot_contacts", "id"),
            ("company_id", "hubspot_companies", "id"),
            ("campaign_id", "marketing_campaigns", "campaign_id"),
            ("deal_id", "hubspot_deals", "id"),
            ("converted_account_id", "app_accounts", "account_id"),
        ],
    )
});

fn shards(n: usize) -> Vec<std::ops::Range<usize>> {
    crate::table::ranges(n, PER_SHARD)
}

impl Table for MqlsTable {
    fn schema(&self) -> &'static TableSchema {
        &SCHEMA
    }

    fn shard_rows(&self, world: &World) -> Vec<u64> {
        shards(MarketingPlan::of(world).mqls.len())
            .into_iter()
            .map(|r| r.len() as u64)
            .collect()
    }

    fn generate(
        &self,
        world: &World,
        shard: usize,
        emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
    ) -> Result<()> {
        let plan = MarketingPlan::of(world);
        let crm = CrmPlan::of(world);
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
                            .map(|m| m.campaign.map(|c| plan.campaigns[c as usize].id)),
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

    fn checks(&self, ds: &crate::validate::Dataset) -> Result<Vec<crate::validate::Check>> {
        super::checks::mql_checks(ds)
    }
}
