//! datagen: a deterministic, sharded generator of a complete synthetic raw layer for a
//! bar-management SaaS company. The world model is built once; each table streams its shards
//! as Arrow record batches into Parquet or CSV files described by a manifest.

pub mod activity;
pub mod app;
pub mod arrays;
pub mod dbt;
pub mod error;
pub mod generate;
pub mod hubspot;
pub mod iot;
pub mod manifest;
pub mod marketing;
pub mod output;
pub mod profile;
pub mod rng;
pub mod schema;
pub mod stripe;
pub mod table;
pub mod time;
pub mod validate;
pub mod world;

pub use error::{Error, Result};
