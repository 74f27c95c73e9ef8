//! The library's imports point down its layers (see `src/lib.rs`): a module never imports one
//! above it, source systems reach each other only for column names in their checks, and no two
//! modules import each other. Reads the source as text, as a reviewer would.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Layers, lowest first. A module may import modules of lower layers only.
const LAYERS: &[&[&str]] = &[
    &["error", "time", "rng", "num"],
    &["store"],
    &["profile", "allocate"],
    &["schema"],
    &["arrays", "manifest"],
    &["output", "check", "targets"],
    &["world"],
    &["plans"],
    &["table"],
    &["app", "stripe", "hubspot", "marketing", "activity", "iot"],
    &["registry"],
    &["validate", "dbt"],
    &["docs", "generate", "report"],
];

const SOURCE_SYSTEMS: &[&str] = &["app", "stripe", "hubspot", "marketing", "activity", "iot"];

fn layer(module: &str) -> usize {
    LAYERS
        .iter()
        .position(|l| l.contains(&module))
        .unwrap_or_else(|| panic!("module {module} is in no layer: add it to LAYERS and lib.rs"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every `crate::…` path in a file outside its unit tests: (first segment, full path text).
fn imports(text: &str) -> Vec<(String, String)> {
    let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text);
    let mut out = Vec::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
            .collect()
    };
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + 7..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let path = ident(item.trim());
                if let Some(first) = path.split("::").next().filter(|f| !f.is_empty()) {
                    out.push((first.to_string(), path.clone()));
                }
            }
        } else {
            let path = ident(rest);
            let first = path.split("::").next().unwrap_or("").to_string();
            out.push((first, path));
        }
    }
    out
}

#[test]
fn imports_point_down_the_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut wrong = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(&src).unwrap();
        let parts: Vec<String> = rel
            .iter()
            .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
            .collect();
        let module = parts[0].clone();
        if module == "main" || module == "lib" {
            continue;
        }
        let is_checks = parts.last().is_some_and(|p| p == "checks");
        for (to, path) in imports(&std::fs::read_to_string(f).unwrap()) {
            if to == module || to.is_empty() || to == "Error" || to == "Result" {
                continue;
            }
            edges.entry(module.clone()).or_default().insert(to.clone());
            // Targets are for judging the data: generators never read them, so generator and
            // check cannot drift together.
            let judges = matches!(module.as_str(), "validate" | "report" | "check")
                || is_checks
                || module == "app";
            if to == "targets" && !judges {
                wrong.push(format!(
                    "{}: crate::{path} (a generator reads a target)",
                    rel.display()
                ));
            }
            let both_sources =
                SOURCE_SYSTEMS.contains(&module.as_str()) && SOURCE_SYSTEMS.contains(&to.as_str());
            if both_sources {
                // Another system's column names, read by a rule: allowed; its generators never.
                let reads_columns = path.ends_with("::cols");
                let in_rules = is_checks || module == "app";
                if !(reads_columns && in_rules) {
                    wrong.push(format!(
                        "{}: crate::{path} (another source system)",
                        rel.display()
                    ));
                }
            } else if layer(&to) >= layer(&module) {
                wrong.push(format!(
                    "{}: crate::{path} (layer {} imports layer {})",
                    rel.display(),
                    layer(&module),
                    layer(&to)
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "upward imports:\n{}", wrong.join("\n"));
    // No cycle, even between source systems: depth-first search over the module graph.
    fn visit(
        m: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) {
        match state.get(m) {
            Some(2) => return,
            Some(1) => panic!("import cycle: {} -> {m}", path.join(" -> ")),
            _ => {}
        }
        state.insert(m.to_string(), 1);
        path.push(m.to_string());
        for n in edges.get(m).into_iter().flatten() {
            visit(n, edges, state, path);
        }
        path.pop();
        state.insert(m.to_string(), 2);
    }
    let mut state = BTreeMap::new();
    for m in edges.keys() {
        visit(m, &edges, &mut state, &mut Vec::new());
    }
    // The picture, for a reader running the test with --nocapture.
    for (m, to) in &edges {
        println!(
            "{m} (layer {}) imports {}",
            layer(m),
            to.iter().cloned().collect::<Vec<_>>().join(", ")
        );
    }
}

#[test]
fn the_layer_check_catches_an_upward_import() {
    let found = imports("use crate::registry;\nuse crate::{time, world::World};\n");
    let firsts: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(firsts, ["registry", "time", "world"]);
    assert!(
        layer("registry") > layer("world"),
        "world importing registry is upward"
    );
}
