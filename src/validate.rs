//! `datagen validate`: reads a dataset back from disk and checks it. Checks every table gets from
//! its manifest entry (checksums, counts, keys, references, accepted values, nulls) come first;
//! then each table's own rules (`Table::checks`). Each check reports target vs actual.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{Field, Int64Type, Schema, TimestampMicrosecondType};
use arrow::record_batch::RecordBatch;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::error::{Error, IoContext, Result};
use crate::manifest::{Manifest, TableEntry};
use crate::output::sha256_file;
use crate::profile::Profile;
use crate::schema::ColType;
use crate::table;
use crate::time;

#[derive(Clone, Debug)]
pub struct Check {
    pub table: String,
    pub name: String,
    pub target: String,
    pub actual: String,
    pub pass: bool,
}

impl Check {
    pub fn new(
        table: &str,
        name: impl Into<String>,
        target: impl Into<String>,
        actual: impl Into<String>,
        pass: bool,
    ) -> Check {
        Check {
            table: table.into(),
            name: name.into(),
            target: target.into(),
            actual: actual.into(),
            pass,
        }
    }

    /// A statistical check that the sample is too small to judge: shown, passed, marked n/a.
    pub fn too_few(
        table: &str,
        name: impl Into<String>,
        target: impl Into<String>,
        sample: impl std::fmt::Display,
    ) -> Check {
        Check::new(
            table,
            name,
            target,
            format!("n/a: sample too small ({sample})"),
            true,
        )
    }

    /// This check, or an n/a pass when the sample is too small to judge.
    pub fn unless_too_few(self, enough: bool, sample: impl std::fmt::Display) -> Check {
        if enough {
            self
        } else {
            Check::too_few(&self.table, self.name, self.target, sample)
        }
    }

    /// A check whose target is "no violations".
    pub fn zero(table: &str, name: impl Into<String>, violations: usize) -> Check {
        Check::new(
            table,
            name,
            "0 violations",
            format!("{violations} violations"),
            violations == 0,
        )
    }
}

/// A dataset on disk, read column by column.
pub struct Dataset {
    pub dir: PathBuf,
    pub manifest: Manifest,
    pub profile: Profile,
    /// Exclusive end of history (microseconds).
    pub end_ts: i64,
}

impl Dataset {
    pub fn open(dir: &Path) -> Result<Dataset> {
        let manifest = Manifest::read(dir)?;
        let d = &manifest.dataset;
        let profile = Profile::parse(&d.profile).unwrap_or(Profile::Custom(d.accounts));
        let as_of = time::parse_date(&d.as_of)
            .ok_or_else(|| Error::Invalid(format!("manifest has a bad as_of '{}'", d.as_of)))?;
        Ok(Dataset {
            dir: dir.to_path_buf(),
            end_ts: (as_of + 1) * time::MICROS_PER_DAY,
            profile,
            manifest,
        })
    }

    pub fn has(&self, table: &str) -> bool {
        self.manifest.table(table).is_some()
    }

    fn entry(&self, table: &str) -> Result<&TableEntry> {
        self.manifest
            .table(table)
            .ok_or_else(|| Error::Invalid(format!("the dataset has no table {table}")))
    }

    /// Reads the named columns of every shard of a table, in shard order.
    pub fn batches(&self, table: &str, columns: &[&str]) -> Result<Vec<RecordBatch>> {
        let mut out = Vec::new();
        self.scan(table, columns, |b| {
            out.push(b);
            Ok(())
        })?;
        Ok(out)
    }

    /// Streams the named columns of every shard, batch by batch, with bounded memory.
    pub fn scan(
        &self,
        table: &str,
        columns: &[&str],
        mut f: impl FnMut(RecordBatch) -> Result<()>,
    ) -> Result<()> {
        let entry = self.entry(table)?;
        let fields: Vec<Field> = entry
            .columns
            .iter()
            .map(|c| Field::new(&c.name, c.ty.arrow(), c.nullable))
            .collect();
        let schema = Arc::new(Schema::new(fields));
        let indices: Vec<usize> = columns
            .iter()
            .map(|c| {
                schema
                    .index_of(c)
                    .map_err(|_| Error::Invalid(format!("{table} has no column {c}")))
            })
            .collect::<Result<_>>()?;
        for shard in &entry.shards {
            let path = self.dir.join(&shard.path);
            let file = File::open(&path).at(&path)?;
            let pq = |source| Error::Parquet {
                path: path.clone(),
                source,
            };
            let ar = |source| Error::Arrow {
                path: path.clone(),
                source,
            };
            if shard.path.ends_with(".parquet") {
                let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(pq)?;
                let mask = ProjectionMask::roots(builder.parquet_schema(), indices.clone());
                let reader = builder
                    .with_projection(mask)
                    .with_batch_size(64 * 1024)
                    .build()
                    .map_err(pq)?;
                for b in reader {
                    f(b.map_err(ar)?)?;
                }
            } else {
                let input: Box<dyn std::io::Read> = if shard.path.ends_with(".zst") {
                    Box::new(zstd::Decoder::new(file).at(&path)?)
                } else {
                    Box::new(file)
                };
                let reader = arrow::csv::ReaderBuilder::new(schema.clone())
                    .with_header(true)
                    .with_batch_size(64 * 1024)
                    .with_projection(indices.clone())
                    .build(input)
                    .map_err(ar)?;
                for b in reader {
                    f(b.map_err(ar)?)?;
                }
            }
        }
        Ok(())
    }

    /// One column of a table, all shards concatenated.
    pub fn column(&self, table: &str, column: &str) -> Result<ArrayRef> {
        let batches = self.batches(table, &[column])?;
        let arrays: Vec<&dyn Array> = batches.iter().map(|b| b.column(0).as_ref()).collect();
        if arrays.is_empty() {
            let entry = self.entry(table)?;
            let c = entry
                .columns
                .iter()
                .find(|c| c.name == column)
                .expect("checked");
            return Ok(arrow::array::new_empty_array(&c.ty.arrow()));
        }
        arrow::compute::concat(&arrays)
            .map_err(|e| Error::Invalid(format!("reading {table}.{column}: {e}")))
    }

    pub fn i64s(&self, table: &str, column: &str) -> Result<Vec<i64>> {
        let a = self.column(table, column)?;
        Ok(a.as_primitive::<Int64Type>().values().to_vec())
    }

    pub fn i32s(&self, table: &str, column: &str) -> Result<Vec<i32>> {
        let a = self.column(table, column)?;
        Ok(a.as_primitive::<arrow::datatypes::Int32Type>()
            .values()
            .to_vec())
    }

    /// Date columns as day numbers.
    pub fn i32s_date(&self, table: &str, column: &str) -> Result<Vec<i32>> {
        let a = self.column(table, column)?;
        Ok(a.as_primitive::<arrow::datatypes::Date32Type>()
            .values()
            .to_vec())
    }

    /// Required strings (nulls read as empty).
    pub fn texts(&self, table: &str, column: &str) -> Result<Vec<String>> {
        let a = self.column(table, column)?;
        Ok(a.as_string::<i32>()
            .iter()
            .map(|s| s.unwrap_or("").to_string())
            .collect())
    }

    /// Required timestamps in microseconds.
    pub fn instants(&self, table: &str, column: &str) -> Result<Vec<i64>> {
        let a = self.column(table, column)?;
        Ok(a.as_primitive::<TimestampMicrosecondType>()
            .values()
            .to_vec())
    }

    /// Index of each key value, for joins.
    pub fn index(&self, table: &str, column: &str) -> Result<HashMap<i64, usize>> {
        Ok(self
            .i64s(table, column)?
            .into_iter()
            .enumerate()
            .map(|(i, k)| (k, i))
            .collect())
    }

    /// Timestamps in microseconds; None for nulls.
    pub fn timestamps(&self, table: &str, column: &str) -> Result<Vec<Option<i64>>> {
        let a = self.column(table, column)?;
        Ok(a.as_primitive::<TimestampMicrosecondType>()
            .iter()
            .collect())
    }

    pub fn strings(&self, table: &str, column: &str) -> Result<Vec<Option<String>>> {
        let a = self.column(table, column)?;
        Ok(a.as_string::<i32>()
            .iter()
            .map(|s| s.map(String::from))
            .collect())
    }

    /// Money columns as whole cents.
    pub fn cents(&self, table: &str, column: &str) -> Result<Vec<i64>> {
        let a = self.column(table, column)?;
        Ok(a.as_primitive::<arrow::datatypes::Decimal128Type>()
            .values()
            .iter()
            .map(|&v| v as i64)
            .collect())
    }
}

/// Compares the shares of categories with their targets. The tolerance widens for small samples:
/// one percentage point plus four standard errors.
pub fn share_check(table: &str, name: &str, values: &[&str], targets: &[(&str, f64)]) -> Check {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for v in values {
        *counts.entry(v).or_default() += 1;
    }
    share_check_counts(table, name, &counts, targets)
}

/// `share_check` from counts per category, for streamed columns.
pub fn share_check_counts(
    table: &str,
    name: &str,
    counts: &HashMap<&str, usize>,
    targets: &[(&str, f64)],
) -> Check {
    let n = counts.values().sum::<usize>().max(1) as f64;
    let mut pass = true;
    let mut target = Vec::new();
    let mut actual = Vec::new();
    for &(label, pct) in targets {
        let p = pct / 100.0;
        let tol = 1.0 + 400.0 * (p * (1.0 - p) / n).sqrt();
        let got = *counts.get(label).unwrap_or(&0) as f64 * 100.0 / n;
        pass &= (got - pct).abs() <= tol;
        target.push(format!("{label} {pct:.0}±{tol:.1}"));
        actual.push(format!("{label} {got:.1}"));
    }
    Check::new(table, name, target.join(" "), actual.join(" "), pass)
}

/// Checks every table gets from its manifest entry.
fn generic_checks(ds: &Dataset, entry: &TableEntry, checks: &mut Vec<Check>) -> Result<()> {
    let t = entry.name.as_str();
    // Files present and unchanged.
    let mut bad = Vec::new();
    for s in &entry.shards {
        let path = ds.dir.join(&s.path);
        match sha256_file(&path) {
            Ok(h) if h == s.sha256 => {}
            Ok(_) => bad.push(format!("{} (checksum differs)", s.path)),
            Err(_) => bad.push(format!("{} (missing)", s.path)),
        }
    }
    let ok = bad.is_empty();
    checks.push(Check::new(
        t,
        "shards match manifest checksums",
        format!("{} shards intact", entry.shards.len()),
        if ok {
            format!("{} intact", entry.shards.len())
        } else {
            bad.join(", ")
        },
        ok,
    ));
    if !ok {
        return Ok(());
    }
    // Primary key: present and unique; the key pass also counts the rows.
    let pk_ty = entry
        .columns
        .iter()
        .find(|c| c.name == entry.primary_key)
        .map(|c| c.ty);
    let mut keys = KeySet::for_column(ds, t, &entry.primary_key, pk_ty)?;
    let (mut rows, mut violations) = (0u64, 0usize);
    ds.scan(t, &[entry.primary_key.as_str()], |b| {
        let a = b.column(0);
        rows += a.len() as u64;
        violations += a.null_count();
        violations += keys.insert_all(a.as_ref());
        Ok(())
    })?;
    let expected = ds.profile.count(t).unwrap_or(entry.rows);
    checks.push(Check::new(
        t,
        "exact row count",
        format!("{expected} ({})", ds.manifest.dataset.profile),
        rows.to_string(),
        rows == expected && entry.rows == expected,
    ));
    checks.push(Check::zero(
        t,
        format!("primary key {} unique and not null", entry.primary_key),
        violations,
    ));
    // Nulls only where declared, accepted values only.
    for c in &entry.columns {
        if c.nullable && c.accepted_values.is_empty() {
            continue;
        }
        let (mut nulls, mut bad) = (0usize, 0usize);
        ds.scan(t, &[c.name.as_str()], |b| {
            let a = b.column(0);
            nulls += a.null_count();
            if !c.accepted_values.is_empty() {
                bad += a
                    .as_string::<i32>()
                    .iter()
                    .flatten()
                    .filter(|v| !c.accepted_values.iter().any(|x| x == v))
                    .count();
            }
            Ok(())
        })?;
        if !c.nullable && nulls > 0 {
            checks.push(Check::zero(t, format!("{} not null", c.name), nulls));
        }
        if !c.accepted_values.is_empty() {
            checks.push(Check::zero(t, format!("{} accepted values", c.name), bad));
        }
    }
    // References resolve: the parent keys in a set, the children streamed.
    for fk in &entry.foreign_keys {
        let Some(parent) = ds.manifest.table(&fk.references_table) else {
            continue;
        };
        let ty = parent
            .columns
            .iter()
            .find(|c| c.name == fk.references_column)
            .map(|c| c.ty);
        let mut parents = KeySet::for_column(ds, &fk.references_table, &fk.references_column, ty)?;
        ds.scan(
            &fk.references_table,
            &[fk.references_column.as_str()],
            |b| {
                parents.insert_all(b.column(0).as_ref());
                Ok(())
            },
        )?;
        let mut orphans = 0;
        ds.scan(t, &[fk.column.as_str()], |b| {
            orphans += parents.missing(b.column(0).as_ref());
            Ok(())
        })?;
        checks.push(Check::zero(
            t,
            format!(
                "{} references {}.{}",
                fk.column, fk.references_table, fk.references_column
            ),
            orphans,
        ));
    }
    Ok(())
}

/// A set of key values sized for the column: a bitmap over dense integer ranges (ids are
/// mostly 1..N), a hash set otherwise. Keeps validation memory small at production size.
enum KeySet {
    Dense { min: i64, bits: Vec<u64> },
    Ints(HashSet<i64>),
    Texts(HashSet<String>),
}

impl KeySet {
    fn for_column(ds: &Dataset, table: &str, column: &str, ty: Option<ColType>) -> Result<KeySet> {
        if ty != Some(ColType::Int64) {
            return Ok(KeySet::Texts(HashSet::new()));
        }
        let (mut min, mut max, mut n) = (i64::MAX, i64::MIN, 0u64);
        ds.scan(table, &[column], |b| {
            for v in b.column(0).as_primitive::<Int64Type>().iter().flatten() {
                min = min.min(v);
                max = max.max(v);
                n += 1;
            }
            Ok(())
        })?;
        let span = (max as i128 - min as i128 + 1).max(0) as u128;
        Ok(if n > 0 && span <= 8 * u128::from(n) {
            KeySet::Dense {
                min,
                bits: vec![0; span.div_ceil(64) as usize],
            }
        } else {
            KeySet::Ints(HashSet::new())
        })
    }

    /// Inserts the non-null values of an array; returns how many were already present.
    fn insert_all(&mut self, a: &dyn Array) -> usize {
        let mut dup = 0;
        match self {
            KeySet::Dense { min, bits } => {
                for v in a.as_primitive::<Int64Type>().iter().flatten() {
                    let i = (v - *min) as usize;
                    let (w, m) = (i / 64, 1u64 << (i % 64));
                    dup += usize::from(bits[w] & m != 0);
                    bits[w] |= m;
                }
            }
            KeySet::Ints(set) => {
                for v in a.as_primitive::<Int64Type>().iter().flatten() {
                    dup += usize::from(!set.insert(v));
                }
            }
            KeySet::Texts(set) => {
                for v in a.as_string::<i32>().iter().flatten() {
                    dup += usize::from(!set.insert(v.to_string()));
                }
            }
        }
        dup
    }

    /// Non-null values of an array that are not in the set.
    fn missing(&self, a: &dyn Array) -> usize {
        match self {
            KeySet::Dense { min, bits } => a
                .as_primitive::<Int64Type>()
                .iter()
                .flatten()
                .filter(|&v| {
                    let i = v.wrapping_sub(*min);
                    i < 0
                        || (i as usize / 64) >= bits.len()
                        || bits[i as usize / 64] & (1 << (i as usize % 64)) == 0
                })
                .count(),
            KeySet::Ints(set) => a
                .as_primitive::<Int64Type>()
                .iter()
                .flatten()
                .filter(|v| !set.contains(v))
                .count(),
            KeySet::Texts(set) => a
                .as_string::<i32>()
                .iter()
                .flatten()
                .filter(|v| !set.contains(*v))
                .count(),
        }
    }
}

/// Runs every check on the dataset in `dir`.
pub fn run(dir: &Path) -> Result<Vec<Check>> {
    let ds = Dataset::open(dir)?;
    let mut checks = Vec::new();
    for entry in &ds.manifest.tables {
        generic_checks(&ds, entry, &mut checks)?;
    }
    if checks
        .iter()
        .any(|c| !c.pass && c.name.contains("checksum"))
    {
        return Ok(checks);
    }
    for entry in &ds.manifest.tables {
        if let Some(t) = table::find(&entry.name) {
            checks.extend(t.checks(&ds)?);
        }
    }
    Ok(checks)
}

/// The check table as text: check | target | actual | pass.
pub fn render(checks: &[Check]) -> String {
    let w_name = checks
        .iter()
        .map(|c| c.table.len() + c.name.len() + 2)
        .max()
        .unwrap_or(5);
    let w_target = checks
        .iter()
        .map(|c| c.target.len())
        .max()
        .unwrap_or(6)
        .min(60);
    let mut s = format!(
        "{:<w_name$} | {:<w_target$} | actual | pass\n",
        "check", "target"
    );
    for c in checks {
        s.push_str(&format!(
            "{:<w_name$} | {:<w_target$} | {} | {}\n",
            format!("{}: {}", c.table, c.name),
            c.target,
            c.actual,
            if c.pass { "PASS" } else { "FAIL" }
        ));
    }
    s
}
