//! `datagen validate`: reads a dataset back from disk and checks it. Checks every table gets from
//! its manifest entry (checksums, counts, keys, references, accepted values, nulls) come first;
//! then each table's own rules, found through the registry. Each check reports target vs actual.

use std::collections::HashSet;
use std::path::Path;

use arrow::array::{Array, AsArray};
use arrow::datatypes::Int64Type;

use crate::check::{Check, Dataset};
use crate::error::{Error, Result};
use crate::manifest::TableEntry;
use crate::profile::Counts;
use crate::registry;
use crate::schema::ColType;
use crate::targets;
use crate::world::{Config, World};

/// Checks every table gets from its manifest entry.
fn generic_checks(
    ds: &Dataset,
    counts: &Counts,
    entry: &TableEntry,
    checks: &mut Vec<Check>,
) -> Result<()> {
    let t = entry.name.as_str();
    // Files present and unchanged.
    let mut bad = Vec::new();
    for s in &entry.shards {
        match ds.loc.sha256(&s.path)? {
            Some(h) if h == s.sha256 => {}
            Some(_) => bad.push(format!("{} (checksum differs)", s.path)),
            None => bad.push(format!("{} (missing)", s.path)),
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
    ds.scan_names(t, &[entry.primary_key.as_str()], |b| {
        let a = b.column(0);
        rows += a.len() as u64;
        violations += a.null_count();
        violations += keys.insert_all(a.as_ref());
        Ok(())
    })?;
    let expected = counts.try_get(t).unwrap_or(entry.rows);
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
        ds.scan_names(t, &[c.name.as_str()], |b| {
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
    // Missing values: a nullable column entirely null is a column never filled. Judged from a
    // thousand rows: rare events (a voided invoice, about one in a hundred) may be absent from
    // fewer, as in an early cut of the history.
    if entry.rows >= 1_000 {
        let mut empty = Vec::new();
        for c in entry.columns.iter().filter(|c| c.nullable) {
            let mut nulls = 0u64;
            ds.scan_names(t, &[c.name.as_str()], |b| {
                nulls += b.column(0).null_count() as u64;
                Ok(())
            })?;
            if nulls == entry.rows {
                empty.push(c.name.clone());
            }
        }
        checks.push(Check::new(
            t,
            "missing values: no nullable column entirely null",
            "0 empty columns",
            if empty.is_empty() {
                "0 empty columns".to_string()
            } else {
                empty.join(", ")
            },
            empty.is_empty(),
        ));
    }
    // Outliers: measured values inside the plausible bounds of targets::PLAUSIBLE.
    let bounds: Vec<_> = targets::PLAUSIBLE
        .iter()
        .filter(|b| b.0 == t && entry.columns.iter().any(|c| c.name == b.1))
        .collect();
    if !bounds.is_empty() {
        let mut outliers = 0usize;
        for (_, column, lo, hi, _) in &bounds {
            ds.scan_names(t, &[column], |b| {
                let v = arrow::compute::cast(b.column(0), &arrow::datatypes::DataType::Float64)
                    .map_err(|e| crate::error::Error::Invalid(format!("{t}.{column}: {e}")))?;
                outliers += v
                    .as_primitive::<arrow::datatypes::Float64Type>()
                    .iter()
                    .flatten()
                    .filter(|x| x < lo || x > hi)
                    .count();
                Ok(())
            })?;
        }
        checks.push(Check::new(
            t,
            "outliers: values inside plausible bounds",
            bounds
                .iter()
                .map(|(_, c, lo, hi, _)| format!("{c} {lo}–{hi}"))
                .collect::<Vec<_>>()
                .join(", "),
            format!("{outliers} outside"),
            outliers == 0,
        ));
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
        ds.scan_names(
            &fk.references_table,
            &[fk.references_column.as_str()],
            |b| {
                parents.insert_all(b.column(0).as_ref());
                Ok(())
            },
        )?;
        let mut orphans = 0;
        ds.scan_names(t, &[fk.column.as_str()], |b| {
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
        ds.scan_names(table, &[column], |b| {
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

/// The exact row counts of the dataset: the profile's at the anchor; at another cut, what the
/// history holds by then.
fn expected_counts(ds: &Dataset) -> Result<Counts> {
    let profile = registry::counts(&ds.profile);
    let cfg =
        Config::of_dataset(&ds.manifest.dataset, ds.profile.clone()).map_err(Error::Invalid)?;
    if cfg.as_of == cfg.anchor {
        return Ok(profile);
    }
    cfg.check_horizon()?;
    let history = World::history(&cfg, &profile);
    history.check_as_of()?;
    Ok(history.cut(cfg.as_of).counts)
}

/// Runs every check on the dataset in `dir`.
pub fn run(dir: &Path) -> Result<Vec<Check>> {
    let ds = Dataset::open(dir)?;
    let counts = expected_counts(&ds)?;
    let mut checks = Vec::new();
    for entry in &ds.manifest.tables {
        generic_checks(&ds, &counts, entry, &mut checks)?;
    }
    if checks
        .iter()
        .any(|c| !c.pass && c.name.contains("checksum"))
    {
        return Ok(checks);
    }
    for entry in &ds.manifest.tables {
        if let Some(e) = registry::find(&entry.name) {
            checks.extend((e.checks)(&ds)?);
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
        "{:<w_name$} | {:<w_target$} | actual | status\n",
        "check", "target"
    );
    for c in checks {
        s.push_str(&format!(
            "{:<w_name$} | {:<w_target$} | {} | {}\n",
            format!("{}: {}", c.table, c.name),
            c.target,
            c.actual,
            if !c.pass {
                "FAIL"
            } else if c.actual.starts_with("n/a") {
                "N/A"
            } else {
                "PASS"
            }
        ));
    }
    s
}
