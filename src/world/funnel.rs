//! The marketing funnel as one history: MQLs, SQLs and the conversions that multi-touch
//! attribution credits.
//!
//! The anchor holds the profile's exact MQLs and touchpoints, drawn from the CRM as it stood
//! then: a fifth of the MQLs become SQLs, most SQLs open a deal (the MQL is found on the deal's
//! primary contact), the rest qualify weeks after the contact arrived. Past the anchor each
//! later deal and contact draws its MQL from its own stream at the anchor's rates, and each
//! conversion (an MQL, or an account's sign-up) its touches.
//!
//! Ids: the anchor's MQLs in time order, later ones after them in time order; touchpoints by
//! their conversion's place in the history. A cut at D holds the MQLs qualified by D, each at
//! its status then (SQL once its SQL time is past, then its deal's stage; an MQL not taken up
//! is disqualified after 90 days), and the conversions made by D with their touches.

use super::World;
use super::campaigns::{CHANNELS, Campaigns};
use super::crm::{Company, Contact, Crm, Deal, DealFate};
use crate::allocate::apportion;
use crate::rng::Rand;
use crate::time::{MICROS_PER_DAY, MICROS_PER_HOUR};

/// A contact becomes an MQL at this lead score.
pub const MQL_SCORE: i32 = 50;
pub const TOUCH_CHANNELS: [&str; 7] = [
    "google_ads",
    "meta",
    "linkedin",
    "email",
    "organic_search",
    "direct",
    "referral",
];
pub const TOUCH_SHARES: [f64; 7] = [30.0, 20.0, 15.0, 15.0, 10.0, 5.0, 5.0];
pub const MODELS: [&str; 5] = [
    "linear",
    "position_based",
    "time_decay",
    "first_touch",
    "last_touch",
];
const MODEL_SHARES: [f64; 5] = [30.0, 30.0, 25.0, 7.5, 7.5];
pub const MQL_STATUSES: [&str; 6] = [
    "mql",
    "sql",
    "opportunity",
    "customer",
    "closed_lost",
    "disqualified",
];

/// An MQL is disqualified when nothing came of it in this long.
const DISQUALIFIED_AFTER: i64 = 90 * MICROS_PER_DAY;
const MQL_ID_BASE: i64 = 40_000_000;

#[derive(Clone)]
pub struct Mql {
    pub id: i64,
    /// Index into the CRM's contacts (the history's, or in a cut the cut's).
    pub contact: u32,
    pub at: i64,
    pub score_created: i32,
    pub score_mql: i32,
    pub source: u8,
    /// Index into the campaign history (a campaign of the cut: it ran at the MQL's time).
    pub campaign: Option<u32>,
    /// In a cut: its status then (index into `MQL_STATUSES`).
    pub status: u8,
    pub sql_at: Option<i64>,
    /// Index into the CRM's deals.
    pub deal: Option<u32>,
}

/// A conversion that touchpoints lead to: an MQL, or an account's sign-up.
#[derive(Clone)]
pub struct Conversion {
    pub mql: Option<u32>,
    pub account: Option<u32>,
    pub contact: u32,
    pub at: i64,
    pub model: u8,
    pub touches: u64,
    /// Touchpoints before it in the history: its touches' ids.
    pub offset: u64,
    /// Channel and campaign of the converting (last) touch, when fixed by the MQL's source.
    pub last: Option<(u8, Option<u32>)>,
    /// Its place in the history: the stream its touches draw from.
    pub key: u64,
}

/// The funnel history, or a cut of it.
#[derive(Default)]
pub struct Funnel {
    pub mqls: Vec<Mql>,
    pub conversions: Vec<Conversion>,
    /// In a cut, the latest MQL of each contact (index into `mqls`): its lifecycle stage
    /// follows it.
    pub latest_mql: Vec<Option<u32>>,
}

/// What the anchor's fit leaves for the history after it.
struct Rates {
    /// Share of deals whose contact qualified as an MQL before it.
    deal_mql: f64,
    /// MQLs without a deal per contact, and the share of them that become SQLs.
    contact_mql: f64,
    sql: f64,
    /// Extra touches (beyond the converting one) per conversion.
    extra_touches: f64,
}

impl Funnel {
    /// The funnel history of world `w`, whose CRM and campaign histories are built.
    pub fn history(w: &World) -> Funnel {
        let anchor = w.cfg.anchor_end_ts();
        let n_acc = w.accounts.partition_point(|a| a.created_at < anchor);
        let at_anchor = AtAnchor::of(&w.crm, anchor, n_acc);
        let (mut mqls, mut conversions, rates) = anchored(w, &at_anchor, &w.campaigns);
        let first_later = mqls.len();
        later_mqls(
            w,
            (at_anchor.contacts.len(), at_anchor.deals.len()),
            &rates,
            &mut mqls,
        );
        later_conversions(w, (first_later, n_acc), &rates, &mqls, &mut conversions);
        mqls.shrink_to_fit();
        conversions.shrink_to_fit();
        Funnel {
            mqls,
            conversions,
            latest_mql: Vec::new(),
        }
    }

    /// The funnel at instant `end`, with `crm` the CRM's cut then: MQLs qualified by then at
    /// their status then, and the conversions made by then.
    pub fn cut(&self, crm: &Crm, end: i64) -> Funnel {
        let mut index = vec![u32::MAX; self.mqls.len()];
        let mut mqls = Vec::new();
        for (i, m) in self.mqls.iter().enumerate() {
            if m.at >= end {
                continue;
            }
            let contact = crm.contact_index[m.contact as usize];
            debug_assert!(contact != u32::MAX, "an MQL's contact exists before it");
            let sql_at = m.sql_at.filter(|&t| t < end);
            let deal = m
                .deal
                .map(|d| crm.deal_index[d as usize])
                .filter(|&d| d != u32::MAX && sql_at.is_some());
            let status = match (sql_at, deal) {
                (Some(_), Some(d)) => match crm.deals[d as usize].fate {
                    DealFate::Open => 2,
                    DealFate::Won => 3,
                    DealFate::Lost => 4,
                },
                (Some(_), None) => 1,
                (None, _) if m.at < end - DISQUALIFIED_AFTER && m.sql_at.is_none() => 5,
                (None, _) => 0,
            };
            index[i] = mqls.len() as u32;
            mqls.push(Mql {
                contact,
                status,
                sql_at,
                deal,
                ..m.clone()
            });
        }
        mqls.shrink_to_fit();
        let conversions = self
            .conversions
            .iter()
            .filter(|c| c.at < end && c.mql.is_none_or(|m| index[m as usize] != u32::MAX))
            .filter_map(|c| {
                let contact = crm.contact_index[c.contact as usize];
                (contact != u32::MAX).then(|| Conversion {
                    mql: c.mql.map(|m| index[m as usize]),
                    contact,
                    ..c.clone()
                })
            })
            .collect();
        // MQLs are in time order, so the last one seen per contact is its latest.
        let mut latest_mql = vec![None; crm.contacts.len()];
        for (i, m) in mqls.iter().enumerate() {
            latest_mql[m.contact as usize] = Some(i as u32);
        }
        Funnel {
            mqls,
            conversions,
            latest_mql,
        }
    }
}

/// The CRM as it stood at the anchor, without a copy: its anchor part is the history's first
/// companies, contacts and deals, all shown then in history order (later companies open after
/// the anchor).
struct AtAnchor<'a> {
    companies: &'a [Company],
    contacts: &'a [Contact],
    deals: &'a [Deal],
    accounts: usize,
}

impl<'a> AtAnchor<'a> {
    fn of(crm: &'a Crm, anchor: i64, accounts: usize) -> AtAnchor<'a> {
        let n = crm
            .companies
            .iter()
            .take_while(|c| crm.shown(c, anchor))
            .count();
        debug_assert!(crm.companies[n..].iter().all(|c| c.created >= anchor));
        let (contacts, deals) = crm.companies[..n]
            .last()
            .map_or((0, 0), |c| (c.contacts.end as usize, c.deals.end as usize));
        let deals = &crm.deals[..deals];
        AtAnchor {
            companies: &crm.companies[..n],
            contacts: &crm.contacts[..contacts],
            deals,
            accounts,
        }
    }
}

/// The anchor's MQLs and conversions from `crm` as it stood then, fitted to the profile's
/// exact counts: every draw from the marketing plan's stream, in the order it has always drawn
/// them.
fn anchored(w: &World, crm: &AtAnchor, ads: &Campaigns) -> (Vec<Mql>, Vec<Conversion>, Rates) {
    let cfg = &w.cfg;
    let count = |t: &str| w.counts.get(t);
    let end = cfg.anchor_end_ts();
    let mut rng = ads.stream.clone();
    // MQLs: a fifth become SQLs; most SQLs open a deal, found on the deal's primary contact.
    let n_mql = count("marketing_mqls") as usize;
    let n_sql = ((n_mql as f64 * 0.2).round() as usize).min(crm.deals.len() * 2);
    let with_deal = ((n_sql as f64 * 0.6).round() as usize).min(crm.deals.len());
    let mut used = vec![false; crm.contacts.len()];
    let mut deal_order: Vec<usize> = (0..crm.deals.len()).collect();
    for k in (1..deal_order.len()).rev() {
        deal_order.swap(k, rng.below(k as u64 + 1) as usize);
    }
    let mut mqls: Vec<Mql> = Vec::with_capacity(n_mql);
    for &di in deal_order.iter() {
        if mqls.len() == with_deal {
            break;
        }
        let d = &crm.deals[di];
        if used[d.contact as usize] {
            continue;
        }
        let (at, sql_at) = before_deal(d, &crm.contacts[d.contact as usize], &mut rng);
        used[d.contact as usize] = true;
        mqls.push(mql(d.contact, at, Some(sql_at), Some(di as u32)));
    }
    // The rest: contacts not yet used, prospects' people first, in the CRM two days or more
    // (a fresh contact qualifies later).
    let mut pool: Vec<u32> = (0..crm.contacts.len() as u32)
        .filter(|&c| {
            !used[c as usize] && crm.contacts[c as usize].created < end - 2 * MICROS_PER_DAY
        })
        .collect();
    for k in (1..pool.len()).rev() {
        pool.swap(k, rng.below(k as u64 + 1) as usize);
    }
    let mut sqls_without_deal = n_sql.saturating_sub(mqls.len());
    let mut next = 0;
    while mqls.len() < n_mql {
        // Small profiles may run out of fresh contacts: contacts can re-qualify later.
        let c = pool
            .get(next)
            .copied()
            .unwrap_or_else(|| (next % crm.contacts.len()) as u32);
        next += 1;
        let ct = &crm.contacts[c as usize];
        // Qualified weeks after the contact arrived, so MQLs grow with contacts.
        let room = (end - 30 * MICROS_PER_DAY - ct.created).max(MICROS_PER_DAY);
        let lag = (rng.exp(45.0) * MICROS_PER_DAY as f64) as i64;
        let lag = if lag < room { lag } else { rng.range(0, room) };
        let at = ct.created + MICROS_PER_HOUR + lag;
        let is_sql = sqls_without_deal > 0;
        sqls_without_deal = sqls_without_deal.saturating_sub(1);
        let sql_at = is_sql.then(|| {
            let t = at + rng.range(2 * MICROS_PER_DAY, 20 * MICROS_PER_DAY);
            if t < end - MICROS_PER_HOUR {
                t
            } else {
                (end - rng.range(MICROS_PER_HOUR, 2 * MICROS_PER_DAY)).max(at + MICROS_PER_HOUR)
            }
        });
        mqls.push(mql(c, at, sql_at, None));
    }
    mqls.sort_by_key(|m| (m.at, m.contact));
    for (i, m) in mqls.iter_mut().enumerate() {
        m.id = MQL_ID_BASE + i as i64 + 1;
        qualify(ads, m, &mut rng);
    }

    // Conversions: every MQL and every account sign-up; touches apportioned exactly.
    let mut conversions: Vec<Conversion> = Vec::with_capacity(mqls.len() + w.accounts.len());
    for (i, m) in mqls.iter().enumerate() {
        conversions.push(Conversion {
            mql: Some(i as u32),
            account: None,
            contact: m.contact,
            at: m.at,
            model: 0,
            touches: 0,
            offset: 0,
            last: Some((m.source, m.campaign)),
            key: conversions.len() as u64,
        });
    }
    for c in crm
        .companies
        .iter()
        .filter(|c| c.account.is_some_and(|a| (a as usize) < crm.accounts))
    {
        let a = c.account.expect("customer");
        conversions.push(Conversion {
            mql: None,
            account: Some(a),
            contact: c.contacts.start,
            at: w.accounts[a as usize].created_at,
            model: 0,
            touches: 0,
            offset: 0,
            last: None,
            key: conversions.len() as u64,
        });
    }
    let weights: Vec<f64> = conversions
        .iter()
        .map(|_| rng.lognormal(1.0, 0.8))
        .collect();
    let total = count("marketing_attribution_touchpoints");
    let spare = total.saturating_sub(conversions.len() as u64);
    let extra = apportion(spare, &weights);
    let mut acc = 0;
    for (c, e) in conversions.iter_mut().zip(extra) {
        c.touches = 1 + u64::from(e);
        c.offset = acc;
        acc += c.touches;
        c.model = rng.weighted(&MODEL_SHARES) as u8;
    }
    let non_deal = (n_mql - with_deal).max(1) as f64;
    let rates = Rates {
        deal_mql: with_deal as f64 / crm.deals.len().max(1) as f64,
        contact_mql: (n_mql - with_deal) as f64 / crm.contacts.len().max(1) as f64,
        sql: n_sql.saturating_sub(with_deal) as f64 / non_deal,
        extra_touches: spare as f64 / conversions.len().max(1) as f64,
    };
    (mqls, conversions, rates)
}

/// An MQL's score, source and campaign, drawn from `own`.
fn qualify(ads: &Campaigns, m: &mut Mql, own: &mut Rand) {
    m.score_mql = MQL_SCORE + own.range(0, 40) as i32;
    m.score_created = (m.score_mql - own.range(15, 45) as i32).max(0);
    m.source = own.weighted(&TOUCH_SHARES) as u8;
    m.campaign = if (m.source as usize) < CHANNELS.len() {
        ads.active_campaign(m.source, m.at, own.u64())
    } else {
        None
    };
    if m.source < 4 && m.campaign.is_none() {
        m.source = 4; // no campaign of that channel was running: organic search
    }
}

/// MQLs after the anchor, from the deals and contacts that arrive after it (the first
/// `anchored` contacts and deals are the anchor's): a deal's contact qualifies days before it,
/// other contacts weeks after they arrive; numbered after the anchor's, in time order.
fn later_mqls(w: &World, anchored: (usize, usize), rates: &Rates, mqls: &mut Vec<Mql>) {
    let (crm, ads, seed) = (&w.crm, &w.campaigns, w.cfg.seed);
    // Kept up to the cut the world is built for (see `World::history`): every contact's draws
    // are made, so what a cut holds never depends on how far the history was kept.
    let end = w.cfg.end_ts();
    let mut used = vec![false; crm.contacts.len()];
    let mut later = Vec::new();
    for (di, d) in crm.deals.iter().enumerate().skip(anchored.1) {
        let mut own = Rand::new(seed, "marketing.deal_mql", d.id as u64);
        if used[d.contact as usize] || !own.chance(rates.deal_mql) {
            continue;
        }
        let (at, sql_at) = before_deal(d, &crm.contacts[d.contact as usize], &mut own);
        used[d.contact as usize] = true;
        if at < end {
            let mut m = mql(d.contact, at, Some(sql_at), Some(di as u32));
            qualify(ads, &mut m, &mut own);
            later.push(m);
        }
    }
    for (k, ct) in crm.contacts.iter().enumerate().skip(anchored.0) {
        let mut own = Rand::new(seed, "marketing.contact_mql", ct.id as u64);
        if used[k] || !own.chance(rates.contact_mql.min(1.0)) {
            continue;
        }
        let at = ct.created + MICROS_PER_HOUR + (own.exp(45.0) * MICROS_PER_DAY as f64) as i64;
        let sql_at = own
            .chance(rates.sql)
            .then(|| at + own.range(2 * MICROS_PER_DAY, 20 * MICROS_PER_DAY));
        if at < end {
            let mut m = mql(k as u32, at, sql_at, None);
            qualify(ads, &mut m, &mut own);
            later.push(m);
        }
    }
    later.sort_by_key(|m| (m.at, m.contact));
    for m in later {
        mqls.push(Mql {
            id: MQL_ID_BASE + mqls.len() as i64 + 1,
            ..m
        });
    }
}

/// When the primary contact `ct` of deal `d` qualified (2–14 days before it, once in the CRM)
/// and became an SQL (an hour to a day before it): (MQL time, SQL time).
fn before_deal(d: &Deal, ct: &Contact, rng: &mut Rand) -> (i64, i64) {
    let sql_at = d.created - rng.range(MICROS_PER_HOUR, MICROS_PER_DAY);
    let at = (d.created - rng.range(2 * MICROS_PER_DAY, 14 * MICROS_PER_DAY))
        .max(ct.created + MICROS_PER_HOUR)
        .min(sql_at);
    (at, sql_at)
}

/// An MQL of the history (id, score, source and campaign set after; its status is the cut's).
fn mql(contact: u32, at: i64, sql_at: Option<i64>, deal: Option<u32>) -> Mql {
    Mql {
        id: 0,
        contact,
        at,
        score_created: 0,
        score_mql: 0,
        source: 0,
        campaign: None,
        status: 0,
        sql_at,
        deal,
    }
}

/// Conversions after the anchor: every later MQL (from `first_mql` on) and the sign-up of
/// every later account (from `first_account` on, credited to its company's first contact), in
/// time order, each with its touches from its own stream.
fn later_conversions(
    w: &World,
    (first_mql, first_account): (usize, usize),
    rates: &Rates,
    mqls: &[Mql],
    conversions: &mut Vec<Conversion>,
) {
    let (crm, end) = (&w.crm, w.cfg.end_ts());
    let mut later: Vec<Conversion> = mqls[first_mql..]
        .iter()
        .enumerate()
        .map(|(i, m)| Conversion {
            mql: Some((first_mql + i) as u32),
            account: None,
            contact: m.contact,
            at: m.at,
            model: 0,
            touches: 0,
            offset: 0,
            last: Some((m.source, m.campaign)),
            key: m.id as u64,
        })
        .collect();
    for c in &crm.companies {
        let Some(a) = c
            .account
            .filter(|&a| a as usize >= first_account && w.accounts[a as usize].created_at < end)
        else {
            continue;
        };
        let first = c
            .contacts
            .clone()
            .min_by_key(|&k| crm.contacts[k as usize].created)
            .expect("a company has contacts");
        debug_assert!(
            crm.contacts[first as usize].created < w.accounts[a as usize].created_at,
            "a customer's first contact is in the CRM by its sign-up"
        );
        later.push(Conversion {
            mql: None,
            account: Some(a),
            contact: first,
            at: w.accounts[a as usize].created_at,
            model: 0,
            touches: 0,
            offset: 0,
            last: None,
            key: w.accounts[a as usize].id as u64,
        });
    }
    later.sort_by_key(|c| (c.at, c.mql.is_none(), c.key));
    // Extra touches: the anchor's mean per conversion, spread as the anchor's weights are
    // (a log-normal with median 1 and σ 0.8, whose mean is e^0.32).
    let per_weight = rates.extra_touches / 0.32f64.exp();
    let mut offset = conversions.last().map_or(0, |c| c.offset + c.touches);
    for mut c in later {
        let kind = if c.mql.is_some() { "mql" } else { "account" };
        let mut own = Rand::new(w.cfg.seed, &format!("marketing.touches.{kind}"), c.key);
        let weight = own.lognormal(1.0, 0.8);
        c.touches = 1 + own.poisson(per_weight * weight);
        c.model = own.weighted(&MODEL_SHARES) as u8;
        c.offset = offset;
        offset += c.touches;
        c.key = conversions.len() as u64;
        conversions.push(c);
    }
}
