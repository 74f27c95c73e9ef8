//! The activity plan: sessions per user over the trailing year, apportioned exactly from each
//! user's span and login frequency; the session, page-view and feature-usage tables read it.
//! Page views are exactly five per session on average and feature events three, apportioned per
//! user, so every total is exact and every id is a prefix sum.

use crate::allocate::{self, apportion};
use crate::num::round;
use crate::rng::{LogNormalDist, Rand};
use crate::time::MICROS_PER_DAY;
use crate::world::{User, World};

/// Users per shard range of the activity tables.
pub const USERS_PER_SHARD: usize = 20_000;
/// Activity covers the trailing year.
pub const ACTIVITY_DAYS: i64 = 365;

/// Page views per session and feature events per session, from the profile ratios.
pub fn per_session(world: &World, table: &str) -> u64 {
    world.counts.get(table) / world.counts.get("app_user_sessions").max(1)
}

/// A user's span of sessions inside the activity window: (from, last login), if the user last
/// logged in inside it. Users of accounts that churned keep their sessions up to the churn.
pub fn span(world: &World, u: &User) -> Option<(i64, i64)> {
    let last = u.last_login_at?;
    let from = u
        .created_at
        .max(world.cfg.end_ts() - ACTIVITY_DAYS * MICROS_PER_DAY);
    (last >= from).then_some((from, last))
}

/// Engagement fades over the last weeks of an account that churns: the chance that a session
/// drawn `days_left` days before the churn is kept.
pub fn fading(days_left: f64) -> f64 {
    (days_left / FADE_DAYS).clamp(0.15, 1.0)
}

/// Weeks over which a churning account's use fades out.
pub const FADE_DAYS: f64 = 56.0;

pub struct ActivityPlan {
    pub sessions: Vec<u64>,
    /// Sessions before each user (prefix sums).
    pub offsets: Vec<u64>,
}

impl ActivityPlan {
    pub fn build(world: &World) -> ActivityPlan {
        let total = world.counts.get("app_user_sessions");
        let mut rng = Rand::new(world.cfg.seed, "activity.plan", 0);
        let weights: Vec<f64> = world
            .users
            .iter()
            .map(|u| {
                let jitter = rng.uniform(0.6, 1.4);
                span(world, u).map_or(0.0, |(from, last)| {
                    let days = (last - from) as f64 / MICROS_PER_DAY as f64;
                    let per_day = [1.0, 0.3, 0.08][u.login_frequency as usize];
                    // Users of accounts that go on to churn were using the product less.
                    let churning = world.accounts[u.account as usize].churned_at.is_some();
                    days.max(1.0) * per_day * jitter * if churning { 0.6 } else { 1.0 }
                })
            })
            .collect();
        let eligible = weights.iter().filter(|w| **w > 0.0).count() as u64;
        let mut sessions: Vec<u64> = apportion(total.saturating_sub(eligible), &weights)
            .into_iter()
            .map(u64::from)
            .collect();
        for (s, w) in sessions.iter_mut().zip(&weights) {
            if *w > 0.0 {
                *s += 1;
            }
        }
        let offsets = allocate::offsets(sessions.iter().copied());
        ActivityPlan { sessions, offsets }
    }

    pub fn shard_count(world: &World) -> usize {
        world.users.len().div_ceil(USERS_PER_SHARD).max(1)
    }

    pub fn users(world: &World, shard: usize) -> std::ops::Range<usize> {
        shard * USERS_PER_SHARD..((shard + 1) * USERS_PER_SHARD).min(world.users.len())
    }

    pub fn shard_sessions(&self, world: &World) -> Vec<u64> {
        (0..Self::shard_count(world))
            .map(|s| Self::users(world, s).map(|u| self.sessions[u]).sum())
            .collect()
    }
}

/// One session of a user, drawn from the user's own stream: start, length (cut at the account's
/// end) and page count.
pub struct Session {
    pub id: i64,
    pub started_at: i64,
    pub duration_s: i64,
    pub pages: u32,
    pub device: u8,
}

pub const DEVICE_TYPES: [&str; 3] = ["desktop", "mobile", "tablet"];

/// The sessions of user `u`, in time order; the last one starts at the user's last login.
pub fn user_sessions(
    world: &World,
    plan: &ActivityPlan,
    u: usize,
    per_session_pages: u64,
) -> Vec<Session> {
    let n = plan.sessions[u] as usize;
    let user = &world.users[u];
    let Some((from, last)) = span(world, user) else {
        return Vec::new();
    };
    let mut rng = Rand::new(world.cfg.seed, "activity.sessions", user.id as u64);
    let account = &world.accounts[user.account as usize];
    let churn = account.churned_at;
    // Sessions end by the account's end (churn, trial expiry or the as-of instant).
    let stop = account.life_end(&world.cfg);
    let mut starts: Vec<i64> = (0..n.saturating_sub(1))
        .map(|_| {
            loop {
                // Business hours, US time: 13:00–03:00 UTC, most around the afternoon.
                let first_day = from / MICROS_PER_DAY;
                let day = rng.range(first_day, ((last - 1) / MICROS_PER_DAY).max(first_day));
                let t = day * MICROS_PER_DAY
                    + (13 + rng.below(14) as i64) * 3_600_000_000
                    + rng.below(3_600_000_000) as i64;
                let t = t.min(last - 1).max(from);
                let keep = churn
                    .is_none_or(|c| rng.chance(fading((c - t) as f64 / MICROS_PER_DAY as f64)));
                if keep {
                    break t;
                }
            }
        })
        .collect();
    starts.sort_unstable();
    starts.push(last);
    // Built once per call, not per draw (same draws as `rng.lognormal`).
    let (page_weight, secs_per_page) =
        (LogNormalDist::new(1.0, 0.6), LogNormalDist::new(45.0, 0.6));
    let weights: Vec<f64> = (0..n).map(|_| rng.lognormal_of(&page_weight)).collect();
    let extra = apportion(per_session_pages.saturating_sub(1) * n as u64, &weights);
    let device_weights: &[f64] = match user.role {
        0 => &[75.0, 15.0, 10.0],
        1 => &[50.0, 35.0, 15.0],
        _ => &[15.0, 55.0, 30.0],
    };
    starts
        .into_iter()
        .zip(extra)
        .enumerate()
        .map(|(k, (started_at, e))| {
            let pages = 1 + e;
            Session {
                id: (plan.offsets[u] + k as u64 + 1) as i64,
                started_at,
                duration_s: (round(f64::from(pages) * rng.lognormal_of(&secs_per_page)) as i64 + 5)
                    .min((stop - 1 - started_at) / 1_000_000),
                pages,
                device: rng.weighted(device_weights) as u8,
            }
        })
        .collect()
}
