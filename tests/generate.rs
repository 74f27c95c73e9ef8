//! End-to-end tests of `datagen generate`: exact counts, determinism, shard splits, bad input.

mod common;

use common::*;
use datagen::profile::Profile;
use tempfile::tempdir;

const WORLD_TABLES: [&str; 5] = [
    "app_accounts",
    "app_locations",
    "app_users",
    "app_devices",
    "app_subscriptions",
];

fn assert_counts(profile: &Profile, args: &[&str]) {
    let dir = tempdir().unwrap();
    generate(dir.path(), args);
    let m = manifest(dir.path());
    for t in WORLD_TABLES {
        let entry = m["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == t)
            .unwrap();
        let expected = profile.count(t).unwrap();
        assert_eq!(
            entry["rows"].as_u64().unwrap(),
            expected,
            "{t} in {profile}"
        );
        let shard_sum: u64 = entry["shards"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["rows"].as_u64().unwrap())
            .sum();
        assert_eq!(shard_sum, expected, "{t} shards in {profile}");
    }
}

#[test]
fn exact_counts_dev_qa_production_and_custom() {
    let tables = WORLD_TABLES.join(",");
    assert_counts(&Profile::Dev, &["--profile", "dev", "--tables", &tables]);
    assert_counts(&Profile::Qa, &["--profile", "qa", "--tables", &tables]);
    assert_counts(
        &Profile::Production,
        &["--profile", "production", "--tables", &tables],
    );
    assert_counts(
        &Profile::Custom(777),
        &["--accounts", "777", "--tables", &tables],
    );
}

#[test]
fn identical_bytes_for_any_thread_count() {
    // Every table at dev size (tap events: four date-range shards) ...
    let (a, b) = (tempdir().unwrap(), tempdir().unwrap());
    generate(a.path(), &["--threads", "1"]);
    generate(b.path(), &["--threads", "2"]);
    assert_same_files(a.path(), b.path());
    // ... and the world tables at 25,000 accounts: three account-range shards each.
    let (c, d) = (tempdir().unwrap(), tempdir().unwrap());
    let tables = WORLD_TABLES.join(",");
    generate(
        c.path(),
        &["--accounts", "25000", "--tables", &tables, "--threads", "1"],
    );
    generate(
        d.path(),
        &["--accounts", "25000", "--tables", &tables, "--threads", "2"],
    );
    assert_same_files(c.path(), d.path());
}

#[test]
fn shard_split_merged_equals_one_full_run() {
    let (full, p0, p1, merged) = (
        tempdir().unwrap(),
        tempdir().unwrap(),
        tempdir().unwrap(),
        tempdir().unwrap(),
    );
    generate(full.path(), &["--accounts", "150"]);
    generate(p0.path(), &["--accounts", "150", "--shard", "0/2"]);
    generate(p1.path(), &["--accounts", "150", "--shard", "1/2"]);
    assert!(
        !p0.path().join("manifest.json").exists(),
        "a part alone is not a dataset"
    );
    copy_into(p0.path(), merged.path());
    copy_into(p1.path(), merged.path());
    let o = datagen(&["assemble", merged.path().to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_same_files(full.path(), merged.path());

    // Two parts writing into one folder assemble by themselves.
    let shared = tempdir().unwrap();
    generate(shared.path(), &["--accounts", "150", "--shard", "1/2"]);
    generate(shared.path(), &["--accounts", "150", "--shard", "0/2"]);
    assert_same_files(full.path(), shared.path());
}

#[test]
fn csv_output_with_and_without_zstd_validates() {
    let (a, b) = (tempdir().unwrap(), tempdir().unwrap());
    generate(a.path(), &["--format", "csv", "--threads", "1"]);
    generate(
        b.path(),
        &["--format", "csv", "--compression", "none", "--threads", "2"],
    );
    for dir in [a.path(), b.path()] {
        let o = datagen(&["validate", dir.to_str().unwrap()]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    }
    let head = std::fs::read_to_string(b.path().join("app_accounts/part-00000.csv")).unwrap();
    assert!(
        head.starts_with("account_id,account_name,domain,"),
        "{}",
        &head[..80]
    );
}

fn assert_rejected(args: &[&str], needle: &str, out: &std::path::Path) {
    let o = datagen(args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{args:?} should fail");
    assert!(
        err.contains(needle),
        "{args:?}: expected '{needle}' in: {err}"
    );
    assert!(
        !out.join("manifest.json").exists(),
        "{args:?} wrote a manifest"
    );
}

#[test]
fn bad_input_fails_clearly_and_writes_no_manifest() {
    let dir = tempdir().unwrap();
    let out = dir.path().join("ds");
    let o = out.to_str().unwrap();
    assert_rejected(
        &["generate", "--profile", "staging", "--out", o],
        "unknown profile 'staging'",
        &out,
    );
    assert_rejected(
        &["generate", "--shard", "3/2", "--out", o],
        "out of range",
        &out,
    );
    assert_rejected(
        &["generate", "--accounts", "0", "--out", o],
        "too small: use at least 10",
        &out,
    );
    assert_rejected(
        &["generate", "--tables", "app_acounts", "--out", o],
        "unknown table 'app_acounts'",
        &out,
    );
    assert_rejected(
        &["generate", "--as-of", "2025-13-01", "--out", o],
        "not a date",
        &out,
    );
    // A path below a regular file can never be created.
    let file = dir.path().join("plain-file");
    std::fs::write(&file, b"x").unwrap();
    let blocked = file.join("sub");
    assert_rejected(
        &["generate", "--out", blocked.to_str().unwrap()],
        "cannot create output folder",
        &blocked,
    );
    // An existing dataset is kept unless --overwrite is given.
    generate(&out, &[]);
    let before = std::fs::read(out.join("manifest.json")).unwrap();
    let o2 = datagen(&["generate", "--quiet", "--out", o]);
    assert!(!o2.status.success());
    assert!(String::from_utf8_lossy(&o2.stderr).contains("--overwrite"));
    assert_eq!(
        std::fs::read(out.join("manifest.json")).unwrap(),
        before,
        "existing dataset untouched"
    );
    generate(&out, &["--overwrite"]);
}

#[test]
fn profiles_lists_exact_counts() {
    let o = datagen(&["profiles"]);
    let text = String::from_utf8_lossy(&o.stdout);
    let line = text.lines().find(|l| l.starts_with("app_devices")).unwrap();
    let nums: Vec<&str> = line.split_whitespace().skip(1).collect();
    assert_eq!(nums, ["450", "45000", "180000"]);
    let line = text
        .lines()
        .find(|l| l.starts_with("iot_tap_events"))
        .unwrap();
    let nums: Vec<&str> = line.split_whitespace().skip(1).collect();
    assert_eq!(nums, ["500000", "50000000", "200000000"]);
}

#[test]
fn every_table_plans_its_exact_count_for_every_profile_without_writing() {
    for p in [
        Profile::Dev,
        Profile::Qa,
        Profile::Production,
        Profile::Custom(777),
    ] {
        let world = datagen::world::World::build(&datagen::world::Config {
            profile: p.clone(),
            seed: 42,
            as_of: datagen::time::parse_date("2025-12-31").unwrap(),
            tap_window_days: 365,
        });
        for t in datagen::table::all() {
            let rows: u64 = t.shard_rows(&world).iter().sum();
            match p.count(t.name()) {
                Some(expected) => assert_eq!(rows, expected, "{} in {p}", t.name()),
                None => assert!(rows > 0, "{} in {p}", t.name()),
            }
        }
    }
}
