//! Helpers shared by the integration tests: run the release binary, compare folders.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn datagen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_datagen"))
        .args(args)
        .env_remove("DATAGEN_ENV")
        .output()
        .expect("datagen runs")
}

/// Runs `datagen generate` with `args` into `out`, asserting success.
pub fn generate(out: &Path, args: &[&str]) {
    let mut all = vec!["generate", "--quiet", "--out", out.to_str().unwrap()];
    all.extend_from_slice(args);
    let o = datagen(&all);
    assert!(
        o.status.success(),
        "generate {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

pub fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap()
}

/// Every file under `dir` (relative path → bytes), skipping hidden files.
pub fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if !p.file_name().unwrap().to_str().unwrap().starts_with('.') {
                out.insert(
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    out
}

pub fn assert_same_files(a: &Path, b: &Path) {
    let (fa, fb) = (files(a), files(b));
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    for (k, v) in &fa {
        assert!(v == &fb[k], "{} differs", k.display());
    }
}

/// Copies every file of `from` into `to`, keeping relative paths.
pub fn copy_into(from: &Path, to: &Path) {
    for (rel, bytes) in files(from) {
        let p = to.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
}

/// Rewrites every value of a primitive column as `f(row, old)`, keeping its type (and time
/// zone) and its nulls.
pub fn edit<T: arrow::datatypes::ArrowPrimitiveType>(
    b: arrow::array::RecordBatch,
    column: &str,
    f: impl Fn(usize, T::Native) -> T::Native,
) -> arrow::array::RecordBatch {
    use arrow::array::Array;
    let idx = b.schema().index_of(column).unwrap();
    let old = b
        .column(idx)
        .as_any()
        .downcast_ref::<arrow::array::PrimitiveArray<T>>()
        .unwrap()
        .clone();
    let values: arrow::buffer::ScalarBuffer<T::Native> = old
        .values()
        .iter()
        .enumerate()
        .map(|(i, v)| f(i, *v))
        .collect();
    // Nulls stay null.
    let new = arrow::array::PrimitiveArray::<T>::new(values, old.nulls().cloned())
        .with_data_type(old.data_type().clone());
    set_column(b, column, std::sync::Arc::new(new))
}

/// Replaces a column of a batch.
pub fn set_column(
    batch: arrow::array::RecordBatch,
    column: &str,
    array: arrow::array::ArrayRef,
) -> arrow::array::RecordBatch {
    let idx = batch.schema().index_of(column).unwrap();
    let mut cols = batch.columns().to_vec();
    cols[idx] = array;
    arrow::array::RecordBatch::try_new(batch.schema(), cols).unwrap()
}
