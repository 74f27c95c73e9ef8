//! `ga_sessions`: website sessions as Google Analytics exports them — source / medium / channel
//! grouping, device, landing page, page views, engagement and duration near B2B SaaS benchmarks
//! (bounce ≈ 44 %, engaged-session median ≈ 165 s), weekday-heavy, growing with the business.

use std::sync::LazyLock;

use arrow::record_batch::RecordBatch;

use crate::arrays::*;
use crate::error::Result;
use crate::plans::Plans;
use crate::profile::Size;
use crate::rng::Rand;
use crate::schema::{ColType::*, TableSchema, col};
use crate::table::Table;
use crate::time::{self, MICROS_PER_DAY, MICROS_PER_HOUR};
use crate::world::World;

pub struct GaSessionsTable;

/// Days per shard (date-range shards).
const DAYS_PER_SHARD: i64 = 92;

/// (channel grouping, source, medium, campaign channel index into `CHANNELS`, share).
pub const GROUPINGS: [(&str, &str, &str, Option<u8>, f64); 9] = [
    ("Organic Search", "google", "organic", None, 35.0),
    ("Direct", "(direct)", "(none)", None, 20.0),
    ("Paid Search", "google", "cpc", Some(0), 15.0),
    ("Paid Social", "facebook", "paid", Some(1), 6.0),
    ("Paid Social", "linkedin", "paid", Some(2), 4.0),
    ("Organic Social", "linkedin", "social", None, 5.0),
    ("Email", "newsletter", "email", Some(3), 6.0),
    ("Referral", "partner-directory.com", "referral", None, 7.0),
    ("Display", "google", "display", None, 2.0),
];
pub const CHANNEL_GROUPINGS: [&str; 8] = [
    "Organic Search",
    "Direct",
    "Paid Search",
    "Paid Social",
    "Organic Social",
    "Email",
    "Referral",
    "Display",
];
pub const LANDING_PAGES: [&str; 7] = [
    "/",
    "/pricing",
    "/demo",
    "/features/pour-tracking",
    "/features/inventory",
    "/blog/reduce-beer-waste",
    "/blog/tap-line-cleaning",
];

/// Columns of `ga_sessions`, named once: the schema below and every check refer to these.
pub mod cols {
    use crate::schema::Col;

    pub const TABLE: &str = "ga_sessions";
    pub const SESSION_ID: Col = Col::new(TABLE, "session_id");
    pub const CLIENT_ID: Col = Col::new(TABLE, "client_id");
    pub const SESSION_START: Col = Col::new(TABLE, "session_start");
    pub const SOURCE: Col = Col::new(TABLE, "source");
    pub const MEDIUM: Col = Col::new(TABLE, "medium");
    pub const CHANNEL_GROUPING: Col = Col::new(TABLE, "channel_grouping");
    pub const CAMPAIGN_ID: Col = Col::new(TABLE, "campaign_id");
    pub const DEVICE_CATEGORY: Col = Col::new(TABLE, "device_category");
    pub const LANDING_PAGE: Col = Col::new(TABLE, "landing_page");
    pub const PAGEVIEWS: Col = Col::new(TABLE, "pageviews");
    pub const DURATION_S: Col = Col::new(TABLE, "duration_s");
    pub const ENGAGED: Col = Col::new(TABLE, "engaged");
    pub const BOUNCED: Col = Col::new(TABLE, "bounced");
    pub const IS_NEW_USER: Col = Col::new(TABLE, "is_new_user");
}

static SCHEMA: LazyLock<TableSchema> = LazyLock::new(|| {
    TableSchema::new(
        cols::TABLE,
        "Website sessions from Google Analytics.",
        Size::Scaled {
            dev: 30_000,
            qa: 1_500_000,
            production: 6_000_000,
        },
        cols::SESSION_ID,
        vec![
            col(cols::SESSION_ID, Int64, "Surrogate key of the session."),
            col(cols::CLIENT_ID, Text, "GA client id of the browser."),
            col(cols::SESSION_START, Timestamp, "When the session started."),
            col(cols::SOURCE, Text, "Traffic source."),
            col(cols::MEDIUM, Text, "Traffic medium."),
            col(cols::CHANNEL_GROUPING, Text, "Default channel grouping.")
                .accepted(&CHANNEL_GROUPINGS),
            col(
                cols::CAMPAIGN_ID,
                Int64,
                "Campaign of paid and e-mail traffic.",
            )
            .nullable(),
            col(cols::DEVICE_CATEGORY, Text, "Device.").accepted(&["desktop", "mobile", "tablet"]),
            col(cols::LANDING_PAGE, Text, "First page.").accepted(&LANDING_PAGES),
            col(cols::PAGEVIEWS, Int32, "Pages viewed."),
            col(cols::DURATION_S, Int32, "Session length, seconds."),
            col(
                cols::ENGAGED,
                Bool,
                "GA4 engaged session: over 10 s or 2+ page views.",
            ),
            col(
                cols::BOUNCED,
                Bool,
                "Not engaged (bounce rate = 1 − engagement rate).",
            ),
            col(cols::IS_NEW_USER, Bool, "First visit of the client."),
        ],
        &[(cols::CAMPAIGN_ID, "marketing_campaigns", "campaign_id")],
    )
});

/// Sessions per day of the cut, from the history's first day (see
/// [`crate::world::traffic`]): (first day, counts).
pub fn daily(world: &World) -> (i64, &[u64]) {
    (time::day_of(world.cfg.start_ts()), &world.ga_days)
}

struct Row {
    id: i64,
    client: u64,
    start: i64,
    grouping: usize,
    campaign: Option<i64>,
    device: usize,
    landing: usize,
    pageviews: i32,
    duration: i32,
    engaged: bool,
    new_user: bool,
}

impl Table for GaSessionsTable {
    fn schema(&self) -> &'static TableSchema {
        &SCHEMA
    }

    fn shard_rows(&self, world: &World, _plans: &Plans) -> Vec<u64> {
        let (_, days) = daily(world);
        days.chunks(DAYS_PER_SHARD as usize)
            .map(|c| c.iter().sum())
            .collect()
    }

    fn generate(
        &self,
        world: &World,
        plans: &Plans,
        shard: usize,
        emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
    ) -> Result<()> {
        let plan = &plans.marketing;
        let (first, days) = daily(world);
        let lo = shard * DAYS_PER_SHARD as usize;
        let mut next_id = days[..lo].iter().sum::<u64>() as i64 + 1;
        let shares: Vec<f64> = GROUPINGS.iter().map(|g| g.4).collect();
        let build = |r: &[Row]| {
            batch(
                &SCHEMA,
                vec![
                    i64s(r.iter().map(|r| r.id)),
                    texts_written(r, |s, r| {
                        s.push_str("GA1.1.");
                        push_decimal(s, r.client);
                        s.push('.');
                        push_decimal(s, (r.start / 1_000_000) as u64);
                    }),
                    timestamps(r.iter().map(|r| r.start)),
                    texts(r.iter().map(|r| GROUPINGS[r.grouping].1)),
                    texts(r.iter().map(|r| GROUPINGS[r.grouping].2)),
                    texts(r.iter().map(|r| GROUPINGS[r.grouping].0)),
                    i64s_opt(r.iter().map(|r| r.campaign)),
                    texts(r.iter().map(|r| ["desktop", "mobile", "tablet"][r.device])),
                    texts(r.iter().map(|r| LANDING_PAGES[r.landing])),
                    i32s(r.iter().map(|r| r.pageviews)),
                    i32s(r.iter().map(|r| r.duration)),
                    bools(r.iter().map(|r| r.engaged)),
                    bools(r.iter().map(|r| !r.engaged)),
                    bools(r.iter().map(|r| r.new_user)),
                ],
            )
        };
        let mut rows = Batcher::new(build, emit);
        for (i, &n) in days
            .iter()
            .enumerate()
            .skip(lo)
            .take(DAYS_PER_SHARD as usize)
        {
            let day = first + i as i64;
            let mut rng = Rand::new(world.cfg.seed, "ga_sessions", day as u64);
            let mut starts: Vec<i64> = (0..n)
                .map(|_| {
                    // US business hours dominate: 13:00–03:00 UTC.
                    let hour = if rng.chance(0.8) {
                        13 + rng.below(14) as i64
                    } else {
                        rng.below(24) as i64
                    };
                    day * MICROS_PER_DAY
                        + (hour % 24) * MICROS_PER_HOUR
                        + rng.below(MICROS_PER_HOUR as u64) as i64
                })
                .collect();
            starts.sort_unstable();
            for start in starts {
                let mut g = rng.weighted(&shares);
                let mut campaign = GROUPINGS[g]
                    .3
                    .and_then(|ch| plan.active_campaign(ch, start, rng.u64()));
                if GROUPINGS[g].3.is_some() && campaign.is_none() {
                    g = 0; // no campaign running: the visit came from search
                }
                let landing = match GROUPINGS[g].0 {
                    "Paid Search" | "Paid Social" | "Display" => rng.pick(&[1usize, 2, 3]),
                    "Organic Search" | "Organic Social" | "Referral" => {
                        rng.pick(&[0usize, 3, 4, 5, 6])
                    }
                    "Email" => rng.pick(&[2usize, 4, 5]),
                    _ => rng.pick(&[0usize, 0, 1]),
                };
                let engage_p = if landing >= 5 {
                    0.48
                } else if landing == 1 || landing == 2 {
                    0.64
                } else {
                    0.56
                };
                let engaged = rng.chance(engage_p);
                let (pageviews, duration) = if engaged {
                    let mut pv = 1;
                    while pv < 30 && rng.chance(0.55) {
                        pv += 1;
                    }
                    (pv, (rng.lognormal(165.0, 0.75).round() as i32).max(11))
                } else {
                    (1, rng.range(0, 9) as i32)
                };
                rows.push(Row {
                    id: next_id,
                    client: rng.u64() >> 33,
                    start,
                    grouping: g,
                    campaign: campaign.take().map(|c| plan.campaigns()[c as usize].id),
                    device: rng.weighted(&[62.0, 33.0, 5.0]),
                    landing,
                    pageviews,
                    duration,
                    engaged,
                    new_user: rng.chance(0.62),
                })?;
                next_id += 1;
            }
        }
        rows.finish()
    }
}
