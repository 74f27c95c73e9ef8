//! The history after the anchor: accounts that sign up later, and the ids of every row begun
//! after the anchor.

use std::collections::HashSet;

use super::children::{push_devices, push_locations, push_users};
use super::history::{
    ChangeRate, YEAR, devices_of, draw_lifecycle, locations_of, push_account, sign_up, users_of,
};
use super::periods::push_plans;
use super::*;
use crate::rng::Rand;

/// Nominal years over which an account that signs up after the anchor opens its locations and
/// invites its users (the ones before the anchor were fitted over their life to the anchor).
const LATER_LIFE_YEARS: f64 = 3.0;
/// Days past the horizon over which accounts still sign up: a customer's CRM company opens up to
/// 90 days before its sales cycle (up to 180 days) ends in the sign-up.
pub const LOOKAHEAD_DAYS: i64 = 366;

/// Accounts signing up after the anchor, until [`LOOKAHEAD_DAYS`] past the horizon: arrivals on
/// the growth curve (a Poisson process whose rate grows YEARLY_GROWTH a year), each drawn from
/// its own stream with its plans, locations, devices and users. Those past the horizon are in
/// no cut; the CRM reads them, whose companies and deals begin months before their sign-up.
pub(super) fn push_later_accounts(w: &mut World, domains: &mut HashSet<String>, rate: ChangeRate) {
    let cfg = w.cfg.clone();
    let n = cfg.profile.accounts() as f64;
    let (start, anchor, horizon) = (cfg.start_ts(), cfg.anchor_end_ts(), cfg.horizon_end_ts());
    let span_year = (anchor - start) as f64 / HISTORY_YEARS as f64;
    let g = YEARLY_GROWTH.powi(HISTORY_YEARS as i32) - 1.0;
    // Expected sign-ups since the start by year y is n (1.4^y − 1) / (1.4^5 − 1).
    let mut arrivals = Rand::new(cfg.seed, "world.arrivals", 0);
    let mut expected = n;
    let mut created = Vec::new();
    loop {
        expected += arrivals.exp(1.0);
        let years = (1.0 + expected * g / n).ln() / YEARLY_GROWTH.ln();
        let t = start + (years * span_year) as i64;
        let at = sign_up(time::day_of(t), &mut arrivals).max(anchor);
        if at >= horizon + LOOKAHEAD_DAYS * MICROS_PER_DAY {
            break;
        }
        created.push(at);
    }
    created.sort_unstable();
    for at in created {
        let i = w.accounts.len();
        let mut rng = Rand::new(cfg.seed, "world.account", i as u64 + 1);
        let tier = rng.weighted(&TIER_SHARES) as u8;
        let users = users_of(tier, &mut rng);
        let locations = locations_of(tier, &mut rng);
        let l = draw_lifecycle(at, tier, users, &mut rng);
        push_account(w, &mut rng, domains, at, tier, &l);
        push_plans(w, &mut rng, i, &l, 0, rate);
        let until = w.accounts[i]
            .churned_at
            .unwrap_or(i64::MAX)
            .min(at + (LATER_LIFE_YEARS * YEAR) as i64);
        let first = w.locations.len() as u32;
        push_locations(w, &mut rng, i as u32, locations, until);
        w.accounts[i].locations = first..w.locations.len() as u32;
        for li in first as usize..w.locations.len() {
            let n_dev = devices_of(tier, &mut rng);
            let first_dev = w.devices.len() as u32;
            push_devices(w, &mut rng, li as u32, n_dev, until);
            w.locations[li].devices = first_dev..w.devices.len() as u32;
        }
        let first_user = w.users.len() as u32;
        push_users(w, &mut rng, i as u32, users, until);
        w.accounts[i].users = first_user..w.users.len() as u32;
    }
    // Children past the horizon are not part of this history.
    drop_past_horizon(w, horizon);
}

/// Removes locations, devices and users created at or after the horizon (of accounts that
/// signed up shortly before it), keeping every range contiguous.
fn drop_past_horizon(w: &mut World, horizon: i64) {
    let keep_loc: Vec<bool> = w.locations.iter().map(|l| l.created_at < horizon).collect();
    let keep_dev: Vec<bool> = w
        .devices
        .iter()
        .map(|d| d.installed_at < horizon && keep_loc[d.location as usize])
        .collect();
    let keep_user: Vec<bool> = w.users.iter().map(|u| u.created_at < horizon).collect();
    if keep_loc.iter().all(|&k| k) && keep_dev.iter().all(|&k| k) && keep_user.iter().all(|&k| k) {
        return;
    }
    let remap = |keep: &[bool]| -> Vec<u32> {
        let mut next = 0u32;
        keep.iter()
            .map(|&k| {
                let i = next;
                next += u32::from(k);
                i
            })
            .collect()
    };
    let (loc_at, dev_at, user_at) = (remap(&keep_loc), remap(&keep_dev), remap(&keep_user));
    let range = |r: &std::ops::Range<u32>, at: &[u32], keep: &[bool]| {
        let kept = r.clone().filter(|&i| keep[i as usize]).count() as u32;
        let start = at.get(r.start as usize).copied().unwrap_or(at.len() as u32);
        start..start + kept
    };
    for a in &mut w.accounts {
        a.locations = range(&a.locations, &loc_at, &keep_loc);
        a.users = range(&a.users, &user_at, &keep_user);
    }
    for l in &mut w.locations {
        l.devices = range(&l.devices, &dev_at, &keep_dev);
    }
    for d in &mut w.devices {
        d.location = loc_at[d.location as usize];
    }
    let mut k = keep_loc.iter();
    w.locations
        .retain(|_| *k.next().expect("one flag per location"));
    let mut k = keep_dev.iter();
    w.devices
        .retain(|_| *k.next().expect("one flag per device"));
    let mut k = keep_user.iter();
    w.users.retain(|_| *k.next().expect("one flag per user"));
}

/// Ids of rows that begin after the anchor: the rows in place by the anchor keep the dense
/// ids they were pushed with; later ones follow them in the order they begin (time, then
/// account), so an id depends only on what happened before its row began.
pub(super) fn renumber_later(w: &mut World, anchored: (usize, usize, usize)) {
    let (locations, users, devices) = anchored;
    let anchor = w.cfg.anchor_end_ts();
    fn assign<T>(
        rows: &mut [T],
        first_id: i64,
        key: impl Fn(&T) -> (i64, u32),
        id: impl Fn(&mut T) -> &mut i64,
    ) {
        let mut order: Vec<usize> = (0..rows.len()).collect();
        order.sort_by_key(|&i| (key(&rows[i]), i));
        for (rank, i) in order.into_iter().enumerate() {
            *id(&mut rows[i]) = first_id + rank as i64;
        }
    }
    assign(
        &mut w.locations[locations..],
        locations as i64 + 1,
        |l| (l.created_at, l.account),
        |l| &mut l.id,
    );
    assign(
        &mut w.users[users..],
        users as i64 + 1,
        |u| (u.created_at, u.account),
        |u| &mut u.id,
    );
    assign(
        &mut w.devices[devices..],
        devices as i64 + 1,
        |d| (d.installed_at, d.location),
        |d| &mut d.id,
    );
    // Subscriptions: the dense ids of those begun by the anchor, in account order, then the
    // later ones (of every account) in start order.
    let (before, after): (Vec<usize>, Vec<usize>) =
        (0..w.subscriptions.len()).partition(|&i| w.subscriptions[i].started_at < anchor);
    for (k, &i) in before.iter().enumerate() {
        w.subscriptions[i].id = k as i64 + 1;
    }
    let mut after = after;
    after.sort_by_key(|&i| (w.subscriptions[i].started_at, w.subscriptions[i].account, i));
    for (k, i) in after.into_iter().enumerate() {
        w.subscriptions[i].id = (before.len() + k) as i64 + 1;
    }
}
