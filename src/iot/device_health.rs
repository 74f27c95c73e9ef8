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
use crate::plans::taps::{DEGRADE_DAYS, Line, degradation};
use crate::plans::taps::{daily_counts, day_temperature, health_days, zone};
use crate::profile::Size;
use crate::rng::Rand;
use crate::schema::{ColType::*, TableSchema, col};
use crate::table::Table;
use crate::time::{MICROS_PER_DAY, MICROS_PER_HOUR};
use crate::world::World;

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
        let plan = &plans.taps;
        let devices = plan.groups[shard].clone();
        let seed = world.cfg.seed;
        let mut next_id = plan.health_offsets[shard] as i64 + 1;
        let mut rows: Vec<Row> = Vec::with_capacity(BATCH_ROWS);
        for dev in devices {
            let d = &world.devices[dev];
            let (act, counts) = daily_counts(world, dev, plan.per_device[dev]);
            let line = Line::of(seed, d);
            let mut rng = Rand::new(seed, "iot_device_health", d.id as u64);
            let mut noon_zone = zone(world, d);
            let mut zone = zone(world, d);
            // Local midnights in UTC, each with the offset in force at that midnight.
            let mut midnight = |day: i64| {
                let approx = day * MICROS_PER_DAY - zone.standard() * MICROS_PER_HOUR;
                day * MICROS_PER_DAY - zone.offset_hours(approx) * MICROS_PER_HOUR
            };
            let days = health_days(world, d);
            let mut start = midnight(*days.start());
            for day in days {
                let end = midnight(day + 1);
                let pours = act
                    .filter(|a| (a.first_day..=a.last_day).contains(&day))
                    .map_or(0, |a| counts[(day - a.first_day) as usize]);
                let (up_from, up_until) = act.map_or((0, 0), |a| (a.from, a.until));
                let covered = (up_until.min(end) - up_from.max(start)).max(0) as f64;
                let mut uptime = 100.0 * covered / MICROS_PER_DAY as f64;
                if uptime > 0.0 && rng.chance(0.04) {
                    uptime -= rng.uniform(0.5, 6.0); // short connectivity drops
                }
                // A day holding pours reported for part of it, even where the day's edges move
                // with a daylight-time switch.
                let floor = if pours > 0 { 0.01 } else { 0.0 };
                let uptime = round_to(uptime.clamp(0.0, 100.0), 100.0).max(floor);
                let deg = degradation(d, (start + end) / 2);
                let quiet = act.is_none_or(|a| day > a.last_day);
                let went_quiet = act.is_some_and(|a| day == a.last_day) && d.status == 2;
                rows.push(Row {
                    id: next_id,
                    device: d.id,
                    day: day as i32,
                    pours: pours as i32,
                    uptime,
                    // The mean of the day's pours (their deviations sum to zero).
                    temperature: (pours > 0)
                        .then(|| round_to(day_temperature(&line, d, &mut noon_zone, day), 100.0)),
                    errors: rng.poisson(0.05 + 4.0 * deg) as i32,
                    maintenance: went_quiet,
                    status: match (quiet, d.status) {
                        (true, 2) => 3,
                        (true, _) => 2,
                        _ if deg > 1.0 - 3.0 / DEGRADE_DAYS as f64 => 1,
                        _ => 0,
                    },
                });
                next_id += 1;
                start = end;
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
