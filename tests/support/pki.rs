//! Test certificates made with rcgen: a CA, leaves it signs (good, wrong name, expired, not
//! yet valid) and a self-signed leaf, all with realistic dates (rcgen's default validity is
//! 1975–4096, which no real certificate has), plus rustls server configs to present them.

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::TlsAcceptor;

const DAY: i64 = 86_400;

/// Which leaf certificate to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeafKind {
    /// Signed by the test CA for `localhost`, `127.0.0.1` and `::1`; valid now-1d .. now+90d.
    Good,
    /// Same names, but signed by its own key (issuer = subject).
    SelfSigned,
    /// Signed by the test CA, but only for `wrong.example.com`.
    WrongName,
    /// Signed by the test CA for the good names, valid now-100d .. now-10d.
    Expired,
    /// Signed by the test CA for the good names, valid now+10d .. now+100d.
    NotYetValid,
}

/// A certificate chain and its private key, ready for a rustls server.
#[derive(Debug)]
pub struct Identity {
    /// Leaf first (then the CA for CA-signed leaves, as servers usually send it).
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
}

impl Clone for Identity {
    fn clone(&self) -> Self {
        Identity {
            chain: self.chain.clone(),
            key: self.key.clone_key(),
        }
    }
}

/// A test CA. Its PEM is written to a temporary file for `TlsOptions::ca_file`, deleted
/// when this is dropped.
pub struct TestPki {
    issuer: Issuer<'static, KeyPair>,
    pub ca_der: CertificateDer<'static>,
    pub ca_pem: String,
    ca_file: tempfile::NamedTempFile,
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Sets the validity period from Unix seconds (via x509-parser, so the tests need no
/// direct dependency on the `time` crate).
fn set_validity(params: &mut CertificateParams, from: i64, until: i64) {
    let at = |secs| {
        x509_parser::time::ASN1Time::from_timestamp(secs)
            .expect("test date in range")
            .to_datetime()
    };
    params.not_before = at(from);
    params.not_after = at(until);
}

/// Builds a fresh CA (`smtpx test CA`) valid now-1d .. now+3650d.
pub fn test_pki() -> TestPki {
    TestPki::new()
}

impl TestPki {
    pub fn new() -> TestPki {
        let key = KeyPair::generate().expect("generate CA key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "smtpx test CA");
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        set_validity(&mut params, now() - DAY, now() + 3650 * DAY);
        let cert = params.self_signed(&key).expect("self-sign CA");
        let ca_pem = cert.pem();
        let mut ca_file = tempfile::NamedTempFile::new().expect("temp file");
        std::io::Write::write_all(&mut ca_file, ca_pem.as_bytes()).expect("write CA PEM");
        TestPki {
            issuer: Issuer::new(params, key),
            ca_der: cert.der().clone(),
            ca_pem,
            ca_file,
        }
    }

    /// Path of the CA PEM file (for `TlsOptions::ca_file`).
    pub fn ca_file(&self) -> PathBuf {
        self.ca_file.path().to_path_buf()
    }

    /// A leaf of the given kind for the usual test names.
    pub fn leaf(&self, kind: LeafKind) -> Identity {
        match kind {
            LeafKind::WrongName => self.leaf_for(&["wrong.example.com"], kind),
            _ => self.leaf_for(&["localhost", "127.0.0.1", "::1"], kind),
        }
    }

    /// A leaf for the given names (DNS names or IP addresses, which become IP SANs).
    pub fn leaf_for(&self, names: &[&str], kind: LeafKind) -> Identity {
        let key = KeyPair::generate().expect("generate leaf key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("leaf params");
        for name in names {
            params.subject_alt_names.push(match name.parse::<IpAddr>() {
                Ok(ip) => SanType::IpAddress(ip),
                Err(_) => SanType::DnsName((*name).try_into().expect("DNS name")),
            });
        }
        if let Some(first) = names.first() {
            params.distinguished_name.push(DnType::CommonName, *first);
        }
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        let (from, until) = match kind {
            LeafKind::Expired => (now() - 100 * DAY, now() - 10 * DAY),
            LeafKind::NotYetValid => (now() + 10 * DAY, now() + 100 * DAY),
            _ => (now() - DAY, now() + 90 * DAY),
        };
        set_validity(&mut params, from, until);
        let chain = if kind == LeafKind::SelfSigned {
            vec![
                params
                    .self_signed(&key)
                    .expect("self-sign leaf")
                    .der()
                    .clone(),
            ]
        } else {
            let cert = params.signed_by(&key, &self.issuer).expect("sign leaf");
            vec![cert.der().clone(), self.ca_der.clone()]
        };
        Identity {
            chain,
            key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        }
    }
}

impl Default for TestPki {
    fn default() -> Self {
        TestPki::new()
    }
}

/// A rustls server config (ring provider) presenting `identity`, TLS 1.2 and 1.3.
pub fn server_config(identity: &Identity) -> Arc<ServerConfig> {
    server_config_versions(
        identity,
        &[&rustls::version::TLS12, &rustls::version::TLS13],
    )
}

/// Like [`server_config`] limited to some protocol versions (e.g. TLS 1.3 only).
pub fn server_config_versions(
    identity: &Identity,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> Arc<ServerConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(identity.chain.clone(), identity.key.clone_key())
        .expect("server certificate");
    Arc::new(config)
}

/// A tokio-rustls acceptor for `identity`.
pub fn acceptor(identity: &Identity) -> TlsAcceptor {
    TlsAcceptor::from(server_config(identity))
}

/// The fixed certificates under `tests/data/certs/` (made by its `make.sh` with openssl):
/// file name → PEM contents.
pub fn fixed_pem(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/certs")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The DER certificates of a PEM text.
pub fn pem_certs(pem: &str) -> Vec<CertificateDer<'static>> {
    rustls_pemfile::certs(&mut pem.as_bytes())
        .collect::<Result<_, _>>()
        .expect("PEM certificates")
}

/// The private key of a PEM text.
pub fn pem_key(pem: &str) -> PrivateKeyDer<'static> {
    rustls_pemfile::private_key(&mut pem.as_bytes())
        .expect("PEM key")
        .expect("a key")
}

impl TestPki {
    /// A leaf for `localhost` signed by the CA after `adjust` changed its parameters
    /// (extra extensions, many names, odd subject strings). Chain: leaf, CA.
    pub fn leaf_with(&self, adjust: impl FnOnce(&mut CertificateParams)) -> Identity {
        let key = KeyPair::generate().expect("generate leaf key");
        let mut params = CertificateParams::new(vec!["localhost".to_string()]).expect("params");
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        set_validity(&mut params, now() - DAY, now() + 90 * DAY);
        adjust(&mut params);
        let cert = params.signed_by(&key, &self.issuer).expect("sign leaf");
        Identity {
            chain: vec![cert.der().clone(), self.ca_der.clone()],
            key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        }
    }

    /// CA → intermediate → leaf for `localhost`. With `send_intermediate` the chain is
    /// leaf, intermediate (as a well-configured server sends it); without, the leaf alone
    /// (the classic "intermediate missing").
    pub fn intermediate_chain(&self, send_intermediate: bool) -> Identity {
        let ikey = KeyPair::generate().expect("intermediate key");
        let mut iparams = CertificateParams::new(Vec::<String>::new()).expect("params");
        iparams.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        iparams
            .distinguished_name
            .push(DnType::CommonName, "smtpx test intermediate");
        iparams.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        iparams.use_authority_key_identifier_extension = true;
        set_validity(&mut iparams, now() - DAY, now() + 365 * DAY);
        let icert = iparams
            .signed_by(&ikey, &self.issuer)
            .expect("sign intermediate");
        let intermediate = Issuer::new(iparams, ikey);
        let key = KeyPair::generate().expect("leaf key");
        let mut params = CertificateParams::new(vec!["localhost".to_string()]).expect("params");
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        params.use_authority_key_identifier_extension = true;
        set_validity(&mut params, now() - DAY, now() + 90 * DAY);
        let leaf = params.signed_by(&key, &intermediate).expect("sign leaf");
        let mut chain = vec![leaf.der().clone()];
        if send_intermediate {
            chain.push(icert.der().clone());
        }
        Identity {
            chain,
            key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        }
    }
}

/// A server config that requires a client certificate issued by `client_ca`.
pub fn mtls_server_config(
    identity: &Identity,
    client_ca: CertificateDer<'static>,
) -> Arc<ServerConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots.add(client_ca).expect("client CA");
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .build()
    .expect("client verifier");
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_client_cert_verifier(verifier)
        .with_single_cert(identity.chain.clone(), identity.key.clone_key())
        .expect("server certificate");
    Arc::new(config)
}
