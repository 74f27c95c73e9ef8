//! `datagen report`: complete (every table, column and foreign key in the page, the Markdown and
//! the JSON, and a check that notices one missing), self-contained, and clear on bad input.
//! Figures are recomputed independently by tests/python/check_report.py; the page is opened in a
//! real browser by tests/python/check_report_browser.py (both run by scripts/test.sh).

use std::path::Path;

use datagen::generate::{Options, run};
use datagen::manifest::Manifest;
use datagen::output::{Compression, Format};
use datagen::profile::Profile;
use datagen::report;
use datagen::world::Config;
use tempfile::tempdir;

fn generate(out: &Path) {
    run(&Options {
        cfg: Config::at_anchor(Profile::Custom(30)),
        out: out.to_path_buf(),
        format: Format::Parquet,
        compression: Compression::Zstd,
        tables: None,
        threads: None,
        shard: None,
        overwrite: true,
        progress: false,
    })
    .unwrap();
}

/// Every table, column and foreign key of the manifest that a rendering does not mention.
fn missing(m: &Manifest, html: &str, md: &str, json: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    let tables = json["tables"].as_array().unwrap();
    for t in &m.tables {
        let jt = tables.iter().find(|x| x["name"] == t.name.as_str());
        if !html.contains(&format!("id=\"t-{}\"", t.name)) {
            out.push(format!("page: table {}", t.name));
        }
        if !md.contains(&format!("### {}\n", t.name)) {
            out.push(format!("catalog: table {}", t.name));
        }
        let Some(jt) = jt else {
            out.push(format!("summary: table {}", t.name));
            continue;
        };
        for c in &t.columns {
            let code = format!("<code>{}</code>", c.name);
            // The column's row sits inside its table's section of the page.
            let section = html
                .split(&format!("id=\"t-{}\"", t.name))
                .nth(1)
                .and_then(|rest| rest.split("</details>").next())
                .unwrap_or("");
            if !section.contains(&code) {
                out.push(format!("page: column {}.{}", t.name, c.name));
            }
            let md_section = md
                .split(&format!("### {}\n", t.name))
                .nth(1)
                .and_then(|rest| rest.split("\n### ").next())
                .unwrap_or("");
            if !md_section.contains(&format!("| `{}` |", c.name)) {
                out.push(format!("catalog: column {}.{}", t.name, c.name));
            }
            if !jt["columns"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["name"] == c.name.as_str())
            {
                out.push(format!("summary: column {}.{}", t.name, c.name));
            }
        }
        for f in &t.foreign_keys {
            let fk = format!(
                "{} → {}.{}",
                f.column, f.references_table, f.references_column
            );
            let rel = format!("{}.{}", t.name, f.column);
            if !html.contains(&fk) || !html.contains(&format!("<td>{rel}</td>")) {
                out.push(format!("page: foreign key {rel}"));
            }
            if !md.contains(&fk) || !md.contains(&format!("| {rel} |")) {
                out.push(format!("catalog: foreign key {rel}"));
            }
            let in_json = json["relationships"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["child"] == t.name.as_str() && r["column"] == f.column.as_str());
            if !in_json {
                out.push(format!("summary: foreign key {rel}"));
            }
        }
    }
    out
}

#[test]
fn the_report_names_every_table_column_and_foreign_key_and_notices_a_missing_one() {
    let dir = tempdir().unwrap();
    generate(dir.path());
    let out = dir.path().join("report");
    let opts = report::Options {
        dataset: dir.path().to_path_buf(),
        out: out.clone(),
        validate: true,
    };
    let summary = report::run(&opts, &|_| {}).unwrap();
    let m = Manifest::read(dir.path()).unwrap();
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    let md = std::fs::read_to_string(out.join("catalog.md")).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(missing(&m, &html, &md, &json), Vec::<String>::new());
    // Self-contained: nothing fetched from anywhere.
    for needle in ["http://", "https://", "<script src", "<link "] {
        let hits: Vec<&str> = html
            .match_indices(needle)
            .map(|(i, _)| &html[i..(i + 60).min(html.len())])
            .filter(|s| !s.starts_with("http://www.w3.org/2000/svg"))
            .collect();
        assert!(hits.is_empty(), "the page reaches out: {hits:?}");
    }
    let v = summary.validation.as_ref().unwrap();
    assert_eq!(v.failed, 0, "validation failed on a fresh dataset");
    assert!(v.passed > 100);

    // A summary that lost a column, a table and a relationship: each is noticed.
    let mut json2 = json.clone();
    json2["tables"][0]["columns"]
        .as_array_mut()
        .unwrap()
        .remove(1);
    json2["relationships"].as_array_mut().unwrap().remove(0);
    let dropped_table = json2["tables"].as_array_mut().unwrap().remove(3);
    let html2 = html.replace(&format!("<code>{}</code>", m.tables[0].columns[1].name), "");
    let md2 = md.replace(&format!("### {}\n", m.tables[5].name), "");
    let gaps = missing(&m, &html2, &md2, &json2);
    let want = [
        format!(
            "summary: column {}.{}",
            m.tables[0].name, m.tables[0].columns[1].name
        ),
        format!(
            "page: column {}.{}",
            m.tables[0].name, m.tables[0].columns[1].name
        ),
        format!("summary: table {}", dropped_table["name"].as_str().unwrap()),
        format!("catalog: table {}", m.tables[5].name),
    ];
    for w in &want {
        assert!(gaps.contains(w), "{w} not noticed in {gaps:?}");
    }
    assert!(
        gaps.iter().any(|g| g.starts_with("summary: foreign key")),
        "{gaps:?}"
    );
}

#[test]
fn values_from_the_data_are_escaped_in_the_page() {
    let dir = tempdir().unwrap();
    generate(dir.path());
    let opts = report::Options {
        dataset: dir.path().to_path_buf(),
        out: dir.path().join("report"),
        validate: false,
    };
    let mut s = report::summarize(&opts, &|_| {}).unwrap();
    s.tables[0].description = "<script>alert(1)</script>".into();
    s.tables[0].columns[1].top = vec![("<img src=x onerror=alert(1)>".into(), 3)];
    let (html, _) = report::render(&s).unwrap();
    assert!(
        !html.contains("<script>alert(1)"),
        "description not escaped"
    );
    assert!(!html.contains("<img src=x"), "a value not escaped");
    assert!(html.contains("&lt;script&gt;alert(1)"));
    assert!(html.contains("Not run (report written with --no-validate)"));
}

#[test]
fn bad_input_gives_clear_errors() {
    let empty = tempdir().unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_datagen"))
        .args(["report"])
        .arg(empty.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(err.contains("manifest.json"), "{err}");
    let dir = tempdir().unwrap();
    generate(dir.path());
    std::fs::remove_file(dir.path().join("app_users/part-00000.parquet")).unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_datagen"))
        .args(["report"])
        .arg(dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success()
            && err.contains("app_users/part-00000.parquet")
            && err.contains("missing"),
        "{err}"
    );
    assert!(!dir.path().join("report/index.html").exists());
}
