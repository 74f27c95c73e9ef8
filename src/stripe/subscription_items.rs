//! `stripe_subscription_items`: the base plan and add-ons of each subscription; their monthly
//! value equals the app subscription's MRR.

use std::sync::LazyLock;

use arrow::record_batch::RecordBatch;

use crate::arrays::*;
use crate::error::Result;
use crate::plans::Plans;
use crate::plans::stripe::{price_index as index, price_list as prices};
use crate::plans::stripe::{stripe_id, subscription_id};
use crate::profile::Size;
use crate::schema::{ColType::*, TableSchema, col};
use crate::table::{Table, account_shards, rows_by_account};
use crate::world::World;

pub struct SubscriptionItemsTable;

/// Columns of `stripe_subscription_items`, named once: the schema below and every check refer to these.
pub mod cols {
    use crate::schema::Col;

    pub const TABLE: &str = "stripe_subscription_items";
    pub const ID: Col = Col::new(TABLE, "id");
    pub const SUBSCRIPTION_ID: Col = Col::new(TABLE, "subscription_id");
    pub const PRICE_ID: Col = Col::new(TABLE, "price_id");
    pub const QUANTITY: Col = Col::new(TABLE, "quantity");
    pub const CREATED: Col = Col::new(TABLE, "created");
}

static SCHEMA: LazyLock<TableSchema> = LazyLock::new(|| {
    TableSchema::new(
        cols::TABLE,
        "Line items of Stripe subscriptions: base plan plus add-ons.",
        Size::Scaled {
            dev: 175,
            qa: 17_500,
            production: 70_000,
        },
        cols::ID,
        vec![
            col(cols::ID, Text, "Stripe subscription item id (si_…)."),
            col(
                cols::SUBSCRIPTION_ID,
                Text,
                "Subscription the item belongs to.",
            ),
            col(cols::PRICE_ID, Text, "Price billed."),
            col(cols::QUANTITY, Int32, "Units billed."),
            col(cols::CREATED, Timestamp, "When the item was added."),
        ],
        &[
            (cols::SUBSCRIPTION_ID, "stripe_subscriptions", "id"),
            (cols::PRICE_ID, "stripe_prices", "id"),
        ],
    )
});

impl Table for SubscriptionItemsTable {
    fn schema(&self) -> &'static TableSchema {
        &SCHEMA
    }

    fn shard_rows(&self, world: &World, _plans: &Plans) -> Vec<u64> {
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
        _plans: &Plans,
        shard: usize,
        emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
    ) -> Result<()> {
        let r = account_shards(world)[shard].clone();
        let seed = world.cfg.seed;
        let price_ids: Vec<String> = prices().iter().map(|p| p.id(seed)).collect();
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
        let mut rows = Batcher::new(build, emit);
        for a in &world.accounts[r] {
            for si in a.subscriptions.clone() {
                let s = &world.subscriptions[si as usize];
                let sub = subscription_id(seed, s.id);
                let lines = std::iter::once((s.tier as usize, s.units))
                    .chain(s.addons.iter().map(|&(addon, q)| (3 + addon as usize, q)));
                for (k, (product, q)) in lines.enumerate() {
                    rows.push((
                        stripe_id("si_", seed, "subscription_item", s.id as u64 * 8 + k as u64),
                        sub.clone(),
                        &price_ids[index(product, s.annual)],
                        i32::from(q),
                        s.started_at,
                    ))?;
                }
            }
        }
        rows.finish()
    }
}
