//! Connecting: the URL's `sslmode` decides TLS (disable, prefer and require encrypt without
//! verifying, as libpq does; verify-ca and verify-full check the certificate against the Mozilla
//! roots). Messages name the server by user@host:port/database, never with the password.

use std::str::FromStr;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tokio_postgres::config::SslMode;
use tokio_postgres::{Client, Config};
use tokio_postgres_rustls::MakeRustlsConnect;

pub struct Target {
    pub config: Config,
    pub verify: bool,
    /// user@host:port/database, for messages.
    pub label: String,
}

/// Parses a `postgres://` URL (or key=value string), pulling out libpq's verify modes that the
/// driver itself does not parse.
pub fn parse(url: &str) -> Result<Target> {
    let mut verify = false;
    let mut cleaned = String::with_capacity(url.len());
    if let Some((base, query)) = url.split_once('?') {
        let kept: Vec<&str> = query
            .split('&')
            .filter(|kv| match kv.strip_prefix("sslmode=") {
                Some("verify-ca" | "verify-full") => {
                    verify = true;
                    false
                }
                _ => true,
            })
            .collect();
        cleaned.push_str(base);
        if !kept.is_empty() {
            cleaned.push('?');
            cleaned.push_str(&kept.join("&"));
        }
    } else {
        cleaned.push_str(url);
    }
    let mut config = Config::from_str(&cleaned).map_err(|e| {
        anyhow::anyhow!("--database-url is not a valid PostgreSQL URL ({e}); expected postgres://user:password@host:5432/database")
    })?;
    if verify {
        config.ssl_mode(SslMode::Require);
    }
    let host = config
        .get_hosts()
        .first()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(s) => s.clone(),
            tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".into());
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let label = format!(
        "{}@{host}:{port}/{}",
        config.get_user().unwrap_or("?"),
        config.get_dbname().unwrap_or("?")
    );
    if config.get_dbname().is_none() {
        bail!(
            "--database-url names no database; add one, e.g. postgres://user@host:5432/saas_platform_dev"
        );
    }
    Ok(Target {
        config,
        verify,
        label,
    })
}

#[derive(Debug)]
struct AcceptAnyCert(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn tls(verify: bool) -> Result<MakeRustlsConnect> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .context("TLS setup")?;
    let config = if verify {
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        builder.with_root_certificates(roots).with_no_client_auth()
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCert(provider)))
            .with_no_client_auth()
    };
    Ok(MakeRustlsConnect::new(config))
}

/// Opens a connection and drives it on the runtime.
pub async fn connect(target: &Target) -> Result<Client> {
    let (client, connection) = target
        .config
        .connect(tls(target.verify)?)
        .await
        .map_err(|e| anyhow::anyhow!("cannot connect to {}: {}", target.label, describe(&e)))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

/// The server's message where there is one (it names the problem), else the driver's.
pub fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.severity(), db.message()),
        None => {
            let mut s = e.to_string();
            let mut src = std::error::Error::source(e);
            while let Some(inner) = src {
                s.push_str(&format!(": {inner}"));
                src = inner.source();
            }
            s
        }
    }
}
