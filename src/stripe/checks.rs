//! Rules of the Stripe tables read back from disk, one per TEST line of plan steps 10–16.

use std::collections::{HashMap, HashSet};

use arrow::array::AsArray;
use arrow::datatypes::TimestampMicrosecondType;

use crate::app::accounts::cols as app_accounts;
use crate::app::subscriptions::cols as app_subscriptions;
use crate::check::{Check, Dataset};
use crate::error::Result;
use crate::stripe::charges::cols as stripe_charges;
use crate::stripe::customers::cols as stripe_customers;
use crate::stripe::events::cols as stripe_events;
use crate::stripe::invoices::cols as stripe_invoices;
use crate::stripe::prices::cols as stripe_prices;
use crate::stripe::subscription_items::cols as stripe_subscription_items;
use crate::stripe::subscriptions::cols as stripe_subscriptions;
use crate::targets;
use crate::time;

pub fn customer_checks(ds: &Dataset) -> Result<Vec<Check>> {
    let t = stripe_customers::TABLE;
    let accounts = ds.i64s(app_accounts::ACCOUNT_ID)?;
    let domains = ds.texts(app_accounts::DOMAIN)?;
    let account = ds.i64s(stripe_customers::ACCOUNT_ID)?;
    let email = ds.texts(stripe_customers::EMAIL)?;
    let metadata = ds.texts(stripe_customers::METADATA)?;
    let mut per_account: HashMap<i64, usize> = HashMap::new();
    let by_id: HashMap<i64, usize> = accounts.iter().enumerate().map(|(i, a)| (*a, i)).collect();
    let mut bad = 0;
    for i in 0..account.len() {
        *per_account.entry(account[i]).or_default() += 1;
        let meta: serde_json::Value = serde_json::from_str(&metadata[i]).unwrap_or_default();
        let domain_ok = by_id
            .get(&account[i])
            .is_some_and(|&a| email[i].ends_with(&format!("@{}", domains[a])));
        bad += usize::from(meta["account_id"] != account[i].to_string().as_str() || !domain_ok);
    }
    let uncovered = accounts
        .iter()
        .filter(|a| per_account.get(a) != Some(&1))
        .count();
    Ok(vec![
        Check::zero(t, "every account has exactly one customer", uncovered),
        Check::zero(
            t,
            "metadata.account_id and e-mail domain match the account",
            bad,
        ),
    ])
}

pub fn price_checks(ds: &Dataset) -> Result<Vec<Check>> {
    let t = stripe_prices::TABLE;
    let keys: HashSet<String> = ds.texts(stripe_prices::LOOKUP_KEY)?.into_iter().collect();
    let missing = crate::world::TIERS
        .iter()
        .chain(crate::world::ADDONS.iter().map(|a| &a.0))
        .flat_map(|p| ["month", "year"].map(|i| format!("{p}_{i}")))
        .filter(|k| !keys.contains(k))
        .count();
    Ok(vec![Check::zero(
        t,
        "every tier and add-on has a monthly and a yearly price",
        missing,
    )])
}

pub fn subscription_checks(ds: &Dataset) -> Result<Vec<Check>> {
    let t = stripe_subscriptions::TABLE;
    let app = ds.index(app_subscriptions::SUBSCRIPTION_ID)?;
    let app_start = ds.instants(app_subscriptions::STARTED_AT)?;
    let app_trial = ds.timestamps(app_subscriptions::TRIAL_END)?;
    let app_end = ds.timestamps(app_subscriptions::ENDED_AT)?;
    let app_status = ds.texts(app_subscriptions::STATUS)?;
    let link = ds.i64s(stripe_subscriptions::APP_SUBSCRIPTION_ID)?;
    let start = ds.instants(stripe_subscriptions::START_DATE)?;
    let trial = ds.timestamps(stripe_subscriptions::TRIAL_END)?;
    let ended = ds.timestamps(stripe_subscriptions::ENDED_AT)?;
    let status = ds.texts(stripe_subscriptions::STATUS)?;
    let anchor = ds.instants(stripe_subscriptions::BILLING_CYCLE_ANCHOR)?;
    let interval = ds.texts(stripe_subscriptions::RECURRING_INTERVAL)?;
    let period_start = ds.instants(stripe_subscriptions::CURRENT_PERIOD_START)?;
    let mut seen = vec![0u32; app_start.len()];
    let (mut misaligned, mut off_cycle) = (0, 0);
    for i in 0..link.len() {
        let Some(&a) = app.get(&link[i]) else {
            continue;
        };
        seen[a] += 1;
        misaligned += usize::from(
            start[i] != app_start[a]
                || trial[i] != app_trial[a]
                || ended[i] != app_end[a]
                || status[i] != app_status[a],
        );
        // The current period starts a whole number of intervals after the anchor (within the
        // history: five years before the anchor and two after).
        let step = if interval[i] == "year" { 12 } else { 1 };
        let on_cycle = period_start[i] == start[i] && trial[i].is_some()
            || (0..=(12 * 8)).any(|k| time::add_months(anchor[i], k * step) == period_start[i]);
        off_cycle += usize::from(!on_cycle);
    }
    let unmirrored = seen.iter().filter(|&&n| n != 1).count();
    // Involuntary churn: the share of churned basic (SMB) subscriptions lost to failed payments,
    // and the dunning trail of each: its last invoice marked uncollectible after failed attempts.
    let app_tier = ds.texts(app_subscriptions::PLAN_TIER)?;
    let app_reason = ds.strings(app_subscriptions::END_REASON)?;
    let id = ds.texts(stripe_subscriptions::ID)?;
    let cancel = ds.strings(stripe_subscriptions::CANCELLATION_REASON)?;
    let (mut smb_churned, mut smb_failed) = (0usize, 0usize);
    let mut failed_subs: HashMap<&str, usize> = HashMap::new();
    let mut past_due_subs: HashSet<&str> = HashSet::new();
    for i in 0..link.len() {
        let failed = cancel[i].as_deref() == Some("payment_failed");
        if failed {
            failed_subs.insert(id[i].as_str(), i);
        }
        if status[i] == "past_due" {
            past_due_subs.insert(id[i].as_str());
        }
        let Some(&a) = app.get(&link[i]) else {
            continue;
        };
        if app_reason[a].as_deref() == Some("churn") && app_tier[a] == "basic" {
            smb_churned += 1;
            smb_failed += usize::from(failed);
        }
    }
    let inv_sub = ds.strings(stripe_invoices::SUBSCRIPTION_ID)?;
    let inv_status = ds.texts(stripe_invoices::STATUS)?;
    let inv_created = ds.instants(stripe_invoices::CREATED)?;
    let mut last_invoice: HashMap<&str, usize> = HashMap::new();
    for (k, s) in inv_sub.iter().enumerate() {
        let Some(s) = s
            .as_deref()
            .filter(|s| failed_subs.contains_key(s) || past_due_subs.contains(s))
        else {
            continue;
        };
        let e = last_invoice.entry(s).or_insert(k);
        if inv_created[k] > inv_created[*e] {
            *e = k;
        }
    }
    let no_dunning = last_invoice
        .iter()
        .filter(|(s, k)| failed_subs.contains_key(*s) && inv_status[**k] != "uncollectible")
        .count();
    // Stripe marks a subscription past_due while its latest invoice is unpaid after a failed
    // attempt: no past_due subscription without an open or uncollectible invoice.
    let past_due_without_debt = past_due_subs
        .iter()
        .filter(|s| {
            last_invoice
                .get(*s)
                .is_none_or(|&k| !matches!(inv_status[k].as_str(), "open" | "uncollectible"))
        })
        .count();
    let share = smb_failed as f64 / smb_churned.max(1) as f64;
    let (lo, hi) = targets::INVOLUNTARY_SMB_CHURN;
    Ok(vec![
        Check::new(
            t,
            "involuntary churn: share of churned basic subscriptions lost to failed payments",
            format!("{:.0}–{:.0} %", lo * 100.0, hi * 100.0),
            format!("{:.1} % ({smb_failed} of {smb_churned})", share * 100.0),
            (lo..=hi).contains(&share),
        )
        .unless_too_few(
            smb_churned >= 100,
            format!("{smb_churned} churned basic subscriptions"),
        ),
        Check::zero(
            t,
            "payment_failed cancellations end after an uncollectible last invoice",
            no_dunning,
        ),
        Check::zero(
            t,
            "past_due subscriptions owe their latest invoice",
            past_due_without_debt,
        ),
        Check::zero(
            t,
            "every app subscription mirrored exactly once",
            unmirrored,
        ),
        Check::zero(
            t,
            "start, trial, end and status align with the app subscription",
            misaligned,
        ),
        Check::zero(t, "current period starts on the billing cycle", off_cycle),
    ])
}

pub fn item_checks(ds: &Dataset) -> Result<Vec<Check>> {
    let t = stripe_subscription_items::TABLE;
    let prices = ds.text_index(stripe_prices::ID)?;
    let amount = ds.i64s(stripe_prices::UNIT_AMOUNT)?;
    let price_interval = ds.texts(stripe_prices::RECURRING_INTERVAL)?;
    let subs = ds.text_index(stripe_subscriptions::ID)?;
    let app_link = ds.i64s(stripe_subscriptions::APP_SUBSCRIPTION_ID)?;
    let app = ds.index(app_subscriptions::SUBSCRIPTION_ID)?;
    let app_mrr = ds.cents(app_subscriptions::MRR)?;
    let sub = ds.texts(stripe_subscription_items::SUBSCRIPTION_ID)?;
    let price = ds.texts(stripe_subscription_items::PRICE_ID)?;
    let qty = ds.i32s(stripe_subscription_items::QUANTITY)?;
    let mut monthly = vec![0i64; app_link.len()];
    let mut items = vec![0u32; app_link.len()];
    for i in 0..sub.len() {
        let (Some(&s), Some(&p)) = (subs.get(&sub[i]), prices.get(&price[i])) else {
            continue;
        };
        let per_month = if price_interval[p] == "year" {
            amount[p] / 12
        } else {
            amount[p]
        };
        monthly[s] += per_month * i64::from(qty[i]);
        items[s] += 1;
    }
    let without = items.iter().filter(|&&n| n == 0).count();
    let mismatch = (0..app_link.len())
        .filter(|&s| {
            app.get(&app_link[s])
                .is_none_or(|&a| app_mrr[a] != monthly[s])
        })
        .count();
    Ok(vec![
        Check::zero(t, "every subscription has items", without),
        Check::zero(
            t,
            "monthly value of the items equals the app subscription's MRR",
            mismatch,
        ),
    ])
}

pub fn invoice_checks(ds: &Dataset) -> Result<Vec<Check>> {
    let t = stripe_invoices::TABLE;
    let sub_index = ds.text_index(stripe_subscriptions::ID)?;
    let anchor = ds.instants(stripe_subscriptions::BILLING_CYCLE_ANCHOR)?;
    let ended = ds.timestamps(stripe_subscriptions::ENDED_AT)?;
    let interval = ds.texts(stripe_subscriptions::RECURRING_INTERVAL)?;
    let sub = ds.strings(stripe_invoices::SUBSCRIPTION_ID)?;
    let created = ds.instants(stripe_invoices::CREATED)?;
    let period_start = ds.instants(stripe_invoices::PERIOD_START)?;
    let status = ds.texts(stripe_invoices::STATUS)?;
    let (due, paid, remaining) = (
        ds.i64s(stripe_invoices::AMOUNT_DUE)?,
        ds.i64s(stripe_invoices::AMOUNT_PAID)?,
        ds.i64s(stripe_invoices::AMOUNT_REMAINING)?,
    );
    let billing_start = created.iter().copied().min().unwrap_or(i64::MAX);
    let mut invoiced: HashSet<(usize, i64)> = HashSet::new();
    let (mut in_trial, mut duplicate, mut bad_amounts) = (0, 0, 0);
    for i in 0..created.len() {
        bad_amounts += usize::from(
            due[i] != paid[i] + remaining[i] && status[i] != "void"
                || (status[i] == "paid") != (paid[i] == due[i] && due[i] > 0),
        );
        let Some(s) = sub[i].as_ref().and_then(|s| sub_index.get(s)) else {
            continue;
        };
        in_trial += usize::from(period_start[i] < anchor[*s]);
        duplicate += usize::from(!invoiced.insert((*s, period_start[i])));
    }
    // Every billing period that starts after the billing start has exactly one invoice.
    let mut missing = 0;
    let mut expected = 0;
    for s in 0..anchor.len() {
        let stop = ended[s].unwrap_or(ds.end_ts);
        let step = if interval[s] == "year" { 12 } else { 1 };
        let mut k = 0;
        loop {
            let p = time::add_months(anchor[s], k * step);
            if p >= stop {
                break;
            }
            if p >= billing_start {
                expected += 1;
                missing += usize::from(!invoiced.contains(&(s, p)));
            }
            k += 1;
        }
    }
    let extra = invoiced.len().saturating_sub(expected - missing);
    let paid_share =
        status.iter().filter(|s| *s == "paid").count() as f64 / status.len().max(1) as f64;
    let target = targets::INVOICES_PAID;
    let tol = 0.02 + 3.0 * (target * (1.0 - target) / status.len().max(1) as f64).sqrt();
    // Late payments: paid invoices whose payment arrived after the due date.
    let due_date = ds.timestamps(stripe_invoices::DUE_DATE)?;
    let paid_at = ds.timestamps(stripe_invoices::PAID_AT)?;
    let (mut paid_n, mut late) = (0usize, 0usize);
    for (p, d) in paid_at.iter().zip(&due_date) {
        if let (Some(p), Some(d)) = (p, d) {
            paid_n += 1;
            late += usize::from(p > d);
        }
    }
    let late_share = late as f64 / paid_n.max(1) as f64;
    let (late_lo, late_hi) = targets::LATE_PAYMENTS;
    Ok(vec![
        Check::new(
            t,
            "late payments: share of paid invoices paid after their due date",
            format!("{:.0}–{:.0} %", late_lo * 100.0, late_hi * 100.0),
            format!("{:.1} % ({late} of {paid_n})", late_share * 100.0),
            (late_lo..=late_hi).contains(&late_share),
        )
        .unless_too_few(paid_n >= 500, format!("{paid_n} paid invoices")),
        Check::zero(
            t,
            "every billing period after the billing start has an invoice",
            missing,
        ),
        Check::zero(
            t,
            "no invoice outside a billing period or duplicated",
            extra + duplicate,
        ),
        Check::zero(t, "no invoice during a trial", in_trial),
        Check::zero(
            t,
            "amount_due = paid + remaining; paid means fully paid",
            bad_amounts,
        ),
        Check::new(
            t,
            "~95 % of invoices paid",
            format!("{target:.2}±{tol:.3}"),
            format!("{paid_share:.3}"),
            (paid_share - target).abs() <= tol,
        )
        .unless_too_few(tol < 1.0 - target, format!("{} invoices", status.len())),
    ])
}

pub fn charge_checks(ds: &Dataset) -> Result<Vec<Check>> {
    let t = stripe_charges::TABLE;
    let invoices = ds.text_index(stripe_invoices::ID)?;
    let paid = ds.i64s(stripe_invoices::AMOUNT_PAID)?;
    let created_inv = ds.instants(stripe_invoices::CREATED)?;
    let invoice = ds.texts(stripe_charges::INVOICE_ID)?;
    let amount = ds.i64s(stripe_charges::AMOUNT)?;
    let status = ds.texts(stripe_charges::STATUS)?;
    let code = ds.strings(stripe_charges::FAILURE_CODE)?;
    let created = ds.instants(stripe_charges::CREATED)?;
    let mut succeeded = vec![0i64; paid.len()];
    let (mut bad_failure, mut early) = (0, 0);
    for i in 0..invoice.len() {
        let Some(&v) = invoices.get(&invoice[i]) else {
            continue;
        };
        if status[i] == "succeeded" {
            succeeded[v] += amount[i];
        }
        bad_failure += usize::from((status[i] == "failed") != code[i].is_some());
        early += usize::from(created[i] < created_inv[v] || created[i] >= ds.end_ts);
    }
    // Out-of-band payments are paid without a card charge.
    let oob = ds.texts(stripe_invoices::COLLECTION_METHOD)?;
    let mismatch = (0..paid.len())
        .filter(|&v| {
            oob[v] == "charge_automatically" && succeeded[v] != paid[v]
                || oob[v] == "send_invoice" && succeeded[v] != 0
        })
        .count();
    Ok(vec![
        Check::zero(
            t,
            "succeeded charges total the invoice's amount_paid",
            mismatch,
        ),
        Check::zero(
            t,
            "failed charges carry a failure code, succeeded ones none",
            bad_failure,
        ),
        Check::zero(
            t,
            "charged after the invoice was created, before the as-of date",
            early,
        ),
    ])
}

pub fn event_checks(ds: &Dataset) -> Result<Vec<Check>> {
    let t = stripe_events::TABLE;
    // Each object: its creation instant and whether its creation event was seen.
    let mut objects: HashMap<&str, HashMap<String, (i64, bool)>> = HashMap::new();
    for (kind, id, created) in [
        ("customer", stripe_customers::ID, stripe_customers::CREATED),
        (
            "subscription",
            stripe_subscriptions::ID,
            stripe_subscriptions::CREATED,
        ),
        ("invoice", stripe_invoices::ID, stripe_invoices::CREATED),
        ("charge", stripe_charges::ID, stripe_charges::CREATED),
    ] {
        let ids = ds.texts(id)?;
        let times = ds.instants(created)?;
        objects.insert(
            kind,
            ids.into_iter()
                .zip(times.into_iter().map(|t| (t, false)))
                .collect(),
        );
    }
    let paid_at: HashMap<String, Option<i64>> = ds
        .texts(stripe_invoices::ID)?
        .into_iter()
        .zip(ds.timestamps(stripe_invoices::PAID_AT)?)
        .collect();
    let (mut dangling, mut before_object, mut wrong_time) = (0, 0, 0);
    let mut out_of_order = 0;
    let mut last_per_customer: HashMap<String, i64> = HashMap::new();
    // Streamed in file order (the per-customer order is checked in it): at production size the
    // events' text columns are too big to hold whole.
    let cols = [
        stripe_events::TYPE,
        stripe_events::CREATED,
        stripe_events::OBJECT_TYPE,
        stripe_events::OBJECT_ID,
        stripe_events::CUSTOMER_ID,
    ];
    ds.scan(&cols, |b| {
        let col = |c: crate::schema::Col| {
            b.schema()
                .index_of(c.name)
                .map(|i| b.column(i).clone())
                .map_err(|_| crate::error::Error::Invalid(format!("{c} missing from a batch")))
        };
        let kind = col(stripe_events::TYPE)?;
        let kind = kind.as_string::<i32>();
        let created = col(stripe_events::CREATED)?;
        let created = created.as_primitive::<TimestampMicrosecondType>().values();
        let object_type = col(stripe_events::OBJECT_TYPE)?;
        let object_type = object_type.as_string::<i32>();
        let object_id = col(stripe_events::OBJECT_ID)?;
        let object_id = object_id.as_string::<i32>();
        let customer = col(stripe_events::CUSTOMER_ID)?;
        let customer = customer.as_string::<i32>();
        for i in 0..b.num_rows() {
            let (k, oid) = (kind.value(i), object_id.value(i));
            match objects
                .get_mut(object_type.value(i))
                .and_then(|m| m.get_mut(oid))
            {
                None => dangling += 1,
                Some((born, seen)) => {
                    let born = *born;
                    *seen |= matches!(
                        k,
                        "customer.created"
                            | "customer.subscription.created"
                            | "invoice.created"
                            | "charge.succeeded"
                            | "charge.failed"
                    );
                    // Every event follows its object's creation (a renewal notice names its
                    // subscription: the upcoming invoice has no id yet).
                    before_object += usize::from(created[i] < born);
                    let exact = match k {
                        "charge.failed"
                        | "charge.succeeded"
                        | "customer.created"
                        | "customer.subscription.created"
                        | "invoice.created"
                        | "invoice.finalized" => Some(born),
                        "invoice.paid" | "invoice.payment_succeeded" => {
                            paid_at.get(oid).copied().flatten()
                        }
                        _ => None,
                    };
                    wrong_time += usize::from(exact.is_some_and(|e| e != created[i]));
                }
            }
            let c = customer.value(i);
            let last = match last_per_customer.get_mut(c) {
                Some(l) => l,
                None => last_per_customer.entry(c.to_string()).or_insert(i64::MIN),
            };
            out_of_order += usize::from(created[i] < *last);
            *last = created[i];
            wrong_time += usize::from(created[i] >= ds.end_ts);
        }
        Ok(())
    })?;
    let silent: usize = objects
        .values()
        .map(|m| m.values().filter(|(_, seen)| !seen).count())
        .sum();
    Ok(vec![
        Check::zero(t, "every event's object exists", dangling),
        Check::zero(
            t,
            "every customer, subscription, invoice and charge has its creation event",
            silent,
        ),
        Check::zero(t, "events are chronological per customer", out_of_order),
        Check::zero(t, "no event before its object was created", before_object),
        Check::zero(
            t,
            "created equals the change it records, before the as-of date",
            wrong_time,
        ),
    ])
}
