//! The dataset manifest as the loader reads it: the contract with the generator, declared here
//! on its own so the loader depends on the format, not on the generator's code.
//!
//! A manifest may come from someone else (a shared folder, a bucket), so it is untrusted input:
//! [`Manifest::check`] refuses anything but plain identifiers, the PostgreSQL types the generator
//! emits, keys naming declared columns and tables, and shard paths inside the dataset folder,
//! before any SQL runs. Only names that passed it reach SQL text, and always quoted.

use std::path::Path;

use datagen::store::Location;

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

/// A shard path must be `<table>/<file>` with a plain file name of a shard type: nothing
/// absolute, no `..`, no other folder.
fn check_shard_path(table: &str, path: &str) -> anyhow::Result<()> {
    let file = path.strip_prefix(table).and_then(|p| p.strip_prefix('/'));
    let ok = file.is_some_and(|f| {
        !f.is_empty()
            && f.len() <= 128
            && !f.starts_with('.')
            && f.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && [".parquet", ".csv", ".csv.zst"]
                .iter()
                .any(|ext| f.ends_with(ext))
    });
    if !ok {
        anyhow::bail!(
            "manifest: shard path {path:?} of {table} is not {table}/<file>.parquet|.csv|.csv.zst"
        );
    }
    Ok(())
}

impl ColType {
    /// The PostgreSQL type the loader creates for this column type: the allow-list. A
    /// manifest's `pg_type` must equal it; the loader writes this, never the manifest's text.
    pub fn postgres(self) -> &'static str {
        match self {
            ColType::Int32 => "integer",
            ColType::Int64 => "bigint",
            ColType::Float64 => "double precision",
            ColType::Bool => "boolean",
            ColType::Text => "text",
            ColType::Json => "jsonb",
            ColType::Date => "date",
            ColType::Timestamp => "timestamptz",
            ColType::Money => "numeric(12,2)",
        }
    }

    /// The type as `format_type` prints it, to compare with a table that already exists.
    pub fn postgres_formatted(self) -> &'static str {
        match self {
            ColType::Timestamp => "timestamp with time zone",
            other => other.postgres(),
        }
    }
}

/// A plain lower-case SQL identifier: letters, digits and `_`, at most 63 bytes (PostgreSQL's
/// limit, beyond which names are silently truncated).
pub fn check_identifier(kind: &str, name: &str) -> anyhow::Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !ok {
        anyhow::bail!(
            "{kind} {name:?} is not a plain identifier (lower-case letters, digits and _, at most 63 characters)"
        );
    }
    Ok(())
}

/// An identifier quoted for SQL text. Callers pass names that passed [`check_identifier`];
/// quoting is the second wall.
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

impl Manifest {
    /// Refuses a manifest whose names, types, keys or shard paths could reach SQL or the file
    /// system as anything but what the generator writes. Runs before any connection is made.
    pub fn check(&self) -> anyhow::Result<()> {
        use anyhow::bail;
        if self.dataset.id.is_empty()
            || self.dataset.id.len() > 64
            || !self.dataset.id.chars().all(|c| c.is_ascii_alphanumeric())
        {
            bail!(
                "manifest: dataset id {:?} is not a plain hex id",
                self.dataset.id
            );
        }
        let mut names = std::collections::HashSet::new();
        for t in &self.tables {
            check_identifier("manifest: table", &t.name)?;
            if !names.insert(t.name.as_str()) {
                bail!("manifest: table {} is declared twice", t.name);
            }
            let mut cols = std::collections::HashSet::new();
            for c in &t.columns {
                check_identifier(&format!("manifest: column of {}", t.name), &c.name)?;
                if c.name == "_loaded_at" || !cols.insert(c.name.as_str()) {
                    bail!(
                        "manifest: column {}.{} is declared twice or reserved",
                        t.name,
                        c.name
                    );
                }
                if c.pg_type != c.ty.postgres() {
                    bail!(
                        "manifest: column {}.{} has pg_type {:?}; a {:?} column loads only as {:?}",
                        t.name,
                        c.name,
                        c.pg_type,
                        c.ty,
                        c.ty.postgres()
                    );
                }
            }
            if t.column(&t.primary_key).is_none() {
                bail!(
                    "manifest: the primary key of {} ({:?}) is not one of its columns",
                    t.name,
                    t.primary_key
                );
            }
            let mut sum = 0u64;
            for s in &t.shards {
                check_shard_path(&t.name, &s.path)?;
                if s.sha256.len() != 64
                    || !s.sha256.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f'))
                {
                    bail!(
                        "manifest: shard {} has no valid SHA-256 ({:?})",
                        s.path,
                        s.sha256
                    );
                }
                sum = sum.saturating_add(s.rows);
            }
            if sum != t.rows {
                bail!(
                    "manifest: the shards of {} hold {sum} rows, the table says {}",
                    t.name,
                    t.rows
                );
            }
        }
        for t in &self.tables {
            if format!("{}_pkey", t.name).len() > 63 {
                bail!(
                    "manifest: table name {} leaves no room for its key's name",
                    t.name
                );
            }
            for fk in &t.foreign_keys {
                if format!("{}_{}_fkey", t.name, fk.column).len() > 63 {
                    bail!(
                        "manifest: foreign key {}.{} gives a constraint name over 63 characters",
                        t.name,
                        fk.column
                    );
                }
                if t.column(&fk.column).is_none() {
                    bail!(
                        "manifest: foreign key of {} names column {:?}, which it does not declare",
                        t.name,
                        fk.column
                    );
                }
                check_identifier(
                    &format!("manifest: foreign key {}.{}: table", t.name, fk.column),
                    &fk.references_table,
                )?;
                check_identifier(
                    &format!("manifest: foreign key {}.{}: column", t.name, fk.column),
                    &fk.references_column,
                )?;
                // A dataset of some tables references tables it does not hold; those must
                // already be in the schema (else the key is skipped and listed).
                let parent = self.tables.iter().find(|p| p.name == fk.references_table);
                if let Some(parent) = parent
                    && parent.primary_key != fk.references_column
                {
                    bail!(
                        "manifest: foreign key {}.{} references {}.{:?}, which is not that table's primary key",
                        t.name,
                        fk.column,
                        parent.name,
                        fk.references_column
                    );
                }
            }
        }
        Ok(())
    }

    pub fn read(dir: &Path) -> anyhow::Result<Manifest> {
        Self::read_at(&Location::Local(dir.to_path_buf()))
    }

    /// Reads and checks `manifest.json` from a folder or an object-storage prefix (untrusted:
    /// every name and path in it is checked before use).
    pub fn read_at(loc: &Location) -> anyhow::Result<Manifest> {
        let path = loc.describe("manifest.json");
        let text = match loc.read("manifest.json") {
            Ok(Some(bytes)) => String::from_utf8_lossy(&bytes).into_owned(),
            Ok(None) => anyhow::bail!(
                "cannot read {path}: DATASET_DIR must be a folder or s3:// prefix written by `datagen generate` (for a split run, after all its parts finished)"
            ),
            Err(e) => anyhow::bail!(
                "cannot read {path} ({e}): DATASET_DIR must be a folder or s3:// prefix written by `datagen generate`"
            ),
        };
        let m: Manifest = serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{path} is not a valid manifest: {e}"))?;
        if m.format_version != SUPPORTED_FORMAT {
            anyhow::bail!(
                "{path} has manifest format {}; this datagen-load reads format {SUPPORTED_FORMAT}",
                m.format_version
            );
        }
        m.check()
            .map_err(|e| anyhow::anyhow!("{path}: {e:#}; nothing was loaded"))?;
        Ok(m)
    }
}
