//! Locations, devices and users of an account, opened over its life up to a given instant.

use std::collections::HashSet;

use super::history::YEAR;
use super::*;
use crate::rng::Rand;

/// Locations of an account opened between its sign-up and `until`: the first at sign-up (an
/// account always has a venue), the others spread over that life.
pub(super) fn push_locations(w: &mut World, rng: &mut Rand, account: u32, count: u8, until: i64) {
    let a = &w.accounts[account as usize];
    let created = a.created_at;
    let life = (until - created) as f64;
    let city_weights = geo::weights();
    let mut times: Vec<i64> = (0..count)
        .map(|j| {
            let frac = if j == 0 { 0.0 } else { rng.uniform(0.05, 0.7) };
            created + (life * frac) as i64
        })
        .collect();
    times.sort_unstable();
    let short = a.name.trim_start_matches("The ").to_string();
    let hq = a.hq_city as usize;
    for (j, created_at) in times.into_iter().enumerate() {
        let city = if j == 0 || rng.chance(0.7) {
            geo::same_state(hq, rng.f64())
        } else {
            rng.weighted(&city_weights)
        };
        let c = &geo::CITIES[city];
        let id = w.locations.len() as i64 + 1;
        w.locations.push(Location {
            id,
            account,
            name: format!("{short} - {}", c.name),
            kind: rng.weighted(&LOCATION_TYPE_SHARES) as u8,
            street: format!(
                "{} {} {}",
                rng.range(10, 9_899),
                rng.pick(names::STREETS),
                rng.pick(names::STREET_KINDS)
            ),
            city: city as u16,
            zip: c.zips[rng.below(c.zips.len() as u64) as usize],
            created_at,
            devices: 0..0,
        });
    }
}

/// Devices of a location, installed in its first two weeks (before `until`).
pub(super) fn push_devices(w: &mut World, rng: &mut Rand, location: u32, count: u8, until: i64) {
    let loc = &w.locations[location as usize];
    let account = loc.account;
    let room = until - loc.created_at;
    let created = loc.created_at;
    for _ in 0..count {
        let installed_at = created + rng.range(0, (14 * MICROS_PER_DAY).min(room / 3));
        let id = w.devices.len() as i64 + 1;
        w.devices.push(Device {
            id,
            location,
            account,
            model: rng.weighted(&[35.0, 25.0, 25.0, 15.0]) as u8,
            firmware: 0,
            installed_at,
            status: 0,
            last_seen_at: installed_at,
        });
    }
}

/// Annual chance that an admin deactivates a user of a live account.
const DEACTIVATION_PER_YEAR: f64 = 0.045;

/// Users of an account invited between its sign-up and `until`: the first at sign-up.
pub(super) fn push_users(w: &mut World, rng: &mut Rand, account: u32, count: u8, until: i64) {
    let a = &w.accounts[account as usize];
    let life = until - a.created_at;
    let mut emails = HashSet::new();
    for j in 0..count {
        let first_name = rng.pick(names::FIRST_NAMES);
        let last_name = rng.pick(names::LAST_NAMES);
        let local = format!("{}.{}", names::slug(first_name), names::slug(last_name));
        let mut email = format!("{local}@{}", a.domain);
        let mut k = 2;
        while !emails.insert(email.clone()) {
            email = format!("{local}{k}@{}", a.domain);
            k += 1;
        }
        let role = rng.weighted(&ROLE_SHARES) as u8;
        let login_frequency = rng.weighted(match role {
            0 => &[60.0, 30.0, 10.0],
            1 => &[50.0, 40.0, 10.0],
            _ => &[30.0, 45.0, 25.0],
        }) as u8;
        // The first two (the owner and a second admin or manager) join at sign-up.
        let created_at = if j < 2 {
            a.created_at
        } else {
            a.created_at + (life as f64 * rng.uniform(0.0, 0.6)) as i64
        };
        let deactivated_at =
            Some(created_at + (rng.exp(1.0 / DEACTIVATION_PER_YEAR) * YEAR) as i64)
                .filter(|&t| t < i64::MAX / 4);
        let logs_in = rng.chance(0.97);
        let id = w.users.len() as i64 + 1;
        w.users.push(User {
            id,
            account,
            first_name,
            last_name,
            email,
            role,
            login_frequency,
            created_at,
            deactivated_at,
            logs_in,
            last_login_at: None,
            is_active: true,
        });
    }
}
