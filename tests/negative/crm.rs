// Broken copies of the HubSpot tables' rules (included by tests/negative.rs).

fn crm_cases() -> Vec<Case> {
    vec![
        case("hubspot_companies: every account is exactly one customer company", false, &[
            "hubspot_companies: customers match their account's industry and domain",
            "hubspot_deals: won deal amount is 12 × the account's first MRR",
        ], |d| {
            rewrite(d, "hubspot_companies", |b| edit::<Int64Type>(b, "account_id", |i, v| if i == 0 { 2 } else { v }))
        }),
        case("hubspot_companies: customers match their account's industry and domain", false, &[
            "hubspot_contacts: e-mail on the company's domain",
        ], |d| {
            rewrite(d, "hubspot_companies", |b| edit_text(b, "property_domain", |i, v| if i == 0 { "elsewhere.example".into() } else { v.into() }))
        }),
        case("hubspot_companies: prospects besides customers", false, &[
            "hubspot_companies: customers match their account's industry and domain",
            "hubspot_companies: every account is exactly one customer company",
            "marketing_mqls: contact lifecycle stage follows its latest MQL and its company's deals",
        ], |d| {
            // Prospects recorded as customers' duplicates: every company linked to an account.
            rewrite(d, "hubspot_companies", |b| {
                let account = column(&b, "account_id");
                let filled: PrimitiveArray<Int64Type> = (0..b.num_rows())
                    .map(|i| Some(if account.is_valid(i) { prim::<Int64Type>(&b, "account_id").value(i) } else { 1 }))
                    .collect();
                set_column(b, "account_id", Arc::new(filled))
            })
        }),
        case("hubspot_contacts: lead scores spread, customers' contacts above prospects'", true, &[], |d| {
            rewrite(d, "hubspot_contacts", |b| edit::<Int32Type>(b, "property_hubspotscore", |_, _| 40))
        }),
        case("hubspot_contacts: every company has contacts", false, &[
            "hubspot_contacts: created after the company",
            "hubspot_contacts: e-mail on the company's domain",
            "hubspot_engagements: contact and company are the deal's",
            "marketing_mqls: qualified after the contact existed, SQL after MQL",
            "marketing_mqls: contact lifecycle stage follows its latest MQL and its company's deals",
        ], |d| {
            rewrite(d, "hubspot_contacts", |b| {
                let company = other::<Int64Type>(&b, "company_id");
                let first = company[0];
                edit::<Int64Type>(b, "company_id", move |_, v| if v == first { company[company.len() - 1] } else { v })
            })
        }),
        case("hubspot_contacts: e-mail on the company's domain", false, &[], |d| {
            rewrite(d, "hubspot_contacts", |b| edit_text(b, "property_email", |i, v| if i == 0 { "someone@elsewhere.example".into() } else { v.into() }))
        }),
        case("hubspot_contacts: created after the company", false, &[], |d| {
            rewrite(d, "hubspot_contacts", |b| edit::<Ts>(b, "property_createdate", |i, v| if i == 0 { v - 400 * DAY } else { v }))
        }),
        case("hubspot_contacts: lead score within 0–100", false, &[], |d| {
            rewrite(d, "hubspot_contacts", |b| edit::<Int32Type>(b, "property_hubspotscore", |i, v| if i == 0 { 140 } else { v }))
        }),
        case("hubspot_deals: create and close dates carry a time of day", true, &[
            "marketing_mqls: funnel consistent with deals and accounts",
        ], |d| {
            rewrite(d, "hubspot_deals", |b| edit::<Ts>(b, "property_createdate", |_, t| t - t.rem_euclid(DAY)))
        }),
        case("hubspot_deals: pipeline integrity: stage, probability and close date agree", false, &[], |d| {
            rewrite(d, "hubspot_deals", |b| edit::<Float64Type>(b, "property_hs_deal_stage_probability", |i, v| if i == 0 { 0.5 } else { v }))
        }),
        case("hubspot_deals: won deals are customers closing within 7 days before sign-up", false, &[
            "hubspot_deals: pipeline integrity: stage, probability and close date agree",
            "hubspot_engagements: engagements inside their deal's life",
        ], |d| {
            rewrite(d, "hubspot_deals", |b| {
                let stage = other_text(&b, "property_dealstage");
                edit::<Ts>(b, "property_closedate", move |i, v| if stage[i] == "closedwon" && i % 5 == 0 { v - 30 * DAY } else { v })
            })
        }),
        case("hubspot_deals: ~25 % of closed deals won", true, &[
            "hubspot_deals: pipeline integrity: stage, probability and close date agree",
            "hubspot_deals: won deals are customers closing within 7 days before sign-up",
            "hubspot_deals: won deal amount is 12 × the account's first MRR",
            "marketing_mqls: funnel consistent with deals and accounts",
        ], |d| {
            rewrite(d, "hubspot_deals", |b| {
                edit_text(b, "property_dealstage", |i, v| if v == "closedlost" && i % 2 == 0 { "closedwon".into() } else { v.into() })
            })
        }),
        case("hubspot_deals: won deal amount is 12 × the account's first MRR", false, &[], |d| {
            // A won deal carrying a later plan's value: a fifth more.
            rewrite(d, "hubspot_deals", |b| {
                let stage = other_text(&b, "property_dealstage");
                edit::<Decimal128Type>(b, "property_amount", move |i, v| if stage[i] == "closedwon" && i % 3 == 0 { v * 6 / 5 } else { v })
            })
        }),
        case("hubspot_deals: deal value rises with company size", true, &[], |d| {
            rewrite(d, "hubspot_companies", |b| edit::<Int32Type>(b, "property_numberofemployees", |_, v| 505 - v.clamp(5, 500)))
        }),
        case("hubspot_engagements: engagements inside their deal's life", false, &[], |d| {
            rewrite(d, "hubspot_engagements", |b| edit::<Ts>(b, "timestamp", |i, v| if i == 0 { v - 900 * DAY } else { v }))
        }),
        case("hubspot_engagements: contact and company are the deal's", false, &[], |d| {
            rewrite(d, "hubspot_engagements", |b| edit::<Int64Type>(b, "company_id", |i, v| if i == 0 { v + 1 } else { v }))
        }),
        case("hubspot_engagements: more engagements on won deals than lost", true, &["hubspot_engagements: exact row count"], |d| {
            // Most engagements of won deals lost from the export.
            let won = ids_where(d, "hubspot_deals", "id", "property_dealstage", "closedwon");
            rewrite(d, "hubspot_engagements", move |b| {
                let deal = other::<Int64Type>(&b, "deal_id");
                keep_rows(b, |_, i| !(won.contains(&deal[i]) && i % 4 != 0))
            })
        }),
        case("hubspot_tickets: resolution time falls with priority", true, &[], |d| {
            rewrite(d, "hubspot_tickets", |b| {
                edit_text(b, "property_hs_ticket_priority", |_, v| match v {
                    "LOW" => "URGENT".into(),
                    "URGENT" => "LOW".into(),
                    o => o.into(),
                })
            })
        }),
        case("hubspot_tickets: lifecycle: created < first reply < closed, stage agrees", false, &[], |d| {
            rewrite(d, "hubspot_tickets", |b| edit::<Ts>(b, "property_createdate", |i, v| if i == 0 { v + 400 * DAY } else { v }))
        }),
        case("hubspot_tickets: tickets belong to customer companies", false, &[], |d| {
            let prospect = first_prospect(d);
            rewrite(d, "hubspot_tickets", move |b| {
                edit::<Int64Type>(b, "company_id", move |i, v| if i == 0 { prospect } else { v })
            })
        }),
        case("hubspot_tickets: more tickets where devices have poor uptime", true, &[
            "app_devices: status mix (devices of live accounts)",
            "app_devices: status agrees with last contact (online iff seen in the last hour)",
            "iot_device_health: errors rise before maintenance",
            "iot_device_health: status on the as-of day agrees with app_devices.status",
        ], |d| {
            // Device health recorded as perfect everywhere: the app statuses say otherwise.
            rewrite(d, "app_devices", |b| edit_text(b, "status", |_, v| if v == "online" { "maintenance".into() } else { "online".into() }))
        }),
    ]
}

/// Every batch of every shard of `table`.
fn batches(d: &Path, table: &str) -> Vec<RecordBatch> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(d.join(table)).unwrap() {
        let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(e.unwrap().path()).unwrap())
            .unwrap()
            .build()
            .unwrap();
        out.extend(reader.map(|b| b.unwrap()));
    }
    out
}

/// The id of a prospect (a company without an account).
fn first_prospect(d: &Path) -> i64 {
    for b in batches(d, "hubspot_companies") {
        let account = column(&b, "account_id");
        let id = prim::<Int64Type>(&b, "id");
        if let Some(i) = (0..b.num_rows()).find(|&i| !account.is_valid(i)) {
            return id.value(i);
        }
    }
    panic!("no prospect")
}

/// Ids of `table` whose text column `column` equals `value`.
fn ids_where(d: &Path, table: &str, id: &str, column: &str, value: &str) -> std::collections::HashSet<i64> {
    let mut out = std::collections::HashSet::new();
    for b in batches(d, table) {
        let ids = prim::<Int64Type>(&b, id);
        let vals = text(&b, column);
        out.extend((0..b.num_rows()).filter(|&i| vals.value(i) == value).map(|i| ids.value(i)));
    }
    out
}
