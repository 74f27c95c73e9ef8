//! The CRM plan: the HubSpot companies, contacts, deals and tickets of the cut (from the
//! world's CRM history, see [`crate::world::crm`] and [`crate::world::tickets`]) that the
//! HubSpot tables write and the marketing plan links to.

use std::sync::Arc;

use crate::world::World;

pub use crate::world::crm::{
    COMPANY_ID_BASE, CONTACT_ID_BASE, Company, Contact, Crm, DEAL_ID_BASE, Deal, DealFate, OWNERS,
    STAGES, engagement_times, first_mrr,
};
pub use crate::world::tickets::{CATEGORIES, PRIORITIES, Ticket};

pub const PORTAL_ID: i64 = 7_431_902;
/// Companies per shard of the CRM tables.
pub const COMPANIES_PER_SHARD: usize = 10_000;

pub const JOB_TITLES: [&str; 6] = [
    "Owner",
    "General Manager",
    "Bar Manager",
    "Operations Director",
    "Beverage Director",
    "Finance Manager",
];
/// Mailbox of each job title for role-based addresses.
pub const ROLE_MAILBOX: [&str; 6] = ["owner", "gm", "bar", "ops", "beverage", "finance"];

/// The cut's companies, contacts, deals and tickets (the world's, shared: `plan.companies`
/// reads them).
pub struct CrmPlan {
    crm: Arc<Crm>,
}

impl std::ops::Deref for CrmPlan {
    type Target = Crm;

    fn deref(&self) -> &Crm {
        &self.crm
    }
}

impl CrmPlan {
    pub fn shards(&self) -> Vec<std::ops::Range<usize>> {
        crate::allocate::ranges(self.companies.len(), COMPANIES_PER_SHARD)
    }

    pub fn build(world: &World) -> CrmPlan {
        CrmPlan {
            crm: Arc::clone(&world.crm),
        }
    }

    /// The tickets of company `c` opened by the cut's end `end`.
    pub fn tickets_of<'a>(&'a self, c: &Company, end: i64) -> impl Iterator<Item = &'a Ticket> {
        self.tickets[c.tickets.start as usize..c.tickets.end as usize]
            .iter()
            .filter(move |t| t.created < end)
    }
}

/// Lifecycle stage of a company at the as-of date.
pub fn company_stage(plan: &CrmPlan, c: &Company) -> &'static str {
    if c.account.is_some() {
        "customer"
    } else if plan.deals[c.deals.start as usize..c.deals.end as usize]
        .iter()
        .any(|d| d.fate == DealFate::Open)
    {
        "opportunity"
    } else {
        "lead"
    }
}
