//! The `datagen-load` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;

use datagen_load::{db, load};

/// Load a datagen dataset into PostgreSQL: tables from the manifest, binary COPY per shard
/// (each committed with a ledger row, so a rerun resumes), then keys, foreign keys, ANALYZE and
/// row counts checked against the manifest.
#[derive(Parser)]
#[command(name = "datagen-load", version)]
struct Cli {
    /// Dataset folder (the one holding manifest.json), or s3://bucket/prefix (credentials,
    /// region and endpoint from AWS_*; shards stream from object storage, no local copy).
    dataset_dir: PathBuf,
    /// PostgreSQL URL, e.g. postgres://user:pass@localhost:5432/saas_platform_dev?sslmode=require
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: String,
    /// Schema to load into.
    #[arg(long, default_value = "raw")]
    schema: String,
    /// Parallel connections.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=64))]
    jobs: u16,
    /// Only these tables, comma-separated.
    #[arg(long, value_delimiter = ',')]
    tables: Option<Vec<String>>,
    /// Empty and reload the selected tables (those holding another dataset included); foreign
    /// keys of other tables into them are set aside and recreated, views on them kept.
    #[arg(long)]
    replace: bool,
    /// maintenance_work_mem for the load's sessions: memory per primary-key build.
    #[arg(long, default_value = "256MB")]
    maintenance_work_mem: String,
    /// No progress bars and no summary (what the load waits for is still said).
    #[arg(long, short)]
    quiet: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

async fn run(cli: Cli) -> Result<()> {
    let target = db::parse(&cli.database_url)?;
    let label = target.label.clone();
    let opts = load::Options {
        dir: cli.dataset_dir,
        target,
        schema: cli.schema,
        jobs: usize::from(cli.jobs),
        tables: cli.tables,
        replace: cli.replace,
        progress: !cli.quiet,
        maintenance_work_mem: cli.maintenance_work_mem,
    };
    let r = load::run(&opts).await?;
    if !cli.quiet {
        println!(
            "{:<34} {:>12} {:>8} {:>8} {:>10} {:>12}",
            "table", "rows", "shards", "skipped", "copy s", "rows/s"
        );
        for t in &r.tables {
            println!(
                "{:<34} {:>12} {:>8} {:>8} {:>10.2} {:>12.0}",
                t.name,
                t.rows,
                t.shards_loaded,
                t.shards_skipped,
                t.copy_seconds,
                t.rows as f64 / t.copy_seconds.max(1e-9)
            );
        }
        println!(
            "loaded {} rows into {label} schema {} in {:.2} s: copy {:.2} s ({:.0} rows/s); summed over connections: keys {:.2} s, foreign keys {:.2} s, analyze + count {:.2} s",
            r.rows_loaded,
            opts.schema,
            r.total_seconds,
            r.copy_seconds,
            r.rows_loaded as f64 / r.copy_seconds.max(1e-9),
            r.key_seconds,
            r.foreign_key_seconds,
            r.analyze_seconds
        );
        for fk in &r.foreign_keys_skipped {
            println!("foreign key not created: {fk}");
        }
    }
    Ok(())
}
