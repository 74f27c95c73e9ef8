//! The marketing plan: the cut's campaigns, MQLs and conversions (from the world's campaign
//! and funnel histories, see [`crate::world::campaigns`] and [`crate::world::funnel`]), read
//! by the campaign, performance, MQL, touchpoint and GA tables.

use std::sync::Arc;

use crate::world::World;
pub use crate::world::campaigns::{
    CHANNEL_SHARES, CHANNELS, Campaign, Campaigns, SPEND_PER_NEW_ACCOUNT, growth_position,
};
pub use crate::world::funnel::{
    Conversion, Funnel, MODELS, MQL_SCORE, MQL_STATUSES, Mql, TOUCH_CHANNELS,
};

/// Per channel: click-through rate, cost per click (USD), conversion rate of clicks.
pub const CHANNEL_KPIS: [(f64, f64, f64); 4] = [
    (0.064, 3.6, 0.07),
    (0.009, 1.8, 0.03),
    (0.0055, 7.2, 0.027),
    (0.029, 0.05, 0.02),
];
pub struct MarketingPlan {
    /// The campaign history; the cut holds its first `campaigns_started`.
    ads: Arc<Campaigns>,
    campaigns_started: usize,
    /// The cut's MQLs and conversions (the world's, shared: `plan.mqls` reads them).
    funnel: Arc<Funnel>,
}

impl std::ops::Deref for MarketingPlan {
    type Target = Funnel;

    fn deref(&self) -> &Funnel {
        &self.funnel
    }
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

    pub fn build(world: &World) -> MarketingPlan {
        MarketingPlan {
            campaigns_started: world.campaigns.started_by(world.cfg.as_of),
            ads: Arc::clone(&world.campaigns),
            funnel: Arc::clone(&world.funnel),
        }
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
