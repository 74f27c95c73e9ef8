//! Ad campaigns as one history: what runs on each channel, each day, and what it may spend.
//!
//! The anchor holds the profile's exact campaigns and campaign-days: an exact channel split,
//! durations summing to the performance rows, starts along the accounts' growth curve, every
//! campaign over by the anchor. Later campaigns go on arriving on the same curve, from their own
//! stream, each as long as one of the anchor's (a year at most). Spend follows the expected
//! sign-ups of each day at a fixed amount per new account, shared by the campaigns running that
//! day in proportion to their weights; a campaign's daily budget covers its largest day.
//!
//! Campaigns are numbered in the order they start, so a cut at D holds the first ones: those
//! started by D, with their planned end and budget.

use super::{HISTORY_YEARS, YEARLY_GROWTH};
use crate::allocate::{self, apportion};
use crate::profile::Counts;
use crate::rng::Rand;
use crate::time;

use super::Config;

pub const CHANNELS: [&str; 4] = ["google_ads", "meta", "linkedin", "email"];
pub const CHANNEL_SHARES: [f64; 4] = [40.0, 30.0, 20.0, 10.0];
/// Paid-media spend per expected new account, in dollars (a blended SMB/mid-market figure).
pub const SPEND_PER_NEW_ACCOUNT: f64 = 6_000.0;
/// Longest campaign that starts after the anchor, in days; campaigns are drawn this far past
/// the horizon, so that every day a campaign of the history runs has all its campaigns.
const LATER_MAX_DAYS: i64 = 365;
const CAMPAIGN_ID_BASE: i64 = 70_000;
/// Relative weight of a channel's campaigns in the day's spend, and in campaign length.
const SPEND_BASE: [f64; 4] = [300.0, 180.0, 150.0, 20.0];
const LENGTH_WEIGHT: [f64; 4] = [1.4, 1.0, 0.8, 0.4];

pub struct Campaign {
    pub id: i64,
    pub channel: u8,
    /// First and last day (inclusive), day numbers.
    pub first_day: i64,
    pub last_day: i64,
    /// Daily budget in cents.
    pub daily_budget: i64,
    /// The campaign's share weight of the day's spend among the campaigns running.
    pub weight: f64,
}

impl Campaign {
    pub fn days(&self) -> u64 {
        (self.last_day - self.first_day + 1) as u64
    }
}

/// The campaign history.
pub struct Campaigns {
    /// Every campaign, in the order they start (ids in that order).
    pub all: Vec<Campaign>,
    /// Campaigns running per (channel, day), slot `channel * days + day - first_day`: slot
    /// `s` holds `running[active[s]..active[s + 1]]`, in the order they start.
    active: Vec<u32>,
    running: Vec<u32>,
    first_day: i64,
    days: usize,
    /// Performance rows (campaign-days) before each campaign.
    pub perf_offsets: Vec<u64>,
    /// Spend in cents per unit of campaign weight, per day.
    spend_rate: Vec<f64>,
    /// The marketing plan's stream where the anchor's campaigns left it: the MQL plan draws on
    /// from it.
    pub stream: Rand,
}

impl Default for Campaigns {
    fn default() -> Campaigns {
        Campaigns {
            all: Vec::new(),
            active: vec![0],
            running: Vec::new(),
            first_day: 0,
            days: 0,
            perf_offsets: Vec::new(),
            spend_rate: Vec::new(),
            stream: Rand::new(0, "marketing.plan", 0),
        }
    }
}

/// Growth-curve position in [0, 1) of a uniform draw: density ∝ 1.4^t over the history.
pub fn growth_position(u: f64) -> f64 {
    let g = YEARLY_GROWTH.powi(HISTORY_YEARS as i32) - 1.0;
    (1.0 + u * g).ln() / YEARLY_GROWTH.ln() / HISTORY_YEARS as f64
}

impl Campaigns {
    /// The history of `cfg` with `counts` at the anchor, whose `accounts` signed up by then.
    pub fn history(cfg: &Config, counts: &Counts, accounts: usize) -> Campaigns {
        let mut rng = Rand::new(cfg.seed, "marketing.plan", 0);
        let first = time::day_of(cfg.start_ts());
        let anchor_days = (cfg.anchor - first + 1) as u64;
        let mut all = anchored(counts, (first, cfg.anchor), &mut rng);
        all.sort_by_key(|c| (c.first_day, c.id));
        later(cfg, first, &mut all);
        for (i, c) in all.iter_mut().enumerate() {
            c.id = CAMPAIGN_ID_BASE + i as i64 + 1;
        }
        let last = cfg.horizon + 2 * LATER_MAX_DAYS;
        let days = (last - first + 1) as usize;
        let slot = |c: &Campaign, d: i64| c.channel as usize * days + (d - first) as usize;
        let mut active = vec![0u32; CHANNELS.len() * days + 1];
        for c in &all {
            for d in c.first_day..=c.last_day {
                active[slot(c, d) + 1] += 1;
            }
        }
        for s in 1..active.len() {
            active[s] += active[s - 1];
        }
        let mut running = vec![0u32; active[active.len() - 1] as usize];
        let mut filled = active.clone();
        for (i, c) in all.iter().enumerate() {
            for d in c.first_day..=c.last_day {
                let at = &mut filled[slot(c, d)];
                running[*at as usize] = i as u32;
                *at += 1;
            }
        }
        // The expected sign-ups of a day, on the growth curve through the anchor's accounts.
        let g = YEARLY_GROWTH.powi(HISTORY_YEARS as i32) - 1.0;
        let per_day_accounts = |day: i64| {
            let t = (day - first) as f64 / anchor_days as f64;
            accounts as f64
                * YEARLY_GROWTH.ln()
                * HISTORY_YEARS as f64
                * YEARLY_GROWTH.powf(HISTORY_YEARS as f64 * t)
                / g
                / anchor_days as f64
        };
        let spend_rate: Vec<f64> = (0..days)
            .map(|k| {
                let w: f64 = (0..CHANNELS.len())
                    .flat_map(|c| in_slot(&active, &running, c * days + k))
                    .map(|&ci| all[ci as usize].weight)
                    .sum();
                if w > 0.0 {
                    SPEND_PER_NEW_ACCOUNT * 100.0 * per_day_accounts(first + k as i64) / w
                } else {
                    0.0
                }
            })
            .collect();
        for c in &mut all {
            let top = (c.first_day..=c.last_day)
                .map(|d| spend_rate[(d - first) as usize])
                .fold(0.0, f64::max);
            c.daily_budget = (c.weight * top * 1.05).ceil() as i64 + 100;
        }
        Campaigns {
            perf_offsets: allocate::offsets(all.iter().map(Campaign::days)),
            all,
            active,
            running,
            first_day: first,
            days,
            spend_rate,
            stream: rng,
        }
    }

    /// How many campaigns had started by the end of `day` (they come first).
    pub fn started_by(&self, day: i64) -> usize {
        self.all.partition_point(|c| c.first_day <= day)
    }

    /// A campaign of the channel running at instant `t`, if any.
    pub fn active_campaign(&self, channel: u8, t: i64, pick: u64) -> Option<u32> {
        let day = time::day_of(t) - self.first_day;
        if day < 0 || day as usize >= self.days {
            return None;
        }
        let s = channel as usize * self.days + day as usize;
        let live = in_slot(&self.active, &self.running, s);
        (!live.is_empty()).then(|| live[(pick % live.len() as u64) as usize])
    }

    /// Planned spend of campaign `c` on `day`, in cents, before the day's pacing.
    pub fn planned_spend(&self, c: &Campaign, day: i64) -> f64 {
        c.weight * self.spend_rate[(day - self.first_day) as usize]
    }
}

/// The campaigns running in slot `s` of a (channel, day) index (see [`Campaigns`]).
fn in_slot<'a>(active: &[u32], running: &'a [u32], s: usize) -> &'a [u32] {
    &running[active[s] as usize..active[s + 1] as usize]
}

/// The anchor's campaigns over days `first..=last`: exact channel split, durations summing to
/// the performance rows, each between a day and the whole history (ids set by the caller).
fn anchored(counts: &Counts, (first, last): (i64, i64), rng: &mut Rand) -> Vec<Campaign> {
    let history_days = (last - first + 1) as u64;
    let n = counts.get("marketing_campaigns") as usize;
    let per_channel = apportion(n as u64, &CHANNEL_SHARES);
    let mut channels: Vec<u8> = Vec::with_capacity(n);
    for (c, k) in per_channel.iter().enumerate() {
        channels.extend(std::iter::repeat_n(c as u8, *k as usize));
    }
    for k in (1..channels.len()).rev() {
        channels.swap(k, rng.below(k as u64 + 1) as usize);
    }
    let perf_rows = counts.get("marketing_campaign_performance");
    let weights: Vec<f64> = channels
        .iter()
        .map(|&c| LENGTH_WEIGHT[c as usize] * rng.uniform(0.5, 1.5))
        .collect();
    let mut days: Vec<u64> = apportion(perf_rows, &weights)
        .into_iter()
        .map(u64::from)
        .collect();
    spill(&mut days, history_days);
    channels
        .iter()
        .zip(&days)
        .enumerate()
        .map(|(i, (&channel, &d))| {
            let latest = last - d as i64 + 1;
            let start = first + ((latest - first) as f64 * growth_position(rng.f64())) as i64;
            Campaign {
                id: CAMPAIGN_ID_BASE + i as i64 + 1,
                channel,
                first_day: start,
                last_day: start + d as i64 - 1,
                daily_budget: 0,
                weight: SPEND_BASE[channel as usize] * rng.uniform(0.6, 1.6),
            }
        })
        .collect()
}

/// Keeps each campaign between a day and `cap` days, moving the excess to others.
fn spill(days: &mut [u64], cap: u64) {
    let mut spill: i64 = 0;
    for d in days.iter_mut() {
        if *d > cap {
            spill += (*d - cap) as i64;
            *d = cap;
        }
        if *d < 1 {
            spill -= 1;
            *d = 1;
        }
    }
    let mut i = 0;
    while spill != 0 && !days.is_empty() {
        let k = i % days.len();
        if spill > 0 && days[k] < cap {
            days[k] += 1;
            spill -= 1;
        } else if spill < 0 && days[k] > 1 {
            days[k] -= 1;
            spill += 1;
        }
        i += 1;
    }
}

/// Campaigns that start after the anchor, until [`LATER_MAX_DAYS`] past the horizon: the
/// anchor's growth curve continued, each campaign from its own stream, as long as one of the
/// anchor's picked at random (at most a year).
fn later(cfg: &Config, first: i64, all: &mut Vec<Campaign>) {
    let n = all.len();
    if n == 0 {
        return;
    }
    let anchor_days = (cfg.anchor - first + 1) as f64;
    let g = YEARLY_GROWTH.powi(HISTORY_YEARS as i32) - 1.0;
    let mut next = Rand::new(cfg.seed, "marketing.later_campaigns", 0);
    let mut expected = n as f64;
    for j in 0u64.. {
        expected += next.exp(1.0);
        let years = (1.0 + expected * g / n as f64).ln() / YEARLY_GROWTH.ln();
        let day = (first + (years / HISTORY_YEARS as f64 * anchor_days) as i64).max(cfg.anchor + 1);
        if day > cfg.horizon + LATER_MAX_DAYS {
            break;
        }
        let mut own = Rand::new(cfg.seed, "marketing.campaign", j);
        let channel = own.weighted(&CHANNEL_SHARES) as u8;
        let like = own.below(n as u64) as usize;
        let d = (all[like].days() as i64).min(LATER_MAX_DAYS);
        all.push(Campaign {
            id: 0,
            channel,
            first_day: day,
            last_day: day + d - 1,
            daily_budget: 0,
            weight: SPEND_BASE[channel as usize] * own.uniform(0.6, 1.6),
        });
    }
}
