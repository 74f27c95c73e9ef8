//! `hubspot_tickets`: support tickets of customer companies — more where devices are offline or
//! in maintenance — with priority, category and created → first reply → closed times.

use std::sync::LazyLock;

use arrow::record_batch::RecordBatch;

use crate::arrays::*;
use crate::error::Result;
use crate::plans::Plans;
use crate::plans::crm::PORTAL_ID;
use crate::profile::Size;
use crate::rng::Rand;
use crate::schema::{ColType::*, TableSchema, col};
use crate::table::Table;
use crate::time::{MICROS_PER_DAY, MICROS_PER_HOUR};
use crate::world::World;

pub struct TicketsTable;

pub const PRIORITIES: [&str; 4] = ["LOW", "MEDIUM", "HIGH", "URGENT"];
pub const CATEGORIES: [&str; 6] = [
    "device_connectivity",
    "pour_accuracy",
    "billing",
    "onboarding",
    "feature_request",
    "bug",
];
/// Pipeline "0" stages: 1 New, 2 Waiting on contact, 3 Waiting on us, 4 Closed.
pub const STAGES: [&str; 4] = ["1", "2", "3", "4"];

/// Columns of `hubspot_tickets`, named once: the schema below and every check refer to these.
pub mod cols {
    use crate::schema::Col;

    pub const TABLE: &str = "hubspot_tickets";
    pub const ID: Col = Col::new(TABLE, "id");
    pub const PORTAL_ID: Col = Col::new(TABLE, "portal_id");
    pub const IS_DELETED: Col = Col::new(TABLE, "is_deleted");
    pub const COMPANY_ID: Col = Col::new(TABLE, "company_id");
    pub const CONTACT_ID: Col = Col::new(TABLE, "contact_id");
    pub const DEVICE_ID: Col = Col::new(TABLE, "device_id");
    pub const PROPERTY_SUBJECT: Col = Col::new(TABLE, "property_subject");
    pub const PROPERTY_CATEGORY: Col = Col::new(TABLE, "property_category");
    pub const PROPERTY_HS_TICKET_PRIORITY: Col = Col::new(TABLE, "property_hs_ticket_priority");
    pub const PROPERTY_HS_PIPELINE: Col = Col::new(TABLE, "property_hs_pipeline");
    pub const PROPERTY_HS_PIPELINE_STAGE: Col = Col::new(TABLE, "property_hs_pipeline_stage");
    pub const PROPERTY_CREATEDATE: Col = Col::new(TABLE, "property_createdate");
    pub const PROPERTY_FIRST_AGENT_REPLY_DATE: Col =
        Col::new(TABLE, "property_first_agent_reply_date");
    pub const PROPERTY_CLOSED_DATE: Col = Col::new(TABLE, "property_closed_date");
}

static SCHEMA: LazyLock<TableSchema> = LazyLock::new(|| {
    TableSchema::new(
        cols::TABLE,
        "HubSpot support tickets of customer companies.",
        Size::Scaled {
            dev: 400,
            qa: 40_000,
            production: 160_000,
        },
        cols::ID,
        vec![
            col(cols::ID, Int64, "HubSpot ticket id."),
            col(cols::PORTAL_ID, Int64, "HubSpot portal."),
            col(cols::IS_DELETED, Bool, "Soft-deleted in HubSpot."),
            col(cols::COMPANY_ID, Int64, "Customer company."),
            col(cols::CONTACT_ID, Int64, "Contact who opened it."),
            col(
                cols::DEVICE_ID,
                Int64,
                "Device concerned, for device tickets.",
            )
            .nullable(),
            col(cols::PROPERTY_SUBJECT, Text, "Subject."),
            col(cols::PROPERTY_CATEGORY, Text, "Category.").accepted(&CATEGORIES),
            col(cols::PROPERTY_HS_TICKET_PRIORITY, Text, "Priority.").accepted(&PRIORITIES),
            col(cols::PROPERTY_HS_PIPELINE, Text, "Pipeline.").accepted(&["0"]),
            col(
                cols::PROPERTY_HS_PIPELINE_STAGE,
                Text,
                "Stage: 1 New, 2 Waiting on contact, 3 Waiting on us, 4 Closed.",
            )
            .accepted(&STAGES),
            col(
                cols::PROPERTY_CREATEDATE,
                Timestamp,
                "When the ticket was opened.",
            ),
            col(
                cols::PROPERTY_FIRST_AGENT_REPLY_DATE,
                Timestamp,
                "First agent reply.",
            )
            .nullable(),
            col(cols::PROPERTY_CLOSED_DATE, Timestamp, "When it was closed.").nullable(),
        ],
        &[
            (cols::COMPANY_ID, "hubspot_companies", "id"),
            (cols::CONTACT_ID, "hubspot_contacts", "id"),
            (cols::DEVICE_ID, "app_devices", "device_id"),
        ],
    )
});

struct Row {
    id: i64,
    company: i64,
    contact: i64,
    device: Option<i64>,
    category: usize,
    priority: usize,
    created: i64,
    reply: Option<i64>,
    closed: Option<i64>,
}

impl Table for TicketsTable {
    fn schema(&self) -> &'static TableSchema {
        &SCHEMA
    }

    fn shard_rows(&self, _world: &World, plans: &Plans) -> Vec<u64> {
        let plan = &plans.crm;
        plan.shards()
            .into_iter()
            .map(|r| r.map(|c| plan.tickets[c]).sum())
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
        let end = world.cfg.end_ts();
        let build = |r: &[Row]| {
            batch(
                &SCHEMA,
                vec![
                    i64s(r.iter().map(|r| r.id)),
                    i64s(r.iter().map(|_| PORTAL_ID)),
                    bools(r.iter().map(|_| false)),
                    i64s(r.iter().map(|r| r.company)),
                    i64s(r.iter().map(|r| r.contact)),
                    i64s_opt(r.iter().map(|r| r.device)),
                    texts(
                        r.iter()
                            .map(|r| format!("{} issue", CATEGORIES[r.category].replace('_', " "))),
                    ),
                    texts(r.iter().map(|r| CATEGORIES[r.category])),
                    texts(r.iter().map(|r| PRIORITIES[r.priority])),
                    texts(r.iter().map(|_| "0")),
                    texts(r.iter().map(|r| match (r.reply, r.closed) {
                        (_, Some(_)) => "4",
                        (Some(_), None) => "2",
                        (None, None) => "1",
                    })),
                    timestamps(r.iter().map(|r| r.created)),
                    timestamps_opt(r.iter().map(|r| r.reply)),
                    timestamps_opt(r.iter().map(|r| r.closed)),
                ],
            )
        };
        let mut rows = Batcher::new(build, emit);
        for ci in plan.shards()[shard].clone() {
            let c = &plan.companies[ci];
            let Some(ai) = c.account else { continue };
            let a = &world.accounts[ai as usize];
            let mut rng = Rand::new(world.cfg.seed, "hubspot_tickets", c.id as u64);
            let devices: Vec<u32> = a
                .locations
                .clone()
                .flat_map(|l| world.locations[l as usize].devices.clone())
                .collect();
            let poor: Vec<u32> = devices
                .iter()
                .copied()
                .filter(|&d| world.devices[d as usize].status != 0)
                .collect();
            let life_end = a.life_end(&world.cfg);
            for k in 0..plan.tickets[ci] {
                let category = rng.weighted(&[
                    if poor.is_empty() { 18.0 } else { 40.0 },
                    14.0,
                    12.0,
                    10.0,
                    10.0,
                    14.0,
                ]);
                // A venue whose devices are not installed yet has no device to name.
                let device = (category <= 1 && !devices.is_empty()).then(|| {
                    let pool = if category == 0 && !poor.is_empty() {
                        &poor
                    } else {
                        &devices
                    };
                    pool[rng.below(pool.len() as u64) as usize]
                });
                let earliest =
                    device.map_or(a.created_at, |d| world.devices[d as usize].installed_at);
                let created = rng.range(earliest, (life_end - MICROS_PER_HOUR).max(earliest));
                let priority = rng.weighted(&[30.0, 40.0, 22.0, 8.0]);
                let reply_h = rng.lognormal([18.0, 6.0, 2.0, 0.5][priority], 0.8);
                let reply = created + (reply_h * MICROS_PER_HOUR as f64) as i64;
                let close = reply
                    + (rng.lognormal([4.0, 2.5, 1.5, 0.8][priority], 0.9) * MICROS_PER_DAY as f64)
                        as i64;
                let contact = c.contacts.start + rng.below(c.contacts.len() as u64) as u32;
                rows.push(Row {
                    id: 2_000_000 + (plan.ticket_offsets[ci] + k + 1) as i64,
                    company: c.id,
                    contact: plan.contacts[contact as usize].id,
                    device: device.map(|d| world.devices[d as usize].id),
                    category,
                    priority,
                    created,
                    reply: (reply < end).then_some(reply),
                    closed: (close < end).then_some(close),
                })?;
            }
        }
        rows.finish()
    }
}
