//! Per-column statistics and children-per-parent counts, gathered in one streaming pass per table
//! (bounded memory: distinct values are exact up to [`EXACT_DISTINCT`], then a HyperLogLog
//! estimate; histograms come from a systematic sample of at most [`SAMPLE`] rows; top values are
//! kept for columns of at most [`TOP_CAP`] distinct values).
//!
//! Every figure is defined so that an independent reader can recompute it exactly from the
//! shards (see `tests/python/check_report.py`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::Hasher;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{
    Date32Type, Decimal128Type, Float64Type, Int32Type, Int64Type, TimestampMicrosecondType,
};
use serde::Serialize;

use crate::check::Dataset;
use crate::error::Result;
use crate::manifest::{ColumnEntry, TableEntry};
use crate::schema::ColType;
use crate::time;

/// Distinct values counted exactly up to this many per column.
pub const EXACT_DISTINCT: usize = 100_000;
/// Rows sampled per column for its histogram: every `stride`-th row, stride = ceil(rows / SAMPLE).
pub const SAMPLE: u64 = 100_000;
/// Columns with more distinct values than this get no top-values list.
pub const TOP_CAP: usize = 1_000;
/// Bars in a numeric histogram.
pub const BINS: usize = 20;

/// A fast, fixed 64-bit mix (splitmix64's finaliser): distinct counting needs speed and spread,
/// not resistance to chosen inputs.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// 64-bit hash of bytes: 8 bytes at a time through [`mix`].
fn hash_bytes(b: &[u8]) -> u64 {
    let mut h = 0x9E37_79B9_7F4A_7C15u64 ^ b.len() as u64;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        h = mix(h ^ u64::from_le_bytes(c.try_into().expect("8 bytes")));
    }
    let mut last = [0u8; 8];
    last[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    mix(h ^ u64::from_le_bytes(last))
}

/// A hasher for maps keyed by values already spread by [`mix`] or short strings.
#[derive(Default)]
struct FastHasher(u64);

impl Hasher for FastHasher {
    fn finish(&self) -> u64 {
        mix(self.0)
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0 = hash_bytes(bytes) ^ self.0.rotate_left(5);
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v ^ self.0.rotate_left(5);
    }
}

type Fast = std::hash::BuildHasherDefault<FastHasher>;

/// HyperLogLog with 2^16 registers (about 0.4 % standard error, so an estimate stays well
/// inside the 3 % that `tests/python/check_report.py` allows; 64 KiB a column).
struct Hll {
    registers: Vec<u8>,
}

impl Hll {
    const P: u32 = 16;

    fn new() -> Hll {
        Hll {
            registers: vec![0; 1 << Self::P],
        }
    }

    fn add(&mut self, h: u64) {
        let idx = (h >> (64 - Self::P)) as usize;
        let rank = ((h << Self::P) | (1 << (Self::P - 1))).leading_zeros() as u8 + 1;
        self.registers[idx] = self.registers[idx].max(rank);
    }

    fn merge(&mut self, other: &Hll) {
        for (a, b) in self.registers.iter_mut().zip(&other.registers) {
            *a = (*a).max(*b);
        }
    }

    fn estimate(&self) -> u64 {
        let m = self.registers.len() as f64;
        let sum: f64 = self.registers.iter().map(|&r| 2f64.powi(-(r as i32))).sum();
        let raw = 0.7213 / (1.0 + 1.079 / m) * m * m / sum;
        let zeros = self.registers.iter().filter(|&&r| r == 0).count();
        if raw <= 2.5 * m && zeros > 0 {
            (m * (m / zeros as f64).ln()).round() as u64
        } else {
            raw.round() as u64
        }
    }
}

/// A histogram of a numeric column over a systematic sample.
#[derive(Serialize, Clone, Debug)]
pub struct Histogram {
    pub stride: u64,
    pub sampled: u64,
    pub lo: f64,
    pub hi: f64,
    pub counts: Vec<u64>,
}

/// The bar a value falls in: the same arithmetic an independent check uses.
pub fn bin(v: f64, lo: f64, hi: f64) -> usize {
    if hi <= lo {
        0
    } else {
        (((v - lo) / (hi - lo) * BINS as f64).floor() as usize).min(BINS - 1)
    }
}

pub fn histogram(values: &[f64], stride: u64) -> Option<Histogram> {
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if values.is_empty() {
        return None;
    }
    let mut counts = vec![0u64; BINS];
    for &v in values {
        counts[bin(v, lo, hi)] += 1;
    }
    Some(Histogram {
        stride,
        sampled: values.len() as u64,
        lo,
        hi,
        counts,
    })
}

#[derive(Serialize, Clone, Debug)]
pub struct ColumnStats {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: ColType,
    pub pg_type: String,
    pub description: String,
    pub nullable: bool,
    pub accepted_values: Vec<String>,
    pub count: u64,
    pub nulls: u64,
    pub null_share: f64,
    pub distinct: u64,
    pub distinct_exact: bool,
    /// Numeric columns: min and max as numbers (timestamps in microseconds since the epoch, dates
    /// in days, money in dollars) and their display text.
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub min_text: Option<String>,
    pub max_text: Option<String>,
    pub mean: Option<f64>,
    /// Text columns: shortest and longest value, in characters.
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    /// Most frequent values (count descending, then value), when the column has at most
    /// TOP_CAP distinct values.
    pub top: Vec<(String, u64)>,
    pub histogram: Option<Histogram>,
}

/// Accumulates one column.
pub struct ColumnAcc {
    entry: ColumnEntry,
    stride: u64,
    count: u64,
    nulls: u64,
    exact: Option<HashSet<u64, Fast>>,
    hll: Hll,
    min: f64,
    max: f64,
    sum_int: i128,
    sum_float: f64,
    numeric: bool,
    min_len: u64,
    max_len: u64,
    values: Option<HashMap<String, u64, Fast>>,
    sample: Vec<f64>,
}

impl ColumnAcc {
    pub fn new(entry: &ColumnEntry, rows: u64) -> ColumnAcc {
        let categorical = matches!(entry.ty, ColType::Text | ColType::Json | ColType::Bool);
        ColumnAcc {
            entry: entry.clone(),
            stride: rows.div_ceil(SAMPLE).max(1),
            count: 0,
            nulls: 0,
            exact: Some(HashSet::default()),
            hll: Hll::new(),
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            sum_int: 0,
            sum_float: 0.0,
            numeric: !categorical,
            min_len: u64::MAX,
            max_len: 0,
            values: categorical.then(HashMap::default),
            sample: Vec::new(),
        }
    }

    fn distinct(&mut self, h: u64) {
        self.hll.add(h);
        if let Some(set) = &mut self.exact {
            set.insert(h);
            if set.len() > EXACT_DISTINCT {
                self.exact = None;
            }
        }
    }

    fn number(&mut self, v: f64, row: u64) {
        self.min = self.min.min(v);
        self.max = self.max.max(v);
        if row.is_multiple_of(self.stride) {
            self.sample.push(v);
        }
    }

    /// An integer-valued column: sum, distinct, min/max and sample.
    fn integers(&mut self, a: &dyn Array, first_row: u64, values: impl Iterator<Item = i64>) {
        let no_nulls = a.null_count() == 0;
        for (i, v) in values.enumerate() {
            if no_nulls || !a.is_null(i) {
                self.sum_int += i128::from(v);
                self.distinct(mix(v as u64));
                self.number(v as f64, first_row + i as u64);
            }
        }
    }

    fn text(&mut self, s: &str) {
        let len = if s.is_ascii() {
            s.len()
        } else {
            s.chars().count()
        } as u64;
        self.min_len = self.min_len.min(len);
        self.max_len = self.max_len.max(len);
        self.distinct(hash_bytes(s.as_bytes()));
        if let Some(map) = &mut self.values {
            if let Some(n) = map.get_mut(s) {
                *n += 1;
            } else if map.len() < TOP_CAP {
                map.insert(s.to_string(), 1);
            } else {
                self.values = None;
            }
        }
    }

    /// Adds a column of a batch whose first row is the table's row `first_row`.
    pub fn add(&mut self, a: &dyn Array, first_row: u64) {
        let n = a.len();
        self.count += n as u64;
        self.nulls += a.null_count() as u64;
        let no_nulls = a.null_count() == 0;
        match self.entry.ty {
            ColType::Int32 => {
                let p = a.as_primitive::<Int32Type>();
                self.integers(a, first_row, p.values().iter().map(|&v| i64::from(v)));
            }
            ColType::Int64 => {
                let p = a.as_primitive::<Int64Type>();
                self.integers(a, first_row, p.values().iter().copied());
            }
            ColType::Date => {
                let p = a.as_primitive::<Date32Type>();
                self.integers(a, first_row, p.values().iter().map(|&v| i64::from(v)));
            }
            ColType::Timestamp => {
                let p = a.as_primitive::<TimestampMicrosecondType>();
                self.integers(a, first_row, p.values().iter().copied());
            }
            ColType::Float64 => {
                let p = a.as_primitive::<Float64Type>();
                for (i, &v) in p.values().iter().enumerate() {
                    if no_nulls || !a.is_null(i) {
                        self.sum_float += v;
                        self.distinct(mix(v.to_bits()));
                        self.number(v, first_row + i as u64);
                    }
                }
            }
            ColType::Money => {
                let p = a.as_primitive::<Decimal128Type>();
                let scale = 10f64.powi(i32::from(p.scale()));
                for (i, &cents) in p.values().iter().enumerate() {
                    if no_nulls || !a.is_null(i) {
                        self.sum_int += cents;
                        self.distinct(mix(cents as u64 ^ (cents >> 64) as u64));
                        self.number(cents as f64 / scale, first_row + i as u64);
                    }
                }
            }
            ColType::Bool => {
                let b = a.as_boolean();
                for i in 0..n {
                    if no_nulls || !a.is_null(i) {
                        self.text(if b.value(i) { "true" } else { "false" });
                    }
                }
                self.min_len = u64::MAX;
            }
            ColType::Text | ColType::Json => {
                let s = a.as_string::<i32>();
                for i in 0..n {
                    if no_nulls || !a.is_null(i) {
                        self.text(s.value(i));
                    }
                }
            }
        }
    }

    /// Folds in the accumulator of the next shard (shards merged in manifest order).
    pub fn merge(&mut self, o: ColumnAcc) {
        self.count += o.count;
        self.nulls += o.nulls;
        self.hll.merge(&o.hll);
        self.exact = match (self.exact.take(), o.exact) {
            (Some(mut a), Some(b)) => {
                a.extend(b);
                (a.len() <= EXACT_DISTINCT).then_some(a)
            }
            _ => None,
        };
        self.min = self.min.min(o.min);
        self.max = self.max.max(o.max);
        self.sum_int += o.sum_int;
        self.sum_float += o.sum_float;
        self.min_len = self.min_len.min(o.min_len);
        self.max_len = self.max_len.max(o.max_len);
        self.values = match (self.values.take(), o.values) {
            (Some(mut a), Some(b)) => {
                for (k, v) in b {
                    *a.entry(k).or_insert(0) += v;
                }
                (a.len() <= TOP_CAP).then_some(a)
            }
            _ => None,
        };
        self.sample.extend(o.sample);
    }

    pub fn finish(self) -> ColumnStats {
        let e = self.entry;
        let valid = self.count - self.nulls;
        let has_numbers = self.numeric && valid > 0;
        let fmt = |v: f64| -> String {
            match e.ty {
                ColType::Timestamp => time::format_ts(v as i64),
                ColType::Date => time::format_date(v as i64),
                ColType::Money => format!("{v:.2}"),
                ColType::Float64 => format!("{v}"),
                _ => format!("{}", v as i64),
            }
        };
        let mean = has_numbers.then(|| match e.ty {
            ColType::Float64 => self.sum_float / valid as f64,
            ColType::Money => self.sum_int as f64 / 100.0 / valid as f64,
            _ => self.sum_int as f64 / valid as f64,
        });
        let mut top: Vec<(String, u64)> = self.values.unwrap_or_default().into_iter().collect();
        top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        top.truncate(10);
        let text = matches!(e.ty, ColType::Text | ColType::Json) && valid > 0;
        let (distinct, distinct_exact) = match &self.exact {
            Some(set) => (set.len() as u64, true),
            None => (self.hll.estimate(), false),
        };
        ColumnStats {
            name: e.name.clone(),
            ty: e.ty,
            pg_type: e.pg_type.clone(),
            description: e.description.clone(),
            nullable: e.nullable,
            accepted_values: e.accepted_values.clone(),
            count: self.count,
            nulls: self.nulls,
            null_share: if self.count == 0 {
                0.0
            } else {
                self.nulls as f64 / self.count as f64
            },
            distinct,
            distinct_exact,
            min: has_numbers.then_some(self.min),
            max: has_numbers.then_some(self.max),
            min_text: has_numbers.then(|| fmt(self.min)),
            max_text: has_numbers.then(|| fmt(self.max)),
            mean,
            min_length: text.then_some(self.min_len),
            max_length: text.then_some(self.max_len),
            top,
            histogram: if has_numbers {
                histogram(&self.sample, self.stride)
            } else {
                None
            },
        }
    }
}

/// Children per parent for one foreign key.
#[derive(Serialize, Clone, Debug)]
pub struct Cardinality {
    pub child: String,
    pub column: String,
    pub parent: String,
    pub parent_column: String,
    pub parents: u64,
    pub children: u64,
    pub parents_without_children: u64,
    pub share_without_children: f64,
    pub min: u64,
    /// Lower median and nearest-rank 95th percentile over every parent (childless ones count 0).
    pub median: u64,
    pub p95: u64,
    pub max: u64,
    /// (lowest count in the bar, highest count in the bar, parents).
    pub histogram: Vec<(u64, u64, u64)>,
}

/// Counts children per parent key of one foreign-key column.
pub struct FkAcc {
    pub child: String,
    pub column: String,
    pub parent: String,
    pub parent_column: String,
    counts: HashMap<u64, u32, Fast>,
    children: u64,
}

impl FkAcc {
    pub fn new(child: &str, column: &str, parent: &str, parent_column: &str) -> FkAcc {
        FkAcc {
            child: child.into(),
            column: column.into(),
            parent: parent.into(),
            parent_column: parent_column.into(),
            counts: HashMap::default(),
            children: 0,
        }
    }

    pub fn add(&mut self, a: &dyn Array) {
        let mut bump = |k: u64| *self.counts.entry(k).or_insert(0) += 1;
        match a.data_type() {
            arrow::datatypes::DataType::Int64 => {
                let p = a.as_primitive::<Int64Type>();
                for i in (0..a.len()).filter(|&i| !a.is_null(i)) {
                    bump(p.value(i) as u64);
                }
            }
            arrow::datatypes::DataType::Int32 => {
                let p = a.as_primitive::<Int32Type>();
                for i in (0..a.len()).filter(|&i| !a.is_null(i)) {
                    bump(p.value(i) as u64);
                }
            }
            _ => {
                let s = a.as_string::<i32>();
                for i in (0..a.len()).filter(|&i| !a.is_null(i)) {
                    bump(hash_bytes(s.value(i).as_bytes()));
                }
            }
        }
        self.children += (a.len() - a.null_count()) as u64;
    }

    pub fn merge(&mut self, o: FkAcc) {
        for (k, v) in o.counts {
            *self.counts.entry(k).or_insert(0) += v;
        }
        self.children += o.children;
    }

    pub fn finish(self, parent_rows: u64) -> Cardinality {
        let seen = self.counts.len() as u64;
        let without = parent_rows.saturating_sub(seen);
        let mut freq: BTreeMap<u64, u64> = BTreeMap::new();
        for &c in self.counts.values() {
            *freq.entry(u64::from(c)).or_insert(0) += 1;
        }
        if without > 0 {
            *freq.entry(0).or_insert(0) += without;
        }
        let n: u64 = freq.values().sum();
        let at = |rank: u64| -> u64 {
            // The value at 0-based position `rank` of the sorted counts.
            let mut seen = 0;
            for (&value, &k) in &freq {
                seen += k;
                if rank < seen {
                    return value;
                }
            }
            0
        };
        let max = freq.keys().next_back().copied().unwrap_or(0);
        let histogram = if max <= 30 {
            freq.iter().map(|(&v, &k)| (v, v, k)).collect()
        } else {
            let width = max.div_ceil(BINS as u64).max(1);
            let mut bars: Vec<(u64, u64, u64)> = (0..BINS as u64)
                .map(|b| (b * width, b * width + width - 1, 0))
                .collect();
            for (&v, &k) in &freq {
                let b = ((v / width) as usize).min(BINS - 1);
                bars[b].2 += k;
            }
            bars.retain(|b| b.0 <= max);
            bars
        };
        Cardinality {
            child: self.child,
            column: self.column,
            parent: self.parent,
            parent_column: self.parent_column,
            parents: n,
            children: self.children,
            parents_without_children: without,
            share_without_children: if n == 0 {
                0.0
            } else {
                without as f64 / n as f64
            },
            min: freq.keys().next().copied().unwrap_or(0),
            median: if n == 0 { 0 } else { at((n - 1) / 2) },
            p95: if n == 0 {
                0
            } else {
                at((n * 95).div_ceil(100) - 1)
            },
            max,
            histogram,
        }
    }
}

/// The accumulators of one shard: per column, and per foreign key with its column index.
type ShardStats = (Vec<ColumnAcc>, Vec<(usize, FkAcc)>);

/// Statistics of one table, read in one pass over every column, shards in parallel and merged
/// in manifest order (so every figure is the same for any thread count), with children per
/// parent of each foreign key counted in the same pass.
pub fn table_stats(ds: &Dataset, entry: &TableEntry) -> Result<(Vec<ColumnStats>, Vec<FkAcc>)> {
    use rayon::prelude::*;
    let names: Vec<&str> = entry.columns.iter().map(|c| c.name.as_str()).collect();
    let starts: Vec<u64> = entry
        .shards
        .iter()
        .scan(0u64, |row, s| {
            let first = *row;
            *row += s.rows;
            Some(first)
        })
        .collect();
    let fresh = || -> ShardStats {
        (
            entry
                .columns
                .iter()
                .map(|c| ColumnAcc::new(c, entry.rows))
                .collect(),
            entry
                .foreign_keys
                .iter()
                .filter_map(|f| {
                    let i = entry.columns.iter().position(|c| c.name == f.column)?;
                    let acc = FkAcc::new(
                        &entry.name,
                        &f.column,
                        &f.references_table,
                        &f.references_column,
                    );
                    Some((i, acc))
                })
                .collect(),
        )
    };
    let scan = |shard: usize| -> Result<ShardStats> {
        let (mut accs, mut fk) = fresh();
        let mut row = starts[shard];
        ds.scan_shard(&entry.name, shard, &names, |b: RecordBatch| {
            for (acc, col) in accs.iter_mut().zip(b.columns()) {
                acc.add(col.as_ref(), row);
            }
            for (i, f) in fk.iter_mut() {
                f.add(b.column(*i).as_ref());
            }
            row += b.num_rows() as u64;
            Ok(())
        })?;
        Ok((accs, fk))
    };
    // As many shards at a time as there are threads, merged before the next ones start: memory
    // holds a handful of shard accumulators, never one per shard.
    let (mut accs, mut fk_total) = fresh();
    let shards: Vec<usize> = (0..entry.shards.len()).collect();
    for group in shards.chunks(rayon::current_num_threads().max(1)) {
        let parts: Vec<_> = group
            .par_iter()
            .map(|&shard| scan(shard))
            .collect::<Result<_>>()?;
        for (part, fk) in parts {
            for (a, p) in accs.iter_mut().zip(part) {
                a.merge(p);
            }
            for ((_, a), (_, p)) in fk_total.iter_mut().zip(fk) {
                a.merge(p);
            }
        }
    }
    Ok((
        accs.into_iter().map(ColumnAcc::finish).collect(),
        fk_total.into_iter().map(|(_, f)| f).collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hll_is_within_one_and_a_half_percent() {
        let mut h = Hll::new();
        for i in 0..500_000u64 {
            h.add(mix(i));
        }
        let e = h.estimate() as f64;
        assert!((e / 500_000.0 - 1.0).abs() < 0.015, "{e}");
    }

    #[test]
    fn cardinality_counts_childless_parents() {
        let mut fk = FkAcc::new("c", "p_id", "p", "id");
        let a = arrow::array::Int64Array::from(vec![Some(1), Some(1), Some(2), None]);
        fk.add(&a);
        let c = fk.finish(4);
        assert_eq!(
            (c.parents, c.parents_without_children, c.children),
            (4, 2, 3)
        );
        assert_eq!((c.min, c.median, c.p95, c.max), (0, 0, 2, 2));
    }

    #[test]
    fn bins_cover_the_range() {
        assert_eq!(bin(0.0, 0.0, 10.0), 0);
        assert_eq!(bin(10.0, 0.0, 10.0), BINS - 1);
        assert_eq!(bin(5.0, 5.0, 5.0), 0);
    }
}
