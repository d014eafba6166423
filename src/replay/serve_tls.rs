//! TLS for a served recording: a certificate generated now, self-signed, carrying the
//! recorded leaf's subject and subject alternative names — so a client sees the same names,
//! but never the original key (which smtpx never had). Every served connection says so.
//!
//! Layer: front end for transcripts (rcgen, x509-parser, rustls).

use std::sync::Arc;

use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair, SanType};
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

/// The server config and a banner describing the stand-in certificate.
pub struct StandIn {
    pub config: Arc<ServerConfig>,
    pub banner: String,
}

/// Builds the stand-in certificate for `leaf` (the recorded DER), or for `host` when the
/// recording holds no certificate.
pub fn stand_in(leaf: Option<&[u8]>, host: &str) -> Result<StandIn, StandInError> {
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
    let mut params = CertificateParams::default();
    params.distinguished_name = subject;
    params.subject_alt_names = sans;
    let key = KeyPair::generate().map_err(|source| StandInError::Key { source })?;
    let cert = params
        .self_signed(&key)
        .map_err(|source| StandInError::Certificate { source })?;
    let summary = crate::net::cert::summarize(cert.der());
    let names: Vec<String> = summary.sans.iter().map(ToString::to_string).collect();
    let banner = format!(
        "=== TLS uses a certificate generated now, NOT the original: self-signed, subject {}, \
         names {}; {original}",
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
    })
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
        let made = stand_in(leaf, "127.0.0.1").expect("certificate made");
        assert!(made.banner.contains("NOT the original"), "{}", made.banner);
        assert!(made.banner.contains("localhost"), "{}", made.banner);
        assert!(made.banner.contains("127.0.0.1"), "{}", made.banner);
    }
}
