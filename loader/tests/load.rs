//! End-to-end loads into a real PostgreSQL: counts and constraints, crash safety, corrupt
//! shards, CSV, reruns, and bad input.

mod common;

use common::*;
use datagen::output::Format;
use tempfile::tempdir;

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn loads_dev_with_every_key_and_foreign_key_validated_and_reruns_change_nothing() {
    let dir = tempdir().unwrap();
    generate(dir.path(), None, Format::Parquet);
    drop_schema("t_dev");
    let o = load(dir.path(), "t_dev", &["--jobs", "2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_loaded(dir.path(), "t_dev");
    let c = client();
    let fks = c.i64("SELECT count(*) FROM pg_constraint WHERE connamespace = 't_dev'::regnamespace AND contype = 'f'");
    let declared: usize = {
        let m: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.path().join("manifest.json")).unwrap(),
        )
        .unwrap();
        m["tables"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["foreign_keys"].as_array().unwrap().len())
            .sum()
    };
    assert_eq!(fks as usize, declared, "every declared foreign key exists");
    let loaded_at = c.i64("SELECT count(*) FROM t_dev.app_accounts WHERE _loaded_at IS NOT NULL");
    assert_eq!(loaded_at, 100);
    // A table created by its first shard's transaction gets that shard COPY FREEZE'd: its pages
    // are all frozen (a table of one shard entirely).
    c.exec("CREATE EXTENSION IF NOT EXISTS pg_visibility");
    let (pages, frozen) = (
        c.i64("SELECT relpages::bigint FROM pg_class WHERE oid = 't_dev.app_users'::regclass"),
        c.i64("SELECT all_frozen FROM pg_visibility_map_summary('t_dev.app_users')"),
    );
    assert!(
        pages > 0 && frozen == pages,
        "{frozen} of {pages} pages frozen"
    );
    // A finished load run again changes nothing.
    let before = c.strings("SELECT string_agg(shard_path || loaded_at::text, ',' ORDER BY shard_path) FROM t_dev._datagen_ledger");
    let o = load(dir.path(), "t_dev", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let after = c.strings("SELECT string_agg(shard_path || loaded_at::text, ',' ORDER BY shard_path) FROM t_dev._datagen_ledger");
    assert_eq!(before, after);
    assert_loaded(dir.path(), "t_dev");
    drop_schema("t_dev");
}

#[test]
fn killed_load_reruns_to_exactly_once() {
    let dir = tempdir().unwrap();
    generate(dir.path(), Some(400), Format::Parquet);
    drop_schema("t_kill");
    let total_shards = manifest_shards(dir.path());
    let killed_at = kill_load_midway(dir.path(), "t_kill", total_shards);
    let c = client();
    let committed = c.i64("SELECT count(*) FROM t_kill._datagen_ledger");
    assert!(
        committed >= killed_at && committed < total_shards,
        "{committed} of {total_shards}"
    );
    // Tables still loading when the load was killed keep autovacuum off...
    let off = "SELECT count(*) FROM pg_class WHERE relnamespace = 't_kill'::regnamespace AND relkind = 'r' AND 'autovacuum_enabled=false' = ANY(reloptions)";
    assert!(
        c.i64(off) > 0,
        "no table had autovacuum off during the load"
    );
    let o = load(dir.path(), "t_kill", &["--jobs", "2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_loaded(dir.path(), "t_kill");
    // ...and the rerun turns it back on for every one, after its ANALYZE.
    assert_eq!(c.i64(off), 0, "autovacuum left off after the rerun");
    assert_eq!(
        c.i64("SELECT count(*) FROM t_kill._datagen_ledger"),
        total_shards
    );
    drop_schema("t_kill");
}

#[test]
fn corrupt_shard_names_the_file_and_a_rerun_after_repair_completes() {
    let dir = tempdir().unwrap();
    generate(dir.path(), Some(30), Format::Parquet);
    drop_schema("t_corrupt");
    let shard = dir.path().join("iot_tap_events/part-00002.parquet");
    let good = std::fs::read(&shard).unwrap();
    let mut bad = good.clone();
    let mid = bad.len() / 2;
    bad[mid] ^= 0x55;
    std::fs::write(&shard, &bad).unwrap();
    let o = load(dir.path(), "t_corrupt", &["--jobs", "1"]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("iot_tap_events/part-00002.parquet") && err.contains("corrupt"),
        "{err}"
    );
    let c = client();
    let ledger_has_it = c.i64("SELECT count(*) FROM t_corrupt._datagen_ledger WHERE shard_path = 'iot_tap_events/part-00002.parquet'");
    assert_eq!(ledger_has_it, 0, "a failed shard is never counted as done");
    std::fs::write(&shard, &good).unwrap();
    let o = load(dir.path(), "t_corrupt", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_loaded(dir.path(), "t_corrupt");
    drop_schema("t_corrupt");
}

#[test]
fn csv_shards_load_with_copy_csv() {
    let dir = tempdir().unwrap();
    generate(dir.path(), Some(20), Format::Csv);
    drop_schema("t_csv");
    let o = load(dir.path(), "t_csv", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_loaded(dir.path(), "t_csv");
    drop_schema("t_csv");
}

#[test]
fn bad_input_gives_clear_errors_without_the_password() {
    let dir = tempdir().unwrap();
    generate(dir.path(), Some(10), Format::Parquet);
    let url = database_url();
    // Refused login.
    let wrong = url.replacen(":datagen@", ":not-the-password@", 1);
    let o = load_with_url(dir.path(), "t_bad", &wrong, &[]);
    let err = stderr(&o);
    assert!(!o.status.success());
    assert!(err.contains("password authentication failed"), "{err}");
    assert!(!err.contains("not-the-password"), "password leaked: {err}");
    // Unreachable server.
    let o = load_with_url(
        dir.path(),
        "t_bad",
        "postgres://postgres:secret@127.0.0.1:1/db",
        &[],
    );
    let err = stderr(&o);
    assert!(
        !o.status.success() && err.contains("cannot connect to postgres@127.0.0.1:1/db"),
        "{err}"
    );
    assert!(!err.contains("secret"), "{err}");
    // A schema that is not a plain identifier.
    let o = load(dir.path(), "Raw; DROP TABLE x", &[]);
    assert!(
        !o.status.success() && stderr(&o).contains("not a plain identifier"),
        "{}",
        stderr(&o)
    );
    // A table that exists with other columns.
    drop_schema("t_bad");
    client().exec("CREATE SCHEMA t_bad; CREATE TABLE t_bad.app_accounts (account_id text)");
    let o = load(dir.path(), "t_bad", &[]);
    let err = stderr(&o);
    assert!(
        !o.status.success() && err.contains("t_bad.app_accounts exists with other columns"),
        "{err}"
    );
    // --replace takes it over.
    let o = load(dir.path(), "t_bad", &["--replace"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_loaded(dir.path(), "t_bad");
    // A missing shard.
    let gone = tempdir().unwrap();
    generate(gone.path(), Some(10), Format::Parquet);
    std::fs::remove_file(gone.path().join("app_users/part-00000.parquet")).unwrap();
    let o = load(gone.path(), "t_missing", &[]);
    assert!(
        !o.status.success() && stderr(&o).contains("app_users/part-00000.parquet"),
        "{}",
        stderr(&o)
    );
    drop_schema("t_bad");
    drop_schema("t_missing");
}
