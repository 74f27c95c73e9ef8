//! `app_users`: people who log in to the platform, 2–10 per account by tier.

use std::sync::LazyLock;

use arrow::record_batch::RecordBatch;

use crate::arrays::*;
use crate::error::Result;
use crate::schema::{ColType::*, TableSchema, col};
use crate::table::{Table, account_shards, rows_by_account};
use crate::validate::{Check, Dataset, share_check};
use crate::world::{LOGIN_FREQUENCIES, ROLE_SHARES, ROLES, User, World};

pub struct UsersTable;

/// Permissions granted by each role, as the application stores them.
pub const PERMISSIONS: [&str; 3] = [
    r#"{"billing":true,"manage_users":true,"manage_devices":true,"view_reports":true,"edit_menu":true,"pour_logs":true}"#,
    r#"{"billing":false,"manage_users":false,"manage_devices":true,"view_reports":true,"edit_menu":true,"pour_logs":true}"#,
    r#"{"billing":false,"manage_users":false,"manage_devices":false,"view_reports":false,"edit_menu":false,"pour_logs":true}"#,
];

static SCHEMA: LazyLock<TableSchema> = LazyLock::new(|| {
    TableSchema::new(
        "app_users",
        "Users of an account who log in to the platform.",
        "user_id",
        vec![
            col("user_id", Int64, "Surrogate key of the user."),
            col("account_id", Int64, "Account the user belongs to."),
            col("email", Text, "Login e-mail on the account's domain."),
            col("first_name", Text, "Given name."),
            col("last_name", Text, "Family name."),
            col("role", Text, "Role in the account.").accepted(&["admin", "manager", "staff"]),
            col(
                "login_frequency",
                Text,
                "How often the user usually logs in.",
            )
            .accepted(&["daily", "weekly", "monthly"]),
            col("permissions", Json, "Permissions granted by the role."),
            col(
                "is_active",
                Bool,
                "Whether the user can log in at the as-of date.",
            ),
            col("created_at", Timestamp, "When the user was invited."),
            col(
                "last_login_at",
                Timestamp,
                "Last login; null if the user never logged in.",
            )
            .nullable(),
        ],
        &[("account_id", "app_accounts", "account_id")],
    )
});

impl Table for UsersTable {
    fn schema(&self) -> &'static TableSchema {
        &SCHEMA
    }

    fn shard_rows(&self, world: &World) -> Vec<u64> {
        rows_by_account(world, |a| a.users.len() as u64)
    }

    fn generate(
        &self,
        world: &World,
        shard: usize,
        emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
    ) -> Result<()> {
        let r = account_shards(world)[shard].clone();
        let first = world.accounts[r.start].users.start as usize;
        let last = world.accounts[r.end - 1].users.end as usize;
        let build = |u: &[User]| {
            batch(
                &SCHEMA,
                vec![
                    i64s(u.iter().map(|u| u.id)),
                    i64s(u.iter().map(|u| world.accounts[u.account as usize].id)),
                    texts(u.iter().map(|u| &u.email)),
                    texts(u.iter().map(|u| u.first_name)),
                    texts(u.iter().map(|u| u.last_name)),
                    texts(u.iter().map(|u| ROLES[u.role as usize])),
                    texts(
                        u.iter()
                            .map(|u| LOGIN_FREQUENCIES[u.login_frequency as usize]),
                    ),
                    texts(u.iter().map(|u| PERMISSIONS[u.role as usize])),
                    bools(u.iter().map(|u| u.is_active)),
                    timestamps(u.iter().map(|u| u.created_at)),
                    timestamps_opt(u.iter().map(|u| u.last_login_at)),
                ],
            )
        };
        emit_chunks(&world.users[first..last], build, emit)
    }

    fn checks(&self, ds: &Dataset) -> Result<Vec<Check>> {
        let t = "app_users";
        let roles = ds.texts(t, "role")?;
        let roles: Vec<&str> = roles.iter().map(String::as_str).collect();
        let shares = crate::app::accounts::zip(&ROLES, &ROLE_SHARES);
        let mut checks = vec![share_check(t, "role mix", &roles, &shares)];
        let accounts = ds.index("app_accounts", "account_id")?;
        let domains = ds.texts("app_accounts", "domain")?;
        let a_created = ds.instants("app_accounts", "created_at")?;
        let account = ds.i64s(t, "account_id")?;
        let email = ds.texts(t, "email")?;
        let created = ds.instants(t, "created_at")?;
        let last_login = ds.timestamps(t, "last_login_at")?;
        let mut per_account = vec![0u32; domains.len()];
        let (mut bad_email, mut bad_time) = (0, 0);
        for i in 0..account.len() {
            let Some(&a) = accounts.get(&account[i]) else {
                continue;
            };
            per_account[a] += 1;
            if email[i].rsplit_once('@').map(|(_, d)| d) != Some(domains[a].as_str()) {
                bad_email += 1;
            }
            if created[i] < a_created[a]
                || last_login[i].is_some_and(|l| l < created[i] || l >= ds.end_ts)
            {
                bad_time += 1;
            }
        }
        checks.push(Check::zero(t, "email on the account's domain", bad_email));
        checks.push(Check::zero(
            t,
            "created after the account, last login after creation",
            bad_time,
        ));
        let bad_n = per_account
            .iter()
            .filter(|&&n| !(2..=10).contains(&n))
            .count();
        checks.push(Check::zero(t, "2–10 users per account", bad_n));
        Ok(checks)
    }
}
