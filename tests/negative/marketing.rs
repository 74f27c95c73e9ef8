// Broken copies of the marketing and web tables' rules (included by tests/negative.rs).

fn marketing_cases() -> Vec<Case> {
    vec![
        case_on("marketing_campaigns: channel mix", campaigns, &[], |d| {
            rewrite(d, "marketing_campaigns", |b| edit_text(b, "channel", |_, v| if v == "linkedin" { "google_ads".into() } else { v.into() }))
        }),
        case("marketing_campaigns: start ≤ end, start by the as-of date", false, &[
            "marketing_campaign_performance: one row per campaign per day it ran",
            "marketing_campaign_performance: no row outside the campaign's dates",
        ], |d| {
            rewrite(d, "marketing_campaigns", |b| edit::<Date32Type>(b, "start_date", |i, v| if i == 0 { v + 40_000 } else { v }))
        }),
        case("marketing_campaign_performance: one row per campaign per day it ran", false, &[], |d| {
            rewrite(d, "marketing_campaign_performance", |b| edit::<Date32Type>(b, "date", |i, v| if i == 1 { v - 1 } else { v }))
        }),
        case("marketing_campaign_performance: no row outside the campaign's dates", false, &[
            "marketing_campaign_performance: one row per campaign per day it ran",
        ], |d| {
            rewrite(d, "marketing_campaign_performance", |b| edit::<Date32Type>(b, "date", |i, v| if i == 0 { v - 1 } else { v }))
        }),
        case("marketing_campaign_performance: pacing: daily spend within the campaign's daily budget", false, &[], |d| {
            rewrite(d, "marketing_campaign_performance", |b| edit::<Decimal128Type>(b, "spend", |i, s| if i == 7 { s * 10 } else { s }))
        }),
        case("marketing_campaign_performance: B2B seasonality: weekend spend below weekdays", true, &[
            "marketing_campaign_performance: pacing: daily spend within the campaign's daily budget",
        ], |d| {
            // 1970-01-01 was a Thursday: days 2 and 3 mod 7 are Saturday and Sunday.
            rewrite(d, "marketing_campaign_performance", |b| {
                let day = other::<Date32Type>(&b, "date");
                edit::<Decimal128Type>(b, "spend", move |i, s| if matches!(day[i].rem_euclid(7), 2 | 3) { s * 2 } else { s })
            })
        }),
        case("marketing_campaign_performance: CTR and CPC near channel benchmarks", false, &[], |d| {
            // Clicks counted twice.
            rewrite(d, "marketing_campaign_performance", |b| edit::<Int64Type>(b, "clicks", |_, v| v * 2))
        }),
        case("marketing_campaign_performance: yearly spend per new account steady (spend tracks growth)", true, &[
            "marketing_campaign_performance: CTR and CPC near channel benchmarks",
            "marketing_campaign_performance: pacing: daily spend within the campaign's daily budget",
        ], |d| {
            // Early years overspent.
            rewrite(d, "marketing_campaign_performance", |b| {
                let day = other::<Date32Type>(&b, "date");
                edit::<Decimal128Type>(b, "spend", move |i, s| if i64::from(day[i]) * DAY < END - 3 * 365 * DAY { s * 3 } else { s })
            })
        }),
        case("marketing_mqls: MQLs and deals grow in line with new accounts", true, &[
            "marketing_mqls: qualified after the contact existed, SQL after MQL",
        ], |d| {
            // MQLs crowded into recent years: the funnel outgrows the business.
            rewrite(d, "marketing_mqls", |b| edit::<Ts>(b, "became_mql_at", |_, t| END - (END - t) / 3))
        }),
        case("marketing_mqls: became_mql_at and became_sql_at carry a time of day", true, &[], |d| {
            rewrite(d, "marketing_mqls", |b| edit::<Ts>(b, "became_sql_at", |_, t| t - t.rem_euclid(HOUR)))
        }),
        case("marketing_mqls: MQL criteria: score at MQL ≥ 50 and risen since creation", false, &[], |d| {
            rewrite(d, "marketing_mqls", |b| edit::<Int32Type>(b, "lead_score_at_mql", |i, v| if i == 0 { 20 } else { v }))
        }),
        case("marketing_mqls: qualified after the contact existed, SQL after MQL", false, &[], |d| {
            rewrite(d, "marketing_mqls", |b| {
                let sql = column(&b, "became_sql_at");
                let row = (0..b.num_rows()).find(|&i| sql.is_valid(i)).unwrap_or(usize::MAX);
                edit::<Ts>(b, "became_sql_at", move |i, v| if i == row { v - 400 * DAY } else { v })
            })
        }),
        case("marketing_mqls: contact lifecycle stage follows its latest MQL and its company's deals", false, &[], |d| {
            // The CRM never moved qualified contacts on from lead.
            rewrite(d, "hubspot_contacts", |b| {
                edit_text(b, "property_lifecyclestage", |_, v| if v.ends_with("qualifiedlead") { "lead".into() } else { v.into() })
            })
        }),
        case("marketing_mqls: funnel consistent with deals and accounts", false, &[], |d| {
            rewrite(d, "marketing_mqls", |b| {
                let deal = column(&b, "deal_id");
                edit_text(b, "status", move |i, v| if deal.is_valid(i) && v == "customer" { "mql".into() } else { v.into() })
            })
        }),
        case("marketing_mqls: MQL → SQL rate within 13–22 %", true, &[
            "marketing_mqls: contact lifecycle stage follows its latest MQL and its company's deals",
        ], |d| {
            rewrite(d, "marketing_mqls", |b| {
                let status = other_text(&b, "status");
                let at = other::<Ts>(&b, "became_mql_at");
                let sql = column(&b, "became_sql_at");
                let accepted: PrimitiveArray<Ts> = (0..b.num_rows())
                    .map(|i| {
                        if status[i] == "disqualified" && i % 2 == 0 {
                            Some(at[i] + 5 * DAY)
                        } else {
                            sql.is_valid(i).then(|| prim::<Ts>(&b, "became_sql_at").value(i))
                        }
                    })
                    .collect::<PrimitiveArray<Ts>>()
                    .with_timezone("+00:00");
                let b = set_column(b, "became_sql_at", Arc::new(accepted));
                edit_text(b, "status", move |i, v| if status[i] == "disqualified" && i % 2 == 0 { "sql".into() } else { v.into() })
            })
        }),
        case("marketing_attribution_touchpoints: attribution weights of each conversion sum to exactly 1", false, &[], |d| {
            rewrite(d, "marketing_attribution_touchpoints", |b| edit::<Float64Type>(b, "attribution_weight", |i, v| if i == 0 { v + 0.01 } else { v }))
        }),
        case("marketing_attribution_touchpoints: every MQL and sign-up has a journey", false, &[
            "marketing_attribution_touchpoints: attribution weights of each conversion sum to exactly 1",
            "marketing_attribution_touchpoints: exact row count",
            "marketing_attribution_touchpoints: touch_count equals the journey's touches",
        ], |d| {
            rewrite(d, "marketing_attribution_touchpoints", |b| {
                let conv = other_text(&b, "conversion_id");
                let first = conv[0].clone();
                keep_rows(b, move |_, i| conv[i] != first)
            })
        }),
        case("marketing_attribution_touchpoints: touch_count equals the journey's touches", false, &[], |d| {
            rewrite(d, "marketing_attribution_touchpoints", |b| edit::<Int32Type>(b, "touch_count", |_, v| v + 1))
        }),
        case("marketing_attribution_touchpoints: touches precede their conversion", false, &[], |d| {
            rewrite(d, "marketing_attribution_touchpoints", |b| edit::<Ts>(b, "touched_at", |i, v| if i == 0 { v + 400 * DAY } else { v }))
        }),
        case("marketing_attribution_touchpoints: campaign's channel is the touch's channel", false, &[], |d| {
            rewrite(d, "marketing_attribution_touchpoints", |b| {
                let campaign = column(&b, "campaign_id");
                let row = (0..b.num_rows()).find(|&i| campaign.is_valid(i)).unwrap_or(usize::MAX);
                let ch = other_text(&b, "channel");
                let other = if ch[row] == "email" { "meta" } else { "email" };
                edit_text(b, "channel", move |i, v| if i == row { other.into() } else { v.into() })
            })
        }),
        case("ga_sessions: bounce by landing page type: blog > product pages > pricing and demo", true, &[], |d| {
            rewrite(d, "ga_sessions", |b| {
                edit_text(b, "landing_page", |_, v| match v {
                    "/pricing" => "/blog/reduce-beer-waste".into(),
                    "/blog/reduce-beer-waste" => "/pricing".into(),
                    "/demo" => "/blog/tap-line-cleaning".into(),
                    "/blog/tap-line-cleaning" => "/demo".into(),
                    o => o.into(),
                })
            })
        }),
        case("ga_sessions: bounce rate near the B2B SaaS benchmark", true, &[], |d| {
            // Two sessions in five turned into five-second single-page visits (bot traffic).
            rewrite(d, "ga_sessions", |b| {
                let bot = |i: usize| i % 5 < 2;
                let b = edit::<Int32Type>(b, "pageviews", move |i, v| if bot(i) { 1 } else { v });
                let b = edit::<Int32Type>(b, "duration_s", move |i, v| if bot(i) { 5 } else { v });
                let b = edit_bool(b, "bounced", move |i, v| v || bot(i));
                edit_bool(b, "engaged", move |i, v| v && !bot(i))
            })
        }),
        case("ga_sessions: engaged-session median duration near benchmark", true, &[], |d| {
            rewrite(d, "ga_sessions", |b| edit::<Int32Type>(b, "duration_s", |_, v| if v > 10 { v * 2 } else { v }))
        }),
        case("ga_sessions: engaged / bounced follow GA4's definition", false, &[
            "ga_sessions: engaged-session median duration near benchmark",
        ], |d| {
            rewrite(d, "ga_sessions", |b| edit_bool(b, "engaged", |_, _| true))
        }),
        case("ga_sessions: channel grouping matches medium; campaigns only on paid and e-mail traffic", false, &[], |d| {
            rewrite(d, "ga_sessions", |b| edit_text(b, "medium", |i, v| if i == 0 { "carrier-pigeon".into() } else { v.into() }))
        }),
        case("ga_sessions: weekdays busier than weekends", true, &[], |d| {
            // Every session moved to a Saturday of its week.
            rewrite(d, "ga_sessions", |b| {
                edit::<Ts>(b, "session_start", |_, t| {
                    let day = t.div_euclid(DAY);
                    t + (2 - day.rem_euclid(7)).rem_euclid(7) * DAY
                })
            })
        }),
        case("ga_sessions: traffic grows over time", true, &["ga_sessions: exact row count"], |d| {
            rewrite(d, "ga_sessions", |b| keep_rows(b, |b, i| prim::<Ts>(b, "session_start").value(i) < END - 3 * 365 * DAY || i % 3 == 0))
        }),
    ]
}
