// Broken copies of the app activity tables' rules (included by tests/negative.rs).

fn activity_cases() -> Vec<Case> {
    vec![
        case("app_user_sessions: every user who last logged in inside the activity year has that session", false, &[
            "app_user_sessions: last session starts at the user's last_login_at",
        ], |d| {
            rewrite(d, "app_users", |b| edit::<Ts>(b, "last_login_at", |_, t| t + 1_000_000))
        }),
        case("app_user_sessions: no session after the account churned", false, &[
            "app_locations: created inside the account's life",
            "app_subscriptions: latest period matches the account's tier, mrr and churn",
        ], |d| {
            // Every churn recorded a month early.
            rewrite(d, "app_accounts", |b| edit::<Ts>(b, "churned_at", |_, t| t - 30 * DAY))
        }),
        case("app_user_sessions: accounts alive 30+ days in the activity year have sessions", true, &[
            "app_feature_usage: session_id references app_user_sessions.session_id",
            "app_page_views: session_id references app_user_sessions.session_id",
            "app_user_sessions: every user who last logged in inside the activity year has that session",
            "app_user_sessions: exact row count",
            "app_user_sessions: last session starts at the user's last_login_at",
        ], |d| {
            rewrite(d, "app_user_sessions", |b| {
                let n = b.num_rows();
                b.slice(0, n / 2)
            })
        }),
        case("app_user_sessions: engagement fades before churn", true, &[
            "app_locations: created inside the account's life",
            "app_subscriptions: latest period matches the account's tier, mrr and churn",
            "app_user_sessions: no session after the account churned",
        ], |d| {
            // Churn recorded ten weeks early: use does not fade before the recorded churn.
            rewrite(d, "app_accounts", |b| edit::<Ts>(b, "churned_at", |_, t| t - 70 * DAY))
        }),
        case("app_user_sessions: sessions end by the account's churn", false, &[
            "app_user_sessions: ended_at = started_at + duration, before the as-of date",
            "app_user_sessions: outliers: values inside plausible bounds",
        ], |d| {
            // Sessions of churned accounts kept open for a month.
            let churned = ids_where(d, "app_accounts", "account_id", "status", "churned");
            rewrite(d, "app_user_sessions", move |b| {
                let account = other::<Int64Type>(&b, "account_id");
                let late: Vec<bool> = account.iter().map(|a| churned.contains(a)).collect();
                let b = edit::<Ts>(b, "ended_at", |i, v| if late[i] { v + 30 * DAY } else { v });
                edit::<Int64Type>(b, "duration_s", |i, v| if late[i] { v + 30 * 86_400 } else { v })
            })
        }),
        case("app_user_sessions: sessions inside the user's life and the activity year", false, &[
            "app_user_sessions: ended_at = started_at + duration, before the as-of date",
            "app_user_sessions: every user who last logged in inside the activity year has that session",
            "app_user_sessions: last session starts at the user's last_login_at",
        ], |d| {
            rewrite(d, "app_user_sessions", |b| edit::<Ts>(b, "started_at", |i, v| if i == 1 { v - 400 * DAY } else { v }))
        }),
        case("app_user_sessions: last session starts at the user's last_login_at", false, &[
            "app_users: created after the account, last login after creation",
            "app_user_sessions: every user who last logged in inside the activity year has that session",
            "app_user_sessions: sessions inside the user's life and the activity year",
        ], |d| {
            // Last logins recorded a second early.
            rewrite(d, "app_users", |b| edit::<Ts>(b, "last_login_at", |_, t| t - 1_000_000))
        }),
        case("app_user_sessions: ended_at = started_at + duration, before the as-of date", false, &[], |d| {
            rewrite(d, "app_user_sessions", |b| edit::<Int64Type>(b, "duration_s", |i, v| if i == 0 { v + 1 } else { v }))
        }),
        case("app_user_sessions: IP geolocates to a state of the account's locations", false, &[], |d| {
            rewrite(d, "app_user_sessions", |b| edit_text(b, "geo_state", |i, v| if i == 0 { "PR".into() } else { v.into() }))
        }),
        case("app_user_sessions: sessions per user follow login frequency", true, &[
            "app_users: login frequency by role: daily share admin > manager > staff",
        ], |d| {
            rewrite(d, "app_users", |b| {
                edit_text(b, "login_frequency", |_, v| match v {
                    "daily" => "monthly".into(),
                    "monthly" => "daily".into(),
                    o => o.into(),
                })
            })
        }),
        case("app_page_views: page views per session equal the session's page_count", false, &[], |d| {
            rewrite(d, "app_user_sessions", |b| edit::<Int32Type>(b, "page_count", |i, v| if i == 0 { v + 1 } else { v }))
        }),
        case("app_page_views: one exit page per session, the last one", false, &[], |d| {
            rewrite(d, "app_page_views", |b| edit_bool(b, "is_exit", |i, v| if i == 0 { !v } else { v }))
        }),
        case("app_page_views: viewed inside the session", false, &[], |d| {
            rewrite(d, "app_page_views", |b| edit::<Ts>(b, "viewed_at", |i, v| if i == 0 { v - DAY } else { v }))
        }),
        case("app_feature_usage: feature included in the account's tier at that moment", false, &[], |d| {
            rewrite(d, "app_feature_usage", |b| {
                let tier = other_text(&b, "plan_tier");
                let row = tier.iter().position(|t| t == "basic").unwrap_or(usize::MAX);
                edit_text(b, "feature_name", move |i, v| if i == row { "api_access".into() } else { v.into() })
            })
        }),
        case("app_feature_usage: plan_tier is the subscription's tier at used_at", false, &[], |d| {
            rewrite(d, "app_feature_usage", |b| {
                edit_text(b, "plan_tier", |i, v| if i == 0 { if v == "enterprise" { "pro".into() } else { "enterprise".into() } } else { v.into() })
            })
        }),
        case("app_feature_usage: used after the feature's release", false, &[], |d| {
            rewrite(d, "app_feature_usage", |b| {
                edit_text(b, "feature_name", |_, v| if v == "demand_forecasting" { "pour_insights_ai".into() } else { v.into() })
            })
        }),
        case("app_feature_usage: used inside its session", false, &[], |d| {
            rewrite(d, "app_feature_usage", |b| edit::<Ts>(b, "used_at", |i, v| if i == 0 { v + DAY } else { v }))
        }),
        case("app_feature_usage: success / error mix", true, &[], |d| {
            rewrite(d, "app_feature_usage", |b| edit_text(b, "status", |i, v| if v == "success" && i % 10 == 0 { "error".into() } else { v.into() }))
        }),
        case("app_feature_usage: feature uses per session rise with the plan tier", false, &[
            "app_feature_usage: exact row count",
        ], |d| {
            // Half of the enterprise sessions' uses lost.
            rewrite(d, "app_feature_usage", |b| {
                let tier = other_text(&b, "plan_tier");
                keep_rows(b, move |_, i| !(tier[i] == "enterprise" && i % 2 == 0))
            })
        }),
        case("app_feature_usage: adoption of pour_insights_ai grows after release", true, &[
            "app_feature_usage: exact row count",
        ], |d| {
            // The newest feature's recent uses lost.
            rewrite(d, "app_feature_usage", |b| {
                let name = other_text(&b, "feature_name");
                let at = other::<Ts>(&b, "used_at");
                keep_rows(b, move |_, i| !(name[i] == "pour_insights_ai" && at[i] > END - 30 * DAY))
            })
        }),
    ]
}
