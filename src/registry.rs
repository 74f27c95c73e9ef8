//! The registry: every table with its rules, in dependency order. Assembled here, at the top, from
//! the tables' own declarations: the order is a topological sort of the declared foreign keys, the
//! profile counts come from each table's declared size, and the dbt files and the README's table
//! list are derived from the same declarations (`docs`).

use std::sync::LazyLock;

use crate::check::{Check, Dataset};
use crate::error::{Error, Result};
use crate::profile::{Counts, Profile};
use crate::table::Table;
use crate::{activity, app, hubspot, iot, marketing, stripe};

/// A table's rules, read back from a dataset on disk (beyond the checks every table gets from its
/// manifest entry: counts, keys, references, accepted values).
pub type Rules = fn(&Dataset) -> Result<Vec<Check>>;

/// One registered table: its generator and its rules.
pub struct Entry {
    pub table: &'static dyn Table,
    pub checks: Rules,
}

impl Entry {
    pub fn name(&self) -> &'static str {
        self.table.name()
    }
}

fn entry(table: &'static dyn Table, checks: Rules) -> Entry {
    Entry { table, checks }
}

/// Every table, grouped by source system; `all()` returns them in dependency order.
fn listed() -> Vec<Entry> {
    vec![
        entry(&app::accounts::AccountsTable, app::accounts::checks),
        entry(&app::locations::LocationsTable, app::locations::checks),
        entry(&app::users::UsersTable, app::users::checks),
        entry(&app::devices::DevicesTable, app::devices::checks),
        entry(
            &app::subscriptions::SubscriptionsTable,
            app::subscriptions::checks,
        ),
        entry(
            &stripe::customers::CustomersTable,
            stripe::checks::customer_checks,
        ),
        entry(&stripe::prices::PricesTable, stripe::checks::price_checks),
        entry(
            &stripe::subscriptions::SubscriptionsTable,
            stripe::checks::subscription_checks,
        ),
        entry(
            &stripe::subscription_items::SubscriptionItemsTable,
            stripe::checks::item_checks,
        ),
        entry(
            &stripe::invoices::InvoicesTable,
            stripe::checks::invoice_checks,
        ),
        entry(
            &stripe::charges::ChargesTable,
            stripe::checks::charge_checks,
        ),
        entry(&stripe::events::EventsTable, stripe::checks::event_checks),
        entry(
            &hubspot::companies::CompaniesTable,
            hubspot::checks::company_checks,
        ),
        entry(
            &hubspot::contacts::ContactsTable,
            hubspot::checks::contact_checks,
        ),
        entry(&hubspot::deals::DealsTable, hubspot::checks::deal_checks),
        entry(
            &hubspot::engagements::EngagementsTable,
            hubspot::checks::engagement_checks,
        ),
        entry(
            &hubspot::tickets::TicketsTable,
            hubspot::checks::ticket_checks,
        ),
        entry(
            &marketing::campaigns::CampaignsTable,
            marketing::checks::campaign_checks,
        ),
        entry(
            &marketing::performance::PerformanceTable,
            marketing::checks::performance_checks,
        ),
        entry(&marketing::mqls::MqlsTable, marketing::checks::mql_checks),
        entry(
            &marketing::touchpoints::TouchpointsTable,
            marketing::checks::touchpoint_checks,
        ),
        entry(
            &marketing::ga_sessions::GaSessionsTable,
            marketing::checks::ga_checks,
        ),
        entry(
            &activity::sessions::SessionsTable,
            activity::checks::session_checks,
        ),
        entry(
            &activity::page_views::PageViewsTable,
            activity::checks::page_view_checks,
        ),
        entry(
            &activity::feature_usage::FeatureUsageTable,
            activity::checks::feature_usage_checks,
        ),
        entry(
            &iot::tap_events::TapEventsTable,
            iot::checks::tap_event_checks,
        ),
        entry(
            &iot::device_health::DeviceHealthTable,
            iot::checks::device_health_checks,
        ),
    ]
}

static ALL: LazyLock<Vec<Entry>> = LazyLock::new(|| {
    dependency_order(listed()).unwrap_or_else(|e| panic!("table declarations: {e}"))
});

/// Every table, parents before children: a topological sort of the declared foreign keys that
/// keeps the listing order among tables free to go.
pub fn all() -> &'static [Entry] {
    &ALL
}

pub fn find(name: &str) -> Option<&'static Entry> {
    all().iter().find(|e| e.name() == name)
}

/// Exact row counts of a profile, from every table's declared size.
pub fn counts(profile: &Profile) -> Counts {
    Counts::new(
        profile,
        all().iter().map(|e| (e.name(), e.table.schema().size)),
    )
}

/// Resolves `--tables` into registered tables, in dependency order.
pub fn select(names: Option<&[String]>) -> Result<Vec<&'static Entry>> {
    let Some(names) = names else {
        return Ok(all().iter().collect());
    };
    if let Some(n) = names.iter().find(|n| find(n).is_none()) {
        let known: Vec<&str> = all().iter().map(Entry::name).collect();
        return Err(Error::Invalid(format!(
            "unknown table '{n}'; known tables: {}",
            known.join(", ")
        )));
    }
    Ok(all()
        .iter()
        .filter(|e| names.iter().any(|n| n == e.name()))
        .collect())
}

/// Orders entries so every table follows the tables it references, after checking that each
/// reference names a declared table and column and that names are unique.
pub fn dependency_order(mut pending: Vec<Entry>) -> std::result::Result<Vec<Entry>, String> {
    for (i, e) in pending.iter().enumerate() {
        if pending[..i].iter().any(|p| p.name() == e.name()) {
            return Err(format!("table {} is registered twice", e.name()));
        }
    }
    for e in &pending {
        for fk in &e.table.schema().foreign_keys {
            let parent = pending
                .iter()
                .find(|p| p.name() == fk.table)
                .ok_or_else(|| {
                    format!(
                        "{}.{} references unknown table {}",
                        e.name(),
                        fk.column,
                        fk.table
                    )
                })?;
            if parent.table.schema().column(fk.references).is_none() {
                return Err(format!(
                    "{}.{} references {}.{}, which is not declared",
                    e.name(),
                    fk.column,
                    fk.table,
                    fk.references
                ));
            }
        }
    }
    let mut done: Vec<Entry> = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let ready = pending.iter().position(|e| {
            e.table
                .schema()
                .foreign_keys
                .iter()
                .all(|fk| fk.table == e.name() || done.iter().any(|d| d.name() == fk.table))
        });
        let Some(i) = ready else {
            let names: Vec<&str> = pending.iter().map(Entry::name).collect();
            return Err(format!(
                "foreign keys form a cycle among {}",
                names.join(", ")
            ));
        };
        done.push(pending.remove(i));
    }
    Ok(done)
}
