//! `datagen report DATASET`: the data catalog a person can read. One streaming pass per table
//! gathers column statistics and children-per-parent counts; the key metrics and chart series
//! come from the dataset, the world-level baselines of every environment from the world model;
//! `validate` supplies the checks. Written three ways from one [`Summary`]: `summary.json`
//! (every figure), `catalog.md` and a self-contained `index.html` with inline SVG charts.

pub mod metrics;
pub mod stats;
pub mod svg;

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use crate::check::Dataset;
use crate::error::{Error, IoContext, Result};
pub use crate::output::{human_bytes, thousands};
use crate::profile::Profile;
use crate::world::{self, Config};
use crate::{activity, hubspot, iot, marketing, registry, stripe, time, validate};

use metrics::{Baseline, Metric, Series};
use stats::{Cardinality, ColumnStats};

#[derive(Serialize, Debug)]
pub struct DatasetInfo {
    pub id: String,
    pub profile: String,
    pub accounts: u64,
    pub seed: u64,
    pub as_of: String,
    pub tap_window_days: i64,
    pub generator: String,
    pub format: String,
    pub compression: String,
    pub tables: usize,
    pub total_rows: u64,
    pub total_bytes: u64,
}

#[derive(Serialize, Debug)]
pub struct ProfileRows {
    pub table: String,
    /// None where the count is derived from generated facts (known only after generating).
    pub dev: Option<u64>,
    pub qa: Option<u64>,
    pub production: Option<u64>,
    pub this: u64,
}

#[derive(Serialize, Debug)]
pub struct TableSummary {
    pub name: String,
    pub description: String,
    pub primary_key: String,
    pub foreign_keys: Vec<String>,
    pub rows: u64,
    pub bytes: u64,
    pub shards: usize,
    /// Earliest and latest value over the table's timestamp and date columns, and the days
    /// from the latest to the as-of date.
    pub earliest: Option<String>,
    pub latest: Option<String>,
    pub days_before_as_of: Option<i64>,
    pub columns: Vec<ColumnStats>,
}

#[derive(Serialize, Debug)]
pub struct Distribution {
    pub name: String,
    /// Where the generator reads it.
    pub declared_in: String,
    pub measured_in: String,
    /// (value, declared share %, measured share %).
    pub shares: Vec<(String, f64, Option<f64>)>,
}

/// A scalar or range the generator reads, beside the measured figure.
#[derive(Serialize, Debug)]
pub struct Parameter {
    pub name: String,
    pub declared_in: String,
    pub declared: String,
    pub measured: Option<String>,
}

fn parameters(metrics: &[Metric], series: &Series) -> Vec<Parameter> {
    let m = |name: &str| {
        metrics
            .iter()
            .find(|x| x.name == name)
            .map(|x| x.display.clone())
    };
    let mut out = vec![
        Parameter {
            name: "annual churn".into(),
            declared_in: "world::ANNUAL_CHURN".into(),
            declared: format!("{:.1} %", world::ANNUAL_CHURN * 100.0),
            measured: m("logo churn, last 12 months"),
        },
        Parameter {
            name: "trial conversion".into(),
            declared_in: "world::TRIAL_CONVERSION".into(),
            declared: format!("{:.0} %", world::TRIAL_CONVERSION * 100.0),
            measured: m("trial conversion"),
        },
        Parameter {
            name: "yearly growth of new accounts".into(),
            declared_in: "world::YEARLY_GROWTH".into(),
            declared: format!("×{}", world::YEARLY_GROWTH),
            measured: m("new accounts, year-over-year"),
        },
    ];
    for (t, tier) in world::TIERS.iter().enumerate() {
        let (lo, hi) = world::TIER_MRR[t];
        out.push(Parameter {
            name: format!("MRR range {tier}"),
            declared_in: "world::TIER_MRR".into(),
            declared: format!("${lo}–${hi}"),
            measured: series
                .arpa_by_tier
                .iter()
                .find(|r| r.0 == *tier)
                .map(|r| format!("${:.0}–${:.0} (active accounts)", r.3, r.4)),
        });
    }
    out
}

#[derive(Serialize, Debug)]
pub struct CheckRow {
    pub table: String,
    pub name: String,
    pub target: String,
    pub actual: String,
    pub status: String,
}

#[derive(Serialize, Debug)]
pub struct Validation {
    pub passed: usize,
    pub failed: usize,
    pub not_applicable: usize,
    pub checks: Vec<CheckRow>,
}

#[derive(Serialize, Debug)]
pub struct Summary {
    pub dataset: DatasetInfo,
    pub rows_by_profile: Vec<ProfileRows>,
    pub tables: Vec<TableSummary>,
    pub relationships: Vec<Cardinality>,
    pub metrics: Vec<Metric>,
    pub series: Series,
    pub baselines: Vec<Baseline>,
    pub distributions: Vec<Distribution>,
    pub parameters: Vec<Parameter>,
    pub validation: Option<Validation>,
    pub simplifications: Vec<(String, String)>,
}

pub struct Options {
    pub dataset: PathBuf,
    pub out: PathBuf,
    /// Run `validate` and include its results.
    pub validate: bool,
}

/// Shares in % of each declared value, measured from a column's top values.
fn measured(tables: &[TableSummary], table: &str, column: &str, value: &str) -> Option<f64> {
    let t = tables.iter().find(|t| t.name == table)?;
    let c = t.columns.iter().find(|c| c.name == column)?;
    let valid = (c.count - c.nulls) as f64;
    if c.top.is_empty() || valid == 0.0 {
        return None;
    }
    let n = c
        .top
        .iter()
        .find(|(v, _)| v.eq_ignore_ascii_case(value))
        .map_or(0, |(_, n)| *n);
    Some(n as f64 / valid * 100.0)
}

fn distributions(tables: &[TableSummary]) -> Vec<Distribution> {
    let share = |name: &str,
                 declared_in: &str,
                 table: &str,
                 column: &str,
                 labels: &[&str],
                 shares: &[f64]| Distribution {
        name: name.into(),
        declared_in: declared_in.into(),
        measured_in: format!("{table}.{column}"),
        shares: labels
            .iter()
            .zip(shares)
            .map(|(l, s)| (l.to_string(), *s, measured(tables, table, column, l)))
            .collect(),
    };
    vec![
        share(
            "account industry",
            "world::INDUSTRY_SHARES",
            "app_accounts",
            "industry",
            &world::INDUSTRIES,
            &world::INDUSTRY_SHARES,
        ),
        share(
            "plan tier",
            "world::TIER_SHARES",
            "app_accounts",
            "plan_tier",
            &world::TIERS,
            &world::TIER_SHARES,
        ),
        share(
            "location type",
            "world::LOCATION_TYPE_SHARES",
            "app_locations",
            "location_type",
            &world::LOCATION_TYPES,
            &world::LOCATION_TYPE_SHARES,
        ),
        share(
            "user role",
            "world::ROLE_SHARES",
            "app_users",
            "role",
            &world::ROLES,
            &world::ROLE_SHARES,
        ),
        share(
            "device status",
            "world::DEVICE_STATUS_SHARES",
            "app_devices",
            "status",
            &world::DEVICE_STATUSES,
            &world::DEVICE_STATUS_SHARES,
        ),
    ]
}

/// Earliest and latest instant (microseconds) over a table's timestamp and date columns.
fn timestamp_range(t: &TableSummary) -> (Option<f64>, Option<f64>) {
    use crate::schema::ColType;
    let mut lo: Option<f64> = None;
    let mut hi: Option<f64> = None;
    for c in &t.columns {
        let (Some(min), Some(max)) = (c.min, c.max) else {
            continue;
        };
        let micros = match c.ty {
            ColType::Timestamp => 1.0,
            ColType::Date => time::MICROS_PER_DAY as f64,
            _ => continue,
        };
        let (a, b) = (min * micros, max * micros);
        lo = Some(lo.map_or(a, |l| l.min(a)));
        hi = Some(hi.map_or(b, |h| h.max(b)));
    }
    (lo, hi)
}

/// Builds the summary of a dataset on disk.
pub fn summarize(opts: &Options, say: &dyn Fn(&str)) -> Result<Summary> {
    let ds = Dataset::open(&opts.dataset)?;
    for t in &ds.manifest.tables {
        for s in &t.shards {
            if !ds.loc.exists(&s.path)? {
                return Err(Error::Invalid(format!(
                    "shard {} listed in the manifest is missing; restore it or regenerate the dataset",
                    ds.loc.describe(&s.path)
                )));
            }
        }
    }
    let m = &ds.manifest;
    let d = &m.dataset;
    let dataset = DatasetInfo {
        id: d.id.clone(),
        profile: d.profile.clone(),
        accounts: d.accounts,
        seed: d.seed,
        as_of: d.as_of.clone(),
        tap_window_days: d.tap_window_days,
        generator: m.generator.clone(),
        format: d.format.clone(),
        compression: d.compression.clone(),
        tables: m.tables.len(),
        total_rows: m.tables.iter().map(|t| t.rows).sum(),
        total_bytes: m
            .tables
            .iter()
            .flat_map(|t| &t.shards)
            .map(|s| s.bytes)
            .sum(),
    };
    let per_profile: Vec<_> = [Profile::Dev, Profile::Qa, Profile::Production]
        .iter()
        .map(registry::counts)
        .collect();
    let rows_by_profile = m
        .tables
        .iter()
        .map(|t| ProfileRows {
            table: t.name.clone(),
            dev: per_profile[0].try_get(&t.name),
            qa: per_profile[1].try_get(&t.name),
            production: per_profile[2].try_get(&t.name),
            this: t.rows,
        })
        .collect();

    let mut tables = Vec::new();
    let mut relationships = Vec::new();
    for t in &m.tables {
        let started = Instant::now();
        let (columns, fks) = stats::table_stats(&ds, t)?;
        for fk in fks {
            let parent_rows = m.table(&fk.parent).map(|p| p.rows);
            if let Some(rows) = parent_rows {
                relationships.push(fk.finish(rows));
            }
        }
        let mut summary = TableSummary {
            name: t.name.clone(),
            description: t.description.clone(),
            primary_key: t.primary_key.clone(),
            foreign_keys: t
                .foreign_keys
                .iter()
                .map(|f| {
                    format!(
                        "{} → {}.{}",
                        f.column, f.references_table, f.references_column
                    )
                })
                .collect(),
            rows: t.rows,
            bytes: t.shards.iter().map(|s| s.bytes).sum(),
            shards: t.shards.len(),
            earliest: None,
            latest: None,
            days_before_as_of: None,
            columns,
        };
        let (lo, hi) = timestamp_range(&summary);
        summary.earliest = lo.map(|v| time::format_ts(v as i64));
        summary.latest = hi.map(|v| time::format_ts(v as i64));
        summary.days_before_as_of =
            hi.map(|v| (ds.end_ts - 1 - v as i64).div_euclid(time::MICROS_PER_DAY));
        say(&format!(
            "{:<36} {:>12} rows {:>8.2} s",
            t.name,
            t.rows,
            started.elapsed().as_secs_f64()
        ));
        tables.push(summary);
    }
    let started = Instant::now();
    let (metrics, series) = metrics::dataset_metrics(&ds)?;
    say(&format!(
        "metrics and chart series {:>8.2} s",
        started.elapsed().as_secs_f64()
    ));
    let started = Instant::now();
    let cfg = Config::of_dataset(d, ds.profile.clone()).map_err(Error::Invalid)?;
    let mut envs = vec![Profile::Dev, Profile::Qa, Profile::Production];
    if !envs.contains(&ds.profile) {
        envs.push(ds.profile.clone());
    }
    let baselines = envs
        .into_iter()
        .map(|p| metrics::baseline(&cfg, p))
        .collect::<Result<_>>()?;
    say(&format!(
        "baselines of every profile {:>8.2} s",
        started.elapsed().as_secs_f64()
    ));
    let validation = if opts.validate {
        let started = Instant::now();
        let checks = validate::run(&opts.dataset)?;
        say(&format!(
            "validate: {} checks in {:.2} s",
            checks.len(),
            started.elapsed().as_secs_f64()
        ));
        let rows: Vec<CheckRow> = checks
            .into_iter()
            .map(|c| CheckRow {
                status: if !c.pass {
                    "fail"
                } else if c.actual.starts_with("n/a") {
                    "n/a"
                } else {
                    "pass"
                }
                .into(),
                table: c.table,
                name: c.name,
                target: c.target,
                actual: c.actual,
            })
            .collect();
        Some(Validation {
            passed: rows.iter().filter(|r| r.status == "pass").count(),
            failed: rows.iter().filter(|r| r.status == "fail").count(),
            not_applicable: rows.iter().filter(|r| r.status == "n/a").count(),
            checks: rows,
        })
    } else {
        None
    };
    let simplifications = [
        ("world", world::SIMPLIFICATIONS),
        ("stripe", stripe::SIMPLIFICATIONS),
        ("hubspot", hubspot::SIMPLIFICATIONS),
        ("marketing", marketing::SIMPLIFICATIONS),
        ("activity", activity::SIMPLIFICATIONS),
        ("iot", iot::SIMPLIFICATIONS),
    ]
    .iter()
    .flat_map(|(m, items)| items.iter().map(|s| (m.to_string(), s.to_string())))
    .collect();
    let distributions = distributions(&tables);
    let parameters = parameters(&metrics, &series);
    Ok(Summary {
        dataset,
        rows_by_profile,
        tables,
        relationships,
        metrics,
        series,
        baselines,
        distributions,
        parameters,
        validation,
        simplifications,
    })
}

/// The charts of the page, as (id, title, SVG).
fn charts(s: &Summary) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let se = &s.series;
    if !se.accounts_by_month.is_empty() {
        let labels: Vec<String> = se.accounts_by_month.iter().map(|r| r.0.clone()).collect();
        out.push((
            "accounts-by-month".into(),
            "Active accounts by month".into(),
            svg::line(
                "Active accounts at month end",
                &labels,
                &se.accounts_by_month
                    .iter()
                    .map(|r| r.1 as f64)
                    .collect::<Vec<_>>(),
            ),
        ));
        out.push((
            "mrr-by-month".into(),
            "MRR by month".into(),
            svg::line(
                "MRR at month end (USD, current MRR per account)",
                &labels,
                &se.accounts_by_month.iter().map(|r| r.2).collect::<Vec<_>>(),
            ),
        ));
    }
    for (id, title, d) in [
        ("tier-mix", "Plan tier mix (% of accounts)", "plan tier"),
        (
            "industry-mix",
            "Industry mix (% of accounts)",
            "account industry",
        ),
    ] {
        if let Some(dist) = s.distributions.iter().find(|x| x.name == d)
            && dist.shares.iter().all(|x| x.2.is_some())
        {
            let labels: Vec<String> = dist.shares.iter().map(|x| x.0.clone()).collect();
            out.push((
                id.into(),
                title.into(),
                svg::grouped(
                    title,
                    &labels,
                    &[
                        ("declared", dist.shares.iter().map(|x| x.1).collect()),
                        (
                            "measured",
                            dist.shares.iter().map(|x| x.2.unwrap_or(0.0)).collect(),
                        ),
                    ],
                    true,
                ),
            ));
        }
    }
    if !se.pours_by_hour.is_empty() {
        let hours: Vec<String> = (0..24).map(|h| format!("{h:02}")).collect();
        let as_f = |v: &[u64]| v.iter().map(|&x| x as f64).collect::<Vec<_>>();
        out.push((
            "pours-by-hour".into(),
            "Pours by local hour".into(),
            svg::bars("Pours by local hour", &hours, &as_f(&se.pours_by_hour)),
        ));
        let days: Vec<String> = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        out.push((
            "pours-by-weekday".into(),
            "Pours by local weekday".into(),
            svg::bars("Pours by local weekday", &days, &as_f(&se.pours_by_weekday)),
        ));
        let months: Vec<String> = se.pours_by_month.iter().map(|r| r.0.clone()).collect();
        out.push((
            "pours-by-month".into(),
            "Pours by local month".into(),
            svg::bars(
                "Pours by local month",
                &months,
                &se.pours_by_month
                    .iter()
                    .map(|r| r.1 as f64)
                    .collect::<Vec<_>>(),
            ),
        ));
    }
    if !se.spend_vs_new_accounts.is_empty() {
        let years: Vec<String> = se
            .spend_vs_new_accounts
            .iter()
            .map(|r| r.0.to_string())
            .collect();
        out.push((
            "spend-vs-new".into(),
            "Campaign spend vs new accounts by year".into(),
            svg::grouped(
                "Campaign spend (USD) vs new accounts, by year",
                &years,
                &[
                    (
                        "spend",
                        se.spend_vs_new_accounts.iter().map(|r| r.2).collect(),
                    ),
                    (
                        "new accounts",
                        se.spend_vs_new_accounts
                            .iter()
                            .map(|r| r.1 as f64)
                            .collect(),
                    ),
                ],
                false,
            ),
        ));
    }
    out
}

/// Per-relationship and per-column chart SVGs, keyed for the template.
fn relationship_chart(c: &Cardinality) -> String {
    let labels: Vec<String> = c
        .histogram
        .iter()
        .map(|(lo, hi, _)| {
            if lo == hi {
                lo.to_string()
            } else {
                format!("{lo}–{hi}")
            }
        })
        .collect();
    svg::bars(
        &format!(
            "{} per {}: parents by number of children",
            c.child, c.parent
        ),
        &labels,
        &c.histogram.iter().map(|b| b.2 as f64).collect::<Vec<_>>(),
    )
}

fn column_chart(c: &ColumnStats) -> Option<String> {
    if let Some(h) = &c.histogram {
        let width = (h.hi - h.lo) / stats::BINS as f64;
        let labels: Vec<String> = (0..stats::BINS)
            .map(|i| svg::short(h.lo + width * i as f64))
            .collect();
        let title = if h.stride > 1 {
            format!("{} (sample of every {}th row)", c.name, h.stride)
        } else {
            c.name.clone()
        };
        return Some(svg::bars(
            &title,
            &labels,
            &h.counts.iter().map(|&x| x as f64).collect::<Vec<_>>(),
        ));
    }
    (c.top.len() >= 2).then(|| {
        svg::bars(
            &format!("{}: most frequent values", c.name),
            &c.top.iter().map(|t| t.0.clone()).collect::<Vec<_>>(),
            &c.top.iter().map(|t| t.1 as f64).collect::<Vec<_>>(),
        )
    })
}

const PAGE: &str = include_str!("page.html");
const CATALOG: &str = include_str!("catalog.md");

fn environment() -> minijinja::Environment<'static> {
    let mut env = minijinja::Environment::new();
    env.add_filter("thousands", |n: u64| thousands(n));
    env.add_filter("bytes", |n: u64| human_bytes(n));
    env.add_filter("pct", |v: f64| format!("{:.1} %", v * 100.0));
    env.add_filter("num", |v: f64| {
        if v.fract() == 0.0 && v.abs() < 1e15 {
            let s = thousands(v.abs() as u64);
            if v < 0.0 { format!("-{s}") } else { s }
        } else {
            format!("{v:.3}")
        }
    });
    env.add_template("index.html", PAGE).expect("page template");
    env.add_template("catalog.md", CATALOG)
        .expect("catalog template");
    env
}

/// Renders the page and the Markdown catalog of a summary.
pub fn render(s: &Summary) -> Result<(String, String)> {
    let env = environment();
    let charts = charts(s);
    let relationship_charts: Vec<String> = s.relationships.iter().map(relationship_chart).collect();
    let column_charts: Vec<Vec<Option<String>>> = s
        .tables
        .iter()
        .map(|t| t.columns.iter().map(column_chart).collect())
        .collect();
    let ctx = minijinja::context! {
        s => s,
        charts => charts,
        relationship_charts => relationship_charts,
        column_charts => column_charts,
    };
    let render = |name: &str| {
        env.get_template(name)
            .and_then(|t| t.render(&ctx))
            .map_err(|e| Error::Invalid(format!("rendering {name}: {e:#}")))
    };
    Ok((render("index.html")?, render("catalog.md")?))
}

/// Writes `index.html`, `catalog.md` and `summary.json` into `opts.out`.
pub fn run(opts: &Options, say: &dyn Fn(&str)) -> Result<Summary> {
    let summary = summarize(opts, say)?;
    let (page, catalog) = render(&summary)?;
    std::fs::create_dir_all(&opts.out).map_err(|e| {
        Error::Invalid(format!(
            "cannot create report folder {}: {e}; choose a writable --out",
            opts.out.display()
        ))
    })?;
    let write = |name: &str, text: &str| -> Result<()> {
        let p: &Path = &opts.out.join(name);
        std::fs::write(p, text).at(p)
    };
    write("index.html", &page)?;
    write("catalog.md", &catalog)?;
    write(
        "summary.json",
        &(serde_json::to_string_pretty(&summary).expect("summary serialises") + "\n"),
    )?;
    Ok(summary)
}
