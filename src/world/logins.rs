//! Logins: every user's sessions as one process over the whole history, so that a cut at any
//! day holds exactly the sessions that had ended by then, with the same ids and columns in every
//! cut.
//!
//! Each user-day draws from its own stream (the user's key mixed with the day): the k-th
//! session of the day has a critical value `E_k / λ`, with `E_k` the running sum of Exp(1)
//! draws and `λ` the user's intensity that day (login frequency, a per-user jitter, use that
//! fades before the account churns). A session exists when its critical value is at or below
//! the history's fitted scale `s`, so the sessions form a Poisson process of rate `s λ`, and
//! a day's sessions never depend on the scale past the ones they hold. The scale is the order
//! statistic that makes the anchor's trailing year hold the profile's exact count
//! ([`fit`]); pages and feature uses per session are fitted the same way, each from draws of
//! its session (`floor(β w + v)` with its weight `w` and a uniform `v`).

use rayon::prelude::*;

use super::*;
use crate::allocate::{order_statistic, order_statistics};
use crate::rng::{LogNormalDist, Rand, mix, stable_hash, unit};
use crate::time::{MICROS_PER_HOUR, MICROS_PER_SEC};

/// App activity covers the trailing year of a cut.
pub const ACTIVITY_DAYS: i64 = 365;
/// Weeks over which a churning account's use fades out.
pub const FADE_DAYS: f64 = 56.0;
/// Most pages a session views, and most features it uses.
pub const MAX_PAGES: u32 = 63;
pub const MAX_USES: u32 = 63;
/// Most sessions of a user on one day (the id keeps 4 bits for them).
const MAX_PER_DAY: u32 = 15;
/// Sessions a day at each login frequency (daily, weekly, monthly), before the fitted scale.
const BASE_RATE: [f64; 3] = [1.0, 0.3, 0.08];
/// Feature uses per session by the plan tier at the session's start, before the fitted factor:
/// higher tiers use the product more (plan step 29, usage frequency by tier).
pub const TIER_USE: [f64; 3] = [0.75, 1.0, 1.35];
/// Users of accounts that churn within a year were using the product less.
const CHURNING_RATE: f64 = 0.6;
/// Pages per unit of page weight a session's length is drawn for (four pages past the first on
/// average, the weight's mean being e^0.18): the fitted page count follows the same weight.
const NOMINAL_PAGES_PER_WEIGHT: f64 = 4.0 / 1.197_217_363;
/// Bits of a session id: the day since the history's start, and the session of that day.
const DAY_BITS: u32 = 13;
const K_BITS: u32 = 4;
const _: () = assert!(MAX_PER_DAY <= 1 << K_BITS);
/// Days a history can span: the session id keeps [`DAY_BITS`] for the day.
pub const MAX_HISTORY_DAYS: i64 = 1 << DAY_BITS;

static PAGE_WEIGHT: LazyLock<LogNormalDist> = LazyLock::new(|| LogNormalDist::new(1.0, 0.6));
static SECS_PER_PAGE: LazyLock<LogNormalDist> = LazyLock::new(|| LogNormalDist::new(45.0, 0.6));
static USE_WEIGHT: LazyLock<LogNormalDist> = LazyLock::new(|| LogNormalDist::new(1.0, 0.5));
use std::sync::LazyLock;

/// Engagement fades over the last weeks of an account that churns: the share of its usual
/// sessions drawn `days_left` days before the churn.
pub fn fading(days_left: f64) -> f64 {
    (days_left / FADE_DAYS).clamp(0.15, 1.0)
}

/// The history's fitted session process: the scale of every user's intensity, and the factors
/// that turn a session's weights into its page and feature-use counts.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LoginFit {
    pub scale: f64,
    pub pages: f64,
    pub uses: f64,
}

/// Sessions, page views and feature uses a user has in a cut.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Activity {
    pub sessions: u32,
    pub pages: u32,
    pub uses: u32,
}

/// One session of the history, with the draws its tables read.
#[derive(Clone, Copy, Debug)]
pub struct Session {
    /// (user id, day since the history's start, draw of the day), packed.
    pub id: i64,
    pub started_at: i64,
    pub duration_s: i64,
    page_weight: f64,
    page_draw: f64,
    use_weight: f64,
    use_draw: f64,
    pub device: u8,
}

impl Session {
    pub fn ended_at(&self) -> i64 {
        self.started_at + self.duration_s * MICROS_PER_SEC
    }

    /// Pages viewed: one, plus each j ≥ 1 with `(j − v) / w ≤ β` (`floor(β w + v)` computed as
    /// the fit counts it, so the anchor's total is exact).
    pub fn pages(&self, fit: &LoginFit) -> u32 {
        1 + steps(fit.pages, self.page_weight, self.page_draw, MAX_PAGES - 1)
    }

    /// Features used: engaged (longer) sessions use more.
    pub fn uses(&self, fit: &LoginFit) -> u32 {
        steps(fit.uses, self.use_weight, self.use_draw, MAX_USES)
    }
}

/// `#{j in 1..=max : (j − v) / w ≤ x}`: the unit steps a draw (weight `w`, uniform `v`) has
/// taken at factor `x`.
fn steps(x: f64, w: f64, v: f64, max: u32) -> u32 {
    let mut n = ((x * w + v).max(0.0) as u32).min(max);
    while n < max && (f64::from(n + 1) - v) / w <= x {
        n += 1;
    }
    while n > 0 && (f64::from(n) - v) / w > x {
        n -= 1;
    }
    n
}

/// The critical values of the steps in `(lo, hi]`, and how many lie at or below `lo`.
fn step_band(lo: f64, hi: f64, w: f64, v: f64, max: u32, band: &mut Vec<f64>) -> u64 {
    let below = steps(lo, w, v, max);
    for j in below + 1..=steps(hi, w, v, max) {
        band.push((f64::from(j) - v) / w);
    }
    u64::from(below)
}

/// What one user's sessions read from the history: fixed for the whole of it.
#[derive(Clone, Copy)]
pub struct Life<'a> {
    id: i64,
    key: u64,
    created: i64,
    /// Sessions end by the account's churn or the user's deactivation (i64::MAX: never).
    stop: i64,
    churn: Option<i64>,
    rate: f64,
    role: u8,
    /// The account's plan periods (those begun by a cut are all a session in it can read).
    plans: &'a [Subscription],
    /// First day of the history: session ids count days from it.
    first_day: i64,
}

impl<'a> Life<'a> {
    /// The session process of user `u` of `w` (the history or a cut: the account's churn in
    /// the history is kept in both), or None for a user who never logs in.
    pub fn of(w: &'a World, u: &User) -> Option<Life<'a>> {
        if !u.logs_in {
            return None;
        }
        let (cfg, account) = (&w.cfg, &w.accounts[u.account as usize]);
        let churn = account.churns_at;
        let key = stable_hash(cfg.seed, "world.logins", u.id as u64);
        let jitter = 0.6 + 0.8 * unit(mix(key, u64::MAX));
        let stop = [churn, u.deactivated_at]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(i64::MAX);
        Some(Life {
            id: u.id,
            key,
            created: u.created_at,
            stop,
            churn,
            rate: BASE_RATE[u.login_frequency as usize] * jitter,
            role: u.role,
            plans: &w.subscriptions
                [account.subscriptions.start as usize..account.subscriptions.end as usize],
            first_day: history_first_day(cfg),
        })
    }

    /// The intensity on `day`: sessions a day before the fitted scale.
    fn lambda(&self, day: i64) -> f64 {
        match self.churn {
            Some(c) => {
                let days_left = (c - (day * MICROS_PER_DAY + 20 * MICROS_PER_HOUR)) as f64
                    / MICROS_PER_DAY as f64;
                let churning = if days_left < 365.0 {
                    CHURNING_RATE
                } else {
                    1.0
                };
                self.rate * churning * fading(days_left)
            }
            None => self.rate,
        }
    }

    /// The sessions of `day` whose critical value is at most `limit`, in draw order: they start
    /// in US business hours (13:00–03:00 UTC).
    fn day(&self, day: i64, limit: f64, mut f: impl FnMut(Session, f64)) {
        let lambda = self.lambda(day);
        let h = mix(self.key, day as u64);
        let mut e = -(1.0 - unit(h)).ln();
        if e / lambda > limit {
            return;
        }
        let mut r = Rand::from_hash(h);
        let day_id = (self.id << DAY_BITS | (day - self.first_day)) << K_BITS;
        for k in 0..MAX_PER_DAY {
            let critical = e / lambda;
            if critical > limit {
                break;
            }
            let started_at = day * MICROS_PER_DAY
                + 13 * MICROS_PER_HOUR
                + r.below(14 * MICROS_PER_HOUR as u64) as i64;
            let page_weight = r.lognormal_of(&PAGE_WEIGHT);
            let secs = r.lognormal_of(&SECS_PER_PAGE);
            let page_draw = r.f64();
            let tier = self
                .plans
                .iter()
                .rfind(|p| p.started_at <= started_at)
                .map_or(0, |p| p.tier);
            let use_weight =
                r.lognormal_of(&USE_WEIGHT) * (1.0 + page_weight) * TIER_USE[tier as usize];
            let use_draw = r.f64();
            let device = r.weighted(match self.role {
                0 => &[75.0, 15.0, 10.0],
                1 => &[50.0, 35.0, 15.0],
                _ => &[15.0, 55.0, 30.0],
            }) as u8;
            let nominal = (1.0 + NOMINAL_PAGES_PER_WEIGHT * page_weight) * secs;
            let duration_s = (nominal.round() as i64 + 5)
                .min((self.stop.saturating_sub(1) - started_at) / MICROS_PER_SEC);
            f(
                Session {
                    id: day_id | i64::from(k),
                    started_at,
                    duration_s,
                    page_weight,
                    page_draw,
                    use_weight,
                    use_draw,
                    device,
                },
                critical,
            );
            e += r.exp(1.0);
        }
    }

    /// Whether a drawn session is in the cut ending at `end`: it started inside the user's life
    /// (at least [`LAST_LOGIN_MARGIN`] before its end) and had ended by `end`.
    fn recorded(&self, s: &Session, end: i64) -> bool {
        s.started_at >= self.created
            && s.started_at < self.stop.saturating_sub(LAST_LOGIN_MARGIN)
            && s.ended_at() < end
    }

    /// Days whose sessions can start in `[from, end)` inside the user's life.
    fn days(&self, from: i64, end: i64) -> std::ops::RangeInclusive<i64> {
        let first = time::day_of(from.max(self.created)) - 1;
        let last = time::day_of(end.min(self.stop.saturating_sub(1)) - 1);
        first..=last
    }

    /// The user's sessions in the trailing activity year of the cut ending at `end`, in id
    /// order (day by day; a day's sessions in the order they were drawn).
    pub fn sessions(&self, fit: &LoginFit, end: i64, mut f: impl FnMut(&Session)) {
        let from = end - ACTIVITY_DAYS * MICROS_PER_DAY;
        for day in self.days(from, end) {
            self.day(day, fit.scale, |s, _| {
                if self.recorded(&s, end) && s.started_at >= from {
                    f(&s);
                }
            });
        }
    }

    /// The user's latest login by `end`: the start of the last session recorded by then.
    pub fn last_login(&self, fit: &LoginFit, end: i64) -> Option<i64> {
        let days = self.days(i64::MIN / 2, end);
        for day in days.rev() {
            let mut latest = None;
            self.day(day, fit.scale, |s, _| {
                if self.recorded(&s, end) {
                    latest = latest.max(Some(s.started_at));
                }
            });
            if latest.is_some() {
                return latest;
            }
        }
        None
    }

    /// What the user has in the cut ending at `end`.
    pub fn activity(&self, fit: &LoginFit, end: i64) -> Activity {
        let mut a = Activity::default();
        self.sessions(fit, end, |s| {
            a.sessions += 1;
            a.pages += s.pages(fit);
            a.uses += s.uses(fit);
        });
        a
    }
}

/// The day session ids count from: the day before the history's start.
fn history_first_day(cfg: &Config) -> i64 {
    time::day_of(cfg.start_ts()) - 1
}

/// The session processes of the history's users that had signed up by `end`, with the index of
/// each user.
fn lives(w: &World, end: i64) -> Vec<Life<'_>> {
    w.users
        .iter()
        .filter(|u| u.created_at < end)
        .filter_map(|u| Life::of(w, u))
        .collect()
}

/// Fits the history's session process to the profile's exact counts in the anchor's trailing
/// year: the scale by the sessions' critical values, then pages and feature uses by their steps
/// (each an order statistic over one pass of the anchor's sessions).
pub(super) fn fit(w: &World) -> LoginFit {
    let end = w.cfg.anchor_end_ts();
    let from = end - ACTIVITY_DAYS * MICROS_PER_DAY;
    let lives = lives(w, end);
    let get = |t: &str| w.counts.try_get(t).unwrap_or(0);
    let (sessions, pages, uses) = (
        get("app_user_sessions"),
        get("app_page_views"),
        get("app_feature_usage"),
    );
    // Expected sessions at scale 1, for the first guess.
    let expected: f64 = lives
        .par_iter()
        .map(|l| l.days(from, end).map(|d| l.lambda(d)).sum::<f64>())
        .sum();
    // The scale pass also sums the page and use weights of the sessions at or below its band,
    // for the first guesses of the next fits (floor(β w + v) has mean β w).
    let sums = std::sync::Mutex::new((0u64, 0.0, 0.0));
    let scale = order_statistic(sessions, sessions as f64 / expected.max(1e-9), |lo, hi| {
        *sums.lock().expect("sums") = (0, 0.0, 0.0);
        band(&lives, |l, below, band| {
            let mut t = (0u64, 0.0, 0.0);
            for day in l.days(from, end) {
                l.day(day, hi, |s, c| {
                    if l.recorded(&s, end) && s.started_at >= from {
                        if c <= lo {
                            *below += 1;
                            t = (t.0 + 1, t.1 + s.page_weight, t.2 + s.use_weight);
                        } else {
                            band.push(c);
                        }
                    }
                });
            }
            let mut all = sums.lock().expect("sums");
            *all = (all.0 + t.0, all.1 + t.1, all.2 + t.2);
        })
    })
    .expect("the anchor's users can hold the profile's sessions");
    let (n, page_w, use_w) = *sums.lock().expect("sums");
    // The sums cover the sessions below the band: scaled up to all of them.
    let per_session = sessions as f64 / n.max(1) as f64;
    let (page_w, use_w) = (page_w * per_session, use_w * per_session);
    let mut fit = LoginFit {
        scale,
        pages: 0.0,
        uses: 0.0,
    };
    let extra_pages = pages.saturating_sub(sessions);
    let [page_factor, use_factor] = order_statistics(
        [extra_pages, uses],
        [
            extra_pages as f64 / page_w.max(1e-9),
            uses as f64 / use_w.max(1e-9),
        ],
        |[(plo, phi), (ulo, uhi)]| {
            let bands = |l: &Life<'_>, pages: &mut (u64, Vec<f64>), uses: &mut (u64, Vec<f64>)| {
                l.sessions(&fit, end, |s| {
                    let (w, v) = (s.page_weight, s.page_draw);
                    pages.0 += step_band(plo, phi, w, v, MAX_PAGES - 1, &mut pages.1);
                    uses.0 += step_band(ulo, uhi, s.use_weight, s.use_draw, MAX_USES, &mut uses.1);
                })
            };
            lives
                .par_chunks(1024)
                .map(|chunk| {
                    let (mut p, mut u) = ((0, Vec::new()), (0, Vec::new()));
                    chunk.iter().for_each(|l| bands(l, &mut p, &mut u));
                    [p, u]
                })
                .reduce(
                    || [(0, Vec::new()), (0, Vec::new())],
                    |[mut a, mut b], [mut c, mut d]| {
                        a.0 += c.0;
                        a.1.append(&mut c.1);
                        b.0 += d.0;
                        b.1.append(&mut d.1);
                        [a, b]
                    },
                )
        },
    )
    .expect("the anchor's sessions can hold the profile's page views and feature uses");
    fit.pages = page_factor;
    fit.uses = use_factor;
    fit
}

/// One counting pass over every user, in parallel: the values at or below the band and those
/// inside it.
fn band(
    lives: &[Life<'_>],
    visit: impl Fn(&Life<'_>, &mut u64, &mut Vec<f64>) + Sync,
) -> (u64, Vec<f64>) {
    lives
        .par_chunks(1024)
        .map(|chunk| {
            let (mut below, mut band) = (0u64, Vec::new());
            for l in chunk {
                visit(l, &mut below, &mut band);
            }
            (below, band)
        })
        .reduce(
            || (0, Vec::new()),
            |mut a, mut b| {
                a.0 += b.0;
                a.1.append(&mut b.1);
                a
            },
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_count_the_critical_values_below() {
        for (w, v) in [(0.3, 0.0), (1.7, 0.99), (0.05, 0.5)] {
            for x in [0.0, 0.4, 3.3, 1e6] {
                let direct = (1..=MAX_PAGES)
                    .filter(|&j| (f64::from(j) - v) / w <= x)
                    .count() as u32;
                assert_eq!(steps(x, w, v, MAX_PAGES), direct, "{w} {v} {x}");
                let mut band = Vec::new();
                let below = step_band(x / 2.0, x, w, v, MAX_PAGES, &mut band);
                assert_eq!(below + band.len() as u64, u64::from(direct));
            }
        }
    }
}
