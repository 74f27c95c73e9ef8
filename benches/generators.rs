//! Criterion benchmarks of the per-table generators: one shard of each table generated into
//! record batches (no file I/O), at dev size.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use datagen::plans::Plans;
use datagen::profile::Profile;
use datagen::registry;
use datagen::world::{Config, World};

fn world() -> World {
    World::build(
        &Config::at_anchor(Profile::Dev),
        &registry::counts(&Profile::Dev),
    )
}

fn generators(c: &mut Criterion) {
    let mut group = c.benchmark_group("generate_shard_0");
    group.sample_size(10);
    let w = world();
    let plans = Plans::build(&w);
    for e in registry::all() {
        let t = e.table;
        let rows = t.shard_rows(&w, &plans)[0];
        group.throughput(Throughput::Elements(rows));
        group.bench_function(t.name(), |b| {
            b.iter(|| {
                let mut n = 0;
                t.generate(&w, &plans, 0, &mut |batch| {
                    n += batch.num_rows();
                    Ok(())
                })
                .unwrap();
                assert_eq!(n as u64, rows);
            })
        });
    }
    group.finish();
    c.bench_function("world_build_dev", |b| b.iter(world));
    c.bench_function("plans_build_dev", |b| {
        let w = world();
        b.iter(|| Plans::build(&w))
    });
}

criterion_group!(benches, generators);
criterion_main!(benches);
