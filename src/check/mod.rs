//! The checks toolkit: a check with target vs actual, a dataset on disk read column by column
//! through the tables' typed column names, and share helpers. Table modules write their rules
//! with it; the `validate` runner above collects them. It knows no table and no registry.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, PrimitiveArray, TimestampMicrosecondArray};
use arrow::datatypes::{
    ArrowPrimitiveType, DataType, Date32Type, Decimal128Type, Field, Int32Type, Int64Type, Schema,
    TimestampMicrosecondType,
};
use arrow::record_batch::RecordBatch;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::error::{Error, IoContext, Result};
use crate::manifest::{Manifest, TableEntry};
use crate::profile::Profile;
use crate::schema::{Col, ColType};
use crate::store::Location;
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

/// A dataset in a folder or on object storage, read column by column.
pub struct Dataset {
    pub loc: Location,
    pub manifest: Manifest,
    pub profile: Profile,
    /// Exclusive end of the cut (microseconds): midnight after the as-of date.
    pub end_ts: i64,
    /// Exclusive end of the anchor day, and the start of history five years before it.
    pub anchor_end_ts: i64,
    pub start_ts: i64,
}

impl Dataset {
    /// Opens a folder, or an `s3://bucket/prefix` given as a path.
    pub fn open(dir: &Path) -> Result<Dataset> {
        Self::open_at(Location::from_path(dir)?)
    }

    pub fn open_at(loc: Location) -> Result<Dataset> {
        let manifest = Manifest::read_at(&loc)?;
        let d = &manifest.dataset;
        let profile = Profile::parse(&d.profile).unwrap_or(Profile::Custom(d.accounts));
        let as_of = time::parse_date(&d.as_of)
            .ok_or_else(|| Error::Invalid(format!("manifest has a bad as_of '{}'", d.as_of)))?;
        let anchor = if d.anchor.is_empty() {
            as_of
        } else {
            time::parse_date(&d.anchor).ok_or_else(|| {
                Error::Invalid(format!("manifest has a bad anchor '{}'", d.anchor))
            })?
        };
        let anchor_end_ts = (anchor + 1) * time::MICROS_PER_DAY;
        Ok(Dataset {
            loc,
            end_ts: (as_of + 1) * time::MICROS_PER_DAY,
            anchor_end_ts,
            start_ts: time::add_months(anchor_end_ts, -60),
            profile,
            manifest,
        })
    }

    pub fn has(&self, table: &str) -> bool {
        self.manifest.table(table).is_some()
    }

    pub fn entry(&self, table: &str) -> Result<&TableEntry> {
        self.manifest
            .table(table)
            .ok_or_else(|| Error::Invalid(format!("the dataset has no table {table}")))
    }

    /// Streams the columns named in the manifest, batch by batch, with bounded memory.
    pub fn scan_names(
        &self,
        table: &str,
        columns: &[&str],
        mut f: impl FnMut(RecordBatch) -> Result<()>,
    ) -> Result<()> {
        for shard in 0..self.entry(table)?.shards.len() {
            self.scan_shard(table, shard, columns, &mut f)?;
        }
        Ok(())
    }

    /// Streams the named columns of one shard of a table (shards in manifest order).
    pub fn scan_shard(
        &self,
        table: &str,
        shard: usize,
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
        let shard = entry
            .shards
            .get(shard)
            .ok_or_else(|| Error::Invalid(format!("{table} has no shard {shard}")))?;
        {
            let path = PathBuf::from(self.loc.describe(&shard.path));
            // A local shard is read from its file; one on object storage is fetched whole.
            let source = match self.loc.local_dir() {
                Some(dir) => {
                    let p = dir.join(&shard.path);
                    Source::File(File::open(&p).at(&p)?)
                }
                None => Source::Bytes(self.loc.fetch(&shard.path)?),
            };
            let pq = |source| Error::Parquet {
                path: path.clone(),
                source,
            };
            let ar = |source| Error::Arrow {
                path: path.clone(),
                source,
            };
            // Columns come back in the order asked for, each of its declared type: a shard
            // whose columns are reordered or of another type is an error, never a panic.
            let want: Vec<(&str, DataType)> = indices
                .iter()
                .map(|&i| {
                    (
                        schema.field(i).name().as_str(),
                        schema.field(i).data_type().clone(),
                    )
                })
                .collect();
            let mut ordered = |b: RecordBatch| -> Result<()> {
                let mut cols = Vec::with_capacity(want.len());
                let mut fields = Vec::with_capacity(want.len());
                for (name, ty) in &want {
                    let i = b.schema().index_of(name).map_err(|_| {
                        Error::Invalid(format!("{} has no column {name}", path.display()))
                    })?;
                    let got = b.column(i).data_type();
                    if got != ty {
                        return Err(Error::Invalid(format!(
                            "{table}.{name} in {} holds {got}, expected {ty}: the shard does not match its declaration",
                            path.display()
                        )));
                    }
                    fields.push(b.schema().field(i).clone());
                    cols.push(b.column(i).clone());
                }
                let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)
                    .map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))?;
                f(batch)
            };
            if shard.path.ends_with(".parquet") {
                match source {
                    Source::File(f) => read_parquet(
                        ParquetRecordBatchReaderBuilder::try_new(f).map_err(pq)?,
                        &want,
                        &path,
                        &mut ordered,
                    )?,
                    Source::Bytes(b) => read_parquet(
                        ParquetRecordBatchReaderBuilder::try_new(b).map_err(pq)?,
                        &want,
                        &path,
                        &mut ordered,
                    )?,
                }
            } else {
                let raw: Box<dyn std::io::Read> = match source {
                    Source::File(f) => Box::new(f),
                    Source::Bytes(b) => Box::new(std::io::Cursor::new(b)),
                };
                let input: Box<dyn std::io::Read> = if shard.path.ends_with(".zst") {
                    Box::new(zstd::Decoder::new(raw).at(&path)?)
                } else {
                    raw
                };
                let reader = arrow::csv::ReaderBuilder::new(schema.clone())
                    .with_header(true)
                    .with_batch_size(64 * 1024)
                    .with_projection(indices.clone())
                    .build(input)
                    .map_err(ar)?;
                for b in reader {
                    ordered(b.map_err(ar)?)?;
                }
            }
        }
        Ok(())
    }

    /// Streams the given columns of one table, batch by batch, with bounded memory.
    pub fn scan(&self, columns: &[Col], f: impl FnMut(RecordBatch) -> Result<()>) -> Result<()> {
        let table = columns.first().map_or("", |c| c.table);
        if let Some(c) = columns.iter().find(|c| c.table != table) {
            return Err(Error::Invalid(format!(
                "one scan reads one table: {} is not a column of {table}",
                c
            )));
        }
        let names: Vec<&str> = columns.iter().map(|c| c.name).collect();
        self.scan_names(table, &names, f)
    }

    /// Reads the given columns of every shard of a table, in shard order.
    pub fn batches(&self, columns: &[Col]) -> Result<Vec<RecordBatch>> {
        let mut out = Vec::new();
        self.scan(columns, |b| {
            out.push(b);
            Ok(())
        })?;
        Ok(out)
    }

    /// One column of a table, all shards concatenated.
    pub fn column(&self, c: Col) -> Result<ArrayRef> {
        let batches = self.batches(&[c])?;
        let arrays: Vec<&dyn Array> = batches.iter().map(|b| b.column(0).as_ref()).collect();
        if arrays.is_empty() {
            let entry = self.entry(c.table)?;
            let ty = entry
                .columns
                .iter()
                .find(|x| x.name == c.name)
                .map(|x| x.ty.arrow())
                .ok_or_else(|| Error::Invalid(format!("the manifest has no column {c}")))?;
            return Ok(arrow::array::new_empty_array(&ty));
        }
        arrow::compute::concat(&arrays).map_err(|e| Error::Invalid(format!("reading {c}: {e}")))
    }

    /// One column as a primitive array of the expected type, or a clear error naming the column.
    fn primitive<T: ArrowPrimitiveType>(&self, c: Col) -> Result<PrimitiveArray<T>> {
        let a = self.column(c)?;
        a.as_primitive_opt::<T>()
            .cloned()
            .ok_or_else(|| wrong_type(c, a.data_type(), &T::DATA_TYPE))
    }

    pub fn i64s(&self, c: Col) -> Result<Vec<i64>> {
        Ok(self.primitive::<Int64Type>(c)?.values().to_vec())
    }

    pub fn i32s(&self, c: Col) -> Result<Vec<i32>> {
        Ok(self.primitive::<Int32Type>(c)?.values().to_vec())
    }

    /// Date columns as day numbers.
    pub fn i32s_date(&self, c: Col) -> Result<Vec<i32>> {
        Ok(self.primitive::<Date32Type>(c)?.values().to_vec())
    }

    /// Required strings (nulls read as empty).
    pub fn texts(&self, c: Col) -> Result<Vec<String>> {
        Ok(self
            .strings(c)?
            .into_iter()
            .map(Option::unwrap_or_default)
            .collect())
    }

    /// Required timestamps in microseconds.
    pub fn instants(&self, c: Col) -> Result<Vec<i64>> {
        Ok(self.timestamp_array(c)?.values().to_vec())
    }

    /// Index of each key value, for joins.
    pub fn index(&self, c: Col) -> Result<HashMap<i64, usize>> {
        Ok(self
            .i64s(c)?
            .into_iter()
            .enumerate()
            .map(|(i, k)| (k, i))
            .collect())
    }

    /// Index of each text key value, for joins.
    pub fn text_index(&self, c: Col) -> Result<HashMap<String, usize>> {
        Ok(self
            .texts(c)?
            .into_iter()
            .enumerate()
            .map(|(i, k)| (k, i))
            .collect())
    }

    /// Timestamps in microseconds; None for nulls.
    pub fn timestamps(&self, c: Col) -> Result<Vec<Option<i64>>> {
        Ok(self.timestamp_array(c)?.iter().collect())
    }

    fn timestamp_array(&self, c: Col) -> Result<TimestampMicrosecondArray> {
        let a = self.column(c)?;
        a.as_primitive_opt::<TimestampMicrosecondType>()
            .cloned()
            .ok_or_else(|| wrong_type(c, a.data_type(), &ColType::Timestamp.arrow()))
    }

    pub fn strings(&self, c: Col) -> Result<Vec<Option<String>>> {
        let a = self.column(c)?;
        let s = a
            .as_string_opt::<i32>()
            .ok_or_else(|| wrong_type(c, a.data_type(), &DataType::Utf8))?;
        Ok(s.iter().map(|s| s.map(String::from)).collect())
    }

    /// Money columns as whole cents.
    pub fn cents(&self, c: Col) -> Result<Vec<i64>> {
        let a = self.column(c)?;
        let d = a
            .as_primitive_opt::<Decimal128Type>()
            .ok_or_else(|| wrong_type(c, a.data_type(), &ColType::Money.arrow()))?;
        Ok(d.values().iter().map(|&v| v as i64).collect())
    }
}

/// Where one shard's bytes come from.
enum Source {
    File(File),
    Bytes(bytes::Bytes),
}

/// Streams the `want` columns of one Parquet shard, projected by name against the file's own
/// schema.
fn read_parquet<R: parquet::file::reader::ChunkReader + 'static>(
    builder: ParquetRecordBatchReaderBuilder<R>,
    want: &[(&str, DataType)],
    path: &Path,
    f: &mut dyn FnMut(RecordBatch) -> Result<()>,
) -> Result<()> {
    let pq = |source| Error::Parquet {
        path: path.to_path_buf(),
        source,
    };
    let file_schema = builder.schema().clone();
    let roots: Vec<usize> = want
        .iter()
        .map(|(name, _)| {
            file_schema
                .index_of(name)
                .map_err(|_| Error::Invalid(format!("{} has no column {name}", path.display())))
        })
        .collect::<Result<_>>()?;
    let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
    let reader = builder
        .with_projection(mask)
        .with_batch_size(64 * 1024)
        .build()
        .map_err(pq)?;
    for b in reader {
        f(b.map_err(|source| Error::Arrow {
            path: path.to_path_buf(),
            source,
        })?)?;
    }
    Ok(())
}

fn wrong_type(c: Col, got: &DataType, want: &DataType) -> Error {
    Error::Invalid(format!(
        "{c} holds {got}, expected {want}: the shard does not match its declaration"
    ))
}

/// Pairs category labels with their target shares, for `share_check`.
pub fn labelled<'a>(labels: &[&'a str], shares: &[f64]) -> Vec<(&'a str, f64)> {
    labels.iter().copied().zip(shares.iter().copied()).collect()
}

/// Compares the shares of categories with their targets: one percentage point (a quarter of
/// a small share) plus four
/// standard errors. Judged only when every tolerance is under half the distance of its target
/// from 0 % and 100 % (so that a missing or doubled category fails); else n/a.
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
    let total = counts.values().sum::<usize>();
    let n = total.max(1) as f64;
    let mut pass = true;
    let mut judged = total > 0;
    let mut target = Vec::new();
    let mut actual = Vec::new();
    for &(label, pct) in targets {
        let p = pct / 100.0;
        let tol = (pct.min(100.0 - pct) / 4.0).min(1.0) + 400.0 * (p * (1.0 - p) / n).sqrt();
        judged &= tol < pct.min(100.0 - pct) / 2.0;
        let got = *counts.get(label).unwrap_or(&0) as f64 * 100.0 / n;
        pass &= (got - pct).abs() <= tol;
        target.push(format!("{label} {pct:.0}±{tol:.1}"));
        actual.push(format!("{label} {got:.1}"));
    }
    Check::new(table, name, target.join(" "), actual.join(" "), pass)
        .unless_too_few(judged, format!("{total} rows"))
}
