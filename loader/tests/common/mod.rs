//! Shared helpers: a real PostgreSQL from DATABASE_URL (scripts/test.sh starts one), datasets
//! generated with the datagen library, and the loader binary.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

use datagen::generate::{Options, run};
use datagen::output::{Compression, Format};
use datagen::profile::Profile;
use datagen::world::Config;

pub fn database_url() -> String {
    std::env::var("DATABASE_URL").expect(
        "DATABASE_URL must point at a PostgreSQL server: run scripts/test.sh, which starts one",
    )
}

pub fn generate(out: &Path, accounts: Option<u64>, format: Format) {
    generate_seed(out, accounts, 42, format);
}

pub fn generate_seed(out: &Path, accounts: Option<u64>, seed: u64, format: Format) {
    run(&Options {
        cfg: Config::new(
            accounts.map_or(Profile::Dev, Profile::Custom),
            seed,
            datagen::time::parse_date(Config::DEFAULT_AS_OF).unwrap(),
        ),
        out: out.to_path_buf(),
        format,
        compression: Compression::Zstd,
        tables: None,
        threads: None,
        shard: None,
        overwrite: true,
        progress: false,
    })
    .expect("dataset generated");
}

pub fn load(dir: &Path, schema: &str, extra: &[&str]) -> Output {
    load_with_url(dir, schema, &database_url(), extra)
}

pub fn load_with_url(dir: &Path, schema: &str, url: &str, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_datagen-load"))
        .arg(dir)
        .args(["--schema", schema, "--quiet"])
        .args(extra)
        .env("DATABASE_URL", url)
        .output()
        .expect("datagen-load runs")
}

pub fn client() -> postgres_client::Client {
    postgres_client::Client::new(&database_url())
}

/// A small synchronous wrapper over tokio-postgres for assertions.
pub mod postgres_client {
    pub struct Client {
        rt: tokio::runtime::Runtime,
        inner: tokio_postgres::Client,
    }

    impl Client {
        pub fn new(url: &str) -> Client {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let inner = rt.block_on(async {
                let (c, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                    .await
                    .expect("connect");
                tokio::spawn(async move {
                    let _ = conn.await;
                });
                c
            });
            Client { rt, inner }
        }

        pub fn i64(&self, sql: &str) -> i64 {
            self.rt
                .block_on(self.inner.query_one(sql, &[]))
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
                .get(0)
        }

        pub fn strings(&self, sql: &str) -> Vec<String> {
            self.rt
                .block_on(self.inner.query(sql, &[]))
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
                .iter()
                .map(|r| r.get(0))
                .collect()
        }

        pub fn exec(&self, sql: &str) {
            self.rt
                .block_on(self.inner.batch_execute(sql))
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }

        pub fn inner(&self) -> (&tokio::runtime::Runtime, &tokio_postgres::Client) {
            (&self.rt, &self.inner)
        }
    }
}

/// Table name → rows, from the manifest.
pub fn manifest_rows(dir: &Path) -> Vec<(String, i64)> {
    manifest_json(dir)["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_string(),
                t["rows"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// The dataset's manifest as JSON.
pub fn manifest_json(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap()
}

/// Shards the manifest lists.
pub fn manifest_shards(dir: &Path) -> i64 {
    manifest_json(dir)["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["shards"].as_array().unwrap().len() as i64)
        .sum()
}

/// Foreign keys the manifest declares.
pub fn declared_fks(dir: &Path) -> i64 {
    manifest_json(dir)["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["foreign_keys"].as_array().unwrap().len() as i64)
        .sum()
}

pub fn assert_loaded(dir: &Path, schema: &str) {
    let c = client();
    for (table, rows) in manifest_rows(dir) {
        assert_eq!(
            c.i64(&format!("SELECT count(*) FROM {schema}.{table}")),
            rows,
            "{table}"
        );
        let pk = c.i64(&format!(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = '{schema}.{table}'::regclass AND contype = 'p' AND convalidated"
        ));
        assert_eq!(pk, 1, "{table} primary key");
    }
    let fks = c.i64(&format!(
        "SELECT count(*) FROM pg_constraint WHERE connamespace = '{schema}'::regnamespace AND contype = 'f'"
    ));
    assert_eq!(fks, declared_fks(dir), "every declared foreign key exists");
    let unvalidated = c.i64(&format!(
        "SELECT count(*) FROM pg_constraint WHERE connamespace = '{schema}'::regnamespace AND contype = 'f' AND NOT convalidated"
    ));
    assert_eq!(unvalidated, 0);
}

pub fn drop_schema(schema: &str) {
    client().exec(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
}

/// Starts a one-connection load of `source` into `schema` and SIGKILLs it once some, but not all,
/// of its `total_shards` shards are committed; returns how many were committed then.
pub fn kill_load_midway(source: &Path, schema: &str, total_shards: i64) -> i64 {
    let mut child = Command::new(env!("CARGO_BIN_EXE_datagen-load"))
        .arg(source)
        .args(["--schema", schema, "--quiet", "--jobs", "1"])
        .env("DATABASE_URL", database_url())
        .spawn()
        .unwrap();
    let c = client();
    let start = std::time::Instant::now();
    let mut killed_at = None;
    while start.elapsed() < std::time::Duration::from_secs(120) {
        let exists = c.i64(&format!(
            "SELECT count(*) FROM pg_tables WHERE schemaname = '{schema}' AND tablename = '_datagen_ledger'"
        ));
        if exists == 1 {
            let n = c.i64(&format!("SELECT count(*) FROM {schema}._datagen_ledger"));
            if n >= 2 && n < total_shards {
                child.kill().unwrap(); // SIGKILL
                killed_at = Some(n);
                break;
            }
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.wait().unwrap();
    killed_at.expect("the load was killed midway (it finished too fast to interrupt)")
}
