//! `hubspot_engagements`: calls, e-mails, meetings, notes and tasks logged by reps on deals,
//! more for deals that went further, each inside its deal's life, in business hours.

use std::sync::LazyLock;

use arrow::record_batch::RecordBatch;

use crate::arrays::*;
use crate::error::Result;
use crate::plans::Plans;
use crate::plans::crm::{PORTAL_ID, engagement_times};
use crate::profile::Size;
use crate::schema::{ColType::*, TableSchema, col};
use crate::table::Table;
use crate::world::World;

pub struct EngagementsTable;

pub const TYPES: [&str; 5] = ["CALL", "EMAIL", "MEETING", "NOTE", "TASK"];

/// Columns of `hubspot_engagements`, named once: the schema below and every check refer to these.
pub mod cols {
    use crate::schema::Col;

    pub const TABLE: &str = "hubspot_engagements";
    pub const ID: Col = Col::new(TABLE, "id");
    pub const PORTAL_ID: Col = Col::new(TABLE, "portal_id");
    pub const IS_DELETED: Col = Col::new(TABLE, "is_deleted");
    pub const TYPE: Col = Col::new(TABLE, "type");
    pub const DEAL_ID: Col = Col::new(TABLE, "deal_id");
    pub const CONTACT_ID: Col = Col::new(TABLE, "contact_id");
    pub const COMPANY_ID: Col = Col::new(TABLE, "company_id");
    pub const HUBSPOT_OWNER_ID: Col = Col::new(TABLE, "hubspot_owner_id");
    pub const TIMESTAMP: Col = Col::new(TABLE, "timestamp");
    pub const DURATION_MS: Col = Col::new(TABLE, "duration_ms");
}

static SCHEMA: LazyLock<TableSchema> = LazyLock::new(|| {
    TableSchema::new(
        cols::TABLE,
        "HubSpot engagements logged on deals by sales reps.",
        Size::Scaled {
            dev: 2_500,
            qa: 250_000,
            production: 1_000_000,
        },
        cols::ID,
        vec![
            col(cols::ID, Int64, "HubSpot engagement id."),
            col(cols::PORTAL_ID, Int64, "HubSpot portal."),
            col(cols::IS_DELETED, Bool, "Soft-deleted in HubSpot."),
            col(cols::TYPE, Text, "Engagement type.").accepted(&TYPES),
            col(cols::DEAL_ID, Int64, "Deal the engagement is logged on."),
            col(cols::CONTACT_ID, Int64, "Contact engaged."),
            col(cols::COMPANY_ID, Int64, "Company of the deal."),
            col(cols::HUBSPOT_OWNER_ID, Int64, "Rep who logged it."),
            col(cols::TIMESTAMP, Timestamp, "When it happened."),
            col(cols::DURATION_MS, Int64, "Length of calls and meetings.").nullable(),
        ],
        &[
            (cols::DEAL_ID, "hubspot_deals", "id"),
            (cols::CONTACT_ID, "hubspot_contacts", "id"),
            (cols::COMPANY_ID, "hubspot_companies", "id"),
        ],
    )
});

struct Row {
    id: i64,
    kind: usize,
    deal: i64,
    contact: i64,
    company: i64,
    owner: i64,
    at: i64,
    duration: Option<i64>,
}

impl Table for EngagementsTable {
    fn schema(&self) -> &'static TableSchema {
        &SCHEMA
    }

    fn shard_rows(&self, _world: &World, plans: &Plans) -> Vec<u64> {
        let plan = &plans.crm;
        plan.shards()
            .into_iter()
            .map(|r| {
                plan.companies[r]
                    .iter()
                    .flat_map(|c| c.deals.clone())
                    .map(|d| u64::from(plan.deals[d as usize].engaged))
                    .sum()
            })
            .collect()
    }

    fn generate(
        &self,
        world: &World,
        plans: &Plans,
        shard: usize,
        emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
    ) -> Result<()> {
        let plan = &plans.crm;
        let build = |r: &[Row]| {
            batch(
                &SCHEMA,
                vec![
                    i64s(r.iter().map(|r| r.id)),
                    i64s(r.iter().map(|_| PORTAL_ID)),
                    bools(r.iter().map(|_| false)),
                    texts(r.iter().map(|r| TYPES[r.kind])),
                    i64s(r.iter().map(|r| r.deal)),
                    i64s(r.iter().map(|r| r.contact)),
                    i64s(r.iter().map(|r| r.company)),
                    i64s(r.iter().map(|r| r.owner)),
                    timestamps(r.iter().map(|r| r.at)),
                    i64s_opt(r.iter().map(|r| r.duration)),
                ],
            )
        };
        let mut rows = Batcher::new(build, emit);
        for c in &plan.companies[plan.shards()[shard].clone()] {
            for di in c.deals.clone() {
                let d = &plan.deals[di as usize];
                let (mut rng, times) = engagement_times(world.cfg.seed, d);
                let n = d.engagements;
                for (k, at) in times.into_iter().take(d.engaged as usize).enumerate() {
                    // Early stages are calls and e-mails; meetings come as the deal advances.
                    let progress = k as f64 / n.max(1) as f64 * f64::from(d.reached + 1) / 5.0;
                    let kind = rng.weighted(&[
                        30.0 - 15.0 * progress,
                        35.0,
                        5.0 + 25.0 * progress,
                        15.0,
                        15.0,
                    ]);
                    let contacts = &c.contacts;
                    let contact = contacts.start + rng.below(contacts.len() as u64) as u32;
                    rows.push(Row {
                        id: 800_000_000 + (d.engagement_offset + k as u64 + 1) as i64,
                        kind,
                        deal: d.id,
                        contact: plan.contacts[contact as usize].id,
                        company: c.id,
                        owner: d.owner,
                        at,
                        duration: match kind {
                            0 => Some((rng.lognormal(6.0, 0.6) * 60_000.0) as i64),
                            2 => Some(rng.range(2, 6) * 15 * 60_000),
                            _ => None,
                        },
                    })?;
                }
            }
        }
        rows.finish()
    }
}
