//! `app_user_sessions`: the sessions that ended inside the cut's trailing year, from the world's
//! session process (users of accounts that churned up to the churn); each user's last session
//! starts at their `last_login_at`.

use std::sync::LazyLock;

use arrow::record_batch::RecordBatch;

use crate::arrays::*;
use crate::error::Result;
use crate::plans::Plans;
use crate::plans::activity::{ActivityPlan, DEVICE_TYPES, user_sessions};
use crate::profile::Size;
use crate::rng::stable_hash;
use crate::schema::{ColType::*, TableSchema, col};
use crate::table::Table;
use crate::world::{World, geo::CITIES};

pub struct SessionsTable;

/// Columns of `app_user_sessions`, named once: the schema below and every check refer to these.
pub mod cols {
    use crate::schema::Col;

    pub const TABLE: &str = "app_user_sessions";
    pub const SESSION_ID: Col = Col::new(TABLE, "session_id");
    pub const USER_ID: Col = Col::new(TABLE, "user_id");
    pub const ACCOUNT_ID: Col = Col::new(TABLE, "account_id");
    pub const STARTED_AT: Col = Col::new(TABLE, "started_at");
    pub const ENDED_AT: Col = Col::new(TABLE, "ended_at");
    pub const DURATION_S: Col = Col::new(TABLE, "duration_s");
    pub const DEVICE_TYPE: Col = Col::new(TABLE, "device_type");
    pub const IP_ADDRESS: Col = Col::new(TABLE, "ip_address");
    pub const GEO_STATE: Col = Col::new(TABLE, "geo_state");
    pub const PAGE_COUNT: Col = Col::new(TABLE, "page_count");
}

static SCHEMA: LazyLock<TableSchema> = LazyLock::new(|| {
    TableSchema::new(
        cols::TABLE,
        "Logged-in sessions of platform users.",
        Size::Scaled {
            dev: 50_000,
            qa: 2_500_000,
            production: 10_000_000,
        },
        cols::SESSION_ID,
        vec![
            col(cols::SESSION_ID, Int64, "Surrogate key of the session."),
            col(cols::USER_ID, Int64, "User who logged in.").grouped(),
            col(cols::ACCOUNT_ID, Int64, "Account of the user.").grouped(),
            col(cols::STARTED_AT, Timestamp, "Login time."),
            col(cols::ENDED_AT, Timestamp, "Last activity of the session."),
            col(cols::DURATION_S, Int64, "Session length, seconds."),
            col(cols::DEVICE_TYPE, Text, "Device used.").accepted(&DEVICE_TYPES),
            col(
                cols::IP_ADDRESS,
                Text,
                "Client IP address (geolocates to one of the account's states).",
            ),
            col(
                cols::GEO_STATE,
                Text,
                "US state the IP address geolocates to.",
            ),
            col(cols::PAGE_COUNT, Int32, "Pages viewed in the session."),
        ],
        &[
            (cols::USER_ID, "app_users", "user_id"),
            (cols::ACCOUNT_ID, "app_accounts", "account_id"),
        ],
    )
});

impl Table for SessionsTable {
    fn schema(&self) -> &'static TableSchema {
        &SCHEMA
    }

    fn shard_rows(&self, world: &World, plans: &Plans) -> Vec<u64> {
        let _ = plans;
        ActivityPlan::shard_rows(world, |a| a.sessions)
    }

    fn generate(
        &self,
        world: &World,
        plans: &Plans,
        shard: usize,
        emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
    ) -> Result<()> {
        let _ = plans;
        let fit = &world.logins;
        let mut rows: Vec<Row> = Vec::new();
        for u in ActivityPlan::users(world, shard) {
            let user = &world.users[u];
            let a = &world.accounts[user.account as usize];
            let locs = &world.locations[a.locations.start as usize..a.locations.end as usize];
            for s in user_sessions(world, u) {
                // The IP geolocates to one of the account's venues open by then.
                let open = locs.iter().filter(|l| l.created_at <= s.started_at).count();
                let pick = stable_hash(world.cfg.seed, "app_user_sessions.venue", s.id as u64);
                let loc = locs
                    .iter()
                    .filter(|l| l.created_at <= s.started_at)
                    .nth(pick as usize % open.max(1))
                    .unwrap_or(&locs[0]);
                rows.push(Row {
                    id: s.id,
                    user: user.id,
                    account: a.id,
                    started_at: s.started_at,
                    duration_s: s.duration_s,
                    device: s.device,
                    city: loc.city,
                    pages: s.pages(fit),
                });
                if rows.len() == crate::arrays::BATCH_ROWS {
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
            texts_written(rows, |s, r| {
                let h = (r.id as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
                let (b, c, d) = (h % 250 + 1, (h >> 8) % 250 + 1, (h >> 16) % 250 + 1);
                push_decimal(s, 24 + u64::from(r.city));
                for part in [b, c, d] {
                    s.push('.');
                    push_decimal(s, part);
                }
            }),
            texts(rows.iter().map(|r| CITIES[r.city as usize].state)),
            i32s(rows.iter().map(|r| r.pages as i32)),
        ],
    )
}
