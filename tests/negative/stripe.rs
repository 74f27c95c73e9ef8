// Broken copies of the Stripe tables' rules (included by tests/negative.rs).

fn stripe_cases() -> Vec<Case> {
    vec![
        case("stripe_customers: every account has exactly one customer", false, &[
            "stripe_customers: metadata.account_id and e-mail domain match the account",
        ], |d| {
            rewrite(d, "stripe_customers", |b| edit::<Int64Type>(b, "account_id", |i, v| if i == 1 { 1 } else { v }))
        }),
        case("stripe_customers: metadata.account_id and e-mail domain match the account", false, &[], |d| {
            rewrite(d, "stripe_customers", |b| edit_text(b, "email", |i, v| if i == 0 { "billing@elsewhere.example".into() } else { v.into() }))
        }),
        case("stripe_prices: every tier and add-on has a monthly and a yearly price", false, &[], |d| {
            rewrite(d, "stripe_prices", |b| edit_text(b, "lookup_key", |i, v| if i == 3 { "pro_week".into() } else { v.into() }))
        }),
        case("stripe_subscriptions: involuntary churn: share of churned basic subscriptions lost to failed payments", true, &[], |d| {
            rewrite(d, "stripe_subscriptions", |b| edit_text(b, "cancellation_reason", |_, _| "cancellation_requested".into()))
        }),
        case("stripe_subscriptions: payment_failed cancellations end after an uncollectible last invoice", false, &[], |d| {
            rewrite(d, "stripe_invoices", |b| edit_text(b, "status", |_, v| if v == "uncollectible" { "void".into() } else { v.into() }))
        }),
        case("stripe_subscriptions: past_due subscriptions owe their latest invoice", false, &[], |d| {
            // Subscriptions marked past_due (in both systems) whose invoices are all settled.
            rewrite(d, "app_subscriptions", |b| {
                let id = other::<Int64Type>(&b, "subscription_id");
                edit_text(b, "status", move |i, v| if v == "active" && id[i] % 7 == 0 { "past_due".into() } else { v.into() })
            });
            rewrite(d, "stripe_subscriptions", |b| {
                let id = other::<Int64Type>(&b, "app_subscription_id");
                edit_text(b, "status", move |i, v| if v == "active" && id[i] % 7 == 0 { "past_due".into() } else { v.into() })
            })
        }),
        case("stripe_subscriptions: every app subscription mirrored exactly once", false, &[
            "stripe_subscription_items: monthly value of the items equals the app subscription's MRR",
            "stripe_subscriptions: start, trial, end and status align with the app subscription",
        ], |d| {
            rewrite(d, "stripe_subscriptions", |b| edit::<Int64Type>(b, "app_subscription_id", |i, v| if i == 1 { v - 1 } else { v }))
        }),
        case("stripe_subscriptions: start, trial, end and status align with the app subscription", false, &[
            "stripe_invoices: every billing period after the billing start has an invoice",
        ], |d| {
            rewrite(d, "stripe_subscriptions", |b| edit::<Ts>(b, "ended_at", |i, v| if i < 200 { v + HOUR } else { v }))
        }),
        case("stripe_subscriptions: current period starts on the billing cycle", false, &[], |d| {
            rewrite(d, "stripe_subscriptions", |b| edit::<Ts>(b, "current_period_start", |i, v| if i == 0 { v + 5 * DAY } else { v }))
        }),
        case("stripe_subscription_items: every subscription has items", false, &[
            "stripe_subscription_items: exact row count",
            "stripe_subscription_items: monthly value of the items equals the app subscription's MRR",
        ], |d| {
            rewrite(d, "stripe_subscription_items", |b| {
                let sub = other_text(&b, "subscription_id");
                let first = sub[0].clone();
                keep_rows(b, move |_, i| sub[i] != first)
            })
        }),
        case("stripe_subscription_items: monthly value of the items equals the app subscription's MRR", false, &[], |d| {
            rewrite(d, "stripe_subscription_items", |b| edit::<Int32Type>(b, "quantity", |i, v| v + i32::from(i == 2)))
        }),
        case("stripe_invoices: late payments: share of paid invoices paid after their due date", true, &[
            "stripe_events: created equals the change it records, before the as-of date",
        ], |d| {
            // Every late transfer recorded as paid on time.
            rewrite(d, "stripe_invoices", |b| {
                let due = other::<Ts>(&b, "due_date");
                edit::<Ts>(b, "paid_at", move |i, v| v.min(due[i]))
            })
        }),
        case("stripe_invoices: every billing period after the billing start has an invoice", false, &[
            "stripe_invoices: no invoice outside a billing period or duplicated",
        ], |d| {
            rewrite(d, "stripe_invoices", |b| {
                let sub = column(&b, "subscription_id");
                let row = (0..b.num_rows()).rev().find(|&i| sub.is_valid(i)).unwrap_or(usize::MAX);
                edit::<Ts>(b, "period_start", move |i, v| if i == row { v + 3 * DAY } else { v })
            })
        }),
        case("stripe_invoices: no invoice outside a billing period or duplicated", false, &[
            "stripe_invoices: every billing period after the billing start has an invoice",
        ], |d| {
            rewrite(d, "stripe_invoices", |b| {
                let sub = column(&b, "subscription_id");
                let row = (0..b.num_rows()).find(|&i| sub.is_valid(i)).unwrap_or(usize::MAX);
                edit::<Ts>(b, "period_start", move |i, v| if i == row { v + 13 * HOUR } else { v })
            })
        }),
        case("stripe_invoices: no invoice during a trial", false, &[
            "stripe_invoices: every billing period after the billing start has an invoice",
            "stripe_invoices: no invoice outside a billing period or duplicated",
        ], |d| {
            // An invoice dated before its subscription's billing began.
            rewrite(d, "stripe_invoices", |b| {
                let sub = column(&b, "subscription_id");
                let row = (0..b.num_rows()).find(|&i| sub.is_valid(i)).unwrap_or(usize::MAX);
                edit::<Ts>(b, "period_start", move |i, v| if i == row { v - 3_000 * DAY } else { v })
            })
        }),
        case("stripe_invoices: amount_due = paid + remaining; paid means fully paid", false, &[], |d| {
            rewrite(d, "stripe_invoices", |b| edit::<Int64Type>(b, "amount_remaining", |i, v| if i == 0 { v + 100 } else { v }))
        }),
        case("stripe_invoices: ~95 % of invoices paid", true, &[
            "stripe_invoices: amount_due = paid + remaining; paid means fully paid",
        ], |d| {
            rewrite(d, "stripe_invoices", |b| edit_text(b, "status", |i, v| if v == "paid" && i % 7 == 0 { "open".into() } else { v.into() }))
        }),
        case("stripe_charges: succeeded charges total the invoice's amount_paid", false, &[], |d| {
            rewrite(d, "stripe_charges", |b| edit::<Int64Type>(b, "amount", |i, v| if i == 0 { v + 100 } else { v }))
        }),
        case("stripe_charges: failed charges carry a failure code, succeeded ones none", false, &[], |d| {
            rewrite(d, "stripe_charges", |b| {
                let status = other_text(&b, "status");
                let row = status.iter().position(|s| s == "failed").unwrap_or(usize::MAX);
                let code = column(&b, "failure_code");
                let fixed: StringArray = (0..b.num_rows())
                    .map(|i| if i == row { None } else { code.as_any().downcast_ref::<StringArray>().unwrap().iter().nth(i).flatten() })
                    .collect();
                set_column(b, "failure_code", Arc::new(fixed))
            })
        }),
        case("stripe_charges: charged after the invoice was created, before the as-of date", false, &[
            "stripe_events: created equals the change it records, before the as-of date",
        ], |d| {
            rewrite(d, "stripe_charges", |b| edit::<Ts>(b, "created", |i, v| if i == 0 { v - 40 * DAY } else { v }))
        }),
        case("stripe_events: every event's object exists", false, &[
            "stripe_events: every customer, subscription, invoice and charge has its creation event",
        ], |d| {
            rewrite(d, "stripe_events", |b| edit_text(b, "object_id", |i, v| if i == 5 { "in_doesnotexist00".into() } else { v.into() }))
        }),
        case("stripe_events: every customer, subscription, invoice and charge has its creation event", false, &[], |d| {
            rewrite(d, "stripe_events", |b| {
                let kind = other_text(&b, "type");
                let first = kind.iter().position(|k| k == "invoice.created").unwrap_or(usize::MAX);
                edit_text(b, "type", move |i, v| if i == first { "invoice.upcoming".into() } else { v.into() })
            })
        }),
        case("stripe_events: events are chronological per customer", false, &[
            "stripe_events: created equals the change it records, before the as-of date",
        ], |d| {
            rewrite(d, "stripe_events", |b| edit::<Ts>(b, "created", |i, v| if i == 20 { v + 2_000 * DAY } else { v }))
        }),
        case("stripe_events: no event before its object was created", false, &[
            "stripe_events: created equals the change it records, before the as-of date",
            "stripe_events: events are chronological per customer",
        ], |d| {
            rewrite(d, "stripe_events", |b| {
                let kind = other_text(&b, "type");
                let row = kind.iter().position(|k| k == "charge.succeeded").unwrap_or(usize::MAX);
                edit::<Ts>(b, "created", move |i, v| if i == row { v - 30 * DAY } else { v })
            })
        }),
        case("stripe_events: created equals the change it records, before the as-of date", false, &[
            "stripe_events: events are chronological per customer",
        ], |d| {
            rewrite(d, "stripe_events", |b| {
                let kind = other_text(&b, "type");
                let row = kind.iter().rposition(|k| k == "invoice.paid").unwrap_or(usize::MAX);
                edit::<Ts>(b, "created", move |i, v| if i == row { v + 1_000_000 } else { v })
            })
        }),
    ]
}
