//! TLS against the real test server (scripts/postgres.sh runs it with ssl=on and a certificate
//! for `localhost` from a CA it makes with openssl; DATAGEN_TEST_CA names that CA's file).

mod common;

use common::*;
use datagen::output::Format;
use tempfile::tempdir;

fn ca() -> String {
    std::env::var("DATAGEN_TEST_CA").expect(
        "DATAGEN_TEST_CA must name the test server's CA certificate: run scripts/test.sh, which makes one",
    )
}

/// The test URL with another host and extra query parameters.
fn url(host: &str, query: &str) -> String {
    let base = database_url();
    let (scheme_user, rest) = base.split_once('@').unwrap();
    let (_, port_db) = rest.split_once(':').unwrap();
    let port_db = port_db.split('?').next().unwrap();
    format!("{scheme_user}@{host}:{port_db}?{query}")
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn loads_over_tls_and_refuses_certificates_it_cannot_trust() {
    let dir = tempdir().unwrap();
    generate(dir.path(), Some(10), Format::Parquet);
    let ca = ca();
    let password = database_url()
        .split_once("://")
        .unwrap()
        .1
        .split_once('@')
        .unwrap()
        .0
        .split_once(':')
        .unwrap()
        .1
        .to_string();
    // The loader's connection really is encrypted.
    assert!(encrypted(&url(
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={ca}")
    )));

    for (schema, u) in [
        ("t_tls_require", url("127.0.0.1", "sslmode=require")),
        (
            "t_tls_full",
            url(
                "localhost",
                &format!("sslmode=verify-full&sslrootcert={ca}"),
            ),
        ),
        (
            "t_tls_ca",
            url("127.0.0.1", &format!("sslmode=verify-ca&sslrootcert={ca}")),
        ),
    ] {
        drop_schema(schema);
        let o = load_with_url(dir.path(), schema, &u, &[]);
        assert!(o.status.success(), "{schema}: {}", stderr(&o));
        assert_loaded(dir.path(), schema);
        drop_schema(schema);
    }
    // verify-full without the CA: the Mozilla roots do not know it.
    let o = load_with_url(
        dir.path(),
        "t_tls_bad",
        &url("localhost", "sslmode=verify-full"),
        &[],
    );
    let err = stderr(&o);
    assert!(!o.status.success(), "an unknown CA was trusted");
    assert!(err.contains("add sslrootcert="), "{err}");
    assert!(!err.contains(&password), "password in: {err}");
    // verify-full by a name the certificate does not list.
    let o = load_with_url(
        dir.path(),
        "t_tls_bad",
        &url(
            "127.0.0.1",
            &format!("sslmode=verify-full&sslrootcert={ca}"),
        ),
        &[],
    );
    let err = stderr(&o);
    assert!(
        !o.status.success(),
        "a certificate for another host was accepted"
    );
    assert!(err.contains("not issued for this host name"), "{err}");
    assert!(!err.contains(&password), "password in: {err}");
    // A CA file that does not exist.
    let o = load_with_url(
        dir.path(),
        "t_tls_bad",
        &url(
            "localhost",
            "sslmode=verify-full&sslrootcert=/nonexistent/ca.pem",
        ),
        &[],
    );
    let err = stderr(&o);
    assert!(
        !o.status.success()
            && err.contains("sslrootcert /nonexistent/ca.pem is not a readable file"),
        "{err}"
    );
    let c = client();
    assert_eq!(
        c.i64("SELECT count(*) FROM pg_namespace WHERE nspname = 't_tls_bad'"),
        0
    );
}

/// Connects with the loader's own TLS settings; whether the server sees an encrypted session.
fn encrypted(url: &str) -> bool {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let target = datagen_load::db::parse(url).unwrap();
        let c = datagen_load::db::connect(&target).await.unwrap();
        c.query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .await
        .unwrap()
        .get(0)
    })
}
