//! Datasets on S3-compatible object storage (a real server on loopback, started by
//! scripts/test.sh): generated to a prefix, validated and loaded from it with no local copy, and
//! a load killed mid-COPY resumed from it.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::*;
use datagen::output::Format;
use datagen::store::Location;
use tempfile::tempdir;

/// A fresh prefix in the test bucket, as a path the commands take.
fn prefix(name: &str) -> PathBuf {
    let bucket = std::env::var("DATAGEN_TEST_S3_BUCKET").expect(
        "DATAGEN_TEST_S3_BUCKET and AWS_ENDPOINT_URL must name an S3-compatible server: run scripts/test.sh, which starts one",
    );
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    PathBuf::from(format!(
        "s3://{bucket}/loader-{name}-{}-{nanos}",
        std::process::id()
    ))
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn dev_on_s3_validates_and_loads_with_every_key_proven() {
    let url = prefix("dev");
    generate(&url, None, Format::Parquet);
    let local = tempdir().unwrap();
    generate(local.path(), None, Format::Parquet);
    // The same dataset as on disk, byte for byte.
    let remote = Location::from_path(&url).unwrap();
    assert_eq!(
        remote.read("manifest.json").unwrap().unwrap(),
        std::fs::read(local.path().join("manifest.json")).unwrap()
    );
    let checks = datagen::validate::run(&url).expect("validate reads the prefix");
    let failed: Vec<String> = checks
        .iter()
        .filter(|c| !c.pass)
        .map(|c| format!("{}: {} ({})", c.table, c.name, c.actual))
        .collect();
    assert!(failed.is_empty(), "{failed:?}");
    assert!(checks.len() > 300);

    drop_schema("t_s3_dev");
    let o = load(&url, "t_s3_dev", &["--jobs", "2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_loaded(local.path(), "t_s3_dev");
    let c = client();
    assert_eq!(
        c.i64("SELECT count(*) FROM t_s3_dev._datagen_ledger"),
        manifest_shards(local.path())
    );
    drop_schema("t_s3_dev");
}

#[test]
fn load_from_s3_killed_mid_copy_resumes_to_exact_counts() {
    let url = prefix("kill");
    generate(&url, Some(400), Format::Parquet);
    let local = tempdir().unwrap();
    generate(local.path(), Some(400), Format::Parquet);
    let total_shards = manifest_shards(local.path());
    drop_schema("t_s3_kill");
    let killed_at = kill_load_midway(&url, "t_s3_kill", total_shards);
    let c = client();
    let committed = c.i64("SELECT count(*) FROM t_s3_kill._datagen_ledger");
    assert!(
        committed >= killed_at && committed < total_shards,
        "{committed} of {total_shards}"
    );
    // One rerun finishes the job: exact counts, every key proven, every shard once.
    let o = load(&url, "t_s3_kill", &["--jobs", "2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_loaded(local.path(), "t_s3_kill");
    assert_eq!(
        c.i64("SELECT count(*) FROM t_s3_kill._datagen_ledger"),
        total_shards
    );
    drop_schema("t_s3_kill");
}

#[test]
fn load_from_s3_refuses_bad_input_without_printing_secrets() {
    let secret = std::env::var("AWS_SECRET_ACCESS_KEY").unwrap_or_default();
    let bad = |url: &str, env: &[(&str, &str)], expect: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_datagen-load"))
            .arg(url)
            .args(["--schema", "t_s3_bad", "--quiet"])
            .env("DATABASE_URL", database_url())
            .envs(env.iter().copied())
            .output()
            .unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(!o.status.success(), "{url}: {all}");
        for e in expect {
            assert!(all.contains(e), "{url}: expected '{e}' in: {all}");
        }
        assert!(
            secret.len() < 4 || !all.contains(&secret),
            "the secret key was printed: {all}"
        );
    };
    let empty = prefix("empty");
    let empty = empty.to_str().unwrap();
    bad(empty, &[], &[empty, "manifest.json"]);
    bad(
        "s3://datagen-no-such-bucket/x",
        &[],
        &["datagen-no-such-bucket", "does not exist"],
    );
    let strict = std::env::var("DATAGEN_TEST_S3_STRICT_ENDPOINT").unwrap_or_default();
    bad(
        empty,
        &[("AWS_ENDPOINT_URL", strict.as_str())],
        &["refused the credentials", strict.as_str()],
    );
    bad(
        empty,
        &[("AWS_ENDPOINT_URL", "http://127.0.0.1:9")],
        &["cannot reach", "http://127.0.0.1:9"],
    );
    // Nothing was created in the target schema.
    assert_eq!(
        client().i64("SELECT count(*) FROM pg_namespace WHERE nspname = 't_s3_bad'"),
        0
    );
}
