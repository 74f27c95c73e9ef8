//! App activity: user sessions, the page views inside them and feature usage, one module per
//! table, written from the activity plan (`plans::activity`) by user range; `checks` holds their
//! rules.

pub mod checks;
pub mod feature_usage;
pub mod page_views;
pub mod sessions;
