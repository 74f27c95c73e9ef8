//! `stripe_customers`: one Stripe customer per account, linked by `account_id` and metadata.

use std::sync::LazyLock;

use arrow::record_batch::RecordBatch;

use super::{Outcome, StripePlan, customer_id};
use crate::arrays::*;
use crate::error::Result;
use crate::schema::{ColType::*, TableSchema, col};
use crate::table::{Table, account_shards, rows_by_account};
use crate::world::{Account, World, geo::CITIES};

pub struct CustomersTable;

static SCHEMA: LazyLock<TableSchema> = LazyLock::new(|| {
    TableSchema::new(
        "stripe_customers",
        "Stripe customers: one per platform account.",
        "id",
        vec![
            col("id", Text, "Stripe customer id (cus_…)."),
            col(
                "account_id",
                Int64,
                "Platform account billed (also in metadata).",
            ),
            col("email", Text, "Billing e-mail on the account's domain."),
            col("name", Text, "Company name."),
            col("currency", Text, "Default currency.").accepted(&["usd"]),
            col(
                "delinquent",
                Bool,
                "Whether the latest invoice is unpaid past its due date.",
            ),
            col("address_city", Text, "Billing address city."),
            col("address_state", Text, "Billing address state."),
            col("address_country", Text, "Billing address country (ISO)."),
            col(
                "metadata",
                Json,
                "Key-value metadata; account_id links to the platform.",
            ),
            col("livemode", Bool, "Live (not test) mode object."),
            col("created", Timestamp, "When the customer was created."),
        ],
        &[("account_id", "app_accounts", "account_id")],
    )
});

impl Table for CustomersTable {
    fn schema(&self) -> &'static TableSchema {
        &SCHEMA
    }

    fn shard_rows(&self, world: &World) -> Vec<u64> {
        rows_by_account(world, |_| 1)
    }

    fn generate(
        &self,
        world: &World,
        shard: usize,
        emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
    ) -> Result<()> {
        let plan = StripePlan::of(world);
        let range = account_shards(world)[shard].clone();
        let seed = world.cfg.seed;
        let first = range.start;
        let build = |a: &[Account]| {
            let delinquent = |i: usize| {
                plan.invoices_of(first + i).last().is_some_and(|inv| {
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

    fn checks(&self, ds: &crate::validate::Dataset) -> Result<Vec<crate::validate::Check>> {
        super::checks::customer_checks(ds)
    }
}
