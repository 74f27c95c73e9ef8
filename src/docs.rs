//! Files derived from the table declarations: the README's table list (between two markers) and
//! the dbt project's sources and staging models. `datagen derive` rewrites them; a test fails when
//! a committed copy is stale.

use std::fmt::Write;
use std::path::Path;

use crate::dbt;
use crate::error::{Error, IoContext, Result};
use crate::output::thousands;
use crate::plans::Plans;
use crate::profile::{NAMED, Profile};
use crate::registry;
use crate::schema::TableSchema;
use crate::world::{Config, World};

pub const README_BEGIN: &str =
    "<!-- tables: derived from the table declarations by `datagen derive`; do not edit -->";
pub const README_END: &str = "<!-- end of tables -->";

/// Rows of every registered table in a profile at the default seed and as-of date, built the way
/// `generate` builds them (no files written).
pub fn planned_rows(profile: &Profile) -> Vec<u64> {
    planned_rows_at(profile, None).expect("the anchor is inside the history")
}

/// Rows of every registered table in a profile cut at `as_of` (default: the anchor), at the
/// default seed and anchor; an as-of date outside the history is an error naming its range.
pub fn planned_rows_at(profile: &Profile, as_of: Option<i64>) -> Result<Vec<u64>> {
    let counts = registry::counts(profile);
    let mut cfg = Config::at_anchor(profile.clone());
    cfg.as_of = as_of.unwrap_or(cfg.anchor);
    cfg.check_horizon()?;
    let history = World::history(&cfg, &counts);
    history.check_as_of()?;
    let world = history.cut(cfg.as_of);
    let plans = Plans::build(&world);
    Ok(registry::all()
        .iter()
        .map(|e| e.table.shard_rows(&world, &plans).iter().sum())
        .collect())
}

/// The README's table list: every table in load order with its description, key, references
/// and exact rows per named profile.
pub fn readme_tables() -> String {
    let rows: Vec<Vec<u64>> = NAMED.iter().map(planned_rows).collect();
    let mut s = String::new();
    s.push_str(
        "| table | rows dev | rows qa | rows production | key | references | description |\n",
    );
    s.push_str("|---|---:|---:|---:|---|---|---|\n");
    for (i, e) in registry::all().iter().enumerate() {
        let t = e.table.schema();
        let refs: Vec<String> = t
            .foreign_keys
            .iter()
            .map(|f| format!("{} → {}", f.column, f.table))
            .collect();
        let derived = if t.size == crate::profile::Size::Derived {
            " ¹"
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "| `{}` | {}{derived} | {}{derived} | {}{derived} | {} | {} | {} |",
            t.name,
            thousands(rows[0][i]),
            thousands(rows[1][i]),
            thousands(rows[2][i]),
            t.primary_key,
            refs.join(", "),
            t.description
        );
    }
    s.push_str(
        "\n¹ follows from the devices (one row per device per local day inside the tap window): \
         the default seed and as-of date; `datagen profiles` prints it for any size.\n",
    );
    s
}

/// `text` with the block between the README markers replaced by `block`.
pub fn replace_block(text: &str, block: &str) -> Result<String> {
    let (Some(b), Some(e)) = (text.find(README_BEGIN), text.find(README_END)) else {
        return Err(Error::Invalid(format!(
            "the README has no derived-tables markers ({README_BEGIN} … {README_END})"
        )));
    };
    let start = b + README_BEGIN.len();
    Ok(format!("{}\n{}{}", &text[..start], block, &text[e..]))
}

/// Every schema, in load order.
pub fn schemas() -> Vec<&'static TableSchema> {
    registry::all().iter().map(|e| e.table.schema()).collect()
}

/// Writes the dbt sources and one staging model per table into `dbt_dir/models/staging`.
pub fn write_dbt_project(dbt_dir: &Path) -> Result<usize> {
    let staging = dbt_dir.join("models").join("staging");
    std::fs::create_dir_all(&staging).at(&staging)?;
    let schemas = schemas();
    let path = staging.join("sources.yml");
    std::fs::write(&path, dbt::sources_yml(&schemas)).at(&path)?;
    for t in &schemas {
        let path = staging.join(format!("stg_{}.sql", t.name));
        std::fs::write(&path, dbt::staging_model(t)).at(&path)?;
    }
    // Staging models of tables no longer declared would fail `dbt build`: remove them.
    for stale in stale_models(&staging)? {
        std::fs::remove_file(&stale).at(&stale)?;
    }
    Ok(schemas.len())
}

/// Staging models in `staging` whose table is not declared.
pub fn stale_models(staging: &Path) -> Result<Vec<std::path::PathBuf>> {
    let declared: Vec<String> = schemas()
        .iter()
        .map(|t| format!("stg_{}.sql", t.name))
        .collect();
    let mut stale = Vec::new();
    for e in std::fs::read_dir(staging).at(staging)? {
        let path = e.at(staging)?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with("stg_") && name.ends_with(".sql") && !declared.iter().any(|d| d == name)
        {
            stale.push(path);
        }
    }
    stale.sort();
    Ok(stale)
}

/// Rewrites every derived file under the repository root `root`.
pub fn derive(root: &Path) -> Result<()> {
    write_dbt_project(&root.join("dbt"))?;
    let readme = root.join("README.md");
    let text = std::fs::read_to_string(&readme).at(&readme)?;
    std::fs::write(&readme, replace_block(&text, &readme_tables())?).at(&readme)
}
