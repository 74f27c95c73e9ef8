//! `app_page_views`: the pages of every session, in order; their count per session is exactly the
//! session's `page_count`, their times fill the session, the last one is the exit page.

use std::sync::LazyLock;

use arrow::record_batch::RecordBatch;

use crate::allocate::apportion;
use crate::arrays::BATCH_ROWS;
use crate::arrays::*;
use crate::error::Result;
use crate::plans::Plans;
use crate::plans::activity::{ActivityPlan, user_sessions};
use crate::profile::Size;
use crate::rng::{LogNormalDist, Rand};
use crate::schema::{ColType::*, TableSchema, col};
use crate::table::Table;
use crate::world::World;

pub struct PageViewsTable;

/// Bits of a page view id below its session's id: the view's place in the session.
const PAGE_BITS: u32 = 6;
const _: () = assert!(crate::plans::activity::MAX_PAGES < 1 << PAGE_BITS);

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

/// Columns of `app_page_views`, named once: the schema below and every check refer to these.
pub mod cols {
    use crate::schema::Col;

    pub const TABLE: &str = "app_page_views";
    pub const PAGE_VIEW_ID: Col = Col::new(TABLE, "page_view_id");
    pub const SESSION_ID: Col = Col::new(TABLE, "session_id");
    pub const USER_ID: Col = Col::new(TABLE, "user_id");
    pub const VIEWED_AT: Col = Col::new(TABLE, "viewed_at");
    pub const PAGE_PATH: Col = Col::new(TABLE, "page_path");
    pub const PAGE_CATEGORY: Col = Col::new(TABLE, "page_category");
    pub const VIEW_ORDER: Col = Col::new(TABLE, "view_order");
    pub const TIME_ON_PAGE_S: Col = Col::new(TABLE, "time_on_page_s");
    pub const IS_EXIT: Col = Col::new(TABLE, "is_exit");
}

static SCHEMA: LazyLock<TableSchema> = LazyLock::new(|| {
    TableSchema::new(
        cols::TABLE,
        "Pages viewed inside user sessions.",
        Size::Scaled {
            dev: 250_000,
            qa: 12_500_000,
            production: 50_000_000,
        },
        cols::PAGE_VIEW_ID,
        vec![
            col(cols::PAGE_VIEW_ID, Int64, "Surrogate key of the page view."),
            col(cols::SESSION_ID, Int64, "Session the view belongs to.").grouped(),
            col(cols::USER_ID, Int64, "User viewing the page.").grouped(),
            col(cols::VIEWED_AT, Timestamp, "When the page was opened."),
            col(cols::PAGE_PATH, Text, "Path of the page."),
            col(cols::PAGE_CATEGORY, Text, "Area of the product.").accepted(&[
                "dashboard",
                "analytics",
                "inventory",
                "operations",
                "devices",
                "settings",
            ]),
            col(
                cols::VIEW_ORDER,
                Int32,
                "Position of the page in the session, from 1.",
            ),
            col(
                cols::TIME_ON_PAGE_S,
                Int64,
                "Seconds until the next page or the session's end.",
            ),
            col(
                cols::IS_EXIT,
                Bool,
                "Whether the session ended on this page.",
            ),
        ],
        &[
            (cols::SESSION_ID, "app_user_sessions", "session_id"),
            (cols::USER_ID, "app_users", "user_id"),
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

    fn shard_rows(&self, world: &World, plans: &Plans) -> Vec<u64> {
        let _ = plans;
        ActivityPlan::shard_rows(world, |a| a.pages)
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
        let weights: Vec<f64> = PAGES.iter().map(|p| p.2).collect();
        let dwell_weight = LogNormalDist::new(1.0, 0.7);
        let mut rows: Vec<Row> = Vec::with_capacity(BATCH_ROWS);
        for u in ActivityPlan::users(world, shard) {
            let user = &world.users[u];
            for s in user_sessions(world, u) {
                // Each session's pages from its own stream; ids from the session's.
                let mut rng = Rand::new(world.cfg.seed, "app_page_views", s.id as u64);
                let duration = s.duration_s;
                let dwell: Vec<f64> = (0..s.pages(fit))
                    .map(|_| rng.lognormal_of(&dwell_weight))
                    .collect();
                let secs = apportion(duration as u64, &dwell);
                let mut at = s.started_at;
                let mut page = if rng.chance(0.6) {
                    0
                } else {
                    rng.weighted(&weights)
                };
                for (i, sec) in secs.iter().enumerate() {
                    rows.push(Row {
                        id: s.id << PAGE_BITS | i as i64,
                        session: s.id,
                        user: user.id,
                        at,
                        page: page as u8,
                        order: i as i32 + 1,
                        secs: i64::from(*sec),
                        exit: i + 1 == secs.len(),
                    });
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
