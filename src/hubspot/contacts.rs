//! `hubspot_contacts`: people at companies, with role-based addresses on the company domain and
//! lead scores (higher at customers).

use std::sync::LazyLock;

use arrow::record_batch::RecordBatch;

use super::{Contact, CrmPlan, JOB_TITLES, PORTAL_ID, ROLE_MAILBOX};
use crate::arrays::*;
use crate::error::Result;
use crate::schema::{ColType::*, TableSchema, col};
use crate::table::Table;
use crate::world::{World, names::slug};

pub struct ContactsTable;

pub const LIFECYCLE: [&str; 5] = [
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "opportunity",
    "customer",
];

static SCHEMA: LazyLock<TableSchema> = LazyLock::new(|| {
    TableSchema::new(
        "hubspot_contacts",
        "HubSpot contacts: people at customer and prospect companies.",
        "id",
        vec![
            col("id", Int64, "HubSpot contact id."),
            col("portal_id", Int64, "HubSpot portal."),
            col("is_deleted", Bool, "Soft-deleted in HubSpot."),
            col("company_id", Int64, "Associated company."),
            col(
                "property_email",
                Text,
                "E-mail on the company domain (personal or role mailbox).",
            ),
            col("property_firstname", Text, "Given name."),
            col("property_lastname", Text, "Family name."),
            col("property_jobtitle", Text, "Job title.").accepted(&JOB_TITLES),
            col("property_lifecyclestage", Text, "Lifecycle stage.").accepted(&LIFECYCLE),
            col("property_hs_lead_status", Text, "Lead status.").accepted(&[
                "NEW",
                "OPEN",
                "IN_PROGRESS",
                "OPEN_DEAL",
                "UNQUALIFIED",
                "CONNECTED",
            ]),
            col("property_hubspotscore", Int32, "Lead score, 0–100."),
            col(
                "property_createdate",
                Timestamp,
                "When the contact was created.",
            ),
        ],
        &[("company_id", "hubspot_companies", "id")],
    )
});

/// Lifecycle stage of a contact: its company's stage, or by lead score.
pub fn contact_stage(plan: &CrmPlan, ct: &Contact) -> u8 {
    match super::company_stage(plan, &plan.companies[ct.company as usize]) {
        "customer" => 4,
        "opportunity" => 3,
        _ if ct.score >= crate::marketing::MQL_SCORE => 2,
        _ if ct.score >= 20 => 1,
        _ => 0,
    }
}

impl Table for ContactsTable {
    fn schema(&self) -> &'static TableSchema {
        &SCHEMA
    }

    fn shard_rows(&self, world: &World) -> Vec<u64> {
        let plan = CrmPlan::of(world);
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
        world: &World,
        shard: usize,
        emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
    ) -> Result<()> {
        let plan = CrmPlan::of(world);
        let r = plan.shards()[shard].clone();
        let (first, last) = (
            plan.companies[r.start].contacts.start,
            plan.companies[r.end - 1].contacts.end,
        );
        let build = |c: &[Contact]| {
            let company = |ct: &Contact| &plan.companies[ct.company as usize];
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
                    texts(c.iter().map(|c| LIFECYCLE[contact_stage(plan, c) as usize])),
                    texts(c.iter().map(|c| match contact_stage(plan, c) {
                        4 => "CONNECTED",
                        3 => "OPEN_DEAL",
                        2 => "IN_PROGRESS",
                        1 => "OPEN",
                        _ if c.score < 10 => "UNQUALIFIED",
                        _ => "NEW",
                    })),
                    i32s(c.iter().map(|c| c.score)),
                    timestamps(c.iter().map(|c| c.created)),
                ],
            )
        };
        emit_chunks(&plan.contacts[first as usize..last as usize], build, emit)
    }

    fn checks(&self, ds: &crate::validate::Dataset) -> Result<Vec<crate::validate::Check>> {
        super::checks::contact_checks(ds)
    }
}
