//! `app_devices`: IoT beer-tap flow meters, 2–5 per location.

use std::sync::LazyLock;

use arrow::record_batch::RecordBatch;

use crate::app::accounts::cols as app_accounts;
use crate::app::locations::cols as app_locations;
use crate::arrays::*;
use crate::check::{Check, Dataset, share_check};
use crate::error::Result;
use crate::plans::Plans;
use crate::profile::Size;
use crate::schema::{ColType::*, TableSchema, col};
use crate::table::{Table, account_shards, rows_by_account};
use crate::world::{DEVICE_MODELS, DEVICE_STATUSES, Device, FIRMWARE, TIERS, World};

pub struct DevicesTable;

/// Columns of `app_devices`, named once: the schema below and every check refer to these.
pub mod cols {
    use crate::schema::Col;

    pub const TABLE: &str = "app_devices";
    pub const DEVICE_ID: Col = Col::new(TABLE, "device_id");
    pub const LOCATION_ID: Col = Col::new(TABLE, "location_id");
    pub const ACCOUNT_ID: Col = Col::new(TABLE, "account_id");
    pub const SERIAL_NUMBER: Col = Col::new(TABLE, "serial_number");
    pub const MODEL: Col = Col::new(TABLE, "model");
    pub const FIRMWARE_VERSION: Col = Col::new(TABLE, "firmware_version");
    pub const STATUS: Col = Col::new(TABLE, "status");
    pub const INSTALLED_AT: Col = Col::new(TABLE, "installed_at");
    pub const LAST_SEEN_AT: Col = Col::new(TABLE, "last_seen_at");
}

static SCHEMA: LazyLock<TableSchema> = LazyLock::new(|| {
    TableSchema::new(
        cols::TABLE,
        "Beer-tap flow-meter devices installed at locations.",
        Size::Scaled {
            dev: 450,
            qa: 45_000,
            production: 180_000,
        },
        cols::DEVICE_ID,
        vec![
            col(cols::DEVICE_ID, Int64, "Surrogate key of the device."),
            col(
                cols::LOCATION_ID,
                Int64,
                "Location where the device is installed.",
            )
            .grouped(),
            col(
                cols::ACCOUNT_ID,
                Int64,
                "Account owning the device (the location's account).",
            )
            .grouped(),
            col(cols::SERIAL_NUMBER, Text, "Hardware serial number."),
            col(cols::MODEL, Text, "Hardware model.").accepted(&DEVICE_MODELS),
            col(
                cols::FIRMWARE_VERSION,
                Text,
                "Firmware version last reported.",
            ),
            col(cols::STATUS, Text, "Status at the as-of date.").accepted(&[
                "online",
                "offline",
                "maintenance",
            ]),
            col(
                cols::INSTALLED_AT,
                Timestamp,
                "When the device was installed (after its location).",
            ),
            col(
                cols::LAST_SEEN_AT,
                Timestamp,
                "Last time the device reported.",
            ),
        ],
        &[
            (cols::LOCATION_ID, "app_locations", "location_id"),
            (cols::ACCOUNT_ID, "app_accounts", "account_id"),
        ],
    )
});

impl Table for DevicesTable {
    fn schema(&self) -> &'static TableSchema {
        &SCHEMA
    }

    fn shard_rows(&self, world: &World, _plans: &Plans) -> Vec<u64> {
        rows_by_account(world, |a| {
            a.locations
                .clone()
                .map(|l| world.locations[l as usize].devices.len() as u64)
                .sum()
        })
    }

    fn generate(
        &self,
        world: &World,
        _plans: &Plans,
        shard: usize,
        emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
    ) -> Result<()> {
        let r = account_shards(world)[shard].clone();
        let loc = |a: usize, last: bool| {
            let l = &world.accounts[a].locations;
            &world.locations[if last { l.end - 1 } else { l.start } as usize]
        };
        let first = loc(r.start, false).devices.start as usize;
        let last = loc(r.end - 1, true).devices.end as usize;
        let build =
            |d: &[Device]| {
                batch(
                    &SCHEMA,
                    vec![
                        i64s(d.iter().map(|d| d.id)),
                        i64s(d.iter().map(|d| world.locations[d.location as usize].id)),
                        i64s(d.iter().map(|d| world.accounts[d.account as usize].id)),
                        texts(d.iter().map(|d| {
                            format!("TAP{}-{:08}", d.model + 1, d.id * 7919 % 100_000_000)
                        })),
                        texts(d.iter().map(|d| DEVICE_MODELS[d.model as usize])),
                        texts(d.iter().map(|d| FIRMWARE[d.firmware as usize].0)),
                        texts(d.iter().map(|d| DEVICE_STATUSES[d.status as usize])),
                        timestamps(d.iter().map(|d| d.installed_at)),
                        timestamps(d.iter().map(|d| d.last_seen_at)),
                    ],
                )
            };
        emit_chunks(&world.devices[first..last], build, emit)
    }
}

/// The rules of this table, read back from a dataset on disk.
pub fn checks(ds: &Dataset) -> Result<Vec<Check>> {
    let t = cols::TABLE;
    let locations = ds.index(app_locations::LOCATION_ID)?;
    let l_account = ds.i64s(app_locations::ACCOUNT_ID)?;
    let l_created = ds.instants(app_locations::CREATED_AT)?;
    let accounts = ds.index(app_accounts::ACCOUNT_ID)?;
    let a_status = ds.texts(app_accounts::STATUS)?;
    let a_tier = ds.texts(app_accounts::PLAN_TIER)?;
    let (location, account) = (ds.i64s(cols::LOCATION_ID)?, ds.i64s(cols::ACCOUNT_ID)?);
    let installed = ds.instants(cols::INSTALLED_AT)?;
    let last_seen = ds.instants(cols::LAST_SEEN_AT)?;
    let status = ds.texts(cols::STATUS)?;
    let mut per_location = vec![0u32; l_account.len()];
    let mut per_account = vec![0u32; a_status.len()];
    let (mut early, mut wrong_account, mut bad_seen, mut status_off) = (0, 0, 0, 0);
    let mut live_status = Vec::new();
    for i in 0..location.len() {
        let Some(&l) = locations.get(&location[i]) else {
            continue;
        };
        per_location[l] += 1;
        early += usize::from(installed[i] < l_created[l]);
        wrong_account += usize::from(l_account[l] != account[i]);
        bad_seen += usize::from(last_seen[i] < installed[i] || last_seen[i] >= ds.end_ts);
        // Online means heard from in the last hour; offline and maintenance mean not.
        let recent = ds.end_ts - last_seen[i] <= crate::time::MICROS_PER_HOUR;
        status_off += usize::from((status[i] == "online") != recent);
        if let Some(&a) = accounts.get(&account[i]) {
            per_account[a] += 1;
            if a_status[a] != "churned" {
                live_status.push(status[i].as_str());
            }
        }
    }
    let shares = crate::targets::DEVICE_STATUS_MIX;
    let mut checks = vec![
        Check::zero(t, "installed after its location was created", early),
        Check::zero(t, "account_id is the location's account", wrong_account),
        Check::zero(
            t,
            "last seen after install, before the as-of date",
            bad_seen,
        ),
        Check::zero(
            t,
            "status agrees with last contact (online iff seen in the last hour)",
            status_off,
        ),
        Check::zero(
            t,
            "2–5 devices per location open 14+ days (devices go in over the first two weeks)",
            (0..per_location.len())
                .filter(|&l| {
                    l_created[l] < ds.end_ts - 14 * crate::time::MICROS_PER_DAY
                        && !(2..=5).contains(&per_location[l])
                })
                .count(),
        ),
        share_check(
            t,
            "status mix (devices of live accounts)",
            &live_status,
            &shares,
        ),
    ];
    // Higher-value accounts have more devices.
    let mean = |tier: &str| {
        let v: Vec<f64> = (0..a_tier.len())
            .filter(|&a| a_tier[a] == tier)
            .map(|a| f64::from(per_account[a]))
            .collect();
        v.iter().sum::<f64>() / v.len().max(1) as f64
    };
    let m: Vec<f64> = TIERS.iter().map(|t| mean(t)).collect();
    let smallest = TIERS
        .iter()
        .map(|t| a_tier.iter().filter(|x| x == t).count())
        .min()
        .unwrap_or(0);
    if smallest < 30 {
        checks.push(Check::too_few(
            t,
            "devices per account rise with tier",
            "basic < pro < enterprise",
            format!("{smallest} accounts in a tier"),
        ));
        return Ok(checks);
    }
    checks.push(Check::new(
        t,
        "devices per account rise with tier",
        "basic < pro < enterprise",
        format!("{:.2} / {:.2} / {:.2}", m[0], m[1], m[2]),
        m[0] < m[1] && m[1] < m[2],
    ));
    Ok(checks)
}
