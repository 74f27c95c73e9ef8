//! HubSpot CRM as a warehouse loader lands it (`property_*` columns beside `id`, `portal_id`,
//! `is_deleted`): companies, contacts, deals, engagements and tickets. A pure plan, computed once,
//! holds the companies, contacts and deals that marketing tables link to; engagements and
//! tickets stream per company range.
//!
//! Every account is a customer company (linked by `account_id`); prospects fill the rest. Deals
//! go through the default pipeline: about 12 % open, and a quarter of the closed ones won. Won
//! deals belong to customers (sales-assisted sign-ups, higher tiers first) and close within days
//! of the account's creation; the other customers signed up self-serve.

pub mod checks;
pub mod companies;
pub mod contacts;
pub mod deals;
pub mod engagements;
pub mod tickets;
