//! Support tickets as one history: what customers ask support for, and when.
//!
//! The anchor holds the profile's exact count, shared among its customers by how long they have
//! been customers and how many of their devices were offline or in maintenance at the anchor,
//! each ticket at a time drawn over the account's life by then. Past the anchor every account
//! opens tickets as a process in time from its own stream, at the anchor's fitted rate: a
//! ticket raised while devices are down is more often about connectivity and names one of them.
//!
//! Ids: the anchor's tickets are numbered account by account; later ones follow in the order
//! they are opened. A cut at D holds the tickets opened by D, each with its first reply and
//! close once they happened.

use rayon::prelude::*;

use super::crm::{Company, Crm};
use super::pours::Spells;
use super::{Account, World};
use crate::allocate::apportion;
use crate::rng::{Rand, StreamKey};
use crate::time::{MICROS_PER_DAY, MICROS_PER_HOUR};

pub const TICKET_ID_BASE: i64 = 2_000_000;
/// Ticket categories; the first two name a device.
pub const CATEGORIES: [&str; 6] = [
    "device_connectivity",
    "pour_accuracy",
    "billing",
    "onboarding",
    "feature_request",
    "bug",
];
pub const PRIORITIES: [&str; 4] = ["LOW", "MEDIUM", "HIGH", "URGENT"];
const YEAR: f64 = 365.0 * MICROS_PER_DAY as f64;
/// Draws after the anchor: one stream per (account, ticket).
const PER_ACCOUNT: u64 = 1 << 24;

#[derive(Clone, Debug, PartialEq)]
pub struct Ticket {
    pub id: i64,
    pub contact_id: i64,
    pub device_id: Option<i64>,
    pub category: u8,
    pub priority: u8,
    pub created: i64,
    /// When the history replies and closes it (a cut shows them once past).
    pub reply: i64,
    pub close: i64,
}

/// A venue's devices at one instant: all installed, and those offline or in maintenance.
struct Devices {
    all: Vec<u32>,
    down: Vec<u32>,
}

/// What a ticket is about, its priority and its reply and close after `created`: the order of
/// draws every ticket of the history makes.
fn draw(
    rng: &mut Rand,
    d: &Devices,
    created: impl FnOnce(&mut Rand, Option<u32>) -> i64,
) -> Ticket {
    let category = rng.weighted(&[
        if d.down.is_empty() { 18.0 } else { 40.0 },
        14.0,
        12.0,
        10.0,
        10.0,
        14.0,
    ]);
    // A venue whose devices are not installed yet has no device to name.
    let device = (category <= 1 && !d.all.is_empty()).then(|| {
        let pool = if category == 0 && !d.down.is_empty() {
            &d.down
        } else {
            &d.all
        };
        pool[rng.below(pool.len() as u64) as usize]
    });
    let created = created(rng, device);
    let priority = rng.weighted(&[30.0, 40.0, 22.0, 8.0]);
    let reply_h = rng.lognormal([18.0, 6.0, 2.0, 0.5][priority], 0.8);
    let reply = created + (reply_h * MICROS_PER_HOUR as f64) as i64;
    let close =
        reply + (rng.lognormal([4.0, 2.5, 1.5, 0.8][priority], 0.9) * MICROS_PER_DAY as f64) as i64;
    Ticket {
        id: 0,
        contact_id: 0,
        device_id: device.map(i64::from),
        category: category as u8,
        priority: priority as u8,
        created,
        reply,
        close,
    }
}

/// The tickets of the history, grouped by company in company order (each company's range set
/// in `crm`): the anchor's first, then the later ones in time.
pub fn history(w: &World, crm: &mut Crm) -> Vec<Ticket> {
    let anchor = w.cfg.anchor_end_ts();
    let n_acc = w.accounts.partition_point(|a| a.created_at < anchor);
    let mut company_of = vec![u32::MAX; w.accounts.len()];
    for (ci, c) in crm.companies.iter().enumerate() {
        if let Some(a) = c.account {
            company_of[a as usize] = ci as u32;
        }
    }
    let venues: Vec<Devices> = (0..n_acc)
        .into_par_iter()
        .map(|i| at_anchor(w, i))
        .collect();
    let (counts, jitter) = fit(w, crm, &venues, n_acc);
    // Devices down per customer still live at the anchor (a churned one's are all silent).
    let live: Vec<&Devices> = (0..n_acc)
        .filter(|&i| w.accounts[i].churned_at.is_none_or(|c| c >= anchor))
        .map(|i| &venues[i])
        .collect();
    let down_per_account =
        live.iter().map(|v| v.down.len()).sum::<usize>() as f64 / live.len().max(1) as f64;
    let weight = |i: usize| match venues.get(i) {
        Some(v) => (1.0 + 3.0 * v.down.len() as f64) * jitter[i],
        None => later_weight(w, i, down_per_account),
    };
    let mut per_account: Vec<Vec<Ticket>> = (0..n_acc)
        .into_par_iter()
        .map(|i| {
            anchor_tickets(
                w,
                crm,
                &crm.companies[company_of[i] as usize],
                &venues[i],
                counts[i],
            )
        })
        .collect();
    let rate = recent_rate(w, &per_account, &weight);
    let later: Vec<Vec<Ticket>> = (0..w.accounts.len())
        .into_par_iter()
        .map(|i| {
            let c = &crm.companies[company_of[i] as usize];
            later_tickets(w, crm, (i, c), rate * weight(i))
        })
        .collect();
    per_account.resize_with(w.accounts.len(), Vec::new);
    for (mine, mut more) in per_account.iter_mut().zip(later) {
        mine.append(&mut more);
    }
    number(&mut per_account, &counts);
    let mut tickets = Vec::with_capacity(per_account.iter().map(Vec::len).sum());
    let mut by_company: Vec<std::ops::Range<u32>> = vec![0..0; crm.companies.len()];
    let mut order: Vec<usize> = (0..w.accounts.len()).collect();
    order.sort_by_key(|&i| company_of[i]);
    for i in order {
        let first = tickets.len() as u32;
        tickets.append(&mut per_account[i]);
        by_company[company_of[i] as usize] = first..tickets.len() as u32;
    }
    for (c, r) in crm.companies.iter_mut().zip(by_company) {
        c.tickets = r;
    }
    tickets
}

/// Account `i`'s devices as they stood at the anchor, in the cut's order, with those offline or
/// in maintenance then.
fn at_anchor(w: &World, i: usize) -> Devices {
    let end = w.cfg.anchor_end_ts();
    let a = &w.accounts[i];
    let all: Vec<u32> = a
        .locations
        .clone()
        .filter(|&l| w.locations[l as usize].created_at < end)
        .flat_map(|l| w.locations[l as usize].devices.clone())
        .filter(|&d| w.devices[d as usize].installed_at < end)
        .collect();
    let down = all
        .iter()
        .copied()
        .filter(|&d| {
            let d = &w.devices[d as usize];
            Spells::of(w, d, end).seen_at(w.cfg.seed, d.id, end).0 != 0
        })
        .collect();
    Devices { all, down }
}

/// The anchor's tickets per account (customers only; devices that are down bring more) and
/// each account's jitter.
/// Draws come from the CRM plan's stream over the companies the anchor shows, as they always
/// have.
fn fit(w: &World, crm: &Crm, venues: &[Devices], n_acc: usize) -> (Vec<u32>, Vec<f64>) {
    let anchor = w.cfg.anchor_end_ts();
    let mut rng = crm.stream.clone();
    let mut jitter = vec![0.0; n_acc];
    let mut account_of = Vec::new();
    let mut weights = Vec::new();
    for c in crm.companies.iter().filter(|c| crm.shown(c, anchor)) {
        let weight = match c.account.filter(|&a| (a as usize) < n_acc) {
            Some(a) => {
                let acc = &w.accounts[a as usize];
                let years = (life_end(acc, anchor) - acc.created_at) as f64 / YEAR;
                let down = venues[a as usize].down.len() as f64;
                jitter[a as usize] = rng.uniform(0.6, 1.4);
                account_of.push(a);
                (1.0 + 3.0 * down) * years.max(0.1) * jitter[a as usize]
            }
            None => {
                account_of.push(u32::MAX);
                0.0
            }
        };
        weights.push(weight);
    }
    let total = w.counts.get("hubspot_tickets");
    let mut counts = vec![0; n_acc];
    for (a, n) in account_of.into_iter().zip(apportion(total, &weights)) {
        if a != u32::MAX {
            counts[a as usize] = n;
        }
    }
    (counts, jitter)
}

/// The days before the anchor whose tickets set the rate the history keeps after it.
const RECENT_DAYS: i64 = 90;

/// Tickets per weighted customer-year in the anchor's last [`RECENT_DAYS`]: the rate at which
/// the history goes on, so that the anchor's recent volume carries on past it.
fn recent_rate(w: &World, anchored: &[Vec<Ticket>], weight: &dyn Fn(usize) -> f64) -> f64 {
    let anchor = w.cfg.anchor_end_ts();
    let from = anchor - RECENT_DAYS * MICROS_PER_DAY;
    let recent = anchored
        .iter()
        .flatten()
        .filter(|t| t.created >= from)
        .count();
    let exposure: f64 = (0..anchored.len())
        .map(|i| {
            let a = &w.accounts[i];
            let live = life_end(a, anchor) - a.created_at.max(from);
            live.max(0) as f64 / YEAR * weight(i)
        })
        .sum();
    recent as f64 / exposure.max(1e-9)
}

/// When an account stops raising tickets: its churn, or `end`.
fn life_end(a: &Account, end: i64) -> i64 {
    a.churned_at.unwrap_or(end).min(end)
}

/// The weight of an account that signs up after the anchor: the anchor's devices down per
/// customer, and its own jitter (what it installs later must not change its past).
fn later_weight(w: &World, i: usize, down_per_account: f64) -> f64 {
    let mut own = Rand::new(w.cfg.seed, "crm.ticket_rate", i as u64);
    (1.0 + 3.0 * down_per_account) * own.uniform(0.6, 1.4)
}

/// The anchor's `n` tickets of company `c`, drawn over the account's life by the anchor.
fn anchor_tickets(w: &World, crm: &Crm, c: &Company, v: &Devices, n: u32) -> Vec<Ticket> {
    let ai = c.account.expect("tickets belong to customers") as usize;
    let a = &w.accounts[ai];
    let end = life_end(a, w.cfg.anchor_end_ts());
    let mut rng = Rand::new(w.cfg.seed, "hubspot_tickets", c.id as u64);
    (0..n)
        .map(|_| {
            let mut t = draw(&mut rng, v, |rng, device| {
                let earliest = device.map_or(a.created_at, |d| w.devices[d as usize].installed_at);
                rng.range(earliest, (end - MICROS_PER_HOUR).max(earliest))
            });
            t.device_id = t.device_id.map(|d| w.devices[d as usize].id);
            let contact = c.contacts.start + rng.below(c.contacts.len() as u64) as u32;
            t.contact_id = crm.contacts[contact as usize].id;
            t
        })
        .collect()
}

/// Account `i`'s tickets after the anchor (or its sign-up), until its churn or the cut: a
/// process in time at `per_year`, each ticket about the devices as they stood when it opened,
/// from one of the contacts the company had by then.
fn later_tickets(w: &World, crm: &Crm, (i, c): (usize, &Company), per_year: f64) -> Vec<Ticket> {
    let cfg = &w.cfg;
    let a = &w.accounts[i];
    let contacts = &crm.contacts[c.contacts.start as usize..c.contacts.end as usize];
    let first_contact = contacts
        .iter()
        .map(|ct| ct.created)
        .min()
        .unwrap_or(i64::MAX);
    let from = a
        .created_at
        .max(cfg.anchor_end_ts())
        .max(first_contact.saturating_add(MICROS_PER_HOUR));
    // Drawn up to the cut the world is built for: a process in time, so a later cut only adds
    // to what an earlier one holds.
    let stop = life_end(a, cfg.end_ts().min(cfg.horizon_end_ts()));
    if from >= stop || per_year <= 0.0 {
        return Vec::new();
    }
    let devices: Vec<u32> = a
        .locations
        .clone()
        .flat_map(|l| w.locations[l as usize].devices.clone())
        .collect();
    let spells: Vec<Spells> = devices
        .iter()
        .map(|&d| Spells::of(w, &w.devices[d as usize], stop))
        .collect();
    let mut times = Rand::new(cfg.seed, "crm.ticket_times", i as u64);
    let key = StreamKey::new(cfg.seed, "crm.ticket");
    let mut out = Vec::new();
    let mut t = from;
    for k in 0.. {
        t += (times.exp(YEAR / per_year)) as i64;
        if t >= stop {
            break;
        }
        let installed = |&(&d, _): &(&u32, &Spells)| w.devices[d as usize].installed_at < t;
        let state = Devices {
            all: devices
                .iter()
                .zip(&spells)
                .filter(installed)
                .map(|(&d, _)| d)
                .collect(),
            down: devices
                .iter()
                .zip(&spells)
                .filter(|p| installed(p) && !p.1.up(t))
                .map(|(&d, _)| d)
                .collect(),
        };
        let mut rng = key.rand(i as u64 * PER_ACCOUNT + k);
        let mut ticket = draw(&mut rng, &state, |_, _| t);
        ticket.device_id = ticket.device_id.map(|d| w.devices[d as usize].id);
        let known: Vec<&super::crm::Contact> =
            contacts.iter().filter(|ct| ct.created < t).collect();
        ticket.contact_id = known[rng.below(known.len() as u64) as usize].id;
        out.push(ticket);
    }
    out
}

/// Ids: the anchor's tickets (the first `anchored[i]` of account `i`) numbered account by
/// account, the later ones after them in the order they open (ties by account).
fn number(per_account: &mut [Vec<Ticket>], anchored: &[u32]) {
    let mut next = TICKET_ID_BASE;
    let mut later: Vec<(i64, usize, usize)> = Vec::new();
    for (i, tickets) in per_account.iter_mut().enumerate() {
        let n = anchored.get(i).map_or(0, |&n| n as usize);
        for (k, t) in tickets.iter_mut().enumerate() {
            if k < n {
                next += 1;
                t.id = next;
            } else {
                later.push((t.created, i, k));
            }
        }
    }
    later.sort_unstable();
    for (rank, (_, i, k)) in later.into_iter().enumerate() {
        per_account[i][k].id = next + rank as i64 + 1;
    }
}
