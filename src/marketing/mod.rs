//! Marketing: campaigns and their daily performance, MQLs, multi-touch attribution and Google
//! Analytics sessions, one module per table, written from the marketing plan
//! (`plans::marketing`); `checks` holds their rules.

pub mod campaigns;
pub mod checks;
pub mod ga_sessions;
pub mod mqls;
pub mod performance;
pub mod touchpoints;

/// What this part of the model leaves out, and why: shown in `datagen report`.
pub const SIMPLIFICATIONS: &[&str] = &[
    "Ad platforms are one campaign table with daily performance: no ad groups, keywords or creatives; GA sessions are session-level, without hits.",
    "Campaigns in place at the anchor date all end by it; later ones start after it, as long as one of the anchor's (a year at most).",
    "Contacts in the CRM by the anchor date that had not qualified by then never qualify later; the anchor's MQLs without a deal all qualified 30 days or more before it.",
];
