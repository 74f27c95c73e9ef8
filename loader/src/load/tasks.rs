//! The shared queue of work and what each task does: copy a shard, build a primary key, add
//! and validate a foreign key, ANALYZE and count a table.

use super::*;

/// One unit of work for a connection. Indexes are into the selected tables, except `Fk`, whose
/// child is any table of the manifest present in the schema.
#[derive(Clone, Copy, Debug)]
pub(super) enum Task {
    /// `create`: the only shard of a table that does not exist yet.
    Copy {
        table: usize,
        shard: usize,
        create: bool,
    },
    Key {
        table: usize,
    },
    Fk {
        child: usize,
        fk: usize,
    },
    Verify {
        table: usize,
    },
}

/// The shared queue. Keys and foreign keys go first (they unblock others and use the server
/// while copies use the client), then copies, then ANALYZE + count.
#[derive(Default)]
pub(super) struct Queue {
    pub(super) urgent: VecDeque<Task>,
    pub(super) copies: VecDeque<Task>,
    pub(super) last: VecDeque<Task>,
    pub(super) in_flight: usize,
    pub(super) failed: bool,
    /// Shards still to copy, per selected table.
    pub(super) remaining: Vec<usize>,
    /// Tables (by name) that have their primary key.
    pub(super) keyed: HashSet<String>,
    /// Foreign keys waiting for a side to be keyed: (child manifest index, fk index).
    pub(super) waiting: Vec<(usize, usize)>,
}

impl Queue {
    pub(super) fn next(&mut self) -> Option<Task> {
        let t = self
            .urgent
            .pop_front()
            .or_else(|| self.copies.pop_front())
            .or_else(|| self.last.pop_front())?;
        self.in_flight += 1;
        Some(t)
    }

    /// Moves foreign keys whose both tables are keyed to the front.
    pub(super) fn release_fks(&mut self, m: &Manifest) {
        let keyed = &self.keyed;
        let (ready, waiting): (Vec<_>, Vec<_>) = self.waiting.drain(..).partition(|&(c, f)| {
            let child = &m.tables[c];
            keyed.contains(&child.name) && keyed.contains(&child.foreign_keys[f].references_table)
        });
        self.waiting = waiting;
        for (child, fk) in ready {
            self.urgent.push_back(Task::Fk { child, fk });
        }
    }
}

/// Runs one task; returns rows copied (Copy), rows counted (Verify), or 0.
pub(super) async fn run_task(
    client: &mut Client,
    opts: &Options,
    loc: &Location,
    m: &Manifest,
    selected: &[&Table],
    task: Task,
) -> Result<u64> {
    let s = &opts.schema;
    match task {
        Task::Copy {
            table,
            shard,
            create,
        } => load_shard(client, opts, loc, m, selected[table], shard, create).await,
        Task::Key { table } => {
            let t = selected[table];
            let name = quote(&pkey_name(&t.name));
            let ts = table_sql(s, &t.name);
            let has_key = client
                .query_opt(
                    "SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass($1) AND contype = 'p'",
                    &[&ts],
                )
                .await
                .map_err(|e| anyhow!(describe(&e)))?
                .is_some();
            if has_key {
                return Ok(0);
            }
            // One implicit transaction: the index and the constraint exist together or not at all.
            exec_ddl(
                client,
                &format!(
                    "CREATE UNIQUE INDEX IF NOT EXISTS {name} ON {ts} ({pk}); ALTER TABLE {ts} ADD CONSTRAINT {name} PRIMARY KEY USING INDEX {name}",
                    pk = quote(&t.primary_key)
                ),
            )
            .await
            .with_context(|| format!("building the primary key of {}", t.name))?;
            Ok(0)
        }
        Task::Fk { child, fk } => {
            let t = &m.tables[child];
            let f = &t.foreign_keys[fk];
            let name = fkey_name(&t.name, f);
            let ts = table_sql(s, &t.name);
            let exists = client
                .query_opt(
                    "SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass($1) AND conname = $2",
                    &[&ts, &name],
                )
                .await
                .map_err(|e| anyhow!(describe(&e)))?
                .is_some();
            if !exists {
                exec_ddl(
                    client,
                    &format!(
                        "ALTER TABLE {ts} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({}) NOT VALID",
                        quote(&name),
                        quote(&f.column),
                        table_sql(s, &f.references_table),
                        quote(&f.references_column)
                    ),
                )
                .await
                .with_context(|| format!("adding foreign key {name}"))?;
            }
            // VALIDATE scans without blocking writes; a failure names the constraint.
            exec_ddl(
                client,
                &format!("ALTER TABLE {ts} VALIDATE CONSTRAINT {}", quote(&name)),
            )
            .await
            .with_context(|| format!("validating foreign key {name}"))?;
            Ok(0)
        }
        Task::Verify { table } => {
            let t = selected[table];
            let ts = table_sql(s, &t.name);
            exec_ddl(
                client,
                &format!("ANALYZE {ts}; ALTER TABLE {ts} RESET (autovacuum_enabled)"),
            )
            .await?;
            // The rows in the table are what its COPYs inserted: each shard's COPY count was
            // checked against the manifest and recorded in the ledger in the COPY's own
            // transaction, so their sum is the table's count without scanning it.
            let n: i64 = client
                .query_one(
                    &format!(
                        "SELECT coalesce(sum(rows), 0)::bigint FROM {} WHERE dataset_id = $1 AND table_name = $2",
                        table_sql(s, LEDGER)
                    ),
                    &[&m.dataset.id, &t.name],
                )
                .await
                .map_err(|e| anyhow!(describe(&e)))?
                .get(0);
            Ok(n as u64)
        }
    }
}
