//! The tap plan: pours per device and per local day, device lines (flow, temperature, kegs) and
//! degradation before maintenance. Tap events and device health both read it, so health pour
//! counts equal the events exactly and every device's last pour is its `last_seen_at`.

use rayon::prelude::*;

use crate::allocate::{self, apportion};
use crate::rng::Rand;
use crate::time::{self, MICROS_PER_DAY, MICROS_PER_HOUR};
use crate::world::{Device, World, geo::CITIES};

/// Target tap events per shard (one device range × one date range).
pub const EVENTS_PER_SHARD: u64 = 1_000_000;
/// The tap window is cut into this many date ranges.
pub const DATE_RANGES: usize = 4;

/// Relative pour volume by weekday, Monday first: Friday–Sunday ≈ 40 % above the other days.
pub const WEEKDAY_FACTOR: [f64; 7] = [0.85, 0.85, 0.9, 1.0, 1.35, 1.45, 1.0];
/// By month, January first: July ≈ 40 % above January, a December spike.
pub const MONTH_FACTOR: [f64; 12] = [
    0.80, 0.85, 0.95, 1.0, 1.05, 1.1, 1.12, 1.08, 1.0, 1.0, 0.95, 1.1,
];
/// Pours by local hour: lunch, happy hour, and the 18:00–22:00 peak.
pub const HOUR_WEIGHT: [f64; 24] = [
    0.5, 0.3, 0.1, 0.02, 0.01, 0.01, 0.02, 0.05, 0.1, 0.15, 0.3, 0.8, 1.5, 1.3, 0.9, 0.9, 1.5, 2.5,
    3.6, 4.0, 4.0, 3.6, 2.6, 1.2,
];

/// Draft-beer holidays: (month, day, factor). St Patrick's Day roughly doubles draft velocity.
const HOLIDAYS: [(u32, u32, f64); 5] = [
    (3, 17, 2.0),
    (5, 5, 1.4),
    (7, 4, 1.6),
    (12, 31, 1.8),
    (11, 26, 1.3),
];

/// Days the demand table covers (1990-01-01 to 2100-01-01); others are computed.
const FACTOR_DAYS: std::ops::Range<i64> = 7_305..47_482;
/// Super Bowl Sunday: bars fill for the game (a moving date, see [`time::super_bowl_sunday`]).
const SUPER_BOWL: f64 = 1.5;

/// Demand of a local calendar day, before per-device noise (read once per device and day, so
/// taken from a table built once).
pub fn day_factor(day: i64) -> f64 {
    static TABLE: std::sync::OnceLock<Vec<f64>> = std::sync::OnceLock::new();
    if !FACTOR_DAYS.contains(&day) {
        return day_factor_by_calendar(day);
    }
    let table = TABLE.get_or_init(|| FACTOR_DAYS.map(day_factor_by_calendar).collect());
    table[(day - FACTOR_DAYS.start) as usize]
}

fn day_factor_by_calendar(day: i64) -> f64 {
    let (y, m, d) = time::civil_from_days(day);
    let holiday = HOLIDAYS
        .iter()
        .find(|h| h.0 == m && h.1 == d)
        .map_or(1.0, |h| h.2);
    let holiday = if m == 2 && day == time::super_bowl_sunday(y) {
        SUPER_BOWL
    } else {
        holiday
    };
    WEEKDAY_FACTOR[time::weekday(day) as usize] * MONTH_FACTOR[m as usize - 1] * holiday
}

/// UTC offset (hours) of a device's location at a UTC instant.
pub fn utc_offset(world: &World, d: &Device, utc: i64) -> i64 {
    zone(world, d).offset_hours(utc)
}

/// The time zone of a device's location, for many lookups in time order.
pub fn zone(world: &World, d: &Device) -> time::UsZone {
    let city = &CITIES[world.locations[d.location as usize].city as usize];
    time::UsZone::new(city.utc_offset, city.dst())
}

/// A device's activity inside the window: local days and UTC bounds.
#[derive(Clone, Copy, Debug)]
pub struct Activity {
    /// First and last local day with pours (inclusive).
    pub first_day: i64,
    pub last_day: i64,
    /// UTC bounds of the pours: install (or window start) and last seen.
    pub from: i64,
    pub until: i64,
}

pub fn activity(world: &World, d: &Device) -> Option<Activity> {
    let cfg = &world.cfg;
    let window_start = cfg.end_ts() - cfg.tap_window_days * MICROS_PER_DAY;
    let from = d.installed_at.max(window_start);
    let until = d.last_seen_at;
    if until <= from {
        return None;
    }
    let local_day = |t: i64| time::day_of(t + utc_offset(world, d, t) * MICROS_PER_HOUR);
    Some(Activity {
        first_day: local_day(from),
        last_day: local_day(until),
        from,
        until,
    })
}

/// Local days of a device's health rows: from install (or the window start) to the as-of day.
pub fn health_days(world: &World, d: &Device) -> std::ops::RangeInclusive<i64> {
    let window_start = world.cfg.end_ts() - world.cfg.tap_window_days * MICROS_PER_DAY;
    let from = d.installed_at.max(window_start);
    let first = time::day_of(from + utc_offset(world, d, from) * MICROS_PER_HOUR);
    first..=world.cfg.as_of
}

/// Per-device pour intensity (busy venues pour more) and noisy day weights.
fn day_weights(world: &World, d: &Device, a: &Activity) -> Vec<f64> {
    let mut rng = Rand::new(world.cfg.seed, "iot.days", d.id as u64);
    (a.first_day..=a.last_day)
        .map(|day| day_factor(day) * (0.75 + 0.5 * rng.f64()))
        .collect()
}

/// Pours per local day of one device, in the order of its active days.
pub fn daily_counts(world: &World, device: usize, total: u64) -> (Option<Activity>, Vec<u32>) {
    let d = &world.devices[device];
    let Some(a) = activity(world, d) else {
        return (None, Vec::new());
    };
    let mut counts = apportion(total, &day_weights(world, d, &a));
    // The last day always holds the final pour, stamped at last_seen.
    if total > 0 && counts.last() == Some(&0) {
        let donor = counts.iter().rposition(|&c| c > 0).expect("total > 0");
        counts[donor] -= 1;
        *counts.last_mut().expect("a day") += 1;
    }
    (Some(a), counts)
}

/// The plan every IoT table reads: pours per device, id offsets and shard boundaries.
pub struct TapPlan {
    pub per_device: Vec<u64>,
    /// First event id of each device minus one (prefix sums of `per_device`).
    pub offsets: Vec<u64>,
    /// Device index ranges; each range is cut into `DATE_RANGES` shards.
    pub groups: Vec<std::ops::Range<usize>>,
    /// Local-day boundaries of the date ranges: range r covers [bounds[r], bounds[r + 1]).
    pub day_bounds: [i64; DATE_RANGES + 1],
    /// Device-health rows of each device group, and the rows before it.
    pub health_rows: Vec<u64>,
    pub health_offsets: Vec<u64>,
}

impl TapPlan {
    pub fn build(world: &World) -> TapPlan {
        let total = world.counts.get("iot_tap_events");
        let mut rng = Rand::new(world.cfg.seed, "iot.plan", 0);
        // Weight: expected demand over the active days times a per-venue intensity.
        let acts: Vec<Option<Activity>> =
            world.devices.iter().map(|d| activity(world, d)).collect();
        let weights: Vec<f64> = acts
            .iter()
            .map(|a| {
                let intensity = rng.lognormal(1.0, 0.5);
                a.map_or(0.0, |a| {
                    let span = (a.until - a.from) as f64 / MICROS_PER_DAY as f64;
                    span.max(0.05) * intensity
                })
            })
            .collect();
        // Every active device pours at least once (its last pour is its last_seen).
        let active = acts.iter().filter(|a| a.is_some()).count() as u64;
        let spare = total.saturating_sub(active);
        let mut per_device: Vec<u64> = apportion(spare, &weights)
            .into_iter()
            .map(u64::from)
            .collect();
        for (c, a) in per_device.iter_mut().zip(&acts) {
            if a.is_some() {
                *c += 1;
            }
        }
        let offsets = allocate::offsets(per_device.iter().copied());
        let mut groups = Vec::new();
        let (mut start, mut rows) = (0, 0);
        let per_group = EVENTS_PER_SHARD * DATE_RANGES as u64;
        for (i, c) in per_device.iter().enumerate() {
            rows += c;
            if rows >= per_group {
                groups.push(start..i + 1);
                (start, rows) = (i + 1, 0);
            }
        }
        if start < per_device.len() || groups.is_empty() {
            groups.push(start..per_device.len());
        }
        let last = world.cfg.as_of + 1;
        let first = last - world.cfg.tap_window_days - 1;
        let mut day_bounds = [0; DATE_RANGES + 1];
        for (r, b) in day_bounds.iter_mut().enumerate() {
            *b = first + (last + 1 - first) * r as i64 / DATE_RANGES as i64;
        }
        day_bounds[0] = i64::MIN;
        day_bounds[DATE_RANGES] = i64::MAX;
        let health_rows: Vec<u64> = groups
            .par_iter()
            .map(|g| {
                g.clone()
                    .map(|i| {
                        let days = health_days(world, &world.devices[i]);
                        (days.end() - days.start() + 1).max(0) as u64
                    })
                    .sum()
            })
            .collect();
        let health_offsets = allocate::offsets(health_rows.iter().copied());
        TapPlan {
            per_device,
            offsets,
            groups,
            day_bounds,
            health_rows,
            health_offsets,
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
/// Days before going quiet over which a device heading for maintenance degrades.
pub const DEGRADE_DAYS: i64 = 10;

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
pub fn day_temperature(line: &Line, d: &Device, zone: &mut time::UsZone, day: i64) -> f64 {
    let noon = day * MICROS_PER_DAY + 12 * MICROS_PER_HOUR;
    let noon_utc = noon - zone.offset_hours(noon) * MICROS_PER_HOUR;
    2.6 + line.temp_offset + 3.0 * degradation(d, noon_utc)
}

/// Deviations of a day's pours from the day's mean temperature, from uniform draws `u`:
/// differences of neighbouring draws (around the day), within ±0.3 °C and summing to zero.
pub fn temperature_noise(u: &[f64], k: usize) -> f64 {
    0.3 * (u[k] - u[(k + 1) % u.len()])
}

/// 0 → healthy, 1 → at the point of going quiet for maintenance.
pub fn degradation(d: &Device, t: i64) -> f64 {
    if d.status != 2 {
        return 0.0;
    }
    let left = (d.last_seen_at - t) as f64 / (DEGRADE_DAYS * MICROS_PER_DAY) as f64;
    (1.0 - left).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn day_factor_table_agrees_with_the_calendar() {
        for day in (FACTOR_DAYS.start - 400..FACTOR_DAYS.end + 400).step_by(7) {
            assert_eq!(day_factor(day), day_factor_by_calendar(day), "{day}");
        }
        for day in 20_000..20_800 {
            assert_eq!(day_factor(day), day_factor_by_calendar(day), "{day}");
        }
    }

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

    #[test]
    fn weekends_and_july_are_busier() {
        let fri = time::days_from_civil(2025, 7, 11);
        let tue = time::days_from_civil(2025, 7, 8);
        assert!(day_factor(fri) > 1.3 * day_factor(tue));
        let jan = time::days_from_civil(2025, 1, 14);
        assert!(day_factor(tue) > 1.3 * day_factor(jan));
        assert!(day_factor(time::days_from_civil(2025, 3, 17)) > 1.5 * day_factor(tue));
    }
}
