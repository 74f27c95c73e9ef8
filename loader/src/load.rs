//! The load: create tables, COPY every shard not yet in the ledger (each in one transaction with
//! its ledger row), then primary keys, foreign keys (NOT VALID, then VALIDATE), ANALYZE and a
//! row count per table against the manifest.

use std::collections::{HashSet, VecDeque};
use std::io::Read;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use bytes::{Bytes, BytesMut};
use futures_util::SinkExt;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use sha2::{Digest, Sha256};
use tokio_postgres::Client;

use crate::db::{self, Target, describe};
use crate::encode;
use crate::manifest::{ColType, Manifest, Table};

pub const LEDGER: &str = "_datagen_ledger";
/// Bytes of COPY data handed to the server at a time.
const CHUNK: usize = 4 << 20;

pub struct Options {
    pub dir: PathBuf,
    pub target: Target,
    pub schema: String,
    pub jobs: usize,
    pub tables: Option<Vec<String>>,
    pub replace: bool,
    pub progress: bool,
}

#[derive(Default, Debug)]
pub struct TableReport {
    pub name: String,
    pub rows: u64,
    pub shards_loaded: usize,
    pub shards_skipped: usize,
    /// Seconds spent in COPY for this table, summed over connections.
    pub copy_seconds: f64,
}

#[derive(Default, Debug)]
pub struct Report {
    pub tables: Vec<TableReport>,
    pub rows_loaded: u64,
    pub copy_seconds: f64,
    pub key_seconds: f64,
    pub foreign_key_seconds: f64,
    pub analyze_seconds: f64,
    pub total_seconds: f64,
}

/// A plain lower-case SQL identifier: the only names this loader will put into SQL.
pub fn check_identifier(kind: &str, name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !ok {
        bail!(
            "{kind} '{name}' is not a plain identifier (lower-case letters, digits and _, at most 63 characters)"
        );
    }
    Ok(())
}

fn pg_type_name(pg: &str) -> &str {
    match pg {
        "timestamptz" => "timestamp with time zone",
        other => other,
    }
}

async fn exec(client: &Client, sql: &str) -> Result<()> {
    client
        .batch_execute(sql)
        .await
        .map_err(|e| anyhow!("{}\n  while running: {sql}", describe(&e)))
}

/// Columns of an existing table as (name, formatted type), or None when it does not exist.
async fn existing_columns(
    client: &Client,
    schema: &str,
    table: &str,
) -> Result<Option<Vec<(String, String)>>> {
    let rows = client
        .query(
            "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod) \
             FROM pg_attribute a JOIN pg_class c ON a.attrelid = c.oid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped \
             ORDER BY a.attnum",
            &[&schema, &table],
        )
        .await
        .map_err(|e| anyhow!(describe(&e)))?;
    Ok((!rows.is_empty()).then(|| rows.iter().map(|r| (r.get(0), r.get(1))).collect()))
}

fn expected_columns(t: &Table) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = t
        .columns
        .iter()
        .map(|c| (c.name.clone(), pg_type_name(&c.pg_type).to_string()))
        .collect();
    v.push(("_loaded_at".into(), "timestamp with time zone".into()));
    v
}

fn create_sql(schema: &str, t: &Table) -> String {
    let cols: Vec<String> = t
        .columns
        .iter()
        .map(|c| {
            format!(
                "{} {}{}",
                c.name,
                c.pg_type,
                if c.nullable { "" } else { " NOT NULL" }
            )
        })
        .collect();
    format!(
        "CREATE TABLE {schema}.{} ({}, _loaded_at timestamptz NOT NULL DEFAULT now())",
        t.name,
        cols.join(", ")
    )
}

/// Creates schema, ledger and tables; refuses tables that hold something else.
async fn prepare(
    client: &Client,
    opts: &Options,
    m: &Manifest,
    tables: &[&Table],
) -> Result<HashSet<String>> {
    let s = &opts.schema;
    exec(
        client,
        &format!(
            "CREATE SCHEMA IF NOT EXISTS {s};
             CREATE TABLE IF NOT EXISTS {s}.{LEDGER} (
               dataset_id text NOT NULL, table_name text NOT NULL, shard_path text NOT NULL,
               sha256 text NOT NULL, rows bigint NOT NULL, loaded_at timestamptz NOT NULL DEFAULT now(),
               PRIMARY KEY (dataset_id, shard_path))"
        ),
    )
    .await?;
    for t in tables {
        let others: Vec<String> = client
            .query(
                &format!("SELECT DISTINCT dataset_id FROM {s}.{LEDGER} WHERE table_name = $1 AND dataset_id <> $2"),
                &[&t.name, &m.dataset.id],
            )
            .await
            .map_err(|e| anyhow!(describe(&e)))?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let existing = existing_columns(client, s, &t.name).await?;
        let foreign = !others.is_empty();
        let mismatched = existing
            .as_ref()
            .is_some_and(|cols| *cols != expected_columns(t));
        if opts.replace && (existing.is_some() || foreign) {
            exec(
                client,
                &format!("DROP TABLE IF EXISTS {s}.{} CASCADE; DELETE FROM {s}.{LEDGER} WHERE table_name = '{}'", t.name, t.name),
            )
            .await?;
        } else if mismatched {
            let cols: Vec<String> = existing
                .unwrap_or_default()
                .iter()
                .map(|(n, ty)| format!("{n} {ty}"))
                .collect();
            bail!(
                "table {s}.{} exists with other columns ({}) than the manifest declares; pass --replace to drop and reload it, or load into another --schema",
                t.name,
                cols.join(", ")
            );
        } else if foreign {
            bail!(
                "table {s}.{} holds another dataset ({}); pass --replace to replace it, or load into another --schema",
                t.name,
                others.join(", ")
            );
        }
        if existing.is_none() || opts.replace {
            exec(client, &create_sql(s, t)).await?;
        }
    }
    let done = client
        .query(
            &format!("SELECT shard_path FROM {s}.{LEDGER} WHERE dataset_id = $1"),
            &[&m.dataset.id],
        )
        .await
        .map_err(|e| anyhow!(describe(&e)))?;
    Ok(done.iter().map(|r| r.get(0)).collect())
}

struct Job {
    table: usize,
    shard: usize,
}

/// Reads, verifies, decodes and encodes one shard off the async runtime, handing COPY chunks
/// to the connection through a bounded channel.
fn produce(
    path: PathBuf,
    sha256: String,
    types: Vec<(String, ColType)>,
    tx: tokio::sync::mpsc::Sender<Result<Bytes>>,
) {
    let send_err = |e: anyhow::Error| {
        let _ = tx.blocking_send(Err(e));
    };
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            return send_err(anyhow!(
                "shard {} is missing or unreadable: {e}",
                path.display()
            ));
        }
    };
    let got = hex::encode(Sha256::digest(&bytes));
    if got != sha256 {
        return send_err(anyhow!(
            "shard {} is corrupt: its SHA-256 is {got}, the manifest says {sha256}; regenerate the dataset or restore the file, then rerun (shards already loaded are kept)",
            path.display()
        ));
    }
    let name = path.to_string_lossy();
    if name.ends_with(".parquet") {
        let reader = match ParquetRecordBatchReaderBuilder::try_new(Bytes::from(bytes))
            .and_then(|b| b.with_batch_size(16 * 1024).build())
        {
            Ok(r) => r,
            Err(e) => {
                return send_err(anyhow!(
                    "shard {} is not readable Parquet: {e}",
                    path.display()
                ));
            }
        };
        let mut buf = BytesMut::with_capacity(CHUNK + (1 << 20));
        encode::header(&mut buf);
        for batch in reader {
            let batch = match batch {
                Ok(b) => b,
                Err(e) => {
                    return send_err(anyhow!("shard {} cannot be decoded: {e}", path.display()));
                }
            };
            if let Err(e) = encode::check_types(&batch, &types) {
                return send_err(anyhow!("shard {}: {e}", path.display()));
            }
            encode::encode_batch(&batch, &types, &mut buf);
            if buf.len() >= CHUNK && tx.blocking_send(Ok(buf.split().freeze())).is_err() {
                return;
            }
        }
        encode::trailer(&mut buf);
        let _ = tx.blocking_send(Ok(buf.freeze()));
    } else {
        let mut data = Vec::new();
        let read = if name.ends_with(".zst") {
            zstd::Decoder::new(&bytes[..]).and_then(|mut d| d.read_to_end(&mut data))
        } else {
            data = bytes;
            Ok(0)
        };
        if let Err(e) = read {
            return send_err(anyhow!(
                "shard {} cannot be decompressed: {e}",
                path.display()
            ));
        }
        for chunk in data.chunks(CHUNK) {
            if tx.blocking_send(Ok(Bytes::copy_from_slice(chunk))).is_err() {
                return;
            }
        }
    }
}

/// COPYs one shard and records it in the ledger, in one transaction.
async fn load_shard(
    client: &mut Client,
    opts: &Options,
    m: &Manifest,
    t: &Table,
    shard: usize,
) -> Result<u64> {
    let s = &t.shards[shard];
    let path = opts.dir.join(&s.path);
    let types: Vec<(String, ColType)> = t.columns.iter().map(|c| (c.name.clone(), c.ty)).collect();
    let cols: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
    let format = if s.path.ends_with(".parquet") {
        "binary"
    } else {
        "csv, header true"
    };
    let (tx_chunks, mut rx) = tokio::sync::mpsc::channel(4);
    let producer = {
        let (path, sha) = (path.clone(), s.sha256.clone());
        tokio::task::spawn_blocking(move || produce(path, sha, types, tx_chunks))
    };
    let tx = client
        .transaction()
        .await
        .map_err(|e| anyhow!(describe(&e)))?;
    let copy = format!(
        "COPY {}.{} ({}) FROM STDIN (FORMAT {format})",
        opts.schema,
        t.name,
        cols.join(", ")
    );
    let sink = tx
        .copy_in(&copy)
        .await
        .map_err(|e| anyhow!("{}: {}", t.name, describe(&e)))?;
    futures_util::pin_mut!(sink);
    while let Some(chunk) = rx.recv().await {
        let chunk = chunk?; // dropping the sink and transaction aborts the COPY
        sink.send(chunk)
            .await
            .map_err(|e| anyhow!("loading {}: {}", path.display(), describe(&e)))?;
    }
    producer.await.context("shard reader")?;
    let rows = sink
        .finish()
        .await
        .map_err(|e| anyhow!("loading {}: {}", path.display(), describe(&e)))?;
    if rows != s.rows {
        bail!(
            "shard {} held {rows} rows, the manifest says {}",
            path.display(),
            s.rows
        );
    }
    tx.execute(
        &format!("INSERT INTO {}.{LEDGER} (dataset_id, table_name, shard_path, sha256, rows) VALUES ($1, $2, $3, $4, $5)", opts.schema),
        &[&m.dataset.id, &t.name, &s.path, &s.sha256, &(rows as i64)],
    )
    .await
    .map_err(|e| anyhow!(describe(&e)))?;
    tx.commit()
        .await
        .map_err(|e| anyhow!("committing {}: {}", path.display(), describe(&e)))?;
    Ok(rows)
}

/// Runs statement lists on the connections in parallel, one list at a time per connection.
async fn run_parallel(clients: &[Client], work: Vec<String>) -> Result<()> {
    let queue = Arc::new(Mutex::new(VecDeque::from(work)));
    let tasks = clients.iter().map(|c| {
        let queue = queue.clone();
        async move {
            loop {
                let next = queue.lock().expect("queue").pop_front();
                let Some(sql) = next else { return Ok(()) };
                exec(c, &sql).await?;
            }
        }
    });
    futures_util::future::try_join_all(tasks).await.map(|_| ())
}

async fn constraint_exists(client: &Client, schema: &str, name: &str) -> Result<Option<bool>> {
    let row = client
        .query_opt(
            "SELECT c.convalidated FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace \
             WHERE n.nspname = $1 AND c.conname = $2",
            &[&schema, &name],
        )
        .await
        .map_err(|e| anyhow!(describe(&e)))?;
    Ok(row.map(|r| r.get(0)))
}

pub async fn run(opts: &Options) -> Result<Report> {
    let started = Instant::now();
    check_identifier("--schema", &opts.schema)?;
    let m = Manifest::read(&opts.dir)?;
    let selected: Vec<&Table> = match &opts.tables {
        None => m.tables.iter().collect(),
        Some(names) => {
            for n in names {
                if !m.tables.iter().any(|t| &t.name == n) {
                    bail!("--tables: the dataset has no table '{n}'");
                }
            }
            m.tables
                .iter()
                .filter(|t| names.contains(&t.name))
                .collect()
        }
    };
    for t in &selected {
        check_identifier("table", &t.name)?;
        for c in &t.columns {
            check_identifier("column", &c.name)?;
        }
        for s in &t.shards {
            let p = opts.dir.join(&s.path);
            if !p.is_file() {
                bail!(
                    "shard {} listed in the manifest is missing; restore it or regenerate the dataset",
                    p.display()
                );
            }
        }
    }

    let admin = db::connect(&opts.target).await?;
    let done = prepare(&admin, opts, &m, &selected).await?;
    let mut clients = vec![admin];
    for _ in 1..opts.jobs.max(1) {
        clients.push(db::connect(&opts.target).await?);
    }

    // Shards not yet in the ledger, parents first.
    let mut report = Report::default();
    let mut jobs = VecDeque::new();
    for (ti, t) in selected.iter().enumerate() {
        let mut tr = TableReport {
            name: t.name.clone(),
            ..Default::default()
        };
        for (si, s) in t.shards.iter().enumerate() {
            if done.contains(&s.path) {
                tr.shards_skipped += 1;
            } else {
                jobs.push_back(Job {
                    table: ti,
                    shard: si,
                });
            }
        }
        report.tables.push(tr);
    }

    let multi = MultiProgress::with_draw_target(
        if opts.progress && std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    let style = ProgressStyle::with_template(
        "{prefix:>34} {bar:28} {human_pos:>12}/{human_len:<12} {per_sec:>14}",
    )
    .expect("template");
    let bars: Vec<ProgressBar> = selected
        .iter()
        .map(|t| {
            let b = multi.add(ProgressBar::new(t.rows));
            b.set_style(style.clone());
            b.set_prefix(t.name.clone());
            b
        })
        .collect();
    for (ti, t) in selected.iter().enumerate() {
        let skipped: u64 = t
            .shards
            .iter()
            .filter(|s| done.contains(&s.path))
            .map(|s| s.rows)
            .sum();
        bars[ti].set_position(skipped);
    }

    let copy_started = Instant::now();
    let queue = Arc::new(Mutex::new(jobs));
    let stats = Arc::new(Mutex::new(vec![(0u64, 0usize, 0f64); selected.len()]));
    let failed = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let workers = clients.iter_mut().map(|client| {
        let (queue, stats, failed, bars, selected, m) = (
            queue.clone(),
            stats.clone(),
            failed.clone(),
            &bars,
            &selected,
            &m,
        );
        async move {
            loop {
                if failed.load(std::sync::atomic::Ordering::Relaxed) {
                    return Ok(());
                }
                let next = queue.lock().expect("queue").pop_front();
                let Some(job) = next else { return Ok(()) };
                let t0 = Instant::now();
                match load_shard(client, opts, m, selected[job.table], job.shard).await {
                    Ok(rows) => {
                        bars[job.table].inc(rows);
                        let mut s = stats.lock().expect("stats");
                        s[job.table].0 += rows;
                        s[job.table].1 += 1;
                        s[job.table].2 += t0.elapsed().as_secs_f64();
                    }
                    Err(e) => {
                        failed.store(true, std::sync::atomic::Ordering::Relaxed);
                        return Err(e);
                    }
                }
            }
        }
    });
    let results = futures_util::future::join_all(workers).await;
    bars.iter().for_each(|b| b.finish_and_clear());
    if let Some(Err(e)) = results.into_iter().find(|r| r.is_err()) {
        return Err(e.context(
            "the load stopped; shards committed so far are kept and a rerun loads the rest",
        ));
    }
    report.copy_seconds = copy_started.elapsed().as_secs_f64();
    for (tr, (rows, n, secs)) in report
        .tables
        .iter_mut()
        .zip(stats.lock().expect("stats").iter())
    {
        tr.rows = *rows;
        tr.shards_loaded = *n;
        tr.copy_seconds = *secs;
        report.rows_loaded += rows;
    }

    // Keys: unique index, then the constraint using it (parallel over tables).
    let s = &opts.schema;
    let t0 = Instant::now();
    let mut work = Vec::new();
    for t in &selected {
        let name = format!("{}_pkey", t.name);
        if constraint_exists(&clients[0], s, &name).await?.is_none() {
            work.push(format!(
                "CREATE UNIQUE INDEX IF NOT EXISTS {name} ON {s}.{t} ({pk}); ALTER TABLE {s}.{t} ADD CONSTRAINT {name} PRIMARY KEY USING INDEX {name}",
                t = t.name,
                pk = t.primary_key
            ));
        }
    }
    run_parallel(&clients, work)
        .await
        .context("building primary keys")?;
    report.key_seconds = t0.elapsed().as_secs_f64();

    // Foreign keys: NOT VALID (instant), then VALIDATE (a scan that takes no write lock).
    let t0 = Instant::now();
    let present: HashSet<String> = {
        let rows = clients[0]
            .query("SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'", &[s])
            .await
            .map_err(|e| anyhow!(describe(&e)))?;
        rows.iter().map(|r| r.get(0)).collect()
    };
    let mut work = Vec::new();
    for t in &selected {
        for fk in &t.foreign_keys {
            if !present.contains(&fk.references_table) {
                continue;
            }
            let name = format!("{}_{}_fkey", t.name, fk.column);
            let validate = format!("ALTER TABLE {s}.{} VALIDATE CONSTRAINT {name}", t.name);
            match constraint_exists(&clients[0], s, &name).await? {
                Some(true) => {}
                Some(false) => work.push(validate),
                None => {
                    exec(
                        &clients[0],
                        &format!(
                            "ALTER TABLE {s}.{} ADD CONSTRAINT {name} FOREIGN KEY ({}) REFERENCES {s}.{} ({}) NOT VALID",
                            t.name, fk.column, fk.references_table, fk.references_column
                        ),
                    )
                    .await?;
                    work.push(validate);
                }
            }
        }
    }
    run_parallel(&clients, work)
        .await
        .context("validating foreign keys")?;
    report.foreign_key_seconds = t0.elapsed().as_secs_f64();

    let t0 = Instant::now();
    run_parallel(
        &clients,
        selected
            .iter()
            .map(|t| format!("ANALYZE {s}.{}", t.name))
            .collect(),
    )
    .await?;
    report.analyze_seconds = t0.elapsed().as_secs_f64();

    // Every row exactly once: counts equal the manifest.
    let mut wrong = Vec::new();
    for t in &selected {
        let n: i64 = clients[0]
            .query_one(&format!("SELECT count(*) FROM {s}.{}", t.name), &[])
            .await
            .map_err(|e| anyhow!(describe(&e)))?
            .get(0);
        if n as u64 != t.rows {
            wrong.push(format!(
                "{} has {n} rows, the manifest says {}",
                t.name, t.rows
            ));
        }
    }
    if !wrong.is_empty() {
        bail!("row counts differ from the manifest: {}", wrong.join("; "));
    }
    report.total_seconds = started.elapsed().as_secs_f64();
    Ok(report)
}
