//! `manifest.json`: the contract between the generator and any reader (the loader, `validate`,
//! dbt). It lists the dataset, every table's columns, keys and references, and every shard with
//! its checksum. It is written last, so a folder with a manifest holds a complete dataset.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::schema::{ColType, TableSchema};
use crate::store::Location;

pub const FILE: &str = "manifest.json";
pub const FORMAT_VERSION: u32 = 1;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub format_version: u32,
    pub generator: String,
    pub dataset: Dataset,
    pub tables: Vec<TableEntry>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Dataset {
    /// In a part manifest, the id of the run's settings (generator version, profile, accounts,
    /// seed, as-of, window, format), equal across the parts of one run; in `manifest.json`, the
    /// id of the content: those settings and every shard's checksum, so any change to any byte
    /// of the dataset gives another id (see [`Manifest::seal`]).
    pub id: String,
    pub profile: String,
    pub accounts: u64,
    pub seed: u64,
    pub as_of: String,
    /// The day the profile's counts are exact at (the history's anchor); the as-of date is a
    /// cut of that history. Empty in manifests written before cuts existed: the as-of date.
    #[serde(default)]
    pub anchor: String,
    pub tap_window_days: i64,
    pub format: String,
    pub compression: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TableEntry {
    pub name: String,
    pub description: String,
    pub rows: u64,
    pub primary_key: String,
    pub columns: Vec<ColumnEntry>,
    pub foreign_keys: Vec<ForeignKeyEntry>,
    pub shard_count: usize,
    pub shards: Vec<ShardEntry>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ColumnEntry {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: ColType,
    pub arrow_type: String,
    pub pg_type: String,
    pub nullable: bool,
    pub description: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepted_values: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ForeignKeyEntry {
    pub column: String,
    pub references_table: String,
    pub references_column: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ShardEntry {
    /// Path relative to the dataset folder, with `/` separators.
    pub path: String,
    pub rows: u64,
    pub bytes: u64,
    pub sha256: String,
}

impl TableEntry {
    pub fn new(schema: &TableSchema, rows: u64, shard_count: usize) -> Self {
        TableEntry {
            name: schema.name.into(),
            description: schema.description.into(),
            rows,
            primary_key: schema.primary_key.into(),
            columns: schema
                .columns
                .iter()
                .map(|c| ColumnEntry {
                    name: c.name.into(),
                    ty: c.ty,
                    arrow_type: c.ty.arrow().to_string(),
                    pg_type: c.ty.postgres().into(),
                    nullable: c.nullable,
                    description: c.description.into(),
                    accepted_values: c.accepted.iter().map(|s| s.to_string()).collect(),
                })
                .collect(),
            foreign_keys: schema
                .foreign_keys
                .iter()
                .map(|f| ForeignKeyEntry {
                    column: f.column.into(),
                    references_table: f.table.into(),
                    references_column: f.references.into(),
                })
                .collect(),
            shard_count,
            shards: Vec::new(),
        }
    }
}

impl Manifest {
    pub fn read(dir: &Path) -> Result<Manifest> {
        Self::read_at(&Location::Local(dir.to_path_buf()))
    }

    /// Reads `manifest.json` from a folder or an object-storage prefix.
    pub fn read_at(loc: &Location) -> Result<Manifest> {
        let found = loc.read(FILE).map_err(|e| {
            Error::Invalid(format!("{} has no readable {FILE} ({e})", loc.describe("")))
        })?;
        let Some(bytes) = found else {
            return Err(Error::Invalid(format!(
                "{} has no {FILE}; is it a dataset written by `datagen generate` (and, for a split run, have all its parts finished)?",
                loc.describe("")
            )));
        };
        let text = String::from_utf8_lossy(&bytes);
        Self::parse(&text, Path::new(&loc.describe(FILE)))
    }

    pub fn parse(text: &str, path: &Path) -> Result<Manifest> {
        let m: Manifest = serde_json::from_str(text).map_err(|e| {
            Error::Invalid(format!("{} is not a valid manifest: {e}", path.display()))
        })?;
        if m.format_version != FORMAT_VERSION {
            return Err(Error::Invalid(format!(
                "{} has manifest format {}, this datagen reads {FORMAT_VERSION}",
                path.display(),
                m.format_version
            )));
        }
        Ok(m)
    }

    /// The manifest as written: pretty JSON with a final newline.
    pub fn to_text(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("manifest serialises");
        text.push('\n');
        text
    }

    /// Sets the dataset id from the run's settings id and every shard's path and SHA-256, in
    /// table order: two datasets share an id only when every shard is byte-identical.
    pub fn seal(&mut self) {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(self.dataset.id.as_bytes());
        for t in &self.tables {
            h.update(format!("\n{}", t.name).as_bytes());
            for s in &t.shards {
                h.update(format!("\n{} {}", s.path, s.sha256).as_bytes());
            }
        }
        self.dataset.id = hex::encode(&h.finalize()[..8]);
    }

    pub fn table(&self, name: &str) -> Option<&TableEntry> {
        self.tables.iter().find(|t| t.name == name)
    }
}
