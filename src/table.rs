//! The shape every table generator shares, and the registry of tables in generation order.

use arrow::record_batch::RecordBatch;

use crate::error::Result;
use crate::schema::TableSchema;
use crate::validate::{Check, Dataset};
use crate::world::World;

/// Rows per record batch handed to a writer: large enough to amortise encoding, small enough to
/// keep memory flat.
pub const BATCH_ROWS: usize = 64 * 1024;

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
    fn shard_rows(&self, world: &World) -> Vec<u64>;

    /// Emits the rows of one shard as record batches, in order.
    fn generate(
        &self,
        world: &World,
        shard: usize,
        emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
    ) -> Result<()>;

    /// The table's own rules, read back from a dataset on disk (beyond the checks every table
    /// gets from its manifest entry: counts, keys, references, accepted values).
    fn checks(&self, _ds: &Dataset) -> Result<Vec<Check>> {
        Ok(Vec::new())
    }
}

/// Every table, parents before children (the loader's dependency order follows the manifest).
pub fn all() -> Vec<&'static dyn Table> {
    vec![
        &crate::app::accounts::AccountsTable,
        &crate::app::locations::LocationsTable,
        &crate::app::users::UsersTable,
        &crate::app::devices::DevicesTable,
        &crate::app::subscriptions::SubscriptionsTable,
        &crate::stripe::customers::CustomersTable,
        &crate::stripe::prices::PricesTable,
        &crate::stripe::subscriptions::SubscriptionsTable,
        &crate::stripe::subscription_items::SubscriptionItemsTable,
        &crate::stripe::invoices::InvoicesTable,
        &crate::stripe::charges::ChargesTable,
        &crate::stripe::events::EventsTable,
        &crate::hubspot::companies::CompaniesTable,
        &crate::hubspot::contacts::ContactsTable,
        &crate::hubspot::deals::DealsTable,
        &crate::hubspot::engagements::EngagementsTable,
        &crate::hubspot::tickets::TicketsTable,
        &crate::marketing::campaigns::CampaignsTable,
        &crate::marketing::performance::PerformanceTable,
        &crate::marketing::mqls::MqlsTable,
        &crate::marketing::touchpoints::TouchpointsTable,
        &crate::marketing::ga_sessions::GaSessionsTable,
        &crate::activity::sessions::SessionsTable,
        &crate::activity::page_views::PageViewsTable,
        &crate::activity::feature_usage::FeatureUsageTable,
        &crate::iot::tap_events::TapEventsTable,
        &crate::iot::device_health::DeviceHealthTable,
    ]
}

pub fn find(name: &str) -> Option<&'static dyn Table> {
    all().into_iter().find(|t| t.name() == name)
}

/// Cuts `0..n` into consecutive ranges of `per` items (the last may be shorter; at least one).
pub fn ranges(n: usize, per: usize) -> Vec<std::ops::Range<usize>> {
    (0..n.div_ceil(per).max(1))
        .map(|s| s * per..((s + 1) * per).min(n))
        .collect()
}

/// Account index ranges of the account-range shards.
pub fn account_shards(world: &World) -> Vec<std::ops::Range<usize>> {
    ranges(world.accounts.len(), ACCOUNTS_PER_SHARD)
}

/// Rows per account-range shard, given the rows each account contributes.
pub fn rows_by_account(world: &World, rows: impl Fn(&crate::world::Account) -> u64) -> Vec<u64> {
    account_shards(world)
        .into_iter()
        .map(|r| world.accounts[r].iter().map(&rows).sum())
        .collect()
}
