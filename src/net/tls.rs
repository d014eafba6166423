//! The TLS client handshake: configuration from [`TlsOptions`], the handshake itself (for
//! STARTTLS, [RFC 3207](https://www.rfc-editor.org/rfc/rfc3207), and implicit TLS,
//! [RFC 8314 §3](https://www.rfc-editor.org/rfc/rfc8314#section-3)), what was negotiated
//! ([`TlsInfo`]), and handshake failures turned into explanations a person understands
//! (legacy servers, plaintext where TLS was expected).
//!
//! Security invariants: the crypto provider is always ring, passed explicitly (never the
//! process default); each handshake gets its own verifier, so a verdict belongs to one
//! connection; the verification name is independent of the address and of the SNI.
//!
//! Layer: transport.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustls::client::{ClientConfig, ResolvesClientCert};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::sign::CertifiedKey;
use rustls::{HandshakeKind, ProtocolVersion, RootCertStore, SignatureScheme};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::error::{NetError, Phase};
use super::explain::explain_failure;
use super::sniff::Sniff;
use super::verify::{RecordingVerifier, SpkiPin};
pub use crate::event::tls::{ClientCertStatus, TlsInfo};
use crate::event::verdict::TlsVerdict;
use crate::proto::text::escape_bytes;

/// Which server name indication to send.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Sni {
    /// The verification name if it is a DNS name, else the target host if it is one; none
    /// for IP addresses. (Using the verification name first means "connect to 192.0.2.1,
    /// verify mx.example.com" also asks the server for mx.example.com's certificate.)
    #[default]
    Default,
    Custom(String),
    None,
}

/// What a failed verification does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VerifyMode {
    /// Record the verdict and continue: the explorer's default.
    #[default]
    Report,
    /// A failed verdict fails the handshake ([`NetError::CertificateRejected`]).
    Strict,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TlsVersion {
    Tls12,
    Tls13,
}

impl TlsVersion {
    pub fn name(self) -> &'static str {
        match self {
            TlsVersion::Tls12 => "TLS 1.2",
            TlsVersion::Tls13 => "TLS 1.3",
        }
    }
}

/// How to do TLS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsOptions {
    pub sni: Sni,
    /// The name the certificate must match; default: the target host (an IP address is
    /// checked against IP subjectAltNames).
    pub verify_name: Option<String>,
    /// PEM file of extra trust anchors, a separate store in the verdict. *Added to* the
    /// webpki roots, never replacing them: the verdict names the store that vouched.
    pub ca_file: Option<PathBuf>,
    /// `--pin-spki`: when given, the server's key must be one of these (a match is trusted
    /// as pinned, whatever the stores say; a mismatch is refused even if a store vouches).
    pub pin_spki: Vec<SpkiPin>,
    /// Mutual TLS: a PEM certificate (chain allowed, leaf first) and its private key
    /// ([RFC 8446 §4.4.2](https://www.rfc-editor.org/rfc/rfc8446#section-4.4.2)). Both or neither.
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    pub mode: VerifyMode,
    pub min_version: Option<TlsVersion>,
    pub max_version: Option<TlsVersion>,
    /// ALPN protocols to offer (none by default; SMTP does not use ALPN).
    pub alpn: Vec<Vec<u8>>,
    pub handshake_timeout: Duration,
}

impl Default for TlsOptions {
    fn default() -> Self {
        TlsOptions {
            sni: Sni::Default,
            verify_name: None,
            ca_file: None,
            pin_spki: Vec::new(),
            client_cert: None,
            client_key: None,
            mode: VerifyMode::Report,
            min_version: None,
            max_version: None,
            alpn: Vec::new(),
            handshake_timeout: Duration::from_secs(30),
        }
    }
}

impl TlsOptions {
    pub(crate) fn versions_restricted(&self) -> bool {
        self.min_version.is_some() || self.max_version.is_some()
    }
}

/// Why TLS is being started: it changes what plaintext in the handshake means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TlsStart {
    /// Implicit TLS on connect ([RFC 8314 §3](https://www.rfc-editor.org/rfc/rfc8314#section-3)).
    OnConnect,
    /// After the 220 to STARTTLS ([RFC 3207 §4.2](https://www.rfc-editor.org/rfc/rfc3207#section-4.2)).
    StartTls,
}

pub(crate) type ClientTls = TlsStream<Sniff<TcpStream>>;

fn option_error(option: &'static str, reason: impl Into<String>) -> NetError {
    NetError::TlsOption {
        option,
        reason: reason.into(),
    }
}

/// The anchors of a `--ca-file`, and the certificates themselves (for pinning).
async fn read_ca_file(
    path: &PathBuf,
) -> Result<(RootCertStore, Vec<CertificateDer<'static>>), NetError> {
    let fail = |reason: String| NetError::CaFile {
        path: path.clone(),
        reason,
    };
    let pem = tokio::fs::read(path)
        .await
        .map_err(|e| fail(e.to_string()))?;
    let mut store = RootCertStore::empty();
    let mut certificates = Vec::new();
    for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
        let cert = cert.map_err(|e| fail(format!("bad PEM: {e}")))?;
        store
            .add(cert.clone())
            .map_err(|_| fail("a certificate in it cannot be decoded".to_string()))?;
        certificates.push(cert);
    }
    if store.is_empty() {
        return Err(fail("no CERTIFICATE block found".to_string()));
    }
    Ok((store, certificates))
}

fn client_error(reason: impl Into<String>) -> NetError {
    NetError::ClientCertificate {
        reason: reason.into(),
    }
}

/// Reads `--client-cert` and `--client-key` and checks that the key belongs to the
/// certificate (their SubjectPublicKeyInfo is the same), so a wrong pair is named before
/// connecting rather than found at the handshake. `None` when neither is given.
pub fn check_client_identity(tls: &TlsOptions) -> Result<Option<Arc<CertifiedKey>>, NetError> {
    let (cert_path, key_path) = match (&tls.client_cert, &tls.client_key) {
        (None, None) => return Ok(None),
        (Some(c), Some(k)) => (c, k),
        _ => {
            return Err(client_error("--client-cert and --client-key go together"));
        }
    };
    let shown = |path: &PathBuf| escape_bytes(path.display().to_string().as_bytes());
    let read = |path: &PathBuf| {
        std::fs::read(path).map_err(|e| client_error(format!("cannot read {}: {e}", shown(path))))
    };
    let pem = read(cert_path)?;
    let certs: Vec<CertificateDer<'static>> = rustls_pemfile::certs(&mut pem.as_slice())
        .collect::<Result<_, _>>()
        .map_err(|e| client_error(format!("{}: bad PEM: {e}", shown(cert_path))))?;
    if certs.is_empty() {
        return Err(client_error(format!(
            "no CERTIFICATE block in {}",
            shown(cert_path)
        )));
    }
    let pem = read(key_path)?;
    let key: PrivateKeyDer<'static> = rustls_pemfile::private_key(&mut pem.as_slice())
        .map_err(|e| client_error(format!("{}: bad key PEM: {e}", shown(key_path))))?
        .ok_or_else(|| client_error(format!("no private key in {}", shown(key_path))))?;
    let provider = rustls::crypto::ring::default_provider();
    let signing_key = provider.key_provider.load_private_key(key).map_err(|_| {
        client_error(format!(
            "the key in {} is of a kind smtpx cannot sign with (RSA, ECDSA P-256/P-384 and \
                 Ed25519 work)",
            shown(key_path)
        ))
    })?;
    let certified = CertifiedKey::new(certs, signing_key);
    match certified.keys_match() {
        Ok(()) => Ok(Some(Arc::new(certified))),
        Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch)) => {
            Err(client_error(format!(
                "the key in {} does not belong to the certificate in {} (their public keys \
                 differ)",
                shown(key_path),
                shown(cert_path)
            )))
        }
        // The key cannot tell its public half: the server will be the judge.
        Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::Unknown)) => {
            Ok(Some(Arc::new(certified)))
        }
        Err(_) => Err(client_error(format!(
            "the certificate in {} cannot be decoded",
            shown(cert_path)
        ))),
    }
}

/// Offers the client certificate when (and only when) the server asks for one, and records
/// that it asked and whether one went out.
#[derive(Debug)]
struct RecordingClientCert {
    key: Option<Arc<CertifiedKey>>,
    status: Arc<Mutex<ClientCertStatus>>,
}

impl ResolvesClientCert for RecordingClientCert {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        let chosen = self
            .key
            .clone()
            .filter(|key| key.key.choose_scheme(sigschemes).is_some());
        if let Ok(mut status) = self.status.lock() {
            status.requested = true;
            status.sent = chosen.is_some();
        }
        chosen
    }

    fn has_certs(&self) -> bool {
        self.key.is_some()
    }
}

/// The names used for one handshake: (verify, SNI to send).
fn names(host: &str, tls: &TlsOptions) -> Result<(ServerName<'static>, Option<String>), NetError> {
    let verify_text = tls.verify_name.as_deref().unwrap_or(host);
    let verify = ServerName::try_from(verify_text.to_string()).map_err(|_| {
        option_error(
            "verify name",
            format!(
                "'{}' is not a DNS name or IP address",
                escape_bytes(verify_text.as_bytes())
            ),
        )
    })?;
    let is_dns = |name: &str| matches!(ServerName::try_from(name), Ok(ServerName::DnsName(_)));
    let sni = match &tls.sni {
        Sni::Default => [tls.verify_name.as_deref(), Some(host)]
            .into_iter()
            .flatten()
            .find(|n| is_dns(n))
            .map(str::to_string),
        Sni::Custom(name) if is_dns(name) => Some(name.clone()),
        Sni::Custom(name) => {
            return Err(option_error(
                "SNI",
                format!(
                    "'{}' is not a DNS name (SNI cannot carry an IP address)",
                    escape_bytes(name.as_bytes())
                ),
            ));
        }
        Sni::None => None,
    };
    Ok((verify, sni))
}

/// Runs the client handshake on a bare TCP stream.
pub(crate) async fn handshake(
    tcp: TcpStream,
    host: &str,
    tls: &TlsOptions,
    start: TlsStart,
) -> Result<(ClientTls, TlsInfo), NetError> {
    let (verify_name, sni) = names(host, tls)?;
    let ca_file = match &tls.ca_file {
        Some(path) => {
            let (store, certificates) = read_ca_file(path).await?;
            Some((path.clone(), store, certificates))
        }
        None => None,
    };
    let min = tls.min_version.unwrap_or(TlsVersion::Tls12);
    let max = tls.max_version.unwrap_or(TlsVersion::Tls13);
    let versions: Vec<&'static rustls::SupportedProtocolVersion> = [
        (TlsVersion::Tls12, &rustls::version::TLS12),
        (TlsVersion::Tls13, &rustls::version::TLS13),
    ]
    .into_iter()
    .filter(|(v, _)| (min..=max).contains(v))
    .map(|(_, s)| s)
    .collect();
    if versions.is_empty() {
        return Err(option_error(
            "TLS version",
            format!("minimum {} is above maximum {}", min.name(), max.name()),
        ));
    }

    let provider: Arc<CryptoProvider> = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = RecordingVerifier::new(
        provider.clone(),
        ca_file,
        tls.pin_spki.clone(),
        verify_name.clone(),
        tls.mode == VerifyMode::Strict,
    )
    .map_err(|e| option_error("trust store", e.to_string()))?;
    let verdict_slot = verifier.verdict_slot();
    let builder = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&versions)
        .map_err(|e| option_error("TLS version", e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier));
    let key = check_client_identity(tls)?;
    let client_status = Arc::new(Mutex::new(ClientCertStatus {
        configured: key.is_some(),
        ..ClientCertStatus::default()
    }));
    let mut config = builder.with_client_cert_resolver(Arc::new(RecordingClientCert {
        key,
        status: client_status.clone(),
    }));
    config.alpn_protocols = tls.alpn.clone();
    config.enable_sni = sni.is_some();
    // rustls sends SNI from the name given to `connect`; with `enable_sni` off the name is
    // only used for the (per-config, so unused) session cache.
    let connect_name = match &sni {
        Some(name) => ServerName::try_from(name.clone()).unwrap_or_else(|_| verify_name.clone()),
        None => verify_name.clone(),
    };

    let connector = TlsConnector::from(Arc::new(config));
    let started = Instant::now();
    let connecting = connector
        .connect(connect_name, Sniff::new(tcp))
        .into_fallible();
    let result = match tokio::time::timeout(tls.handshake_timeout, connecting).await {
        Ok(result) => result,
        Err(_) => {
            return Err(NetError::Timeout {
                waiting_for: Phase::TlsHandshake,
                after: tls.handshake_timeout,
            });
        }
    };
    let verdict = verdict_slot.lock().ok().and_then(|mut v| v.take());
    let mut stream = match result {
        Ok(stream) => stream,
        Err((error, sniff)) => {
            return Err(explain_failure(
                error,
                sniff.into_seen(),
                verdict,
                tls,
                start,
            ));
        }
    };
    let handshake = started.elapsed();
    stream.get_mut().0.stop();
    let (_, conn) = stream.get_ref();
    let info = TlsInfo {
        version: conn
            .protocol_version()
            .map(version_name)
            .unwrap_or_default(),
        cipher_suite: conn
            .negotiated_cipher_suite()
            .map(|s| format!("{:?}", s.suite()))
            .unwrap_or_default(),
        key_exchange_group: conn
            .negotiated_key_exchange_group()
            .map(|g| format!("{:?}", g.name())),
        alpn: conn.alpn_protocol().map(escape_bytes),
        chain_der: conn
            .peer_certificates()
            .map(|certs| certs.iter().map(|c| c.as_ref().to_vec()).collect())
            .unwrap_or_default(),
        handshake,
        resumed: conn.handshake_kind() == Some(HandshakeKind::Resumed),
        sni_sent: sni,
        verdict: verdict.unwrap_or_else(TlsVerdict::not_checked),
        client_cert: client_status.lock().ok().map(|status| *status),
    };
    Ok((stream, info))
}

fn version_name(v: ProtocolVersion) -> String {
    match v {
        ProtocolVersion::TLSv1_2 => "TLSv1.2".to_string(),
        ProtocolVersion::TLSv1_3 => "TLSv1.3".to_string(),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_sni_prefers_a_dns_verify_name_and_skips_ips() {
        let opts = TlsOptions::default();
        assert_eq!(
            names("mx.example.com", &opts).unwrap().1.as_deref(),
            Some("mx.example.com")
        );
        assert_eq!(names("127.0.0.1", &opts).unwrap().1, None);
        let opts = TlsOptions {
            verify_name: Some("mx.example.com".into()),
            ..TlsOptions::default()
        };
        let (verify, sni) = names("192.0.2.1", &opts).unwrap();
        assert_eq!(sni.as_deref(), Some("mx.example.com"));
        assert!(matches!(verify, ServerName::DnsName(_)));
        let opts = TlsOptions {
            sni: Sni::None,
            ..TlsOptions::default()
        };
        assert_eq!(names("mx.example.com", &opts).unwrap().1, None);
        let opts = TlsOptions {
            sni: Sni::Custom("127.0.0.1".into()),
            ..TlsOptions::default()
        };
        assert!(names("mx.example.com", &opts).is_err());
    }
}
