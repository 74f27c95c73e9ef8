//! The CRM as one history: HubSpot companies, their contacts and their deals.
//!
//! Every account is a customer company, created weeks before its sign-up; prospects fill the
//! rest, arriving on the same growth curve. Deals go through the default pipeline: won deals
//! belong to sales-assisted customers (higher tiers first) and close within days before the
//! sign-up; the others are lost a sales cycle after they open. What the anchor holds is fitted
//! to the profile's exact counts (about 12 % of its deals open, a quarter of the closed ones
//! won); past the anchor each new company draws its contacts and deals from its own stream.
//!
//! A cut at D holds the companies, contacts and deals created by D, with their history ids: a
//! customer company whose account has not signed up yet is still a prospect; a deal is open
//! until its close (a won deal until its account exists too), its stage advancing evenly
//! through the stages it reaches.

use std::collections::HashSet;
use std::sync::Arc;

use super::tickets::Ticket;
use super::{HISTORY_YEARS, INDUSTRY_SHARES, World, YEARLY_GROWTH, geo, names};
use crate::allocate::{apportion, fit_total, offsets};
use crate::rng::Rand;
use crate::time::{MICROS_PER_DAY, MICROS_PER_HOUR};

pub const COMPANY_ID_BASE: i64 = 5_100_000_000;
pub const CONTACT_ID_BASE: i64 = 100_000;
pub const DEAL_ID_BASE: i64 = 9_000_000_000;

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
const WON: u8 = 5;
const LOST: u8 = 6;
pub const OWNERS: [i64; 8] = [
    31_001, 31_002, 31_003, 31_004, 31_005, 31_006, 31_007, 31_008,
];
/// Contacts per company (1 to 7), customers and prospects.
const CUSTOMER_CONTACTS: [f64; 7] = [5.0, 15.0, 25.0, 25.0, 15.0, 10.0, 5.0];
const PROSPECT_CONTACTS: [f64; 7] = [30.0, 30.0, 20.0, 10.0, 5.0, 5.0, 0.0];
const TITLE_SHARES: [f64; 6] = [25.0, 25.0, 20.0, 12.0, 10.0, 8.0];
/// Deals that do not win, per company: prospects three times as likely as customers.
const DEAL_WEIGHT: [f64; 2] = [1.0, 3.0];

#[derive(Clone)]
pub struct Company {
    pub id: i64,
    /// Account index for customers (in a cut: once the account has signed up).
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
    /// Its tickets in the history (see [`super::tickets`]), and in a cut how many were opened
    /// by then.
    pub tickets: std::ops::Range<u32>,
    pub ticketed: u32,
}

#[derive(Clone)]
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

#[derive(Clone)]
pub struct Deal {
    pub id: i64,
    pub company: u32,
    pub contact: u32,
    /// At the cut (in the history: how it ends).
    pub fate: DealFate,
    /// Stage at the cut (index into STAGES; 5/6 for closed deals).
    pub stage: u8,
    /// Furthest open stage reached before closing (drives engagement volume).
    pub reached: u8,
    pub created: i64,
    /// The close, once it happened by the cut.
    pub closed: Option<i64>,
    pub amount_cents: i64,
    pub owner: i64,
    /// When the history closes it.
    pub close_at: i64,
    /// Until when its open stages advance: its close, or the anchor for a deal open there
    /// (which stands at its furthest stage at the anchor).
    pub stages_until: i64,
    /// Its engagements in the history, the id offset of the first, and until when they happen
    /// (its close, or an hour before the anchor for a deal open there).
    pub engagements: u32,
    pub engagement_offset: u64,
    pub engagements_until: i64,
    /// In a cut: its engagements by then (the first ones in time).
    pub engaged: u32,
}

/// The CRM history, or a cut of it.
#[derive(Clone)]
pub struct Crm {
    pub companies: Vec<Company>,
    pub contacts: Vec<Contact>,
    pub deals: Vec<Deal>,
    /// The CRM plan's stream where the anchor's companies, contacts and deals left it: the
    /// engagement and ticket plans draw on from it.
    pub stream: Rand,
    /// Every ticket of the history, by company (a cut shares them, see [`Company::ticketed`]).
    pub tickets: Arc<[Ticket]>,
    /// In a cut, the cut's index of each contact and deal of the history (`u32::MAX` when not
    /// in it); empty in the history.
    pub contact_index: Vec<u32>,
    pub deal_index: Vec<u32>,
}

impl Default for Crm {
    fn default() -> Crm {
        Crm {
            companies: Vec::new(),
            contacts: Vec::new(),
            deals: Vec::new(),
            stream: Rand::new(0, "hubspot.plan", 0),
            tickets: Arc::new([]),
            contact_index: Vec::new(),
            deal_index: Vec::new(),
        }
    }
}

/// The tier an account had at instant `at` (its last plan period begun by then).
fn tier_at(w: &World, account: usize, at: i64) -> u8 {
    let a = &w.accounts[account];
    w.subscriptions[a.subscriptions.start as usize..a.subscriptions.end as usize]
        .iter()
        .rfind(|s| s.started_at < at)
        .map_or(a.tier, |s| s.tier)
}

/// The customer company of account `i` (id and ranges set by the caller): the account's name,
/// domain and size, opened 20–90 days before its sign-up.
fn customer_company(a: &super::Account, i: usize, rng: &mut Rand) -> Company {
    Company {
        id: 0,
        account: Some(i as u32),
        name: a.name.clone(),
        domain: a.domain.clone(),
        industry: a.industry,
        employees: a.employees,
        city: a.hq_city,
        created: a.created_at - rng.range(20, 90) * MICROS_PER_DAY,
        owner: rng.pick(&OWNERS),
        contacts: 0..0,
        deals: 0..0,
        tickets: 0..0,
        ticketed: 0,
    }
}

/// MRR of an account's first subscription: what its winning deal was signed for.
pub fn first_mrr(world: &World, account: usize) -> i64 {
    let a = &world.accounts[account];
    world.subscriptions[a.subscriptions.start as usize].mrr_dollars
}

/// Sales cycle by company size: SMB 14–30 days, mid-market 30–90, enterprise 90–180.
fn cycle_days(employees: i32, rng: &mut Rand) -> i64 {
    match employees {
        0..=40 => rng.range(14, 30),
        41..=150 => rng.range(30, 90),
        _ => rng.range(90, 180),
    }
}

/// List price of a deal that is not a customer's first contract, by company size.
fn deal_value(employees: i32, rng: &mut Rand) -> i64 {
    let value_base = 12.0 * 100.0 * f64::from(employees).max(5.0).powf(0.8) * 40.0;
    (value_base * rng.uniform(0.7, 1.4)).round() as i64 / 100 * 100
}

/// A prospect company created at `created` (id and ranges set by the caller): its size and
/// owner drawn here.
fn prospect_company(
    (name, domain): (String, String),
    industry: u8,
    city: u16,
    created: i64,
    rng: &mut Rand,
) -> Company {
    Company {
        id: 0,
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
        tickets: 0..0,
        ticketed: 0,
    }
}

/// A contact of company `company`, created in the `span` after `from`.
fn contact_of(company: u32, from: i64, span: i64, rng: &mut Rand) -> Contact {
    Contact {
        id: 0,
        company,
        first: rng.pick(names::FIRST_NAMES),
        last: rng.pick(names::LAST_NAMES),
        title: rng.weighted(&TITLE_SHARES) as u8,
        role_mailbox: rng.chance(0.3),
        created: from + rng.range(0, span),
        score: 0,
    }
}

/// A lead score: customers' contacts higher.
fn score(customer: bool, rng: &mut Rand) -> i32 {
    let base = if customer { 55.0 } else { 25.0 };
    (base + rng.normal(0.0, 18.0)).clamp(0.0, 100.0).round() as i32
}

/// A prospect's name and a domain no other company of the history holds (`tld` keeps the
/// prospects that arrive after the anchor apart from every account's domain).
fn prospect_name(
    rng: &mut Rand,
    industry: u8,
    domains: &mut HashSet<String>,
    tld: &str,
) -> (String, String) {
    let suffix = rng.pick(names::SUFFIXES[industry as usize]);
    let name = format!(
        "{} {} {suffix}",
        rng.pick(names::ADJECTIVES),
        rng.pick(names::NOUNS)
    );
    let base = names::slug(&name);
    let mut domain = format!("{base}.{tld}");
    let mut k = 2;
    while !domains.insert(domain.clone()) {
        domain = format!("{base}{k}.{tld}");
        k += 1;
    }
    (name, domain)
}

/// How many touches a deal draws: more the further it went, won deals the most.
fn touch_weight(d: &Deal, rng: &mut Rand) -> f64 {
    f64::from(d.reached + 1)
        * if d.fate == DealFate::Won { 1.5 } else { 1.0 }
        * rng.uniform(0.7, 1.3)
}

/// The times of deal `d`'s engagements in the history, in order, on its reps' business hours
/// (15:00–23:00 UTC is 9–5 across US zones); the stream goes on to draw what each one is.
pub fn engagement_times(seed: u64, d: &Deal) -> (Rand, Vec<i64>) {
    let mut rng = Rand::new(seed, "hubspot_engagements", d.id as u64);
    let (from, stop) = (d.created, d.engagements_until);
    let mut times: Vec<i64> = (0..d.engagements)
        .map(|_| {
            let t = rng.range(from, stop.max(from + 1));
            let day = t.div_euclid(MICROS_PER_DAY) * MICROS_PER_DAY;
            (day + 15 * MICROS_PER_HOUR + rng.range(0, 8 * MICROS_PER_HOUR - 1)).clamp(from, stop)
        })
        .collect();
    times.sort_unstable();
    (rng, times)
}

impl Crm {
    /// The CRM history of world `w` (the history, not a cut).
    pub fn history(w: &World) -> Crm {
        let (mut crm, fitted) = anchored(w);
        later(w, &fitted, &mut crm);
        let starts = offsets(crm.deals.iter().map(|d| u64::from(d.engagements)));
        for (d, start) in crm.deals.iter_mut().zip(starts) {
            d.engagement_offset = start;
        }
        crm.tickets = super::tickets::history(w, &mut crm).into();
        crm.shrink_to_fit();
        crm
    }

    /// Gives back the room the lists grew into (a CRM is held for the whole run).
    fn shrink_to_fit(&mut self) {
        self.companies.shrink_to_fit();
        self.contacts.shrink_to_fit();
        self.deals.shrink_to_fit();
    }

    /// Whether company `c` shows at instant `end`: once it and its first contact exist.
    pub fn shown(&self, c: &Company, end: i64) -> bool {
        c.created < end
            && c.contacts
                .clone()
                .any(|k| self.contacts[k as usize].created < end)
    }
}

/// What the anchor's fit leaves for the history after it.
struct Anchored {
    /// Accounts signed up by the anchor.
    accounts: usize,
    /// The key (tier plus jitter) from which an account is sales-assisted.
    sales_key: f64,
    /// Deals that do not win per unit of [`DEAL_WEIGHT`].
    deal_rate: f64,
    /// Engagements per unit of [`touch_weight`].
    touch_rate: f64,
}

/// What the anchor holds, fitted to the profile's exact counts: every draw from the plan's one
/// stream, in the order the anchored plan has always drawn them.
fn anchored(w: &World) -> (Crm, Anchored) {
    let cfg = &w.cfg;
    let count = |t: &str| w.counts.get(t) as usize;
    let (start, end) = (cfg.start_ts(), cfg.anchor_end_ts());
    let mut rng = Rand::new(cfg.seed, "hubspot.plan", 0);
    let n_acc = w.accounts.partition_point(|a| a.created_at < end);
    let accounts = &w.accounts[..n_acc];
    let n_comp = count("hubspot_companies").max(n_acc);
    let mut domains: HashSet<String> = accounts.iter().map(|a| a.domain.clone()).collect();
    let city_weights = geo::weights();
    let mut companies: Vec<Company> = Vec::with_capacity(n_comp);
    for (i, a) in accounts.iter().enumerate() {
        let mut c = customer_company(a, i, &mut rng);
        c.id = COMPANY_ID_BASE + i as i64 + 1;
        c.created = c.created.max(start - 90 * MICROS_PER_DAY);
        companies.push(c);
    }
    let g = YEARLY_GROWTH.powi(HISTORY_YEARS as i32) - 1.0;
    for i in n_acc..n_comp {
        let industry = rng.weighted(&INDUSTRY_SHARES) as u8;
        let city = rng.weighted(&city_weights) as u16;
        let (name, domain) = prospect_name(&mut rng, industry, &mut domains, "com");
        // Prospects arrive on the same growth curve as customers.
        let t = (1.0 + rng.f64() * g).ln() / YEARLY_GROWTH.ln() / HISTORY_YEARS as f64;
        let created = start + (t * (end - start - 30 * MICROS_PER_DAY) as f64) as i64;
        let mut c = prospect_company((name, domain), industry, city, created, &mut rng);
        c.id = COMPANY_ID_BASE + i as i64 + 1;
        companies.push(c);
    }

    // Contacts: more at customers, fitted to the exact total.
    let mut per_company: Vec<u8> = companies
        .iter()
        .map(|c| {
            1 + rng.weighted(if c.account.is_some() {
                &CUSTOMER_CONTACTS
            } else {
                &PROSPECT_CONTACTS
            }) as u8
        })
        .collect();
    fit_total(&mut per_company, count("hubspot_contacts"), 1, 10, &mut rng);
    let mut contacts = Vec::with_capacity(count("hubspot_contacts"));
    for (ci, c) in companies.iter_mut().enumerate() {
        let first = contacts.len() as u32;
        for _ in 0..per_company[ci] {
            let mut ct = contact_of(ci as u32, c.created, 5 * MICROS_PER_DAY, &mut rng);
            ct.id = CONTACT_ID_BASE + contacts.len() as i64 + 1;
            contacts.push(ct);
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
    let key: Vec<f64> = (0..n_acc)
        .map(|a| f64::from(tier_at(w, a, end)) + rng.f64() * 1.5)
        .collect();
    order.sort_by(|&a, &b| key[b].total_cmp(&key[a]));
    let mut deal_company: Vec<(u32, DealFate)> = order[..won]
        .iter()
        .map(|&a| (a as u32, DealFate::Won))
        .collect();
    // Lost and open deals: prospects three times as likely as customers.
    let weights: Vec<f64> = companies
        .iter()
        .map(|c| DEAL_WEIGHT[usize::from(c.account.is_none())])
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
        let cycle = cycle_days(c.employees, &mut rng);
        let (created, closed, stage, reached) = match fate {
            DealFate::Won => {
                let a = &accounts[c.account.expect("won deals are customers") as usize];
                let close = a.created_at - rng.range(0, 3 * MICROS_PER_DAY);
                (close - cycle * MICROS_PER_DAY, Some(close), WON, 4u8)
            }
            DealFate::Lost => {
                // Opened weeks after the company arrived (so deals grow with companies),
                // closed a cycle later; a cycle that would end after the anchor is moved back
                // so that it ended before it.
                let lag = (rng.exp(60.0) * MICROS_PER_DAY as f64) as i64;
                let mut created = c.created + 5 * MICROS_PER_DAY + lag;
                let mut close = created + cycle * MICROS_PER_DAY + rng.range(0, MICROS_PER_DAY);
                let latest = end - rng.range(MICROS_PER_HOUR, 20 * MICROS_PER_DAY);
                if close > latest {
                    created -= close - latest;
                    close = latest;
                }
                (created, Some(close), LOST, rng.range(0, 4) as u8)
            }
            DealFate::Open => {
                let age = rng.range(MICROS_PER_DAY, cycle.min(120) * MICROS_PER_DAY);
                let created = (end - age).max(c.created + 5 * MICROS_PER_DAY);
                let s = rng.range(0, 4) as u8;
                (created, None, s, s)
            }
        };
        let amount_cents = match (fate, c.account) {
            // The contract signed at the close: the first subscription's MRR, a year of it.
            (DealFate::Won, Some(a)) => first_mrr(w, a as usize) * 12 * 100,
            _ => deal_value(c.employees, &mut rng),
        };
        let contact = c.contacts.start + rng.below(c.contacts.len() as u64) as u32;
        let id = DEAL_ID_BASE + deals.len() as i64 + 1;
        // A deal open at the anchor is lost later, a cycle after it opened (at least an hour
        // past the anchor), at a time of day from its own stream.
        let close_at = closed.unwrap_or_else(|| {
            let mut own = Rand::new(cfg.seed, "crm.open_deal", id as u64);
            (created + cycle * MICROS_PER_DAY).max(end + MICROS_PER_HOUR)
                + own.range(0, MICROS_PER_DAY)
        });
        deals.push(Deal {
            id,
            company: ci,
            contact,
            fate: if fate == DealFate::Won {
                fate
            } else {
                DealFate::Lost
            },
            stage,
            reached,
            created,
            closed: Some(close_at),
            amount_cents,
            owner: c.owner,
            close_at,
            stages_until: close_at.min(end),
            engagements: 0,
            engagement_offset: 0,
            engagements_until: closed.unwrap_or(end - MICROS_PER_HOUR).max(created),
            engaged: 0,
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
    // Lead scores: customers' contacts higher.
    for ct in &mut contacts {
        ct.score = score(companies[ct.company as usize].account.is_some(), &mut rng);
    }
    // Engagements: deals that went further get more touches; won deals the most.
    let touch: Vec<f64> = deals.iter().map(|d| touch_weight(d, &mut rng)).collect();
    let n_engagements = count("hubspot_engagements");
    for (d, n) in deals
        .iter_mut()
        .zip(apportion(n_engagements as u64, &touch))
    {
        d.engagements = n;
    }
    let weight_sum: f64 = weights.iter().sum();
    let fitted = Anchored {
        accounts: n_acc,
        sales_key: order[..won].last().map_or(f64::INFINITY, |&a| key[a]),
        deal_rate: (lost + open) as f64 / weight_sum.max(1.0),
        touch_rate: n_engagements as f64 / touch.iter().sum::<f64>().max(1e-9),
    };
    let crm = Crm {
        companies,
        contacts,
        deals,
        stream: rng,
        tickets: Arc::new([]),
        contact_index: Vec::new(),
        deal_index: Vec::new(),
    };
    (crm, fitted)
}

/// A company that arrives after the anchor, with its contacts and deals (indices local to it).
struct Arrival {
    company: Company,
    contacts: Vec<Contact>,
    deals: Vec<Deal>,
}

/// Companies that arrive after the anchor, until the horizon: the customer of every later
/// account, and prospects continuing the anchor's growth curve; each draws its contacts and
/// deals from its own stream. Their ids follow the anchor's dense ids in the order the
/// companies arrive.
fn later(w: &World, fitted: &Anchored, crm: &mut Crm) {
    let cfg = &w.cfg;
    let (anchor, horizon) = (cfg.anchor_end_ts(), cfg.horizon_end_ts());
    let mut arrivals: Vec<Arrival> = (fitted.accounts..w.accounts.len())
        .map(|i| later_customer(w, fitted, i))
        .collect();
    let prospects = crm.companies.len() - fitted.accounts;
    if prospects > 0 {
        // The anchor's prospects arrive on the curve over [start, anchor − 30 days]; later ones
        // continue it from the anchor.
        let start = cfg.start_ts() + 30 * MICROS_PER_DAY;
        let span_year = (anchor - start) as f64 / HISTORY_YEARS as f64;
        let g = YEARLY_GROWTH.powi(HISTORY_YEARS as i32) - 1.0;
        let mut next = Rand::new(cfg.seed, "crm.arrivals", 0);
        let mut expected = prospects as f64;
        let (mut domains, cities) = (HashSet::new(), geo::weights());
        for j in 0.. {
            expected += next.exp(1.0);
            let years = (1.0 + expected * g / prospects as f64).ln() / YEARLY_GROWTH.ln();
            let at = (start + (years * span_year) as i64).max(anchor);
            if at >= horizon {
                break;
            }
            arrivals.push(later_prospect(w, fitted, (j, at), &cities, &mut domains));
        }
    }
    arrivals.sort_by_key(|a| a.company.created);
    for mut a in arrivals {
        let ci = crm.companies.len() as u32;
        let (first_contact, first_deal) = (crm.contacts.len() as u32, crm.deals.len() as u32);
        for mut ct in a.contacts {
            ct.id = CONTACT_ID_BASE + crm.contacts.len() as i64 + 1;
            ct.company = ci;
            crm.contacts.push(ct);
        }
        for mut d in a.deals {
            d.id = DEAL_ID_BASE + crm.deals.len() as i64 + 1;
            d.company = ci;
            d.contact += first_contact;
            crm.deals.push(d);
        }
        a.company.id = COMPANY_ID_BASE + i64::from(ci) + 1;
        a.company.contacts = first_contact..crm.contacts.len() as u32;
        a.company.deals = first_deal..crm.deals.len() as u32;
        crm.companies.push(a.company);
    }
}

/// The customer company of account `i`, which signs up after the anchor: created weeks before
/// the sign-up (never before the anchor), with a won deal when the account is sales-assisted.
fn later_customer(w: &World, fitted: &Anchored, i: usize) -> Arrival {
    let a = &w.accounts[i];
    let anchor = w.cfg.anchor_end_ts();
    let mut own = Rand::new(w.cfg.seed, "crm.customer", i as u64);
    let mut company = customer_company(a, i, &mut own);
    if company.created < anchor {
        // Signed up within weeks of the anchor: the company opens in the time since.
        company.created = anchor + ((a.created_at - anchor) as f64 * own.f64()) as i64;
    }
    let tier = w.subscriptions[a.subscriptions.start as usize].tier;
    let mut deals = Vec::new();
    if f64::from(tier) + own.f64() * 1.5 >= fitted.sales_key {
        // The sales cycle, shortened to fit after the anchor (company, a week, the deal, the
        // close up to three days before the sign-up); none shorter than three days.
        let close = a.created_at - own.range(0, 3 * MICROS_PER_DAY);
        let room = close - anchor - 7 * MICROS_PER_DAY;
        let mut cycle = cycle_days(a.employees, &mut own) * MICROS_PER_DAY;
        if cycle > room {
            cycle = (room as f64 * own.uniform(0.5, 1.0)) as i64;
        }
        if cycle >= 3 * MICROS_PER_DAY {
            let created = close - cycle;
            company.created = company.created.min(created - 7 * MICROS_PER_DAY);
            let amount = first_mrr(w, i) * 1200;
            deals.push(deal(DealFate::Won, created, close, 4, amount, &company));
        }
    }
    // Someone is in the CRM by the sign-up: the customer journey ends at one of its contacts.
    arrival(
        fitted,
        (company, a.created_at - MICROS_PER_HOUR),
        deals,
        &mut own,
    )
}

/// Prospect `j` after the anchor, arriving at `at`.
fn later_prospect(
    w: &World,
    fitted: &Anchored,
    (j, at): (u64, i64),
    cities: &[f64],
    domains: &mut HashSet<String>,
) -> Arrival {
    let mut own = Rand::new(w.cfg.seed, "crm.prospect", j);
    let industry = own.weighted(&INDUSTRY_SHARES) as u8;
    let city = own.weighted(cities) as u16;
    let name = prospect_name(&mut own, industry, domains, "co");
    let company = prospect_company(name, industry, city, at, &mut own);
    arrival(fitted, (company, i64::MAX), Vec::new(), &mut own)
}

/// A later company with its deals so far (a customer's won deal): the deals it loses, every
/// deal's engagements, then its contacts (created by `until`, when the company opens by then).
fn arrival(
    fitted: &Anchored,
    (company, until): (Company, i64),
    mut deals: Vec<Deal>,
    own: &mut Rand,
) -> Arrival {
    lost_deals(fitted, &company, own, &mut deals);
    engage(fitted, &mut deals, own);
    let contacts = contacts_of(&company, until, &mut deals, own);
    Arrival {
        company,
        contacts,
        deals,
    }
}

/// The deals of a later company that do not win, at the anchor's rate per company: each opens
/// weeks after the company arrived and is lost a sales cycle later.
fn lost_deals(fitted: &Anchored, c: &Company, own: &mut Rand, deals: &mut Vec<Deal>) {
    let n = own.poisson(fitted.deal_rate * DEAL_WEIGHT[usize::from(c.account.is_none())]);
    for _ in 0..n {
        let cycle = cycle_days(c.employees, own);
        let lag = (own.exp(60.0) * MICROS_PER_DAY as f64) as i64;
        let created = c.created + 7 * MICROS_PER_DAY + lag;
        let close = created + cycle * MICROS_PER_DAY + own.range(0, MICROS_PER_DAY);
        let reached = own.range(0, 4) as u8;
        let amount = deal_value(c.employees, own);
        deals.push(deal(DealFate::Lost, created, close, reached, amount, c));
    }
}

/// The engagements of a later company's deals, at the anchor's rate per touch weight.
fn engage(fitted: &Anchored, deals: &mut [Deal], own: &mut Rand) {
    for d in deals {
        let mean = fitted.touch_rate * touch_weight(d, own);
        d.engagements = own.poisson(mean).min(u64::from(u32::MAX)) as u32;
    }
}

/// A deal of the history (company, contact and id set by the caller).
fn deal(fate: DealFate, created: i64, close: i64, reached: u8, amount: i64, c: &Company) -> Deal {
    Deal {
        id: 0,
        company: 0,
        contact: 0,
        fate,
        stage: if fate == DealFate::Won { WON } else { LOST },
        reached,
        created,
        closed: Some(close),
        amount_cents: amount,
        owner: c.owner,
        close_at: close,
        stages_until: close,
        engagements: 0,
        engagement_offset: 0,
        engagements_until: close,
        engaged: 0,
    }
}

/// A later company's contacts, created in its first days, by `until` and at least two days
/// before its first deal (whose MQL comes before it); each deal then takes one of them.
fn contacts_of(c: &Company, until: i64, deals: &mut [Deal], own: &mut Rand) -> Vec<Contact> {
    let customer = c.account.is_some();
    let n = 1 + own.weighted(if customer {
        &CUSTOMER_CONTACTS
    } else {
        &PROSPECT_CONTACTS
    });
    let first_deal = deals.iter().map(|d| d.created).min().unwrap_or(i64::MAX);
    let latest = (first_deal - 2 * MICROS_PER_DAY).min(until);
    let span = (latest - c.created).clamp(0, 5 * MICROS_PER_DAY);
    let contacts: Vec<Contact> = (0..n)
        .map(|_| {
            let mut ct = contact_of(0, c.created, span, own);
            ct.score = score(customer, own);
            ct
        })
        .collect();
    for d in deals {
        d.contact = own.below(n as u64) as u32;
    }
    contacts
}

impl Crm {
    /// The CRM as it stood at instant `end`, when the history's first `accounts` accounts had
    /// signed up: what was created by then (a company once its first contact was), each deal at
    /// its stage then with its engagements by then.
    pub fn cut(&self, seed: u64, end: i64, accounts: usize) -> Crm {
        let mut out = Crm {
            companies: Vec::new(),
            contacts: Vec::new(),
            deals: Vec::new(),
            stream: self.stream.clone(),
            tickets: Arc::clone(&self.tickets),
            contact_index: Vec::new(),
            deal_index: vec![u32::MAX; self.deals.len()],
        };
        let mut contact_at = vec![u32::MAX; self.contacts.len()];
        for c in self.companies.iter().filter(|c| self.shown(c, end)) {
            let ci = out.companies.len() as u32;
            let first_contact = out.contacts.len() as u32;
            for k in c.contacts.clone() {
                let ct = &self.contacts[k as usize];
                if ct.created < end {
                    contact_at[k as usize] = out.contacts.len() as u32;
                    out.contacts.push(Contact {
                        company: ci,
                        ..ct.clone()
                    });
                }
            }
            let account = c.account.filter(|&a| (a as usize) < accounts);
            let first_deal = out.deals.len() as u32;
            for (di, d) in self.deals[c.deals.start as usize..c.deals.end as usize]
                .iter()
                .enumerate()
            {
                if d.created < end {
                    out.deal_index[c.deals.start as usize + di] = out.deals.len() as u32;
                    let contact = contact_at[d.contact as usize];
                    debug_assert!(contact != u32::MAX, "a deal's contact exists before it");
                    let engaged = if d.engagements_until < end {
                        d.engagements
                    } else {
                        let (_, times) = engagement_times(seed, d);
                        times.partition_point(|&t| t < end) as u32
                    };
                    out.deals.push(Deal {
                        company: ci,
                        contact,
                        engaged,
                        ..deal_at(d, end, account.is_some())
                    });
                }
            }
            let tickets = &self.tickets[c.tickets.start as usize..c.tickets.end as usize];
            out.companies.push(Company {
                account,
                contacts: first_contact..out.contacts.len() as u32,
                deals: first_deal..out.deals.len() as u32,
                ticketed: tickets.iter().filter(|t| t.created < end).count() as u32,
                ..c.clone()
            });
        }
        out.contact_index = contact_at;
        out.shrink_to_fit();
        out
    }
}

/// Deal `d` at instant `end`: closed once its close is past (a won deal once its account has
/// signed up too), else open at the stage it had advanced to.
fn deal_at(d: &Deal, end: i64, signed_up: bool) -> Deal {
    let won = d.fate == DealFate::Won;
    let closed = d.close_at < end && (signed_up || !won);
    let (fate, stage) = match (closed, won) {
        (true, true) => (DealFate::Won, WON),
        (true, false) => (DealFate::Lost, LOST),
        (false, _) if end >= d.stages_until => (DealFate::Open, d.reached),
        (false, _) => {
            let p = (end - d.created) as f64 / (d.stages_until - d.created).max(1) as f64;
            let s = (p * f64::from(d.reached + 1)) as u8;
            (DealFate::Open, s.min(d.reached))
        }
    };
    Deal {
        fate,
        stage,
        closed: closed.then_some(d.close_at),
        ..d.clone()
    }
}
