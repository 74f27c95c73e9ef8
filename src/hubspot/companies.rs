//! `hubspot_companies`: every account (linked by `account_id`) plus prospects.

use std::sync::LazyLock;

use arrow::record_batch::RecordBatch;

use crate::arrays::*;
use crate::error::Result;
use crate::plans::Plans;
use crate::plans::crm::{Company, PORTAL_ID, company_stage};
use crate::profile::Size;
use crate::schema::{ColType::*, TableSchema, col};
use crate::table::Table;
use crate::world::{INDUSTRIES, World, geo::CITIES};

pub struct CompaniesTable;

/// Columns of `hubspot_companies`, named once: the schema below and every check refer to these.
pub mod cols {
    use crate::schema::Col;

    pub const TABLE: &str = "hubspot_companies";
    pub const ID: Col = Col::new(TABLE, "id");
    pub const PORTAL_ID: Col = Col::new(TABLE, "portal_id");
    pub const IS_DELETED: Col = Col::new(TABLE, "is_deleted");
    pub const ACCOUNT_ID: Col = Col::new(TABLE, "account_id");
    pub const PROPERTY_NAME: Col = Col::new(TABLE, "property_name");
    pub const PROPERTY_DOMAIN: Col = Col::new(TABLE, "property_domain");
    pub const PROPERTY_INDUSTRY: Col = Col::new(TABLE, "property_industry");
    pub const PROPERTY_NUMBEROFEMPLOYEES: Col = Col::new(TABLE, "property_numberofemployees");
    pub const PROPERTY_ANNUALREVENUE: Col = Col::new(TABLE, "property_annualrevenue");
    pub const PROPERTY_CITY: Col = Col::new(TABLE, "property_city");
    pub const PROPERTY_STATE: Col = Col::new(TABLE, "property_state");
    pub const PROPERTY_COUNTRY: Col = Col::new(TABLE, "property_country");
    pub const PROPERTY_LIFECYCLESTAGE: Col = Col::new(TABLE, "property_lifecyclestage");
    pub const PROPERTY_HUBSPOT_OWNER_ID: Col = Col::new(TABLE, "property_hubspot_owner_id");
    pub const PROPERTY_CREATEDATE: Col = Col::new(TABLE, "property_createdate");
}

static SCHEMA: LazyLock<TableSchema> = LazyLock::new(|| {
    TableSchema::new(
        cols::TABLE,
        "HubSpot companies: every customer account plus prospects.",
        Size::Scaled {
            dev: 125,
            qa: 12_500,
            production: 50_000,
        },
        cols::ID,
        vec![
            col(cols::ID, Int64, "HubSpot company id."),
            col(cols::PORTAL_ID, Int64, "HubSpot portal."),
            col(cols::IS_DELETED, Bool, "Soft-deleted in HubSpot."),
            col(
                cols::ACCOUNT_ID,
                Int64,
                "Platform account of a customer; null for prospects.",
            )
            .nullable(),
            col(cols::PROPERTY_NAME, Text, "Company name."),
            col(cols::PROPERTY_DOMAIN, Text, "Web domain."),
            col(cols::PROPERTY_INDUSTRY, Text, "Industry.").accepted(&INDUSTRIES),
            col(cols::PROPERTY_NUMBEROFEMPLOYEES, Int32, "Employees."),
            col(
                cols::PROPERTY_ANNUALREVENUE,
                Money,
                "Estimated annual revenue, USD.",
            ),
            col(cols::PROPERTY_CITY, Text, "City."),
            col(cols::PROPERTY_STATE, Text, "State."),
            col(cols::PROPERTY_COUNTRY, Text, "Country."),
            col(cols::PROPERTY_LIFECYCLESTAGE, Text, "Lifecycle stage.").accepted(&[
                "lead",
                "opportunity",
                "customer",
            ]),
            col(cols::PROPERTY_HUBSPOT_OWNER_ID, Int64, "Owning sales rep."),
            col(
                cols::PROPERTY_CREATEDATE,
                Timestamp,
                "When the company was created in HubSpot.",
            ),
        ],
        &[(cols::ACCOUNT_ID, "app_accounts", "account_id")],
    )
});

impl Table for CompaniesTable {
    fn schema(&self) -> &'static TableSchema {
        &SCHEMA
    }

    fn shard_rows(&self, _world: &World, plans: &Plans) -> Vec<u64> {
        plans
            .crm
            .shards()
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
        let plan = &plans.crm;
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
}
