//! Interrupt a dev load at moments spread over all its phases (copy, keys, foreign keys,
//! analyze, counts), by SIGKILL of the loader or by ending its server sessions, and prove that
//! ONE rerun always finishes with every row exactly once and every constraint validated.

mod common;

use std::process::{Command, Stdio};
use std::time::Instant;

use common::*;
use datagen::output::Format;
use tempfile::tempdir;

const SCHEMA: &str = "t_soak";

fn spawn(dir: &std::path::Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_datagen-load"))
        .arg(dir)
        .args(["--schema", SCHEMA, "--jobs", "2", "--quiet"])
        .env("DATABASE_URL", database_url())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// (shards in the ledger, validated constraints) right now, for the log.
fn phase(c: &postgres_client::Client) -> (i64, i64) {
    let exists = c.i64(&format!(
        "SELECT count(*) FROM pg_class WHERE oid = to_regclass('{SCHEMA}._datagen_ledger')"
    ));
    let ledger = if exists == 1 {
        c.i64(&format!("SELECT count(*) FROM {SCHEMA}._datagen_ledger"))
    } else {
        0
    };
    let constraints = c.i64(&format!(
        "SELECT count(*) FROM pg_constraint WHERE connamespace = (SELECT oid FROM pg_namespace WHERE nspname = '{SCHEMA}') AND convalidated AND contype IN ('p', 'f') AND conname NOT LIKE '\\_datagen%'"
    ));
    (ledger, constraints)
}

#[test]
fn any_interruption_needs_one_rerun() {
    let dir = tempdir().unwrap();
    generate(dir.path(), None, Format::Parquet);
    let c = client();
    let shards: i64 = manifest_shards(dir.path());
    let constraints_total = manifest_rows(dir.path()).len() as i64 + declared_fks(dir.path());

    // A clean load sets the time scale.
    drop_schema(SCHEMA);
    let t0 = Instant::now();
    let o = spawn(dir.path()).wait_with_output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let full = t0.elapsed();

    let mut interrupted = 0;
    let mut during_copy = 0;
    let mut after_copy = 0;
    let mut attempt = 0u32;
    while interrupted < 12 {
        attempt += 1;
        assert!(
            attempt <= 24,
            "only {interrupted} of {attempt} loads were interrupted before they finished"
        );
        drop_schema(SCHEMA);
        // Moments spread over the whole load (a golden-ratio sequence); every third attempt
        // waits for the last shard to commit instead, so keys, foreign keys and ANALYZE are
        // interrupted too whatever this machine's speed.
        let frac = ((attempt as f64 * 0.618_034) % 1.0) * 0.95;
        let mut child = spawn(dir.path());
        if attempt.is_multiple_of(3) {
            let t0 = Instant::now();
            while phase(&c).0 < shards
                && child.try_wait().unwrap().is_none()
                && t0.elapsed() < full * 4
            {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            std::thread::sleep(full.mul_f64(frac * 0.2));
        } else {
            std::thread::sleep(full.mul_f64(frac));
        }
        if child.try_wait().unwrap().is_some() {
            continue;
        }
        let (ledger, constraints) = phase(&c);
        let how = if attempt.is_multiple_of(2) {
            child.kill().unwrap(); // SIGKILL
            "SIGKILL"
        } else {
            c.i64(&format!(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'datagen-load {SCHEMA}'"
            ));
            "pg_terminate_backend"
        };
        let out = child.wait_with_output().unwrap();
        if how == "pg_terminate_backend" && out.status.success() {
            continue; // it finished before its sessions were ended
        }
        interrupted += 1;
        if ledger < shards {
            during_copy += 1;
        } else {
            after_copy += 1;
        }
        eprintln!(
            "interruption {interrupted}: {how} ({ledger}/{shards} shards, {constraints}/{constraints_total} keys and foreign keys validated)"
        );
        // One rerun, straight away (the dead run's sessions may still be at work).
        let o = spawn(dir.path()).wait_with_output().unwrap();
        let said = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "the rerun after {how} failed: {said}");
        if !said.is_empty() {
            eprintln!("  rerun said: {}", said.trim());
        }
        assert_loaded(dir.path(), SCHEMA);
        assert_eq!(
            c.i64(&format!("SELECT count(*) FROM {SCHEMA}._datagen_ledger")),
            shards
        );
    }
    assert!(during_copy >= 2, "interruptions during COPY: {during_copy}");
    assert!(
        after_copy >= 2,
        "interruptions during keys, foreign keys or analyze: {after_copy}"
    );
    drop_schema(SCHEMA);
}
