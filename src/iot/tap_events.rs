//! `iot_tap_events`: every pour measured by a tap's flow meter. Shards are (device range × date
//! range); each device-day draws from its own stream, so any shard can be rebuilt alone.

use std::sync::{Arc, LazyLock};

use arrow::array::{Float64Array, Int32Array, Int64Array, StringArray, TimestampMicrosecondArray};
use arrow::record_batch::RecordBatch;
use rayon::prelude::*;

use crate::arrays::BATCH_ROWS;
use crate::arrays::batch;
use crate::error::Result;
use crate::num::round_to;
use crate::plans::Plans;
use crate::plans::taps::{
    DATE_RANGES, HOUR_WEIGHT, Line, PRODUCTS, daily_counts, day_temperature, degradation,
    temperature_noise, zone,
};
use crate::profile::Size;
use crate::rng::Rand;
use crate::schema::{ColType::*, TableSchema, UTC, col};
use crate::table::Table;
use crate::time::{MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_SEC};
use crate::world::World;

pub struct TapEventsTable;

/// Pour sizes in ml: taster, 10 oz, 12 oz, US pint, imperial pint, pitcher.
pub const POUR_ML: [f64; 6] = [148.0, 296.0, 355.0, 473.0, 568.0, 1_893.0];
const POUR_WEIGHTS: [[f64; 6]; 3] = [
    [4.0, 8.0, 20.0, 55.0, 8.0, 5.0],   // lagers and ales
    [3.0, 25.0, 15.0, 35.0, 20.0, 2.0], // stouts: smaller and imperial pours
    [25.0, 30.0, 25.0, 18.0, 2.0, 0.0], // sours and ciders: tasters
];
/// Flow of a well-balanced line: about 2 oz per second.
pub const FLOW_ML_S: f64 = 59.0;
/// Columns of `iot_tap_events`, named once: the schema below and every check refer to these.
pub mod cols {
    use crate::schema::Col;

    pub const TABLE: &str = "iot_tap_events";
    pub const EVENT_ID: Col = Col::new(TABLE, "event_id");
    pub const DEVICE_ID: Col = Col::new(TABLE, "device_id");
    pub const LOCATION_ID: Col = Col::new(TABLE, "location_id");
    pub const POURED_AT: Col = Col::new(TABLE, "poured_at");
    pub const PRODUCT_TYPE: Col = Col::new(TABLE, "product_type");
    pub const VOLUME_ML: Col = Col::new(TABLE, "volume_ml");
    pub const DURATION_MS: Col = Col::new(TABLE, "duration_ms");
    pub const FLOW_RATE_ML_S: Col = Col::new(TABLE, "flow_rate_ml_s");
    pub const TEMPERATURE_C: Col = Col::new(TABLE, "temperature_c");
    pub const PRESSURE_PSI: Col = Col::new(TABLE, "pressure_psi");
}

static SCHEMA: LazyLock<TableSchema> = LazyLock::new(|| {
    TableSchema::new(
        cols::TABLE,
        "Pours measured by tap flow meters over the trailing tap window.",
        Size::Scaled {
            dev: 500_000,
            qa: 50_000_000,
            production: 200_000_000,
        },
        cols::EVENT_ID,
        vec![
            col(cols::EVENT_ID, Int64, "Surrogate key of the pour."),
            col(cols::DEVICE_ID, Int64, "Device that measured the pour.").grouped(),
            col(cols::LOCATION_ID, Int64, "Location of the device.").grouped(),
            col(cols::POURED_AT, Timestamp, "When the pour ended (UTC)."),
            col(cols::PRODUCT_TYPE, Text, "Style of the beer on the tap.").accepted(&PRODUCTS),
            col(cols::VOLUME_ML, Float64, "Volume poured, millilitres."),
            col(
                cols::DURATION_MS,
                Int32,
                "Duration of the pour, milliseconds.",
            ),
            col(
                cols::FLOW_RATE_ML_S,
                Float64,
                "Average flow during the pour, ml per second.",
            ),
            col(
                cols::TEMPERATURE_C,
                Float64,
                "Line temperature at the tap, °C.",
            ),
            col(cols::PRESSURE_PSI, Float64, "CO2 pressure at the keg, psi."),
        ],
        &[
            (cols::DEVICE_ID, "app_devices", "device_id"),
            (cols::LOCATION_ID, "app_locations", "location_id"),
        ],
    )
});

/// Cumulative distribution of the local hour of a pour.
static HOUR_CDF: LazyLock<[f64; 24]> = LazyLock::new(|| {
    let total: f64 = HOUR_WEIGHT.iter().sum();
    let mut acc = 0.0;
    let mut cdf = [0.0; 24];
    for (c, w) in cdf.iter_mut().zip(HOUR_WEIGHT) {
        acc += w / total;
        *c = acc;
    }
    cdf[23] = 1.0;
    cdf
});

/// Buckets of [0, 1) for the hour draw: a draw in bucket b cannot fall in an hour before
/// `HOUR_START[b]`, so the search starts there (same hour as a search from midnight).
const HOUR_BUCKETS: usize = 256;
static HOUR_START: LazyLock<[u8; HOUR_BUCKETS]> = LazyLock::new(|| {
    let mut start = [0; HOUR_BUCKETS];
    for (b, s) in start.iter_mut().enumerate() {
        let low = b as f64 / HOUR_BUCKETS as f64;
        *s = HOUR_CDF.partition_point(|&c| c <= low) as u8;
    }
    start
});

/// The local hour of a uniform draw `u` in [0, 1): the first hour whose cumulative share exceeds it.
#[inline]
fn hour_of(u: f64) -> i64 {
    let cdf = &*HOUR_CDF;
    let from = HOUR_START[(u * HOUR_BUCKETS as f64) as usize] as usize;
    cdf[from..]
        .iter()
        .position(|&c| u < c)
        .map_or(23, |h| (from + h) as i64)
}

#[derive(Default)]
struct Columns {
    event_id: Vec<i64>,
    device_id: Vec<i64>,
    location_id: Vec<i64>,
    poured_at: Vec<i64>,
    product: Vec<&'static str>,
    volume: Vec<f64>,
    duration: Vec<i32>,
    flow: Vec<f64>,
    temperature: Vec<f64>,
    pressure: Vec<f64>,
}

impl Columns {
    fn with_capacity(n: usize) -> Self {
        Columns {
            event_id: Vec::with_capacity(n),
            device_id: Vec::with_capacity(n),
            location_id: Vec::with_capacity(n),
            poured_at: Vec::with_capacity(n),
            product: Vec::with_capacity(n),
            volume: Vec::with_capacity(n),
            duration: Vec::with_capacity(n),
            flow: Vec::with_capacity(n),
            temperature: Vec::with_capacity(n),
            pressure: Vec::with_capacity(n),
        }
    }

    fn len(&self) -> usize {
        self.event_id.len()
    }

    /// Moves the buffers into Arrow arrays without copying the numbers.
    fn take(&mut self) -> Result<RecordBatch> {
        let c = std::mem::replace(self, Columns::with_capacity(BATCH_ROWS));
        batch(
            &SCHEMA,
            vec![
                Arc::new(Int64Array::from(c.event_id)),
                Arc::new(Int64Array::from(c.device_id)),
                Arc::new(Int64Array::from(c.location_id)),
                Arc::new(TimestampMicrosecondArray::from(c.poured_at).with_timezone(UTC)),
                Arc::new(StringArray::from(c.product)),
                Arc::new(Float64Array::from(c.volume)),
                Arc::new(Int32Array::from(c.duration)),
                Arc::new(Float64Array::from(c.flow)),
                Arc::new(Float64Array::from(c.temperature)),
                Arc::new(Float64Array::from(c.pressure)),
            ],
        )
    }
}

impl Table for TapEventsTable {
    fn schema(&self) -> &'static TableSchema {
        &SCHEMA
    }

    fn shard_rows(&self, world: &World, plans: &Plans) -> Vec<u64> {
        let plan = &plans.taps;
        plan.groups
            .par_iter()
            .flat_map_iter(|devices| {
                let mut rows = [0u64; DATE_RANGES];
                for dev in devices.clone() {
                    let (act, counts) = daily_counts(world, dev, plan.per_device[dev]);
                    let Some(a) = act else { continue };
                    for (i, c) in counts.iter().enumerate() {
                        let day = a.first_day + i as i64;
                        let r = plan.day_bounds.partition_point(|&b| b <= day) - 1;
                        rows[r] += u64::from(*c);
                    }
                }
                rows
            })
            .collect()
    }

    fn generate(
        &self,
        world: &World,
        plans: &Plans,
        shard: usize,
        emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
    ) -> Result<()> {
        let plan = &plans.taps;
        let (devices, range) = plan.shard(shard);
        let (lo_day, hi_day) = (plan.day_bounds[range], plan.day_bounds[range + 1]);
        let seed = world.cfg.seed;
        let mut cols = Columns::with_capacity(BATCH_ROWS);
        let mut times: Vec<i64> = Vec::new();
        let mut temp_draws: Vec<f64> = Vec::new();
        for dev in devices {
            let d = &world.devices[dev];
            let (act, counts) = daily_counts(world, dev, plan.per_device[dev]);
            let Some(a) = act else { continue };
            let line = Line::of(seed, d);
            let location_id = world.locations[d.location as usize].id;
            let mut zone = zone(world, d);
            let mut keg = (i64::MIN, 0);
            let mut next_id = plan.offsets[dev] as i64 + 1;
            let mut rng = Rand::new(seed, "iot_tap_events", d.id as u64 * 8 + range as u64);
            for (i, &count) in counts.iter().enumerate() {
                let day = a.first_day + i as i64;
                if day >= hi_day {
                    break;
                }
                if day < lo_day {
                    next_id += i64::from(count);
                    continue;
                }
                if count == 0 {
                    continue;
                }
                // Local-day times, clamped into the device's active span, then sorted.
                let off = zone.offset_hours(day * MICROS_PER_DAY + 12 * MICROS_PER_HOUR)
                    * MICROS_PER_HOUR;
                let lo = (day * MICROS_PER_DAY).max(a.from + off);
                let hi = ((day + 1) * MICROS_PER_DAY - 1).min(a.until + off);
                let span = (hi - lo + 1).max(1);
                times.clear();
                for _ in 0..count {
                    let hour = hour_of(rng.f64());
                    let t = day * MICROS_PER_DAY
                        + hour * MICROS_PER_HOUR
                        + rng.below(3_600 * MICROS_PER_SEC as u64) as i64;
                    times.push(if t < lo || t > hi {
                        lo + (t - lo).rem_euclid(span)
                    } else {
                        t
                    });
                }
                // Local times to UTC. On a daylight-time switch day the offset changes at 02:00
                // local, so each pour takes the offset in force at its own instant.
                let mut at = |local: i64| zone.offset_hours(local - off) * MICROS_PER_HOUR;
                let switch_day =
                    at(day * MICROS_PER_DAY) != off || at((day + 1) * MICROS_PER_DAY - 1) != off;
                for t in times.iter_mut() {
                    let o = if switch_day { at(*t) } else { off };
                    *t = (*t - o).clamp(a.from, a.until);
                }
                times.sort_unstable();
                let last_day = day == a.last_day;
                // Kegs last weeks: the product is drawn once per keg.
                let on_tap = line.keg(day);
                if on_tap != keg.0 {
                    keg = (on_tap, line.keg_product(seed, on_tap));
                }
                let product = keg.1;
                let mean_temp = day_temperature(&line, d, &mut zone, day);
                temp_draws.clear();
                temp_draws.extend((0..count).map(|_| rng.f64()));
                let sizes = &POUR_WEIGHTS[match product {
                    4 => 1,
                    6 | 7 => 2,
                    _ => 0,
                }];
                for (k, &t) in times.iter().enumerate() {
                    // The device's final pour is its last report.
                    let utc = if last_day && k + 1 == times.len() {
                        a.until
                    } else {
                        t
                    };
                    let deg = degradation(d, utc);
                    let size = POUR_ML[rng.weighted(sizes)];
                    let volume = round_to(size * (0.93 + 0.1 * rng.f64()), 10.0);
                    let flow = round_to(
                        FLOW_ML_S * line.flow * (0.92 + 0.16 * rng.f64()) * (1.0 - 0.35 * deg),
                        10.0,
                    );
                    cols.event_id.push(next_id);
                    cols.device_id.push(d.id);
                    cols.location_id.push(location_id);
                    cols.poured_at.push(utc);
                    cols.product.push(PRODUCTS[product]);
                    cols.volume.push(volume);
                    cols.duration.push((volume / flow * 1000.0) as i32);
                    cols.flow.push(flow);
                    cols.temperature.push(round_to(
                        mean_temp + temperature_noise(&temp_draws, k),
                        100.0,
                    ));
                    cols.pressure.push(round_to(
                        line.pressure + 0.6 * (rng.f64() - 0.5) - 2.0 * deg,
                        10.0,
                    ));
                    next_id += 1;
                    if cols.len() == BATCH_ROWS {
                        emit(cols.take()?)?;
                    }
                }
            }
        }
        if cols.len() > 0 {
            emit(cols.take()?)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucketed_hour_search_finds_the_first_hour_above_the_draw() {
        let linear = |u: f64| HOUR_CDF.iter().position(|&c| u < c).unwrap_or(23) as i64;
        let mut rng = Rand::new(1, "hours", 0);
        for _ in 0..200_000 {
            let u = rng.f64();
            assert_eq!(hour_of(u), linear(u), "{u}");
        }
        // Every cumulative share, its neighbours and the bucket edges.
        let mut edges: Vec<f64> = HOUR_CDF.to_vec();
        edges.extend((0..HOUR_BUCKETS).map(|b| b as f64 / HOUR_BUCKETS as f64));
        for e in edges {
            for u in [e.next_down(), e, e.next_up()] {
                if (0.0..1.0).contains(&u) {
                    assert_eq!(hour_of(u), linear(u), "{u}");
                }
            }
        }
    }
}
