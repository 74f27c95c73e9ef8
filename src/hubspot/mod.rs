//! HubSpot CRM as a warehouse loader lands it (`property_*` columns beside `id`, `portal_id`,
//! `is_deleted`): companies, contacts, deals, engagements and tickets, one module per table,
//! written from the CRM plan (`plans::crm`) by company range; `checks` holds their rules.

pub mod checks;
pub mod companies;
pub mod contacts;
pub mod deals;
pub mod engagements;
pub mod tickets;

/// What this part of the model leaves out, and why: shown in `datagen report`.
pub const SIMPLIFICATIONS: &[&str] = &[
    "One deal pipeline (\"default\"); no line items; owners are ids without an owners table.",
    "After the anchor date only companies that arrive later open deals (those in place by the anchor keep theirs), so the share of open deals falls in later cuts; a deal open at the anchor had all its engagements before it.",
    "Tickets of the anchor are drawn over each account's life by then, weighted by its devices down at the anchor; later tickets follow the devices down when they open.",
];
