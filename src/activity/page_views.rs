//! `app_page_views`: the pages of every session, in order; their count per session is exactly the
//! session's `page_count`, their times fill the session, the last one is the exit page.

use std::sync::LazyLock;

use arrow::record_batch::RecordBatch;

use super::{ActivityPlan, per_session, user_sessions};
use crate::arrays::*;
use crate::error::Result;
use crate::iot::apportion;
use crate::rng::Rand;
use crate::schema::{ColType::*, TableSchema, col};
use crate::table::{BATCH_ROWS, Table};
use crate::world::World;

pub struct PageViewsTable;

/// (path, category, weight as a next page).
pub const PAGES: [(&str, &str, f64); 10] = [
    ("/dashboard", "dashboard", 20.0),
    ("/pours", "analytics", 14.0),
    ("/reports/sales", "analytics", 10.0),
    ("/inventory", "inventory", 14.0),
    ("/inventory/kegs", "inventory", 9.0),
    ("/menu", "operations", 8.0),
    ("/staff", "operations", 6.0),
    ("/devices", "devices", 9.0),
    ("/settings", "settings", 4.0),
    ("/billing", "settings", 2.0),
];

static SCHEMA: LazyLock<TableSchema> = LazyLock::new(|| {
    TableSchema::new(
        "app_page_views",
        "Pages viewed inside user sessions.",
        "page_view_id",
        vec![
            col("page_view_id", Int64, "Surrogate key of the page view."),
            col("session_id", Int64, "Session the view belongs to."),
            col("user_id", Int64, "User viewing the page."),
            col("viewed_at", Timestamp, "When the page was opened."),
            col("page_path", Text, "Path of the page."),
            col("page_category", Text, "Area of the product.").accepted(&[
                "dashboard",
                "analytics",
                "inventory",
                "operations",
                "devices",
                "settings",
            ]),
            col(
                "view_order",
                Int32,
                "Position of the page in the session, from 1.",
            ),
            col(
                "time_on_page_s",
                Int64,
                "Seconds until the next page or the session's end.",
            ),
            col("is_exit", Bool, "Whether the session ended on this page."),
        ],
        &[
            ("session_id", "app_user_sessions", "session_id"),
            ("user_id", "app_users", "user_id"),
        ],
    )
});

struct Row {
    id: i64,
    session: i64,
    user: i64,
    at: i64,
    page: u8,
    order: i32,
    secs: i64,
    exit: bool,
}

impl Table for PageViewsTable {
    fn schema(&self) -> &'static TableSchema {
        &SCHEMA
    }

    fn shard_rows(&self, world: &World) -> Vec<u64> {
        let k = per_session(world, "app_page_views");
        ActivityPlan::of(world)
            .shard_sessions(world)
            .iter()
            .map(|s| s * k)
            .collect()
    }

    fn generate(
        &self,
        world: &World,
        shard: usize,
        emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
    ) -> Result<()> {
        let plan = ActivityPlan::of(world);
        let k = per_session(world, "app_page_views");
        let end = world.cfg.end_ts();
        let weights: Vec<f64> = PAGES.iter().map(|p| p.2).collect();
        let mut rows: Vec<Row> = Vec::with_capacity(BATCH_ROWS);
        for u in ActivityPlan::users(world, shard) {
            let user = &world.users[u];
            let mut rng = Rand::new(world.cfg.seed, "app_page_views", user.id as u64);
            let mut next_id = (plan.offsets[u] * k) as i64 + 1;
            for s in user_sessions(world, plan, u, k) {
                let duration = s.duration_s.min((end - 1 - s.started_at) / 1_000_000);
                let dwell: Vec<f64> = (0..s.pages).map(|_| rng.lognormal(1.0, 0.7)).collect();
                let secs = apportion(duration as u64, &dwell);
                let mut at = s.started_at;
                let mut page = if rng.chance(0.6) {
                    0
                } else {
                    rng.weighted(&weights)
                };
                for (i, sec) in secs.iter().enumerate() {
                    rows.push(Row {
                        id: next_id,
                        session: s.id,
                        user: user.id,
                        at,
                        page: page as u8,
                        order: i as i32 + 1,
                        secs: i64::from(*sec),
                        exit: i + 1 == secs.len(),
                    });
                    next_id += 1;
                    at += i64::from(*sec) * 1_000_000;
                    // Users move on to another area; rarely reload the same page.
                    let next = rng.weighted(&weights);
                    page = if next == page {
                        (next + 1) % PAGES.len()
                    } else {
                        next
                    };
                    if rows.len() == BATCH_ROWS {
                        emit(build(&rows)?)?;
                        rows.clear();
                    }
                }
            }
        }
        if !rows.is_empty() {
            emit(build(&rows)?)?;
        }
        Ok(())
    }

    fn checks(&self, ds: &crate::validate::Dataset) -> Result<Vec<crate::validate::Check>> {
        super::checks::page_view_checks(ds)
    }
}

fn build(r: &[Row]) -> Result<RecordBatch> {
    batch(
        &SCHEMA,
        vec![
            i64s(r.iter().map(|r| r.id)),
            i64s(r.iter().map(|r| r.session)),
            i64s(r.iter().map(|r| r.user)),
            timestamps(r.iter().map(|r| r.at)),
            texts(r.iter().map(|r| PAGES[r.page as usize].0)),
            texts(r.iter().map(|r| PAGES[r.page as usize].1)),
            i32s(r.iter().map(|r| r.order)),
            i64s(r.iter().map(|r| r.secs)),
            bools(r.iter().map(|r| r.exit)),
        ],
    )
}
