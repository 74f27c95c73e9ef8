//! The dataset manifest as the loader reads it: the contract with the generator, declared here
//! on its own so the loader depends on the format, not on the generator's code.

use std::path::Path;

use serde::Deserialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColType {
    Int32,
    Int64,
    Float64,
    Bool,
    Text,
    Json,
    Date,
    Timestamp,
    Money,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Manifest {
    pub format_version: u32,
    pub dataset: Dataset,
    pub tables: Vec<Table>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Dataset {
    pub id: String,
    pub profile: String,
    pub format: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Table {
    pub name: String,
    pub description: String,
    pub rows: u64,
    pub primary_key: String,
    pub columns: Vec<Column>,
    pub foreign_keys: Vec<ForeignKey>,
    pub shards: Vec<Shard>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: ColType,
    pub pg_type: String,
    pub nullable: bool,
    pub description: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct ForeignKey {
    pub column: String,
    pub references_table: String,
    pub references_column: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Shard {
    pub path: String,
    pub rows: u64,
    pub bytes: u64,
    pub sha256: String,
}

pub const SUPPORTED_FORMAT: u32 = 1;

impl Manifest {
    pub fn read(dir: &Path) -> anyhow::Result<Manifest> {
        let path = dir.join("manifest.json");
        let text = std::fs::read_to_string(&path).map_err(|e| {
            anyhow::anyhow!(
                "cannot read {} ({e}): DATASET_DIR must be a folder written by `datagen generate`",
                path.display()
            )
        })?;
        let m: Manifest = serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{} is not a valid manifest: {e}", path.display()))?;
        if m.format_version != SUPPORTED_FORMAT {
            anyhow::bail!(
                "{} has manifest format {}; this datagen-load reads format {SUPPORTED_FORMAT}",
                path.display(),
                m.format_version
            );
        }
        Ok(m)
    }
}
