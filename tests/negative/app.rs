// Broken copies of the app tables' rules (included by tests/negative.rs).

fn app_cases() -> Vec<Case> {
    vec![
        case("app_accounts: industry mix", true, &[
            "hubspot_companies: customers match their account's industry and domain",
        ], |d| {
            rewrite(d, "app_accounts", |b| {
                edit_text(b, "industry", |_, v| if v == "Hotel" { "Restaurant".into() } else { v.into() })
            })
        }),
        case("app_accounts: plan tier mix", true, &[
            "app_subscriptions: account employee_count inside the range of a tier it held (5–500)",
            "app_accounts: mrr inside its tier's range ($299–999 / 999–2,999 / 2,999–9,999)",
            "app_subscriptions: latest period matches the account's tier, mrr and churn",
        ], |d| {
            // Half the basic accounts recorded as pro.
            rewrite(d, "app_accounts", |b| {
                edit_text(b, "plan_tier", |i, v| if v == "basic" && i % 2 == 0 { "pro".into() } else { v.into() })
            })
        }),
        case("app_accounts: mrr inside its tier's range ($299–999 / 999–2,999 / 2,999–9,999)", false, &["app_subscriptions: latest period matches the account's tier, mrr and churn"], |d| {
            rewrite(d, "app_accounts", |b| {
                let tier = other_text(&b, "plan_tier");
                let row = tier.iter().position(|t| t == "basic").unwrap_or(usize::MAX);
                edit::<Decimal128Type>(b, "mrr", move |i, v| if i == row { 150_000 } else { v })
            })
        }),
        case("app_accounts: mrr spreads over each tier's range (largest in its upper half)", true, &[
            "app_subscriptions: latest period matches the account's tier, mrr and churn",
        ], |d| {
            // Every account priced in the lower third of its tier's range.
            rewrite(d, "app_accounts", |b| {
                let tier = other_text(&b, "plan_tier");
                edit::<Decimal128Type>(b, "mrr", move |i, v| {
                    let (lo, hi) = match tier[i].as_str() {
                        "basic" => (299, 999),
                        "pro" => (999, 2_999),
                        _ => (2_999, 9_999),
                    };
                    v.min(i128::from(lo + (hi - lo) / 3) * 100)
                })
            })
        }),
        case("app_subscriptions: account employee_count inside the range of a tier it held (5–500)", false, &[], |d| {
            rewrite(d, "app_accounts", |b| edit::<Int32Type>(b, "employee_count", |i, v| if i == 3 { 2_000 } else { v }))
        }),
        case("app_accounts: created_at inside the history (from five years before the anchor to the cut)", false, &[
            "app_subscriptions: continuity: starts at sign-up, each period ends as the next starts",
            "hubspot_deals: won deals are customers closing within 7 days before sign-up",
        ], |d| {
            rewrite(d, "app_accounts", |b| edit::<Ts>(b, "created_at", |i, v| if i == 0 { v - 6 * 365 * DAY } else { v }))
        }),
        case("app_accounts: new accounts grow ~40 % a year", true, &[
            "app_locations: created inside the account's life",
            "app_subscriptions: continuity: starts at sign-up, each period ends as the next starts",
            "app_user_sessions: engagement fades before churn",
            "app_users: created after the account, last login after creation",
            "hubspot_deals: won deals are customers closing within 7 days before sign-up",
            "marketing_campaign_performance: yearly spend per new account steady (spend tracks growth)",
            "marketing_mqls: MQLs and deals grow in line with new accounts",
        ], |d| {
            // Sign-ups spread evenly over the five years.
            rewrite(d, "app_accounts", |b| {
                let n = b.num_rows() as i64;
                let start = END - 5 * 365 * DAY;
                edit::<Ts>(b, "created_at", move |i, _| start + (i as i64) * (5 * 365 * DAY) / n)
            })
        }),
        case("app_locations: location type mix", true, &[], |d| {
            rewrite(d, "app_locations", |b| {
                edit_text(b, "location_type", |_, v| if v == "franchise" { "branch".into() } else { v.into() })
            })
        }),
        case("app_locations: city, state and ZIP agree", false, &[], |d| {
            rewrite(d, "app_locations", |b| edit_text(b, "zip_code", |i, v| if i == 2 { "00001".into() } else { v.into() }))
        }),
        case("app_locations: created inside the account's life", false, &[], |d| {
            rewrite(d, "app_locations", |b| edit::<Ts>(b, "created_at", |i, v| if i == 0 { v - 3_000 * DAY } else { v }))
        }),
        case("app_locations: 1–5 locations per account", false, &[
            "app_devices: account_id is the location's account",
            "app_locations: created inside the account's life",
            "app_user_sessions: IP geolocates to a state of the account's locations",
        ], |d| {
            // Every location moved to the first account.
            rewrite(d, "app_locations", |b| edit::<Int64Type>(b, "account_id", |_, _| 1))
        }),
        case("app_users: role mix", true, &[
            "app_users: permissions by role: one set per role, admin ⊇ manager ⊇ staff",
        ], |d| {
            // Admins recorded as staff, with staff permissions.
            rewrite(d, "app_users", |b| {
                let role = other_text(&b, "role");
                let b = edit_text(b, "role", |_, v| if v == "admin" { "staff".into() } else { v.into() });
                edit_text(b, "permissions", move |i, v| {
                    if role[i] == "admin" {
                        r#"{"billing":false,"manage_users":false,"manage_devices":false,"view_reports":false,"edit_menu":false,"pour_logs":true}"#.into()
                    } else {
                        v.into()
                    }
                })
            })
        }),
        case("app_users: email on the account's domain", false, &[], |d| {
            rewrite(d, "app_users", |b| edit_text(b, "email", |i, v| if i == 1 { "someone@example.org".into() } else { v.into() }))
        }),
        case("app_users: created after the account, last login after creation", false, &[], |d| {
            rewrite(d, "app_users", |b| edit::<Ts>(b, "created_at", |i, v| if i == 0 { v - 400 * DAY } else { v }))
        }),
        case("app_users: 2–10 users per account", false, &[
            "app_user_sessions: IP geolocates to a state of the account's locations",
            "app_user_sessions: no session after the account churned",
            "app_users: email on the account's domain",
        ], |d| {
            // Users of the second account moved to the first.
            rewrite(d, "app_users", |b| edit::<Int64Type>(b, "account_id", |_, v| if v == 2 { 1 } else { v }))
        }),
        case("app_users: users per account rise with tier", true, &[
            "app_accounts: mrr spreads over each tier's range (largest in its upper half)",
            "app_subscriptions: account employee_count inside the range of a tier it held (5–500)",
            "app_accounts: mrr inside its tier's range ($299–999 / 999–2,999 / 2,999–9,999)",
            "app_accounts: plan tier mix",
            "app_devices: devices per account rise with tier",
            "app_subscriptions: latest period matches the account's tier, mrr and churn",
        ], |d| {
            // Enterprise accounts recorded as basic and the reverse: value and team size decouple.
            rewrite(d, "app_accounts", |b| {
                edit_text(b, "plan_tier", |_, v| match v {
                    "basic" => "enterprise".into(),
                    "enterprise" => "basic".into(),
                    o => o.into(),
                })
            })
        }),
        case("app_users: login frequency by role: daily share admin > manager > staff", true, &[], |d| {
            rewrite(d, "app_users", |b| {
                let role = other_text(&b, "role");
                edit_text(b, "login_frequency", move |i, v| if role[i] == "staff" { "daily".into() } else { v.into() })
            })
        }),
        case("app_users: permissions by role: one set per role, admin ⊇ manager ⊇ staff", false, &[], |d| {
            rewrite(d, "app_users", |b| {
                let role = other_text(&b, "role");
                edit_text(b, "permissions", move |i, v| {
                    if role[i] == "staff" && i % 3 == 0 { v.replace("\"billing\":false", "\"billing\":true") } else { v.into() }
                })
            })
        }),
        case("app_devices: installed after its location was created", false, &[
            "iot_device_health: one row per device per day installed inside the window",
        ], |d| {
            rewrite(d, "app_devices", |b| edit::<Ts>(b, "installed_at", |i, v| if i == 0 { v - 3_000 * DAY } else { v }))
        }),
        case("app_devices: account_id is the location's account", false, &[], |d| {
            rewrite(d, "app_devices", |b| edit::<Int64Type>(b, "account_id", |i, v| if i == 0 { v + 1 } else { v }))
        }),
        case("app_devices: last seen after install, before the as-of date", false, &[
            "iot_tap_events: every device reporting for 30 days or more inside the window has pours",
            "iot_tap_events: no pour after its device's last contact (last_seen_at)",
            "app_devices: status agrees with last contact (online iff seen in the last hour)",
        ], |d| {
            rewrite(d, "app_devices", |b| edit::<Ts>(b, "last_seen_at", |i, v| if i == 0 { END + DAY } else { v }))
        }),
        case("app_devices: status agrees with last contact (online iff seen in the last hour)", false, &[
            "iot_device_health: status on the as-of day agrees with app_devices.status",
        ], |d| {
            // Devices reporting minutes ago listed as offline.
            rewrite(d, "app_devices", |b| edit_text(b, "status", |i, v| if v == "online" && i % 4 == 0 { "offline".into() } else { v.into() }))
        }),
        case("app_devices: 2–5 devices per location open 14+ days (devices go in over the first two weeks)", false, &[], |d| {
            rewrite(d, "app_devices", |b| edit::<Int64Type>(b, "location_id", |_, v| if v == 2 { 1 } else { v }))
        }),
        case("app_devices: status mix (devices of live accounts)", true, &[
            "iot_device_health: status on the as-of day agrees with app_devices.status",
            "app_devices: status agrees with last contact (online iff seen in the last hour)",
        ], |d| {
            rewrite(d, "app_devices", |b| edit_text(b, "status", |_, v| if v == "offline" { "online".into() } else { v.into() }))
        }),
        case("app_devices: devices per account rise with tier", true, &[
            "app_accounts: mrr spreads over each tier's range (largest in its upper half)",
            "app_subscriptions: account employee_count inside the range of a tier it held (5–500)",
            "app_accounts: mrr inside its tier's range ($299–999 / 999–2,999 / 2,999–9,999)",
            "app_accounts: plan tier mix",
            "app_subscriptions: latest period matches the account's tier, mrr and churn",
            "app_users: users per account rise with tier",
        ], |d| {
            rewrite(d, "app_accounts", |b| {
                edit_text(b, "plan_tier", |_, v| match v {
                    "pro" => "enterprise".into(),
                    "enterprise" => "pro".into(),
                    o => o.into(),
                })
            })
        }),
        case("app_subscriptions: MRR expansion: net revenue retention by tier", true, &[
            "app_subscriptions: latest period matches the account's tier, mrr and churn",
            "app_subscriptions: mrr inside its tier's range",
            "stripe_subscription_items: monthly value of the items equals the app subscription's MRR",
            "hubspot_deals: won deal amount is 12 × the account's first MRR",
        ], |d| {
            // Older periods priced higher: accounts contract instead of expanding.
            rewrite(d, "app_subscriptions", |b| {
                let started = other::<Ts>(&b, "started_at");
                edit::<Decimal128Type>(b, "mrr", move |i, m| if started[i] < END - 365 * DAY { m * 5 / 4 } else { m })
            })
        }),
        case("app_subscriptions: continuity: starts at sign-up, each period ends as the next starts", false, &[
            "stripe_subscriptions: start, trial, end and status align with the app subscription",
        ], |d| {
            rewrite(d, "app_subscriptions", |b| edit::<Ts>(b, "started_at", |i, v| if i == 0 { v + HOUR } else { v }))
        }),
        case("app_subscriptions: latest period matches the account's tier, mrr and churn", false, &[], |d| {
            rewrite(d, "app_accounts", |b| edit::<Ts>(b, "churned_at", |i, v| if i < 40 { v + DAY } else { v }))
        }),
        case("app_subscriptions: mrr inside its tier's range", false, &[
            "app_subscriptions: latest period matches the account's tier, mrr and churn",
            "stripe_subscription_items: monthly value of the items equals the app subscription's MRR",
            "hubspot_deals: won deal amount is 12 × the account's first MRR",
        ], |d| {
            rewrite(d, "app_subscriptions", |b| edit::<Decimal128Type>(b, "mrr", |i, v| if i == 0 { 10_000 } else { v }))
        }),
        case("app_subscriptions: annual churn of paying accounts ~10 %", true, &[], |d| {
            // Half the churns recorded as plan changes that never happened: churn halves.
            rewrite(d, "app_subscriptions", |b| {
                edit_text(b, "end_reason", |i, v| if v == "churn" && i % 2 == 0 { "downgrade".into() } else { v.into() })
            })
        }),
        case("app_subscriptions: trial-to-paid conversion ~70 %", true, &[], |d| {
            // Half the converted trials recorded as expired.
            rewrite(d, "app_subscriptions", |b| {
                let trial = column(&b, "trial_end");
                edit_text(b, "end_reason", move |i, v| {
                    if trial.is_valid(i) && v != "trial_expired" && i % 2 == 0 { "trial_expired".into() } else { v.into() }
                })
            })
        }),
    ]
}
