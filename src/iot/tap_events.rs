//! `iot_tap_events`: every pour measured by a tap's flow meter. Shards are (device range × date
//! range); each device-day draws from its own stream, so any shard can be rebuilt alone.

use std::sync::{Arc, LazyLock};

use arrow::array::{Float64Array, Int32Array, Int64Array, StringArray, TimestampMicrosecondArray};
use arrow::record_batch::RecordBatch;

use crate::arrays::BATCH_ROWS;
use crate::arrays::batch;
use crate::error::Result;
use crate::num::round_to;
use crate::plans::Plans;
use crate::plans::taps::{
    CutDevice, Line, Maintenance, PRODUCTS, TEMPERATURE_STREAM, day_temperature, temperature_draws,
    temperature_noise,
};
use crate::profile::Size;
use crate::rng::{StreamKey, mix};
use crate::schema::{ColType::*, TableSchema, UTC, col};
use crate::table::Table;
use crate::world::World;
use crate::world::pours::pour_id;

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

    fn shard_rows(&self, _world: &World, plans: &Plans) -> Vec<u64> {
        plans.taps.event_rows.clone()
    }

    fn generate(
        &self,
        world: &World,
        plans: &Plans,
        shard: usize,
        emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
    ) -> Result<()> {
        let (devices, range) = plans.taps.shard(shard);
        let bounds = &plans.taps.day_bounds;
        let (lo_day, hi_day) = (bounds[range], bounds[range + 1]);
        let (seed, scale) = (world.cfg.seed, world.pours.scale);
        let mut cols = Columns::with_capacity(BATCH_ROWS);
        let mut times: Vec<i64> = Vec::new();
        let mut temp_draws: Vec<f64> = Vec::new();
        let (events_key, temperature_key) = (
            StreamKey::new(seed, "iot_tap_events"),
            StreamKey::new(seed, TEMPERATURE_STREAM),
        );
        for dev in devices {
            let d = &world.devices[dev];
            let mut c = CutDevice::of(world, d);
            let line = Line::of(seed, d);
            let location_id = world.locations[d.location as usize].id;
            let mut keg = (i64::MIN, 0);
            let days = (*c.days.start()).max(lo_day)..=(*c.days.end()).min(hi_day - 1);
            for day in days {
                // The whole day's pours, those reported by the cut kept.
                c.pours.pours(day, scale, &mut times);
                let all = times.len();
                if day == *c.days.end() {
                    times.retain(|&t| t <= c.seen);
                }
                if times.is_empty() {
                    continue;
                }
                // Kegs last weeks: the product is drawn once per keg.
                let on_tap = line.keg(day);
                if on_tap != keg.0 {
                    keg = (on_tap, line.keg_product(seed, on_tap));
                }
                let product = keg.1;
                let mean_temp = day_temperature(&line, &mut c.pours, day);
                temperature_draws(temperature_key, d, day, all, &mut temp_draws);
                let sizes = &POUR_WEIGHTS[match product {
                    4 => 1,
                    6 | 7 => 2,
                    _ => 0,
                }];
                let mut rng = events_key.rand(mix(d.id as u64, day as u64));
                let mut next = Maintenance::default();
                for (k, &utc) in times.iter().enumerate() {
                    let deg = next.degradation(&c.pours.spells, utc);
                    let size = POUR_ML[rng.weighted(sizes)];
                    let volume = round_to(size * (0.93 + 0.1 * rng.f64()), 10.0);
                    let flow = round_to(
                        FLOW_ML_S * line.flow * (0.92 + 0.16 * rng.f64()) * (1.0 - 0.35 * deg),
                        10.0,
                    );
                    cols.event_id.push(pour_id(d.id, day, k));
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
