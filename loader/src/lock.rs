//! One loader per schema, and no leftovers of an interrupted one.
//!
//! Two advisory locks per target schema, keyed by a hash of its name:
//! - the *run* lock, held by the loader's first connection for the whole run: a second loader
//!   into the same schema waits for it (and says so);
//! - the *session* lock, held shared by every connection of a run. A loader that was killed may
//!   leave server sessions still running their last statement (an index build, a COPY). Once a
//!   new run holds the run lock, any holder of the session lock belongs to a dead run: the new
//!   run ends those sessions (or, without the privilege to, waits for them) by taking the
//!   session lock exclusively once before it starts.

use anyhow::{Result, anyhow};
use sha2::{Digest, Sha256};
use tokio_postgres::Client;

use crate::db::describe;

const RUN: i32 = 0x6467_0001;
const SESSION: i32 = 0x6467_0002;

fn schema_key(schema: &str) -> i32 {
    let h = Sha256::digest(format!("datagen-load:{schema}").as_bytes());
    (u32::from_be_bytes([h[0], h[1], h[2], h[3]]) & 0x7fff_ffff) as i32
}

async fn try_lock(client: &Client, class: i32, key: i32) -> Result<bool> {
    Ok(client
        .query_one("SELECT pg_try_advisory_lock($1, $2)", &[&class, &key])
        .await
        .map_err(|e| anyhow!("taking the schema lock: {}", describe(&e)))?
        .get(0))
}

async fn lock(client: &Client, class: i32, key: i32) -> Result<()> {
    client
        .execute("SELECT pg_advisory_lock($1, $2)", &[&class, &key])
        .await
        .map_err(|e| anyhow!("waiting for the schema lock: {}", describe(&e)))?;
    Ok(())
}

/// Server sessions holding one of the schema's locks, other than this one: (pid, description).
async fn holders(client: &Client, class: i32, key: i32) -> Result<Vec<(i32, String)>> {
    let rows = client
        .query(
            "SELECT a.pid, format('server pid %s (%s, connected %s, %s: %s)', a.pid, \
                    coalesce(nullif(a.application_name, ''), 'no application name'), \
                    to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS'), a.state, left(a.query, 80)) \
             FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
             WHERE l.locktype = 'advisory' AND l.granted AND l.classid::bigint = $1 \
               AND l.objid::bigint = $2 AND l.objsubid = 2 AND l.pid <> pg_backend_pid()",
            &[&i64::from(class), &i64::from(key)],
        )
        .await
        .map_err(|e| {
            anyhow!(
                "listing the sessions holding the schema lock: {}",
                describe(&e)
            )
        })?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// Takes the schema's run lock (waiting for another loader into it), then clears the sessions
/// a dead run left behind. `say` receives what it waits for.
pub async fn acquire(client: &Client, schema: &str, say: &dyn Fn(String)) -> Result<()> {
    let key = schema_key(schema);
    if !try_lock(client, RUN, key).await? {
        let who: Vec<String> = holders(client, RUN, key)
            .await?
            .into_iter()
            .map(|(_, d)| d)
            .collect();
        say(format!(
            "waiting for another datagen-load into schema {schema} to end (a live one, or a killed one whose last statement is still running): {}",
            if who.is_empty() {
                "a session that just released it".to_string()
            } else {
                who.join("; ")
            }
        ));
        lock(client, RUN, key).await?;
        say(format!("schema {schema} is free; loading"));
    }
    if !try_lock(client, SESSION, key).await? {
        let orphans = holders(client, SESSION, key).await?;
        say(format!(
            "ending {} server session(s) left by an interrupted datagen-load into schema {schema}: {}",
            orphans.len(),
            orphans
                .iter()
                .map(|(_, d)| d.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        ));
        for (pid, _) in &orphans {
            if let Err(e) = client
                .execute("SELECT pg_terminate_backend($1)", &[pid])
                .await
            {
                say(format!(
                    "cannot end server pid {pid} ({}); waiting for its statement to finish",
                    describe(&e)
                ));
            }
        }
        lock(client, SESSION, key).await?;
    }
    client
        .execute("SELECT pg_advisory_unlock($1, $2)", &[&SESSION, &key])
        .await
        .map_err(|e| anyhow!("releasing the session lock: {}", describe(&e)))?;
    Ok(())
}

/// Marks a connection as one of this run's, for as long as it lives.
pub async fn join(client: &Client, schema: &str) -> Result<()> {
    client
        .execute(
            "SELECT pg_advisory_lock_shared($1, $2)",
            &[&SESSION, &schema_key(schema)],
        )
        .await
        .map_err(|e| anyhow!("taking the shared session lock: {}", describe(&e)))?;
    Ok(())
}
