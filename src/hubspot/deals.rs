//! `hubspot_deals`: deals through the default pipeline; amounts follow company size, won deals
//! carry the account's annual contract value and close near the account's creation.

use std::sync::LazyLock;

use arrow::record_batch::RecordBatch;

use super::{CrmPlan, Deal, PORTAL_ID, STAGES};
use crate::arrays::*;
use crate::error::Result;
use crate::schema::{ColType::*, TableSchema, col};
use crate::table::Table;
use crate::world::World;

pub struct DealsTable;

static SCHEMA: LazyLock<TableSchema> = LazyLock::new(|| {
    TableSchema::new(
        "hubspot_deals",
        "HubSpot deals in the default pipeline.",
        "id",
        vec![
            col("id", Int64, "HubSpot deal id."),
            col("portal_id", Int64, "HubSpot portal."),
            col("is_deleted", Bool, "Soft-deleted in HubSpot."),
            col("company_id", Int64, "Associated company."),
            col("contact_id", Int64, "Primary contact."),
            col("property_dealname", Text, "Deal name."),
            col("property_pipeline", Text, "Pipeline.").accepted(&["default"]),
            col("property_dealstage", Text, "Current stage.").accepted(&[
                "appointmentscheduled",
                "qualifiedtobuy",
                "presentationscheduled",
                "decisionmakerboughtin",
                "contractsent",
                "closedwon",
                "closedlost",
            ]),
            col(
                "property_hs_deal_stage_probability",
                Float64,
                "Probability of the stage.",
            ),
            col("property_amount", Money, "Deal value (annual), USD."),
            col(
                "property_createdate",
                Timestamp,
                "When the deal was created.",
            ),
            col(
                "property_closedate",
                Timestamp,
                "When the deal closed; null while open.",
            )
            .nullable(),
            col("property_hubspot_owner_id", Int64, "Owning sales rep."),
        ],
        &[
            ("company_id", "hubspot_companies", "id"),
            ("contact_id", "hubspot_contacts", "id"),
        ],
    )
});

impl Table for DealsTable {
    fn schema(&self) -> &'static TableSchema {
        &SCHEMA
    }

    fn shard_rows(&self, world: &World) -> Vec<u64> {
        let plan = CrmPlan::of(world);
        plan.shards()
            .into_iter()
            .map(|r| plan.companies[r].iter().map(|c| c.deals.len() as u64).sum())
            .collect()
    }

    fn generate(
        &self,
        world: &World,
        shard: usize,
        emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
    ) -> Result<()> {
        let plan = CrmPlan::of(world);
        let r = plan.shards()[shard].clone();
        let (first, last) = (
            plan.companies[r.start].deals.start,
            plan.companies[r.end - 1].deals.end,
        );
        let build = |d: &[Deal]| {
            batch(
                &SCHEMA,
                vec![
                    i64s(d.iter().map(|d| d.id)),
                    i64s(d.iter().map(|_| PORTAL_ID)),
                    bools(d.iter().map(|_| false)),
                    i64s(d.iter().map(|d| plan.companies[d.company as usize].id)),
                    i64s(d.iter().map(|d| plan.contacts[d.contact as usize].id)),
                    texts(d.iter().map(|d| {
                        format!("{} - bar platform", plan.companies[d.company as usize].name)
                    })),
                    texts(d.iter().map(|_| "default")),
                    texts(d.iter().map(|d| STAGES[d.stage as usize].0)),
                    f64s(d.iter().map(|d| STAGES[d.stage as usize].1)),
                    money(d.iter().map(|d| d.amount_cents)),
                    timestamps(d.iter().map(|d| d.created)),
                    timestamps_opt(d.iter().map(|d| d.closed)),
                    i64s(d.iter().map(|d| d.owner)),
                ],
            )
        };
        emit_chunks(&plan.deals[first as usize..last as usize], build, emit)
    }

    fn checks(&self, ds: &crate::validate::Dataset) -> Result<Vec<crate::validate::Check>> {
        super::checks::deal_checks(ds)
    }
}
