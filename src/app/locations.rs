//! `app_locations`: the venues of each account (1–5), with real US city/state/ZIP.

use std::sync::LazyLock;

use arrow::record_batch::RecordBatch;

use crate::arrays::*;
use crate::error::Result;
use crate::schema::{ColType::*, TableSchema, col};
use crate::table::{Table, account_shards, rows_by_account};
use crate::validate::{Check, Dataset, share_check};
use crate::world::{LOCATION_TYPE_SHARES, LOCATION_TYPES, Location, World, geo::CITIES};

pub struct LocationsTable;

static SCHEMA: LazyLock<TableSchema> = LazyLock::new(|| {
    TableSchema::new(
        "app_locations",
        "Venues (bars, restaurants, hotels) operated by an account.",
        "location_id",
        vec![
            col("location_id", Int64, "Surrogate key of the location."),
            col("account_id", Int64, "Account that operates the location."),
            col("location_name", Text, "Display name of the venue."),
            col("location_type", Text, "Role of the venue in the account.").accepted(&[
                "main",
                "branch",
                "franchise",
            ]),
            col("street_address", Text, "Street address."),
            col("city", Text, "City."),
            col("state", Text, "US state (two-letter code)."),
            col("zip_code", Text, "Five-digit ZIP code inside the city."),
            col("timezone", Text, "IANA time zone of the venue."),
            col(
                "created_at",
                Timestamp,
                "When the location was added to the account.",
            ),
        ],
        &[("account_id", "app_accounts", "account_id")],
    )
});

impl Table for LocationsTable {
    fn schema(&self) -> &'static TableSchema {
        &SCHEMA
    }

    fn shard_rows(&self, world: &World) -> Vec<u64> {
        rows_by_account(world, |a| a.locations.len() as u64)
    }

    fn generate(
        &self,
        world: &World,
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

    fn checks(&self, ds: &Dataset) -> Result<Vec<Check>> {
        let t = "app_locations";
        let kinds = ds.texts(t, "location_type")?;
        let kinds: Vec<&str> = kinds.iter().map(String::as_str).collect();
        let shares = crate::app::accounts::zip(&LOCATION_TYPES, &LOCATION_TYPE_SHARES);
        let mut checks = vec![share_check(t, "location type mix", &kinds, &shares)];
        let (city, state, zip) = (
            ds.texts(t, "city")?,
            ds.texts(t, "state")?,
            ds.texts(t, "zip_code")?,
        );
        let bad_geo = (0..city.len())
            .filter(|&i| {
                !CITIES.iter().any(|c| {
                    c.name == city[i] && c.state == state[i] && c.zips.contains(&zip[i].as_str())
                })
            })
            .count();
        checks.push(Check::zero(t, "city, state and ZIP agree", bad_geo));
        let accounts = ds.index("app_accounts", "account_id")?;
        let a_created = ds.instants("app_accounts", "created_at")?;
        let a_churned = ds.timestamps("app_accounts", "churned_at")?;
        let account = ds.i64s(t, "account_id")?;
        let created = ds.instants(t, "created_at")?;
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
}
