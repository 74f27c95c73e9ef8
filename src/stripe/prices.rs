//! `stripe_prices`: monthly and yearly prices of every plan tier and add-on (12), in cents.

use std::sync::LazyLock;

use arrow::record_batch::RecordBatch;

use super::stripe_id;
use crate::arrays::*;
use crate::error::Result;
use crate::schema::{ColType::*, TableSchema, col};
use crate::table::Table;
use crate::world::{ADDONS, TIER_BASE_PRICE, TIERS, World};

pub struct PricesTable;

/// A price: lookup key (`<product>_<interval>`), product, monthly list price in dollars, yearly.
pub struct Price {
    pub lookup_key: String,
    pub product: &'static str,
    pub monthly_dollars: i64,
    pub yearly: bool,
}

impl Price {
    pub fn unit_amount(&self) -> i64 {
        self.monthly_dollars * 100 * if self.yearly { 12 } else { 1 }
    }

    pub fn id(&self, seed: u64) -> String {
        stripe_id("price_", seed, &self.lookup_key, 0)
    }
}

/// Every price: tiers first, then add-ons, monthly before yearly.
pub fn all() -> Vec<Price> {
    let products = TIERS
        .iter()
        .zip(TIER_BASE_PRICE)
        .map(|(t, p)| (*t, p))
        .chain(ADDONS.iter().map(|a| (a.0, a.1)));
    products
        .flat_map(|(product, monthly_dollars)| {
            [false, true].map(|yearly| Price {
                lookup_key: format!("{product}_{}", if yearly { "year" } else { "month" }),
                product,
                monthly_dollars,
                yearly,
            })
        })
        .collect()
}

/// Index into `all()` of a product's price for the billing interval.
pub fn index(product: usize, yearly: bool) -> usize {
    product * 2 + usize::from(yearly)
}

static SCHEMA: LazyLock<TableSchema> = LazyLock::new(|| {
    TableSchema::new(
        "stripe_prices",
        "Stripe prices: monthly and yearly variants of every plan tier and add-on.",
        "id",
        vec![
            col("id", Text, "Stripe price id (price_…)."),
            col("product_id", Text, "Stripe product id (prod_…)."),
            col("nickname", Text, "Display name."),
            col("lookup_key", Text, "Stable key used by the application."),
            col(
                "unit_amount",
                Int64,
                "Price per unit per interval, in cents.",
            ),
            col("currency", Text, "ISO currency, lower case.").accepted(&["usd"]),
            col("recurring_interval", Text, "Billing interval.").accepted(&["month", "year"]),
            col(
                "recurring_interval_count",
                Int32,
                "Intervals between bills.",
            ),
            col("type", Text, "Price type.").accepted(&["recurring", "one_time"]),
            col("billing_scheme", Text, "How the amount is computed.")
                .accepted(&["per_unit", "tiered"]),
            col("usage_type", Text, "Licensed or metered.").accepted(&["licensed", "metered"]),
            col(
                "active",
                Bool,
                "Whether new subscriptions can use the price.",
            ),
            col("created", Timestamp, "When the price was created."),
        ],
        &[],
    )
});

impl Table for PricesTable {
    fn schema(&self) -> &'static TableSchema {
        &SCHEMA
    }

    fn shard_rows(&self, _world: &World) -> Vec<u64> {
        vec![all().len() as u64]
    }

    fn generate(
        &self,
        world: &World,
        _shard: usize,
        emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
    ) -> Result<()> {
        let seed = world.cfg.seed;
        let p = all();
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

    fn checks(&self, ds: &crate::validate::Dataset) -> Result<Vec<crate::validate::Check>> {
        super::checks::price_checks(ds)
    }
}
