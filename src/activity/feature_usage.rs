//! `app_feature_usage`: features used inside sessions. A feature appears only after its release,
//! only on a plan tier that includes it at that moment, and adoption ramps up after release.

use std::sync::LazyLock;

use arrow::record_batch::RecordBatch;

use crate::arrays::BATCH_ROWS;
use crate::arrays::*;
use crate::error::Result;
use crate::plans::Plans;
use crate::plans::activity::{ActivityPlan, user_sessions};
use crate::profile::Size;
use crate::rng::{LogNormalDist, Rand};
use crate::schema::{ColType::*, TableSchema, col};
use crate::table::Table;
use crate::time::MICROS_PER_DAY;
use crate::world::{TIERS, World};

pub struct FeatureUsageTable;

/// Bits of a feature use id below its session's id: the use's place in the session.
const USE_BITS: u32 = 6;
const _: () = assert!(crate::plans::activity::MAX_USES < 1 << USE_BITS);

/// A product feature: name, category, lowest tier that includes it, release (days before the
/// as-of date) and base popularity.
pub struct Feature {
    pub name: &'static str,
    pub category: &'static str,
    pub min_tier: u8,
    /// Release day, in days before the end of the anchor day (a fixed date of the history).
    pub released_days_ago: i64,
    pub popularity: f64,
}

const fn f(
    name: &'static str,
    category: &'static str,
    min_tier: u8,
    released_days_ago: i64,
    popularity: f64,
) -> Feature {
    Feature {
        name,
        category,
        min_tier,
        released_days_ago,
        popularity,
    }
}

pub const FEATURES: [Feature; 12] = [
    f("pour_dashboard", "analytics", 0, 2_000, 20.0),
    f("inventory_tracking", "inventory", 0, 1_900, 15.0),
    f("menu_editor", "operations", 0, 1_800, 8.0),
    f("keg_alerts", "inventory", 0, 1_500, 12.0),
    f("staff_scheduling", "operations", 1, 1_200, 8.0),
    f("api_access", "integrations", 2, 1_100, 4.0),
    f("sales_reports", "analytics", 1, 1_000, 10.0),
    f("multi_location_rollup", "analytics", 2, 900, 6.0),
    f("loss_prevention", "analytics", 1, 700, 7.0),
    f("pos_integration", "integrations", 1, 600, 6.0),
    f("demand_forecasting", "analytics", 2, 300, 5.0),
    f("pour_insights_ai", "analytics", 2, 120, 6.0),
];
pub const STATUSES: [&str; 3] = ["success", "error", "timeout"];
/// Days for adoption to reach ~63 % of a feature's eventual use.
pub const ADOPTION_DAYS: f64 = 60.0;

/// Columns of `app_feature_usage`, named once: the schema below and every check refer to these.
pub mod cols {
    use crate::schema::Col;

    pub const TABLE: &str = "app_feature_usage";
    pub const USAGE_ID: Col = Col::new(TABLE, "usage_id");
    pub const SESSION_ID: Col = Col::new(TABLE, "session_id");
    pub const USER_ID: Col = Col::new(TABLE, "user_id");
    pub const ACCOUNT_ID: Col = Col::new(TABLE, "account_id");
    pub const FEATURE_NAME: Col = Col::new(TABLE, "feature_name");
    pub const FEATURE_CATEGORY: Col = Col::new(TABLE, "feature_category");
    pub const PLAN_TIER: Col = Col::new(TABLE, "plan_tier");
    pub const USED_AT: Col = Col::new(TABLE, "used_at");
    pub const DURATION_MS: Col = Col::new(TABLE, "duration_ms");
    pub const STATUS: Col = Col::new(TABLE, "status");
}

static SCHEMA: LazyLock<TableSchema> = LazyLock::new(|| {
    TableSchema::new(
        cols::TABLE,
        "Uses of product features inside user sessions.",
        Size::Scaled {
            dev: 150_000,
            qa: 7_500_000,
            production: 30_000_000,
        },
        cols::USAGE_ID,
        vec![
            col(cols::USAGE_ID, Int64, "Surrogate key of the feature use."),
            col(
                cols::SESSION_ID,
                Int64,
                "Session in which the feature was used.",
            )
            .grouped(),
            col(cols::USER_ID, Int64, "User.").grouped(),
            col(cols::ACCOUNT_ID, Int64, "Account of the user.").grouped(),
            col(cols::FEATURE_NAME, Text, "Feature used."),
            col(cols::FEATURE_CATEGORY, Text, "Product area of the feature.").accepted(&[
                "analytics",
                "inventory",
                "operations",
                "integrations",
            ]),
            col(
                cols::PLAN_TIER,
                Text,
                "Account's plan tier when the feature was used.",
            )
            .accepted(&["basic", "pro", "enterprise"]),
            col(cols::USED_AT, Timestamp, "When the feature was used."),
            col(
                cols::DURATION_MS,
                Int32,
                "Time the action took, milliseconds.",
            ),
            col(cols::STATUS, Text, "Outcome of the action.").accepted(&STATUSES),
        ],
        &[
            (cols::SESSION_ID, "app_user_sessions", "session_id"),
            (cols::USER_ID, "app_users", "user_id"),
            (cols::ACCOUNT_ID, "app_accounts", "account_id"),
        ],
    )
});

struct Row {
    id: i64,
    session: i64,
    user: i64,
    account: i64,
    feature: u8,
    tier: u8,
    at: i64,
    ms: i32,
    status: u8,
}

impl Table for FeatureUsageTable {
    fn schema(&self) -> &'static TableSchema {
        &SCHEMA
    }

    fn shard_rows(&self, world: &World, plans: &Plans) -> Vec<u64> {
        let _ = plans;
        ActivityPlan::shard_rows(world, |a| a.uses)
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
        // Release dates are fixed days of the history, counted back from the anchor.
        let released_from = world.cfg.anchor_end_ts();
        let mut rows: Vec<Row> = Vec::with_capacity(BATCH_ROWS);
        let mut weights = [0.0; FEATURES.len()];
        let duration_ms = LogNormalDist::new(350.0, 0.8);
        for u in ActivityPlan::users(world, shard) {
            let user = &world.users[u];
            let account = &world.accounts[user.account as usize];
            let subs = &world.subscriptions
                [account.subscriptions.start as usize..account.subscriptions.end as usize];
            for s in user_sessions(world, u) {
                // Each session's uses from its own stream; ids from the session's.
                let mut rng = Rand::new(world.cfg.seed, "app_feature_usage", s.id as u64);
                let duration = s.duration_s.max(1);
                let mut times: Vec<i64> = (0..s.uses(fit))
                    .map(|_| s.started_at + rng.below(duration as u64 * 1_000_000) as i64)
                    .collect();
                times.sort_unstable();
                // The session sees each feature as adopted at its start; the weights are
                // recomputed only when the plan tier changes within the session.
                let mut weights_tier = None;
                for (i, at) in times.into_iter().enumerate() {
                    let tier = subs
                        .iter()
                        .rfind(|p| p.started_at <= at)
                        .map_or(account.tier, |p| p.tier);
                    if weights_tier != Some(tier) {
                        adoption_weights(&mut weights, s.started_at, released_from, tier);
                        weights_tier = Some(tier);
                    }
                    let feature = rng.weighted(&weights) as u8;
                    let status = rng.weighted(&[94.0, 5.0, 1.0]) as u8;
                    rows.push(Row {
                        id: s.id << USE_BITS | i as i64,
                        session: s.id,
                        user: user.id,
                        account: account.id,
                        feature,
                        tier,
                        at,
                        ms: (rng.lognormal_of(&duration_ms) * if status == 2 { 30.0 } else { 1.0 })
                            as i32,
                        status,
                    });
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

/// Weight of each feature for a use at `at` on a plan tier: popularity, grown in since release
/// over [`ADOPTION_DAYS`], more on higher tiers; zero where the tier lacks it or before release.
fn adoption_weights(weights: &mut [f64; FEATURES.len()], at: i64, end: i64, tier: u8) {
    for (w, f) in weights.iter_mut().zip(&FEATURES) {
        let age =
            (at - (end - f.released_days_ago * MICROS_PER_DAY)) as f64 / MICROS_PER_DAY as f64;
        *w = if f.min_tier <= tier && age > 0.0 {
            f.popularity * (1.0 - (-age / ADOPTION_DAYS).exp()) * (1.0 + 0.3 * f64::from(tier))
        } else {
            0.0
        };
    }
}

fn build(r: &[Row]) -> Result<RecordBatch> {
    batch(
        &SCHEMA,
        vec![
            i64s(r.iter().map(|r| r.id)),
            i64s(r.iter().map(|r| r.session)),
            i64s(r.iter().map(|r| r.user)),
            i64s(r.iter().map(|r| r.account)),
            texts(r.iter().map(|r| FEATURES[r.feature as usize].name)),
            texts(r.iter().map(|r| FEATURES[r.feature as usize].category)),
            texts(r.iter().map(|r| TIERS[r.tier as usize])),
            timestamps(r.iter().map(|r| r.at)),
            i32s(r.iter().map(|r| r.ms)),
            texts(r.iter().map(|r| STATUSES[r.status as usize])),
        ],
    )
}
