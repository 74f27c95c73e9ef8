//! The `datagen` command line: generate a dataset, list profile sizes, validate a dataset.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

use datagen::generate::{self, Options};
use datagen::output::{Compression, Format};
use datagen::profile::{NAMED, Profile};
use datagen::store::Location;
use datagen::world::Config;
use datagen::{docs, registry, report, time, validate};

#[derive(Parser)]
#[command(
    name = "datagen",
    version,
    about = "Deterministic synthetic raw-layer generator for a bar-management SaaS company"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate a dataset: Parquet or CSV shards plus manifest.json.
    Generate(GenerateArgs),
    /// Print the exact row count of every table for each profile.
    Profiles {
        /// Also show a custom profile with this many accounts.
        #[arg(long)]
        accounts: Option<u64>,
        /// Counts of the cut at this day (YYYY-MM-DD or `today`) instead of the anchor.
        #[arg(long, value_parser = parse_as_of)]
        as_of: Option<i64>,
    },
    /// Check a dataset: counts, keys, references, time order, distributions.
    Validate {
        /// Dataset folder (the one holding manifest.json), or s3://bucket/prefix.
        dir: PathBuf,
    },
    /// Write the data catalog of a dataset: index.html (charts inline), catalog.md, summary.json.
    Report {
        /// Dataset folder (the one holding manifest.json), or s3://bucket/prefix.
        dir: PathBuf,
        /// Where to write the report (default DIR/report; required for s3://).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Leave out the validation results (saves the time `datagen validate` takes).
        #[arg(long)]
        no_validate: bool,
        /// No per-table progress lines.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Write the dbt sources.yml and a staging model per table into a dbt project folder.
    DbtProject {
        /// dbt project folder (models go to models/staging).
        #[arg(default_value = "dbt")]
        dir: PathBuf,
    },
    /// Rewrite the files derived from the table declarations: the README's table list and the
    /// dbt project (run from the repository root after adding or changing a table).
    Derive {
        /// Repository root holding README.md and dbt/.
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
    /// Merge the part manifests of a `--shard K/N` split that met in one folder or prefix.
    Assemble {
        /// Folder or s3://bucket/prefix holding every part's files and manifest.part-K-of-N.json.
        dir: PathBuf,
    },
}

#[derive(clap::Args)]
struct GenerateArgs {
    /// Size profile: dev, qa or production.
    #[arg(long, env = "DATAGEN_ENV", default_value = "dev", value_parser = parse_profile)]
    profile: Profile,
    /// Custom size: this many accounts, every other count scaled from the QA ratios.
    #[arg(long, conflicts_with = "profile")]
    accounts: Option<u64>,
    /// Random seed; the same seed, profile and as-of date give byte-identical files.
    #[arg(long, default_value_t = Config::DEFAULT_SEED)]
    seed: u64,
    /// The cut: the last day the dataset holds, YYYY-MM-DD or `today`, from the first sign-up
    /// to the horizon [default: the anchor].
    #[arg(long, value_parser = parse_as_of)]
    as_of: Option<i64>,
    /// The day the profile's counts are exact at; the history runs five years before it and on
    /// past it to the horizon.
    #[arg(long, default_value = Config::DEFAULT_ANCHOR, value_parser = parse_as_of)]
    anchor: i64,
    /// Last day the history is simulated to [default: two years after the anchor]. A cut does
    /// not depend on it.
    #[arg(long, value_parser = parse_as_of)]
    horizon: Option<i64>,
    /// Days of tap telemetry before the as-of date.
    #[arg(long, default_value_t = 365, value_parser = clap::value_parser!(i64).range(7..=1825))]
    tap_window_days: i64,
    /// Output folder, or s3://bucket/prefix (credentials, region and endpoint from AWS_*)
    /// [default: output/<profile>].
    #[arg(long)]
    out: Option<PathBuf>,
    /// File format of the shards.
    #[arg(long, value_enum, default_value_t = Format::Parquet)]
    format: Format,
    /// Compression: zstd (Parquet pages, or .csv.zst), snappy (Parquet only) or none.
    #[arg(long, value_enum, default_value_t = Compression::Zstd)]
    compression: Compression,
    /// Only these tables, comma-separated (default: all).
    #[arg(long, value_delimiter = ',')]
    tables: Option<Vec<String>>,
    /// Worker threads (default and most: one per core; more would only add memory). Output is
    /// identical for any value.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// Run only part K of N (0-based), e.g. 0/2 and 1/2 on two machines; `auto` or `auto/N`
    /// reads K (and N) from a Kubernetes Indexed Job, an AWS Batch or a Slurm array job.
    #[arg(long, value_parser = parse_shard)]
    shard: Option<(usize, usize)>,
    /// Replace an existing dataset in the output folder.
    #[arg(long)]
    overwrite: bool,
    /// No progress bars and no summary.
    #[arg(long, short)]
    quiet: bool,
}

fn parse_profile(s: &str) -> Result<Profile, String> {
    Profile::parse(s).ok_or_else(|| {
        format!("unknown profile '{s}'; choose dev, qa or production (or --accounts N for a custom size)")
    })
}

fn parse_as_of(s: &str) -> Result<i64, String> {
    if s.eq_ignore_ascii_case("today") {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_err(|e| e.to_string())?;
        return Ok(now.as_secs() as i64 / 86_400);
    }
    time::parse_date(s).ok_or_else(|| format!("'{s}' is not a date; use YYYY-MM-DD or `today`"))
}

fn parse_shard(s: &str) -> Result<(usize, usize), String> {
    generate::parse_shard(s, &|name| std::env::var(name).ok())
}

/// The world is built once and held while the shards are written: large lists (above 256 KiB)
/// get their own mappings, handed back to the system when freed, and the worker threads share
/// two heaps instead of one each, so the history freed after the cut does not stay resident
/// (production's peak: 509 → 479 MiB, same speed).
fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

fn main() -> ExitCode {
    // Output piped into `head` and the like ends quietly when the reader closes, as for any
    // command-line tool, instead of failing on a broken pipe.
    #[cfg(unix)]
    // SAFETY: restoring the default SIGPIPE disposition before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    tune_allocator();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            match generate::stopped_by() {
                Some(sig) => ExitCode::from((128 + sig).clamp(1, 255) as u8),
                None => ExitCode::from(1),
            }
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Generate(args) => cmd_generate(args),
        Command::Profiles { accounts, as_of } => cmd_profiles(accounts, as_of),
        Command::Validate { dir } => {
            let checks =
                validate::run(&dir).with_context(|| format!("validating {}", dir.display()))?;
            print!("{}", validate::render(&checks));
            let failed: Vec<_> = checks.iter().filter(|c| !c.pass).collect();
            let na = checks
                .iter()
                .filter(|c| c.pass && c.actual.starts_with("n/a"))
                .count();
            println!(
                "{} checks: {} passed, {} failed, {} n/a (sample too small to judge)",
                checks.len(),
                checks.len() - failed.len() - na,
                failed.len(),
                na
            );
            if failed.is_empty() {
                Ok(ExitCode::SUCCESS)
            } else {
                for c in failed {
                    eprintln!(
                        "FAILED {}: {} (target {}, actual {})",
                        c.table, c.name, c.target, c.actual
                    );
                }
                Ok(ExitCode::from(1))
            }
        }
        Command::Report {
            dir,
            out,
            no_validate,
            quiet,
        } => {
            let started = std::time::Instant::now();
            let out = match out {
                Some(out) => out,
                None if dir.to_string_lossy().starts_with("s3://") => bail!(
                    "the dataset is on object storage: give --out, a local folder for the report"
                ),
                None => dir.join("report"),
            };
            let opts = report::Options {
                out,
                dataset: dir,
                validate: !no_validate,
            };
            let say = |line: &str| {
                if !quiet {
                    eprintln!("{line}");
                }
            };
            let s = report::run(&opts, &say)
                .with_context(|| format!("reporting on {}", opts.dataset.display()))?;
            println!(
                "wrote {} (index.html, catalog.md, summary.json): {} tables, {} rows, {} in {:.2} s",
                opts.out.display(),
                s.dataset.tables,
                report::thousands(s.dataset.total_rows),
                report::human_bytes(s.dataset.total_bytes),
                started.elapsed().as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::DbtProject { dir } => {
            let n = docs::write_dbt_project(&dir)?;
            println!(
                "wrote sources.yml and {n} staging models to {}",
                dir.join("models").join("staging").display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Derive { root } => {
            docs::derive(&root)?;
            println!(
                "refreshed {} and {}",
                root.join("README.md").display(),
                root.join("dbt").display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Assemble { dir } => {
            let loc = Location::from_path(&dir)?;
            if loc.local_dir().is_some_and(|d| !d.is_dir()) {
                bail!("{} is not a folder", dir.display());
            }
            let n = loc
                .list("")
                .with_context(|| format!("reading {}", loc.describe("")))?
                .into_iter()
                .find_map(|f| {
                    f.strip_prefix("manifest.part-")?
                        .split_once("-of-")?
                        .1
                        .strip_suffix(".json")?
                        .parse::<usize>()
                        .ok()
                });
            let Some(n) = n else {
                bail!("{} holds no part manifests", loc.describe(""))
            };
            if !generate::assemble_if_complete(&loc, n)? {
                bail!(
                    "{} does not hold all {n} part manifests yet",
                    loc.describe("")
                );
            }
            println!("wrote {}", loc.describe("manifest.json"));
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn cmd_generate(a: GenerateArgs) -> Result<ExitCode> {
    generate::stop_on_signals();
    let profile = match a.accounts {
        Some(n) if n < generate::MIN_ACCOUNTS => bail!(
            "--accounts {n} is too small: use at least {} (smaller datasets cannot hold every table's exact count)",
            generate::MIN_ACCOUNTS
        ),
        Some(n) if n > 10_000_000 => {
            bail!("--accounts {n} is larger than the supported 10,000,000")
        }
        Some(n) => Profile::Custom(n),
        None => a.profile,
    };
    let out = a
        .out
        .unwrap_or_else(|| PathBuf::from("output").join(profile.name()));
    if a.format == Format::Csv && a.compression == Compression::Snappy {
        bail!("--compression snappy applies to Parquet only; use zstd or none with --format csv");
    }
    let opts = Options {
        cfg: Config {
            profile,
            seed: a.seed,
            anchor: a.anchor,
            as_of: a.as_of.unwrap_or(a.anchor),
            horizon: a
                .horizon
                .unwrap_or(datagen::world::default_horizon(a.anchor)),
            tap_window_days: a.tap_window_days,
        },
        out,
        format: a.format,
        compression: a.compression,
        tables: a.tables,
        threads: a.threads.map(usize::from),
        shard: a.shard,
        overwrite: a.overwrite,
        progress: !a.quiet,
    };
    let s = generate::run(&opts)?;
    if !a.quiet {
        println!(
            "{:<34} {:>13} {:>11} {:>9} {:>14}",
            "table", "rows", "size", "shard s", "rows/shard s"
        );
        for (name, rows, bytes, secs) in &s.tables {
            println!(
                "{name:<34} {:>13} {:>11} {secs:>9.2} {:>14}",
                report::thousands(*rows),
                report::human_bytes(*bytes),
                report::thousands((*rows as f64 / secs.max(1e-9)) as u64)
            );
        }
        println!(
            "(shard s: seconds spent writing the table's shards, summed over the worker threads)"
        );
        println!(
            "{} rows in {} files, {}, {:.2} s wall (world {:.2} s), {} rows/s -> {}{}",
            report::thousands(s.rows),
            s.files,
            report::human_bytes(s.bytes),
            s.seconds,
            s.world_seconds,
            report::thousands((s.rows as f64 / s.seconds.max(1e-9)) as u64),
            opts.out.display(),
            if s.manifest_written {
                ""
            } else {
                " (part manifest; waiting for the other parts)"
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn cmd_profiles(accounts: Option<u64>, as_of: Option<i64>) -> Result<ExitCode> {
    let mut profiles = NAMED.to_vec();
    if let Some(n) = accounts.filter(|&n| n > 0) {
        profiles.push(Profile::Custom(n));
    }
    let counts: Vec<Vec<u64>> = profiles
        .iter()
        .map(|p| docs::planned_rows_at(p, as_of))
        .collect::<datagen::Result<_>>()?;
    if let Some(d) = as_of {
        println!(
            "cut at the end of {} (anchor {})",
            time::format_date(d),
            Config::DEFAULT_ANCHOR
        );
    }
    print!("{:<34}", "table");
    for p in &profiles {
        print!(" {:>14}", p.to_string().split(' ').next().unwrap_or(""));
    }
    println!();
    for (i, e) in registry::all().iter().enumerate() {
        print!("{:<34}", e.name());
        for c in &counts {
            print!(" {:>14}", c[i]);
        }
        println!();
    }
    Ok(ExitCode::SUCCESS)
}
