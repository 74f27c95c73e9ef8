//! What the Stripe tables share: the id scheme and the price list. Invoices, how they end and
//! the events of each account are the world's billing history ([`crate::world::billing`]); the
//! tables shard them by account range.

use crate::rng::stable_hash;
use crate::world::{ADDONS, TIER_BASE_PRICE, TIERS};

pub use crate::world::billing::{Invoice, Outcome, notices, periods, trial_will_end};

/// Stripe-style id: a prefix and 14 base-62 characters derived from a stable hash.
pub fn stripe_id(prefix: &str, seed: u64, kind: &str, index: u64) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut h = stable_hash(seed, kind, index);
    let mut h2 = stable_hash(seed ^ 0x5bd1_e995, kind, index);
    let mut s = String::with_capacity(prefix.len() + 14);
    s.push_str(prefix);
    for i in 0..14 {
        let src = if i < 7 { &mut h } else { &mut h2 };
        s.push(ALPHABET[(*src % 62) as usize] as char);
        *src /= 62;
    }
    s
}

pub fn customer_id(seed: u64, account_id: i64) -> String {
    stripe_id("cus_", seed, "customer", account_id as u64)
}

pub fn subscription_id(seed: u64, app_subscription_id: i64) -> String {
    stripe_id("sub_", seed, "subscription", app_subscription_id as u64)
}

pub const BILLING_REASONS: [&str; 4] = [
    "subscription_create",
    "subscription_cycle",
    "subscription_update",
    "manual",
];
pub const INVOICE_STATUSES: [&str; 4] = ["paid", "open", "uncollectible", "void"];

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
pub fn price_list() -> Vec<Price> {
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

/// Index into `price_list()` of a product's price for the billing interval.
pub fn price_index(product: usize, yearly: bool) -> usize {
    product * 2 + usize::from(yearly)
}

/// Invoice id: per account, by position in the account's invoices.
pub fn invoice_id(seed: u64, account_id: i64, k: usize) -> String {
    stripe_id("in_", seed, "invoice", (account_id as u64) << 20 | k as u64)
}

/// A charge's place in the history: its account, its invoice's position there and the attempt.
pub fn charge_key(account_id: i64, k: usize, attempt: u64) -> u64 {
    ((account_id as u64) << 20 | k as u64) << 3 | attempt
}

pub fn charge_id(seed: u64, account_id: i64, k: usize, attempt: u64) -> String {
    stripe_id("ch_", seed, "charge", charge_key(account_id, k, attempt))
}

/// Event id: per account, by position in the account's events in time order.
pub fn event_id(seed: u64, account_id: i64, k: usize) -> String {
    stripe_id("evt_", seed, "event", (account_id as u64) << 24 | k as u64)
}
