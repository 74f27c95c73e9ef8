//! Stripe billing as a warehouse loader lands it: customers, prices, subscriptions, items,
//! invoices, charges and the event stream. One pure plan, computed once, decides every invoice
//! and its outcome; the tables only read it, shard by account range.
//!
//! Exact counts: the candidate invoices are every billing period of every paid subscription plus
//! a hardware invoice per installed device; the account's history moved to Stripe at a
//! "billing start" instant chosen so that exactly the profile's number of invoices falls after
//! it. Charges land exactly by moving invoices between card and out-of-band payment; events by
//! adding `invoice.upcoming` and `customer.updated` notices to the mandatory trail.

pub mod charges;
pub mod checks;
pub mod customers;
pub mod events;
pub mod invoices;
pub mod prices;
pub mod subscription_items;
pub mod subscriptions;
