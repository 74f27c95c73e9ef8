//! The output floor: for each large table, one qa shard timed three ways, same run —
//! generation alone (record batches into memory), the output path alone (those same batches
//! encoded with the shard's Parquet settings into a sink that discards bytes, and into a file),
//! and the full generator writing the shard as `datagen generate` does. Prints the generator's
//! overhead over the file floor per table.
//!
//!   cargo bench --bench floor [-- TABLE…]

use std::io::Write;
use std::time::Instant;

use datagen::output::{self, Compression, Format};
use datagen::plans::Plans;
use datagen::profile::Profile;
use datagen::registry;
use datagen::store::Location;
use datagen::world::{Config, World};
use parquet::arrow::ArrowWriter;

const LARGE: &[&str] = &[
    "iot_tap_events",
    "app_page_views",
    "app_feature_usage",
    "iot_device_health",
    "app_user_sessions",
    "ga_sessions",
    "stripe_events",
];

fn encode<W: Write + Send>(
    sink: W,
    schema: &datagen::schema::TableSchema,
    batches: &[arrow::array::RecordBatch],
) -> f64 {
    let t0 = Instant::now();
    let mut w = ArrowWriter::try_new(
        sink,
        schema.arrow.clone(),
        Some(output::parquet_properties(schema, Compression::Zstd)),
    )
    .expect("writer");
    for b in batches {
        w.write(b).expect("write");
    }
    w.close().expect("close");
    t0.elapsed().as_secs_f64()
}

fn main() {
    let wanted: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let profile = Profile::Qa;
    let cfg = Config::at_anchor(profile.clone());
    let t0 = Instant::now();
    let world = World::build(&cfg, &registry::counts(&profile));
    let plans = Plans::build(&world);
    println!(
        "qa world and plans in {:.2} s; one shard per table, one thread",
        t0.elapsed().as_secs_f64()
    );
    println!(
        "{:<22} {:>10} {:>9} {:>9} {:>9} {:>9} {:>10}",
        "table", "rows", "gen s", "sink s", "file s", "full s", "full/floor"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    for e in registry::all() {
        let t = e.table;
        let name = t.name();
        if !LARGE.contains(&name) || (!wanted.is_empty() && !wanted.iter().any(|w| w == name)) {
            continue;
        }
        let schema = t.schema();
        // (a) generation alone, batches kept for the output path.
        let mut batches = Vec::new();
        let g0 = Instant::now();
        t.generate(&world, &plans, 0, &mut |b| {
            batches.push(b);
            Ok(())
        })
        .expect("generate");
        let gen_s = g0.elapsed().as_secs_f64();
        let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
        // (b) the output path alone: discarded bytes, then a real file.
        let sink_s = encode(std::io::sink(), schema, &batches);
        let file = std::fs::File::create(dir.path().join(format!("{name}.parquet"))).expect("file");
        let file_s = encode(
            std::io::BufWriter::with_capacity(1 << 20, file),
            schema,
            &batches,
        );
        drop(batches);
        // (c) the full generator, as `datagen generate` writes a shard.
        let f0 = Instant::now();
        output::write_shard(
            &Location::Local(dir.path().to_path_buf()),
            &format!("{name}.full.parquet"),
            schema,
            Format::Parquet,
            Compression::Zstd,
            |emit| t.generate(&world, &plans, 0, emit),
        )
        .expect("full shard");
        let full_s = f0.elapsed().as_secs_f64();
        println!(
            "{name:<22} {rows:>10} {gen_s:>9.3} {sink_s:>9.3} {file_s:>9.3} {full_s:>9.3} {:>9.2}×",
            full_s / file_s.max(1e-9)
        );
    }
}
