//! The dbt `sources.yml` of a dataset: every raw table and column with its description, and the
//! tests the manifest implies — unique and not_null on keys, not_null on required columns,
//! relationships on foreign keys, accepted_values on enums — plus freshness on `_loaded_at`.

use std::fmt::Write;

use crate::schema::TableSchema;

/// A YAML double-quoted scalar.
fn q(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The sources file for these tables, as source `raw` (schema from `DATAGEN_SCHEMA`, default raw).
pub fn sources_yml(tables: &[&TableSchema]) -> String {
    let mut y = String::new();
    y.push_str("# Written by `datagen dbt-sources`; regenerate rather than edit.\nversion: 2\n\nsources:\n");
    y.push_str("  - name: raw\n");
    y.push_str("    schema: \"{{ env_var('DATAGEN_SCHEMA', 'raw') }}\"\n");
    y.push_str("    description: \"Raw layer of the bar-management SaaS platform, loaded by datagen-load.\"\n");
    y.push_str("    config:\n      loaded_at_field: _loaded_at\n      freshness:\n");
    y.push_str("        warn_after: {count: 7, period: day}\n        error_after: {count: 30, period: day}\n");
    y.push_str("    tables:\n");
    for t in tables {
        let _ = writeln!(y, "      - name: {}", t.name);
        let _ = writeln!(y, "        description: {}", q(t.description));
        y.push_str("        columns:\n");
        for c in &t.columns {
            let _ = writeln!(y, "          - name: {}", c.name);
            let _ = writeln!(y, "            description: {}", q(c.description));
            let mut tests: Vec<String> = Vec::new();
            if c.name == t.primary_key {
                tests.push("unique".into());
            }
            if !c.nullable {
                tests.push("not_null".into());
            }
            if let Some(fk) = t.foreign_keys.iter().find(|f| f.column == c.name) {
                tests.push(format!(
                    "relationships:\n                  arguments:\n                    to: source('raw', '{}')\n                    field: {}",
                    fk.table, fk.references
                ));
            }
            if !c.accepted.is_empty() {
                let values: Vec<String> = c.accepted.iter().map(|v| q(v)).collect();
                tests.push(format!(
                    "accepted_values:\n                  arguments:\n                    values: [{}]",
                    values.join(", ")
                ));
            }
            if !tests.is_empty() {
                y.push_str("            data_tests:\n");
                for test in tests {
                    let _ = writeln!(y, "              - {test}");
                }
            }
        }
    }
    y
}

/// A staging model selecting every column of a raw table.
pub fn staging_model(t: &TableSchema) -> String {
    let cols: Vec<String> = t
        .columns
        .iter()
        .map(|c| format!("    {}", c.name))
        .collect();
    format!(
        "-- Staging model over raw.{name}: one row per {pk}.\nselect\n{cols},\n    _loaded_at\nfrom {{{{ source('raw', '{name}') }}}}\n",
        name = t.name,
        pk = t.primary_key,
        cols = cols.join(",\n")
    )
}
