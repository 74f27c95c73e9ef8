//! The activity plan: which users' sessions each shard of the session, page-view and
//! feature-usage tables holds. The sessions themselves are the world's session process
//! ([`crate::world::logins`]): one history, cut at the dataset's end, so a later cut holds every
//! session of an earlier one (inside its trailing year) with the same id and columns.

use crate::world::logins::{Life, Session};
use crate::world::{User, World};

pub use crate::world::logins::{ACTIVITY_DAYS, FADE_DAYS, MAX_PAGES, MAX_USES, fading};

/// Users per shard range of the activity tables.
pub const USERS_PER_SHARD: usize = 20_000;

pub const DEVICE_TYPES: [&str; 3] = ["desktop", "mobile", "tablet"];

pub struct ActivityPlan;

impl ActivityPlan {
    pub fn build(_world: &World) -> ActivityPlan {
        ActivityPlan
    }

    pub fn shard_count(world: &World) -> usize {
        world.users.len().div_ceil(USERS_PER_SHARD).max(1)
    }

    pub fn users(world: &World, shard: usize) -> std::ops::Range<usize> {
        shard * USERS_PER_SHARD..((shard + 1) * USERS_PER_SHARD).min(world.users.len())
    }

    /// Rows per shard of one activity table, from each user's counts in the cut.
    pub fn shard_rows(
        world: &World,
        rows: impl Fn(&crate::world::logins::Activity) -> u32,
    ) -> Vec<u64> {
        (0..Self::shard_count(world))
            .map(|s| {
                Self::users(world, s)
                    .map(|u| world.activity.get(u).map_or(0, |a| u64::from(rows(a))))
                    .sum()
            })
            .collect()
    }
}

/// The sessions of user `u` in the cut's trailing year, in id order.
pub fn user_sessions(world: &World, u: usize) -> Vec<Session> {
    let user: &User = &world.users[u];
    let mut out = Vec::new();
    if let Some(life) = Life::of(world, user) {
        life.sessions(&world.logins, world.cfg.end_ts(), |s| out.push(*s));
    }
    out
}
