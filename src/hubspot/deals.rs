//! `hubspot_deals`: deals through the default pipeline; amounts follow company size, won deals
//! carry the account's annual contract value and close near the account's creation.

use std::sync::LazyLock;

use arrow::record_batch::RecordBatch;

use crate::arrays::*;
use crate::error::Result;
use crate::plans::Plans;
use crate::plans::crm::{Deal, PORTAL_ID, STAGES};
use crate::profile::Size;
use crate::schema::{ColType::*, TableSchema, col};
use crate::table::Table;
use crate::world::World;

pub struct DealsTable;

/// Columns of `hubspot_deals`, named once: the schema below and every check refer to these.
pub mod cols {
    use crate::schema::Col;

    pub const TABLE: &str = "hubspot_deals";
    pub const ID: Col = Col::new(TABLE, "id");
    pub const PORTAL_ID: Col = Col::new(TABLE, "portal_id");
    pub const IS_DELETED: Col = Col::new(TABLE, "is_deleted");
    pub const COMPANY_ID: Col = Col::new(TABLE, "company_id");
    pub const CONTACT_ID: Col = Col::new(TABLE, "contact_id");
    pub const PROPERTY_DEALNAME: Col = Col::new(TABLE, "property_dealname");
    pub const PROPERTY_PIPELINE: Col = Col::new(TABLE, "property_pipeline");
    pub const PROPERTY_DEALSTAGE: Col = Col::new(TABLE, "property_dealstage");
    pub const PROPERTY_HS_DEAL_STAGE_PROBABILITY: Col =
        Col::new(TABLE, "property_hs_deal_stage_probability");
    pub const PROPERTY_AMOUNT: Col = Col::new(TABLE, "property_amount");
    pub const PROPERTY_CREATEDATE: Col = Col::new(TABLE, "property_createdate");
    pub const PROPERTY_CLOSEDATE: Col = Col::new(TABLE, "property_closedate");
    pub const PROPERTY_HUBSPOT_OWNER_ID: Col = Col::new(TABLE, "property_hubspot_owner_id");
}

static SCHEMA: LazyLock<TableSchema> = LazyLock::new(|| {
    TableSchema::new(
        cols::TABLE,
        "HubSpot deals in the default pipeline.",
        Size::Scaled {
            dev: 250,
            qa: 25_000,
            production: 100_000,
        },
        cols::ID,
        vec![
            col(cols::ID, Int64, "HubSpot deal id."),
            col(cols::PORTAL_ID, Int64, "HubSpot portal."),
            col(cols::IS_DELETED, Bool, "Soft-deleted in HubSpot."),
            col(cols::COMPANY_ID, Int64, "Associated company."),
            col(cols::CONTACT_ID, Int64, "Primary contact."),
            col(cols::PROPERTY_DEALNAME, Text, "Deal name."),
            col(cols::PROPERTY_PIPELINE, Text, "Pipeline.").accepted(&["default"]),
            col(cols::PROPERTY_DEALSTAGE, Text, "Current stage.").accepted(&[
                "appointmentscheduled",
                "qualifiedtobuy",
                "presentationscheduled",
                "decisionmakerboughtin",
                "contractsent",
                "closedwon",
                "closedlost",
            ]),
            col(
                cols::PROPERTY_HS_DEAL_STAGE_PROBABILITY,
                Float64,
                "Probability of the stage.",
            ),
            col(cols::PROPERTY_AMOUNT, Money, "Deal value (annual), USD."),
            col(
                cols::PROPERTY_CREATEDATE,
                Timestamp,
                "When the deal was created.",
            ),
            col(
                cols::PROPERTY_CLOSEDATE,
                Timestamp,
                "When the deal closed; null while open.",
            )
            .nullable(),
            col(cols::PROPERTY_HUBSPOT_OWNER_ID, Int64, "Owning sales rep."),
        ],
        &[
            (cols::COMPANY_ID, "hubspot_companies", "id"),
            (cols::CONTACT_ID, "hubspot_contacts", "id"),
        ],
    )
});

impl Table for DealsTable {
    fn schema(&self) -> &'static TableSchema {
        &SCHEMA
    }

    fn shard_rows(&self, _world: &World, plans: &Plans) -> Vec<u64> {
        let plan = &plans.crm;
        plan.shards()
            .into_iter()
            .map(|r| plan.companies[r].iter().map(|c| c.deals.len() as u64).sum())
            .collect()
    }

    fn generate(
        &self,
        _world: &World,
        plans: &Plans,
        shard: usize,
        emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
    ) -> Result<()> {
        let plan = &plans.crm;
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
}
