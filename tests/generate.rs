//! End-to-end tests of `datagen generate`: exact counts, determinism, shard splits, bad input.

mod common;

use common::*;
use datagen::plans::Plans;
use datagen::profile::Profile;
use datagen::registry;
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
        let expected = registry::counts(profile).get(t);
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
        let counts = registry::counts(&p);
        let world =
            datagen::world::World::build(&datagen::world::Config::at_anchor(p.clone()), &counts);
        let plans = Plans::build(&world);
        for e in registry::all() {
            let rows: u64 = e.table.shard_rows(&world, &plans).iter().sum();
            match counts.try_get(e.name()) {
                Some(expected) => assert_eq!(rows, expected, "{} in {p}", e.name()),
                None => assert!(rows > 0, "{} in {p}", e.name()),
            }
        }
    }
}

/// SPEC §2, written out independently of the tables' declarations: a declared size that drifts
/// from the specification fails here.
const SPEC_COUNTS: [(&str, u64, u64, u64); 26] = [
    ("app_accounts", 100, 10_000, 40_000),
    ("app_locations", 150, 15_000, 60_000),
    ("app_users", 300, 30_000, 120_000),
    ("app_devices", 450, 45_000, 180_000),
    ("app_subscriptions", 125, 12_500, 50_000),
    ("stripe_customers", 100, 10_000, 40_000),
    ("stripe_prices", 12, 12, 12),
    ("stripe_subscriptions", 125, 12_500, 50_000),
    ("stripe_subscription_items", 175, 17_500, 70_000),
    ("stripe_invoices", 1_500, 150_000, 600_000),
    ("stripe_charges", 1_425, 142_500, 570_000),
    ("stripe_events", 10_000, 1_000_000, 4_000_000),
    ("hubspot_companies", 125, 12_500, 50_000),
    ("hubspot_contacts", 500, 50_000, 200_000),
    ("hubspot_deals", 250, 25_000, 100_000),
    ("hubspot_engagements", 2_500, 250_000, 1_000_000),
    ("hubspot_tickets", 400, 40_000, 160_000),
    ("marketing_campaigns", 25, 1_250, 5_000),
    ("marketing_campaign_performance", 7_500, 375_000, 1_500_000),
    (
        "marketing_attribution_touchpoints",
        15_000,
        750_000,
        3_000_000,
    ),
    ("marketing_mqls", 200, 20_000, 80_000),
    ("ga_sessions", 30_000, 1_500_000, 6_000_000),
    ("app_user_sessions", 50_000, 2_500_000, 10_000_000),
    ("app_page_views", 250_000, 12_500_000, 50_000_000),
    ("app_feature_usage", 150_000, 7_500_000, 30_000_000),
    ("iot_tap_events", 500_000, 50_000_000, 200_000_000),
];

#[test]
fn declared_sizes_match_the_specification() {
    let (dev, qa, prod) = (
        registry::counts(&Profile::Dev),
        registry::counts(&Profile::Qa),
        registry::counts(&Profile::Production),
    );
    for (t, d, q, p) in SPEC_COUNTS {
        assert_eq!(dev.try_get(t), Some(d), "{t} dev");
        assert_eq!(qa.try_get(t), Some(q), "{t} qa");
        assert_eq!(prod.try_get(t), Some(p), "{t} production");
    }
    // Device health follows from the world: no size before the world is built.
    assert_eq!(dev.try_get("iot_device_health"), None);
}

/// The dev dataset (default seed and as-of date) is pinned shard by shard: a refactor that
/// changes a byte fails here. A deliberate change of the data regenerates the file:
/// `datagen generate --out D` and the `path sha256` pairs of `D/manifest.json`.
#[test]
fn dev_checksums_are_pinned() {
    let dir = tempdir().unwrap();
    generate(dir.path(), &[]);
    let m = manifest(dir.path());
    let got: Vec<String> = m["tables"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["shards"].as_array().unwrap().clone())
        .map(|s| {
            format!(
                "{} {}",
                s["path"].as_str().unwrap(),
                s["sha256"].as_str().unwrap()
            )
        })
        .collect();
    let golden = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/dev.sha256"),
    )
    .unwrap();
    let want: Vec<&str> = golden.lines().collect();
    assert_eq!(got.len(), want.len(), "shard count changed");
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g, w, "dev shard bytes changed");
    }
}

/// The Parquet layout per column kind: keys, instants and grouped columns are delta-encoded with
/// statistics (readers prune on them) and take a fraction of a byte per row; grouping a column
/// whose rows do not come grouped would fail here. Measures and names keep their dictionaries.
#[test]
fn keys_instants_and_grouped_columns_are_deltas_with_statistics() {
    use datagen::schema::ColType;
    use parquet::basic::Encoding;
    use parquet::file::reader::{FileReader, SerializedFileReader};

    let dir = tempdir().unwrap();
    generate(dir.path(), &[]);
    let mut grouped_checked = 0;
    for e in registry::all() {
        let schema = e.table.schema();
        let file = dir.path().join(schema.name).join("part-00000.parquet");
        let reader = SerializedFileReader::new(std::fs::File::open(&file).unwrap()).unwrap();
        let rg = reader.metadata().row_group(0);
        if rg.num_rows() < 1_000 {
            continue; // too few rows for a per-row size to mean anything
        }
        for (i, c) in schema.columns.iter().enumerate() {
            let chunk = rg.column(i);
            let ordered = schema.ordered(c);
            let integer = matches!(
                c.ty,
                ColType::Int32 | ColType::Int64 | ColType::Date | ColType::Timestamp
            );
            let encodings: Vec<Encoding> = chunk.encodings().collect();
            let what = format!("{}.{} {encodings:?}", schema.name, c.name);
            if ordered && integer {
                assert!(encodings.contains(&Encoding::DELTA_BINARY_PACKED), "{what}");
                assert!(!encodings.contains(&Encoding::RLE_DICTIONARY), "{what}");
                let s = chunk
                    .statistics()
                    .unwrap_or_else(|| panic!("{what}: statistics"));
                assert!(
                    s.min_bytes_opt().is_some() && s.max_bytes_opt().is_some(),
                    "{what}"
                );
            }
            if c.grouped {
                let per_row = chunk.compressed_size() as f64 / rg.num_rows() as f64;
                assert!(
                    per_row < 0.5,
                    "{what}: {per_row:.2} bytes a row: not grouped"
                );
                grouped_checked += 1;
            }
            if !ordered && c.ty == ColType::Text && c.accepted.len() > 1 {
                assert!(encodings.contains(&Encoding::RLE_DICTIONARY), "{what}");
                assert!(
                    chunk.statistics().is_none(),
                    "{what}: statistics cannot prune"
                );
            }
        }
    }
    assert!(
        grouped_checked >= 10,
        "{grouped_checked} grouped columns checked"
    );
}

#[test]
fn four_parts_at_once_write_one_manifest() {
    let full = tempdir().unwrap();
    generate(full.path(), &["--accounts", "150"]);
    for round in 0..3 {
        let shared = tempdir().unwrap();
        let out = shared.path().to_str().unwrap().to_string();
        // Four processes started together; part 3 finds its index as a Kubernetes Indexed Job.
        let children: Vec<std::process::Child> = (0..4)
            .map(|k| {
                let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_datagen"));
                c.args(["generate", "--quiet", "--out", &out, "--accounts", "150"]);
                if k == 3 {
                    c.args(["--shard", "auto/4"])
                        .env("JOB_COMPLETION_INDEX", "3");
                } else {
                    c.args(["--shard", &format!("{k}/4")]);
                }
                c.env_remove("DATAGEN_ENV")
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for c in children {
            let o = c.wait_with_output().unwrap();
            assert!(
                o.status.success(),
                "round {round}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
        assert_same_files(full.path(), shared.path());
    }
}

#[test]
fn shard_auto_without_a_batch_engine_is_refused() {
    let dir = tempdir().unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_datagen"))
        .args(["generate", "--quiet", "--shard", "auto/4", "--out"])
        .arg(dir.path())
        .env_remove("JOB_COMPLETION_INDEX")
        .env_remove("AWS_BATCH_JOB_ARRAY_INDEX")
        .env_remove("SLURM_ARRAY_TASK_ID")
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("JOB_COMPLETION_INDEX"), "{err}");
    assert!(!dir.path().join("manifest.json").exists());
}
