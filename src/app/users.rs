//! `app_users`: people who log in to the platform, 2–10 per account by tier.

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
use crate::world::{LOGIN_FREQUENCIES, ROLES, User, World};

pub struct UsersTable;

/// Permissions granted by each role, as the application stores them.
pub const PERMISSIONS: [&str; 3] = [
    r#"{"billing":true,"manage_users":true,"manage_devices":true,"view_reports":true,"edit_menu":true,"pour_logs":true}"#,
    r#"{"billing":false,"manage_users":false,"manage_devices":true,"view_reports":true,"edit_menu":true,"pour_logs":true}"#,
    r#"{"billing":false,"manage_users":false,"manage_devices":false,"view_reports":false,"edit_menu":false,"pour_logs":true}"#,
];

/// Columns of `app_users`, named once: the schema below and every check refer to these.
pub mod cols {
    use crate::schema::Col;

    pub const TABLE: &str = "app_users";
    pub const USER_ID: Col = Col::new(TABLE, "user_id");
    pub const ACCOUNT_ID: Col = Col::new(TABLE, "account_id");
    pub const EMAIL: Col = Col::new(TABLE, "email");
    pub const FIRST_NAME: Col = Col::new(TABLE, "first_name");
    pub const LAST_NAME: Col = Col::new(TABLE, "last_name");
    pub const ROLE: Col = Col::new(TABLE, "role");
    pub const LOGIN_FREQUENCY: Col = Col::new(TABLE, "login_frequency");
    pub const PERMISSIONS: Col = Col::new(TABLE, "permissions");
    pub const IS_ACTIVE: Col = Col::new(TABLE, "is_active");
    pub const CREATED_AT: Col = Col::new(TABLE, "created_at");
    pub const LAST_LOGIN_AT: Col = Col::new(TABLE, "last_login_at");
}

static SCHEMA: LazyLock<TableSchema> = LazyLock::new(|| {
    TableSchema::new(
        cols::TABLE,
        "Users of an account who log in to the platform.",
        Size::Scaled {
            dev: 300,
            qa: 30_000,
            production: 120_000,
        },
        cols::USER_ID,
        vec![
            col(cols::USER_ID, Int64, "Surrogate key of the user."),
            col(cols::ACCOUNT_ID, Int64, "Account the user belongs to.").grouped(),
            col(cols::EMAIL, Text, "Login e-mail on the account's domain."),
            col(cols::FIRST_NAME, Text, "Given name."),
            col(cols::LAST_NAME, Text, "Family name."),
            col(cols::ROLE, Text, "Role in the account.").accepted(&["admin", "manager", "staff"]),
            col(
                cols::LOGIN_FREQUENCY,
                Text,
                "How often the user usually logs in.",
            )
            .accepted(&["daily", "weekly", "monthly"]),
            col(cols::PERMISSIONS, Json, "Permissions granted by the role."),
            col(
                cols::IS_ACTIVE,
                Bool,
                "Whether the user can log in at the as-of date.",
            ),
            col(cols::CREATED_AT, Timestamp, "When the user was invited."),
            col(
                cols::LAST_LOGIN_AT,
                Timestamp,
                "Last login; null if the user never logged in.",
            )
            .nullable(),
        ],
        &[(cols::ACCOUNT_ID, "app_accounts", "account_id")],
    )
});

impl Table for UsersTable {
    fn schema(&self) -> &'static TableSchema {
        &SCHEMA
    }

    fn shard_rows(&self, world: &World, _plans: &Plans) -> Vec<u64> {
        rows_by_account(world, |a| a.users.len() as u64)
    }

    fn generate(
        &self,
        world: &World,
        _plans: &Plans,
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
}

/// The rules of this table, read back from a dataset on disk.
pub fn checks(ds: &Dataset) -> Result<Vec<Check>> {
    let t = cols::TABLE;
    let roles = ds.texts(cols::ROLE)?;
    let roles: Vec<&str> = roles.iter().map(String::as_str).collect();
    let shares = crate::targets::ROLE_MIX;
    let mut checks = vec![share_check(t, "role mix", &roles, &shares)];
    let accounts = ds.index(app_accounts::ACCOUNT_ID)?;
    let domains = ds.texts(app_accounts::DOMAIN)?;
    let a_created = ds.instants(app_accounts::CREATED_AT)?;
    let account = ds.i64s(cols::ACCOUNT_ID)?;
    let email = ds.texts(cols::EMAIL)?;
    let created = ds.instants(cols::CREATED_AT)?;
    let last_login = ds.timestamps(cols::LAST_LOGIN_AT)?;
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
    // Higher-value accounts have more users (plan step 34).
    let a_tier = ds.texts(app_accounts::PLAN_TIER)?;
    let mut by_tier = [(0f64, 0f64); 3];
    for (a, n) in per_account.iter().enumerate() {
        let k = ["basic", "pro", "enterprise"]
            .iter()
            .position(|x| *x == a_tier[a])
            .unwrap_or(0);
        by_tier[k].0 += f64::from(*n);
        by_tier[k].1 += 1.0;
    }
    let mean: Vec<f64> = by_tier.iter().map(|(s, n)| s / n.max(1.0)).collect();
    let fewest = by_tier.iter().map(|t| t.1).fold(f64::MAX, f64::min);
    checks.push(
        Check::new(
            t,
            "users per account rise with tier",
            "basic < pro < enterprise",
            format!("{:.2} / {:.2} / {:.2}", mean[0], mean[1], mean[2]),
            mean[0] < mean[1] && mean[1] < mean[2],
        )
        .unless_too_few(fewest >= 30.0, format!("{fewest} accounts in a tier")),
    );
    // Login frequency by role: admins log in daily most often, staff least (plan step 4).
    let freq = ds.texts(cols::LOGIN_FREQUENCY)?;
    let mut daily = [(0f64, 0f64); 3];
    for (r, f) in roles.iter().zip(&freq) {
        let k = ROLES.iter().position(|x| x == r).unwrap_or(0);
        daily[k].0 += f64::from(u8::from(f == "daily"));
        daily[k].1 += 1.0;
    }
    let d: Vec<f64> = daily.iter().map(|(s, n)| s / n.max(1.0)).collect();
    let fewest = daily.iter().map(|t| t.1).fold(f64::MAX, f64::min);
    checks.push(
        Check::new(
            t,
            "login frequency by role: daily share admin > manager > staff",
            "admin > manager > staff",
            format!(
                "{:.0} % / {:.0} % / {:.0} %",
                d[0] * 100.0,
                d[1] * 100.0,
                d[2] * 100.0
            ),
            d[0] > d[1] && d[1] > d[2],
        )
        .unless_too_few(fewest >= 100.0, format!("{fewest} users in a role")),
    );
    // Permissions by role: one set per role, each role granted a subset of the role above.
    let perms = ds.texts(cols::PERMISSIONS)?;
    let granted = |json: &str| -> Vec<String> {
        json.trim_matches(|c| c == '{' || c == '}')
            .split(',')
            .filter(|kv| kv.ends_with(":true"))
            .map(|kv| kv.split(':').next().unwrap_or("").to_string())
            .collect()
    };
    let mut per_role: [Option<&str>; 3] = [None; 3];
    let mut inconsistent = 0;
    for (r, p) in roles.iter().zip(&perms) {
        let k = ROLES.iter().position(|x| x == r).unwrap_or(0);
        match per_role[k] {
            None => per_role[k] = Some(p),
            Some(q) => inconsistent += usize::from(q != p),
        }
    }
    let sets: Vec<Vec<String>> = per_role
        .iter()
        .map(|p| granted(p.unwrap_or("{}")))
        .collect();
    let nested = sets[1].iter().all(|g| sets[0].contains(g))
        && sets[2].iter().all(|g| sets[1].contains(g))
        && sets[0].len() > sets[2].len();
    let every_role = per_role.iter().all(Option::is_some);
    checks.push(
        Check::zero(
            t,
            "permissions by role: one set per role, admin ⊇ manager ⊇ staff",
            inconsistent + usize::from(!nested),
        )
        .unless_too_few(every_role, "a role without users"),
    );
    Ok(checks)
}
