//! Website traffic as one history: Google Analytics sessions per day.
//!
//! The anchor's days hold exactly the profile's sessions, shared by day weights (growth,
//! weekday, a daily wobble). Later days go on with the same weights at the anchor's sessions per
//! unit of weight, each day's count drawn from its own stream, so a day's count never depends on
//! the cut or the horizon.

use super::{Config, YEARLY_GROWTH};
use crate::allocate::apportion;
use crate::rng::Rand;
use crate::time;

/// Sessions per day from the history's first day to `until` (inclusive), with `total` at the
/// anchor: (first day, counts).
pub fn ga_days(cfg: &Config, total: u64, until: i64) -> (i64, Vec<u64>) {
    let first = time::day_of(cfg.start_ts());
    let anchor_days = (cfg.anchor - first + 1).max(0) as usize;
    let n = (until.max(cfg.anchor) - first + 1).max(0) as usize;
    let mut rng = Rand::new(cfg.seed, "ga.days", 0);
    let weights: Vec<f64> = (0..n)
        .map(|i| {
            let years = i as f64 / 365.25;
            let wd =
                [1.1, 1.15, 1.15, 1.1, 1.0, 0.6, 0.55][time::weekday(first + i as i64) as usize];
            YEARLY_GROWTH.powf(years) * wd * rng.uniform(0.85, 1.15)
        })
        .collect();
    let anchored = &weights[..anchor_days];
    let per_weight = total as f64 / anchored.iter().sum::<f64>().max(1e-9);
    let mut days: Vec<u64> = apportion(total, anchored)
        .into_iter()
        .map(u64::from)
        .collect();
    for (i, w) in weights.iter().enumerate().skip(anchor_days) {
        let mut own = Rand::new(cfg.seed, "ga.later_day", (first + i as i64) as u64);
        days.push(own.poisson(per_weight * w));
    }
    days.truncate((until - first + 1).max(0) as usize);
    (first, days)
}
