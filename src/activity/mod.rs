//! App activity: user sessions, the page views inside them and feature usage. One pure plan
//! decides sessions per user; page views are exactly five per session on average and feature
//! events three, apportioned per user, so every total is exact and every id is a prefix sum.

pub mod checks;
pub mod feature_usage;
pub mod page_views;
pub mod sessions;
