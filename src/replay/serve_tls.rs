//! TLS for a served recording: a certificate generated now, carrying the recorded leaf's
//! subject and subject alternative names (plus `localhost` and the address served on, so a
//! verifying client can connect here) — so a client sees the same names, but never the
//! original key (which smtpx never had). Every served connection says so.
//!
//! The certificate is signed by a stand-in CA made at the same time, whose certificate
//! `--ca-out` writes for a client to trust (swaks `--tls-ca-path`, `openssl s_client
//! -CAfile`, Python's `cafile`). Security: the CA's private key is never written anywhere
//! and is dropped once the leaf is signed, so trusting it vouches for this run's
//! certificate only. Validity is realistic (yesterday to 30 days from now).
//!
//! Layer: front end for transcripts (rcgen, x509-parser, rustls).

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose, SanType,
};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};

/// Why the stand-in certificate or its TLS configuration could not be made; `replay --serve`
/// then stops before listening.
#[derive(Debug, thiserror::Error)]
pub enum StandInError {
    #[error("cannot generate a key: {source}")]
    Key { source: rcgen::Error },
    #[error("cannot make the stand-in certificate: {source}")]
    Certificate { source: rcgen::Error },
    /// rustls refused the protocol versions or the certificate and key.
    #[error("{source}")]
    Config { source: rustls::Error },
}

/// The server config, a banner describing the stand-in certificate, and the stand-in CA's
/// certificate (PEM) for a client to trust.
pub struct StandIn {
    pub config: Arc<ServerConfig>,
    pub banner: String,
    pub ca_pem: String,
}

/// Days the stand-in certificates stay valid.
const VALID_DAYS: i64 = 30;

/// Builds the stand-in certificate for `leaf` (the recorded DER), or for `host` when the
/// recording holds no certificate; `served` is the address the client connects to (its IP
/// is added to the names).
pub fn stand_in(
    leaf: Option<&[u8]>,
    host: &str,
    served: Option<std::net::IpAddr>,
) -> Result<StandIn, StandInError> {
    let mut subject = DistinguishedName::new();
    let mut sans = Vec::new();
    let mut original = "no certificate was recorded".to_string();
    if let Some(der) = leaf {
        match X509Certificate::from_der(der) {
            Ok((_, cert)) => {
                for attr in cert.subject().iter_attributes() {
                    let Ok(value) = attr.as_str() else { continue };
                    let oid: Vec<u64> = attr
                        .attr_type()
                        .iter()
                        .map(|i| i.collect())
                        .unwrap_or_default();
                    subject.push(dn_type(&oid), value);
                }
                if let Ok(Some(ext)) = cert.subject_alternative_name() {
                    for name in &ext.value.general_names {
                        match name {
                            GeneralName::DNSName(n) => {
                                if let Ok(n) = (*n).try_into() {
                                    sans.push(SanType::DnsName(n));
                                }
                            }
                            GeneralName::IPAddress(bytes) => {
                                if let Some(ip) = ip_from(bytes) {
                                    sans.push(SanType::IpAddress(ip));
                                }
                            }
                            _ => {}
                        }
                    }
                }
                original = format!(
                    "the recorded one was sha256 {}",
                    crate::net::cert::summarize(der).sha256
                );
            }
            Err(e) => original = format!("the recorded certificate does not decode: {e}"),
        }
    }
    if subject.iter().next().is_none() {
        subject.push(DnType::CommonName, host);
    }
    if sans.is_empty() {
        match host.parse() {
            Ok(ip) => sans.push(SanType::IpAddress(ip)),
            Err(_) => {
                if let Ok(name) = host.to_string().try_into() {
                    sans.push(SanType::DnsName(name));
                }
            }
        }
    }
    // The names a client verifying here would check.
    let mut local = vec![SanType::DnsName(
        "localhost"
            .to_string()
            .try_into()
            .map_err(|source| StandInError::Certificate { source })?,
    )];
    local.extend(served.map(SanType::IpAddress));
    for name in local {
        if !sans.contains(&name) {
            sans.push(name);
        }
    }
    let ca = certificate_authority()?;
    let mut params = CertificateParams::default();
    params.distinguished_name = subject;
    params.subject_alt_names = sans;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    validity(&mut params);
    let key = KeyPair::generate().map_err(|source| StandInError::Key { source })?;
    let cert = params
        .signed_by(&key, &ca)
        .map_err(|source| StandInError::Certificate { source })?;
    let summary = crate::net::cert::summarize(cert.der());
    let names: Vec<String> = summary.sans.iter().map(ToString::to_string).collect();
    let banner = format!(
        "=== TLS uses a certificate generated now, NOT the original: signed by a stand-in CA \
         made now, subject {}, names {}; {original}",
        // Already escaped when decoded (net::cert).
        summary.subject.unwrap_or_default(),
        crate::proto::text::escape_str(&names.join(", "))
    );
    let chain = vec![CertificateDer::from(cert.der().to_vec())];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|source| StandInError::Config { source })?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|source| StandInError::Config { source })?;
    Ok(StandIn {
        config: Arc::new(config),
        banner,
        ca_pem: ca.pem(),
    })
}

/// The stand-in CA: it can sign server certificates only (path length 0).
fn certificate_authority() -> Result<CertifiedIssuer<'static, KeyPair>, StandInError> {
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, "smtpx replay stand-in CA (temporary)");
    name.push(DnType::OrganizationName, "smtpx");
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    validity(&mut params);
    let key = KeyPair::generate().map_err(|source| StandInError::Key { source })?;
    CertifiedIssuer::self_signed(params, key).map_err(|source| StandInError::Certificate { source })
}

/// Yesterday to [`VALID_DAYS`] from now (rcgen's default is 1975–4096).
fn validity(params: &mut CertificateParams) {
    let day = |offset: i64| {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 2));
        let date = crate::proto::civil::Civil::from_unix(now + offset * 86_400);
        // Month and day from `Civil` are in range; the year fits i32 for any real clock.
        (
            i32::try_from(date.year).unwrap_or(9999),
            u8::try_from(date.month).unwrap_or(1),
            u8::try_from(date.day).unwrap_or(1),
        )
    };
    let (y, m, d) = day(-1);
    params.not_before = rcgen::date_time_ymd(y, m, d);
    let (y, m, d) = day(VALID_DAYS);
    params.not_after = rcgen::date_time_ymd(y, m, d);
}

fn dn_type(oid: &[u64]) -> DnType {
    match oid {
        [2, 5, 4, 3] => DnType::CommonName,
        [2, 5, 4, 6] => DnType::CountryName,
        [2, 5, 4, 7] => DnType::LocalityName,
        [2, 5, 4, 8] => DnType::StateOrProvinceName,
        [2, 5, 4, 10] => DnType::OrganizationName,
        [2, 5, 4, 11] => DnType::OrganizationalUnitName,
        other => DnType::CustomDnType(other.to_vec()),
    }
}

fn ip_from(bytes: &[u8]) -> Option<std::net::IpAddr> {
    match bytes.len() {
        4 => <[u8; 4]>::try_from(bytes).ok().map(std::net::IpAddr::from),
        16 => <[u8; 16]>::try_from(bytes).ok().map(std::net::IpAddr::from),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stand_in_keeps_the_recorded_subject_and_names_but_not_the_key() {
        let bytes = include_bytes!("../../recordings/sandbox-starttls-auth-message.jsonl");
        let transcript = crate::transcript::read::read_bytes(bytes).expect("sample reads");
        let script = crate::transcript::script::Script::of(&transcript);
        let leaf = script.leaf.as_deref();
        let made =
            stand_in(leaf, "127.0.0.1", Some([127, 0, 0, 2].into())).expect("certificate made");
        assert!(made.ca_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(made.banner.contains("127.0.0.2"), "{}", made.banner);
        assert!(made.banner.contains("NOT the original"), "{}", made.banner);
        assert!(made.banner.contains("localhost"), "{}", made.banner);
        assert!(made.banner.contains("127.0.0.1"), "{}", made.banner);
    }
}
