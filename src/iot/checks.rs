//! Rules of the IoT tables read back from disk: events inside each device's active span, last
//! pour at last-seen, the evening peak and weekly cycle in local time, health rows that match
//! the events and the device status. Tap events are streamed, never held whole.

use std::collections::{HashMap, HashSet};

use arrow::array::AsArray;
use arrow::datatypes::{Float64Type, Int32Type, Int64Type, TimestampMicrosecondType};

use crate::app::devices::cols as app_devices;
use crate::app::locations::cols as app_locations;
use crate::check::{Check, Dataset};
use crate::error::Result;
use crate::iot::device_health::cols as iot_device_health;
use crate::iot::tap_events::cols as iot_tap_events;
use crate::targets;
use crate::time::{self, MICROS_PER_DAY, MICROS_PER_HOUR};
use crate::world::geo;

/// What validation needs to know of each device.
pub struct DeviceFacts {
    pub index: HashMap<i64, usize>,
    pub location: Vec<i64>,
    pub installed: Vec<i64>,
    pub last_seen: Vec<i64>,
    pub status: Vec<String>,
    /// (standard offset, observes daylight time) of the device's location.
    pub zone: Vec<(i64, bool)>,
}

impl DeviceFacts {
    pub fn read(ds: &Dataset) -> Result<DeviceFacts> {
        let loc_index = ds.index(app_locations::LOCATION_ID)?;
        let tz = ds.texts(app_locations::TIMEZONE)?;
        let location = ds.i64s(app_devices::LOCATION_ID)?;
        let zone = location
            .iter()
            .map(|l| {
                loc_index
                    .get(l)
                    .and_then(|&i| geo::zone(&tz[i]))
                    .unwrap_or((0, false))
            })
            .collect();
        Ok(DeviceFacts {
            index: ds.index(app_devices::DEVICE_ID)?,
            location,
            installed: ds.instants(app_devices::INSTALLED_AT)?,
            last_seen: ds.instants(app_devices::LAST_SEEN_AT)?,
            status: ds.texts(app_devices::STATUS)?,
            zone,
        })
    }

    /// Local time (microseconds) of a UTC instant at device `i`.
    pub fn local(&self, i: usize, utc: i64) -> i64 {
        let (std, dst) = self.zone[i];
        utc + time::us_utc_offset_hours(utc, std, dst) * MICROS_PER_HOUR
    }
}

/// A device reporting this long inside the window has poured: every venue pours on most days.
const REPORTING_DAYS: i64 = 30;

fn window_start(ds: &Dataset) -> i64 {
    ds.end_ts - ds.manifest.dataset.tap_window_days * MICROS_PER_DAY
}

/// Tap events per (device index, local day).
pub type DayCounts = HashMap<(usize, i64), u32>;

/// What one pass over the tap events gives validation: pours per device, pours per (device,
/// local day) on the given days, and the temperatures of each day of the sampled devices.
pub struct EventFacts {
    pub per_device: Vec<u64>,
    pub on_days: DayCounts,
    pub temperatures: DayTemperatures,
}

/// Sum, count, min and max of the pour temperatures of each sampled (device, local day).
type DayTemperatures = HashMap<(usize, i64), (f64, u32, f64, f64)>;

/// Devices whose every pour-day temperature is compared with its health row: every k-th
/// device, at most about 400, so the per-day sums stay small at any size.
fn temperature_sample(n: usize) -> impl Fn(usize) -> bool {
    let step = (n / 400).max(1);
    move |i| i % step == 0
}

/// Streams the tap events once: counts per device, per device and local day on `days`, and
/// temperature sums per local day of the devices `sampled` picks.
pub fn events_per_device(
    ds: &Dataset,
    dev: &DeviceFacts,
    days: &HashSet<i64>,
    sampled: &impl Fn(usize) -> bool,
) -> Result<EventFacts> {
    let mut per_device = vec![0u64; dev.installed.len()];
    let mut on_days: DayCounts = HashMap::new();
    let mut temperatures: DayTemperatures = HashMap::new();
    // Local time only for pours whose UTC day touches one of the days (offsets are under a day).
    let utc_days: HashSet<i64> = days.iter().flat_map(|&d| d - 1..=d + 1).collect();
    ds.scan(
        &[
            iot_tap_events::DEVICE_ID,
            iot_tap_events::POURED_AT,
            iot_tap_events::TEMPERATURE_C,
        ],
        |b| {
            let id = b.column(0).as_primitive::<Int64Type>().values();
            let at = b
                .column(1)
                .as_primitive::<TimestampMicrosecondType>()
                .values();
            let temp = b.column(2).as_primitive::<Float64Type>().values();
            for r in 0..b.num_rows() {
                let Some(&i) = dev.index.get(&id[r]) else {
                    continue;
                };
                per_device[i] += 1;
                if utc_days.contains(&time::day_of(at[r])) {
                    let day = time::day_of(dev.local(i, at[r]));
                    if days.contains(&day) {
                        *on_days.entry((i, day)).or_default() += 1;
                    }
                }
                if sampled(i) {
                    let day = time::day_of(dev.local(i, at[r]));
                    let e = temperatures.entry((i, day)).or_insert((
                        0.0,
                        0,
                        f64::INFINITY,
                        f64::NEG_INFINITY,
                    ));
                    e.0 += temp[r];
                    e.1 += 1;
                    e.2 = e.2.min(temp[r]);
                    e.3 = e.3.max(temp[r]);
                }
            }
            Ok(())
        },
    )?;
    Ok(EventFacts {
        per_device,
        on_days,
        temperatures,
    })
}

/// Health days whose average temperature is not the mean of the day's pours (to the two
/// roundings to 0.01 °C), lies outside their range, or is stated for a day without pours.
fn temperature_mismatches(days: &DayTemperatures, health: &[(usize, i64, Option<f64>)]) -> usize {
    health
        .iter()
        .filter(|(i, day, avg)| match (days.get(&(*i, *day)), avg) {
            (None, None) => false,
            (Some(&(sum, n, lo, hi)), Some(avg)) => {
                (avg - sum / f64::from(n)).abs() > 0.0101 || *avg < lo - 1e-9 || *avg > hi + 1e-9
            }
            _ => true,
        })
        .count()
}

/// Local days around the US daylight-time switches inside the tap window (the switch day and
/// its neighbours): where a pour is most easily counted on the wrong day.
fn switch_days(ds: &Dataset) -> HashSet<i64> {
    let offset =
        |d: i64| time::us_utc_offset_hours(d * MICROS_PER_DAY + 12 * MICROS_PER_HOUR, -5, true);
    let (first, last) = (time::day_of(window_start(ds)), time::day_of(ds.end_ts) - 1);
    (first + 1..=last)
        .filter(|&d| offset(d) != offset(d - 1))
        .flat_map(|d| [d - 1, d, d + 1])
        .filter(|d| (first..=last).contains(d))
        .collect()
}

/// Each draft peak day with two full weeks either side inside `d0..=d1`, and its pours over the
/// mean of the same weekday one and two weeks before and after.
fn draft_peaks(by_day: &HashMap<i64, u64>, d0: i64, d1: i64) -> Vec<(&'static str, f64)> {
    let pours = |d: i64| by_day.get(&d).copied().unwrap_or(0) as f64;
    let (y0, y1) = (time::civil_from_days(d0).0, time::civil_from_days(d1).0);
    (y0..=y1)
        .flat_map(targets::draft_peak_days)
        .filter(|&(_, d)| d - 14 >= d0 && d + 14 <= d1)
        .map(|(name, d)| {
            let around = [-14, -7, 7, 14].map(|k| pours(d + k)).iter().sum::<f64>() / 4.0;
            (name, pours(d) / around.max(1.0))
        })
        .collect()
}

pub fn tap_event_checks(ds: &Dataset) -> Result<Vec<Check>> {
    let t = iot_tap_events::TABLE;
    let dev = DeviceFacts::read(ds)?;
    let n = dev.installed.len();
    let w0 = window_start(ds);
    let mut first = vec![i64::MAX; n];
    let (mut outside, mut after_seen, mut wrong_location) = (0, 0, 0);
    let (mut bad_duration, mut bad_temp) = (0, 0);
    let mut by_hour = [0u64; 24];
    let mut by_day: HashMap<i64, u64> = HashMap::new();
    let cols = [
        iot_tap_events::DEVICE_ID,
        iot_tap_events::LOCATION_ID,
        iot_tap_events::POURED_AT,
        iot_tap_events::VOLUME_ML,
        iot_tap_events::DURATION_MS,
        iot_tap_events::FLOW_RATE_ML_S,
        iot_tap_events::TEMPERATURE_C,
        iot_tap_events::PRODUCT_TYPE,
    ];
    // Pours and volume by product; pours away from every serving size.
    let mut by_product: HashMap<String, (u64, f64)> = HashMap::new();
    let mut odd_volume = 0usize;
    ds.scan(&cols, |b| {
        let device = b.column(0).as_primitive::<Int64Type>().values();
        let location = b.column(1).as_primitive::<Int64Type>().values();
        let at = b
            .column(2)
            .as_primitive::<TimestampMicrosecondType>()
            .values();
        let volume = b.column(3).as_primitive::<Float64Type>().values();
        let duration = b.column(4).as_primitive::<Int32Type>().values();
        let flow = b.column(5).as_primitive::<Float64Type>().values();
        let temp = b.column(6).as_primitive::<Float64Type>().values();
        let product = b.column(7).as_string::<i32>();
        for r in 0..b.num_rows() {
            match by_product.get_mut(product.value(r)) {
                Some(e) => {
                    e.0 += 1;
                    e.1 += volume[r];
                }
                None => {
                    by_product.insert(product.value(r).to_string(), (1, volume[r]));
                }
            }
            odd_volume += usize::from(
                !targets::SERVING_ML
                    .iter()
                    .any(|&ml| (volume[r] / ml - 1.0).abs() <= targets::SERVING_TOLERANCE),
            );
            let Some(&i) = dev.index.get(&device[r]) else {
                continue;
            };
            let ts = at[r];
            first[i] = first[i].min(ts);
            outside += usize::from(ts < dev.installed[i].max(w0));
            after_seen += usize::from(ts > dev.last_seen[i]);
            wrong_location += usize::from(location[r] != dev.location[i]);
            let expect = volume[r] / flow[r] * 1000.0;
            bad_duration += usize::from((f64::from(duration[r]) - expect).abs() > 1.0);
            bad_temp += usize::from(!(0.0..=8.0).contains(&temp[r]));
            let local = dev.local(i, ts);
            by_hour[((local.rem_euclid(MICROS_PER_DAY)) / MICROS_PER_HOUR) as usize] += 1;
            *by_day.entry(time::day_of(local)).or_default() += 1;
        }
        Ok(())
    })?;
    let silent = (0..n)
        .filter(|&i| {
            dev.last_seen[i] - dev.installed[i].max(w0) >= REPORTING_DAYS * MICROS_PER_DAY
                && first[i] == i64::MAX
        })
        .count();
    let mut hours: Vec<usize> = (0..24).collect();
    hours.sort_by_key(|&h| std::cmp::Reverse(by_hour[h]));
    let top: Vec<usize> = hours[..4].to_vec();
    // Weekly cycle over full local days of the window (the first and last are partial).
    let (d0, d1) = (time::day_of(w0) + 1, time::day_of(ds.end_ts) - 2);
    let mut per_weekday = [(0u64, 0u64); 7];
    for d in d0..=d1 {
        let e = &mut per_weekday[time::weekday(d) as usize];
        e.0 += by_day.get(&d).copied().unwrap_or(0);
        e.1 += 1;
    }
    let avg = |days: &[usize]| {
        let (ev, n) = days.iter().fold((0, 0), |a, &d| {
            (a.0 + per_weekday[d].0, a.1 + per_weekday[d].1)
        });
        ev as f64 / n.max(1) as f64
    };
    let weekend_lift = avg(&[4, 5, 6]) / avg(&[0, 1, 2, 3]).max(1e-9);
    let peaks = draft_peaks(&by_day, d0, d1);
    let weakest = peaks.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let total: u64 = by_hour.iter().sum();
    // Product mix: every style poured, the mainstream lager most, none above the cap; strong
    // and specialty styles (stout, sour, cider) poured in smaller measures than lager.
    let share = |p: &str| {
        by_product
            .get(p)
            .map_or(0.0, |e| e.0 as f64 / total.max(1) as f64)
    };
    let mean_ml = |p: &str| by_product.get(p).map_or(0.0, |e| e.1 / e.0.max(1) as f64);
    let styles = by_product.len();
    let top_style = by_product
        .iter()
        .max_by_key(|(_, e)| e.0)
        .map_or("", |(p, _)| p.as_str());
    let max_share = by_product.keys().map(|p| share(p)).fold(0.0, f64::max);
    let lager = mean_ml("lager");
    let smaller: Vec<&str> = ["stout", "sour", "cider"]
        .into_iter()
        .filter(|p| mean_ml(p) >= lager)
        .collect();
    Ok(vec![
        Check::new(
            t,
            "product mix: all 8 styles, lager most poured, none above 40 %",
            "8 styles; top = lager; max share ≤ 40 %",
            format!(
                "{styles} styles; top = {top_style}; max share {:.1} %",
                max_share * 100.0
            ),
            styles == 8 && top_style == "lager" && max_share <= 0.40,
        )
        .unless_too_few(total >= 10_000, format!("{total} pours")),
        Check::new(
            t,
            "volume by product: stout, sour and cider poured smaller than lager",
            "mean ml below lager's",
            format!(
                "lager {lager:.0}, stout {:.0}, sour {:.0}, cider {:.0} ml",
                mean_ml("stout"),
                mean_ml("sour"),
                mean_ml("cider")
            ),
            smaller.is_empty(),
        )
        .unless_too_few(total >= 10_000, format!("{total} pours")),
        Check::zero(
            t,
            "volumes are serving sizes (5, 10, 12, 16, 20 oz, 64 oz pitcher) within 10 %",
            odd_volume,
        ),
        Check::zero(
            t,
            "pours after the device's install, inside the window",
            outside,
        ),
        Check::zero(
            t,
            "every device reporting for 30 days or more inside the window has pours",
            silent,
        ),
        Check::zero(
            t,
            "no pour after its device's last contact (last_seen_at)",
            after_seen,
        ),
        Check::zero(t, "location_id is the device's location", wrong_location),
        Check::zero(t, "duration = volume / flow rate", bad_duration),
        Check::zero(t, "line temperature within 0–8 °C", bad_temp),
        Check::new(
            t,
            "busiest 4 local hours inside 18:00–22:00",
            "hours ⊂ {18,19,20,21,22}",
            format!("{top:?}"),
            top.iter().all(|h| (18..=22).contains(h)),
        )
        .unless_too_few(total >= 50_000, format!("{total} pours")),
        Check::new(
            t,
            "draft peaks on St Patrick's Day, Super Bowl Sunday, Cinco de Mayo and July 4",
            format!(
                "each ≥ {:.1}× the same weekday ±1–2 weeks",
                targets::DRAFT_PEAK_LIFT
            ),
            peaks
                .iter()
                .map(|(name, lift)| format!("{name} {lift:.2}×"))
                .collect::<Vec<_>>()
                .join(", "),
            weakest >= targets::DRAFT_PEAK_LIFT,
        )
        .unless_too_few(
            total >= 50_000 && !peaks.is_empty(),
            format!("{total} pours, {} peak days inside the window", peaks.len()),
        ),
        Check::new(
            t,
            "Friday–Sunday busier than Monday–Thursday",
            "lift 1.25–1.65",
            format!("{weekend_lift:.2}"),
            (1.25..=1.65).contains(&weekend_lift),
        )
        .unless_too_few(total >= 50_000, format!("{total} pours")),
    ])
}

pub fn device_health_checks(ds: &Dataset) -> Result<Vec<Check>> {
    let t = iot_device_health::TABLE;
    let dev = DeviceFacts::read(ds)?;
    let n = dev.installed.len();
    let as_of = time::day_of(ds.end_ts) - 1;
    let mut rows = vec![0i64; n];
    let mut pours = vec![0u64; n];
    let around_switch = switch_days(ds);
    let mut health_on_days: Vec<(usize, i64, i32)> = Vec::new();
    let sampled = temperature_sample(n);
    let mut health_temps: Vec<(usize, i64, Option<f64>)> = Vec::new();
    let (mut up_after_quiet, mut down_with_pours, mut status_mismatch) = (0, 0, 0);
    let (mut degraded_errors, mut degraded_days, mut errors, mut days) = (0f64, 0f64, 0f64, 0f64);
    let cols = [
        iot_device_health::DEVICE_ID,
        iot_device_health::HEALTH_DATE,
        iot_device_health::POUR_COUNT,
        iot_device_health::UPTIME_PCT,
        iot_device_health::ERROR_COUNT,
        iot_device_health::DAY_STATUS,
        iot_device_health::AVG_TEMPERATURE_C,
    ];
    ds.scan(&cols, |b| {
        let device = b.column(0).as_primitive::<Int64Type>().values();
        let date = b
            .column(1)
            .as_primitive::<arrow::datatypes::Date32Type>()
            .values();
        let count = b.column(2).as_primitive::<Int32Type>().values();
        let uptime = b.column(3).as_primitive::<Float64Type>().values();
        let err = b.column(4).as_primitive::<Int32Type>().values();
        let status = b.column(5).as_string::<i32>();
        let temp = b.column(6).as_primitive::<Float64Type>();
        for r in 0..b.num_rows() {
            let Some(&i) = dev.index.get(&device[r]) else {
                continue;
            };
            if sampled(i) {
                let avg = arrow::array::Array::is_valid(temp, r).then(|| temp.value(r));
                health_temps.push((i, i64::from(date[r]), avg));
            }
            rows[i] += 1;
            pours[i] += count[r] as u64;
            let day = i64::from(date[r]);
            if around_switch.contains(&day) {
                health_on_days.push((i, day, count[r]));
            }
            let quiet_day = time::day_of(dev.local(i, dev.last_seen[i]));
            up_after_quiet += usize::from(day > quiet_day && uptime[r] > 0.0);
            down_with_pours += usize::from(count[r] > 0 && uptime[r] <= 0.0);
            if day == as_of {
                let want = match dev.status[i].as_str() {
                    "online" => ["online", "degraded"],
                    "maintenance" => ["maintenance", "degraded"],
                    _ => ["offline", "offline"],
                };
                // A device that went quiet during the day was up for part of it: any status.
                let quiet_ok = dev.status[i] == "online" || day > quiet_day;
                status_mismatch += usize::from(!want.contains(&status.value(r)) && quiet_ok);
            }
            errors += f64::from(err[r]);
            days += 1.0;
            if dev.status[i] == "maintenance" && day <= quiet_day && day > quiet_day - 5 {
                degraded_errors += f64::from(err[r]);
                degraded_days += 1.0;
            }
        }
        Ok(())
    })?;
    // The window's local days: the first begins after its UTC start in every US zone.
    let first_day = as_of - ds.manifest.dataset.tap_window_days + 1;
    let expected_rows =
        |i: usize| as_of - time::day_of(dev.local(i, dev.installed[i])).max(first_day) + 1;
    let bad_rows = (0..n).filter(|&i| rows[i] != expected_rows(i)).count();
    let events = if ds.has(iot_tap_events::TABLE) {
        Some(events_per_device(ds, &dev, &around_switch, &sampled)?)
    } else {
        None
    };
    let mut checks = vec![
        Check::zero(
            t,
            "one row per device per day installed inside the window",
            bad_rows,
        ),
        Check::zero(t, "no uptime after the device went quiet", up_after_quiet),
        Check::zero(t, "days with pours have uptime", down_with_pours),
        Check::zero(
            t,
            "status on the as-of day agrees with app_devices.status",
            status_mismatch,
        ),
    ];
    if let Some(events) = events {
        checks.push(
            Check::zero(
                t,
                "avg_temperature_c is the mean of the day's pours",
                temperature_mismatches(&events.temperatures, &health_temps),
            )
            .unless_too_few(!health_temps.is_empty(), "no device-days"),
        );
        let off = (0..n).filter(|&i| events.per_device[i] != pours[i]).count();
        checks.push(Check::zero(
            t,
            "pour_count per device equals its tap events",
            off,
        ));
        let wrong_day = health_on_days
            .iter()
            .filter(|(i, day, c)| {
                events.on_days.get(&(*i, *day)).copied().unwrap_or(0) != *c as u32
            })
            .count();
        checks.push(
            Check::zero(
                t,
                "pour_count per local day equals its tap events around daylight-time switches",
                wrong_day,
            )
            .unless_too_few(!around_switch.is_empty(), "no switch day in the window"),
        );
    }
    let lift = (degraded_errors / degraded_days.max(1.0)) / (errors / days.max(1.0)).max(1e-9);
    checks.push(
        Check::new(
            t,
            "errors rise before maintenance",
            "≥ 3× the average error rate",
            format!("{lift:.1}×"),
            lift >= 3.0,
        )
        .unless_too_few(
            degraded_days >= 20.0,
            format!("{degraded_days} degraded device-days"),
        ),
    );
    Ok(checks)
}
