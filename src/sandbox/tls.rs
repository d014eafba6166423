//! TLS for the sandbox: a certificate made at start by a freshly generated CA (so a client
//! can trust just that CA), or one loaded from PEM files; and the rustls server config built
//! on the ring provider.
//!
//! Security: the generated CA's private key is never written anywhere and is dropped once the
//! leaf is signed, so trusting `ca.pem` can only ever vouch for this one run's certificate.
//! Validity is realistic (yesterday to 90 days from now, as a Let's Encrypt certificate), not rcgen's default 1975–4096.
//!
//! Layer: sandbox (server side); rustls, rcgen, rustls-pemfile.

use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::ClientCertVerifier;
use rustls::{RootCertStore, ServerConfig};
use tempfile::TempDir;
use tokio_rustls::TlsAcceptor;

use super::SandboxError;
use super::clock::{Civil, now_unix};
use super::config::TlsSource;

/// Days the generated certificates stay valid.
const VALID_DAYS: i64 = 90;

/// The acceptor and the file a client should trust.
pub struct TlsSetup {
    pub acceptor: TlsAcceptor,
    /// The generated CA's certificate, or the given certificate file.
    pub ca_pem_path: PathBuf,
    /// Holds the generated `ca.pem`; removed with this value.
    _dir: Option<TempDir>,
}

/// Builds the TLS side from `source`; writes a copy of the CA (or certificate) to `ca_out`.
/// With `client_ca`, every handshake must present a client certificate issued by a CA in
/// that file (mutual TLS).
pub fn setup(
    source: &TlsSource,
    hostname: &str,
    ca_out: Option<&Path>,
    client_ca: Option<&Path>,
) -> Result<TlsSetup, SandboxError> {
    let (chain, key, ca_pem, dir, ca_pem_path) = match source {
        TlsSource::Generate => {
            let generated = generate(hostname)?;
            let dir = tempfile::Builder::new()
                .prefix("smtpx-sandbox-tls-")
                .tempdir()
                .map_err(|source| SandboxError::Write {
                    path: std::env::temp_dir(),
                    source,
                })?;
            let path = dir.path().join("ca.pem");
            write(&path, &generated.ca_pem)?;
            (
                generated.chain,
                generated.key,
                generated.ca_pem,
                Some(dir),
                path,
            )
        }
        TlsSource::Files { cert, key } => {
            let pem = std::fs::read(cert).map_err(|source| SandboxError::Read {
                path: cert.clone(),
                source,
            })?;
            let chain = load_certs(cert, &pem)?;
            let key = load_key(key)?;
            (
                chain,
                key,
                String::from_utf8_lossy(&pem).into_owned(),
                None,
                cert.clone(),
            )
        }
    };
    if let Some(out) = ca_out {
        write(out, &ca_pem)?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?;
    let builder = match client_ca {
        Some(path) => builder.with_client_cert_verifier(client_verifier(path, provider)?),
        None => builder.with_no_client_auth(),
    };
    let config = builder.with_single_cert(chain, key)?;
    Ok(TlsSetup {
        acceptor: TlsAcceptor::from(Arc::new(config)),
        ca_pem_path: ca_out.map_or(ca_pem_path, Path::to_path_buf),
        _dir: dir,
    })
}

/// A verifier that requires a client certificate chaining to a CA in `path`.
fn client_verifier(
    path: &Path,
    provider: Arc<CryptoProvider>,
) -> Result<Arc<dyn ClientCertVerifier>, SandboxError> {
    let pem = std::fs::read(path).map_err(|source| SandboxError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut roots = RootCertStore::empty();
    for cert in load_certs(path, &pem)? {
        roots.add(cert)?;
    }
    WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
        .build()
        .map_err(|error| SandboxError::ClientCa {
            path: path.to_path_buf(),
            reason: error.to_string(),
        })
}

struct Generated {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    ca_pem: String,
}

/// Year, month and day `offset` days from today. (rcgen's date type comes from the `time`
/// crate, which it does not re-export, so callers pass these to `rcgen::date_time_ymd`.)
fn day(offset: i64) -> (i32, u8, u8) {
    let date = Civil::from_unix(now_unix() + offset * 86_400);
    // Month and day from `Civil` are always in range; the year fits i32 for any real clock.
    (
        i32::try_from(date.year).unwrap_or(9999),
        date.month as u8,
        date.day as u8,
    )
}

fn validity(params: &mut CertificateParams) {
    let (y, m, d) = day(-1);
    params.not_before = rcgen::date_time_ymd(y, m, d);
    let (y, m, d) = day(VALID_DAYS);
    params.not_after = rcgen::date_time_ymd(y, m, d);
}

/// A CA, and a leaf for `hostname`, `localhost`, `127.0.0.1` and `::1` signed by it.
fn generate(hostname: &str) -> Result<Generated, SandboxError> {
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    let mut ca_name = DistinguishedName::new();
    ca_name.push(DnType::CommonName, "smtpx sandbox CA (temporary)");
    ca_name.push(DnType::OrganizationName, "smtpx");
    ca_params.distinguished_name = ca_name;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    validity(&mut ca_params);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate()?)?;

    let mut names = vec![hostname.to_owned()];
    for name in ["localhost", "127.0.0.1", "::1"] {
        if !names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            names.push(name.to_owned());
        }
    }
    let mut leaf_params = CertificateParams::new(names)?;
    let mut leaf_name = DistinguishedName::new();
    leaf_name.push(DnType::CommonName, hostname);
    leaf_params.distinguished_name = leaf_name;
    leaf_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf_params.use_authority_key_identifier_extension = true;
    validity(&mut leaf_params);
    let leaf_key = KeyPair::generate()?;
    let leaf = leaf_params.signed_by(&leaf_key, &ca)?;
    Ok(Generated {
        chain: vec![leaf.der().clone()],
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        ca_pem: ca.pem(),
    })
}

fn load_certs(path: &Path, pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, SandboxError> {
    let chain = rustls_pemfile::certs(&mut BufReader::new(pem))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|source| SandboxError::Read {
            path: path.to_path_buf(),
            source,
        })?;
    if chain.is_empty() {
        return Err(SandboxError::NoPem {
            path: path.to_path_buf(),
            what: "certificate",
        });
    }
    Ok(chain)
}

fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, SandboxError> {
    let read_error = |source| SandboxError::Read {
        path: path.to_path_buf(),
        source,
    };
    let pem = std::fs::read(path).map_err(read_error)?;
    rustls_pemfile::private_key(&mut BufReader::new(pem.as_slice()))
        .map_err(read_error)?
        .ok_or_else(|| SandboxError::NoPem {
            path: path.to_path_buf(),
            what: "private key",
        })
}

fn write(path: &Path, text: &str) -> Result<(), SandboxError> {
    std::fs::write(path, text).map_err(|source| SandboxError::Write {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ca_is_written_and_loadable() {
        let out = tempfile::tempdir().expect("temp dir");
        let ca_out = out.path().join("ca-copy.pem");
        let setup =
            setup(&TlsSource::Generate, "mx.sandbox.test", Some(&ca_out), None).expect("setup");
        assert_eq!(setup.ca_pem_path, ca_out);
        let pem = std::fs::read(&ca_out).expect("written");
        let certs = load_certs(&ca_out, &pem).expect("one certificate");
        assert_eq!(certs.len(), 1);
    }

    #[test]
    fn missing_files_are_reported_with_their_path() {
        let source = TlsSource::Files {
            cert: "/nonexistent/cert.pem".into(),
            key: "/nonexistent/key.pem".into(),
        };
        let Err(error) = setup(&source, "localhost", None, None) else {
            panic!("missing files must fail");
        };
        assert!(
            error.to_string().contains("/nonexistent/cert.pem"),
            "{error}"
        );
    }
}
