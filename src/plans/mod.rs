//! Plans: the pure, per-entity decisions that several tables of one source system share (which
//! companies and deals the CRM holds, how many sessions and pours each user and device has; the
//! Stripe module holds only ids and prices, its invoices being the world's billing history).
//! Built once from the world, in dependency order, and passed to every generator; tables read
//! them, never each other.

pub mod activity;
pub mod crm;
pub mod marketing;
pub mod stripe;
pub mod taps;

use crate::world::World;

pub use self::activity::ActivityPlan;
pub use self::crm::CrmPlan;
pub use self::marketing::MarketingPlan;
pub use self::taps::TapPlan;

/// Every plan of a dataset.
pub struct Plans {
    pub crm: CrmPlan,
    pub marketing: MarketingPlan,
    pub activity: ActivityPlan,
    pub taps: TapPlan,
}

impl Plans {
    /// Builds every plan. Each draws from its own random stream, so building them side by side
    /// gives the same plans as one after another; the CRM and marketing plans share the world's histories.
    pub fn build(world: &World) -> Plans {
        let (activity, ((crm, marketing), taps)) = rayon::join(
            || ActivityPlan::build(world),
            || {
                rayon::join(
                    || {
                        let crm = CrmPlan::build(world);
                        let marketing = MarketingPlan::build(world);
                        (crm, marketing)
                    },
                    || TapPlan::build(world),
                )
            },
        );
        Plans {
            crm,
            marketing,
            activity,
            taps,
        }
    }
}
