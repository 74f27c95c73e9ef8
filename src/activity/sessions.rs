//! `app_user_sessions`: logins of active users of live accounts over the trailing year; each
//! user's last session starts at their `last_login_at`.

use std::sync::LazyLock;

use arrow::record_batch::RecordBatch;

use super::{ActivityPlan, DEVICE_TYPES, per_session, user_sessions};
use crate::arrays::*;
use crate::error::Result;
use crate::schema::{ColType::*, TableSchema, col};
use crate::table::Table;
use crate::world::{World, geo::CITIES};

pub struct SessionsTable;

static SCHEMA: LazyLock<TableSchema> = LazyLock::new(|| {
    TableSchema::new(
        "app_user_sessions",
        "Logged-in sessions of platform users.",
        "session_id",
        vec![
            col("session_id", Int64, "Surrogate key of the session."),
            col("user_id", Int64, "User who logged in."),
            col("account_id", Int64, "Account of the user."),
            col("started_at", Timestamp, "Login time."),
            col("ended_at", Timestamp, "Last activity of the session."),
            col("duration_s", Int64, "Session length, seconds."),
            col("device_type", Text, "Device used.").accepted(&DEVICE_TYPES),
            col(
                "ip_address",
                Text,
                "Client IP address (geolocates to one of the account's states).",
            ),
            col("geo_state", Text, "US state the IP address geolocates to."),
            col("page_count", Int32, "Pages viewed in the session."),
        ],
        &[
            ("user_id", "app_users", "user_id"),
            ("account_id", "app_accounts", "account_id"),
        ],
    )
});

impl Table for SessionsTable {
    fn schema(&self) -> &'static TableSchema {
        &SCHEMA
    }

    fn shard_rows(&self, world: &World) -> Vec<u64> {
        ActivityPlan::of(world).shard_sessions(world)
    }

    fn generate(
        &self,
        world: &World,
        shard: usize,
        emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
    ) -> Result<()> {
        let plan = ActivityPlan::of(world);
        let pages = per_session(world, "app_page_views");
        let end = world.cfg.end_ts();
        let mut rows: Vec<Row> = Vec::new();
        for u in ActivityPlan::users(world, shard) {
            let user = &world.users[u];
            let a = &world.accounts[user.account as usize];
            let locs = a.locations.clone();
            for (k, s) in user_sessions(world, plan, u, pages).into_iter().enumerate() {
                // The IP geolocates to one of the account's venues.
                let loc = &world.locations[(locs.start + (k as u32 % locs.len() as u32)) as usize];
                rows.push(Row {
                    id: s.id,
                    user: user.id,
                    account: a.id,
                    started_at: s.started_at,
                    duration_s: s.duration_s.min((end - 1 - s.started_at) / 1_000_000),
                    device: s.device,
                    city: loc.city,
                    pages: s.pages,
                });
                if rows.len() == crate::table::BATCH_ROWS {
                    emit(build(&rows)?)?;
                    rows.clear();
                }
            }
        }
        if !rows.is_empty() {
            emit(build(&rows)?)?;
        }
        Ok(())
    }

    fn checks(&self, ds: &crate::validate::Dataset) -> Result<Vec<crate::validate::Check>> {
        super::checks::session_checks(ds)
    }
}

struct Row {
    id: i64,
    user: i64,
    account: i64,
    started_at: i64,
    duration_s: i64,
    device: u8,
    city: u16,
    pages: u32,
}

fn build(rows: &[Row]) -> Result<RecordBatch> {
    batch(
        &SCHEMA,
        vec![
            i64s(rows.iter().map(|r| r.id)),
            i64s(rows.iter().map(|r| r.user)),
            i64s(rows.iter().map(|r| r.account)),
            timestamps(rows.iter().map(|r| r.started_at)),
            timestamps(rows.iter().map(|r| r.started_at + r.duration_s * 1_000_000)),
            i64s(rows.iter().map(|r| r.duration_s)),
            texts(rows.iter().map(|r| DEVICE_TYPES[r.device as usize])),
            texts(rows.iter().map(|r| {
                let h = (r.id as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
                let (b, c, d) = (h % 250 + 1, (h >> 8) % 250 + 1, (h >> 16) % 250 + 1);
                format!("{}.{b}.{c}.{d}", 24 + r.city)
            })),
            texts(rows.iter().map(|r| CITIES[r.city as usize].state)),
            i32s(rows.iter().map(|r| r.pages as i32)),
        ],
    )
}
