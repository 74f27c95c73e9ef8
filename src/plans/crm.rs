//! The CRM plan: the HubSpot companies, contacts and deals (and engagement and ticket counts per
//! company) that the HubSpot tables write and the marketing plan links to.
//!
//! Every account is a customer company (linked by `account_id`); prospects fill the rest. Deals
//! go through the default pipeline: about 12 % open, and a quarter of the closed ones won. Won
//! deals belong to customers (sales-assisted sign-ups, higher tiers first) and close within days
//! of the account's creation; the other customers signed up self-serve.

use std::collections::HashSet;

use crate::allocate::apportion;
use crate::allocate::fit_total;
use crate::rng::Rand;
use crate::time::{MICROS_PER_DAY, MICROS_PER_HOUR};
use crate::world::{World, geo, names};

pub const PORTAL_ID: i64 = 7_431_902;
pub const COMPANY_ID_BASE: i64 = 5_100_000_000;
pub const CONTACT_ID_BASE: i64 = 100_000;
pub const DEAL_ID_BASE: i64 = 9_000_000_000;
/// Companies per shard of the CRM tables.
pub const COMPANIES_PER_SHARD: usize = 10_000;

/// Default pipeline: (stage, probability).
pub const STAGES: [(&str, f64); 7] = [
    ("appointmentscheduled", 0.2),
    ("qualifiedtobuy", 0.4),
    ("presentationscheduled", 0.6),
    ("decisionmakerboughtin", 0.8),
    ("contractsent", 0.9),
    ("closedwon", 1.0),
    ("closedlost", 0.0),
];
pub const OWNERS: [i64; 8] = [
    31_001, 31_002, 31_003, 31_004, 31_005, 31_006, 31_007, 31_008,
];
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

pub struct Company {
    pub id: i64,
    /// Account index for customers.
    pub account: Option<u32>,
    pub name: String,
    pub domain: String,
    pub industry: u8,
    pub employees: i32,
    pub city: u16,
    pub created: i64,
    pub owner: i64,
    pub contacts: std::ops::Range<u32>,
    pub deals: std::ops::Range<u32>,
}

pub struct Contact {
    pub id: i64,
    pub company: u32,
    pub first: &'static str,
    pub last: &'static str,
    pub title: u8,
    pub role_mailbox: bool,
    pub created: i64,
    pub score: i32,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DealFate {
    Won,
    Lost,
    Open,
}

pub struct Deal {
    pub id: i64,
    pub company: u32,
    pub contact: u32,
    pub fate: DealFate,
    /// Furthest stage reached (index into STAGES; 5/6 for closed deals).
    pub stage: u8,
    /// Furthest open stage reached before closing (drives engagement volume).
    pub reached: u8,
    pub created: i64,
    pub closed: Option<i64>,
    pub amount_cents: i64,
    pub owner: i64,
}

pub struct CrmPlan {
    pub companies: Vec<Company>,
    pub contacts: Vec<Contact>,
    pub deals: Vec<Deal>,
    /// Engagements per deal and their prefix sums.
    pub engagements: Vec<u64>,
    pub engagement_offsets: Vec<u64>,
    /// Tickets per company (customers only) and their prefix sums.
    pub tickets: Vec<u64>,
    pub ticket_offsets: Vec<u64>,
}

fn prefix(v: &[u64]) -> Vec<u64> {
    let mut acc = 0;
    v.iter()
        .map(|x| {
            let o = acc;
            acc += x;
            o
        })
        .collect()
}

impl CrmPlan {
    pub fn shards(&self) -> Vec<std::ops::Range<usize>> {
        crate::allocate::ranges(self.companies.len(), COMPANIES_PER_SHARD)
    }

    pub fn build(world: &World) -> CrmPlan {
        let cfg = &world.cfg;
        let count = |t: &str| world.counts.get(t) as usize;
        let (start, end) = (cfg.start_ts(), cfg.end_ts());
        let mut rng = Rand::new(cfg.seed, "hubspot.plan", 0);
        let n_acc = world.accounts.len();
        let n_comp = count("hubspot_companies").max(n_acc);
        let mut domains: HashSet<String> =
            world.accounts.iter().map(|a| a.domain.clone()).collect();
        let city_weights = geo::weights();
        let mut companies: Vec<Company> = Vec::with_capacity(n_comp);
        for (i, a) in world.accounts.iter().enumerate() {
            companies.push(Company {
                id: COMPANY_ID_BASE + i as i64 + 1,
                account: Some(i as u32),
                name: a.name.clone(),
                domain: a.domain.clone(),
                industry: a.industry,
                employees: a.employees,
                city: a.hq_city,
                created: (a.created_at - rng.range(20, 90) * MICROS_PER_DAY)
                    .max(start - 90 * MICROS_PER_DAY),
                owner: rng.pick(&OWNERS),
                contacts: 0..0,
                deals: 0..0,
            });
        }
        let g = crate::world::YEARLY_GROWTH.powi(crate::world::HISTORY_YEARS as i32) - 1.0;
        for i in n_acc..n_comp {
            let industry = rng.weighted(&crate::world::INDUSTRY_SHARES) as u8;
            let city = rng.weighted(&city_weights) as u16;
            let suffix = rng.pick(names::SUFFIXES[industry as usize]);
            let name = format!(
                "{} {} {suffix}",
                rng.pick(names::ADJECTIVES),
                rng.pick(names::NOUNS)
            );
            let base = names::slug(&name);
            let mut domain = format!("{base}.com");
            let mut k = 2;
            while !domains.insert(domain.clone()) {
                domain = format!("{base}{k}.com");
                k += 1;
            }
            // Prospects arrive on the same growth curve as customers.
            let t = (1.0 + rng.f64() * g).ln()
                / crate::world::YEARLY_GROWTH.ln()
                / crate::world::HISTORY_YEARS as f64;
            let created = start + (t * (end - start - 30 * MICROS_PER_DAY) as f64) as i64;
            companies.push(Company {
                id: COMPANY_ID_BASE + i as i64 + 1,
                account: None,
                name,
                domain,
                industry,
                employees: (5.0 * 60f64.powf(rng.f64().powf(1.6))).round() as i32,
                city,
                created,
                owner: rng.pick(&OWNERS),
                contacts: 0..0,
                deals: 0..0,
            });
        }

        // Contacts: more at customers, fitted to the exact total.
        let mut per_company: Vec<u8> = companies
            .iter()
            .map(|c| {
                1 + rng.weighted(if c.account.is_some() {
                    &[5.0, 15.0, 25.0, 25.0, 15.0, 10.0, 5.0]
                } else {
                    &[30.0, 30.0, 20.0, 10.0, 5.0, 5.0, 0.0]
                }) as u8
            })
            .collect();
        fit_total(&mut per_company, count("hubspot_contacts"), 1, 10, &mut rng);
        let mut contacts = Vec::with_capacity(count("hubspot_contacts"));
        for (ci, c) in companies.iter_mut().enumerate() {
            let first = contacts.len() as u32;
            for _ in 0..per_company[ci] {
                contacts.push(Contact {
                    id: CONTACT_ID_BASE + contacts.len() as i64 + 1,
                    company: ci as u32,
                    first: rng.pick(names::FIRST_NAMES),
                    last: rng.pick(names::LAST_NAMES),
                    title: rng.weighted(&[25.0, 25.0, 20.0, 12.0, 10.0, 8.0]) as u8,
                    role_mailbox: rng.chance(0.3),
                    created: c.created + rng.range(0, 5 * MICROS_PER_DAY),
                    score: 0,
                });
            }
            c.contacts = first..contacts.len() as u32;
        }

        // Deals: exact open / won / lost split.
        let n_deals = count("hubspot_deals");
        let open = (n_deals as f64 * 0.12).round() as usize;
        let closed = n_deals - open;
        let won = ((closed as f64 * 0.25).round() as usize).min(n_acc);
        let lost = closed - won;
        // Won deals: customers, higher tiers first (sales-assisted), among accounts whose company
        // existed long enough for a sales cycle.
        let mut order: Vec<usize> = (0..n_acc).collect();
        let key: Vec<f64> = world
            .accounts
            .iter()
            .map(|a| f64::from(a.tier) + rng.f64() * 1.5)
            .collect();
        order.sort_by(|&a, &b| key[b].total_cmp(&key[a]));
        let mut deal_company: Vec<(u32, DealFate)> = order[..won]
            .iter()
            .map(|&a| (a as u32, DealFate::Won))
            .collect();
        // Lost and open deals: prospects three times as likely as customers.
        let weights: Vec<f64> = companies
            .iter()
            .map(|c| if c.account.is_some() { 1.0 } else { 3.0 })
            .collect();
        for (n, fate) in [(lost, DealFate::Lost), (open, DealFate::Open)] {
            for (ci, k) in apportion(n as u64, &weights).into_iter().enumerate() {
                for _ in 0..k {
                    deal_company.push((ci as u32, fate));
                }
            }
        }
        deal_company.sort_by_key(|d| d.0);
        let mut deals: Vec<Deal> = Vec::with_capacity(n_deals);
        for (ci, fate) in deal_company {
            let c = &companies[ci as usize];
            // Sales cycle by company size: SMB 14–30 days, mid-market 30–90, enterprise 90–180.
            let cycle_days = match c.employees {
                0..=40 => rng.range(14, 30),
                41..=150 => rng.range(30, 90),
                _ => rng.range(90, 180),
            };
            let (created, closed, stage, reached) = match fate {
                DealFate::Won => {
                    let a = &world.accounts[c.account.expect("won deals are customers") as usize];
                    let close = a.created_at - rng.range(0, 3 * MICROS_PER_DAY);
                    (close - cycle_days * MICROS_PER_DAY, Some(close), 5u8, 4u8)
                }
                DealFate::Lost => {
                    // Opened weeks after the company arrived (so deals grow with companies),
                    // closed a cycle later; a cycle that would end after the as-of date is
                    // moved back so that it ended before it.
                    let lag = (rng.exp(60.0) * MICROS_PER_DAY as f64) as i64;
                    let mut created = c.created + 5 * MICROS_PER_DAY + lag;
                    let mut close =
                        created + cycle_days * MICROS_PER_DAY + rng.range(0, MICROS_PER_DAY);
                    let latest = end - rng.range(MICROS_PER_HOUR, 20 * MICROS_PER_DAY);
                    if close > latest {
                        created -= close - latest;
                        close = latest;
                    }
                    (created, Some(close), 6, rng.range(0, 4) as u8)
                }
                DealFate::Open => {
                    let age = rng.range(MICROS_PER_DAY, cycle_days.min(120) * MICROS_PER_DAY);
                    let created = (end - age).max(c.created + 5 * MICROS_PER_DAY);
                    let s = rng.range(0, 4) as u8;
                    (created, None, s, s)
                }
            };
            let value_base = 12.0 * 100.0 * f64::from(c.employees).max(5.0).powf(0.8) * 40.0;
            let amount_cents = match (fate, c.account) {
                // The contract signed at the close: the first subscription's MRR, a year of it.
                (DealFate::Won, Some(a)) => first_mrr(world, a as usize) * 12 * 100,
                _ => (value_base * rng.uniform(0.7, 1.4)).round() as i64 / 100 * 100,
            };
            let contact = c.contacts.start + rng.below(c.contacts.len() as u64) as u32;
            deals.push(Deal {
                id: DEAL_ID_BASE + deals.len() as i64 + 1,
                company: ci,
                contact,
                fate,
                stage,
                reached,
                created,
                closed,
                amount_cents,
                owner: c.owner,
            });
        }
        // Companies and contacts exist before their deals.
        let mut di = 0;
        for (ci, c) in companies.iter_mut().enumerate() {
            let first = di;
            while di < deals.len() && deals[di].company == ci as u32 {
                c.created = c.created.min(deals[di].created - 7 * MICROS_PER_DAY);
                di += 1;
            }
            c.deals = first as u32..di as u32;
            for k in c.contacts.clone() {
                let ct = &mut contacts[k as usize];
                ct.created = c.created + rng.range(0, 5 * MICROS_PER_DAY);
            }
        }
        // Lead scores: customers' and deal contacts' higher.
        for ct in &mut contacts {
            let c = &companies[ct.company as usize];
            let base = if c.account.is_some() { 55.0 } else { 25.0 };
            ct.score = (base + rng.normal(0.0, 18.0)).clamp(0.0, 100.0).round() as i32;
        }
        // Engagements: deals that went further get more touches; won deals the most.
        let weights: Vec<f64> = deals
            .iter()
            .map(|d| {
                f64::from(d.reached + 1)
                    * if d.fate == DealFate::Won { 1.5 } else { 1.0 }
                    * rng.uniform(0.7, 1.3)
            })
            .collect();
        let engagements: Vec<u64> = apportion(count("hubspot_engagements") as u64, &weights)
            .into_iter()
            .map(u64::from)
            .collect();
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
            engagement_offsets: prefix(&engagements),
            ticket_offsets: prefix(&tickets),
            companies,
            contacts,
            deals,
            engagements,
            tickets,
        }
    }
}

/// MRR of an account's first subscription: what its winning deal was signed for.
pub fn first_mrr(world: &World, account: usize) -> i64 {
    let a = &world.accounts[account];
    world.subscriptions[a.subscriptions.start as usize].mrr_dollars
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
