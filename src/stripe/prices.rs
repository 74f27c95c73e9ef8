//! `stripe_prices`: monthly and yearly prices of every plan tier and add-on (12), in cents.

use std::sync::LazyLock;

use arrow::record_batch::RecordBatch;

use crate::arrays::*;
use crate::error::Result;
use crate::plans::Plans;
use crate::plans::stripe::{Price, price_list, stripe_id};
use crate::profile::Size;
use crate::schema::{ColType::*, TableSchema, col};
use crate::table::Table;
use crate::world::World;

pub struct PricesTable;

/// Columns of `stripe_prices`, named once: the schema below and every check refer to these.
pub mod cols {
    use crate::schema::Col;

    pub const TABLE: &str = "stripe_prices";
    pub const ID: Col = Col::new(TABLE, "id");
    pub const PRODUCT_ID: Col = Col::new(TABLE, "product_id");
    pub const NICKNAME: Col = Col::new(TABLE, "nickname");
    pub const LOOKUP_KEY: Col = Col::new(TABLE, "lookup_key");
    pub const UNIT_AMOUNT: Col = Col::new(TABLE, "unit_amount");
    pub const CURRENCY: Col = Col::new(TABLE, "currency");
    pub const RECURRING_INTERVAL: Col = Col::new(TABLE, "recurring_interval");
    pub const RECURRING_INTERVAL_COUNT: Col = Col::new(TABLE, "recurring_interval_count");
    pub const TYPE: Col = Col::new(TABLE, "type");
    pub const BILLING_SCHEME: Col = Col::new(TABLE, "billing_scheme");
    pub const USAGE_TYPE: Col = Col::new(TABLE, "usage_type");
    pub const ACTIVE: Col = Col::new(TABLE, "active");
    pub const CREATED: Col = Col::new(TABLE, "created");
}

static SCHEMA: LazyLock<TableSchema> = LazyLock::new(|| {
    TableSchema::new(
        cols::TABLE,
        "Stripe prices: monthly and yearly variants of every plan tier and add-on.",
        Size::Fixed(12),
        cols::ID,
        vec![
            col(cols::ID, Text, "Stripe price id (price_…)."),
            col(cols::PRODUCT_ID, Text, "Stripe product id (prod_…)."),
            col(cols::NICKNAME, Text, "Display name."),
            col(
                cols::LOOKUP_KEY,
                Text,
                "Stable key used by the application.",
            ),
            col(
                cols::UNIT_AMOUNT,
                Int64,
                "Price per unit per interval, in cents.",
            ),
            col(cols::CURRENCY, Text, "ISO currency, lower case.").accepted(&["usd"]),
            col(cols::RECURRING_INTERVAL, Text, "Billing interval.").accepted(&["month", "year"]),
            col(
                cols::RECURRING_INTERVAL_COUNT,
                Int32,
                "Intervals between bills.",
            ),
            col(cols::TYPE, Text, "Price type.").accepted(&["recurring", "one_time"]),
            col(cols::BILLING_SCHEME, Text, "How the amount is computed.")
                .accepted(&["per_unit", "tiered"]),
            col(cols::USAGE_TYPE, Text, "Licensed or metered.").accepted(&["licensed", "metered"]),
            col(
                cols::ACTIVE,
                Bool,
                "Whether new subscriptions can use the price.",
            ),
            col(cols::CREATED, Timestamp, "When the price was created."),
        ],
        &[],
    )
});

impl Table for PricesTable {
    fn schema(&self) -> &'static TableSchema {
        &SCHEMA
    }

    fn shard_rows(&self, _world: &World, _plans: &Plans) -> Vec<u64> {
        vec![price_list().len() as u64]
    }

    fn generate(
        &self,
        world: &World,
        _plans: &Plans,
        _shard: usize,
        emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
    ) -> Result<()> {
        let seed = world.cfg.seed;
        let p = price_list();
        emit(batch(
            &SCHEMA,
            vec![
                texts(p.iter().map(|p| p.id(seed))),
                texts(p.iter().map(|p| stripe_id("prod_", seed, p.product, 0))),
                texts(p.iter().map(|p| {
                    format!(
                        "{} ({})",
                        p.product.replace('_', " "),
                        if p.yearly { "yearly" } else { "monthly" }
                    )
                })),
                texts(p.iter().map(|p| &p.lookup_key)),
                i64s(p.iter().map(Price::unit_amount)),
                texts(p.iter().map(|_| "usd")),
                texts(p.iter().map(|p| if p.yearly { "year" } else { "month" })),
                i32s(p.iter().map(|_| 1)),
                texts(p.iter().map(|_| "recurring")),
                texts(p.iter().map(|_| "per_unit")),
                texts(p.iter().map(|_| "licensed")),
                bools(p.iter().map(|_| true)),
                timestamps(
                    p.iter()
                        .map(|_| world.cfg.start_ts() - crate::time::MICROS_PER_DAY),
                ),
            ],
        )?)
    }
}
