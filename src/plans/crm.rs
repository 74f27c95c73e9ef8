//! The CRM plan: the HubSpot companies, contacts and deals of the cut (from the world's CRM
//! history, see [`crate::world::crm`], with each deal's engagements) and the ticket counts per
//! company that the HubSpot tables write and the marketing plan links to.

use std::sync::Arc;

use crate::allocate::{apportion, offsets};
use crate::time::MICROS_PER_DAY;
use crate::world::World;

pub use crate::world::crm::{
    COMPANY_ID_BASE, CONTACT_ID_BASE, Company, Contact, Crm, DEAL_ID_BASE, Deal, DealFate, OWNERS,
    STAGES, engagement_times, first_mrr,
};

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

/// The cut's companies, contacts and deals (the world's, shared: `plan.companies` reads them)
/// with the ticket counts.
pub struct CrmPlan {
    crm: Arc<Crm>,
    /// Tickets per company (customers only) and their prefix sums.
    pub tickets: Vec<u64>,
    pub ticket_offsets: Vec<u64>,
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
        let cfg = &world.cfg;
        let count = |t: &str| world.counts.get(t) as usize;
        let crm = Arc::clone(&world.crm);
        let companies = &crm.companies;
        let mut rng = crm.stream.clone();
        // Tickets: customers only; devices that are offline or in maintenance bring more.
        let weights: Vec<f64> = companies
            .iter()
            .map(|c| {
                c.account.map_or(0.0, |a| {
                    let a = &world.accounts[a as usize];
                    let poor: usize = a
                        .locations
                        .clone()
                        .flat_map(|l| world.locations[l as usize].devices.clone())
                        .filter(|&d| world.devices[d as usize].status != 0)
                        .count();
                    let years =
                        (a.life_end(cfg) - a.created_at) as f64 / (365.0 * MICROS_PER_DAY as f64);
                    (1.0 + 3.0 * poor as f64) * years.max(0.1) * rng.uniform(0.6, 1.4)
                })
            })
            .collect();
        let tickets: Vec<u64> = apportion(count("hubspot_tickets") as u64, &weights)
            .into_iter()
            .map(u64::from)
            .collect();
        CrmPlan {
            ticket_offsets: offsets(tickets.iter().copied()),
            crm,
            tickets,
        }
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
