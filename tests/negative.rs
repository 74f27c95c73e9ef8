//! A broken copy for every rule `validate` judges: each case damages a generated dataset the
//! way real data goes wrong (a shifted distribution, a broken relationship) and `validate` must
//! fail exactly that rule — plus, where the damage necessarily reaches them, the rules listed
//! beside it. A rule without a case here fails `every_rule_has_a_broken_copy`.
//!
//! Two datasets are generated once: a small one (300 accounts) for the exact rules and a large
//! one (2,000 accounts) for the statistical rules, which are n/a on small samples. Copies share
//! the untouched files through hard links; a damaged shard is rewritten as a new file.

mod common;

use std::collections::BTreeSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use arrow::array::{Array, ArrayRef, BooleanArray, PrimitiveArray, RecordBatch, StringArray};
use arrow::datatypes::{
    ArrowPrimitiveType, Date32Type, Decimal128Type, Float64Type, Int32Type, Int64Type,
    TimestampMicrosecondType as Ts,
};
use common::*;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use rayon::prelude::*;
use tempfile::TempDir;

const DAY: i64 = 86_400_000_000;
const HOUR: i64 = 3_600_000_000;
/// End of history of the default as-of date (2025-12-31): 2026-01-01T00:00Z.
const END: i64 = 1_767_225_600_000_000;

fn dataset(size: &'static OnceLock<TempDir>, accounts: &str) -> &'static Path {
    size.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        generate(dir.path(), &["--accounts", accounts]);
        dir
    })
    .path()
}

fn small() -> &'static Path {
    static S: OnceLock<TempDir> = OnceLock::new();
    dataset(&S, "300")
}

fn large() -> &'static Path {
    static L: OnceLock<TempDir> = OnceLock::new();
    dataset(&L, "2000")
}

/// Only the campaigns, of 8,000 accounts: enough campaigns (1,000) to judge their mix.
fn campaigns() -> &'static Path {
    static C: OnceLock<TempDir> = OnceLock::new();
    C.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        generate(
            dir.path(),
            &["--accounts", "8000", "--tables", "marketing_campaigns"],
        );
        dir
    })
    .path()
}

/// A copy of `from` whose files are hard links (the manifest is copied: it is rewritten).
fn link_copy(from: &Path) -> TempDir {
    let to = tempfile::tempdir().unwrap();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        for e in std::fs::read_dir(from.join(&rel)).unwrap() {
            let e = e.unwrap();
            let r = rel.join(e.file_name());
            if e.file_type().unwrap().is_dir() {
                std::fs::create_dir_all(to.path().join(&r)).unwrap();
                stack.push(r);
            } else if r.as_os_str() == "manifest.json" {
                std::fs::copy(from.join(&r), to.path().join(&r)).unwrap();
            } else {
                std::fs::hard_link(from.join(&r), to.path().join(&r)).unwrap();
            }
        }
    }
    to
}

/// Rewrites every shard of `table` with `edit` applied to each batch (as a new file, so the
/// hard-linked original stays intact) and updates the manifest's checksums and row counts.
fn rewrite(dir: &Path, table: &str, edit: impl Fn(RecordBatch) -> RecordBatch) {
    let mut m = manifest(dir);
    for t in m["tables"].as_array_mut().unwrap() {
        if t["name"] != table {
            continue;
        }
        let mut total = 0u64;
        for s in t["shards"].as_array_mut().unwrap() {
            let path = dir.join(s["path"].as_str().unwrap());
            let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(&path).unwrap())
                .unwrap()
                .build()
                .unwrap();
            let batches: Vec<RecordBatch> = reader.map(|b| edit(b.unwrap())).collect();
            std::fs::remove_file(&path).unwrap();
            let mut w =
                ArrowWriter::try_new(File::create(&path).unwrap(), batches[0].schema(), None)
                    .unwrap();
            let mut rows = 0u64;
            for b in &batches {
                w.write(b).unwrap();
                rows += b.num_rows() as u64;
            }
            w.close().unwrap();
            total += rows;
            s["rows"] = rows.into();
            s["sha256"] = datagen::output::sha256_file(&path).unwrap().into();
            s["bytes"] = std::fs::metadata(&path).unwrap().len().into();
        }
        t["rows"] = total.into();
    }
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::to_string_pretty(&m).unwrap(),
    )
    .unwrap();
}

fn column(b: &RecordBatch, name: &str) -> ArrayRef {
    b.column(b.schema().index_of(name).unwrap()).clone()
}

fn prim<T: ArrowPrimitiveType>(b: &RecordBatch, name: &str) -> PrimitiveArray<T> {
    column(b, name)
        .as_any()
        .downcast_ref::<PrimitiveArray<T>>()
        .unwrap()
        .clone()
}

fn text(b: &RecordBatch, name: &str) -> StringArray {
    column(b, name)
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap()
        .clone()
}

/// Every non-null value of a text column as `f(row, value)`.
fn edit_text(b: RecordBatch, name: &str, f: impl Fn(usize, &str) -> String) -> RecordBatch {
    let old = text(&b, name);
    let new: StringArray = old
        .iter()
        .enumerate()
        .map(|(i, v)| v.map(|v| f(i, v)))
        .collect();
    set_column(b, name, Arc::new(new))
}

fn edit_bool(b: RecordBatch, name: &str, f: impl Fn(usize, bool) -> bool) -> RecordBatch {
    let old = column(&b, name);
    let old = old.as_any().downcast_ref::<BooleanArray>().unwrap();
    let new: BooleanArray = old
        .iter()
        .enumerate()
        .map(|(i, v)| v.map(|v| f(i, v)))
        .collect();
    set_column(b, name, Arc::new(new))
}

/// Keeps the rows for which `keep(batch, row)` holds.
fn keep_rows(b: RecordBatch, keep: impl Fn(&RecordBatch, usize) -> bool) -> RecordBatch {
    let mask: BooleanArray = (0..b.num_rows()).map(|i| Some(keep(&b, i))).collect();
    arrow::compute::filter_record_batch(&b, &mask).unwrap()
}

/// The value of a second primitive column at each row, for edits that depend on it.
fn other<T: ArrowPrimitiveType>(b: &RecordBatch, name: &str) -> Vec<T::Native> {
    prim::<T>(b, name).values().to_vec()
}

fn other_text(b: &RecordBatch, name: &str) -> Vec<String> {
    text(b, name)
        .iter()
        .map(|v| v.unwrap_or("").to_string())
        .collect()
}

type Break = Box<dyn Fn(&Path) + Send + Sync>;

struct Case {
    /// `table: rule` as `validate` prints it.
    rule: &'static str,
    /// The dataset the copy starts from.
    base: fn() -> &'static Path,
    /// Rules the same damage necessarily breaks too.
    also: &'static [&'static str],
    damage: Break,
}

fn case(
    rule: &'static str,
    large: bool,
    also: &'static [&'static str],
    damage: impl Fn(&Path) + Send + Sync + 'static,
) -> Case {
    let base: fn() -> &'static Path = if large { self::large } else { small };
    case_on(rule, base, also, damage)
}

fn case_on(
    rule: &'static str,
    base: fn() -> &'static Path,
    also: &'static [&'static str],
    damage: impl Fn(&Path) + Send + Sync + 'static,
) -> Case {
    Case {
        rule,
        base,
        also,
        damage: Box::new(damage),
    }
}

/// The rules that fail on a broken copy, as `table: name`.
fn failing(dir: &Path) -> BTreeSet<String> {
    datagen::validate::run(dir)
        .unwrap()
        .into_iter()
        .filter(|c| !c.pass)
        .map(|c| format!("{}: {}", c.table, c.name))
        .collect()
}

fn judged(c: &Case) -> Result<(), String> {
    let copy = link_copy((c.base)());
    (c.damage)(copy.path());
    let failed = failing(copy.path());
    if !failed.contains(c.rule) {
        return Err(format!("{}: did not fail (failed: {failed:?})", c.rule));
    }
    let unexpected: Vec<&String> = failed
        .iter()
        .filter(|f| f.as_str() != c.rule && !c.also.contains(&f.as_str()))
        .collect();
    if !unexpected.is_empty() {
        return Err(format!("{}: also failed {unexpected:?}", c.rule));
    }
    Ok(())
}

fn cases() -> Vec<Case> {
    let mut v = Vec::new();
    v.extend(app_cases());
    v.extend(stripe_cases());
    v.extend(crm_cases());
    v.extend(marketing_cases());
    v.extend(activity_cases());
    v.extend(iot_cases());
    v
}

include!("negative/app.rs");
include!("negative/stripe.rs");
include!("negative/crm.rs");
include!("negative/marketing.rs");
include!("negative/activity.rs");
include!("negative/iot.rs");

#[test]
fn every_rule_fails_on_its_broken_copy() {
    let all = cases();
    let errors: Vec<String> = all.par_iter().filter_map(|c| judged(c).err()).collect();
    assert!(
        errors.is_empty(),
        "{} of {} broken copies misjudged:\n{}",
        errors.len(),
        all.len(),
        errors.join("\n")
    );
}

#[test]
fn every_rule_has_a_broken_copy() {
    // The rules validate judges on the large dataset (where none is n/a), less the checks
    // every table gets from its declaration (covered by `declared_checks_fail_on_broken_copies`).
    let generic = [
        "shards match manifest checksums",
        "exact row count",
        "primary key",
        "references",
        "not null",
        "accepted values",
        "missing values:",
        "outliers:",
    ];
    let covered: BTreeSet<&str> = cases().iter().map(|c| c.rule).collect();
    let missing: Vec<String> = datagen::validate::run(large())
        .unwrap()
        .into_iter()
        .map(|c| format!("{}: {}", c.table, c.name))
        .filter(|r| !generic.iter().any(|g| r.contains(g)))
        .filter(|r| !covered.contains(r.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "rules without a broken copy: {missing:#?}"
    );
}

/// The checks every table gets from its manifest entry, broken on every table: a duplicated
/// key, a dangling reference, a value outside the accepted list, a lost row.
#[test]
fn declared_checks_fail_on_broken_copies() {
    let m = manifest(small());
    let tables: Vec<serde_json::Value> = m["tables"].as_array().unwrap().clone();
    let errors: Vec<String> = tables
        .par_iter()
        .flat_map_iter(|t| {
            let name = t["name"].as_str().unwrap().to_string();
            let pk = t["primary_key"].as_str().unwrap().to_string();
            let mut out = Vec::new();
            // A duplicated key: the second row takes the first row's key.
            let copy = link_copy(small());
            let key = pk.clone();
            rewrite(copy.path(), &name, move |b| {
                let a = column(&b, &key);
                let mut idx: Vec<u32> = (0..b.num_rows() as u32).collect();
                if idx.len() > 1 {
                    idx[1] = 0;
                }
                let taken =
                    arrow::compute::take(&a, &arrow::array::UInt32Array::from(idx), None).unwrap();
                set_column(b, &key, taken)
            });
            let rule = format!("{name}: primary key {pk} unique and not null");
            if !failing(copy.path()).contains(&rule) {
                out.push(format!("{rule}: did not fail"));
            }
            // A lost row.
            let copy = link_copy(small());
            rewrite(copy.path(), &name, |b| {
                let n = b.num_rows();
                b.slice(0, n.saturating_sub(1))
            });
            // A derived count (device health: one row per device-day) has no profile figure to
            // miss; its table rule counts the rows instead.
            let derived = datagen::registry::counts(&datagen::profile::Profile::Custom(300))
                .try_get(&name)
                .is_none();
            let rule = format!("{name}: exact row count");
            if !derived && !failing(copy.path()).contains(&rule) {
                out.push(format!("{rule}: did not fail"));
            }
            // A dangling reference in the first foreign key to an integer key.
            if let Some(fk) = t["foreign_keys"].as_array().unwrap().iter().find(|fk| {
                t["columns"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|c| c["name"] == fk["column"] && c["type"].as_str() == Some("int64"))
            }) {
                let col = fk["column"].as_str().unwrap().to_string();
                let copy = link_copy(small());
                let c2 = col.clone();
                rewrite(copy.path(), &name, move |b| {
                    edit::<Int64Type>(b, &c2, |i, v| if i == 0 { -42 } else { v })
                });
                let rule = format!(
                    "{name}: {col} references {}.{}",
                    fk["references_table"].as_str().unwrap(),
                    fk["references_column"].as_str().unwrap()
                );
                if !failing(copy.path()).contains(&rule) {
                    out.push(format!("{rule}: did not fail"));
                }
            }
            // A value outside the accepted list.
            if let Some(c) = t["columns"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| !c["accepted_values"].as_array().is_none_or(|a| a.is_empty()))
            {
                let col = c["name"].as_str().unwrap().to_string();
                let copy = link_copy(small());
                let c2 = col.clone();
                rewrite(copy.path(), &name, move |b| {
                    edit_text(
                        b,
                        &c2,
                        |i, v| if i == 0 { "bogus".into() } else { v.into() },
                    )
                });
                let rule = format!("{name}: {col} accepted values");
                if !failing(copy.path()).contains(&rule) {
                    out.push(format!("{rule}: did not fail"));
                }
            }
            out
        })
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}
