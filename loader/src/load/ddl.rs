//! The tables' DDL: create or take over each table (checking an existing one's columns), set
//! aside and restore other tables' foreign keys under `--replace`, and the constraint names.

use super::*;

pub(super) fn table_sql(schema: &str, table: &str) -> String {
    format!("{}.{}", quote(schema), quote(table))
}

pub(super) fn pkey_name(t: &str) -> String {
    format!("{t}_pkey")
}

pub(super) fn fkey_name(t: &str, fk: &ForeignKey) -> String {
    format!("{t}_{}_fkey", fk.column)
}

pub(super) async fn exec(client: &Client, sql: &str) -> Result<()> {
    client
        .batch_execute(sql)
        .await
        .map_err(|e| anyhow!("{}\n  while running: {sql}", describe(&e)))
}

/// Runs DDL, retrying when the server picks it as a deadlock victim or a lock wait times out
/// (another session of the load, or a user's query, held the table for a moment).
pub(super) async fn exec_ddl(client: &Client, sql: &str) -> Result<()> {
    let mut wait = Duration::from_millis(50);
    for attempt in 1.. {
        match client.batch_execute(sql).await {
            Ok(()) => return Ok(()),
            Err(e)
                if attempt < 8
                    && matches!(
                        e.code(),
                        Some(&SqlState::T_R_DEADLOCK_DETECTED | &SqlState::LOCK_NOT_AVAILABLE)
                    ) =>
            {
                tokio::time::sleep(wait).await;
                wait *= 2;
            }
            Err(e) => bail!("{}\n  while running: {sql}", describe(&e)),
        }
    }
    unreachable!()
}

/// Columns of an existing table as (name, formatted type), or None when it does not exist.
pub(super) async fn existing_columns(
    client: &Client,
    schema: &str,
    table: &str,
) -> Result<Option<Vec<(String, String)>>> {
    let rows = client
        .query(
            "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod) \
             FROM pg_attribute a JOIN pg_class c ON a.attrelid = c.oid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped \
             ORDER BY a.attnum",
            &[&schema, &table],
        )
        .await
        .map_err(|e| anyhow!(describe(&e)))?;
    Ok((!rows.is_empty()).then(|| rows.iter().map(|r| (r.get(0), r.get(1))).collect()))
}

pub(super) fn expected_columns(t: &Table) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = t
        .columns
        .iter()
        .map(|c| (c.name.clone(), c.ty.postgres_formatted().to_string()))
        .collect();
    v.push(("_loaded_at".into(), "timestamp with time zone".into()));
    v
}

/// CREATE TABLE from checked names and the loader's own type list (never the manifest's text).
pub(super) fn create_sql(schema: &str, t: &Table) -> String {
    let cols: Vec<String> = t
        .columns
        .iter()
        .map(|c| {
            format!(
                "{} {}{}",
                quote(&c.name),
                c.ty.postgres(),
                if c.nullable { "" } else { " NOT NULL" }
            )
        })
        .collect();
    // A VACUUM ANALYZE racing the copies and the key build would rewrite pages the load is
    // still writing; a rerun's Verify turns autovacuum back on after a kill.
    format!(
        "CREATE TABLE {} ({}, _loaded_at timestamptz NOT NULL DEFAULT now()) WITH ({AUTOVACUUM_OFF})",
        table_sql(schema, &t.name),
        cols.join(", ")
    )
}

/// Names of relations in the schema that are plain tables.
pub(super) async fn tables_in_schema(client: &Client, schema: &str) -> Result<HashSet<String>> {
    let rows = client
        .query("SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'", &[&schema])
        .await
        .map_err(|e| anyhow!(describe(&e)))?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// Constraints of the schema: name → validated.
pub(super) async fn constraints(client: &Client, schema: &str) -> Result<HashMap<String, bool>> {
    let rows = client
        .query(
            "SELECT c.conname::text, c.convalidated FROM pg_constraint c \
             JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = $1",
            &[&schema],
        )
        .await
        .map_err(|e| anyhow!(describe(&e)))?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// Empties a table for a reload without dropping anything it does not recreate: foreign keys of
/// other tables into it are saved (and recreated after the load), its own constraints come back
/// from the manifest, and views on it survive. A table with other columns is dropped and
/// recreated (refused, naming them, if other objects depend on it). One transaction.
pub(super) async fn replace_table(
    client: &mut Client,
    schema: &str,
    t: &Table,
    same_columns: bool,
) -> Result<()> {
    let s = schema;
    let ts = table_sql(s, &t.name);
    let tx = client
        .transaction()
        .await
        .map_err(|e| anyhow!(describe(&e)))?;
    let incoming = tx
        .query(
            "SELECT conrelid::regclass::text, conname::text, pg_get_constraintdef(oid) \
             FROM pg_constraint WHERE contype = 'f' AND confrelid = to_regclass($1) AND conrelid <> confrelid",
            &[&ts],
        )
        .await
        .map_err(|e| anyhow!(describe(&e)))?;
    for r in &incoming {
        let (child, name, def): (String, String, String) = (r.get(0), r.get(1), r.get(2));
        tx.execute(
            &format!(
                "INSERT INTO {} (child, name, definition) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                table_sql(s, SAVED_FKS)
            ),
            &[&child, &name, &def],
        )
        .await
        .map_err(|e| anyhow!(describe(&e)))?;
        // `child` is the server's own quoted rendering of the table.
        tx.batch_execute(&format!(
            "ALTER TABLE {child} DROP CONSTRAINT {}",
            quote(&name)
        ))
        .await
        .map_err(|e| anyhow!("dropping {name} on {child}: {}", describe(&e)))?;
    }
    if same_columns {
        let own = tx
            .query(
                "SELECT conname::text FROM pg_constraint WHERE conrelid = to_regclass($1) AND contype IN ('p', 'f', 'u')",
                &[&ts],
            )
            .await
            .map_err(|e| anyhow!(describe(&e)))?;
        for r in &own {
            let name: String = r.get(0);
            tx.batch_execute(&format!(
                "ALTER TABLE {ts} DROP CONSTRAINT {}",
                quote(&name)
            ))
            .await
            .map_err(|e| anyhow!("dropping {name} on {ts}: {}", describe(&e)))?;
        }
        tx.batch_execute(&format!(
            "DROP INDEX IF EXISTS {}; TRUNCATE {ts}; ALTER TABLE {ts} SET ({AUTOVACUUM_OFF})",
            table_sql(s, &pkey_name(&t.name))
        ))
        .await
        .map_err(|e| anyhow!("emptying {ts}: {}", describe(&e)))?;
    } else {
        tx.batch_execute(&format!("DROP TABLE {ts}; {}", create_sql(s, t)))
            .await
            .map_err(|e| {
                anyhow!(
                    "cannot replace {ts}, which has other columns than the manifest declares: {}; drop what depends on it, or load into another --schema",
                    describe(&e)
                )
            })?;
    }
    tx.execute(
        &format!("DELETE FROM {} WHERE table_name = $1", table_sql(s, LEDGER)),
        &[&t.name],
    )
    .await
    .map_err(|e| anyhow!(describe(&e)))?;
    tx.commit()
        .await
        .map_err(|e| anyhow!("replacing {ts}: {}", describe(&e)))
}

/// Creates schema and ledger; takes over (with --replace) or refuses tables that hold something
/// else. Returns the shards already loaded from this dataset, and the tables still to create.
pub(super) async fn prepare(
    client: &mut Client,
    opts: &Options,
    m: &Manifest,
    tables: &[&Table],
) -> Result<(HashSet<String>, HashSet<String>)> {
    let s = &opts.schema;
    exec(
        client,
        &format!(
            "CREATE SCHEMA IF NOT EXISTS {qs};
             CREATE TABLE IF NOT EXISTS {ledger} (
               dataset_id text NOT NULL, table_name text NOT NULL, shard_path text NOT NULL,
               sha256 text NOT NULL, rows bigint NOT NULL, loaded_at timestamptz NOT NULL DEFAULT now(),
               PRIMARY KEY (dataset_id, shard_path));
             CREATE TABLE IF NOT EXISTS {saved} (
               child text NOT NULL, name text NOT NULL, definition text NOT NULL,
               PRIMARY KEY (child, name))",
            qs = quote(s),
            ledger = table_sql(s, LEDGER),
            saved = table_sql(s, SAVED_FKS),
        ),
    )
    .await?;
    let mut done = HashSet::new();
    let mut create = HashSet::new();
    for t in tables {
        let ledger = client
            .query(
                &format!(
                    "SELECT dataset_id, shard_path, sha256 FROM {} WHERE table_name = $1",
                    table_sql(s, LEDGER)
                ),
                &[&t.name],
            )
            .await
            .map_err(|e| anyhow!(describe(&e)))?;
        let shas: HashMap<&str, &str> = t
            .shards
            .iter()
            .map(|sh| (sh.path.as_str(), sh.sha256.as_str()))
            .collect();
        let mut foreign = Vec::new();
        let mut ours = Vec::new();
        for r in &ledger {
            let (id, path, sha): (String, String, String) = (r.get(0), r.get(1), r.get(2));
            if id != m.dataset.id {
                foreign.push(format!("dataset {id}"));
            } else if shas.get(path.as_str()) != Some(&sha.as_str()) {
                foreign.push(format!(
                    "shard {path} with another checksum ({sha}) than the manifest's"
                ));
            } else {
                ours.push(path);
            }
        }
        foreign.sort();
        foreign.dedup();
        let existing = existing_columns(client, s, &t.name).await?;
        let same_columns = existing.as_ref().is_some_and(|c| *c == expected_columns(t));
        if existing.is_some() && ledger.is_empty() {
            let any: bool = client
                .query_one(
                    &format!("SELECT EXISTS (SELECT 1 FROM {})", table_sql(s, &t.name)),
                    &[],
                )
                .await
                .map_err(|e| anyhow!(describe(&e)))?
                .get(0);
            if any {
                foreign.push("rows no datagen-load recorded".into());
            }
        }
        if opts.replace && existing.is_some() {
            replace_table(client, s, t, same_columns).await?;
            continue;
        }
        if existing.is_some() && !same_columns {
            let cols: Vec<String> = existing
                .unwrap_or_default()
                .iter()
                .map(|(n, ty)| format!("{n} {ty}"))
                .collect();
            bail!(
                "table {s}.{} exists with other columns ({}) than the manifest declares; pass --replace to drop and reload it, or load into another --schema",
                t.name,
                cols.join(", ")
            );
        }
        if !foreign.is_empty() {
            bail!(
                "table {s}.{} holds another dataset ({}) than {} (dataset {}); pass --replace to reload it from this one, or load into another --schema",
                t.name,
                foreign.join(", "),
                opts.dir.display(),
                m.dataset.id
            );
        }
        if existing.is_none() {
            create.insert(t.name.clone());
        }
        done.extend(ours);
    }
    Ok((done, create))
}

/// Recreates foreign keys of other tables that a `--replace` set aside, unless the manifest's
/// pass already did, and validates them.
pub(super) async fn restore_saved_fks(client: &Client, schema: &str) -> Result<()> {
    let saved = table_sql(schema, SAVED_FKS);
    let rows = client
        .query(&format!("SELECT child, name, definition FROM {saved}"), &[])
        .await
        .map_err(|e| anyhow!(describe(&e)))?;
    for r in rows {
        let (child, name, def): (String, String, String) = (r.get(0), r.get(1), r.get(2));
        let state: Option<bool> = client
            .query_opt(
                "SELECT convalidated FROM pg_constraint WHERE conrelid = to_regclass($1) AND conname = $2",
                &[&child, &name],
            )
            .await
            .map_err(|e| anyhow!(describe(&e)))?
            .map(|r| r.get(0));
        let relation_exists: bool = client
            .query_one("SELECT to_regclass($1) IS NOT NULL", &[&child])
            .await
            .map_err(|e| anyhow!(describe(&e)))?
            .get(0);
        if relation_exists {
            // `child` and `def` are the server's own renderings, saved by `replace_table`.
            let def = def.trim_end_matches(" NOT VALID");
            let qn = quote(&name);
            if state.is_none() {
                exec_ddl(
                    client,
                    &format!("ALTER TABLE {child} ADD CONSTRAINT {qn} {def} NOT VALID"),
                )
                .await
                .with_context(|| format!("recreating foreign key {name} on {child}"))?;
            }
            if state != Some(true) {
                exec_ddl(
                    client,
                    &format!("ALTER TABLE {child} VALIDATE CONSTRAINT {qn}"),
                )
                .await
                .with_context(|| format!("validating foreign key {name} on {child}"))?;
            }
        }
        client
            .execute(
                &format!("DELETE FROM {saved} WHERE child = $1 AND name = $2"),
                &[&child, &name],
            )
            .await
            .map_err(|e| anyhow!(describe(&e)))?;
    }
    Ok(())
}
