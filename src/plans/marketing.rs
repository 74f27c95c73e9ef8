//! The marketing plan: campaigns, MQLs and conversions, read by the campaign, performance, MQL,
//! touchpoint and GA tables. Built after the CRM plan, whose contacts and deals MQLs link to.
//!
//! Campaigns start along the same growth curve as accounts and their daily budgets grow ~40 % a
//! year, so monthly spend tracks new-account growth.

use std::sync::Arc;

use crate::allocate::apportion;
use crate::plans::crm::{CrmPlan, DealFate};
use crate::time::{MICROS_PER_DAY, MICROS_PER_HOUR};
use crate::world::World;
pub use crate::world::campaigns::{
    CHANNEL_SHARES, CHANNELS, Campaign, Campaigns, SPEND_PER_NEW_ACCOUNT, growth_position,
};

/// A contact becomes an MQL at this lead score.
pub const MQL_SCORE: i32 = 50;
/// Per channel: click-through rate, cost per click (USD), conversion rate of clicks.
pub const CHANNEL_KPIS: [(f64, f64, f64); 4] = [
    (0.064, 3.6, 0.07),
    (0.009, 1.8, 0.03),
    (0.0055, 7.2, 0.027),
    (0.029, 0.05, 0.02),
];
pub const TOUCH_CHANNELS: [&str; 7] = [
    "google_ads",
    "meta",
    "linkedin",
    "email",
    "organic_search",
    "direct",
    "referral",
];
const TOUCH_SHARES: [f64; 7] = [30.0, 20.0, 15.0, 15.0, 10.0, 5.0, 5.0];
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

pub struct Mql {
    pub id: i64,
    pub contact: u32,
    pub at: i64,
    pub score_created: i32,
    pub score_mql: i32,
    pub source: u8,
    pub campaign: Option<u32>,
    pub status: u8,
    pub sql_at: Option<i64>,
    pub deal: Option<u32>,
}

/// A conversion that touchpoints lead to: an MQL, or an account's sign-up.
pub struct Conversion {
    pub mql: Option<u32>,
    pub account: Option<u32>,
    pub contact: u32,
    pub at: i64,
    pub model: u8,
    pub touches: u64,
    pub offset: u64,
    /// Channel and campaign of the converting (last) touch, when fixed by the MQL's source.
    pub last: Option<(u8, Option<u32>)>,
}

pub struct MarketingPlan {
    /// The campaign history; the cut holds its first `campaigns_started`.
    ads: Arc<Campaigns>,
    campaigns_started: usize,
    pub mqls: Vec<Mql>,
    /// The latest MQL of each contact (index into `mqls`): its lifecycle stage follows it.
    pub latest_mql: Vec<Option<u32>>,
    pub conversions: Vec<Conversion>,
}

impl MarketingPlan {
    /// The campaigns started by the cut's end, in the order they started.
    pub fn campaigns(&self) -> &[Campaign] {
        &self.ads.all[..self.campaigns_started]
    }

    /// Performance rows (campaign-days of the history) before each campaign: its rows' ids.
    pub fn perf_offsets(&self) -> &[u64] {
        &self.ads.perf_offsets
    }

    /// Planned spend of campaign `c` on `day`, in cents, before the day's pacing.
    pub fn planned_spend(&self, c: &Campaign, day: i64) -> f64 {
        self.ads.planned_spend(c, day)
    }

    /// A campaign of the channel running at instant `t`, if any.
    pub fn active_campaign(&self, channel: u8, t: i64, pick: u64) -> Option<u32> {
        self.ads.active_campaign(channel, t, pick)
    }

    pub fn build(world: &World, crm: &CrmPlan) -> MarketingPlan {
        let cfg = &world.cfg;
        let count = |t: &str| world.counts.get(t);
        let ads = Arc::clone(&world.campaigns);
        let mut rng = ads.stream.clone();
        let mut plan = MarketingPlan {
            campaigns_started: ads.started_by(cfg.as_of),
            ads,
            mqls: Vec::new(),
            latest_mql: Vec::new(),
            conversions: Vec::new(),
        };

        // MQLs: a fifth become SQLs; most SQLs open a deal, found on the deal's primary contact.
        let end = cfg.end_ts();
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
            let ct = &crm.contacts[d.contact as usize];
            let sql_at = d.created - rng.range(MICROS_PER_HOUR, MICROS_PER_DAY);
            let at = (d.created - rng.range(2 * MICROS_PER_DAY, 14 * MICROS_PER_DAY))
                .max(ct.created + MICROS_PER_HOUR)
                .min(sql_at);
            used[d.contact as usize] = true;
            mqls.push(Mql {
                id: 0,
                contact: d.contact,
                at,
                score_created: 0,
                score_mql: 0,
                source: 0,
                campaign: None,
                status: match d.fate {
                    DealFate::Won => 3,
                    DealFate::Lost => 4,
                    DealFate::Open => 2,
                },
                sql_at: Some(sql_at),
                deal: Some(di as u32),
            });
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
            mqls.push(Mql {
                id: 0,
                contact: c,
                at,
                score_created: 0,
                score_mql: 0,
                source: 0,
                campaign: None,
                status: if is_sql {
                    1
                } else if at < end - 90 * MICROS_PER_DAY {
                    5
                } else {
                    0
                },
                sql_at,
                deal: None,
            });
        }
        mqls.sort_by_key(|m| (m.at, m.contact));
        for (i, m) in mqls.iter_mut().enumerate() {
            m.id = 40_000_000 + i as i64 + 1;
            m.score_mql = MQL_SCORE + rng.range(0, 40) as i32;
            m.score_created = (m.score_mql - rng.range(15, 45) as i32).max(0);
            m.source = rng.weighted(&TOUCH_SHARES) as u8;
            m.campaign = if (m.source as usize) < CHANNELS.len() {
                plan.active_campaign(m.source, m.at, rng.u64())
            } else {
                None
            };
            if m.source < 4 && m.campaign.is_none() {
                m.source = 4; // no campaign of that channel was running: organic search
            }
        }

        // Conversions: every MQL and every account sign-up; touches apportioned exactly.
        let mut conversions: Vec<Conversion> =
            Vec::with_capacity(mqls.len() + world.accounts.len());
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
            });
        }
        for c in crm.companies.iter().filter(|c| c.account.is_some()) {
            let a = c.account.expect("customer");
            conversions.push(Conversion {
                mql: None,
                account: Some(a),
                contact: c.contacts.start,
                at: world.accounts[a as usize].created_at,
                model: 0,
                touches: 0,
                offset: 0,
                last: None,
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
        // MQLs are in time order, so the last one seen per contact is its latest.
        plan.latest_mql = vec![None; crm.contacts.len()];
        for (i, m) in mqls.iter().enumerate() {
            plan.latest_mql[m.contact as usize] = Some(i as u32);
        }
        plan.mqls = mqls;
        plan.conversions = conversions;
        plan
    }
}

/// Attribution weights in millionths, summing to exactly 1,000,000.
pub fn weights_micro(model: u8, days_before: &[f64]) -> Vec<i64> {
    let n = days_before.len();
    let raw: Vec<f64> = match (MODELS[model as usize], n) {
        (_, 1) => vec![1.0],
        ("first_touch", _) => (0..n).map(|i| f64::from(u8::from(i == 0))).collect(),
        ("last_touch", _) => (0..n).map(|i| f64::from(u8::from(i + 1 == n))).collect(),
        ("position_based", 2) => vec![0.5, 0.5],
        ("position_based", _) => (0..n)
            .map(|i| {
                if i == 0 || i + 1 == n {
                    0.4
                } else {
                    0.2 / (n - 2) as f64
                }
            })
            .collect(),
        ("time_decay", _) => days_before.iter().map(|d| 2f64.powf(-d / 7.0)).collect(),
        _ => vec![1.0 / n as f64; n],
    };
    let sum: f64 = raw.iter().sum();
    let mut micro: Vec<i64> = raw.iter().map(|w| (w / sum * 1e6).floor() as i64).collect();
    let short = 1_000_000 - micro.iter().sum::<i64>();
    // The remainder goes to the last touch (the converting one).
    *micro.last_mut().expect("a touch") += short;
    micro
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribution_weights_sum_to_one_exactly() {
        for model in 0..MODELS.len() as u8 {
            for n in 1..12 {
                let days: Vec<f64> = (0..n).map(|i| (n - i) as f64 * 3.3).collect();
                let w = weights_micro(model, &days);
                assert_eq!(
                    w.iter().sum::<i64>(),
                    1_000_000,
                    "{} n={n}",
                    MODELS[model as usize]
                );
                assert!(w.iter().all(|&x| x >= 0));
            }
        }
        assert_eq!(
            weights_micro(1, &[9.0, 5.0, 1.0]),
            vec![400_000, 200_000, 400_000]
        );
    }
}
