//! App activity: user sessions, the page views inside them and feature usage, one module per
//! table, written from the activity plan (`plans::activity`) by user range; `checks` holds their
//! rules.

pub mod checks;
pub mod feature_usage;
pub mod page_views;
pub mod sessions;

/// What this part of the model leaves out, and why: shown in `datagen report`.
pub const SIMPLIFICATIONS: &[&str] = &[
    "App activity is sessions, page views and feature use: no client-side events, errors or API calls.",
];
