//! What the data must show, written once: the figures of the product plan
//! (`synthetic-data-plan.md`, SPEC §4) and of the industry references (REFERENCE.md). `validate`
//! judges the data against these; the generator never reads them (its tuning parameters live
//! with the generator), so the two cannot drift together.

/// Account industries (plan step 2).
pub const INDUSTRY_MIX: [(&str, f64); 4] = [
    ("Restaurant", 40.0),
    ("Bar", 30.0),
    ("Hotel", 20.0),
    ("Other", 10.0),
];
/// Plan tiers (plan step 2).
pub const TIER_MIX: [(&str, f64); 3] = [("basic", 50.0), ("pro", 35.0), ("enterprise", 15.0)];
/// Monthly recurring revenue range per tier, whole dollars (plan step 2).
pub const TIER_MRR: [(i64, i64); 3] = [(299, 999), (999, 2_999), (2_999, 9_999)];
/// Location types (plan step 3).
pub const LOCATION_TYPE_MIX: [(&str, f64); 3] =
    [("main", 40.0), ("branch", 40.0), ("franchise", 20.0)];
/// User roles (plan step 4).
pub const ROLE_MIX: [(&str, f64); 3] = [("admin", 10.0), ("manager", 30.0), ("staff", 60.0)];
/// Device statuses (plan step 5).
pub const DEVICE_STATUS_MIX: [(&str, f64); 3] =
    [("online", 85.0), ("offline", 10.0), ("maintenance", 5.0)];
/// Annual churn of paying accounts (plan step 6: "10 % annual churn rate").
pub const ANNUAL_CHURN: f64 = 0.10;
/// Trial-to-paid conversion (plan step 6).
pub const TRIAL_CONVERSION: f64 = 0.70;
/// New accounts per year over the year before (plan step 36: "account growth 40 % YoY").
pub const YEARLY_GROWTH: f64 = 1.40;
/// Share of invoices paid (plan step 14: "payment success rate 95 %").
pub const INVOICES_PAID: f64 = 0.95;
/// Share of closed deals won (plan step 19).
pub const WIN_RATE: f64 = 0.25;
/// Campaign channels (plan step 22).
pub const CHANNEL_MIX: [(&str, f64); 4] = [
    ("google_ads", 40.0),
    ("meta", 30.0),
    ("linkedin", 20.0),
    ("email", 10.0),
];
/// Net revenue retention by tier (REFERENCE: SMB ≈ 97 %, mid-market ≈ 108 %, enterprise
/// ≈ 118 %), basic / pro / enterprise.
pub const NRR: [f64; 3] = [0.97, 1.08, 1.18];
/// How far a tier's measured NRR may stray from its reference (percentage points / 100).
pub const NRR_TOLERANCE: f64 = 0.08;
/// Share of SMB churn that is failed payments (REFERENCE: 20–40 %).
pub const INVOLUNTARY_SMB_CHURN: (f64, f64) = (0.20, 0.40);
/// MQL → SQL conversion (REFERENCE funnel: 13–22 %).
pub const MQL_TO_SQL: (f64, f64) = (0.13, 0.22);
/// GA bounce rate (REFERENCE: B2B SaaS ≈ 44 %, p25 32, p75 58).
pub const GA_BOUNCE: (f64, f64) = (0.32, 0.58);
/// GA session duration, seconds (REFERENCE: SaaS median ≈ 165 s, p25 90, p75 280).
pub const GA_DURATION_S: (f64, f64) = (90.0, 280.0);
/// Friday–Sunday pours over Monday–Thursday (REFERENCE: ≈ 40 % above), accepted band.
pub const WEEKEND_LIFT: (f64, f64) = (1.25, 1.65);
/// Local hours of the pour peak (plan step 30: "peak 6–10 pm").
/// On-premise draft peaks (REFERENCE: St Patrick's Day, where draft velocity roughly doubles,
/// Super Bowl, Cinco de Mayo, July 4): each day's pours at least this many times those of the
/// same weekday a week and two weeks either side.
pub const DRAFT_PEAK_LIFT: f64 = 1.2;

/// The draft peak days of a year, named.
pub fn draft_peak_days(year: i64) -> [(&'static str, i64); 4] {
    [
        (
            "St Patrick's Day",
            crate::time::days_from_civil(year, 3, 17),
        ),
        ("Super Bowl Sunday", crate::time::super_bowl_sunday(year)),
        ("Cinco de Mayo", crate::time::days_from_civil(year, 5, 5)),
        ("July 4", crate::time::days_from_civil(year, 7, 4)),
    ]
}

pub const POUR_PEAK_HOURS: std::ops::RangeInclusive<u32> = 18..=22;
/// Channel benchmarks (REFERENCE): CTR and CPC in dollars; e-mail has clicks, no CPC.
pub const CHANNEL_KPIS: [(&str, f64, f64); 4] = [
    ("google_ads", 0.064, 4.7),
    ("meta", 0.009, 1.8),
    ("linkedin", 0.0055, 7.4),
    ("email", 0.029, 0.0),
];
/// A channel's CTR and CPC may stray this far (relative) from the benchmark: the REFERENCE
/// figures are averages across industries (Google CPC runs $2.1 for restaurants, $4.7 overall).
pub const CHANNEL_KPI_TOLERANCE: f64 = 0.5;
/// Share of accounts alive 30+ days of the activity year that have sessions in it: customers
/// use the product they pay for, until they churn (issue-level realism, SPEC §4 "engaged
/// accounts churn less").
pub const ACCOUNTS_USING_PRODUCT: f64 = 0.95;
/// Sessions a week in the last two weeks before churn, at most this share of weeks 5–12
/// before it: engagement fades before an account churns.
pub const CHURN_FADE_MAX: f64 = 0.8;
/// Yearly spend per new account may vary at most this factor between the full years (plan
/// step 34: "marketing spend correlates with growth").
pub const SPEND_PER_ACCOUNT_SPREAD: f64 = 1.5;
/// Yearly growth of MQLs and deals may differ from account growth by at most this (ratio of
/// yearly growth factors): the funnel grows with the business.
pub const FUNNEL_GROWTH_SPREAD: f64 = 1.2;
/// Draft serving sizes in ml (REFERENCE: 16 oz pint 473, 12 oz 355, 10 oz 296, 20 oz imperial
/// 568, 64 oz pitcher 1,893; 5 oz tasters 148 for flights).
pub const SERVING_ML: [f64; 6] = [148.0, 296.0, 355.0, 473.0, 568.0, 1_893.0];
/// A pour may miss its serving size by this share (head, over-pour).
pub const SERVING_TOLERANCE: f64 = 0.10;
/// Paid invoices paid after their due date (plan step 14 "late payments patterns": some, not
/// most; B2B SMB invoices paid by transfer run late a few percent of the time).
pub const LATE_PAYMENTS: (f64, f64) = (0.01, 0.12);
/// Plausible bounds of measured values (plan step 37, outlier detection): a value outside is an
/// outlier no real source would record. (table, column, low, high, why) — money in dollars.
pub const PLAUSIBLE: &[(&str, &str, f64, f64, &str)] = &[
    (
        "app_accounts",
        "employee_count",
        1.0,
        10_000.0,
        "SMB to mid-market venues",
    ),
    (
        "app_accounts",
        "mrr",
        299.0,
        9_999.0,
        "the plan's tier ranges",
    ),
    (
        "app_user_sessions",
        "duration_s",
        1.0,
        43_200.0,
        "a login lasts under a 12-hour shift",
    ),
    (
        "ga_sessions",
        "duration_s",
        0.0,
        14_400.0,
        "GA sessions end after 30 idle minutes",
    ),
    (
        "hubspot_deals",
        "property_amount",
        0.0,
        5_000_000.0,
        "annual contract values",
    ),
    (
        "stripe_invoices",
        "amount_due",
        0.0,
        100_000_000.0,
        "cents; a year of the top tier plus hardware",
    ),
    (
        "iot_tap_events",
        "volume_ml",
        50.0,
        2_100.0,
        "a taster to a 64 oz pitcher",
    ),
    (
        "iot_tap_events",
        "flow_rate_ml_s",
        10.0,
        120.0,
        "≈ 2 oz/s on a balanced line",
    ),
    (
        "iot_tap_events",
        "pressure_psi",
        5.0,
        30.0,
        "≈ 12–14 psi CO₂ at sea level, more at altitude",
    ),
    (
        "iot_tap_events",
        "temperature_c",
        -2.0,
        12.0,
        "serving 2–3.5 °C, drift when failing",
    ),
];
