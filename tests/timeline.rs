//! One history, many cuts: datasets cut at different as-of dates from the same (seed, size,
//! anchor) agree on everything that happened by the earlier date. Every row of the earlier cut
//! is in the later one with the same immutable columns, a mutable column differs only where the
//! history has a change between the two dates, and `validate` passes on every cut. A cut does
//! not depend on how far past it the history was simulated, and dates outside the history are
//! refused before anything is written.

mod common;

use std::collections::HashMap;
use std::path::Path;

use arrow::array::{Array, AsArray};
use arrow::datatypes::TimestampMicrosecondType;
use arrow::util::display::array_value_to_string;
use common::*;
use datagen::check::Dataset;
use tempfile::{TempDir, tempdir};

const HOUR: i64 = 3_600_000_000;

/// A table read back whole: every column as display text, and the instants of time columns,
/// by primary key.
struct Rows {
    text: HashMap<String, HashMap<String, String>>,
    time: HashMap<String, HashMap<String, Option<i64>>>,
}

fn rows(dir: &Path, table: &str) -> Rows {
    let ds = Dataset::open(dir).unwrap();
    let entry = ds.manifest.table(table).unwrap().clone();
    let (mut text, mut time) = (HashMap::new(), HashMap::new());
    let names: Vec<&str> = entry.columns.iter().map(|c| c.name.as_str()).collect();
    ds.scan_names(table, &names, |b| {
        for r in 0..b.num_rows() {
            let pk = array_value_to_string(b.column(0), r).unwrap();
            let mut t = HashMap::new();
            let mut ts = HashMap::new();
            for (k, name) in names.iter().enumerate() {
                let col = b.column(k);
                t.insert(name.to_string(), array_value_to_string(col, r).unwrap());
                if let Some(a) = col.as_primitive_opt::<TimestampMicrosecondType>() {
                    ts.insert(name.to_string(), a.is_valid(r).then(|| a.value(r)));
                }
            }
            text.insert(pk.clone(), t);
            time.insert(pk, ts);
        }
        Ok(())
    })
    .unwrap();
    Rows { text, time }
}

fn cut(args: &[&str], as_of: &str) -> TempDir {
    let dir = tempdir().unwrap();
    let mut all = args.to_vec();
    all.extend(["--as-of", as_of]);
    generate(dir.path(), &all);
    dir
}

fn end_of(dir: &Path) -> i64 {
    Dataset::open(dir).unwrap().end_ts
}

/// Every row of `early` is in `late` with equal `fixed` columns; rows whose other columns
/// differ are passed to `explain`, which says why the history changed them (or panics).
fn compare(
    early: &Path,
    late: &Path,
    table: &str,
    fixed: &[&str],
    explain: &mut dyn FnMut(&str, &Rows, &Rows) -> Result<(), String>,
) -> usize {
    let (a, b) = (rows(early, table), rows(late, table));
    assert!(
        b.text.len() >= a.text.len(),
        "{table}: a later cut lost rows"
    );
    let mut changed = 0;
    for (id, ra) in &a.text {
        let rb = b
            .text
            .get(id)
            .unwrap_or_else(|| panic!("{table} {id}: in the earlier cut, not in the later"));
        for c in fixed {
            assert_eq!(ra[*c], rb[*c], "{table} {id}: immutable column {c} changed");
        }
        if ra != rb {
            changed += 1;
            if let Err(e) = explain(id, &a, &b) {
                panic!("{table} {id}: {e}\n  early {ra:?}\n  late  {rb:?}");
            }
        }
    }
    changed
}

fn t(r: &Rows, id: &str, c: &str) -> Option<i64> {
    r.time[id][c]
}

fn s<'a>(r: &'a Rows, id: &str, c: &str) -> &'a str {
    &r.text[id][c]
}

/// The app tables of two cuts agree on what happened by the earlier one.
fn assert_consistent(early: &Path, late: &Path) {
    let (e1, e2) = (end_of(early), end_of(late));
    let within = |x: Option<i64>| x.is_some_and(|x| x >= e1 - HOUR && x < e2);
    // Plan periods: an end, a trial ending or a declined card between the cuts.
    let subs_late = rows(late, "app_subscriptions");
    compare(
        early,
        late,
        "app_subscriptions",
        &[
            "account_id",
            "plan_tier",
            "billing_interval",
            "mrr",
            "change_type",
            "trial_start",
            "trial_end",
            "started_at",
        ],
        &mut |id, a, b| {
            if t(a, id, "ended_at").is_some() {
                return Err("an ended period changed".into());
            }
            let ended = within(t(b, id, "ended_at"));
            let trial_ended = within(t(b, id, "trial_end"));
            let dunning = [s(a, id, "status"), s(b, id, "status")].contains(&"past_due");
            (ended || trial_ended || dunning)
                .then_some(())
                .ok_or_else(|| "status changed with no change in the history".into())
        },
    );
    // Accounts: a new plan period, a churn or a trial end between the cuts.
    let mut started_between: HashMap<String, bool> = HashMap::new();
    for id in subs_late.text.keys() {
        if within(t(&subs_late, id, "started_at")) || within(t(&subs_late, id, "trial_end")) {
            started_between.insert(s(&subs_late, id, "account_id").to_string(), true);
        }
    }
    compare(
        early,
        late,
        "app_accounts",
        &[
            "account_name",
            "domain",
            "industry",
            "billing_interval",
            "employee_count",
            "hq_city",
            "hq_state",
            "created_at",
        ],
        &mut |id, a, b| {
            if t(a, id, "churned_at").is_some() {
                return Err("a churned account changed".into());
            }
            let churned = within(t(b, id, "churned_at"));
            (churned || started_between.contains_key(id))
                .then_some(())
                .ok_or_else(|| "changed with no plan change, churn or trial end".into())
        },
    );
    compare(
        early,
        late,
        "app_locations",
        &[
            "account_id",
            "location_name",
            "location_type",
            "street_address",
            "city",
            "state",
            "zip_code",
            "timezone",
            "created_at",
        ],
        &mut |_, _, _| Err("a location changed".into()),
    );
    compare(
        early,
        late,
        "app_users",
        &[
            "account_id",
            "email",
            "first_name",
            "last_name",
            "role",
            "login_frequency",
            "permissions",
            "created_at",
        ],
        &mut |id, a, b| {
            let (la, lb) = (t(a, id, "last_login_at"), t(b, id, "last_login_at"));
            if la > lb {
                return Err("last login went back".into());
            }
            // A session is recorded when it ends (within 12 hours): a later cut may know of a
            // login shortly before the earlier cut's end.
            if la != lb && lb.is_none_or(|l| l <= e1 - 12 * HOUR) {
                return Err("last login changed to a time before the earlier cut".into());
            }
            if s(a, id, "is_active") == "false" && s(b, id, "is_active") == "true" {
                return Err("reactivated".into());
            }
            Ok(())
        },
    );
    compare(
        early,
        late,
        "app_devices",
        &[
            "location_id",
            "account_id",
            "serial_number",
            "model",
            "installed_at",
        ],
        &mut |id, a, b| {
            let (la, lb) = (t(a, id, "last_seen_at"), t(b, id, "last_seen_at"));
            if la > lb {
                return Err("last contact went back".into());
            }
            // Status and firmware move with the last contact (or a down spell begun in the
            // last hour before the earlier cut, shown online then).
            let recent = la.is_some_and(|l| e1 - l <= HOUR);
            (la != lb || recent)
                .then_some(())
                .ok_or_else(|| "changed with the same last contact".into())
        },
    );
    // Stripe mirrors the plan periods: the same rules, and the current period moves on with
    // the billing cycle.
    compare(
        early,
        late,
        "stripe_subscriptions",
        &[
            "customer_id",
            "app_subscription_id",
            "collection_method",
            "recurring_interval",
            "start_date",
            "billing_cycle_anchor",
            "trial_start",
            "trial_end",
            "metadata",
            "created",
        ],
        &mut |id, a, b| {
            if t(a, id, "ended_at").is_some() {
                return Err("an ended subscription changed".into());
            }
            let period = t(a, id, "current_period_end") != t(b, id, "current_period_end")
                && t(a, id, "current_period_end").is_some_and(|e| e < e2);
            let ended = within(t(b, id, "ended_at"));
            let status = [s(a, id, "status"), s(b, id, "status")].contains(&"past_due")
                || within(t(b, id, "trial_end"));
            (period || ended || status)
                .then_some(())
                .ok_or_else(|| "changed with no change in the history".into())
        },
    );
    // Customers: one per account, only `delinquent` follows the invoices.
    compare(
        early,
        late,
        "stripe_customers",
        &[
            "account_id",
            "email",
            "name",
            "currency",
            "address_city",
            "address_state",
            "address_country",
            "metadata",
            "livemode",
            "created",
        ],
        &mut |_, _, _| Ok(()),
    );
    // Invoices: what was billed never changes; an open invoice settles or gets attempts.
    compare(
        early,
        late,
        "stripe_invoices",
        &[
            "number",
            "customer_id",
            "subscription_id",
            "billing_reason",
            "collection_method",
            "currency",
            "subtotal",
            "total",
            "amount_due",
            "period_start",
            "period_end",
            "created",
            "due_date",
            "finalized_at",
        ],
        &mut |id, a, _| {
            (s(a, id, "status") == "open")
                .then_some(())
                .ok_or_else(|| "a settled invoice changed".into())
        },
    );
    // Charges and events are facts: recorded once, never changed, never late.
    compare_facts(early, late, "stripe_charges", "created");
    compare_facts(early, late, "stripe_events", "created");
    // App activity: one session process, cut at each end.
    compare_window(
        early,
        late,
        "app_user_sessions",
        "started_at",
        Some("ended_at"),
    );
    compare_window(early, late, "app_page_views", "viewed_at", None);
    compare_window(early, late, "app_feature_usage", "used_at", None);
    compare_iot(early, late);
    compare_crm(early, late);
    compare_marketing(early, late);
}

/// Campaigns, their days and the website's sessions: one history. A campaign never changes
/// once started (its planned end and budget included); a campaign-day and a GA session are
/// facts, and every one of the later cut that happened by the earlier cut is in it.
fn compare_marketing(early: &Path, late: &Path) {
    let last_day = datagen::time::format_date(end_of(early).div_euclid(24 * HOUR) - 1);
    for (table, date) in [
        ("marketing_campaigns", "start_date"),
        ("marketing_campaign_performance", "date"),
    ] {
        let (a, b) = (rows(early, table), rows(late, table));
        for (id, ra) in &a.text {
            assert_eq!(
                Some(ra),
                b.text.get(id),
                "{table} {id}: changed or went missing"
            );
        }
        for (id, rb) in &b.text {
            if rb[date] <= last_day {
                assert!(
                    a.text.contains_key(id),
                    "{table} {id}: arrived after its cut"
                );
            }
        }
        assert!(!a.text.is_empty(), "{table}: no rows in the earlier cut");
    }
    compare_facts(early, late, "ga_sessions", "session_start");
    // An MQL keeps what it was when it qualified; its status moves on (an SQL time and a deal
    // once they happened), never back to a new MQL.
    let (e1, e2) = (end_of(early), end_of(late));
    let moved = compare(
        early,
        late,
        "marketing_mqls",
        &[
            "contact_id",
            "company_id",
            "became_mql_at",
            "lead_score_at_creation",
            "lead_score_at_mql",
            "source_channel",
            "campaign_id",
        ],
        &mut |id, a, b| {
            let sql = (t(a, id, "became_sql_at"), t(b, id, "became_sql_at"));
            if sql.0 != sql.1 && (sql.0.is_some() || sql.1.is_none_or(|x| x < e1 || x >= e2)) {
                return Err("the SQL time changed other than by happening".into());
            }
            let deal = (s(a, id, "deal_id"), s(b, id, "deal_id"));
            if deal.0 != deal.1 && !deal.0.is_empty() {
                return Err("the deal changed".into());
            }
            (s(b, id, "status") != "mql")
                .then_some(())
                .ok_or_else(|| "went back to a new MQL".into())
        },
    );
    assert!(
        moved > 0,
        "marketing_mqls: no MQL moved on between the cuts"
    );
    let (a, b) = (rows(early, "marketing_mqls"), rows(late, "marketing_mqls"));
    for id in b.text.keys() {
        if t(&b, id, "became_mql_at").is_some_and(|x| x < e1) {
            assert!(
                a.text.contains_key(id),
                "marketing_mqls {id}: arrived after its cut"
            );
        }
    }
    compare_facts(
        early,
        late,
        "marketing_attribution_touchpoints",
        "converted_at",
    );
}

/// HubSpot companies, contacts and deals: one CRM history. What was recorded never changes; a
/// company becomes a customer once its account signs up, a deal advances through its stages
/// and closes once.
fn compare_crm(early: &Path, late: &Path) {
    let e1 = end_of(early);
    compare(
        early,
        late,
        "hubspot_companies",
        &[
            "property_name",
            "property_domain",
            "property_industry",
            "property_numberofemployees",
            "property_annualrevenue",
            "property_city",
            "property_state",
            "property_hubspot_owner_id",
            "property_createdate",
        ],
        &mut |id, a, b| {
            let (ka, kb) = (s(a, id, "account_id"), s(b, id, "account_id"));
            if ka != kb && !ka.is_empty() {
                return Err("a customer's account changed".into());
            }
            if s(a, id, "property_lifecyclestage") == "customer" && ka == kb {
                return Err("a customer's stage changed".into());
            }
            Ok(())
        },
    );
    compare(
        early,
        late,
        "hubspot_contacts",
        &[
            "company_id",
            "property_email",
            "property_firstname",
            "property_lastname",
            "property_jobtitle",
            "property_hubspotscore",
            "property_createdate",
        ],
        &mut |_, _, _| Ok(()),
    );
    let stage_of = |name: &str| {
        datagen::world::crm::STAGES
            .iter()
            .position(|s| s.0 == name)
            .unwrap_or_else(|| panic!("unknown deal stage {name}"))
    };
    let moved = compare(
        early,
        late,
        "hubspot_deals",
        &[
            "company_id",
            "contact_id",
            "property_dealname",
            "property_amount",
            "property_createdate",
            "property_hubspot_owner_id",
        ],
        &mut |id, a, b| {
            if t(a, id, "property_closedate").is_some() {
                return Err("a closed deal changed".into());
            }
            let (sa, sb) = (
                stage_of(s(a, id, "property_dealstage")),
                stage_of(s(b, id, "property_dealstage")),
            );
            (sb > sa)
                .then_some(())
                .ok_or_else(|| "an open deal went back a stage".into())
        },
    );
    assert!(
        moved > 0,
        "hubspot_deals: no deal moved on between the cuts"
    );
    // Engagements are facts of their deal's history.
    compare_facts(early, late, "hubspot_engagements", "timestamp");
    compare_tickets(early, late);
    // Every deal created before the earlier cut is in it.
    let (a, b) = (rows(early, "hubspot_deals"), rows(late, "hubspot_deals"));
    for id in b.text.keys() {
        if t(&b, id, "property_createdate").is_some_and(|c| c < e1) {
            assert!(
                a.text.contains_key(id),
                "hubspot_deals {id}: created before the earlier cut, missing from it"
            );
        }
    }
}

/// Tickets: what a ticket is about and when it opened never change; its first reply and close
/// are set once, at an instant between the cuts, and its stage follows them. Every ticket opened
/// before the earlier cut is in it.
fn compare_tickets(early: &Path, late: &Path) {
    let (e1, e2) = (end_of(early), end_of(late));
    let answered = compare(
        early,
        late,
        "hubspot_tickets",
        &[
            "company_id",
            "contact_id",
            "device_id",
            "property_subject",
            "property_category",
            "property_hs_ticket_priority",
            "property_createdate",
        ],
        &mut |id, a, b| {
            for c in ["property_first_agent_reply_date", "property_closed_date"] {
                match (t(a, id, c), t(b, id, c)) {
                    (x, y) if x == y => {}
                    (None, Some(y)) if y >= e1 && y < e2 => {}
                    _ => return Err(format!("{c} changed other than by happening")),
                }
            }
            (s(a, id, "property_hs_pipeline_stage") < s(b, id, "property_hs_pipeline_stage"))
                .then_some(())
                .ok_or_else(|| "a ticket's stage went back".into())
        },
    );
    assert!(
        answered > 0,
        "hubspot_tickets: no ticket moved on between the cuts"
    );
    let (a, b) = (
        rows(early, "hubspot_tickets"),
        rows(late, "hubspot_tickets"),
    );
    for id in b.text.keys() {
        if t(&b, id, "property_createdate").is_some_and(|c| c < e1) {
            assert!(
                a.text.contains_key(id),
                "hubspot_tickets {id}: opened before the earlier cut, missing from it"
            );
        }
    }
}

/// The rows of every eighth device of an IoT table, by key: (the row's instant or day, every
/// column as text).
fn sampled(dir: &Path, table: &str, at: &str) -> HashMap<i64, (i64, String)> {
    let ds = Dataset::open(dir).unwrap();
    let entry = ds.manifest.table(table).unwrap().clone();
    let names: Vec<&str> = entry.columns.iter().map(|c| c.name.as_str()).collect();
    let (key, device, when) = (
        0,
        names.iter().position(|&n| n == "device_id").unwrap(),
        names.iter().position(|&n| n == at).unwrap(),
    );
    let mut out = HashMap::new();
    ds.scan_names(table, &names, |b| {
        let dev = b
            .column(device)
            .as_primitive::<arrow::datatypes::Int64Type>();
        for r in 0..b.num_rows() {
            if dev.value(r) % 8 != 0 {
                continue;
            }
            let id = b
                .column(key)
                .as_primitive::<arrow::datatypes::Int64Type>()
                .value(r);
            let c = b.column(when);
            let t = match c.as_primitive_opt::<TimestampMicrosecondType>() {
                Some(a) => a.value(r),
                None => i64::from(c.as_primitive::<arrow::datatypes::Date32Type>().value(r)),
            };
            let text: Vec<String> = (0..b.num_columns())
                .map(|k| array_value_to_string(b.column(k), r).unwrap())
                .collect();
            out.insert(id, (t, text.join("|")));
        }
        Ok(())
    })
    .unwrap();
    out
}

/// Tap events and device health: one pour history, cut at each end. A pour never changes and
/// is in every cut whose window holds it (one reported in the minutes after a device's last
/// contact may arrive with the next); a device-day never changes once over.
fn compare_iot(early: &Path, late: &Path) {
    const DAY: i64 = 24 * HOUR;
    let (e1, e2) = (end_of(early), end_of(late));
    let (a, b) = (
        sampled(early, "iot_tap_events", "poured_at"),
        sampled(late, "iot_tap_events", "poured_at"),
    );
    let (year1, year2) = (e1 - 365 * DAY, e2 - 365 * DAY);
    let mut kept = 0;
    for (id, ra) in &a {
        if ra.0 >= year2 + 12 * HOUR {
            assert_eq!(
                Some(ra),
                b.get(id),
                "iot_tap_events {id}: a pour changed or went missing"
            );
            kept += 1;
        }
    }
    for (id, rb) in &b {
        if rb.0 < e1 - HOUR && rb.0 >= year1 + 12 * HOUR {
            assert!(
                a.contains_key(id),
                "iot_tap_events {id}: poured before the earlier cut, missing from it"
            );
        }
    }
    assert!(kept > 0, "iot_tap_events: no pours shared by the two cuts");
    let (a, b) = (
        sampled(early, "iot_device_health", "health_date"),
        sampled(late, "iot_device_health", "health_date"),
    );
    let (as_of1, as_of2) = (e1 / DAY - 1, e2 / DAY - 1);
    let mut kept = 0;
    for (id, ra) in &a {
        if ra.0 > as_of2 - 365 && ra.0 < as_of1 {
            assert_eq!(
                Some(ra),
                b.get(id),
                "iot_device_health {id}: a past day changed or went missing"
            );
            kept += 1;
        }
    }
    for (id, rb) in &b {
        if rb.0 < as_of1 && rb.0 > as_of1 - 365 {
            assert!(
                a.contains_key(id),
                "iot_device_health {id}: a day before the earlier cut, missing from it"
            );
        }
    }
    assert!(
        kept > 0,
        "iot_device_health: no days shared by the two cuts"
    );
}

/// A fact table: every row of `early` is in `late` unchanged, and every row of `late` that
/// happened (by `at`) before the earlier cut's end is in `early`.
fn compare_facts(early: &Path, late: &Path, table: &str, at: &str) {
    let e1 = end_of(early);
    let (a, b) = (rows(early, table), rows(late, table));
    for (id, ra) in &a.text {
        let rb = b.text.get(id);
        assert_eq!(Some(ra), rb, "{table} {id}: a fact changed or went missing");
    }
    for id in b.text.keys() {
        if t(&b, id, at).is_some_and(|x| x < e1) {
            assert!(
                a.text.contains_key(id),
                "{table} {id}: arrived after its cut"
            );
        }
    }
    assert!(!a.text.is_empty(), "{table}: no rows in the earlier cut");
}

/// A table of the trailing activity year: every row of `early` still inside the later cut's year
/// (by `at`) is in `late` with every column equal (facts never change), and every row of `late`
/// that was recorded by the earlier cut's end (by `recorded`, where given) is in `early`.
fn compare_window(early: &Path, late: &Path, table: &str, at: &str, recorded: Option<&str>) {
    let (e1, e2) = (end_of(early), end_of(late));
    let (year1, year2) = (e1 - 365 * 24 * HOUR, e2 - 365 * 24 * HOUR);
    let (a, b) = (rows(early, table), rows(late, table));
    let mut kept = 0;
    for (id, ra) in &a.text {
        // Rows of sessions that began before the later year are not in it: a session lasts
        // under 12 hours.
        let from = if recorded.is_some() {
            year2
        } else {
            year2 + 12 * HOUR
        };
        if t(&a, id, at).is_some_and(|x| x >= from) {
            let rb = b.text.get(id).unwrap_or_else(|| {
                panic!("{table} {id}: in the earlier cut's year and the later's, missing later")
            });
            assert_eq!(ra, rb, "{table} {id}: a fact changed between cuts");
            kept += 1;
        }
    }
    if let Some(rec) = recorded {
        for id in b.text.keys() {
            if t(&b, id, rec).is_some_and(|x| x < e1) && t(&b, id, at).is_some_and(|x| x >= year1) {
                assert!(
                    a.text.contains_key(id),
                    "{table} {id}: recorded before the earlier cut's end, missing from it"
                );
            }
        }
    }
    assert!(kept > 0, "{table}: no rows shared by the two cuts");
}

fn validate_passes(dir: &Path) {
    let failed: Vec<String> = datagen::validate::run(dir)
        .unwrap()
        .into_iter()
        .filter(|c| !c.pass)
        .map(|c| format!("{}: {} ({} vs {})", c.table, c.name, c.target, c.actual))
        .collect();
    assert!(failed.is_empty(), "{}: {failed:#?}", dir.display());
}

fn cuts_of_one_history(args: &[&str]) {
    let dates = ["2025-12-01", "2025-12-31", "2026-01-30"];
    let dirs: Vec<TempDir> = dates.iter().map(|d| cut(args, d)).collect();
    for d in &dirs {
        validate_passes(d.path());
    }
    assert_consistent(dirs[0].path(), dirs[1].path());
    assert_consistent(dirs[1].path(), dirs[2].path());
    // The anchor holds the profile's exact counts; the history grows on both sides of it.
    let accounts = |d: &TempDir| rows(d.path(), "app_accounts").text.len();
    assert!(accounts(&dirs[0]) <= accounts(&dirs[1]));
    assert!(accounts(&dirs[1]) < accounts(&dirs[2]));
}

#[test]
fn dev_cuts_of_one_history_agree() {
    cuts_of_one_history(&[]);
}

#[test]
fn cuts_of_a_thousand_accounts_agree() {
    cuts_of_one_history(&["--accounts", "1000"]);
}

#[test]
fn a_cut_does_not_depend_on_the_horizon() {
    let a = cut(&[], "2025-12-31");
    let b = cut(&["--horizon", "2029-06-30"], "2025-12-31");
    assert_same_files(a.path(), b.path());
    let c = cut(&["--horizon", "2026-03-31"], "2026-01-30");
    let d = cut(&[], "2026-01-30");
    assert_same_files(c.path(), d.path());
}

#[test]
fn a_cut_is_the_same_for_any_thread_count_and_split() {
    let one = cut(&["--threads", "1"], "2026-01-30");
    let two = cut(&["--threads", "2"], "2026-01-30");
    assert_same_files(one.path(), two.path());
    let parts = tempdir().unwrap();
    for k in 0..3 {
        let shard = format!("{k}/3");
        generate(parts.path(), &["--as-of", "2026-01-30", "--shard", &shard]);
    }
    assert_same_files(one.path(), parts.path());
}

#[test]
fn an_as_of_outside_the_history_is_refused_and_nothing_is_written() {
    for date in ["2019-06-01", "2028-01-01"] {
        let dir = tempdir().unwrap();
        let out = dir.path().join("cut");
        let o = datagen(&[
            "generate",
            "--quiet",
            "--out",
            out.to_str().unwrap(),
            "--as-of",
            date,
        ]);
        assert!(!o.status.success(), "{date} accepted");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(&format!("--as-of {date} is outside"))
                && err.contains("to 2027-12-31 (the horizon"),
            "{err}"
        );
        assert!(!out.exists(), "{date}: wrote {}", out.display());
    }
    // A horizon before the anchor, or further than session ids can count days, is refused.
    for horizon in ["2025-06-30", "2045-01-01"] {
        let dir = tempdir().unwrap();
        let out = dir.path().join("cut");
        let o = datagen(&[
            "generate",
            "-q",
            "--out",
            out.to_str().unwrap(),
            "--horizon",
            horizon,
        ]);
        assert!(!o.status.success(), "{horizon} accepted");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(&format!("--horizon {horizon} is outside"))
                && err.contains("from the anchor 2025-12-31 to 20"),
            "{err}"
        );
        assert!(!out.exists(), "{horizon}: wrote {}", out.display());
    }
}

#[test]
fn profiles_prints_the_counts_of_a_cut() {
    let dir = cut(&[], "2026-06-30");
    let m = manifest(dir.path());
    let o = datagen(&["profiles", "--as-of", "2026-06-30"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    for t in m["tables"].as_array().unwrap() {
        let name = t["name"].as_str().unwrap();
        let line = out
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("{name} not printed:\n{out}"));
        let dev: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        assert_eq!(dev, t["rows"].as_u64().unwrap(), "{name}");
    }
    let o = datagen(&["profiles", "--as-of", "2019-01-01"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("is outside this dataset's history"));
}
