//! The shape every table generator shares: a declaration, a data-derived shard plan and a shard
//! generator that emits record batches in order. Generators read the world and the plans only;
//! checks live beside them and the registry that lists them all sits above (`registry`).

use std::ops::Range;

use arrow::record_batch::RecordBatch;

use crate::allocate::ranges;
use crate::error::Result;
use crate::plans::Plans;
use crate::schema::TableSchema;
use crate::world::{Account, World};

/// Accounts per shard for tables cut by account range.
pub const ACCOUNTS_PER_SHARD: usize = 10_000;

/// A table generator: a schema, a data-derived shard plan, and a shard generator that emits
/// record batches in order.
pub trait Table: Sync {
    fn schema(&self) -> &'static TableSchema;

    fn name(&self) -> &'static str {
        self.schema().name
    }

    /// Exact rows of each shard. Boundaries come from the data (entity ranges), never from the
    /// thread count, so the same shard always holds the same rows.
    fn shard_rows(&self, world: &World, plans: &Plans) -> Vec<u64>;

    /// Emits the rows of one shard as record batches, in order.
    fn generate(
        &self,
        world: &World,
        plans: &Plans,
        shard: usize,
        emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
    ) -> Result<()>;
}

/// Account index ranges of the account-range shards.
pub fn account_shards(world: &World) -> Vec<Range<usize>> {
    ranges(world.accounts.len(), ACCOUNTS_PER_SHARD)
}

/// Rows per account-range shard, given the rows each account contributes.
pub fn rows_by_account(world: &World, rows: impl Fn(&Account) -> u64) -> Vec<u64> {
    account_shards(world)
        .into_iter()
        .map(|r| world.accounts[r].iter().map(&rows).sum())
        .collect()
}
