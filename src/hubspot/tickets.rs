//! `hubspot_tickets`: support tickets of customer companies — more where devices are offline or
//! in maintenance — with priority, category and created → first reply → closed times.

use std::sync::LazyLock;

use arrow::record_batch::RecordBatch;

use crate::arrays::*;
use crate::error::Result;
use crate::plans::Plans;
use crate::plans::crm::{PORTAL_ID, Ticket};
use crate::profile::Size;
use crate::schema::{ColType::*, TableSchema, col};
use crate::table::Table;
use crate::world::World;

pub struct TicketsTable;

pub use crate::plans::crm::{CATEGORIES, PRIORITIES};
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

impl Table for TicketsTable {
    fn schema(&self) -> &'static TableSchema {
        &SCHEMA
    }

    fn shard_rows(&self, _world: &World, plans: &Plans) -> Vec<u64> {
        let plan = &plans.crm;
        plan.shards()
            .into_iter()
            .map(|r| r.map(|c| u64::from(plan.companies[c].ticketed)).sum())
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
        let build = |r: &[(i64, &Ticket)]| {
            batch(
                &SCHEMA,
                vec![
                    i64s(r.iter().map(|r| r.1.id)),
                    i64s(r.iter().map(|_| PORTAL_ID)),
                    bools(r.iter().map(|_| false)),
                    i64s(r.iter().map(|r| r.0)),
                    i64s(r.iter().map(|r| r.1.contact_id)),
                    i64s_opt(r.iter().map(|r| r.1.device_id)),
                    texts(r.iter().map(|r| {
                        format!(
                            "{} issue",
                            CATEGORIES[r.1.category as usize].replace('_', " ")
                        )
                    })),
                    texts(r.iter().map(|r| CATEGORIES[r.1.category as usize])),
                    texts(r.iter().map(|r| PRIORITIES[r.1.priority as usize])),
                    texts(r.iter().map(|_| "0")),
                    texts(r.iter().map(|r| stage(r.1, end))),
                    timestamps(r.iter().map(|r| r.1.created)),
                    timestamps_opt(r.iter().map(|r| (r.1.reply < end).then_some(r.1.reply))),
                    timestamps_opt(r.iter().map(|r| (r.1.close < end).then_some(r.1.close))),
                ],
            )
        };
        let mut rows = Batcher::new(build, emit);
        for ci in plan.shards()[shard].clone() {
            let c = &plan.companies[ci];
            for t in plan.tickets_of(c, end) {
                rows.push((c.id, t))?;
            }
        }
        rows.finish()
    }
}

/// Pipeline stage of ticket `t` at `end`: closed once closed, waiting on the contact once
/// answered, else new.
fn stage(t: &Ticket, end: i64) -> &'static str {
    if t.close < end {
        "4"
    } else if t.reply < end {
        "2"
    } else {
        "1"
    }
}
