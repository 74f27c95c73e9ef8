//! datagen: a deterministic, sharded generator of a complete synthetic raw layer for a
//! bar-management SaaS company. The world model is built once; each table streams its shards
//! as Arrow record batches into Parquet or CSV files described by a manifest.
//!
//! Layers, each importing only those above it in this list:
//! 1. base: `error`, then `store` (a local folder or object storage), `profile`, `rng`, `time`, `num` (rounding), `allocate`, `schema`, `arrays`, `manifest`,
//!    `output`, `check` (the checks toolkit, which knows no table);
//! 2. `world`: the dimensions (accounts, locations, users, devices, subscriptions);
//! 3. `plans`: per-entity decisions shared by several tables of one source system;
//! 4. `table`: the generator trait;
//! 5. the source systems `app`, `stripe`, `hubspot`, `marketing`, `activity`, `iot`: one module
//!    per table (declaration, generator) and their checks;
//! 6. `registry` (every table in dependency order), then `validate`, `docs`, `dbt` and the
//!    engine `generate`.

pub mod activity;
pub mod allocate;
pub mod app;
pub mod arrays;
pub mod check;
pub mod dbt;
pub mod docs;
pub mod error;
pub mod generate;
pub mod hubspot;
pub mod iot;
pub mod manifest;
pub mod marketing;
pub mod num;
pub mod output;
pub mod plans;
pub mod profile;
pub mod registry;
pub mod report;
pub mod rng;
pub mod schema;
pub mod store;
pub mod stripe;
pub mod table;
pub mod targets;
pub mod time;
pub mod validate;
pub mod world;

pub use error::{Error, Result};
