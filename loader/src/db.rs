//! Connecting: the URL's `sslmode` decides TLS as in libpq (disable, prefer and require encrypt
//! without verifying; verify-ca checks the chain, verify-full the chain and the host name)
//! against `sslrootcert=FILE` or, without it, the Mozilla roots. Messages name the server by
//! user@host:port/database, never with the password.

use std::str::FromStr;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tokio_postgres::config::SslMode;
use tokio_postgres::{Client, Config};
use tokio_postgres_rustls::MakeRustlsConnect;

/// How the server's certificate is checked, as libpq's `sslmode` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verify {
    /// disable, allow, prefer, require: encrypted where the mode asks, certificate not checked.
    None,
    /// verify-ca: signed by a trusted CA, any host name.
    Ca,
    /// verify-full: signed by a trusted CA and issued for the host connected to.
    Full,
}

#[derive(Clone)]
pub struct Target {
    pub config: Config,
    pub verify: Verify,
    /// `sslrootcert`: PEM file of the CAs to trust; None trusts the Mozilla roots (as
    /// `sslrootcert=system` does in libpq).
    pub root_cert: Option<std::path::PathBuf>,
    /// user@host:port/database, for messages.
    pub label: String,
}

/// Session name every loader connection carries, so operators (and a rerun) can see them.
pub const APPLICATION_NAME: &str = "datagen-load";

/// Parses a `postgres://` URL (or a libpq key=value string), pulling out what the driver does
/// not parse itself: libpq's `verify-ca` / `verify-full` modes and `sslrootcert`.
pub fn parse(url: &str) -> Result<Target> {
    let mut verify = Verify::None;
    let mut root_cert = None;
    let mut take = |key: &str, value: &str| -> bool {
        match (key, value) {
            ("sslmode", "verify-ca") => verify = Verify::Ca,
            ("sslmode", "verify-full") => verify = Verify::Full,
            ("sslrootcert", "system") => {}
            ("sslrootcert", file) => root_cert = Some(std::path::PathBuf::from(file)),
            _ => return false,
        }
        true
    };
    let is_url = url.starts_with("postgres://") || url.starts_with("postgresql://");
    let cleaned = if is_url {
        match url.split_once('?') {
            Some((base, query)) => {
                let kept: Vec<&str> = query
                    .split('&')
                    .filter(|kv| {
                        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                        !take(k, &percent_decode(v))
                    })
                    .collect();
                if kept.is_empty() {
                    base.to_string()
                } else {
                    format!("{base}?{}", kept.join("&"))
                }
            }
            None => url.to_string(),
        }
    } else {
        url.split_whitespace()
            .filter(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                !take(k.trim(), v.trim().trim_matches('\''))
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut config = Config::from_str(&cleaned).map_err(|e| {
        anyhow::anyhow!("--database-url is not a valid PostgreSQL URL ({e}); expected postgres://user:password@host:5432/database")
    })?;
    if verify != Verify::None {
        config.ssl_mode(SslMode::Require);
    }
    if config.get_application_name().is_none() {
        config.application_name(APPLICATION_NAME);
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
    if let Some(file) = &root_cert
        && !file.is_file()
    {
        bail!(
            "sslrootcert {} is not a readable file; give the PEM file of the server's CA",
            file.display()
        );
    }
    Ok(Target {
        config,
        verify,
        root_cert,
        label,
    })
}

/// `%XX` escapes of a URL query value (a file path may hold them).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && b[i + 1].is_ascii_hexdigit()
            && b[i + 2].is_ascii_hexdigit()
        {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).expect("two hex digits"));
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
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

/// verify-ca: the chain must reach a trusted root; the host name is not compared.
#[derive(Debug)]
struct AnyName(Arc<rustls::client::WebPkiServerVerifier>);

impl ServerCertVerifier for AnyName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        use rustls::CertificateError::{NotValidForName, NotValidForNameContext};
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(
                NotValidForName | NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

fn roots(root_cert: Option<&std::path::Path>) -> Result<rustls::RootCertStore> {
    use rustls::pki_types::pem::PemObject;
    let Some(file) = root_cert else {
        return Ok(rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        });
    };
    let mut store = rustls::RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(file)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| anyhow::anyhow!("sslrootcert {}: {e}", file.display()))?;
    let (added, _) = store.add_parsable_certificates(certs);
    if added == 0 {
        bail!(
            "sslrootcert {} holds no PEM certificate; give the PEM file of the server's CA",
            file.display()
        );
    }
    Ok(store)
}

fn tls(target: &Target) -> Result<MakeRustlsConnect> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .context("TLS setup")?;
    let config = match target.verify {
        Verify::Full => builder
            .with_root_certificates(roots(target.root_cert.as_deref())?)
            .with_no_client_auth(),
        Verify::Ca => {
            let webpki = rustls::client::WebPkiServerVerifier::builder_with_provider(
                Arc::new(roots(target.root_cert.as_deref())?),
                provider,
            )
            .build()
            .context("TLS setup")?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyName(webpki)))
                .with_no_client_auth()
        }
        Verify::None => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCert(provider)))
            .with_no_client_auth(),
    };
    Ok(MakeRustlsConnect::new(config))
}

/// A hint for the usual TLS failures, appended to the driver's message.
fn tls_hint(message: &str, target: &Target) -> &'static str {
    if message.contains("UnknownIssuer") || message.contains("unknown issuer") {
        if target.root_cert.is_some() {
            "; the server's certificate is not signed by the CA in sslrootcert"
        } else {
            "; the server's certificate is not signed by a public CA: add sslrootcert=/path/to/ca.pem to the URL (managed databases publish theirs)"
        }
    } else if message.contains("NotValidForName") || message.contains("not valid for name") {
        "; the certificate is not issued for this host name: connect by a name the certificate lists, or use sslmode=verify-ca"
    } else {
        ""
    }
}

/// Opens a connection and drives it on the runtime.
pub async fn connect(target: &Target) -> Result<Client> {
    let (client, connection) = target.config.connect(tls(target)?).await.map_err(|e| {
        let message = describe(&e);
        let hint = tls_hint(&message, target);
        anyhow::anyhow!("cannot connect to {}: {message}{hint}", target.label)
    })?;
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
