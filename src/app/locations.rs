//! `app_locations`: the venues of each account (1–5), with real US city/state/ZIP.

use std::sync::LazyLock;

use arrow::record_batch::RecordBatch;

use crate::app::accounts::cols as app_accounts;
use crate::arrays::*;
use crate::check::{Check, Dataset, share_check};
use crate::error::Result;
use crate::plans::Plans;
use crate::profile::Size;
use crate::schema::{ColType::*, TableSchema, col};
use crate::table::{Table, account_shards, rows_by_account};
use crate::world::{LOCATION_TYPES, Location, World, geo::CITIES};

pub struct LocationsTable;

/// Columns of `app_locations`, named once: the schema below and every check refer to these.
pub mod cols {
    use crate::schema::Col;

    pub const TABLE: &str = "app_locations";
    pub const LOCATION_ID: Col = Col::new(TABLE, "location_id");
    pub const ACCOUNT_ID: Col = Col::new(TABLE, "account_id");
    pub const LOCATION_NAME: Col = Col::new(TABLE, "location_name");
    pub const LOCATION_TYPE: Col = Col::new(TABLE, "location_type");
    pub const STREET_ADDRESS: Col = Col::new(TABLE, "street_address");
    pub const CITY: Col = Col::new(TABLE, "city");
    pub const STATE: Col = Col::new(TABLE, "state");
    pub const ZIP_CODE: Col = Col::new(TABLE, "zip_code");
    pub const TIMEZONE: Col = Col::new(TABLE, "timezone");
    pub const CREATED_AT: Col = Col::new(TABLE, "created_at");
}

static SCHEMA: LazyLock<TableSchema> = LazyLock::new(|| {
    TableSchema::new(
        cols::TABLE,
        "Venues (bars, restaurants, hotels) operated by an account.",
        Size::Scaled {
            dev: 150,
            qa: 15_000,
            production: 60_000,
        },
        cols::LOCATION_ID,
        vec![
            col(cols::LOCATION_ID, Int64, "Surrogate key of the location."),
            col(
                cols::ACCOUNT_ID,
                Int64,
                "Account that operates the location.",
            )
            .grouped(),
            col(cols::LOCATION_NAME, Text, "Display name of the venue."),
            col(
                cols::LOCATION_TYPE,
                Text,
                "Role of the venue in the account.",
            )
            .accepted(&["main", "branch", "franchise"]),
            col(cols::STREET_ADDRESS, Text, "Street address."),
            col(cols::CITY, Text, "City."),
            col(cols::STATE, Text, "US state (two-letter code)."),
            col(cols::ZIP_CODE, Text, "Five-digit ZIP code inside the city."),
            col(cols::TIMEZONE, Text, "IANA time zone of the venue."),
            col(
                cols::CREATED_AT,
                Timestamp,
                "When the location was added to the account.",
            ),
        ],
        &[(cols::ACCOUNT_ID, "app_accounts", "account_id")],
    )
});

impl Table for LocationsTable {
    fn schema(&self) -> &'static TableSchema {
        &SCHEMA
    }

    fn shard_rows(&self, world: &World, _plans: &Plans) -> Vec<u64> {
        rows_by_account(world, |a| a.locations.len() as u64)
    }

    fn generate(
        &self,
        world: &World,
        _plans: &Plans,
        shard: usize,
        emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
    ) -> Result<()> {
        let r = account_shards(world)[shard].clone();
        let first = world.accounts[r.start].locations.start as usize;
        let last = world.accounts[r.end - 1].locations.end as usize;
        let build = |l: &[Location]| {
            let city = |l: &Location| &CITIES[l.city as usize];
            batch(
                &SCHEMA,
                vec![
                    i64s(l.iter().map(|l| l.id)),
                    i64s(l.iter().map(|l| world.accounts[l.account as usize].id)),
                    texts(l.iter().map(|l| &l.name)),
                    texts(l.iter().map(|l| LOCATION_TYPES[l.kind as usize])),
                    texts(l.iter().map(|l| &l.street)),
                    texts(l.iter().map(|l| city(l).name)),
                    texts(l.iter().map(|l| city(l).state)),
                    texts(l.iter().map(|l| l.zip)),
                    texts(l.iter().map(|l| city(l).tz)),
                    timestamps(l.iter().map(|l| l.created_at)),
                ],
            )
        };
        emit_chunks(&world.locations[first..last], build, emit)
    }
}

/// The rules of this table, read back from a dataset on disk.
pub fn checks(ds: &Dataset) -> Result<Vec<Check>> {
    let t = cols::TABLE;
    let kinds = ds.texts(cols::LOCATION_TYPE)?;
    let kinds: Vec<&str> = kinds.iter().map(String::as_str).collect();
    let shares = crate::targets::LOCATION_TYPE_MIX;
    let mut checks = vec![share_check(t, "location type mix", &kinds, &shares)];
    let (city, state, zip) = (
        ds.texts(cols::CITY)?,
        ds.texts(cols::STATE)?,
        ds.texts(cols::ZIP_CODE)?,
    );
    let bad_geo = (0..city.len())
        .filter(|&i| {
            !CITIES.iter().any(|c| {
                c.name == city[i] && c.state == state[i] && c.zips.contains(&zip[i].as_str())
            })
        })
        .count();
    checks.push(Check::zero(t, "city, state and ZIP agree", bad_geo));
    let accounts = ds.index(app_accounts::ACCOUNT_ID)?;
    let a_created = ds.instants(app_accounts::CREATED_AT)?;
    let a_churned = ds.timestamps(app_accounts::CHURNED_AT)?;
    let account = ds.i64s(cols::ACCOUNT_ID)?;
    let created = ds.instants(cols::CREATED_AT)?;
    let mut per_account = vec![0u32; a_created.len()];
    let mut bad_time = 0;
    for (k, c) in account.iter().zip(&created) {
        let Some(&a) = accounts.get(k) else { continue };
        per_account[a] += 1;
        if *c < a_created[a] || *c >= a_churned[a].unwrap_or(ds.end_ts) {
            bad_time += 1;
        }
    }
    checks.push(Check::zero(
        t,
        "created inside the account's life",
        bad_time,
    ));
    let bad_n = per_account
        .iter()
        .filter(|&&n| !(1..=5).contains(&n))
        .count();
    checks.push(Check::zero(t, "1–5 locations per account", bad_n));
    Ok(checks)
}
