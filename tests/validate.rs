//! `datagen validate` passes on generated data and fails, naming the check, on broken copies.

mod common;

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{Array, Int64Array, RecordBatch};
use common::*;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use tempfile::tempdir;

/// Rewrites one shard with `edit` applied to its first batch, and updates the manifest so the
/// checksum still matches: only the content rules can catch the damage.
pub fn tamper(dir: &Path, table: &str, edit: impl Fn(RecordBatch) -> RecordBatch) {
    let rel = format!("{table}/part-00000.parquet");
    let path = dir.join(&rel);
    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(&path).unwrap())
        .unwrap()
        .build()
        .unwrap();
    let mut batches: Vec<RecordBatch> = reader.map(|b| b.unwrap()).collect();
    batches[0] = edit(batches[0].clone());
    let mut w =
        ArrowWriter::try_new(File::create(&path).unwrap(), batches[0].schema(), None).unwrap();
    for b in &batches {
        w.write(b).unwrap();
    }
    w.close().unwrap();
    let mpath = dir.join("manifest.json");
    let mut m = manifest(dir);
    let hash = datagen::output::sha256_file(&path).unwrap();
    for t in m["tables"].as_array_mut().unwrap() {
        for s in t["shards"].as_array_mut().unwrap() {
            if s["path"] == rel.as_str() {
                s["sha256"] = hash.clone().into();
                s["bytes"] = std::fs::metadata(&path).unwrap().len().into();
            }
        }
    }
    std::fs::write(mpath, serde_json::to_string_pretty(&m).unwrap()).unwrap();
}

pub fn set_i64(batch: RecordBatch, column: &str, row: usize, value: i64) -> RecordBatch {
    let idx = batch.schema().index_of(column).unwrap();
    let old = batch
        .column(idx)
        .as_any()
        .downcast_ref::<Int64Array>()
        .unwrap();
    let new: Int64Array = (0..old.len())
        .map(|i| Some(if i == row { value } else { old.value(i) }))
        .collect();
    let mut cols = batch.columns().to_vec();
    cols[idx] = Arc::new(new);
    RecordBatch::try_new(batch.schema(), cols).unwrap()
}

pub fn validate_fails_with(dir: &Path, check: &str) {
    let o = datagen(&["validate", dir.to_str().unwrap()]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        !o.status.success(),
        "validate should fail on the broken copy"
    );
    let line = out
        .lines()
        .find(|l| l.contains(check))
        .unwrap_or_else(|| panic!("no check '{check}' in:\n{out}"));
    assert!(line.ends_with("FAIL"), "{line}");
}

#[test]
fn validate_passes_on_generated_data() {
    let dir = tempdir().unwrap();
    generate(dir.path(), &["--accounts", "3000"]);
    let o = datagen(&["validate", dir.path().to_str().unwrap()]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("0 failed"), "{out}");
}

#[test]
fn dangling_account_id_fails_the_reference_check() {
    let dir = tempdir().unwrap();
    generate(dir.path(), &[]);
    tamper(dir.path(), "app_users", |b| {
        set_i64(b, "account_id", 3, 999_999)
    });
    validate_fails_with(
        dir.path(),
        "app_users: account_id references app_accounts.account_id",
    );
}

#[test]
fn device_installed_before_its_location_fails() {
    let dir = tempdir().unwrap();
    generate(dir.path(), &[]);
    tamper(dir.path(), "app_devices", |b| {
        let idx = b.schema().index_of("installed_at").unwrap();
        let mut cols = b.columns().to_vec();
        let old = cols[idx]
            .as_any()
            .downcast_ref::<arrow::array::TimestampMicrosecondArray>()
            .unwrap();
        let new = arrow::array::TimestampMicrosecondArray::from_iter_values(
            (0..old.len()).map(|i| if i == 0 { 0 } else { old.value(i) }),
        )
        .with_timezone("+00:00");
        cols[idx] = Arc::new(new);
        RecordBatch::try_new(b.schema(), cols).unwrap()
    });
    validate_fails_with(
        dir.path(),
        "app_devices: installed after its location was created",
    );
}

#[test]
fn corrupt_shard_fails_the_checksum_check() {
    let dir = tempdir().unwrap();
    generate(dir.path(), &[]);
    let p = dir.path().join("app_locations/part-00000.parquet");
    let mut bytes = std::fs::read(&p).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&p, bytes).unwrap();
    validate_fails_with(dir.path(), "app_locations: shards match manifest checksums");
}
