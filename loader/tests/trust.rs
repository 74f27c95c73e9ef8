//! Manifests and shards as untrusted input, two loaders at once, datasets never mixed, and
//! `--replace --tables` keeping the schema whole. Against a real PostgreSQL.

mod common;

use std::path::Path;
use std::sync::Arc;

use common::*;
use datagen::output::Format;
use sha2::{Digest, Sha256};
use tempfile::tempdir;

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn read_manifest(dir: &Path) -> serde_json::Value {
    manifest_json(dir)
}

fn write_manifest(dir: &Path, m: &serde_json::Value) {
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::to_string_pretty(m).unwrap(),
    )
    .unwrap();
}

fn schema_exists(schema: &str) -> bool {
    client().i64(&format!(
        "SELECT count(*) FROM pg_namespace WHERE nspname = '{schema}'"
    )) == 1
}

/// A manifest edited by `edit` is refused with a message containing `expect`, before any SQL.
fn refused(base: &Path, edit: impl Fn(&mut serde_json::Value), expect: &str) {
    let dir = tempdir().unwrap();
    for entry in walk(base) {
        let rel = entry.strip_prefix(base).unwrap();
        let to = dir.path().join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&entry, &to).unwrap();
    }
    let mut m = read_manifest(dir.path());
    edit(&mut m);
    write_manifest(dir.path(), &m);
    drop_schema("t_hostile");
    let o = load(dir.path(), "t_hostile", &[]);
    let err = stderr(&o);
    assert!(!o.status.success(), "a hostile manifest loaded ({expect})");
    assert!(err.contains(expect), "expected {expect:?} in: {err}");
    assert!(
        !schema_exists("t_hostile"),
        "nothing may run before the manifest is checked ({expect})"
    );
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn column<'a>(m: &'a mut serde_json::Value, table: &str, col: &str) -> &'a mut serde_json::Value {
    let t = m["tables"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|t| t["name"] == table)
        .unwrap();
    t["columns"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["name"] == col)
        .unwrap()
}

fn table<'a>(m: &'a mut serde_json::Value, name: &str) -> &'a mut serde_json::Value {
    m["tables"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|t| t["name"] == name)
        .unwrap()
}

#[test]
fn hostile_manifests_are_refused_before_any_sql() {
    let base = tempdir().unwrap();
    generate(base.path(), Some(10), Format::Parquet);
    refused(
        base.path(),
        |m| column(m, "app_accounts", "domain")["pg_type"] = "int); drop table x; --".into(),
        "has pg_type \"int); drop table x; --\"",
    );
    refused(
        base.path(),
        |m| column(m, "app_accounts", "domain")["pg_type"] = "bigint".into(),
        "a Text column loads only as \"text\"",
    );
    refused(
        base.path(),
        |m| column(m, "app_accounts", "domain")["name"] = "a\"; drop table x; --".into(),
        "is not a plain identifier",
    );
    refused(
        base.path(),
        |m| table(m, "app_users")["name"] = "Users; DROP".into(),
        "is not a plain identifier",
    );
    refused(
        base.path(),
        |m| table(m, "app_accounts")["primary_key"] = "account_id); drop table x; --".into(),
        "is not one of its columns",
    );
    refused(
        base.path(),
        |m| {
            table(m, "app_users")["foreign_keys"][0]["references_table"] =
                "x (a); drop table y; --".into()
        },
        "is not a plain identifier",
    );
    refused(
        base.path(),
        |m| table(m, "app_users")["foreign_keys"][0]["column"] = "email) references x(".into(),
        "which it does not declare",
    );
    refused(
        base.path(),
        |m| table(m, "app_users")["foreign_keys"][0]["references_column"] = "account_name".into(),
        "not that table's primary key",
    );
    refused(
        base.path(),
        |m| table(m, "app_users")["shards"][0]["path"] = "../../etc/passwd.parquet".into(),
        "is not app_users/<file>",
    );
    refused(
        base.path(),
        |m| table(m, "app_users")["shards"][0]["path"] = "/etc/app_users/x.parquet".into(),
        "is not app_users/<file>",
    );
    refused(
        base.path(),
        |m| m["dataset"]["id"] = "x'; drop table y; --".into(),
        "is not a plain hex id",
    );
    refused(
        base.path(),
        |m| table(m, "app_users")["rows"] = 1_000_000.into(),
        "the shards of app_users hold",
    );
}

/// Rewrites a Parquet shard with two columns in each other's place (names travel with their
/// data) and fixes its checksum in the manifest.
fn swap_parquet_columns(dir: &Path, table_name: &str, a: &str, b: &str) {
    use parquet::arrow::ArrowWriter;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let path = dir.join(format!("{table_name}/part-00000.parquet"));
    let file = std::fs::File::open(&path).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let batches: Vec<arrow::array::RecordBatch> = reader.map(|b| b.unwrap()).collect();
    let schema = batches[0].schema();
    let (ia, ib) = (schema.index_of(a).unwrap(), schema.index_of(b).unwrap());
    let mut order: Vec<usize> = (0..schema.fields().len()).collect();
    order.swap(ia, ib);
    let swapped_schema = Arc::new(schema.project(&order).unwrap());
    let mut out = Vec::new();
    {
        let mut w = ArrowWriter::try_new(&mut out, swapped_schema, None).unwrap();
        for batch in &batches {
            w.write(&batch.project(&order).unwrap()).unwrap();
        }
        w.close().unwrap();
    }
    std::fs::write(&path, &out).unwrap();
    let mut m = read_manifest(dir);
    let shard = &mut table(&mut m, table_name)["shards"][0];
    shard["sha256"] = hex::encode(Sha256::digest(&out)).into();
    shard["bytes"] = out.len().into();
    write_manifest(dir, &m);
}

#[test]
fn columns_are_matched_by_name_not_position() {
    let good = tempdir().unwrap();
    generate(good.path(), Some(20), Format::Parquet);
    let swapped = tempdir().unwrap();
    generate(swapped.path(), Some(20), Format::Parquet);
    swap_parquet_columns(swapped.path(), "app_accounts", "hq_city", "hq_state");
    drop_schema("t_order_a");
    drop_schema("t_order_b");
    let o = load(good.path(), "t_order_a", &["--tables", "app_accounts"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = load(swapped.path(), "t_order_b", &["--tables", "app_accounts"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let differ = client().i64(
        "SELECT count(*) FROM (SELECT account_id, hq_city, hq_state FROM t_order_a.app_accounts \
         EXCEPT SELECT account_id, hq_city, hq_state FROM t_order_b.app_accounts) d",
    );
    assert_eq!(
        differ, 0,
        "a shard with its columns in another order loads by name"
    );
    // A CSV whose header names the columns in another order is refused.
    let csv = tempdir().unwrap();
    generate(csv.path(), Some(20), Format::Csv);
    let m = read_manifest(csv.path());
    let path = m["tables"][0]["shards"][0]["path"]
        .as_str()
        .unwrap()
        .to_string();
    let file = csv.path().join(&path);
    let raw = std::fs::read(&file).unwrap();
    let text = if path.ends_with(".zst") {
        String::from_utf8(zstd::decode_all(&raw[..]).unwrap()).unwrap()
    } else {
        String::from_utf8(raw).unwrap()
    };
    let text = text.replacen("hq_city,hq_state", "hq_state,hq_city", 1);
    let bytes = if path.ends_with(".zst") {
        zstd::encode_all(text.as_bytes(), 3).unwrap()
    } else {
        text.into_bytes()
    };
    std::fs::write(&file, &bytes).unwrap();
    let mut m = m;
    m["tables"][0]["shards"][0]["sha256"] = hex::encode(Sha256::digest(&bytes)).into();
    write_manifest(csv.path(), &m);
    drop_schema("t_order_c");
    let o = load(csv.path(), "t_order_c", &["--tables", "app_accounts"]);
    let err = stderr(&o);
    assert!(
        !o.status.success() && err.contains("does not name the manifest's columns in order"),
        "{err}"
    );
    for s in ["t_order_a", "t_order_b", "t_order_c"] {
        drop_schema(s);
    }
}

#[test]
fn two_loaders_into_one_schema_never_double_a_table() {
    let dir = tempdir().unwrap();
    generate(dir.path(), Some(60), Format::Parquet);
    drop_schema("t_twice");
    let spawn = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_datagen-load"))
            .arg(dir.path())
            .args(["--schema", "t_twice", "--jobs", "2"])
            .env("DATABASE_URL", database_url())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(a.status.success(), "{}", stderr(&a));
    assert!(b.status.success(), "{}", stderr(&b));
    let said = format!("{}{}", stderr(&a), stderr(&b));
    assert!(
        said.contains("waiting for another datagen-load into schema t_twice"),
        "the second loader says what it waits for: {said}"
    );
    assert_loaded(dir.path(), "t_twice");
    drop_schema("t_twice");
}

#[test]
fn another_dataset_is_refused_in_a_half_loaded_schema_and_replace_reloads_it() {
    let first = tempdir().unwrap();
    generate(first.path(), Some(30), Format::Parquet);
    drop_schema("t_mix");
    // Half a load of the first dataset: some tables only.
    let o = load(
        first.path(),
        "t_mix",
        &["--tables", "app_accounts,app_users,iot_tap_events"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // The same settings with another seed: other content, so another dataset id.
    let second = tempdir().unwrap();
    generate_seed(second.path(), Some(30), 7, Format::Parquet);
    assert_ne!(
        read_manifest(first.path())["dataset"]["id"],
        read_manifest(second.path())["dataset"]["id"]
    );
    let o = load(second.path(), "t_mix", &[]);
    let err = stderr(&o);
    assert!(
        !o.status.success() && err.contains("holds another dataset"),
        "{err}"
    );
    let c = client();
    assert_eq!(
        c.i64("SELECT count(DISTINCT dataset_id) FROM t_mix._datagen_ledger"),
        1,
        "nothing of the second dataset was loaded"
    );
    // A shard of the same dataset id with another checksum is another generation too.
    c.exec(
        "UPDATE t_mix._datagen_ledger SET sha256 = repeat('0', 64) WHERE table_name = 'app_users'",
    );
    let o = load(first.path(), "t_mix", &[]);
    let err = stderr(&o);
    assert!(
        !o.status.success() && err.contains("with another checksum"),
        "{err}"
    );
    let o = load(second.path(), "t_mix", &["--replace"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_loaded(second.path(), "t_mix");
    let ids = c.strings("SELECT DISTINCT dataset_id FROM t_mix._datagen_ledger");
    assert_eq!(
        ids,
        vec![
            read_manifest(second.path())["dataset"]["id"]
                .as_str()
                .unwrap()
                .to_string()
        ]
    );
    drop_schema("t_mix");
}

#[test]
fn replace_of_some_tables_keeps_every_foreign_key_and_the_views() {
    let dir = tempdir().unwrap();
    generate(dir.path(), Some(20), Format::Parquet);
    drop_schema("t_keep_notes");
    drop_schema("t_keep");
    let o = load(dir.path(), "t_keep", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let c = client();
    // A view on a table being replaced, and a foreign key into it from another schema that the
    // manifest does not declare.
    c.exec(
        "CREATE VIEW t_keep.accounts_v AS SELECT account_id FROM t_keep.app_accounts;
         CREATE SCHEMA t_keep_notes; CREATE TABLE t_keep_notes.notes (id int PRIMARY KEY, account_id bigint REFERENCES t_keep.app_accounts (account_id));
         INSERT INTO t_keep_notes.notes SELECT 1, min(account_id) FROM t_keep.app_accounts",
    );
    let o = load(
        dir.path(),
        "t_keep",
        &["--replace", "--tables", "app_accounts"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_loaded(dir.path(), "t_keep");
    assert_eq!(
        c.i64("SELECT count(*) FROM pg_constraint WHERE conrelid = 't_keep_notes.notes'::regclass AND contype = 'f' AND convalidated"),
        1,
        "a foreign key of a table outside the manifest is recreated and validated"
    );
    assert_eq!(c.i64("SELECT count(*) FROM t_keep.accounts_v"), 20);
    assert_eq!(c.i64("SELECT count(*) FROM t_keep._datagen_saved_fk"), 0);
    // Loading a child alone into a schema without its parent lists the skipped foreign keys.
    drop_schema("t_alone");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_datagen-load"))
        .arg(dir.path())
        .args(["--schema", "t_alone", "--tables", "app_users"])
        .env("DATABASE_URL", database_url())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("foreign key not created: app_users.account_id -> app_accounts.account_id"),
        "{out}"
    );
    drop_schema("t_keep_notes");
    drop_schema("t_keep");
    drop_schema("t_alone");
}
