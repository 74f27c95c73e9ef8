//! Generating to S3-compatible object storage (a real server on loopback, started by
//! scripts/test.sh): four concurrent parts meet in one prefix byte-identical to a one-process
//! local run, a part killed mid-upload leaves no partial object, and bad input fails clearly
//! without printing a secret.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;
use datagen::store::Location;
use tempfile::tempdir;

fn bucket() -> String {
    std::env::var("DATAGEN_TEST_S3_BUCKET").expect(
        "DATAGEN_TEST_S3_BUCKET and AWS_ENDPOINT_URL must name an S3-compatible server: run scripts/test.sh, which starts one",
    )
}

/// A fresh `s3://` prefix in the test bucket.
fn prefix(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "s3://{}/gen-{name}-{}-{nanos}",
        bucket(),
        std::process::id()
    )
}

fn at(url: &str) -> Location {
    Location::parse(url).unwrap()
}

fn spawn(args: &[&str], env: &[(&str, &str)]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_datagen"))
        .args(args)
        .env_remove("DATAGEN_ENV")
        .env_remove("JOB_COMPLETION_INDEX")
        .env_remove("AWS_BATCH_JOB_ARRAY_INDEX")
        .env_remove("SLURM_ARRAY_TASK_ID")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("datagen runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Every object under a prefix, with its bytes.
fn objects(loc: &Location) -> BTreeMap<String, Vec<u8>> {
    loc.list("")
        .unwrap()
        .into_iter()
        .map(|rel| {
            let bytes = loc.read(&rel).unwrap().unwrap().to_vec();
            (rel, bytes)
        })
        .collect()
}

/// The prefix holds exactly the local folder's files, byte for byte.
fn assert_same_as_local(local: &Path, loc: &Location) {
    let want: BTreeMap<String, Vec<u8>> = files(local)
        .into_iter()
        .map(|(p, b)| (p.to_string_lossy().replace('\\', "/"), b))
        .collect();
    let got = objects(loc);
    assert_eq!(
        want.keys().collect::<Vec<_>>(),
        got.keys().collect::<Vec<_>>(),
        "the same objects as the local run (one manifest.json, no part manifests)"
    );
    for (k, v) in &want {
        assert!(v == &got[k], "{k} differs from the local run");
    }
    // And every shard's checksum is the manifest's.
    let m: serde_json::Value = serde_json::from_slice(&got["manifest.json"]).unwrap();
    for t in m["tables"].as_array().unwrap() {
        for s in t["shards"].as_array().unwrap() {
            let path = s["path"].as_str().unwrap();
            assert_eq!(
                loc.sha256(path).unwrap().as_deref(),
                s["sha256"].as_str(),
                "{path}"
            );
        }
    }
}

#[test]
fn four_concurrent_parts_meet_in_one_prefix_identical_to_a_local_run() {
    let full = tempdir().unwrap();
    generate(full.path(), &["--accounts", "150"]);
    for round in 0..2 {
        let url = prefix(&format!("parts{round}"));
        // Four processes started together; in round 1 each finds its index as a Kubernetes
        // Indexed Job would give it.
        let children: Vec<Child> = (0..4)
            .map(|k| {
                let ks = k.to_string();
                let part = format!("{k}/4");
                let mut args = vec![
                    "generate",
                    "--quiet",
                    "--out",
                    &url,
                    "--accounts",
                    "150",
                    "--shard",
                ];
                if round == 1 {
                    args.push("auto/4");
                    spawn(&args, &[("JOB_COMPLETION_INDEX", ks.as_str())])
                } else {
                    args.push(&part);
                    spawn(&args, &[])
                }
            })
            .collect();
        for c in children {
            let o = c.wait_with_output().unwrap();
            assert!(o.status.success(), "round {round}: {}", text(&o));
        }
        assert_same_as_local(full.path(), &at(&url));
    }
}

#[test]
fn a_part_killed_mid_upload_leaves_no_partial_object_and_its_rerun_completes() {
    // Tap-event shards (1M events, over 20 MiB each) go up as multipart uploads.
    let args = ["--accounts", "1500", "--tables", "iot_tap_events"];
    let full = tempdir().unwrap();
    generate(full.path(), &args);
    let local = manifest(full.path());
    let url = prefix("kill");
    let loc = at(&url);
    let mut all = vec!["generate", "--quiet", "--threads", "2", "--out", &url];
    all.extend_from_slice(&args);
    let mut part0 = all.clone();
    part0.extend_from_slice(&["--shard", "0/2"]);

    // Kill part 0 once its first shard is in the bucket and others are uploading.
    let mut child = spawn(&part0, &[]);
    let start = Instant::now();
    let mut killed = false;
    while start.elapsed() < Duration::from_secs(120) {
        let shards = loc
            .list("iot_tap_events")
            .unwrap()
            .iter()
            .filter(|p| p.ends_with(".parquet"))
            .count();
        if shards >= 1 {
            child.kill().unwrap(); // SIGKILL
            killed = true;
            break;
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait().unwrap();
    assert!(
        killed,
        "part 0 was killed midway (it finished too fast to interrupt)"
    );
    // Every object that exists is complete: the very bytes the local run wrote.
    let present = loc.list("").unwrap();
    let planned: usize = local["tables"][0]["shards"].as_array().unwrap().len();
    assert!(
        present.len() < planned.div_ceil(2),
        "part 0 was interrupted: {present:?}"
    );
    for rel in &present {
        assert!(
            rel.starts_with("iot_tap_events/part-") && rel.ends_with(".parquet"),
            "only complete shards, no manifest: {rel}"
        );
        assert_eq!(
            loc.read(rel).unwrap().unwrap().to_vec(),
            std::fs::read(full.path().join(rel)).unwrap(),
            "{rel} is complete"
        );
    }
    // The rerun of part 0 and a run of part 1 complete the set.
    let o = spawn(&part0, &[]).wait_with_output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(!loc.exists("manifest.json").unwrap());
    let mut part1 = all.clone();
    part1.extend_from_slice(&["--shard", "1/2"]);
    let o = spawn(&part1, &[]).wait_with_output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert_same_as_local(full.path(), &loc);
}

/// Runs `datagen` expecting failure; asserts the output names `expect` and holds no secret.
fn refused(args: &[&str], env: &[(&str, &str)], expect: &[&str]) -> String {
    let o = spawn(args, env).wait_with_output().unwrap();
    let all = text(&o);
    assert!(!o.status.success(), "{args:?} should fail: {all}");
    for e in expect {
        assert!(all.contains(e), "expected '{e}' in: {all}");
    }
    let secret = std::env::var("AWS_SECRET_ACCESS_KEY").unwrap_or_default();
    assert!(
        secret.len() < 4 || !all.contains(&secret),
        "a secret was printed: {all}"
    );
    all
}

#[test]
fn bad_object_storage_input_fails_clearly_and_marks_nothing_complete() {
    let gen_args = |url: &'static str| -> Vec<&'static str> {
        vec!["generate", "--quiet", "--accounts", "10", "--out", url]
    };
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };

    // A bucket that does not exist.
    refused(
        &gen_args("s3://datagen-no-such-bucket/x"),
        &[],
        &["datagen-no-such-bucket", "does not exist"],
    );
    // Credentials the server refuses.
    let strict = std::env::var("DATAGEN_TEST_S3_STRICT_ENDPOINT").unwrap_or_default();
    let url = leak(prefix("creds"));
    refused(
        &gen_args(url),
        &[("AWS_ENDPOINT_URL", strict.as_str())],
        &["refused the credentials", strict.as_str(), &bucket()],
    );
    // An endpoint nobody answers.
    refused(
        &gen_args(url),
        &[("AWS_ENDPOINT_URL", "http://127.0.0.1:9")],
        &["cannot reach", "http://127.0.0.1:9"],
    );
    assert!(at(url).list("").unwrap().is_empty(), "nothing written");

    // A prefix that holds a dataset is refused without --overwrite, and left as it was.
    let taken = leak(prefix("taken"));
    let o = spawn(&gen_args(taken), &[]).wait_with_output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let before = objects(&at(taken));
    let mut again = gen_args(taken);
    again.extend_from_slice(&["--seed", "7"]);
    refused(
        &again,
        &[],
        &["already holds a dataset", taken, "--overwrite"],
    );
    assert!(before == objects(&at(taken)), "the dataset is untouched");

    // A part manifest of another run (other seed) in the prefix.
    let mixed = leak(prefix("mixed"));
    let mut p0 = gen_args(mixed);
    p0.extend_from_slice(&["--shard", "0/2", "--seed", "1"]);
    let o = spawn(&p0, &[]).wait_with_output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let mut p1 = gen_args(mixed);
    p1.extend_from_slice(&["--shard", "1/2", "--seed", "2"]);
    refused(
        &p1,
        &[],
        &["manifest.part-0-of-2.json", "another run", "seed 1"],
    );
    assert!(!at(mixed).exists("manifest.json").unwrap());

    // --shard auto with no batch-engine variable writes nothing.
    let auto = leak(prefix("auto"));
    let mut a = gen_args(auto);
    a.extend_from_slice(&["--shard", "auto/4"]);
    refused(&a, &[], &["JOB_COMPLETION_INDEX"]);
    assert!(at(auto).list("").unwrap().is_empty());

    // Not an s3:// URL we read, and a bucket name S3 would reject.
    refused(&gen_args("gs://bucket/x"), &[], &["gs://bucket/x"]);
    refused(
        &gen_args("s3://Bad_Bucket/x"),
        &[],
        &["Bad_Bucket", "not a valid bucket name"],
    );
}

#[test]
fn validate_and_report_read_a_prefix() {
    let url = prefix("read");
    let local = tempdir().unwrap();
    generate(local.path(), &["--accounts", "300"]);
    let o = spawn(
        &["generate", "--quiet", "--accounts", "300", "--out", &url],
        &[],
    )
    .wait_with_output()
    .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let o = spawn(&["validate", &url], &[]).wait_with_output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let report = tempdir().unwrap();
    let out = report.path().join("r");
    let o = Command::new(env!("CARGO_BIN_EXE_datagen"))
        .args(["report", &url, "--quiet", "--no-validate", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let remote: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_datagen"))
        .args([
            "report",
            local.path().to_str().unwrap(),
            "--quiet",
            "--no-validate",
            "--out",
        ])
        .arg(report.path().join("l"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let on_disk: serde_json::Value = serde_json::from_slice(
        &std::fs::read(report.path().join("l").join("summary.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(remote["tables"], on_disk["tables"], "the same figures");
    // A shard removed from the prefix is named by validate.
    let loc = at(&url);
    loc.delete("app_accounts/part-00000.parquet").unwrap();
    let o = spawn(&["validate", &url], &[]).wait_with_output().unwrap();
    assert!(!o.status.success());
    let said = text(&o);
    assert!(
        said.contains("app_accounts/part-00000.parquet") && said.contains("missing"),
        "{said}"
    );
}
