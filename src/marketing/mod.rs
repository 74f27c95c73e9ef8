//! Marketing: campaigns and their daily performance, MQLs, multi-touch attribution and Google
//! Analytics sessions, one module per table, written from the marketing plan
//! (`plans::marketing`); `checks` holds their rules.

pub mod campaigns;
pub mod checks;
pub mod ga_sessions;
pub mod mqls;
pub mod performance;
pub mod touchpoints;
