//! The tap plan: which devices and date ranges each shard of the IoT tables holds, and how
//! many rows; device lines (flow, temperature, kegs) and degradation before maintenance. The
//! pours themselves are the world's pour history ([`crate::world::pours`]): tap events and
//! device health both read it, so health pour counts equal the events exactly and no pour comes
//! after its device's `last_seen_at`.

use crate::rng::{Rand, StreamKey, mix};
use crate::time::{MICROS_PER_DAY, MICROS_PER_HOUR};
pub use crate::world::pours::CutDevice;
pub use crate::world::pours::DEGRADE_DAYS;
use crate::world::pours::{DevicePours, Spells, WINDOW_PARTS, window_parts};
use crate::world::{Device, World};

pub use crate::world::pours::{HOUR_WEIGHT, MONTH_FACTOR, WEEKDAY_FACTOR, day_factor};

/// Target tap events per shard (one device range × one date range).
pub const EVENTS_PER_SHARD: u64 = 1_000_000;
/// The tap window is cut into this many date ranges (the window's parts).
pub const DATE_RANGES: usize = WINDOW_PARTS;

/// The plan every IoT table reads: shard boundaries and rows per shard.
pub struct TapPlan {
    /// Device index ranges; each range is cut into `DATE_RANGES` shards.
    pub groups: Vec<std::ops::Range<usize>>,
    /// Local-day boundaries of the date ranges: range r covers [bounds[r], bounds[r + 1]).
    pub day_bounds: [i64; DATE_RANGES + 1],
    /// Tap events of each shard.
    pub event_rows: Vec<u64>,
    /// Device-health rows of each device group.
    pub health_rows: Vec<u64>,
}

impl TapPlan {
    pub fn build(world: &World) -> TapPlan {
        let day_bounds = window_parts(world.cfg.as_of, world.cfg.tap_window_days);
        let per_device = &world.device_pours;
        let mut groups = Vec::new();
        let (mut start, mut rows) = (0, 0);
        let per_group = EVENTS_PER_SHARD * DATE_RANGES as u64;
        for (i, c) in per_device.iter().enumerate() {
            rows += c.pours.iter().map(|&n| u64::from(n)).sum::<u64>();
            if rows >= per_group {
                groups.push(start..i + 1);
                (start, rows) = (i + 1, 0);
            }
        }
        if start < per_device.len() || groups.is_empty() {
            groups.push(start..per_device.len());
        }
        let event_rows = groups
            .iter()
            .flat_map(|g| {
                let mut rows = [0u64; DATE_RANGES];
                for c in &per_device[g.clone()] {
                    for (r, n) in rows.iter_mut().zip(c.pours) {
                        *r += u64::from(n);
                    }
                }
                rows
            })
            .collect();
        let health_rows = groups
            .iter()
            .map(|g| {
                per_device[g.clone()]
                    .iter()
                    .map(|c| u64::from(c.days))
                    .sum()
            })
            .collect();
        TapPlan {
            groups,
            day_bounds,
            event_rows,
            health_rows,
        }
    }

    pub fn shard_count(&self) -> usize {
        self.groups.len() * DATE_RANGES
    }

    /// (device range, date range) of a shard.
    pub fn shard(&self, shard: usize) -> (std::ops::Range<usize>, usize) {
        (
            self.groups[shard / DATE_RANGES].clone(),
            shard % DATE_RANGES,
        )
    }
}

pub const PRODUCTS: [&str; 8] = [
    "lager", "ipa", "pale_ale", "pilsner", "stout", "wheat", "sour", "cider",
];
const PRODUCT_WEIGHTS: [f64; 8] = [28.0, 22.0, 12.0, 11.0, 8.0, 9.0, 4.0, 6.0];

/// Fixed traits of one device's line.
pub struct Line {
    pub flow: f64,
    pub temp_offset: f64,
    pub pressure: f64,
    rotation_days: i64,
    product_seed: u64,
}

impl Line {
    pub fn of(seed: u64, d: &Device) -> Line {
        let mut r = Rand::new(seed, "iot.line", d.id as u64);
        Line {
            flow: r.uniform(0.9, 1.1),
            temp_offset: r.uniform(-0.5, 0.8),
            pressure: r.uniform(12.0, 14.0),
            rotation_days: r.range(7, 28),
            product_seed: r.u64(),
        }
    }

    /// The keg on tap on a day: kegs rotate every few weeks.
    pub fn keg(&self, day: i64) -> i64 {
        day.div_euclid(self.rotation_days)
    }

    /// The product of a keg.
    pub fn keg_product(&self, seed: u64, keg: i64) -> usize {
        Rand::new(seed ^ self.product_seed, "iot.keg", keg as u64).weighted(&PRODUCT_WEIGHTS)
    }
}

/// Mean line temperature of a device's pours on a local day (°C): the line's own offset, and
/// warming as the device degrades before maintenance (judged at the day's local noon). Each
/// pour deviates from it by [`temperature_noise`], which sums to zero over the day, so the
/// day's health row can state the mean without replaying the pours.
pub fn day_temperature(line: &Line, p: &mut DevicePours, day: i64) -> f64 {
    let noon =
        crate::world::pours::to_utc(&mut p.zone, day * MICROS_PER_DAY + 12 * MICROS_PER_HOUR);
    2.6 + line.temp_offset + 3.0 * degradation(&p.spells, noon)
}

/// The stream of pour temperatures ([`temperature_draws`]).
pub const TEMPERATURE_STREAM: &str = "iot.temperature";

/// The uniform draws of a day's pour temperatures, one per pour in time order (`key`: the
/// [`TEMPERATURE_STREAM`] of the dataset's seed).
pub fn temperature_draws(key: StreamKey, d: &Device, day: i64, n: usize, out: &mut Vec<f64>) {
    let mut r = key.rand(mix(d.id as u64, day as u64));
    out.clear();
    out.extend((0..n).map(|_| r.f64()));
}

/// Deviations of a day's pours from the day's mean temperature, from uniform draws `u`:
/// differences of neighbouring draws (around the day), within ±0.3 °C and summing to zero.
pub fn temperature_noise(u: &[f64], k: usize) -> f64 {
    0.3 * (u[k] - u[(k + 1) % u.len()])
}

/// 0 → healthy, 1 → at the point of going quiet for maintenance: the line degrades over the
/// [`DEGRADE_DAYS`] before every maintenance spell.
pub fn degradation(spells: &Spells, t: i64) -> f64 {
    degradation_before(spells.next_maintenance(t), t)
}

fn degradation_before(maintenance: Option<i64>, t: i64) -> f64 {
    let Some(m) = maintenance else {
        return 0.0;
    };
    let left = (m - t) as f64 / (DEGRADE_DAYS * MICROS_PER_DAY) as f64;
    (1.0 - left).clamp(0.0, 1.0)
}

/// [`degradation`] for instants in rising order (a day's pours): the next maintenance is looked
/// up again only once an instant passes it.
#[derive(Default)]
pub struct Maintenance {
    next: Option<Option<i64>>,
}

impl Maintenance {
    pub fn degradation(&mut self, spells: &Spells, t: i64) -> f64 {
        let next = match self.next {
            // No maintenance begins in [the instant it was found for, t).
            Some(m) if m.is_none_or(|m| m >= t) => m,
            _ => spells.next_maintenance(t),
        };
        self.next = Some(next);
        degradation_before(next, t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temperature_noise_sums_to_zero_within_its_range() {
        let mut rng = Rand::new(3, "noise", 0);
        for n in [1usize, 2, 3, 17, 400] {
            let u: Vec<f64> = (0..n).map(|_| rng.f64()).collect();
            let e: Vec<f64> = (0..n).map(|k| temperature_noise(&u, k)).collect();
            assert!(e.iter().sum::<f64>().abs() < 1e-9, "{n}");
            assert!(e.iter().all(|x| x.abs() <= 0.3));
        }
    }
}
