//! `stripe_subscription_items`: the base plan and add-ons of each subscription; their monthly
//! value equals the app subscription's MRR.

use std::sync::LazyLock;

use arrow::record_batch::RecordBatch;

use super::prices::{all as prices, index};
use super::{stripe_id, subscription_id};
use crate::arrays::*;
use crate::error::Result;
use crate::schema::{ColType::*, TableSchema, col};
use crate::table::{Table, account_shards, rows_by_account};
use crate::world::World;

pub struct SubscriptionItemsTable;

static SCHEMA: LazyLock<TableSchema> = LazyLock::new(|| {
    TableSchema::new(
        "stripe_subscription_items",
        "Line items of Stripe subscriptions: base plan plus add-ons.",
        "id",
        vec![
            col("id", Text, "Stripe subscription item id (si_…)."),
            col("subscription_id", Text, "Subscription the item belongs to."),
            col("price_id", Text, "Price billed."),
            col("quantity", Int32, "Units billed."),
            col("created", Timestamp, "When the item was added."),
        ],
        &[
            ("subscription_id", "stripe_subscriptions", "id"),
            ("price_id", "stripe_prices", "id"),
        ],
    )
});

impl Table for SubscriptionItemsTable {
    fn schema(&self) -> &'static TableSchema {
        &SCHEMA
    }

    fn shard_rows(&self, world: &World) -> Vec<u64> {
        rows_by_account(world, |a| {
            a.subscriptions
                .clone()
                .map(|s| 1 + world.subscriptions[s as usize].addons.len() as u64)
                .sum()
        })
    }

    fn generate(
        &self,
        world: &World,
        shard: usize,
        emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
    ) -> Result<()> {
        let r = account_shards(world)[shard].clone();
        let seed = world.cfg.seed;
        let price_ids: Vec<String> = prices().iter().map(|p| p.id(seed)).collect();
        let mut rows: Vec<(String, String, &str, i32, i64)> = Vec::new();
        for a in &world.accounts[r] {
            for si in a.subscriptions.clone() {
                let s = &world.subscriptions[si as usize];
                let sub = subscription_id(seed, s.id);
                let lines = std::iter::once((s.tier as usize, 1u16))
                    .chain(s.addons.iter().map(|&(addon, q)| (3 + addon as usize, q)));
                for (k, (product, q)) in lines.enumerate() {
                    rows.push((
                        stripe_id("si_", seed, "subscription_item", s.id as u64 * 8 + k as u64),
                        sub.clone(),
                        &price_ids[index(product, s.annual)],
                        i32::from(q),
                        s.started_at,
                    ));
                }
            }
        }
        let build = |r: &[(String, String, &str, i32, i64)]| {
            batch(
                &SCHEMA,
                vec![
                    texts(r.iter().map(|r| &r.0)),
                    texts(r.iter().map(|r| &r.1)),
                    texts(r.iter().map(|r| r.2)),
                    i32s(r.iter().map(|r| r.3)),
                    timestamps(r.iter().map(|r| r.4)),
                ],
            )
        };
        emit_chunks(&rows, build, emit)
    }

    fn checks(&self, ds: &crate::validate::Dataset) -> Result<Vec<crate::validate::Check>> {
        super::checks::item_checks(ds)
    }
}
