//! `hubspot_companies`: every account (linked by `account_id`) plus prospects.

use std::sync::LazyLock;

use arrow::record_batch::RecordBatch;

use super::{Company, CrmPlan, PORTAL_ID, company_stage};
use crate::arrays::*;
use crate::error::Result;
use crate::schema::{ColType::*, TableSchema, col};
use crate::table::Table;
use crate::world::{INDUSTRIES, World, geo::CITIES};

pub struct CompaniesTable;

static SCHEMA: LazyLock<TableSchema> = LazyLock::new(|| {
    TableSchema::new(
        "hubspot_companies",
        "HubSpot companies: every customer account plus prospects.",
        "id",
        vec![
            col("id", Int64, "HubSpot company id."),
            col("portal_id", Int64, "HubSpot portal."),
            col("is_deleted", Bool, "Soft-deleted in HubSpot."),
            col(
                "account_id",
                Int64,
                "Platform account of a customer; null for prospects.",
            )
            .nullable(),
            col("property_name", Text, "Company name."),
            col("property_domain", Text, "Web domain."),
            col("property_industry", Text, "Industry.").accepted(&INDUSTRIES),
            col("property_numberofemployees", Int32, "Employees."),
            col(
                "property_annualrevenue",
                Money,
                "Estimated annual revenue, USD.",
            ),
            col("property_city", Text, "City."),
            col("property_state", Text, "State."),
            col("property_country", Text, "Country."),
            col("property_lifecyclestage", Text, "Lifecycle stage.").accepted(&[
                "lead",
                "opportunity",
                "customer",
            ]),
            col("property_hubspot_owner_id", Int64, "Owning sales rep."),
            col(
                "property_createdate",
                Timestamp,
                "When the company was created in HubSpot.",
            ),
        ],
        &[("account_id", "app_accounts", "account_id")],
    )
});

impl Table for CompaniesTable {
    fn schema(&self) -> &'static TableSchema {
        &SCHEMA
    }

    fn shard_rows(&self, world: &World) -> Vec<u64> {
        CrmPlan::of(world)
            .shards()
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
        let plan = CrmPlan::of(world);
        let c: &[Company] = &plan.companies[plan.shards()[shard].clone()];
        emit(batch(
            &SCHEMA,
            vec![
                i64s(c.iter().map(|c| c.id)),
                i64s(c.iter().map(|_| PORTAL_ID)),
                bools(c.iter().map(|_| false)),
                i64s_opt(
                    c.iter()
                        .map(|c| c.account.map(|a| world.accounts[a as usize].id)),
                ),
                texts(c.iter().map(|c| &c.name)),
                texts(c.iter().map(|c| &c.domain)),
                texts(c.iter().map(|c| INDUSTRIES[c.industry as usize])),
                i32s(c.iter().map(|c| c.employees)),
                money(c.iter().map(|c| i64::from(c.employees) * 85_000 * 100)),
                texts(c.iter().map(|c| CITIES[c.city as usize].name)),
                texts(c.iter().map(|c| CITIES[c.city as usize].state)),
                texts(c.iter().map(|_| "United States")),
                texts(c.iter().map(|c| company_stage(plan, c))),
                i64s(c.iter().map(|c| c.owner)),
                timestamps(c.iter().map(|c| c.created)),
            ],
        )?)
    }

    fn checks(&self, ds: &crate::validate::Dataset) -> Result<Vec<crate::validate::Check>> {
        super::checks::company_checks(ds)
    }
}
