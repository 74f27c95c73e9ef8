//! Profiles and exact row counts. Pure functions: the count of every table follows from the
//! number of accounts and the profile, never from what a generator happened to draw.

use std::fmt;

/// One of the named sizes, or a custom account count scaled from the QA/production ratios.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Profile {
    Dev,
    Qa,
    Production,
    Custom(u64),
}

pub const NAMED: [Profile; 3] = [Profile::Dev, Profile::Qa, Profile::Production];

/// (table, dev, qa, production) as the specification fixes them.
const COUNTS: &[(&str, u64, u64, u64)] = &[
    ("app_accounts", 100, 10_000, 40_000),
    ("app_locations", 150, 15_000, 60_000),
    ("app_users", 300, 30_000, 120_000),
    ("app_devices", 450, 45_000, 180_000),
    ("app_subscriptions", 125, 12_500, 50_000),
    ("stripe_customers", 100, 10_000, 40_000),
    ("stripe_prices", 12, 12, 12),
    ("stripe_subscriptions", 125, 12_500, 50_000),
    ("stripe_subscription_items", 175, 17_500, 70_000),
    ("stripe_invoices", 1_500, 150_000, 600_000),
    ("stripe_charges", 1_425, 142_500, 570_000),
    ("stripe_events", 10_000, 1_000_000, 4_000_000),
    ("hubspot_companies", 125, 12_500, 50_000),
    ("hubspot_contacts", 500, 50_000, 200_000),
    ("hubspot_deals", 250, 25_000, 100_000),
    ("hubspot_engagements", 2_500, 250_000, 1_000_000),
    ("hubspot_tickets", 400, 40_000, 160_000),
    ("marketing_campaigns", 25, 1_250, 5_000),
    ("marketing_campaign_performance", 7_500, 375_000, 1_500_000),
    (
        "marketing_attribution_touchpoints",
        15_000,
        750_000,
        3_000_000,
    ),
    ("marketing_mqls", 200, 20_000, 80_000),
    ("ga_sessions", 30_000, 1_500_000, 6_000_000),
    ("app_user_sessions", 50_000, 2_500_000, 10_000_000),
    ("app_page_views", 250_000, 12_500_000, 50_000_000),
    ("app_feature_usage", 150_000, 7_500_000, 30_000_000),
    ("iot_tap_events", 500_000, 50_000_000, 200_000_000),
];

impl Profile {
    /// Parses `dev`, `qa` or `production` (case-insensitive).
    pub fn parse(s: &str) -> Option<Profile> {
        match s.to_ascii_lowercase().as_str() {
            "dev" => Some(Profile::Dev),
            "qa" => Some(Profile::Qa),
            "production" | "prod" => Some(Profile::Production),
            _ => None,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Profile::Dev => "dev",
            Profile::Qa => "qa",
            Profile::Production => "production",
            Profile::Custom(_) => "custom",
        }
    }

    pub fn accounts(&self) -> u64 {
        match self {
            Profile::Custom(n) => *n,
            _ => self.count("app_accounts").expect("accounts is declared"),
        }
    }

    /// The exact row count of a table whose size is fixed by the profile, or None for a table
    /// whose size follows from the world (device health) or that is unknown.
    pub fn count(&self, table: &str) -> Option<u64> {
        let &(_, dev, qa, prod) = COUNTS.iter().find(|c| c.0 == table)?;
        Some(match self {
            Profile::Dev => dev,
            Profile::Qa => qa,
            Profile::Production => prod,
            // Scale from the QA ratio (equal to production's), rounding half up.
            Profile::Custom(_) if table == "stripe_prices" => qa,
            Profile::Custom(n) => (n * qa * 2 + 10_000) / 20_000,
        })
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Profile::Custom(n) => write!(f, "custom ({n} accounts)"),
            p => f.write_str(p.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_profiles_match_the_specification() {
        assert_eq!(Profile::Dev.count("iot_tap_events"), Some(500_000));
        assert_eq!(Profile::Production.count("app_devices"), Some(180_000));
        assert_eq!(Profile::Qa.count("stripe_events"), Some(1_000_000));
    }

    #[test]
    fn custom_scales_from_qa_ratios() {
        let p = Profile::Custom(777);
        assert_eq!(p.count("app_accounts"), Some(777));
        assert_eq!(p.count("app_locations"), Some(1166)); // 1165.5 rounds up
        assert_eq!(p.count("app_devices"), Some(3497));
        assert_eq!(p.count("stripe_prices"), Some(12));
        assert_eq!(
            Profile::Custom(10_000).count("iot_tap_events"),
            Some(50_000_000)
        );
    }
}
