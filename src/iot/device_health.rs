//! `iot_device_health`: one row per device per local day it was installed inside the tap
//! window. Pour counts are the events' own daily counts; uptime follows the span the device
//! reported; degradation before maintenance shows in temperature and errors.

use std::sync::LazyLock;

use arrow::record_batch::RecordBatch;

use crate::arrays::BATCH_ROWS;
use crate::arrays::*;
use crate::error::Result;
use crate::num::round_to;
use crate::plans::Plans;
use crate::plans::taps::{CutDevice, DEGRADE_DAYS, Line, Maintenance};
use crate::plans::taps::{TEMPERATURE_STREAM, day_temperature, temperature_draws};
use crate::profile::Size;
use crate::rng::{StreamKey, mix};
use crate::schema::{ColType::*, TableSchema, col};
use crate::table::Table;
use crate::time::MICROS_PER_DAY;
use crate::world::World;
use crate::world::pours::day_id;

pub struct DeviceHealthTable;

pub const DAY_STATUSES: [&str; 4] = ["online", "degraded", "offline", "maintenance"];

/// Columns of `iot_device_health`, named once: the schema below and every check refer to these.
pub mod cols {
    use crate::schema::Col;

    pub const TABLE: &str = "iot_device_health";
    pub const HEALTH_ID: Col = Col::new(TABLE, "health_id");
    pub const DEVICE_ID: Col = Col::new(TABLE, "device_id");
    pub const HEALTH_DATE: Col = Col::new(TABLE, "health_date");
    pub const POUR_COUNT: Col = Col::new(TABLE, "pour_count");
    pub const UPTIME_PCT: Col = Col::new(TABLE, "uptime_pct");
    pub const AVG_TEMPERATURE_C: Col = Col::new(TABLE, "avg_temperature_c");
    pub const ERROR_COUNT: Col = Col::new(TABLE, "error_count");
    pub const MAINTENANCE_EVENT: Col = Col::new(TABLE, "maintenance_event");
    pub const DAY_STATUS: Col = Col::new(TABLE, "day_status");
}

static SCHEMA: LazyLock<TableSchema> = LazyLock::new(|| {
    TableSchema::new(
        cols::TABLE,
        "Daily health of each tap device inside the tap window.",
        Size::Derived,
        cols::HEALTH_ID,
        vec![
            col(cols::HEALTH_ID, Int64, "Surrogate key of the device-day."),
            col(cols::DEVICE_ID, Int64, "Device.").grouped(),
            col(
                cols::HEALTH_DATE,
                Date,
                "Local calendar day at the device's location.",
            )
            .grouped(),
            col(
                cols::POUR_COUNT,
                Int32,
                "Pours recorded that day (equals the day's tap events).",
            ),
            col(
                cols::UPTIME_PCT,
                Float64,
                "Share of the day the device was reporting, percent.",
            ),
            col(
                cols::AVG_TEMPERATURE_C,
                Float64,
                "Average line temperature over the day's pours (their mean, to rounding).",
            )
            .nullable(),
            col(
                cols::ERROR_COUNT,
                Int32,
                "Sensor and connectivity errors reported.",
            ),
            col(
                cols::MAINTENANCE_EVENT,
                Bool,
                "Whether the device was taken into maintenance that day.",
            ),
            col(cols::DAY_STATUS, Text, "Status of the device over the day.")
                .accepted(&DAY_STATUSES),
        ],
        &[(cols::DEVICE_ID, "app_devices", "device_id")],
    )
});

impl Table for DeviceHealthTable {
    fn schema(&self) -> &'static TableSchema {
        &SCHEMA
    }

    fn shard_rows(&self, _world: &World, plans: &Plans) -> Vec<u64> {
        plans.taps.health_rows.clone()
    }

    fn generate(
        &self,
        world: &World,
        plans: &Plans,
        shard: usize,
        emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
    ) -> Result<()> {
        let (seed, scale, end) = (world.cfg.seed, world.pours.scale, world.cfg.end_ts());
        let mut rows: Vec<Row> = Vec::with_capacity(BATCH_ROWS);
        let (mut times, mut draws) = (Vec::new(), Vec::new());
        let (health_key, temperature_key) = (
            StreamKey::new(seed, "iot_device_health"),
            StreamKey::new(seed, TEMPERATURE_STREAM),
        );
        for dev in plans.taps.groups[shard].clone() {
            let d = &world.devices[dev];
            let mut c = CutDevice::of(world, d);
            let line = Line::of(seed, d);
            // Days come in rising order: the spell look-ups step on from the last day's.
            let (mut cursor, mut next) = (usize::MAX, Maintenance::default());
            for day in c.days.clone() {
                let (start, stop) = c.pours.day_span(day);
                let spells = &c.pours.spells;
                let up = spells.up_within_from(start, stop.min(end), &mut cursor);
                let mid = (start + stop) / 2;
                let deg = next.degradation(spells, mid);
                let first = spells.downs.partition_point(|x| x.from < start);
                let maintenance = spells.downs[first..]
                    .iter()
                    .take_while(|x| x.from < stop.min(end))
                    .any(|x| x.kind == 2);
                // No up time: offline once quiet for good (that day on), else the spell that
                // held the day (an outage or maintenance).
                let status = if up > 0 {
                    u8::from(deg > 1.0 - 3.0 / DEGRADE_DAYS as f64)
                } else if spells.quiet < stop.min(end) {
                    2
                } else {
                    spells.down_at(mid.min(end - 1)).map_or(2, |x| x.kind + 1)
                };
                // The day's pours (the cut's own day: those reported by its end) and their
                // mean temperature: the day's mean, or for part of a day the mean of its first
                // pours (their deviations telescope).
                let n = c.pours.count(day, scale);
                let pours = if day == *c.days.end() {
                    c.pours(scale, day, &mut times);
                    times.len() as u32
                } else {
                    n
                };
                let temperature = (pours > 0).then(|| {
                    let mean = day_temperature(&line, &mut c.pours, day);
                    let partial = if pours < n {
                        temperature_draws(temperature_key, d, day, n as usize, &mut draws);
                        let m = pours as usize;
                        0.3 * (draws[0] - draws[m]) / m as f64
                    } else {
                        0.0
                    };
                    round_to(mean + partial, 100.0)
                });
                let mut rng = health_key.rand(mix(d.id as u64, day as u64));
                let mut uptime = 100.0 * up as f64 / MICROS_PER_DAY as f64;
                if uptime > 0.0 && rng.chance(0.04) {
                    uptime -= rng.uniform(0.5, 6.0); // short connectivity drops
                }
                // A day holding pours reported for part of it, even where the day's edges move
                // with a daylight-time switch.
                let floor = if pours > 0 { 0.01 } else { 0.0 };
                rows.push(Row {
                    id: day_id(d.id, day),
                    device: d.id,
                    day: day as i32,
                    pours: pours as i32,
                    uptime: round_to(uptime.clamp(0.0, 100.0), 100.0).max(floor),
                    temperature,
                    errors: rng.poisson(0.05 + 4.0 * deg) as i32,
                    maintenance,
                    status,
                });
                if rows.len() == BATCH_ROWS {
                    emit(build(&rows)?)?;
                    rows.clear();
                }
            }
        }
        if !rows.is_empty() {
            emit(build(&rows)?)?;
        }
        Ok(())
    }
}

struct Row {
    id: i64,
    device: i64,
    day: i32,
    pours: i32,
    uptime: f64,
    temperature: Option<f64>,
    errors: i32,
    maintenance: bool,
    status: u8,
}

fn build(r: &[Row]) -> Result<RecordBatch> {
    batch(
        &SCHEMA,
        vec![
            i64s(r.iter().map(|r| r.id)),
            i64s(r.iter().map(|r| r.device)),
            dates(r.iter().map(|r| r.day)),
            i32s(r.iter().map(|r| r.pours)),
            f64s(r.iter().map(|r| r.uptime)),
            std::sync::Arc::new(
                r.iter()
                    .map(|r| r.temperature)
                    .collect::<arrow::array::Float64Array>(),
            ),
            i32s(r.iter().map(|r| r.errors)),
            bools(r.iter().map(|r| r.maintenance)),
            texts(r.iter().map(|r| DAY_STATUSES[r.status as usize])),
        ],
    )
}
