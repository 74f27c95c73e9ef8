//! The load: create (or take over) the tables, then one queue of work shared by every
//! connection: COPY each shard not yet in the ledger (each in one transaction with its ledger
//! row), build a table's primary key as soon as its last shard is in, add and validate a foreign
//! key as soon as both of its tables are keyed, then ANALYZE and count each table against the
//! manifest. Any interruption leaves committed shards and finished keys in place, and a rerun
//! does only what is left.

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::Read;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use bytes::{Bytes, BytesMut};
use futures_util::SinkExt;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use sha2::{Digest, Sha256};
use tokio_postgres::Client;
use tokio_postgres::error::SqlState;

use crate::db::{self, Target, describe};
use crate::encode;
use crate::lock;
use crate::manifest::{ColType, ForeignKey, Manifest, Table, check_identifier, quote};
use datagen::store::Location;

mod copy;
mod ddl;
mod tasks;

use copy::*;
use ddl::*;
use tasks::*;

/// Shards loaded, per dataset, with their checksums.
pub const LEDGER: &str = "_datagen_ledger";
/// Foreign keys of other tables into a table being replaced, kept until they are recreated.
pub const SAVED_FKS: &str = "_datagen_saved_fk";
/// Table option set while a table loads (from its creation, or its truncation under
/// `--replace`): no VACUUM races its copies and key build. Verify resets it after the ANALYZE.
const AUTOVACUUM_OFF: &str = "autovacuum_enabled = false";
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
    /// `maintenance_work_mem` for the load's sessions (index builds), e.g. "256MB".
    pub maintenance_work_mem: String,
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
    /// Wall seconds from the first COPY to the last.
    pub copy_seconds: f64,
    /// Seconds in primary-key builds, foreign-key validation and ANALYZE + count, each summed
    /// over connections (they overlap with COPY and with each other).
    pub key_seconds: f64,
    pub foreign_key_seconds: f64,
    pub analyze_seconds: f64,
    pub total_seconds: f64,
    /// Foreign keys not created, with the reason (a parent table not in the schema).
    pub foreign_keys_skipped: Vec<String>,
}

struct Progress {
    bars: Vec<ProgressBar>,
    constraints: ProgressBar,
    say: Box<dyn Fn(String) + Send + Sync>,
}

fn progress(opts: &Options, selected: &[&Table]) -> Progress {
    let visible = opts.progress && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let multi = MultiProgress::with_draw_target(if visible {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    });
    let style = ProgressStyle::with_template(
        "{prefix:>34} {bar:28} {human_pos:>12}/{human_len:<12} {per_sec:>14}",
    )
    .expect("template");
    let bars = selected
        .iter()
        .map(|t| {
            let b = multi.add(ProgressBar::new(t.rows));
            b.set_style(style.clone());
            b.set_prefix(t.name.clone());
            b
        })
        .collect();
    let constraints = multi.add(ProgressBar::new(0));
    constraints.set_style(
        ProgressStyle::with_template("{prefix:>34} {bar:28} {pos:>12}/{len:<12} {msg}")
            .expect("template"),
    );
    constraints.set_prefix("keys, foreign keys, analyze");
    let printer = multi.clone();
    Progress {
        bars,
        constraints,
        say: Box::new(move |line: String| {
            // Said even with --quiet: it explains a wait.
            if visible {
                let _ = printer.println(&line);
            } else {
                eprintln!("{line}");
            }
        }),
    }
}

/// Opens the load's connections: the first takes the schema lock (waiting for another loader,
/// clearing a dead one's sessions); each carries the shared session lock and bulk-load settings.
async fn connect_all(opts: &Options, say: &dyn Fn(String)) -> Result<Vec<Client>> {
    let mut target = opts.target.clone();
    if target.config.get_application_name() == Some(db::APPLICATION_NAME) {
        target
            .config
            .application_name(format!("{} {}", db::APPLICATION_NAME, opts.schema));
    }
    let target = &target;
    let admin = db::connect(target).await?;
    lock::acquire(&admin, &opts.schema, say).await?;
    let mut clients = vec![admin];
    for _ in 1..opts.jobs.max(1) {
        clients.push(db::connect(target).await?);
    }
    for c in &clients {
        lock::join(c, &opts.schema).await?;
        c.execute(
            "SELECT set_config('maintenance_work_mem', $1, false), \
                    set_config('synchronous_commit', 'off', false), \
                    set_config('statement_timeout', '0', false)",
            &[&opts.maintenance_work_mem],
        )
        .await
        .map_err(|e| {
            anyhow!(
                "session settings (--maintenance-work-mem {}): {}",
                opts.maintenance_work_mem,
                describe(&e)
            )
        })?;
    }
    Ok(clients)
}

fn select<'m>(opts: &Options, m: &'m Manifest) -> Result<Vec<&'m Table>> {
    let Some(names) = &opts.tables else {
        return Ok(m.tables.iter().collect());
    };
    for n in names {
        if !m.tables.iter().any(|t| &t.name == n) {
            bail!(
                "--tables: the dataset has no table {n:?}; it has {}",
                m.tables
                    .iter()
                    .map(|t| t.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    Ok(m.tables
        .iter()
        .filter(|t| names.contains(&t.name))
        .collect())
}

pub async fn run(opts: &Options) -> Result<Report> {
    let started = Instant::now();
    check_identifier("--schema", &opts.schema)?;
    let loc = Location::from_path(&opts.dir)?;
    let m = {
        let loc = loc.clone();
        tokio::task::spawn_blocking(move || Manifest::read_at(&loc))
            .await
            .context("manifest reader")??
    };
    let selected = select(opts, &m)?;
    let wanted: Vec<String> = selected
        .iter()
        .flat_map(|t| t.shards.iter().map(|s| s.path.clone()))
        .collect();
    let missing = {
        let loc = loc.clone();
        tokio::task::spawn_blocking(move || loc.missing(&wanted))
            .await
            .context("shard lister")??
    };
    if let Some(rel) = missing.first() {
        bail!(
            "shard {} listed in the manifest is missing ({} missing in all); restore it or regenerate the dataset",
            loc.describe(rel),
            missing.len()
        );
    }
    let progress = progress(opts, &selected);
    let mut clients = connect_all(opts, &*progress.say).await?;
    let (done, to_create) = prepare(&mut clients[0], opts, &m, &selected).await?;

    let s = &opts.schema;
    let mut present = tables_in_schema(&clients[0], s).await?;
    present.extend(to_create.iter().cloned());
    let existing = constraints(&clients[0], s).await?;
    let mut report = Report::default();
    let mut q = Queue {
        remaining: vec![0; selected.len()],
        ..Default::default()
    };
    let index_of: HashMap<&str, usize> = selected
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.as_str(), i))
        .collect();
    for (ti, t) in selected.iter().enumerate() {
        let mut tr = TableReport {
            name: t.name.clone(),
            ..Default::default()
        };
        // A table of one shard is created by that shard's transaction, so its COPY can
        // FREEZE. (Tables of many shards are created up front: holding their other shards
        // back until the first commits costs more than freezing one shard of many saves.)
        let pending = t
            .shards
            .iter()
            .filter(|sh| !done.contains(&sh.path))
            .count();
        if to_create.contains(&t.name) && pending > 1 {
            exec(&clients[0], &create_sql(s, t)).await?;
        }
        let mut creating = to_create.contains(&t.name) && pending <= 1;
        for (si, sh) in t.shards.iter().enumerate() {
            if done.contains(&sh.path) {
                tr.shards_skipped += 1;
                progress.bars[ti].inc(sh.rows);
                continue;
            }
            q.remaining[ti] += 1;
            let task = Task::Copy {
                table: ti,
                shard: si,
                create: creating,
            };
            q.copies.push_back(task);
            creating = false;
        }
        if creating {
            // A table without shards: created empty.
            exec(&clients[0], &create_sql(s, t)).await?;
        }
        report.tables.push(tr);
        if q.remaining[ti] == 0 {
            if existing.contains_key(&pkey_name(&t.name)) {
                q.keyed.insert(t.name.clone());
                q.last.push_back(Task::Verify { table: ti });
            } else {
                q.urgent.push_back(Task::Key { table: ti });
            }
        }
    }
    // Tables of the schema this run does not load keep their keys.
    for name in &present {
        if !index_of.contains_key(name.as_str()) && existing.contains_key(&pkey_name(name)) {
            q.keyed.insert(name.clone());
        }
    }
    // Largest tables first: their key builds and validations, the longest tail, then overlap
    // with the copies of the small tables.
    q.copies.make_contiguous().sort_by_key(|task| match *task {
        Task::Copy { table, shard, .. } => (std::cmp::Reverse(selected[table].rows), table, shard),
        _ => unreachable!("only copies are queued here"),
    });
    // Every declared foreign key between tables in the schema, except those already validated.
    for (ci, child) in m.tables.iter().enumerate() {
        if !present.contains(&child.name) {
            continue;
        }
        for (fi, fk) in child.foreign_keys.iter().enumerate() {
            if !present.contains(&fk.references_table) {
                report.foreign_keys_skipped.push(format!(
                    "{}.{} -> {}.{} (table {} is not in schema {s})",
                    child.name,
                    fk.column,
                    fk.references_table,
                    fk.references_column,
                    fk.references_table
                ));
            } else if existing.get(&fkey_name(&child.name, fk)) != Some(&true) {
                q.waiting.push((ci, fi));
            }
        }
    }
    q.release_fks(&m);
    let keys_to_build = selected.len()
        - q.keyed
            .iter()
            .filter(|n| index_of.contains_key(n.as_str()))
            .count();
    progress
        .constraints
        .set_length((keys_to_build + q.urgent.len() + q.waiting.len() + selected.len()) as u64);

    let copy_started = Instant::now();
    let last_copy = Arc::new(Mutex::new(copy_started));
    let queue = Arc::new(Mutex::new(q));
    let stats = Arc::new(Mutex::new(vec![(0u64, 0usize, 0f64); selected.len()]));
    let times = Arc::new(Mutex::new([0f64; 3]));
    let counts = Arc::new(Mutex::new(Vec::new()));
    let workers = clients.iter_mut().map(|client| {
        let (queue, stats, times, counts, last_copy) = (
            queue.clone(),
            stats.clone(),
            times.clone(),
            counts.clone(),
            last_copy.clone(),
        );
        let (selected, m, progress, loc) = (&selected, &m, &progress, &loc);
        async move {
            loop {
                let next = {
                    let mut q = queue.lock().expect("queue");
                    if q.failed {
                        return Ok(());
                    }
                    match q.next() {
                        Some(t) => Some(t),
                        None if q.in_flight == 0 => return Ok(()),
                        None => None,
                    }
                };
                let Some(task) = next else {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let t0 = Instant::now();
                let result = run_task(client, opts, loc, m, selected, task).await;
                let secs = t0.elapsed().as_secs_f64();
                let mut q = queue.lock().expect("queue");
                q.in_flight -= 1;
                let value = match result {
                    Ok(v) => v,
                    Err(e) => {
                        q.failed = true;
                        return Err(e);
                    }
                };
                match task {
                    Task::Copy { table, .. } => {
                        progress.bars[table].inc(value);
                        let mut st = stats.lock().expect("stats");
                        st[table].0 += value;
                        st[table].1 += 1;
                        st[table].2 += secs;
                        *last_copy.lock().expect("clock") = Instant::now();
                        q.remaining[table] -= 1;
                        if q.remaining[table] == 0 {
                            q.urgent.push_back(Task::Key { table });
                        }
                    }
                    Task::Key { table } => {
                        times.lock().expect("times")[0] += secs;
                        q.keyed.insert(selected[table].name.clone());
                        q.release_fks(m);
                        q.last.push_back(Task::Verify { table });
                    }
                    Task::Fk { .. } => times.lock().expect("times")[1] += secs,
                    Task::Verify { table } => {
                        times.lock().expect("times")[2] += secs;
                        counts.lock().expect("counts").push((table, value));
                    }
                }
                if !matches!(task, Task::Copy { .. }) {
                    progress.constraints.inc(1);
                }
            }
        }
    });
    let results = futures_util::future::join_all(workers).await;
    progress.bars.iter().for_each(|b| b.finish_and_clear());
    progress.constraints.finish_and_clear();
    if let Some(Err(e)) = results.into_iter().find(|r| r.is_err()) {
        return Err(e.context(
            "the load stopped; shards and keys finished so far are kept and a rerun does the rest",
        ));
    }
    restore_saved_fks(&clients[0], s).await?;

    report.copy_seconds = last_copy
        .lock()
        .expect("clock")
        .duration_since(copy_started)
        .as_secs_f64();
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
    let [k, f, a] = *times.lock().expect("times");
    (
        report.key_seconds,
        report.foreign_key_seconds,
        report.analyze_seconds,
    ) = (k, f, a);

    // Every row exactly once: counts equal the manifest.
    let mut wrong: Vec<String> = counts
        .lock()
        .expect("counts")
        .iter()
        .filter(|&&(t, n)| n != selected[t].rows)
        .map(|&(t, n)| {
            format!(
                "{} has {n} rows, the manifest says {}",
                selected[t].name, selected[t].rows
            )
        })
        .collect();
    wrong.sort();
    if !wrong.is_empty() {
        bail!("row counts differ from the manifest: {}", wrong.join("; "));
    }
    report.total_seconds = started.elapsed().as_secs_f64();
    Ok(report)
}
