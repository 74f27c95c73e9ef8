//! Calendar arithmetic on plain integers: timestamps are microseconds since the Unix epoch (UTC),
//! dates are days since the epoch. Pure functions, no time-zone database needed.

pub const MICROS_PER_SEC: i64 = 1_000_000;
pub const MICROS_PER_MIN: i64 = 60 * MICROS_PER_SEC;
pub const MICROS_PER_HOUR: i64 = 60 * MICROS_PER_MIN;
pub const MICROS_PER_DAY: i64 = 24 * MICROS_PER_HOUR;

/// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month, day) of a day number.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// 0 = Monday … 6 = Sunday.
pub fn weekday(day: i64) -> u32 {
    (day + 3).rem_euclid(7) as u32
}

/// Super Bowl Sunday of a year (days since the epoch): the second Sunday of February since
/// 2022, the first before.
pub fn super_bowl_sunday(year: i64) -> i64 {
    let feb1 = days_from_civil(year, 2, 1);
    let first_sunday = feb1 + i64::from((6 + 7 - weekday(feb1)) % 7);
    first_sunday + if year >= 2022 { 7 } else { 0 }
}

pub fn day_of(ts: i64) -> i64 {
    ts.div_euclid(MICROS_PER_DAY)
}

/// Parses `YYYY-MM-DD` into a day number.
pub fn parse_date(s: &str) -> Option<i64> {
    let mut it = s.trim().splitn(3, '-');
    let y: i64 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let d: u32 = it.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) || !(1900..=9999).contains(&y) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

pub fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) of a timestamp in microseconds.
pub fn format_ts(ts: i64) -> String {
    let day = day_of(ts);
    let secs = (ts - day * MICROS_PER_DAY) / 1_000_000;
    format!(
        "{} {:02}:{:02}:{:02}",
        format_date(day),
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

pub fn format_date(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Adds calendar months to a timestamp, clamping the day to the month's length.
pub fn add_months(ts: i64, months: i64) -> i64 {
    let day = day_of(ts);
    let rem = ts - day * MICROS_PER_DAY;
    let (y, m, d) = civil_from_days(day);
    let total = y * 12 + i64::from(m) - 1 + months;
    let (ny, nm) = (total.div_euclid(12), (total.rem_euclid(12) + 1) as u32);
    let nd = d.min(days_in_month(ny, nm));
    days_from_civil(ny, nm, nd) * MICROS_PER_DAY + rem
}

/// Day number of the n-th (1-based) given weekday (0 = Monday) of a month.
fn nth_weekday(y: i64, m: u32, wd: u32, n: u32) -> i64 {
    let first = days_from_civil(y, m, 1);
    let offset = (wd + 7 - weekday(first)) % 7;
    first + i64::from(offset) + 7 * i64::from(n - 1)
}

/// Years the daylight-time table covers; instants outside it take the calendar route.
const DST_YEARS: std::ops::Range<i64> = 1900..2200;

/// Per year of [`DST_YEARS`]: (first day of the year, day daylight time starts, day it ends).
fn dst_table() -> &'static [(i64, i64, i64)] {
    static TABLE: std::sync::OnceLock<Vec<(i64, i64, i64)>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        DST_YEARS
            .map(|y| {
                (
                    days_from_civil(y, 1, 1),
                    nth_weekday(y, 3, 6, 2),
                    nth_weekday(y, 11, 6, 1),
                )
            })
            .collect()
    })
}

/// The daylight-time year holding a UTC day: (its first day, the next year's first day, the day
/// daylight time starts, the day it ends).
fn dst_year(day: i64) -> (i64, i64, i64, i64) {
    let table = dst_table();
    // The year from the mean year length, corrected by at most one either way.
    let guess = ((day - table[0].0) as f64 / 365.2425) as i64;
    let found = usize::try_from(guess).ok().and_then(|i| {
        let i = (i.saturating_sub(1)..i + 2)
            .rev()
            .find(|&i| table.get(i).is_some_and(|t| t.0 <= day))?;
        // The next year's first day closes this one (the table's last year only closes).
        (day < table.get(i + 1)?.0).then_some(i)
    });
    match found {
        Some(i) => (table[i].0, table[i + 1].0, table[i].1, table[i].2),
        None => {
            let (y, _, _) = civil_from_days(day);
            (
                days_from_civil(y, 1, 1),
                days_from_civil(y + 1, 1, 1),
                nth_weekday(y, 3, 6, 2),
                nth_weekday(y, 11, 6, 1),
            )
        }
    }
}

/// The span of constant offset holding a UTC instant: (offset hours, from, until), with
/// `from <= utc_ts < until`.
fn us_offset_span(utc_ts: i64, standard: i64, dst: bool) -> (i64, i64, i64) {
    if !dst {
        return (standard, i64::MIN, i64::MAX);
    }
    let (first, next, start_day, end_day) = dst_year(day_of(utc_ts));
    let start = start_day * MICROS_PER_DAY + (2 - standard) * MICROS_PER_HOUR;
    let end = end_day * MICROS_PER_DAY + (1 - standard) * MICROS_PER_HOUR;
    if utc_ts < start {
        (standard, first * MICROS_PER_DAY, start)
    } else if utc_ts < end {
        (standard + 1, start, end)
    } else {
        (standard, end, next * MICROS_PER_DAY)
    }
}

/// UTC offset in hours for a US zone with the given standard offset, applying US daylight time
/// (second Sunday of March 02:00 local to first Sunday of November 02:00 local) when `dst`.
/// The switch days come from a table built once.
pub fn us_utc_offset_hours(utc_ts: i64, standard: i64, dst: bool) -> i64 {
    us_offset_span(utc_ts, standard, dst).0
}

/// A US zone that remembers the span of its last answer: a device's instants come in order, so
/// most lookups are two comparisons. Same answers as [`us_utc_offset_hours`].
pub struct UsZone {
    standard: i64,
    dst: bool,
    span: (i64, i64, i64),
}

impl UsZone {
    pub fn new(standard: i64, dst: bool) -> UsZone {
        UsZone {
            standard,
            dst,
            span: (standard, 0, 0),
        }
    }

    /// The zone's standard offset, hours.
    pub fn standard(&self) -> i64 {
        self.standard
    }

    #[inline]
    pub fn offset_hours(&mut self, utc_ts: i64) -> i64 {
        if utc_ts < self.span.1 || utc_ts >= self.span.2 {
            self.span = us_offset_span(utc_ts, self.standard, self.dst);
        }
        self.span.0
    }
}

/// The calendar route of [`us_utc_offset_hours`], kept to test the table against.
#[cfg(test)]
fn us_utc_offset_hours_by_calendar(utc_ts: i64, standard: i64) -> i64 {
    let (y, _, _) = civil_from_days(day_of(utc_ts));
    let start = nth_weekday(y, 3, 6, 2) * MICROS_PER_DAY + (2 - standard) * MICROS_PER_HOUR;
    let end = nth_weekday(y, 11, 6, 1) * MICROS_PER_DAY + (1 - standard) * MICROS_PER_HOUR;
    if utc_ts >= start && utc_ts < end {
        standard + 1
    } else {
        standard
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn super_bowl_sundays() {
        for (y, m, d) in [
            (2020, 2, 2),
            (2021, 2, 7),
            (2022, 2, 13),
            (2024, 2, 11),
            (2025, 2, 9),
        ] {
            assert_eq!(super_bowl_sunday(y), days_from_civil(y, m, d), "{y}");
        }
    }

    #[test]
    fn civil_round_trip() {
        for z in [-800_000, -1, 0, 1, 19_000, 20_454, 2_932_896] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        assert_eq!(days_from_civil(2000, 1, 1), 10_957);
        assert_eq!(weekday(days_from_civil(2025, 12, 31)), 2); // a Wednesday
    }

    #[test]
    fn a_zone_remembering_its_span_agrees_with_the_lookup() {
        // A fixed pseudo-random walk (64-bit LCG), so the test needs no other module.
        let mut state: u64 = 7;
        let mut below = |n: i64| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((state >> 11) % n as u64) as i64
        };
        for (standard, dst) in [(-5, true), (-7, false), (-10, true)] {
            let mut zone = UsZone::new(standard, dst);
            // In order across years (every 20 minutes), then jumping about.
            let from = days_from_civil(2023, 1, 1) * MICROS_PER_DAY - 1;
            for t in (from..from + 3 * 366 * MICROS_PER_DAY).step_by(20 * MICROS_PER_MIN as usize) {
                for t in [t - 1, t, t + 1] {
                    assert_eq!(zone.offset_hours(t), us_utc_offset_hours(t, standard, dst));
                }
            }
            for _ in 0..100_000 {
                let t = (below(600 * 365) - 200 * 365) * MICROS_PER_DAY + below(MICROS_PER_DAY);
                assert_eq!(zone.offset_hours(t), us_utc_offset_hours(t, standard, dst));
            }
        }
    }

    #[test]
    fn dst_table_agrees_with_the_calendar() {
        // Every hour around every switch 1890–2210 (inside and outside the table), and a sweep.
        for y in 1890..2210 {
            for day in [
                nth_weekday(y, 3, 6, 2),
                nth_weekday(y, 11, 6, 1),
                days_from_civil(y, 1, 1),
            ] {
                for h in -30..30 {
                    let ts = day * MICROS_PER_DAY + h * MICROS_PER_HOUR;
                    for std in [-5, -6, -7, -8] {
                        assert_eq!(
                            us_utc_offset_hours(ts, std, true),
                            us_utc_offset_hours_by_calendar(ts, std),
                            "{y} {h} {std}"
                        );
                    }
                }
            }
        }
        let mut ts = days_from_civil(2019, 1, 1) * MICROS_PER_DAY;
        while ts < days_from_civil(2027, 1, 1) * MICROS_PER_DAY {
            assert_eq!(
                us_utc_offset_hours(ts, -8, true),
                us_utc_offset_hours_by_calendar(ts, -8)
            );
            ts += 7 * MICROS_PER_MIN + 13 * MICROS_PER_SEC;
        }
    }

    #[test]
    fn parse_rejects_bad_dates() {
        assert_eq!(parse_date("2025-02-29"), None);
        assert_eq!(parse_date("2024-02-29"), Some(days_from_civil(2024, 2, 29)));
        assert_eq!(parse_date("yesterday"), None);
    }

    #[test]
    fn months_clamp() {
        let jan31 = days_from_civil(2025, 1, 31) * MICROS_PER_DAY;
        assert_eq!(day_of(add_months(jan31, 1)), days_from_civil(2025, 2, 28));
    }

    #[test]
    fn daylight_time() {
        let july = days_from_civil(2025, 7, 1) * MICROS_PER_DAY;
        let jan = days_from_civil(2025, 1, 15) * MICROS_PER_DAY;
        assert_eq!(us_utc_offset_hours(july, -5, true), -4);
        assert_eq!(us_utc_offset_hours(jan, -5, true), -5);
        assert_eq!(us_utc_offset_hours(july, -7, false), -7);
    }
}
