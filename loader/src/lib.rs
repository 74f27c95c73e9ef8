//! datagen-load: bulk-loads a datagen dataset (manifest + Parquet or CSV shards) into
//! PostgreSQL with binary COPY encoded straight from Arrow, crash-safe through a per-shard
//! ledger, then builds and proves every primary and foreign key.

pub mod db;
pub mod encode;
pub mod load;
pub mod lock;
pub mod manifest;
