//! Pours: every tap device's reporting spells and pours as one history.
//!
//! From install on, a device's up spells (exponential, mean [`UP_MEAN_DAYS`]) alternate with
//! outages and maintenance, drawn from its own stream; it goes quiet for good up to a day before
//! its account churns. Pours happen on local days, only while the device is up: a day's count
//! is `floor(scale · w + v)` for the day's weight `w` (venue intensity, the calendar's demand,
//! a daily wobble and the share of the day's pouring hours the device was up) and a uniform
//! `v` of its own. Each pour is a candidate time drawn from the day's stream, kept when the
//! device is up then; the day's pours are ranked by time. The scale is fitted once, at the
//! anchor, so that the anchor's window holds exactly the profile's tap events.
//!
//! A cut shows the pours of its window's local days reported by its end: those at or before
//! each device's last contact. Ids come from the pour's place in the history (device, local
//! day, rank), so a pour keeps its id in every cut.

use rayon::prelude::*;

use super::{Device, World};
use crate::allocate::order_statistic;
use crate::rng::{Rand, StreamKey, mix, stable_hash, unit};
use crate::time::{self, MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MIN, MICROS_PER_SEC};

/// Mean days a live device reports between down spells, and the share of down spells that are
/// outages (the rest maintenance), sized so that the status shares of `DEVICE_STATUS_SHARES`
/// hold at any instant: outages last 1–15 days (mean 8), maintenance 1–72 hours (mean 36.5 h).
const UP_MEAN_DAYS: f64 = 18.5;
const OUTAGE_SHARE: f64 = 3.0 / 11.0;
/// Days before a maintenance spell over which a device degrades.
pub const DEGRADE_DAYS: i64 = 10;
/// Most pours one device records on one local day (the rank's bits in a pour id).
pub const MAX_DAY_POURS: u32 = (1 << RANK_BITS) - 1;
const RANK_BITS: u32 = 12;
const DAY_BITS: u32 = 17;

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
/// Super Bowl Sunday: bars fill for the game (a moving date, see [`time::super_bowl_sunday`]).
const SUPER_BOWL: f64 = 1.5;
/// Days the demand table covers (1990-01-01 to 2100-01-01); others are computed.
const FACTOR_DAYS: std::ops::Range<i64> = 7_305..47_482;

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

/// Share of a day's pours in each local hour.
static HOUR_SHARE: std::sync::LazyLock<[f64; 24]> = std::sync::LazyLock::new(|| {
    let total: f64 = HOUR_WEIGHT.iter().sum();
    HOUR_WEIGHT.map(|w| w / total)
});

/// Cumulative distribution of the local hour of a pour.
static HOUR_CDF: std::sync::LazyLock<[f64; 24]> = std::sync::LazyLock::new(|| {
    let mut acc = 0.0;
    let mut cdf = [0.0; 24];
    for (c, s) in cdf.iter_mut().zip(*HOUR_SHARE) {
        acc += s;
        *c = acc;
    }
    cdf[23] = 1.0;
    cdf
});

/// Buckets of [0, 1) for the hour draw: a draw in bucket b cannot fall in an hour before
/// `HOUR_START[b]`, so the search starts there (same hour as a search from midnight).
const HOUR_BUCKETS: usize = 256;
static HOUR_START: std::sync::LazyLock<[u8; HOUR_BUCKETS]> = std::sync::LazyLock::new(|| {
    let mut start = [0; HOUR_BUCKETS];
    for (b, s) in start.iter_mut().enumerate() {
        let low = b as f64 / HOUR_BUCKETS as f64;
        *s = HOUR_CDF.partition_point(|&c| c <= low) as u8;
    }
    start
});

/// The local hour of a uniform draw `u` in [0, 1): the first hour whose cumulative share exceeds it.
#[inline]
pub fn hour_of(u: f64) -> i64 {
    let cdf = &*HOUR_CDF;
    let from = HOUR_START[(u * HOUR_BUCKETS as f64) as usize] as usize;
    cdf[from..]
        .iter()
        .position(|&c| u < c)
        .map_or(23, |h| (from + h) as i64)
}

/// The fitted pour process: pours per unit of day weight.
#[derive(Clone, Copy, Debug, Default)]
pub struct PourFit {
    pub scale: f64,
}

/// One down spell, `[from, until)`: an outage (1) or maintenance (2).
#[derive(Clone, Copy, Debug)]
pub struct Down {
    pub from: i64,
    pub until: i64,
    pub kind: u8,
}

/// A device's reporting history up to an instant: install, its down spells, and when it went
/// quiet for good (`i64::MAX`: not by then).
#[derive(Clone, Debug)]
pub struct Spells {
    pub installed: i64,
    pub quiet: i64,
    pub downs: Vec<Down>,
}

impl Spells {
    /// The spells of device `d` of `world` up to `until`: the same for any `until` on the part
    /// before it.
    pub fn of(world: &World, d: &Device, until: i64) -> Spells {
        let seed = world.cfg.seed;
        let quiet = world.accounts[d.account as usize].churns_at.map(|c| {
            let mut r = Rand::new(seed, "world.quiet", d.id as u64);
            c - r.range(0, MICROS_PER_DAY)
        });
        let mut r = Rand::new(seed, "world.spells", d.id as u64);
        let mut downs = Vec::new();
        let mut t = d.installed_at;
        let stop = until.min(quiet.unwrap_or(i64::MAX));
        loop {
            let down = t + (r.exp(UP_MEAN_DAYS) * MICROS_PER_DAY as f64) as i64;
            if down >= stop {
                break;
            }
            let (kind, length) = if r.chance(OUTAGE_SHARE) {
                (1, r.range(MICROS_PER_DAY, 15 * MICROS_PER_DAY))
            } else {
                (2, r.range(MICROS_PER_HOUR, 72 * MICROS_PER_HOUR))
            };
            downs.push(Down {
                from: down,
                until: down + length,
                kind,
            });
            t = down + length;
        }
        Spells {
            installed: d.installed_at,
            quiet: quiet.unwrap_or(i64::MAX),
            downs,
        }
    }

    /// The down spell holding instant `t` (begun before it, not yet over).
    pub fn down_at(&self, t: i64) -> Option<&Down> {
        let i = self.downs.partition_point(|x| x.from < t);
        (i > 0 && self.downs[i - 1].until > t).then(|| &self.downs[i - 1])
    }

    /// Whether the device was up (installed, not quiet, not in a down spell) at `t`.
    #[inline]
    pub fn up(&self, t: i64) -> bool {
        t >= self.installed && t < self.quiet && self.down_at(t).is_none()
    }

    /// Up time inside `[a, b)`.
    pub fn up_within(&self, a: i64, b: i64) -> i64 {
        let mut from = usize::MAX;
        self.up_within_from(a, b, &mut from)
    }

    /// [`Spells::up_within`] for spans visited in rising order: `from` remembers the first
    /// down spell not over by the last span's start, so the next one steps on from there (a
    /// span before it searches afresh).
    pub fn up_within_from(&self, a: i64, b: i64, from: &mut usize) -> i64 {
        let (a, b) = (a.max(self.installed), b.min(self.quiet));
        if b <= a {
            return 0;
        }
        let mut i = *from;
        if i > self.downs.len() || (i > 0 && self.downs[i - 1].until > a) {
            i = self.downs.partition_point(|x| x.until <= a);
        }
        while i < self.downs.len() && self.downs[i].until <= a {
            i += 1;
        }
        *from = i;
        let down: i64 = self.downs[i..]
            .iter()
            .take_while(|x| x.from < b)
            .map(|x| x.until.min(b) - x.from.max(a))
            .sum();
        b - a - down
    }

    /// The next maintenance spell beginning at or after `t`.
    pub fn next_maintenance(&self, t: i64) -> Option<i64> {
        let i = self.downs.partition_point(|x| x.from < t);
        self.downs[i..].iter().find(|x| x.kind == 2).map(|x| x.from)
    }

    /// Status (0 online, 1 offline, 2 maintenance) and last contact at `end`: offline since
    /// going quiet; in a down spell since it began; otherwise heard from minutes ago.
    pub fn contact(&self, seed: u64, id: i64, end: i64) -> (u8, i64) {
        if self.quiet < end {
            let q = self.quiet;
            return (1, self.down_at(q).map_or(q, |x| x.from));
        }
        if let Some(x) = self.down_at(end) {
            return (x.kind, x.from);
        }
        let h = stable_hash(
            seed,
            "world.heard",
            (id as u64) << 24 | (end / MICROS_PER_DAY) as u64,
        );
        (0, end - 1 - (h % (10 * MICROS_PER_MIN) as u64) as i64)
    }
}

impl Spells {
    /// Status and last contact as a cut at `end` shows them: [`Spells::contact`], never before
    /// the install's first minute nor at the end itself, and online when heard from in the last
    /// hour (one installed minutes ago, or one whose outage began minutes ago).
    pub fn seen_at(&self, seed: u64, id: i64, end: i64) -> (u8, i64) {
        let (status, seen) = self.contact(seed, id, end);
        let last = seen.max(self.installed + MICROS_PER_MIN).min(end - 1);
        let status = if end - last <= MICROS_PER_HOUR {
            0
        } else {
            status
        };
        (status, last)
    }
}

/// A device's pours on its local days: what every day of it reads.
pub struct DevicePours {
    pub spells: Spells,
    pub zone: time::UsZone,
    id: i64,
    key: u64,
    /// The stream of the candidate pour times, per day.
    pour_key: StreamKey,
    /// Where the last up-time lookup left off in the down spells.
    cursor: usize,
    /// The last day found up from end to end, with its UTC bounds: its candidates need no
    /// look-up in the down spells.
    up_day: (i64, i64, i64),
    intensity: f64,
}

/// The local day of a UTC instant in a zone.
pub fn local_day(zone: &mut time::UsZone, utc: i64) -> i64 {
    time::day_of(utc + zone.offset_hours(utc) * MICROS_PER_HOUR)
}

/// The UTC instant of a local time, taking the offset in force then (a daylight-time switch
/// moves it at 02:00 local).
pub fn to_utc(zone: &mut time::UsZone, local: i64) -> i64 {
    let approx = local - zone.standard() * MICROS_PER_HOUR;
    local - zone.offset_hours(approx) * MICROS_PER_HOUR
}

impl DevicePours {
    /// The pours of device `d` of `world`, spells drawn to `until`.
    pub fn of(world: &World, d: &Device, until: i64) -> DevicePours {
        let seed = world.cfg.seed;
        let city = &super::geo::CITIES[world.locations[d.location as usize].city as usize];
        let mut r = Rand::new(seed, "iot.intensity", d.id as u64);
        DevicePours {
            // Maintenance is planned when a line starts to degrade: the spells that begin in
            // the days after `until` already show in the pours before it.
            spells: Spells::of(world, d, until + DEGRADE_DAYS * MICROS_PER_DAY),
            zone: time::UsZone::new(city.utc_offset, city.dst()),
            id: d.id,
            key: stable_hash(seed, "iot.day", d.id as u64),
            pour_key: StreamKey::new(seed, "iot.pour"),
            cursor: usize::MAX,
            up_day: (i64::MIN, 0, 0),
            // Busy venues pour more; the quietest still pour most days.
            intensity: r.lognormal(1.0, 0.5).max(0.3),
        }
    }

    /// The first local day with pours: the install day.
    pub fn first_day(&mut self) -> i64 {
        local_day(&mut self.zone, self.spells.installed)
    }

    /// UTC bounds of a local day.
    pub fn day_span(&mut self, day: i64) -> (i64, i64) {
        (
            to_utc(&mut self.zone, day * MICROS_PER_DAY),
            to_utc(&mut self.zone, (day + 1) * MICROS_PER_DAY),
        )
    }

    /// The day's weight and uniform: its pours are `floor(scale · w + v)`.
    pub fn weight(&mut self, day: i64) -> (f64, f64) {
        let h = mix(self.key, day as u64);
        let (wobble, v) = (unit(h), unit(mix(h, 1)));
        let share = self.up_share(day);
        if share < 0.02 {
            return (0.0, v);
        }
        (
            self.intensity * day_factor(day) * (0.75 + 0.5 * wobble) * share,
            v,
        )
    }

    /// Share of the day's pouring (by hour) that falls while the device is up.
    fn up_share(&mut self, day: i64) -> f64 {
        let (a, b) = self.day_span(day);
        match self.spells.up_within_from(a, b, &mut self.cursor) {
            up if up == b - a => {
                self.up_day = (day, a, b);
                return 1.0;
            }
            // Down all day (an outage's inner days): no hour is up.
            0 => return 0.0,
            _ => {}
        }
        (0..24)
            .map(|h| {
                let l = day * MICROS_PER_DAY + h * MICROS_PER_HOUR;
                let (x, y) = (
                    to_utc(&mut self.zone, l),
                    to_utc(&mut self.zone, l + MICROS_PER_HOUR),
                );
                if y <= x {
                    return 0.0;
                }
                let up = self.spells.up_within_from(x, y, &mut self.cursor);
                HOUR_SHARE[h as usize] * up as f64 / (y - x) as f64
            })
            .sum()
    }

    /// Pours of a day at `scale`.
    pub fn count(&mut self, day: i64, scale: f64) -> u32 {
        let (w, v) = self.weight(day);
        steps(scale, w, v, MAX_DAY_POURS)
    }

    /// The UTC times of the day's first `n` kept candidates, in the order drawn.
    pub fn candidates(&mut self, day: i64, n: u32, out: &mut Vec<i64>) {
        out.clear();
        let mut r = self.pour_key.rand(mix(self.key, day as u64));
        let mut tries = 0u64;
        let cap = 1_000 * (u64::from(n) + 1);
        let (up_day, a, b) = self.up_day;
        let whole = if up_day == day { a..b } else { 0..0 };
        while out.len() < n as usize && tries < cap {
            let local = day * MICROS_PER_DAY
                + hour_of(r.f64()) * MICROS_PER_HOUR
                + r.below(3_600 * MICROS_PER_SEC as u64) as i64;
            let t = to_utc(&mut self.zone, local);
            if whole.contains(&t) || self.spells.up(t) {
                out.push(t);
            }
            tries += 1;
        }
    }

    /// The day's pours at `scale`, in time order.
    pub fn pours(&mut self, day: i64, scale: f64, out: &mut Vec<i64>) {
        let n = self.count(day, scale);
        self.candidates(day, n, out);
        out.sort_unstable();
    }

    /// Id of the day's pour of rank `k` (in time order).
    pub fn pour_id(&self, day: i64, k: usize) -> i64 {
        pour_id(self.id, day, k)
    }
}

/// Id of a device's pour: (device, local day, rank in the day).
pub fn pour_id(device: i64, day: i64, k: usize) -> i64 {
    (device << (DAY_BITS + RANK_BITS)) | ((day & ((1 << DAY_BITS) - 1)) << RANK_BITS) | k as i64
}

/// Id of a device-day (a health row).
pub fn day_id(device: i64, day: i64) -> i64 {
    (device << DAY_BITS) | (day & ((1 << DAY_BITS) - 1))
}

/// The local days of a cut's tap window: the `window_days` local days ending on `as_of`.
pub fn window(as_of: i64, window_days: i64) -> std::ops::RangeInclusive<i64> {
    as_of - window_days + 1..=as_of
}

/// The tap window's date ranges, the shards' second dimension: part r covers local days
/// `[bounds[r], bounds[r + 1])` (the first and last open-ended).
pub const WINDOW_PARTS: usize = 4;

pub fn window_parts(as_of: i64, window_days: i64) -> [i64; WINDOW_PARTS + 1] {
    let last = as_of + 1;
    let first = last - window_days - 1;
    let mut bounds = [0; WINDOW_PARTS + 1];
    for (r, b) in bounds.iter_mut().enumerate() {
        *b = first + (last + 1 - first) * r as i64 / WINDOW_PARTS as i64;
    }
    bounds[0] = i64::MIN;
    bounds[WINDOW_PARTS] = i64::MAX;
    bounds
}

/// What a cut holds of one device: its pours in each part of the window, and its days.
#[derive(Clone, Copy, Debug, Default)]
pub struct CutPours {
    pub pours: [u32; WINDOW_PARTS],
    pub days: u32,
}

/// Every device's pours and days in the cut `w` (its devices as they stood).
pub(super) fn in_cut(w: &World) -> Vec<CutPours> {
    let scale = w.pours.scale;
    let bounds = window_parts(w.cfg.as_of, w.cfg.tap_window_days);
    w.devices
        .par_iter()
        .map_init(Vec::new, |buf, d| {
            let mut c = CutDevice::of(w, d);
            let mut out = CutPours {
                days: (c.days.end() - c.days.start() + 1).max(0) as u32,
                ..Default::default()
            };
            for day in c.days.clone() {
                let r = bounds.partition_point(|&b| b <= day) - 1;
                out.pours[r] += c.count(scale, day, buf);
            }
            out
        })
        .collect()
}

/// A device of a cut with its pour history: the local days of its rows in the cut's window.
pub struct CutDevice {
    pub pours: DevicePours,
    pub days: std::ops::RangeInclusive<i64>,
    /// Last contact at the cut: pours after it are not yet reported.
    pub seen: i64,
}

impl CutDevice {
    pub fn of(world: &World, d: &Device) -> CutDevice {
        let end = world.cfg.end_ts();
        let mut pours = DevicePours::of(world, d, end);
        let w = window(world.cfg.as_of, world.cfg.tap_window_days);
        let first = pours.first_day().max(*w.start());
        CutDevice {
            pours,
            days: first..=*w.end(),
            seen: d.last_seen_at,
        }
    }

    /// The day's pours reported by the cut, in time order (every pour of a day before the
    /// cut's own).
    pub fn pours(&mut self, scale: f64, day: i64, out: &mut Vec<i64>) {
        self.pours.pours(day, scale, out);
        if day == *self.days.end() {
            let seen = self.seen;
            out.retain(|&t| t <= seen);
        }
    }

    /// How many pours the cut holds on a day.
    pub fn count(&mut self, scale: f64, day: i64, buf: &mut Vec<i64>) -> u32 {
        if day < *self.days.end() {
            return self.pours.count(day, scale);
        }
        self.pours(scale, day, buf);
        buf.len() as u32
    }
}

/// `#{j in 1..=max : (j − v) / w ≤ x}`: the unit steps a draw (weight `w`, uniform `v`) has
/// taken at factor `x`.
pub(super) fn steps(x: f64, w: f64, v: f64, max: u32) -> u32 {
    let mut n = ((x * w + v).max(0.0) as u32).min(max);
    while n < max && (f64::from(n + 1) - v) / w <= x {
        n += 1;
    }
    while n > 0 && (f64::from(n) - v) / w > x {
        n -= 1;
    }
    n
}

/// One device-day of the fit: (pours, day, last contact, (pours below, order statistics)).
type DayVisit<'a> = dyn Fn(&mut DevicePours, i64, i64, &mut (u64, Vec<f64>)) + Sync + 'a;

/// Fits the pour scale: exactly the profile's tap events in the anchor's window.
/// Devices per one read for the fit's first guess, in a large fleet.
const GUESS_SAMPLE: usize = 4;

pub(super) fn fit(w: &World) -> PourFit {
    let target = w.counts.try_get("iot_tap_events").unwrap_or(0);
    let cfg = &w.cfg;
    let end = cfg.anchor_end_ts();
    let days = window(cfg.anchor, cfg.tap_window_days);
    let devices: Vec<&Device> = w.devices.iter().filter(|d| d.installed_at < end).collect();
    let each = |visit: &DayVisit<'_>| {
        devices
            .par_chunks(256)
            .map(|chunk| {
                let mut acc = (0u64, Vec::new());
                for d in chunk {
                    let mut p = DevicePours::of(w, d, end);
                    let (_, seen) = p.spells.seen_at(cfg.seed, d.id, end);
                    let first = p.first_day().max(*days.start());
                    for day in first..=*days.end() {
                        visit(&mut p, day, seen, &mut acc);
                    }
                }
                acc
            })
            .reduce(
                || (0, Vec::new()),
                |mut a, mut b| {
                    a.0 += b.0;
                    a.1.append(&mut b.1);
                    a
                },
            )
    };
    // Expected pours at scale 1 (floor(s w + v) has mean s w), for the first guess: from every
    // GUESS_SAMPLE-th device of a large fleet (within a fraction of a percent, well inside the
    // fit's first band; the fit itself counts every device, so the scale is the same).
    let sample = if devices.len() >= 20_000 {
        GUESS_SAMPLE
    } else {
        1
    };
    let weight: f64 = sample as f64
        * devices
            .par_iter()
            .step_by(sample)
            .map(|d| {
                let mut p = DevicePours::of(w, d, end);
                let first = p.first_day().max(*days.start());
                (first..=*days.end())
                    .map(|day| p.weight(day).0)
                    .sum::<f64>()
            })
            .sum::<f64>();
    let last = *days.end();
    let scale = order_statistic(target, target as f64 / weight.max(1e-9), |lo, hi| {
        each(&|p, day, seen, acc| {
            let (wt, v) = p.weight(day);
            let (below, top) = (
                steps(lo, wt, v, MAX_DAY_POURS),
                steps(hi, wt, v, MAX_DAY_POURS),
            );
            if day < last {
                acc.0 += u64::from(below);
                acc.1
                    .extend((below + 1..=top).map(|j| (f64::from(j) - v) / wt));
                return;
            }
            // The cut's own day: only the pours reported by its end count.
            let mut times = Vec::new();
            p.candidates(day, top, &mut times);
            for (j, &t) in (1..).zip(&times) {
                if t <= seen {
                    if j <= below {
                        acc.0 += 1;
                    } else {
                        acc.1.push((f64::from(j) - v) / wt);
                    }
                }
            }
        })
    })
    .expect("the anchor's devices can hold the profile's tap events");
    PourFit { scale }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekends_and_july_are_busier() {
        let fri = crate::time::days_from_civil(2025, 7, 11);
        let tue = crate::time::days_from_civil(2025, 7, 8);
        assert!(day_factor(fri) > 1.3 * day_factor(tue));
        let jan = crate::time::days_from_civil(2025, 1, 14);
        assert!(day_factor(tue) > 1.3 * day_factor(jan));
        assert!(day_factor(crate::time::days_from_civil(2025, 3, 17)) > 1.5 * day_factor(tue));
    }

    #[test]
    fn day_factor_table_agrees_with_the_calendar() {
        for day in (FACTOR_DAYS.start - 400..FACTOR_DAYS.end + 400).step_by(7) {
            assert_eq!(day_factor(day), day_factor_by_calendar(day), "{day}");
        }
        for day in 20_000..20_800 {
            assert_eq!(day_factor(day), day_factor_by_calendar(day), "{day}");
        }
    }

    #[test]
    fn steps_count_the_critical_values_below() {
        for (w, v) in [(0.3, 0.0), (1.7, 0.99), (0.05, 0.5)] {
            for x in [0.0, 0.4, 3.3, 1e6] {
                let direct = (1..=MAX_DAY_POURS)
                    .filter(|&j| (f64::from(j) - v) / w <= x)
                    .count() as u32;
                assert_eq!(steps(x, w, v, MAX_DAY_POURS), direct, "{w} {v} {x}");
            }
        }
    }

    #[test]
    fn ids_keep_device_day_and_rank_apart() {
        let a = pour_id(180_000, 20_500, 4_095);
        assert_eq!(a >> 29, 180_000);
        assert_eq!((a >> 12) & ((1 << 17) - 1), 20_500);
        assert!(pour_id(180_000, 20_501, 0) > a);
        assert!(day_id(7, 20_501) > day_id(7, 20_500));
    }
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
