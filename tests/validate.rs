//! `datagen validate` passes on generated data and fails, naming the check, on broken copies
//! (the broken copy of every rule is in tests/negative.rs).

mod common;

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::TimestampMicrosecondType;
use common::*;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use tempfile::tempdir;

/// Rewrites one shard with `edit` applied to its first batch, and updates the manifest so the
/// checksum still matches: only the content rules can catch the damage.
pub fn tamper(dir: &Path, table: &str, edit: impl Fn(RecordBatch) -> RecordBatch) {
    tamper_shard(dir, table, 0, edit)
}

/// `tamper` on the given shard of a table.
pub fn tamper_shard(
    dir: &Path,
    table: &str,
    shard: usize,
    edit: impl Fn(RecordBatch) -> RecordBatch,
) {
    let rel = format!("{table}/part-{shard:05}.parquet");
    let path = dir.join(&rel);
    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(&path).unwrap())
        .unwrap()
        .build()
        .unwrap();
    let mut batches: Vec<RecordBatch> = reader.map(|b| b.unwrap()).collect();
    for b in batches.iter_mut() {
        *b = edit(b.clone());
    }
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
    edit::<arrow::datatypes::Int64Type>(batch, column, |i, v| if i == row { value } else { v })
}

pub fn validate_fails_with(dir: &Path, check: &str) {
    let o = datagen(&["validate", dir.to_str().unwrap()]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        !o.status.success(),
        "validate should fail on the broken copy for: {check}"
    );
    let line = out
        .lines()
        .find(|l| l.contains(check))
        .unwrap_or_else(|| panic!("no check '{check}' in:\n{out}"));
    assert!(line.ends_with("FAIL"), "{line}");
}

fn validate_passes_on(args: &[&str]) {
    let dir = tempdir().unwrap();
    generate(dir.path(), args);
    let o = datagen(&["validate", dir.path().to_str().unwrap()]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{args:?}:\n{out}");
    assert!(out.contains("0 failed"), "{args:?}:\n{out}");
}

#[test]
fn validate_passes_on_generated_data() {
    validate_passes_on(&["--accounts", "1000"]);
}

/// Custom sizes other than the profiles: the smallest, odd ones and one past the negative
/// tests' largest, where rare edge cases (a session cut at a churn, a device installed minutes
/// before the as-of instant) show up.
#[test]
fn validate_passes_on_custom_sizes() {
    for n in ["10", "777", "4000"] {
        validate_passes_on(&["--accounts", n]);
    }
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
        edit::<TimestampMicrosecondType>(b, "installed_at", |i, v| if i == 0 { 0 } else { v })
    });
    validate_fails_with(
        dir.path(),
        "app_devices: installed after its location was created",
    );
}

#[test]
fn pour_after_last_seen_fails_the_activity_checks() {
    let dir = tempdir().unwrap();
    generate(dir.path(), &["--accounts", "20"]);
    tamper(dir.path(), "iot_tap_events", |b| {
        edit::<TimestampMicrosecondType>(b, "poured_at", |i, v| {
            v + if i == 5 { 400 * 86_400_000_000 } else { 0 }
        })
    });
    validate_fails_with(
        dir.path(),
        "iot_tap_events: no pour after its device's last contact (last_seen_at)",
    );
}

#[test]
fn health_pour_count_off_by_one_fails() {
    let dir = tempdir().unwrap();
    generate(dir.path(), &["--accounts", "20"]);
    tamper(dir.path(), "iot_device_health", |b| {
        edit::<arrow::datatypes::Int32Type>(b, "pour_count", |i, v| v + i32::from(i == 10))
    });
    validate_fails_with(
        dir.path(),
        "iot_device_health: pour_count per device equals its tap events",
    );
}

#[test]
fn flat_hourly_pattern_fails_the_peak_check() {
    let dir = tempdir().unwrap();
    generate(dir.path(), &["--accounts", "20"]);
    // Move every pour to 09:00 UTC (small hours in the US).
    for shard in 0..4 {
        tamper_shard(dir.path(), "iot_tap_events", shard, move_to_nine);
    }
    validate_fails_with(
        dir.path(),
        "iot_tap_events: busiest 4 local hours inside 18:00–22:00",
    );
}

fn move_to_nine(b: RecordBatch) -> RecordBatch {
    let day = 86_400_000_000i64;
    edit::<TimestampMicrosecondType>(b, "poured_at", |_, t| {
        t.div_euclid(day) * day + 9 * 3_600_000_000
    })
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

#[test]
fn page_count_mismatch_fails_the_total_check() {
    let dir = tempdir().unwrap();
    generate(dir.path(), &["--accounts", "20"]);
    tamper(dir.path(), "app_user_sessions", |b| {
        edit::<arrow::datatypes::Int32Type>(b, "page_count", |i, v| v + i32::from(i == 7))
    });
    validate_fails_with(
        dir.path(),
        "app_page_views: page views per session equal the session's page_count",
    );
}

#[test]
fn enterprise_feature_on_basic_fails_the_tier_check() {
    let dir = tempdir().unwrap();
    generate(dir.path(), &["--accounts", "20"]);
    // Rename every use to an Enterprise-only feature: basic and pro accounts now use it too.
    tamper(dir.path(), "app_feature_usage", |b| {
        let n = b.num_rows();
        let names =
            arrow::array::StringArray::from_iter_values(std::iter::repeat_n("api_access", n));
        set_column(b, "feature_name", Arc::new(names))
    });
    validate_fails_with(
        dir.path(),
        "app_feature_usage: feature included in the account's tier at that moment",
    );
}

#[test]
fn session_after_churn_fails_the_churn_check() {
    let dir = tempdir().unwrap();
    generate(dir.path(), &["--accounts", "20"]);
    // Every account churned an hour after signing up: their sessions come after the churn.
    tamper(dir.path(), "app_accounts", |b| {
        let created = b.column(b.schema().index_of("created_at").unwrap()).clone();
        set_column(b, "churned_at", created)
    });
    validate_fails_with(
        dir.path(),
        "app_user_sessions: no session after the account churned",
    );
}

/// The whole qa Stripe set, written and validated.
#[test]
fn qa_stripe_set_is_exact_and_valid() {
    let dir = tempdir().unwrap();
    let tables = "app_accounts,app_locations,app_devices,app_users,app_subscriptions,stripe_customers,stripe_prices,\
                  stripe_subscriptions,stripe_subscription_items,stripe_invoices,stripe_charges,stripe_events";
    generate(dir.path(), &["--profile", "qa", "--tables", tables]);
    let o = datagen(&["validate", dir.path().to_str().unwrap()]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}");
    for (t, n) in [
        ("stripe_invoices", "150000"),
        ("stripe_charges", "142500"),
        ("stripe_events", "1000000"),
    ] {
        let line = out
            .lines()
            .find(|l| l.starts_with(&format!("{t}: exact row count")))
            .unwrap();
        assert!(line.contains(&format!("| {n} |")), "{line}");
    }
}

#[test]
fn column_of_another_type_is_a_clear_error() {
    let dir = tempdir().unwrap();
    generate(dir.path(), &[]);
    // employee_count written as text: the shard no longer matches its declaration.
    tamper(dir.path(), "app_accounts", |b| {
        let n = b.num_rows();
        let texts = arrow::array::StringArray::from_iter_values(std::iter::repeat_n("12", n));
        let idx = b.schema().index_of("employee_count").unwrap();
        let mut fields: Vec<arrow::datatypes::Field> = b
            .schema()
            .fields()
            .iter()
            .map(|f| f.as_ref().clone())
            .collect();
        fields[idx] =
            arrow::datatypes::Field::new("employee_count", arrow::datatypes::DataType::Utf8, false);
        let mut cols = b.columns().to_vec();
        cols[idx] = Arc::new(texts);
        RecordBatch::try_new(Arc::new(arrow::datatypes::Schema::new(fields)), cols).unwrap()
    });
    let o = datagen(&["validate", dir.path().to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        err.contains("app_accounts.employee_count")
            && err.contains("Utf8")
            && err.contains("Int32"),
        "{err}"
    );
}
