//! `stripe_customers`: one Stripe customer per account, linked by `account_id` and metadata.

use std::sync::LazyLock;

use arrow::record_batch::RecordBatch;

use crate::arrays::*;
use crate::error::Result;
use crate::plans::Plans;
use crate::plans::stripe::{Outcome, customer_id};
use crate::profile::Size;
use crate::schema::{ColType::*, TableSchema, col};
use crate::table::{Table, account_shards, rows_by_account};
use crate::world::{Account, World, geo::CITIES};

pub struct CustomersTable;

/// Columns of `stripe_customers`, named once: the schema below and every check refer to these.
pub mod cols {
    use crate::schema::Col;

    pub const TABLE: &str = "stripe_customers";
    pub const ID: Col = Col::new(TABLE, "id");
    pub const ACCOUNT_ID: Col = Col::new(TABLE, "account_id");
    pub const EMAIL: Col = Col::new(TABLE, "email");
    pub const NAME: Col = Col::new(TABLE, "name");
    pub const CURRENCY: Col = Col::new(TABLE, "currency");
    pub const DELINQUENT: Col = Col::new(TABLE, "delinquent");
    pub const ADDRESS_CITY: Col = Col::new(TABLE, "address_city");
    pub const ADDRESS_STATE: Col = Col::new(TABLE, "address_state");
    pub const ADDRESS_COUNTRY: Col = Col::new(TABLE, "address_country");
    pub const METADATA: Col = Col::new(TABLE, "metadata");
    pub const LIVEMODE: Col = Col::new(TABLE, "livemode");
    pub const CREATED: Col = Col::new(TABLE, "created");
}

static SCHEMA: LazyLock<TableSchema> = LazyLock::new(|| {
    TableSchema::new(
        cols::TABLE,
        "Stripe customers: one per platform account.",
        Size::Scaled {
            dev: 100,
            qa: 10_000,
            production: 40_000,
        },
        cols::ID,
        vec![
            col(cols::ID, Text, "Stripe customer id (cus_…)."),
            col(
                cols::ACCOUNT_ID,
                Int64,
                "Platform account billed (also in metadata).",
            ),
            col(cols::EMAIL, Text, "Billing e-mail on the account's domain."),
            col(cols::NAME, Text, "Company name."),
            col(cols::CURRENCY, Text, "Default currency.").accepted(&["usd"]),
            col(
                cols::DELINQUENT,
                Bool,
                "Whether the latest invoice is unpaid past its due date.",
            ),
            col(cols::ADDRESS_CITY, Text, "Billing address city."),
            col(cols::ADDRESS_STATE, Text, "Billing address state."),
            col(
                cols::ADDRESS_COUNTRY,
                Text,
                "Billing address country (ISO).",
            ),
            col(
                cols::METADATA,
                Json,
                "Key-value metadata; account_id links to the platform.",
            ),
            col(cols::LIVEMODE, Bool, "Live (not test) mode object."),
            col(cols::CREATED, Timestamp, "When the customer was created."),
        ],
        &[(cols::ACCOUNT_ID, "app_accounts", "account_id")],
    )
});

impl Table for CustomersTable {
    fn schema(&self) -> &'static TableSchema {
        &SCHEMA
    }

    fn shard_rows(&self, world: &World, _plans: &Plans) -> Vec<u64> {
        rows_by_account(world, |_| 1)
    }

    fn generate(
        &self,
        world: &World,
        _plans: &Plans,
        shard: usize,
        emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
    ) -> Result<()> {
        let range = account_shards(world)[shard].clone();
        let seed = world.cfg.seed;
        let first = range.start;
        let build = |a: &[Account]| {
            let delinquent = |i: usize| {
                world.billing.of(first + i).last().is_some_and(|inv| {
                    matches!(inv.outcome, Outcome::Open | Outcome::Uncollectible)
                        && inv.due() < world.cfg.end_ts()
                })
            };
            batch(
                &SCHEMA,
                vec![
                    texts(a.iter().map(|a| customer_id(seed, a.id))),
                    i64s(a.iter().map(|a| a.id)),
                    texts(a.iter().map(|a| format!("billing@{}", a.domain))),
                    texts(a.iter().map(|a| &a.name)),
                    texts(a.iter().map(|_| "usd")),
                    bools((0..a.len()).map(delinquent)),
                    texts(a.iter().map(|a| CITIES[a.hq_city as usize].name)),
                    texts(a.iter().map(|a| CITIES[a.hq_city as usize].state)),
                    texts(a.iter().map(|_| "US")),
                    texts(a.iter().map(|a| format!(r#"{{"account_id":"{}"}}"#, a.id))),
                    bools(a.iter().map(|_| true)),
                    timestamps(a.iter().map(|a| a.created_at)),
                ],
            )
        };
        // Chunks must know their offset for the plan lookups: one batch per shard (≤ 10,000 rows).
        emit(build(&world.accounts[range])?)
    }
}
