//! The dbt project's sources and staging models stay in sync with the table declarations.

use datagen::table;

#[test]
fn committed_dbt_project_matches_the_declarations() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("dbt/models/staging");
    let schemas: Vec<_> = table::all().iter().map(|t| t.schema()).collect();
    let sources = std::fs::read_to_string(root.join("sources.yml")).unwrap();
    assert_eq!(
        sources,
        datagen::dbt::sources_yml(&schemas),
        "run `datagen dbt-project dbt` and commit"
    );
    for t in &schemas {
        let model = std::fs::read_to_string(root.join(format!("stg_{}.sql", t.name)))
            .unwrap_or_else(|_| {
                panic!(
                    "no staging model for {}: run `datagen dbt-project dbt`",
                    t.name
                )
            });
        assert_eq!(model, datagen::dbt::staging_model(t));
    }
}

#[test]
fn sources_declare_the_tests_the_manifest_implies() {
    let schemas: Vec<_> = table::all().iter().map(|t| t.schema()).collect();
    let y = datagen::dbt::sources_yml(&schemas);
    assert!(y.contains("loaded_at_field: _loaded_at"));
    assert!(y.contains("to: source('raw', 'app_accounts')\n                    field: account_id"));
    assert!(y.contains(r#"values: ["online", "offline", "maintenance"]"#));
    let unique = y.matches("- unique").count();
    assert_eq!(unique, schemas.len(), "one unique test per primary key");
}
