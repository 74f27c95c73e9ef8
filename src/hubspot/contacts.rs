//! `hubspot_contacts`: people at companies, with role-based addresses on the company domain and
//! lead scores (higher at customers).

use std::sync::LazyLock;

use arrow::record_batch::RecordBatch;

use crate::arrays::*;
use crate::error::Result;
use crate::plans::Plans;
use crate::plans::crm::{Contact, CrmPlan, JOB_TITLES, PORTAL_ID, ROLE_MAILBOX};
use crate::plans::marketing::MarketingPlan;
use crate::profile::Size;
use crate::schema::{ColType::*, TableSchema, col};
use crate::table::Table;
use crate::world::{World, names::slug};

pub struct ContactsTable;

pub const LIFECYCLE: [&str; 6] = [
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
];

/// Columns of `hubspot_contacts`, named once: the schema below and every check refer to these.
pub mod cols {
    use crate::schema::Col;

    pub const TABLE: &str = "hubspot_contacts";
    pub const ID: Col = Col::new(TABLE, "id");
    pub const PORTAL_ID: Col = Col::new(TABLE, "portal_id");
    pub const IS_DELETED: Col = Col::new(TABLE, "is_deleted");
    pub const COMPANY_ID: Col = Col::new(TABLE, "company_id");
    pub const PROPERTY_EMAIL: Col = Col::new(TABLE, "property_email");
    pub const PROPERTY_FIRSTNAME: Col = Col::new(TABLE, "property_firstname");
    pub const PROPERTY_LASTNAME: Col = Col::new(TABLE, "property_lastname");
    pub const PROPERTY_JOBTITLE: Col = Col::new(TABLE, "property_jobtitle");
    pub const PROPERTY_LIFECYCLESTAGE: Col = Col::new(TABLE, "property_lifecyclestage");
    pub const PROPERTY_HS_LEAD_STATUS: Col = Col::new(TABLE, "property_hs_lead_status");
    pub const PROPERTY_HUBSPOTSCORE: Col = Col::new(TABLE, "property_hubspotscore");
    pub const PROPERTY_CREATEDATE: Col = Col::new(TABLE, "property_createdate");
}

static SCHEMA: LazyLock<TableSchema> = LazyLock::new(|| {
    TableSchema::new(
        cols::TABLE,
        "HubSpot contacts: people at customer and prospect companies.",
        Size::Scaled {
            dev: 500,
            qa: 50_000,
            production: 200_000,
        },
        cols::ID,
        vec![
            col(cols::ID, Int64, "HubSpot contact id."),
            col(cols::PORTAL_ID, Int64, "HubSpot portal."),
            col(cols::IS_DELETED, Bool, "Soft-deleted in HubSpot."),
            col(cols::COMPANY_ID, Int64, "Associated company."),
            col(
                cols::PROPERTY_EMAIL,
                Text,
                "E-mail on the company domain (personal or role mailbox).",
            ),
            col(cols::PROPERTY_FIRSTNAME, Text, "Given name."),
            col(cols::PROPERTY_LASTNAME, Text, "Family name."),
            col(cols::PROPERTY_JOBTITLE, Text, "Job title.").accepted(&JOB_TITLES),
            col(cols::PROPERTY_LIFECYCLESTAGE, Text, "Lifecycle stage.").accepted(&LIFECYCLE),
            col(cols::PROPERTY_HS_LEAD_STATUS, Text, "Lead status.").accepted(&[
                "NEW",
                "OPEN",
                "IN_PROGRESS",
                "OPEN_DEAL",
                "UNQUALIFIED",
                "CONNECTED",
            ]),
            col(cols::PROPERTY_HUBSPOTSCORE, Int32, "Lead score, 0–100."),
            col(
                cols::PROPERTY_CREATEDATE,
                Timestamp,
                "When the contact was created.",
            ),
        ],
        &[(cols::COMPANY_ID, "hubspot_companies", "id")],
    )
});

/// Lifecycle stage of contact `k` (index into `LIFECYCLE`): its company's stage when that is
/// customer or opportunity, else its latest MQL's (an MQL or SQL still in play; disqualified or
/// lost ones are recycled to lead), else subscriber or lead by lead score.
pub fn contact_stage(crm: &CrmPlan, marketing: &MarketingPlan, k: usize) -> u8 {
    let ct = &crm.contacts[k];
    match crate::plans::crm::company_stage(crm, &crm.companies[ct.company as usize]) {
        "customer" => 5,
        "opportunity" => 4,
        _ => match marketing.latest_mql[k].map(|m| marketing.mqls[m as usize].status) {
            Some(0) => 2,
            Some(1) => 3,
            Some(_) => 1,
            None if ct.score >= 20 => 1,
            None => 0,
        },
    }
}

impl Table for ContactsTable {
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
                    .map(|c| c.contacts.len() as u64)
                    .sum()
            })
            .collect()
    }

    fn generate(
        &self,
        _world: &World,
        plans: &Plans,
        shard: usize,
        emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
    ) -> Result<()> {
        let plan = &plans.crm;
        let r = plan.shards()[shard].clone();
        let (first, last) = (
            plan.companies[r.start].contacts.start,
            plan.companies[r.end - 1].contacts.end,
        );
        let build = |ks: &[usize]| {
            let company = |ct: &Contact| &plan.companies[ct.company as usize];
            let c: Vec<&Contact> = ks.iter().map(|&k| &plan.contacts[k]).collect();
            let stages: Vec<u8> = ks
                .iter()
                .map(|&k| contact_stage(plan, &plans.marketing, k))
                .collect();
            batch(
                &SCHEMA,
                vec![
                    i64s(c.iter().map(|c| c.id)),
                    i64s(c.iter().map(|_| PORTAL_ID)),
                    bools(c.iter().map(|_| false)),
                    i64s(c.iter().map(|c| company(c).id)),
                    texts(c.iter().map(|c| {
                        if c.role_mailbox {
                            format!(
                                "{}{}@{}",
                                ROLE_MAILBOX[c.title as usize],
                                c.id % 100,
                                company(c).domain
                            )
                        } else {
                            format!(
                                "{}.{}{}@{}",
                                slug(c.first),
                                slug(c.last),
                                c.id % 1000,
                                company(c).domain
                            )
                        }
                    })),
                    texts(c.iter().map(|c| c.first)),
                    texts(c.iter().map(|c| c.last)),
                    texts(c.iter().map(|c| JOB_TITLES[c.title as usize])),
                    texts(stages.iter().map(|&s| LIFECYCLE[s as usize])),
                    texts(c.iter().zip(&stages).map(|(c, s)| match s {
                        5 => "CONNECTED",
                        4 => "OPEN_DEAL",
                        2 | 3 => "IN_PROGRESS",
                        1 => "OPEN",
                        _ if c.score < 10 => "UNQUALIFIED",
                        _ => "NEW",
                    })),
                    i32s(c.iter().map(|c| c.score)),
                    timestamps(c.iter().map(|c| c.created)),
                ],
            )
        };
        let contacts: Vec<usize> = (first as usize..last as usize).collect();
        emit_chunks(&contacts, build, emit)
    }
}
