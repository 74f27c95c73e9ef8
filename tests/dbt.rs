//! Files derived from the table declarations stay in sync with them: the dbt project's sources
//! and staging models, and the README's table list.

use datagen::docs;

const REFRESH: &str = "run `cargo run --release -- derive` and commit";

#[test]
fn committed_dbt_project_matches_the_declarations() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("dbt/models/staging");
    let schemas = docs::schemas();
    let sources = std::fs::read_to_string(root.join("sources.yml")).unwrap();
    assert_eq!(sources, datagen::dbt::sources_yml(&schemas), "{REFRESH}");
    for t in &schemas {
        let model = std::fs::read_to_string(root.join(format!("stg_{}.sql", t.name)))
            .unwrap_or_else(|_| panic!("no staging model for {}: {REFRESH}", t.name));
        assert_eq!(model, datagen::dbt::staging_model(t), "{REFRESH}");
    }
    let stale = docs::stale_models(&root).unwrap();
    assert!(
        stale.is_empty(),
        "staging models of undeclared tables {stale:?}: {REFRESH}"
    );
}

#[test]
fn committed_readme_table_list_matches_the_declarations() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    let fresh = docs::replace_block(&readme, &docs::readme_tables()).unwrap();
    assert!(
        readme == fresh,
        "the README's table list is stale: {REFRESH}"
    );
}

#[test]
fn sources_declare_the_tests_the_manifest_implies() {
    let schemas = docs::schemas();
    let y = datagen::dbt::sources_yml(&schemas);
    assert!(y.contains("loaded_at_field: _loaded_at"));
    assert!(y.contains("to: source('raw', 'app_accounts')\n                    field: account_id"));
    assert!(y.contains(r#"values: ["online", "offline", "maintenance"]"#));
    let unique = y.matches("- unique").count();
    assert_eq!(unique, schemas.len(), "one unique test per primary key");
}
