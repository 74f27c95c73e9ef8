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

fn table_sql(schema: &str, table: &str) -> String {
    format!("{}.{}", quote(schema), quote(table))
}

fn pkey_name(t: &str) -> String {
    format!("{t}_pkey")
}

fn fkey_name(t: &str, fk: &ForeignKey) -> String {
    format!("{t}_{}_fkey", fk.column)
}

async fn exec(client: &Client, sql: &str) -> Result<()> {
    client
        .batch_execute(sql)
        .await
        .map_err(|e| anyhow!("{}\n  while running: {sql}", describe(&e)))
}

/// Runs DDL, retrying when the server picks it as a deadlock victim or a lock wait times out
/// (another session of the load, or a user's query, held the table for a moment).
async fn exec_ddl(client: &Client, sql: &str) -> Result<()> {
    let mut wait = Duration::from_millis(50);
    for attempt in 1.. {
        match client.batch_execute(sql).await {
            Ok(()) => return Ok(()),
            Err(e)
                if attempt < 8
                    && matches!(
                        e.code(),
                        Some(&SqlState::T_R_DEADLOCK_DETECTED | &SqlState::LOCK_NOT_AVAILABLE)
                    ) =>
            {
                tokio::time::sleep(wait).await;
                wait *= 2;
            }
            Err(e) => bail!("{}\n  while running: {sql}", describe(&e)),
        }
    }
    unreachable!()
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
        .map(|c| (c.name.clone(), c.ty.postgres_formatted().to_string()))
        .collect();
    v.push(("_loaded_at".into(), "timestamp with time zone".into()));
    v
}

/// CREATE TABLE from checked names and the loader's own type list (never the manifest's text).
fn create_sql(schema: &str, t: &Table) -> String {
    let cols: Vec<String> = t
        .columns
        .iter()
        .map(|c| {
            format!(
                "{} {}{}",
                quote(&c.name),
                c.ty.postgres(),
                if c.nullable { "" } else { " NOT NULL" }
            )
        })
        .collect();
    // A VACUUM ANALYZE racing the copies and the key build would rewrite pages the load is
    // still writing; a rerun's Verify turns autovacuum back on after a kill.
    format!(
        "CREATE TABLE {} ({}, _loaded_at timestamptz NOT NULL DEFAULT now()) WITH ({AUTOVACUUM_OFF})",
        table_sql(schema, &t.name),
        cols.join(", ")
    )
}

/// Names of relations in the schema that are plain tables.
async fn tables_in_schema(client: &Client, schema: &str) -> Result<HashSet<String>> {
    let rows = client
        .query("SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'", &[&schema])
        .await
        .map_err(|e| anyhow!(describe(&e)))?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// Constraints of the schema: name → validated.
async fn constraints(client: &Client, schema: &str) -> Result<HashMap<String, bool>> {
    let rows = client
        .query(
            "SELECT c.conname::text, c.convalidated FROM pg_constraint c \
             JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = $1",
            &[&schema],
        )
        .await
        .map_err(|e| anyhow!(describe(&e)))?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// Empties a table for a reload without dropping anything it does not recreate: foreign keys of
/// other tables into it are saved (and recreated after the load), its own constraints come back
/// from the manifest, and views on it survive. A table with other columns is dropped and
/// recreated (refused, naming them, if other objects depend on it). One transaction.
async fn replace_table(
    client: &mut Client,
    schema: &str,
    t: &Table,
    same_columns: bool,
) -> Result<()> {
    let s = schema;
    let ts = table_sql(s, &t.name);
    let tx = client
        .transaction()
        .await
        .map_err(|e| anyhow!(describe(&e)))?;
    let incoming = tx
        .query(
            "SELECT conrelid::regclass::text, conname::text, pg_get_constraintdef(oid) \
             FROM pg_constraint WHERE contype = 'f' AND confrelid = to_regclass($1) AND conrelid <> confrelid",
            &[&ts],
        )
        .await
        .map_err(|e| anyhow!(describe(&e)))?;
    for r in &incoming {
        let (child, name, def): (String, String, String) = (r.get(0), r.get(1), r.get(2));
        tx.execute(
            &format!(
                "INSERT INTO {} (child, name, definition) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                table_sql(s, SAVED_FKS)
            ),
            &[&child, &name, &def],
        )
        .await
        .map_err(|e| anyhow!(describe(&e)))?;
        // `child` is the server's own quoted rendering of the table.
        tx.batch_execute(&format!(
            "ALTER TABLE {child} DROP CONSTRAINT {}",
            quote(&name)
        ))
        .await
        .map_err(|e| anyhow!("dropping {name} on {child}: {}", describe(&e)))?;
    }
    if same_columns {
        let own = tx
            .query(
                "SELECT conname::text FROM pg_constraint WHERE conrelid = to_regclass($1) AND contype IN ('p', 'f', 'u')",
                &[&ts],
            )
            .await
            .map_err(|e| anyhow!(describe(&e)))?;
        for r in &own {
            let name: String = r.get(0);
            tx.batch_execute(&format!(
                "ALTER TABLE {ts} DROP CONSTRAINT {}",
                quote(&name)
            ))
            .await
            .map_err(|e| anyhow!("dropping {name} on {ts}: {}", describe(&e)))?;
        }
        tx.batch_execute(&format!(
            "DROP INDEX IF EXISTS {}; TRUNCATE {ts}; ALTER TABLE {ts} SET ({AUTOVACUUM_OFF})",
            table_sql(s, &pkey_name(&t.name))
        ))
        .await
        .map_err(|e| anyhow!("emptying {ts}: {}", describe(&e)))?;
    } else {
        tx.batch_execute(&format!("DROP TABLE {ts}; {}", create_sql(s, t)))
            .await
            .map_err(|e| {
                anyhow!(
                    "cannot replace {ts}, which has other columns than the manifest declares: {}; drop what depends on it, or load into another --schema",
                    describe(&e)
                )
            })?;
    }
    tx.execute(
        &format!("DELETE FROM {} WHERE table_name = $1", table_sql(s, LEDGER)),
        &[&t.name],
    )
    .await
    .map_err(|e| anyhow!(describe(&e)))?;
    tx.commit()
        .await
        .map_err(|e| anyhow!("replacing {ts}: {}", describe(&e)))
}

/// Creates schema and ledger; takes over (with --replace) or refuses tables that hold something
/// else. Returns the shards already loaded from this dataset, and the tables still to create.
async fn prepare(
    client: &mut Client,
    opts: &Options,
    m: &Manifest,
    tables: &[&Table],
) -> Result<(HashSet<String>, HashSet<String>)> {
    let s = &opts.schema;
    exec(
        client,
        &format!(
            "CREATE SCHEMA IF NOT EXISTS {qs};
             CREATE TABLE IF NOT EXISTS {ledger} (
               dataset_id text NOT NULL, table_name text NOT NULL, shard_path text NOT NULL,
               sha256 text NOT NULL, rows bigint NOT NULL, loaded_at timestamptz NOT NULL DEFAULT now(),
               PRIMARY KEY (dataset_id, shard_path));
             CREATE TABLE IF NOT EXISTS {saved} (
               child text NOT NULL, name text NOT NULL, definition text NOT NULL,
               PRIMARY KEY (child, name))",
            qs = quote(s),
            ledger = table_sql(s, LEDGER),
            saved = table_sql(s, SAVED_FKS),
        ),
    )
    .await?;
    let mut done = HashSet::new();
    let mut create = HashSet::new();
    for t in tables {
        let ledger = client
            .query(
                &format!(
                    "SELECT dataset_id, shard_path, sha256 FROM {} WHERE table_name = $1",
                    table_sql(s, LEDGER)
                ),
                &[&t.name],
            )
            .await
            .map_err(|e| anyhow!(describe(&e)))?;
        let shas: HashMap<&str, &str> = t
            .shards
            .iter()
            .map(|sh| (sh.path.as_str(), sh.sha256.as_str()))
            .collect();
        let mut foreign = Vec::new();
        let mut ours = Vec::new();
        for r in &ledger {
            let (id, path, sha): (String, String, String) = (r.get(0), r.get(1), r.get(2));
            if id != m.dataset.id {
                foreign.push(format!("dataset {id}"));
            } else if shas.get(path.as_str()) != Some(&sha.as_str()) {
                foreign.push(format!(
                    "shard {path} with another checksum ({sha}) than the manifest's"
                ));
            } else {
                ours.push(path);
            }
        }
        foreign.sort();
        foreign.dedup();
        let existing = existing_columns(client, s, &t.name).await?;
        let same_columns = existing.as_ref().is_some_and(|c| *c == expected_columns(t));
        if existing.is_some() && ledger.is_empty() {
            let any: bool = client
                .query_one(
                    &format!("SELECT EXISTS (SELECT 1 FROM {})", table_sql(s, &t.name)),
                    &[],
                )
                .await
                .map_err(|e| anyhow!(describe(&e)))?
                .get(0);
            if any {
                foreign.push("rows no datagen-load recorded".into());
            }
        }
        if opts.replace && existing.is_some() {
            replace_table(client, s, t, same_columns).await?;
            continue;
        }
        if existing.is_some() && !same_columns {
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
        }
        if !foreign.is_empty() {
            bail!(
                "table {s}.{} holds another dataset ({}) than {} (dataset {}); pass --replace to reload it from this one, or load into another --schema",
                t.name,
                foreign.join(", "),
                opts.dir.display(),
                m.dataset.id
            );
        }
        if existing.is_none() {
            create.insert(t.name.clone());
        }
        done.extend(ours);
    }
    Ok((done, create))
}

/// Reads, verifies, decodes and encodes one shard off the async runtime, handing COPY chunks
/// to the connection through a bounded channel. Columns are matched to the file by name.
fn produce(
    loc: Location,
    rel: String,
    sha256: String,
    types: Vec<(String, ColType)>,
    tx: tokio::sync::mpsc::Sender<Result<Bytes>>,
) {
    let send_err = |e: anyhow::Error| {
        let _ = tx.blocking_send(Err(e));
    };
    let path = PathBuf::from(loc.describe(&rel));
    // The whole shard, from its file or straight from object storage (no local copy), is
    // checked against the manifest before a byte of it reaches COPY.
    let bytes = match loc.fetch_once(&rel) {
        Ok(b) => b,
        Err(e) => return send_err(anyhow!("shard {} is unreadable: {e}", path.display())),
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
        let builder = match ParquetRecordBatchReaderBuilder::try_new(bytes) {
            Ok(b) => b,
            Err(e) => {
                return send_err(anyhow!(
                    "shard {} is not readable Parquet: {e}",
                    path.display()
                ));
            }
        };
        let fields: Vec<String> = builder
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        let mut projection = Vec::with_capacity(types.len());
        for (col, _) in &types {
            match fields.iter().position(|f| f == col) {
                Some(i) => projection.push(i),
                None => {
                    return send_err(anyhow!(
                        "shard {} has no column {col} (it holds {}); regenerate the dataset",
                        path.display(),
                        fields.join(", ")
                    ));
                }
            }
        }
        if fields.len() != types.len() {
            return send_err(anyhow!(
                "shard {} holds columns {} but the manifest declares {}; regenerate the dataset",
                path.display(),
                fields.join(", "),
                types
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let reader = match builder.with_batch_size(16 * 1024).build() {
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
            let batch = match batch.and_then(|b| b.project(&projection)) {
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
        let data = if name.ends_with(".zst") {
            let mut out = Vec::new();
            if let Err(e) = zstd::Decoder::new(&bytes[..]).and_then(|mut d| d.read_to_end(&mut out))
            {
                return send_err(anyhow!(
                    "shard {} cannot be decompressed: {e}",
                    path.display()
                ));
            }
            Bytes::from(out)
        } else {
            bytes
        };
        let header_end = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
        let header = String::from_utf8_lossy(&data[..header_end]);
        let expected = types
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(",");
        if header.trim_end_matches('\r') != expected {
            return send_err(anyhow!(
                "shard {}: its header ({header}) does not name the manifest's columns in order ({expected}); regenerate the dataset",
                path.display()
            ));
        }
        for start in (0..data.len()).step_by(CHUNK) {
            let chunk = data.slice(start..(start + CHUNK).min(data.len()));
            if tx.blocking_send(Ok(chunk)).is_err() {
                return;
            }
        }
    }
}

/// COPYs one shard and records it in the ledger, in one transaction. With `create`, the same
/// transaction creates the table first, so the COPY can FREEZE: rows land frozen and
/// all-visible, and the key build, validation and ANALYZE that read them next write nothing
/// back.
#[allow(clippy::too_many_arguments)]
async fn load_shard(
    client: &mut Client,
    opts: &Options,
    loc: &Location,
    m: &Manifest,
    t: &Table,
    shard: usize,
    create: bool,
) -> Result<u64> {
    let s = &t.shards[shard];
    let path = loc.describe(&s.path);
    let types: Vec<(String, ColType)> = t.columns.iter().map(|c| (c.name.clone(), c.ty)).collect();
    let cols: Vec<String> = t.columns.iter().map(|c| quote(&c.name)).collect();
    let format = match (s.path.ends_with(".parquet"), create) {
        (true, false) => "binary",
        (true, true) => "binary, freeze true",
        (false, false) => "csv, header true",
        (false, true) => "csv, header true, freeze true",
    };
    let (tx_chunks, mut rx) = tokio::sync::mpsc::channel(4);
    let producer = {
        let (loc, rel, sha) = (loc.clone(), s.path.clone(), s.sha256.clone());
        tokio::task::spawn_blocking(move || produce(loc, rel, sha, types, tx_chunks))
    };
    let tx = client
        .transaction()
        .await
        .map_err(|e| anyhow!(describe(&e)))?;
    if create {
        tx.batch_execute(&create_sql(&opts.schema, t))
            .await
            .map_err(|e| anyhow!("creating {}: {}", t.name, describe(&e)))?;
    }
    let copy = format!(
        "COPY {} ({}) FROM STDIN (FORMAT {format})",
        table_sql(&opts.schema, &t.name),
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
            .map_err(|e| anyhow!("loading {path}: {}", describe(&e)))?;
    }
    producer.await.context("shard reader")?;
    let rows = sink
        .finish()
        .await
        .map_err(|e| anyhow!("loading {path}: {}", describe(&e)))?;
    if rows != s.rows {
        bail!(
            "shard {path} held {rows} rows, the manifest says {}",
            s.rows
        );
    }
    tx.execute(
        &format!("INSERT INTO {} (dataset_id, table_name, shard_path, sha256, rows) VALUES ($1, $2, $3, $4, $5)", table_sql(&opts.schema, LEDGER)),
        &[&m.dataset.id, &t.name, &s.path, &s.sha256, &(rows as i64)],
    )
    .await
    .map_err(|e| anyhow!(describe(&e)))?;
    tx.commit()
        .await
        .map_err(|e| anyhow!("committing {path}: {}", describe(&e)))?;
    Ok(rows)
}

/// One unit of work for a connection. Indexes are into the selected tables, except `Fk`, whose
/// child is any table of the manifest present in the schema.
#[derive(Clone, Copy, Debug)]
enum Task {
    /// `create`: the only shard of a table that does not exist yet.
    Copy {
        table: usize,
        shard: usize,
        create: bool,
    },
    Key {
        table: usize,
    },
    Fk {
        child: usize,
        fk: usize,
    },
    Verify {
        table: usize,
    },
}

/// The shared queue. Keys and foreign keys go first (they unblock others and use the server
/// while copies use the client), then copies, then ANALYZE + count.
#[derive(Default)]
struct Queue {
    urgent: VecDeque<Task>,
    copies: VecDeque<Task>,
    last: VecDeque<Task>,
    in_flight: usize,
    failed: bool,
    /// Shards still to copy, per selected table.
    remaining: Vec<usize>,
    /// Tables (by name) that have their primary key.
    keyed: HashSet<String>,
    /// Foreign keys waiting for a side to be keyed: (child manifest index, fk index).
    waiting: Vec<(usize, usize)>,
}

impl Queue {
    fn next(&mut self) -> Option<Task> {
        let t = self
            .urgent
            .pop_front()
            .or_else(|| self.copies.pop_front())
            .or_else(|| self.last.pop_front())?;
        self.in_flight += 1;
        Some(t)
    }

    /// Moves foreign keys whose both tables are keyed to the front.
    fn release_fks(&mut self, m: &Manifest) {
        let keyed = &self.keyed;
        let (ready, waiting): (Vec<_>, Vec<_>) = self.waiting.drain(..).partition(|&(c, f)| {
            let child = &m.tables[c];
            keyed.contains(&child.name) && keyed.contains(&child.foreign_keys[f].references_table)
        });
        self.waiting = waiting;
        for (child, fk) in ready {
            self.urgent.push_back(Task::Fk { child, fk });
        }
    }
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

/// Runs one task; returns rows copied (Copy), rows counted (Verify), or 0.
async fn run_task(
    client: &mut Client,
    opts: &Options,
    loc: &Location,
    m: &Manifest,
    selected: &[&Table],
    task: Task,
) -> Result<u64> {
    let s = &opts.schema;
    match task {
        Task::Copy {
            table,
            shard,
            create,
        } => load_shard(client, opts, loc, m, selected[table], shard, create).await,
        Task::Key { table } => {
            let t = selected[table];
            let name = quote(&pkey_name(&t.name));
            let ts = table_sql(s, &t.name);
            let has_key = client
                .query_opt(
                    "SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass($1) AND contype = 'p'",
                    &[&ts],
                )
                .await
                .map_err(|e| anyhow!(describe(&e)))?
                .is_some();
            if has_key {
                return Ok(0);
            }
            // One implicit transaction: the index and the constraint exist together or not at all.
            exec_ddl(
                client,
                &format!(
                    "CREATE UNIQUE INDEX IF NOT EXISTS {name} ON {ts} ({pk}); ALTER TABLE {ts} ADD CONSTRAINT {name} PRIMARY KEY USING INDEX {name}",
                    pk = quote(&t.primary_key)
                ),
            )
            .await
            .with_context(|| format!("building the primary key of {}", t.name))?;
            Ok(0)
        }
        Task::Fk { child, fk } => {
            let t = &m.tables[child];
            let f = &t.foreign_keys[fk];
            let name = fkey_name(&t.name, f);
            let ts = table_sql(s, &t.name);
            let exists = client
                .query_opt(
                    "SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass($1) AND conname = $2",
                    &[&ts, &name],
                )
                .await
                .map_err(|e| anyhow!(describe(&e)))?
                .is_some();
            if !exists {
                exec_ddl(
                    client,
                    &format!(
                        "ALTER TABLE {ts} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({}) NOT VALID",
                        quote(&name),
                        quote(&f.column),
                        table_sql(s, &f.references_table),
                        quote(&f.references_column)
                    ),
                )
                .await
                .with_context(|| format!("adding foreign key {name}"))?;
            }
            // VALIDATE scans without blocking writes; a failure names the constraint.
            exec_ddl(
                client,
                &format!("ALTER TABLE {ts} VALIDATE CONSTRAINT {}", quote(&name)),
            )
            .await
            .with_context(|| format!("validating foreign key {name}"))?;
            Ok(0)
        }
        Task::Verify { table } => {
            let t = selected[table];
            let ts = table_sql(s, &t.name);
            exec_ddl(
                client,
                &format!("ANALYZE {ts}; ALTER TABLE {ts} RESET (autovacuum_enabled)"),
            )
            .await?;
            // The rows in the table are what its COPYs inserted: each shard's COPY count was
            // checked against the manifest and recorded in the ledger in the COPY's own
            // transaction, so their sum is the table's count without scanning it.
            let n: i64 = client
                .query_one(
                    &format!(
                        "SELECT coalesce(sum(rows), 0)::bigint FROM {} WHERE dataset_id = $1 AND table_name = $2",
                        table_sql(s, LEDGER)
                    ),
                    &[&m.dataset.id, &t.name],
                )
                .await
                .map_err(|e| anyhow!(describe(&e)))?
                .get(0);
            Ok(n as u64)
        }
    }
}

/// Recreates foreign keys of other tables that a `--replace` set aside, unless the manifest's
/// pass already did, and validates them.
async fn restore_saved_fks(client: &Client, schema: &str) -> Result<()> {
    let saved = table_sql(schema, SAVED_FKS);
    let rows = client
        .query(&format!("SELECT child, name, definition FROM {saved}"), &[])
        .await
        .map_err(|e| anyhow!(describe(&e)))?;
    for r in rows {
        let (child, name, def): (String, String, String) = (r.get(0), r.get(1), r.get(2));
        let state: Option<bool> = client
            .query_opt(
                "SELECT convalidated FROM pg_constraint WHERE conrelid = to_regclass($1) AND conname = $2",
                &[&child, &name],
            )
            .await
            .map_err(|e| anyhow!(describe(&e)))?
            .map(|r| r.get(0));
        let relation_exists: bool = client
            .query_one("SELECT to_regclass($1) IS NOT NULL", &[&child])
            .await
            .map_err(|e| anyhow!(describe(&e)))?
            .get(0);
        if relation_exists {
            // `child` and `def` are the server's own renderings, saved by `replace_table`.
            let def = def.trim_end_matches(" NOT VALID");
            let qn = quote(&name);
            if state.is_none() {
                exec_ddl(
                    client,
                    &format!("ALTER TABLE {child} ADD CONSTRAINT {qn} {def} NOT VALID"),
                )
                .await
                .with_context(|| format!("recreating foreign key {name} on {child}"))?;
            }
            if state != Some(true) {
                exec_ddl(
                    client,
                    &format!("ALTER TABLE {child} VALIDATE CONSTRAINT {qn}"),
                )
                .await
                .with_context(|| format!("validating foreign key {name} on {child}"))?;
            }
        }
        client
            .execute(
                &format!("DELETE FROM {saved} WHERE child = $1 AND name = $2"),
                &[&child, &name],
            )
            .await
            .map_err(|e| anyhow!(describe(&e)))?;
    }
    Ok(())
}
