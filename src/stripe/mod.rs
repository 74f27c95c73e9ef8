//! Stripe billing as a warehouse loader lands it: customers, prices, subscriptions, items,
//! invoices, charges and the event stream, one module per table, written from the Stripe plan
//! (`plans::stripe`) by account range; `checks` holds their rules.

pub mod charges;
pub mod checks;
pub mod customers;
pub mod events;
pub mod invoices;
pub mod prices;
pub mod subscription_items;
pub mod subscriptions;

/// What this part of the model leaves out, and why: shown in `datagen report`.
pub const SIMPLIFICATIONS: &[&str] = &[
    "No refunds, disputes, credit notes, coupons or tax lines: invoices are paid, open, void or uncollectible as they stand.",
];
