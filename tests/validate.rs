//! `datagen validate` passes on generated data and fails, naming the check, on broken copies.

mod common;

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{Array, RecordBatch};
use arrow::datatypes::TimestampMicrosecondType;
use common::*;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use tempfile::tempdir;

/// Rewrites one shard with `edit` applied to its first batch, and updates the manifest so the
/// checksum still matches: only the content rules can catch the damage.
pub fn tamper(dir: &Path, table: &str, edit: impl Fn(RecordBatch) -> RecordBatch) {
    tamper_shard(dir, table, 0, edit)
}

/// `tamper` on the given shard of a table.
pub fn tamper_shard(
    dir: &Path,
    table: &str,
    shard: usize,
    edit: impl Fn(RecordBatch) -> RecordBatch,
) {
    let rel = format!("{table}/part-{shard:05}.parquet");
    let path = dir.join(&rel);
    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(&path).unwrap())
        .unwrap()
        .build()
        .unwrap();
    let mut batches: Vec<RecordBatch> = reader.map(|b| b.unwrap()).collect();
    for b in batches.iter_mut() {
        *b = edit(b.clone());
    }
    let mut w =
        ArrowWriter::try_new(File::create(&path).unwrap(), batches[0].schema(), None).unwrap();
    for b in &batches {
        w.write(b).unwrap();
    }
    w.close().unwrap();
    let mpath = dir.join("manifest.json");
    let mut m = manifest(dir);
    let hash = datagen::output::sha256_file(&path).unwrap();
    for t in m["tables"].as_array_mut().unwrap() {
        for s in t["shards"].as_array_mut().unwrap() {
            if s["path"] == rel.as_str() {
                s["sha256"] = hash.clone().into();
                s["bytes"] = std::fs::metadata(&path).unwrap().len().into();
            }
        }
    }
    std::fs::write(mpath, serde_json::to_string_pretty(&m).unwrap()).unwrap();
}

/// Rewrites every value of a primitive column as `f(row, old)`, keeping its type (and time
/// zone) and its nulls.
pub fn edit<T: arrow::datatypes::ArrowPrimitiveType>(
    b: RecordBatch,
    column: &str,
    f: impl Fn(usize, T::Native) -> T::Native,
) -> RecordBatch {
    let idx = b.schema().index_of(column).unwrap();
    let old = b
        .column(idx)
        .as_any()
        .downcast_ref::<arrow::array::PrimitiveArray<T>>()
        .unwrap()
        .clone();
    let values: arrow::buffer::ScalarBuffer<T::Native> = old
        .values()
        .iter()
        .enumerate()
        .map(|(i, v)| f(i, *v))
        .collect();
    // Nulls stay null.
    let new = arrow::array::PrimitiveArray::<T>::new(values, old.nulls().cloned())
        .with_data_type(old.data_type().clone());
    set_column(b, column, Arc::new(new))
}

pub fn set_i64(batch: RecordBatch, column: &str, row: usize, value: i64) -> RecordBatch {
    edit::<arrow::datatypes::Int64Type>(batch, column, |i, v| if i == row { value } else { v })
}

pub fn validate_fails_with(dir: &Path, check: &str) {
    let o = datagen(&["validate", dir.to_str().unwrap()]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        !o.status.success(),
        "validate should fail on the broken copy for: {check}"
    );
    let line = out
        .lines()
        .find(|l| l.contains(check))
        .unwrap_or_else(|| panic!("no check '{check}' in:\n{out}"));
    assert!(line.ends_with("FAIL"), "{line}");
}

#[test]
fn validate_passes_on_generated_data() {
    let dir = tempdir().unwrap();
    generate(dir.path(), &["--accounts", "1000"]);
    let o = datagen(&["validate", dir.path().to_str().unwrap()]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("0 failed"), "{out}");
}

#[test]
fn dangling_account_id_fails_the_reference_check() {
    let dir = tempdir().unwrap();
    generate(dir.path(), &[]);
    tamper(dir.path(), "app_users", |b| {
        set_i64(b, "account_id", 3, 999_999)
    });
    validate_fails_with(
        dir.path(),
        "app_users: account_id references app_accounts.account_id",
    );
}

#[test]
fn device_installed_before_its_location_fails() {
    let dir = tempdir().unwrap();
    generate(dir.path(), &[]);
    tamper(dir.path(), "app_devices", |b| {
        edit::<TimestampMicrosecondType>(b, "installed_at", |i, v| if i == 0 { 0 } else { v })
    });
    validate_fails_with(
        dir.path(),
        "app_devices: installed after its location was created",
    );
}

fn set_column(batch: RecordBatch, column: &str, array: arrow::array::ArrayRef) -> RecordBatch {
    let idx = batch.schema().index_of(column).unwrap();
    let mut cols = batch.columns().to_vec();
    cols[idx] = array;
    RecordBatch::try_new(batch.schema(), cols).unwrap()
}

#[test]
fn pour_after_last_seen_fails_the_activity_checks() {
    let dir = tempdir().unwrap();
    generate(dir.path(), &["--accounts", "20"]);
    tamper(dir.path(), "iot_tap_events", |b| {
        edit::<TimestampMicrosecondType>(b, "poured_at", |i, v| {
            v + if i == 5 { 400 * 86_400_000_000 } else { 0 }
        })
    });
    validate_fails_with(
        dir.path(),
        "iot_tap_events: pours inside the device's installed, reporting span",
    );
}

#[test]
fn health_pour_count_off_by_one_fails() {
    let dir = tempdir().unwrap();
    generate(dir.path(), &["--accounts", "20"]);
    tamper(dir.path(), "iot_device_health", |b| {
        edit::<arrow::datatypes::Int32Type>(b, "pour_count", |i, v| v + i32::from(i == 10))
    });
    validate_fails_with(
        dir.path(),
        "iot_device_health: pour_count per device equals its tap events",
    );
}

#[test]
fn flat_hourly_pattern_fails_the_peak_check() {
    let dir = tempdir().unwrap();
    generate(dir.path(), &["--accounts", "20"]);
    // Move every pour to 09:00 UTC (small hours in the US).
    for shard in 0..4 {
        tamper_shard(dir.path(), "iot_tap_events", shard, move_to_nine);
    }
    validate_fails_with(
        dir.path(),
        "iot_tap_events: busiest 4 local hours inside 18:00–22:00",
    );
}

fn move_to_nine(b: RecordBatch) -> RecordBatch {
    let day = 86_400_000_000i64;
    edit::<TimestampMicrosecondType>(b, "poured_at", |_, t| {
        t.div_euclid(day) * day + 9 * 3_600_000_000
    })
}

#[test]
fn corrupt_shard_fails_the_checksum_check() {
    let dir = tempdir().unwrap();
    generate(dir.path(), &[]);
    let p = dir.path().join("app_locations/part-00000.parquet");
    let mut bytes = std::fs::read(&p).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&p, bytes).unwrap();
    validate_fails_with(dir.path(), "app_locations: shards match manifest checksums");
}

#[test]
fn page_count_mismatch_fails_the_total_check() {
    let dir = tempdir().unwrap();
    generate(dir.path(), &["--accounts", "20"]);
    tamper(dir.path(), "app_user_sessions", |b| {
        edit::<arrow::datatypes::Int32Type>(b, "page_count", |i, v| v + i32::from(i == 7))
    });
    validate_fails_with(
        dir.path(),
        "app_page_views: page views per session equal the session's page_count",
    );
}

#[test]
fn enterprise_feature_on_basic_fails_the_tier_check() {
    let dir = tempdir().unwrap();
    generate(dir.path(), &["--accounts", "20"]);
    // Rename every use to an Enterprise-only feature: basic and pro accounts now use it too.
    tamper(dir.path(), "app_feature_usage", |b| {
        let n = b.num_rows();
        let names =
            arrow::array::StringArray::from_iter_values(std::iter::repeat_n("api_access", n));
        set_column(b, "feature_name", Arc::new(names))
    });
    validate_fails_with(
        dir.path(),
        "app_feature_usage: feature included in the account's tier at that moment",
    );
}

#[test]
fn session_after_churn_fails_the_churn_check() {
    let dir = tempdir().unwrap();
    generate(dir.path(), &["--accounts", "20"]);
    // Every account churned an hour after signing up: their sessions come after the churn.
    tamper(dir.path(), "app_accounts", |b| {
        let created = b.column(b.schema().index_of("created_at").unwrap()).clone();
        set_column(b, "churned_at", created)
    });
    validate_fails_with(
        dir.path(),
        "app_user_sessions: no session after the account churned",
    );
}

/// Replaces one value of a text column.
fn set_text(b: RecordBatch, column: &str, row: usize, value: &str) -> RecordBatch {
    let idx = b.schema().index_of(column).unwrap();
    let old = b
        .column(idx)
        .as_any()
        .downcast_ref::<arrow::array::StringArray>()
        .unwrap()
        .clone();
    let new: arrow::array::StringArray = (0..old.len())
        .map(|i| {
            if old.is_null(i) {
                None
            } else {
                Some(if i == row { value } else { old.value(i) })
            }
        })
        .collect();
    set_column(b, column, Arc::new(new))
}

/// Adds `delta` to one value of an Int64 or timestamp column.
fn shift(b: RecordBatch, column: &str, row: usize, delta: i64) -> RecordBatch {
    let add = move |i: usize, v: i64| v + if i == row { delta } else { 0 };
    match b.schema().field_with_name(column).unwrap().data_type() {
        arrow::datatypes::DataType::Int64 => edit::<arrow::datatypes::Int64Type>(b, column, add),
        _ => edit::<TimestampMicrosecondType>(b, column, add),
    }
}

const DAY: i64 = 86_400_000_000;

/// Each Stripe rule fails on a copy broken in the way it guards against.
#[test]
fn stripe_checks_fail_on_broken_copies() {
    let base = tempdir().unwrap();
    generate(base.path(), &["--accounts", "60"]);
    type Break = Box<dyn Fn(&Path)>;
    let cases: Vec<(&str, Break)> = vec![
        (
            "stripe_customers: every account has exactly one customer",
            Box::new(|d: &Path| tamper(d, "stripe_customers", |b| set_i64(b, "account_id", 1, 1))),
        ),
        (
            "stripe_prices: every tier and add-on has a monthly and a yearly price",
            Box::new(|d: &Path| {
                tamper(d, "stripe_prices", |b| {
                    set_text(b, "lookup_key", 3, "pro_week")
                })
            }),
        ),
        (
            "stripe_subscriptions: start, trial, end and status align with the app subscription",
            Box::new(|d: &Path| {
                tamper(d, "stripe_subscriptions", |b| {
                    shift(b, "start_date", 4, DAY)
                })
            }),
        ),
        (
            "stripe_subscription_items: monthly value of the items equals the app subscription's MRR",
            Box::new(|d: &Path| {
                tamper(d, "stripe_subscription_items", |b| {
                    edit::<arrow::datatypes::Int32Type>(b, "quantity", |i, v| v + i32::from(i == 2))
                })
            }),
        ),
        (
            "stripe_invoices: every billing period after the billing start has an invoice",
            Box::new(|d: &Path| {
                tamper(d, "stripe_invoices", |b| {
                    let row = (0..b.num_rows())
                        .rev()
                        .find(|&i| !b.column(3).is_null(i))
                        .unwrap();
                    shift(b, "period_start", row, 3 * DAY)
                })
            }),
        ),
        (
            "stripe_charges: succeeded charges total the invoice's amount_paid",
            Box::new(|d: &Path| tamper(d, "stripe_charges", |b| shift(b, "amount", 0, 100))),
        ),
        (
            "stripe_events: every event's object exists",
            Box::new(|d: &Path| {
                tamper(d, "stripe_events", |b| {
                    set_text(b, "object_id", 5, "in_doesnotexist00")
                })
            }),
        ),
        (
            "stripe_events: events are chronological per customer",
            Box::new(|d: &Path| {
                tamper(d, "stripe_events", |b| shift(b, "created", 20, 2_000 * DAY))
            }),
        ),
    ];
    for (check, break_it) in cases {
        let copy = tempdir().unwrap();
        copy_into(base.path(), copy.path());
        break_it(copy.path());
        validate_fails_with(copy.path(), check);
    }
}

/// The whole qa Stripe set, written and validated.
#[test]
fn qa_stripe_set_is_exact_and_valid() {
    let dir = tempdir().unwrap();
    let tables = "app_accounts,app_locations,app_devices,app_users,app_subscriptions,stripe_customers,stripe_prices,\
                  stripe_subscriptions,stripe_subscription_items,stripe_invoices,stripe_charges,stripe_events";
    generate(dir.path(), &["--profile", "qa", "--tables", tables]);
    let o = datagen(&["validate", dir.path().to_str().unwrap()]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}");
    for (t, n) in [
        ("stripe_invoices", "150000"),
        ("stripe_charges", "142500"),
        ("stripe_events", "1000000"),
    ] {
        let line = out
            .lines()
            .find(|l| l.starts_with(&format!("{t}: exact row count")))
            .unwrap();
        assert!(line.contains(&format!("| {n} |")), "{line}");
    }
}

/// Each HubSpot, marketing and analytics rule fails on a copy broken in the way it guards against.
#[test]
fn crm_and_marketing_checks_fail_on_broken_copies() {
    let base = tempdir().unwrap();
    generate(base.path(), &["--accounts", "60"]);
    type Break = Box<dyn Fn(&Path)>;
    let cases: Vec<(&str, Break)> = vec![
        (
            "hubspot_companies: every account is exactly one customer company",
            Box::new(|d: &Path| tamper(d, "hubspot_companies", |b| set_i64(b, "account_id", 0, 2))),
        ),
        (
            "hubspot_contacts: e-mail on the company's domain",
            Box::new(|d: &Path| {
                tamper(d, "hubspot_contacts", |b| {
                    set_text(b, "property_email", 0, "someone@elsewhere.example")
                })
            }),
        ),
        (
            "hubspot_deals: pipeline integrity: stage, probability and close date agree",
            Box::new(|d: &Path| {
                tamper(d, "hubspot_deals", |b| {
                    edit::<arrow::datatypes::Float64Type>(
                        b,
                        "property_hs_deal_stage_probability",
                        |i, v| if i == 0 { 0.33 } else { v },
                    )
                })
            }),
        ),
        (
            "hubspot_engagements: engagements inside their deal's life",
            Box::new(|d: &Path| {
                tamper(d, "hubspot_engagements", |b| {
                    shift(b, "timestamp", 0, -3_000 * DAY)
                })
            }),
        ),
        (
            "hubspot_tickets: lifecycle: created < first reply < closed, stage agrees",
            Box::new(|d: &Path| {
                tamper(d, "hubspot_tickets", |b| {
                    shift(b, "property_createdate", 0, 3_000 * DAY)
                })
            }),
        ),
        (
            "marketing_campaign_performance: no row outside the campaign's dates",
            Box::new(|d: &Path| {
                tamper(d, "marketing_campaign_performance", |b| {
                    edit::<arrow::datatypes::Date32Type>(b, "date", |i, v| {
                        v - i32::from(i == 0) * 5_000
                    })
                })
            }),
        ),
        (
            "marketing_attribution_touchpoints: attribution weights of each conversion sum to exactly 1",
            Box::new(|d: &Path| {
                tamper(d, "marketing_attribution_touchpoints", |b| {
                    edit::<arrow::datatypes::Float64Type>(b, "attribution_weight", |i, v| {
                        v + if i == 0 { 0.01 } else { 0.0 }
                    })
                })
            }),
        ),
        (
            "marketing_mqls: MQL criteria: score at MQL ≥ 50 and risen since creation",
            Box::new(|d: &Path| {
                tamper(d, "marketing_mqls", |b| {
                    edit::<arrow::datatypes::Int32Type>(b, "lead_score_at_mql", |i, v| {
                        if i == 0 { 12 } else { v }
                    })
                })
            }),
        ),
        (
            "ga_sessions: engaged / bounced follow GA4's definition",
            Box::new(|d: &Path| {
                tamper(d, "ga_sessions", |b| {
                    let n = b.num_rows();
                    set_column(
                        b,
                        "engaged",
                        Arc::new(arrow::array::BooleanArray::from(vec![true; n])),
                    )
                })
            }),
        ),
    ];
    for (check, break_it) in cases {
        let copy = tempdir().unwrap();
        copy_into(base.path(), copy.path());
        break_it(copy.path());
        validate_fails_with(copy.path(), check);
    }
}

/// Rewrites every value of a column as `f(row, old, other)`, where `other` is the row's value
/// of a second primitive column of the same batch (both read as i64-like natives).
fn edit_with<T: arrow::datatypes::ArrowPrimitiveType, U: arrow::datatypes::ArrowPrimitiveType>(
    b: RecordBatch,
    column: &str,
    other: &str,
    f: impl Fn(T::Native, U::Native) -> T::Native,
) -> RecordBatch {
    let o = b.column(b.schema().index_of(other).unwrap()).clone();
    let o = o
        .as_any()
        .downcast_ref::<arrow::array::PrimitiveArray<U>>()
        .unwrap()
        .clone();
    edit::<T>(b, column, |i, v| f(v, o.value(i)))
}

/// Maps every non-null value of a text column.
fn map_text(b: RecordBatch, column: &str, f: impl Fn(&str) -> String) -> RecordBatch {
    let idx = b.schema().index_of(column).unwrap();
    let old = b
        .column(idx)
        .as_any()
        .downcast_ref::<arrow::array::StringArray>()
        .unwrap()
        .clone();
    let new: arrow::array::StringArray = old.iter().map(|v| v.map(&f)).collect();
    set_column(b, column, Arc::new(new))
}

/// The realism rules: each broken the way real data goes wrong, on a dataset big enough to
/// judge them (2,000 accounts).
#[test]
fn realism_checks_fail_on_broken_copies() {
    use arrow::datatypes::{Date32Type, Decimal128Type};
    let base = tempdir().unwrap();
    generate(base.path(), &["--accounts", "2000"]);
    // The as-of end of the default settings: 2026-01-01T00:00Z.
    let end: i64 = 1_767_225_600_000_000;
    let hour = 3_600_000_000i64;
    type Break = Box<dyn Fn(&Path)>;
    let cases: Vec<(&str, Break)> = vec![
        (
            // Older periods priced higher: accounts contract instead of expanding.
            "app_subscriptions: MRR expansion: net revenue retention by tier",
            Box::new(move |d: &Path| {
                tamper(d, "app_subscriptions", |b| {
                    edit_with::<Decimal128Type, TimestampMicrosecondType>(
                        b,
                        "mrr",
                        "started_at",
                        |m, s| {
                            if s < end - 365 * DAY { m * 5 / 4 } else { m }
                        },
                    )
                })
            }),
        ),
        (
            "stripe_subscriptions: involuntary churn: share of churned basic subscriptions lost to failed payments",
            Box::new(|d: &Path| {
                tamper(d, "stripe_subscriptions", |b| {
                    map_text(b, "cancellation_reason", |_| {
                        "cancellation_requested".into()
                    })
                })
            }),
        ),
        (
            "stripe_subscriptions: payment_failed cancellations end after an uncollectible last invoice",
            Box::new(|d: &Path| {
                tamper(d, "stripe_invoices", |b| {
                    map_text(b, "status", |s| {
                        if s == "uncollectible" {
                            "paid".into()
                        } else {
                            s.into()
                        }
                    })
                })
            }),
        ),
        (
            // MQLs crowded into recent years: the funnel outgrows the business.
            "marketing_mqls: MQLs and deals grow in line with new accounts",
            Box::new(move |d: &Path| {
                tamper(d, "marketing_mqls", |b| {
                    edit::<TimestampMicrosecondType>(b, "became_mql_at", |_, t| end - (end - t) / 3)
                })
            }),
        ),
        (
            "marketing_mqls: became_mql_at and became_sql_at carry a time of day",
            Box::new(move |d: &Path| {
                tamper(d, "marketing_mqls", |b| {
                    edit::<TimestampMicrosecondType>(b, "became_mql_at", |_, t| {
                        t - t.rem_euclid(hour)
                    })
                })
            }),
        ),
        (
            "hubspot_deals: create and close dates carry a time of day",
            Box::new(|d: &Path| {
                tamper(d, "hubspot_deals", |b| {
                    edit::<TimestampMicrosecondType>(b, "property_createdate", |_, t| {
                        t - t.rem_euclid(DAY)
                    })
                })
            }),
        ),
        (
            // Early years overspent: spend per new account no longer steady.
            "marketing_campaign_performance: yearly spend per new account steady (spend tracks growth)",
            Box::new(move |d: &Path| {
                tamper(d, "marketing_campaign_performance", |b| {
                    edit_with::<Decimal128Type, Date32Type>(b, "spend", "date", |s, day| {
                        if i64::from(day) * DAY < end - 3 * 365 * DAY {
                            s * 3
                        } else {
                            s
                        }
                    })
                })
            }),
        ),
        (
            "marketing_campaign_performance: B2B seasonality: weekend spend below weekdays",
            Box::new(|d: &Path| {
                tamper(d, "marketing_campaign_performance", |b| {
                    // 1970-01-01 was a Thursday: days 2 and 3 mod 7 are Saturday and Sunday.
                    edit_with::<Decimal128Type, Date32Type>(b, "spend", "date", |s, day| {
                        if matches!(day.rem_euclid(7), 2 | 3) {
                            s * 2
                        } else {
                            s
                        }
                    })
                })
            }),
        ),
        (
            "marketing_campaign_performance: pacing: daily spend within the campaign's daily budget",
            Box::new(|d: &Path| {
                tamper(d, "marketing_campaign_performance", |b| {
                    edit::<Decimal128Type>(b, "spend", |i, s| if i == 7 { s * 10 } else { s })
                })
            }),
        ),
        (
            "app_user_sessions: every user who last logged in inside the activity year has that session",
            Box::new(move |d: &Path| {
                tamper(d, "app_users", |b| {
                    edit::<TimestampMicrosecondType>(b, "last_login_at", |_, t| t + 1_000_000)
                })
            }),
        ),
        (
            // Churn recorded ten weeks late: use does not fade before the recorded churn.
            "app_user_sessions: engagement fades before churn",
            Box::new(|d: &Path| {
                tamper(d, "app_accounts", |b| {
                    edit::<TimestampMicrosecondType>(b, "churned_at", |_, t| t - 70 * DAY)
                })
            }),
        ),
        (
            // Half the accounts' activity lost.
            "app_user_sessions: accounts alive 30+ days in the activity year have sessions",
            Box::new(|d: &Path| {
                tamper(d, "app_user_sessions", |b| {
                    let n = b.num_rows();
                    b.slice(0, n / 2)
                })
            }),
        ),
    ];
    for (check, break_it) in cases {
        let copy = tempdir().unwrap();
        copy_into(base.path(), copy.path());
        break_it(copy.path());
        validate_fails_with(copy.path(), check);
    }
}
