//! The generation engine: builds the world, plans every (table, shard) task, runs them on a rayon
//! pool, and writes the manifest last. With `--shard K/N` a process runs every N-th task and
//! writes a part manifest; the part that completes the set assembles `manifest.json`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::manifest::{self, Dataset, Manifest, TableEntry};
use crate::output::{self, Compression, Format};
use crate::plans::Plans;
use crate::registry;
use crate::rng::stable_hash;
use crate::store::Location;
use crate::table::Table;
use crate::time;
use crate::world::{Config, World};

/// The smallest custom profile: below it some tables' exact counts have no entity to live on
/// (e.g. sessions when no user is active).
pub const MIN_ACCOUNTS: u64 = 10;

#[derive(Clone, Debug)]
pub struct Options {
    pub cfg: Config,
    pub out: PathBuf,
    pub format: Format,
    pub compression: Compression,
    /// Tables to write; None writes every table.
    pub tables: Option<Vec<String>>,
    pub threads: Option<usize>,
    /// (K, N): run only the tasks whose index is K modulo N.
    pub shard: Option<(usize, usize)>,
    pub overwrite: bool,
    pub progress: bool,
}

#[derive(Debug, Default)]
pub struct Summary {
    pub rows: u64,
    pub files: usize,
    pub bytes: u64,
    pub seconds: f64,
    pub world_seconds: f64,
    /// Per table: name, rows, bytes, seconds of work summed over shards.
    pub tables: Vec<(String, u64, u64, f64)>,
    /// Whether this run wrote manifest.json (false for a part that did not complete the set).
    pub manifest_written: bool,
}

/// Resolves `--tables` into generators, in dependency order.
pub fn select_tables(names: Option<&[String]>) -> Result<Vec<&'static dyn Table>> {
    Ok(registry::select(names)?
        .into_iter()
        .map(|e| e.table)
        .collect())
}

pub fn dataset_entry(opts: &Options) -> Dataset {
    let cfg = &opts.cfg;
    let as_of = time::format_date(cfg.as_of);
    let anchor = time::format_date(cfg.anchor);
    let key = format!(
        "{}|{}|{}|{}|{}|{}|{}|{}",
        env!("CARGO_PKG_VERSION"),
        cfg.profile.name(),
        cfg.profile.accounts(),
        as_of,
        anchor,
        cfg.tap_window_days,
        opts.format.name(),
        opts.compression.name()
    );
    Dataset {
        id: format!("{:016x}", stable_hash(cfg.seed, &key, 0)),
        profile: cfg.profile.name().into(),
        accounts: cfg.profile.accounts(),
        seed: cfg.seed,
        as_of,
        anchor,
        tap_window_days: cfg.tap_window_days,
        format: opts.format.name().into(),
        compression: opts.compression.name().into(),
    }
}

fn part_manifest_name(k: usize, n: usize) -> String {
    format!("manifest.part-{k}-of-{n}.json")
}

/// Checks the output place before any work: creatable, writable (on object storage: bucket,
/// endpoint and credentials proven by a probe object), not holding a dataset unless
/// `--overwrite` was given, and holding no part manifest of another run.
fn prepare_out(opts: &Options, loc: &Location, tables: &[&dyn Table]) -> Result<()> {
    loc.check_writable()?;
    if loc.exists(manifest::FILE)? {
        if !opts.overwrite {
            return Err(Error::Invalid(format!(
                "{} already holds a dataset ({}); pass --overwrite to replace it, or choose another --out",
                loc.describe(""),
                manifest::FILE
            )));
        }
        // The manifest goes first: a place without one is never taken for a complete dataset.
        loc.delete(manifest::FILE)?;
    }
    if let Some((_, n)) = opts.shard {
        let ours = dataset_entry(opts);
        for rel in loc.list("")? {
            if !rel.starts_with("manifest.part-") || rel.contains('/') {
                continue;
            }
            let Some(bytes) = loc.read(&rel)? else {
                continue;
            };
            let part = Manifest::parse(
                &String::from_utf8_lossy(&bytes),
                Path::new(&loc.describe(&rel)),
            )?;
            if part.dataset != ours || !rel.ends_with(&format!("-of-{n}.json")) {
                if !opts.overwrite {
                    return Err(Error::Invalid(format!(
                        "{} is a part of another run (seed {}, profile {}, as-of {}, {}); parts of one dataset share every setting: remove it, pass --overwrite, or choose another --out",
                        loc.describe(&rel),
                        part.dataset.seed,
                        part.dataset.profile,
                        part.dataset.as_of,
                        rel.trim_start_matches("manifest.")
                            .trim_end_matches(".json")
                    )));
                }
                loc.delete(&rel)?;
            }
        }
    }
    if opts.overwrite && opts.shard.is_none() {
        for t in tables {
            loc.delete_tree(t.name())?;
        }
    }
    let dirs: Vec<&str> = tables.iter().map(|t| t.name()).collect();
    loc.make_dirs(&dirs)
}

/// Worker threads: as asked, but at most one per core. Every worker holds a shard's open row
/// group and batches, so workers beyond the cores would only add memory (and lose time to
/// switching), never speed; the output is the same for any number.
pub fn workers(asked: Option<usize>) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    asked.unwrap_or(cores).clamp(1, cores)
}

/// The signal (SIGTERM or SIGINT) that asked this run to stop, or 0.
static STOP: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);

extern "C" fn on_stop_signal(sig: libc::c_int) {
    // Only an atomic store: the one thing a signal handler may safely do here.
    STOP.store(sig, std::sync::atomic::Ordering::SeqCst);
}

/// Makes SIGTERM (what Slurm, Kubernetes and AWS Batch send a cancelled task first) and SIGINT
/// stop the run cleanly: every shard being written stops at its next batch, its temporary file
/// is removed or its upload aborted, and nothing unfinished appears under a shard's name.
pub fn stop_on_signals() {
    #[cfg(unix)]
    // SAFETY: the handler only stores into an atomic, which is async-signal-safe.
    unsafe {
        let handler = on_stop_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        libc::signal(libc::SIGTERM, handler);
        libc::signal(libc::SIGINT, handler);
    }
}

/// The signal that stopped the run, if one did: the exit status is then 128 + it, as a shell
/// reports a process killed by it.
pub fn stopped_by() -> Option<i32> {
    match STOP.load(std::sync::atomic::Ordering::SeqCst) {
        0 => None,
        sig => Some(sig),
    }
}

fn check_not_stopped() -> Result<()> {
    match stopped_by() {
        None => Ok(()),
        Some(sig) => Err(Error::Invalid(format!(
            "stopped by signal {sig} before finishing; unfinished shards were discarded: run the same command again to finish"
        ))),
    }
}

struct Task {
    table: usize,
    shard: usize,
    rows: u64,
}

pub fn run(opts: &Options) -> Result<Summary> {
    let started = Instant::now();
    if let Some((k, n)) = opts.shard
        && (n == 0 || k >= n)
    {
        return Err(Error::Invalid(format!(
            "--shard {k}/{n} is out of range: K must be in 0..N (e.g. --shard 0/2 and --shard 1/2)"
        )));
    }
    if opts.cfg.profile.accounts() < MIN_ACCOUNTS {
        return Err(Error::Invalid(format!(
            "--accounts must be at least {MIN_ACCOUNTS}: smaller datasets cannot hold every table's exact count"
        )));
    }
    let tables = select_tables(opts.tables.as_deref())?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers(opts.threads))
        .build()
        .map_err(|e| Error::Invalid(format!("cannot start worker threads: {e}")))?;
    // The history first: an as-of date outside it is refused before anything is written.
    opts.cfg.check_horizon()?;
    let history = pool.install(|| World::history(&opts.cfg, &registry::counts(&opts.cfg.profile)));
    history.check_as_of()?;
    let loc = Location::from_path(&opts.out)?;
    prepare_out(opts, &loc, &tables)?;

    let world = pool.install(|| history.cut(opts.cfg.as_of));
    drop(history);
    let plans = pool.install(|| Plans::build(&world));
    let world_seconds = started.elapsed().as_secs_f64();

    let shard_rows: Vec<Vec<u64>> = pool.install(|| {
        tables
            .par_iter()
            .map(|t| t.shard_rows(&world, &plans))
            .collect()
    });
    let mut tasks: Vec<Task> = Vec::new();
    for (ti, rows) in shard_rows.iter().enumerate() {
        for (shard, &r) in rows.iter().enumerate() {
            tasks.push(Task {
                table: ti,
                shard,
                rows: r,
            });
        }
    }
    let (k, n) = opts.shard.unwrap_or((0, 1));
    let mine: Vec<&Task> = tasks
        .iter()
        .enumerate()
        .filter(|(i, _)| i % n == k)
        .map(|(_, t)| t)
        .collect();

    // A part killed earlier (a cancelled batch task) may have left temporary files of its own
    // shards; its rerun clears them, and leaves every other part's alone.
    let rels: Vec<String> = mine
        .iter()
        .map(|t| shard_rel(tables[t.table], t.shard, opts))
        .chain([opts.shard.map_or(manifest::FILE.to_string(), |(k, n)| {
            part_manifest_name(k, n)
        })])
        .collect();
    loc.remove_leftovers(&rels)?;

    let multi =
        MultiProgress::with_draw_target(if opts.progress && std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        });
    let style = ProgressStyle::with_template(
        "{prefix:>34} {bar:28} {human_pos:>12}/{human_len:<12} {per_sec:>14} ETA {eta}",
    )
    .expect("valid template");
    let bars: Vec<ProgressBar> = tables
        .iter()
        .enumerate()
        .map(|(ti, t)| {
            let total: u64 = mine.iter().filter(|x| x.table == ti).map(|x| x.rows).sum();
            let b = multi.add(ProgressBar::new(total));
            b.set_style(style.clone());
            b.set_prefix(t.name());
            b
        })
        .collect();

    // Largest tasks first, each worker taking the next when it is free (`par_bridge` hands out
    // the list in order), keeps every core busy to the end; results are re-ordered after.
    let mut order: Vec<usize> = (0..mine.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(mine[i].rows));
    let results: Vec<(usize, Result<manifest::ShardEntry>, f64)> = pool.install(|| {
        order
            .iter()
            .par_bridge()
            .map(|&i| {
                let task = mine[i];
                let t = tables[task.table];
                let bar = &bars[task.table];
                let t0 = Instant::now();
                let rel = shard_rel(t, task.shard, opts);
                let res = output::write_shard(
                    &loc,
                    &rel,
                    t.schema(),
                    opts.format,
                    opts.compression,
                    |emit| {
                        t.generate(&world, &plans, task.shard, &mut |b| {
                            check_not_stopped()?;
                            bar.inc(b.num_rows() as u64);
                            emit(b)
                        })
                    },
                );
                (i, res, t0.elapsed().as_secs_f64())
            })
            .collect()
    });
    bars.iter().for_each(|b| b.finish());
    let _ = multi.clear();

    let mut entries: Vec<TableEntry> = tables
        .iter()
        .zip(&shard_rows)
        .map(|(t, rows)| TableEntry::new(t.schema(), rows.iter().sum(), rows.len()))
        .collect();
    let mut summary = Summary {
        world_seconds,
        ..Default::default()
    };
    let mut per_table = vec![(0u64, 0u64, 0f64); tables.len()];
    let mut sorted = results;
    sorted.sort_by_key(|r| r.0);
    check_not_stopped()?;
    for (i, res, secs) in sorted {
        let task = mine[i];
        let entry = res?;
        if entry.rows != task.rows {
            return Err(Error::Invalid(format!(
                "{} shard {} produced {} rows, planned {}",
                tables[task.table].name(),
                task.shard,
                entry.rows,
                task.rows
            )));
        }
        let pt = &mut per_table[task.table];
        pt.0 += entry.rows;
        pt.1 += entry.bytes;
        pt.2 += secs;
        summary.rows += entry.rows;
        summary.bytes += entry.bytes;
        summary.files += 1;
        entries[task.table].shards.push(entry);
    }
    summary.tables = tables
        .iter()
        .zip(per_table)
        .map(|(t, (r, b, s))| (t.name().to_string(), r, b, s))
        .collect();

    let mut manifest = Manifest {
        format_version: manifest::FORMAT_VERSION,
        generator: format!("datagen {}", env!("CARGO_PKG_VERSION")),
        dataset: dataset_entry(opts),
        tables: entries,
    };
    summary.manifest_written = match opts.shard {
        None => {
            manifest.seal();
            write_sources(&loc, &manifest)?;
            loc.put(manifest::FILE, manifest.to_text().as_bytes())?;
            true
        }
        Some((k, n)) => {
            loc.put(&part_manifest_name(k, n), manifest.to_text().as_bytes())?;
            assemble_if_complete(&loc, n)?
        }
    };
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// Where a table's shard goes, relative to the dataset.
fn shard_rel(t: &dyn Table, shard: usize, opts: &Options) -> String {
    format!(
        "{}/{}",
        t.name(),
        output::shard_file_name(shard, opts.format, opts.compression)
    )
}

/// The dataset's dbt `sources.yml`, beside the manifest.
fn write_sources(loc: &Location, m: &Manifest) -> Result<()> {
    let schemas: Vec<&crate::schema::TableSchema> = m
        .tables
        .iter()
        .filter_map(|t| registry::find(&t.name).map(|e| e.table.schema()))
        .collect();
    loc.put("sources.yml", crate::dbt::sources_yml(&schemas).as_bytes())
}

/// Merges the part manifests of an N-way split into `manifest.json` once all N are present in
/// `loc` (a folder the parts share, or one object-storage prefix). Parts finishing at the same
/// instant race safely: the manifest is created only when none exists yet (a hard link locally,
/// `If-None-Match: *` on S3), so exactly one of them writes it; the others return false.
pub fn assemble_if_complete(loc: &Location, n: usize) -> Result<bool> {
    let names: Vec<String> = (0..n).map(|k| part_manifest_name(k, n)).collect();
    let mut parts = Vec::with_capacity(n);
    for name in &names {
        match loc.read(name)? {
            Some(bytes) => parts.push(Manifest::parse(
                &String::from_utf8_lossy(&bytes),
                Path::new(&loc.describe(name)),
            )?),
            // Not finished yet, or another part completed the set and removed them meanwhile.
            None => return Ok(false),
        }
    }
    let mut merged = parts.remove(0);
    for p in parts {
        if p.dataset != merged.dataset || p.tables.len() != merged.tables.len() {
            return Err(Error::Invalid(format!(
                "the part manifests in {} come from different runs (seed, profile, as-of or tables differ)",
                loc.describe("")
            )));
        }
        for (t, pt) in merged.tables.iter_mut().zip(p.tables) {
            t.shards.extend(pt.shards);
        }
    }
    for t in &mut merged.tables {
        t.shards.sort_by(|a, b| a.path.cmp(&b.path));
        let rows: u64 = t.shards.iter().map(|s| s.rows).sum();
        if t.shards.len() != t.shard_count || rows != t.rows {
            return Err(Error::Invalid(format!(
                "{}: the parts hold {} of {} shards of {}",
                loc.describe(""),
                t.shards.len(),
                t.shard_count,
                t.name
            )));
        }
    }
    merged.seal();
    if !loc.put_new(manifest::FILE, merged.to_text().as_bytes())? {
        return Ok(false);
    }
    write_sources(loc, &merged)?;
    for name in &names {
        loc.delete(name)?;
    }
    Ok(true)
}

/// The batch engines `--shard auto` reads its part from: (engine, index variable, size variable,
/// first-index variable).
const ENGINES: [(&str, &str, Option<&str>, Option<&str>); 3] = [
    ("Kubernetes Indexed Job", "JOB_COMPLETION_INDEX", None, None),
    (
        "AWS Batch array job",
        "AWS_BATCH_JOB_ARRAY_INDEX",
        Some("AWS_BATCH_JOB_ARRAY_SIZE"),
        None,
    ),
    (
        "Slurm job array",
        "SLURM_ARRAY_TASK_ID",
        Some("SLURM_ARRAY_TASK_COUNT"),
        Some("SLURM_ARRAY_TASK_MIN"),
    ),
];

/// Parses `--shard`: `K/N`, or `auto` / `auto/N` reading K (and N where the engine gives it)
/// from the batch engine's environment through `env`.
pub fn parse_shard(
    spec: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> std::result::Result<(usize, usize), String> {
    let bad = || format!("'{spec}' is not K/N or auto[/N]; use e.g. --shard 0/2 or --shard auto/4");
    let (k, n) = match spec.split_once('/') {
        Some((k, n)) => (k.trim(), Some(n.trim())),
        None => (spec.trim(), None),
    };
    let number = |name: &str, v: &str| {
        v.parse::<usize>()
            .map_err(|_| format!("{name}={v} is not a whole number"))
    };
    let given_n = n
        .map(|n| n.parse::<usize>().map_err(|_| bad()))
        .transpose()?;
    let (k, n) = if k.eq_ignore_ascii_case("auto") {
        let Some((engine, index, size, first)) = ENGINES.iter().find(|e| env(e.1).is_some()) else {
            return Err(format!(
                "--shard {spec}: no batch-engine variable is set ({}); run under one of them or give --shard K/N",
                ENGINES.iter().map(|e| e.1).collect::<Vec<_>>().join(", ")
            ));
        };
        let raw = env(index).unwrap_or_default();
        let mut k = number(index, &raw)?;
        if let Some(first) = first.and_then(|f| env(f).map(|v| (f, v))) {
            let min = number(first.0, &first.1)?;
            k = k
                .checked_sub(min)
                .ok_or_else(|| format!("{index}={raw} is below {}={}", first.0, first.1))?;
        }
        let engine_n = size
            .and_then(|s| env(s).map(|v| (s, v)))
            .map(|(s, v)| number(s, &v).map(|n| (s, n)))
            .transpose()?;
        let n = match (engine_n, given_n) {
            (Some((s, a)), Some(b)) if a != b => {
                return Err(format!("--shard {spec} disagrees with {s}={a} ({engine})"));
            }
            (Some((_, a)), _) => a,
            (None, Some(b)) => b,
            (None, None) => {
                return Err(format!(
                    "--shard auto: the {engine} gives the index ({index}) but not the number of parts; use --shard auto/N with N = the number of parts"
                ));
            }
        };
        (k, n)
    } else {
        let k = k.parse::<usize>().map_err(|_| bad())?;
        (k, given_n.ok_or_else(bad)?)
    };
    if n == 0 || k >= n {
        return Err(format!(
            "--shard {k}/{n} is out of range: K must be in 0..N, e.g. 0/{n}"
        ));
    }
    Ok((k, n))
}

#[cfg(test)]
mod shard_tests {
    use super::parse_shard;

    fn with(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn explicit_parts() {
        assert_eq!(parse_shard("1/4", &with(&[])), Ok((1, 4)));
        assert!(
            parse_shard("4/4", &with(&[]))
                .unwrap_err()
                .contains("out of range")
        );
        assert!(parse_shard("1", &with(&[])).is_err());
        assert!(parse_shard("a/b", &with(&[])).is_err());
    }

    #[test]
    fn kubernetes_gives_the_index_only() {
        let env = with(&[("JOB_COMPLETION_INDEX", "3")]);
        assert_eq!(parse_shard("auto/4", &env), Ok((3, 4)));
        let err = parse_shard("auto", &env).unwrap_err();
        assert!(err.contains("auto/N"), "{err}");
        assert!(
            parse_shard("auto/3", &env)
                .unwrap_err()
                .contains("out of range")
        );
    }

    #[test]
    fn aws_batch_gives_index_and_size() {
        let env = with(&[
            ("AWS_BATCH_JOB_ARRAY_INDEX", "2"),
            ("AWS_BATCH_JOB_ARRAY_SIZE", "5"),
        ]);
        assert_eq!(parse_shard("auto", &env), Ok((2, 5)));
        assert_eq!(parse_shard("auto/5", &env), Ok((2, 5)));
        assert!(
            parse_shard("auto/4", &env)
                .unwrap_err()
                .contains("disagrees")
        );
    }

    #[test]
    fn slurm_counts_from_its_first_task() {
        let env = with(&[
            ("SLURM_ARRAY_TASK_ID", "11"),
            ("SLURM_ARRAY_TASK_MIN", "10"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ]);
        assert_eq!(parse_shard("auto", &env), Ok((1, 4)));
        let env = with(&[("SLURM_ARRAY_TASK_ID", "x")]);
        assert!(
            parse_shard("auto/2", &env)
                .unwrap_err()
                .contains("whole number")
        );
    }

    #[test]
    fn auto_without_an_engine_names_the_variables() {
        let err = parse_shard("auto/4", &with(&[])).unwrap_err();
        for v in [
            "JOB_COMPLETION_INDEX",
            "AWS_BATCH_JOB_ARRAY_INDEX",
            "SLURM_ARRAY_TASK_ID",
        ] {
            assert!(err.contains(v), "{err}");
        }
    }
}
