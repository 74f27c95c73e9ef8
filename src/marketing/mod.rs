//! Marketing: campaigns and their daily performance, MQLs, multi-touch attribution and Google
//! Analytics sessions. A pure plan holds campaigns, MQLs and conversions; daily performance,
//! touchpoints and GA sessions stream from it by range.
//!
//! Campaigns start along the same growth curve as accounts and their daily budgets grow ~40 % a
//! year, so monthly spend tracks new-account growth.

pub mod campaigns;
pub mod checks;
pub mod ga_sessions;
pub mod mqls;
pub mod performance;
pub mod touchpoints;
