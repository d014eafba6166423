//! Certificate details for display, decoded with x509-parser: subject, issuer, serial, dates,
//! subjectAltNames, key, signature algorithm, fingerprints, and the extensions a mail admin
//! asks about ([RFC 5280 §4.2](https://www.rfc-editor.org/rfc/rfc5280#section-4.2); decoded
//! in [`ext`]). How a chain links is in [`chain`], the readable and JSON forms in [`render`],
//! PEM export in [`pem`].
//!
//! rustls does the verifying (see `verify.rs`); this file only describes. It never panics on
//! odd certificates: what cannot be decoded is left out (`None`, empty) and noted in
//! [`CertSummary::problems`]. Every string in a summary came from the peer — escape it
//! ([`crate::proto::text::escape_str`]) before it reaches a terminal; [`CertSummary::lines`]
//! does. Subject and issuer are the exception: they are built attribute by attribute with
//! every control character and invalid UTF-8 byte already escaped (`\x1b`, `\xff`),
//! because a DN's string types may hold bytes that are not text at all.
//!
//! Layer: transport.

pub mod chain;
pub mod ext;
pub mod pem;
pub mod render;

use std::fmt;
use std::net::IpAddr;

use sha1::Sha1;
use sha2::{Digest, Sha256};
use x509_parser::extensions::GeneralName;
use x509_parser::objects::{oid_registry, oid2sn};
use x509_parser::oid_registry::Oid;
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::x509::X509Name;

use crate::proto::text::{escape_bytes, escape_str, hex};

/// One subjectAltName entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SanEntry {
    Dns(String),
    Ip(IpAddr),
    Email(String),
    Uri(String),
    /// Anything else, described.
    Other(String),
}

impl SanEntry {
    /// Whether this entry names `name` (a DNS name or an IP address in text form).
    /// DNS names compare case-insensitively, and a wildcard matches exactly one whole
    /// left-most label and nothing else ([RFC 6125 §6.4.3](https://www.rfc-editor.org/rfc/rfc6125#section-6.4.3),
    /// restricted like webpki: `*.example.com` matches `mx.example.com`, not
    /// `a.b.example.com`, not `example.com`, and `*.com` or `f*.example.com` match nothing).
    pub fn matches(&self, name: &str) -> bool {
        match self {
            SanEntry::Ip(ip) => name.parse::<IpAddr>().is_ok_and(|n| n == *ip),
            SanEntry::Dns(pattern) => dns_matches(pattern, name),
            _ => false,
        }
    }
}

fn dns_matches(pattern: &str, name: &str) -> bool {
    let pattern = pattern
        .strip_suffix('.')
        .unwrap_or(pattern)
        .to_ascii_lowercase();
    let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
    if name.is_empty() || name.parse::<IpAddr>().is_ok() {
        return false;
    }
    match pattern.strip_prefix("*.") {
        Some(suffix) => {
            // At least two labels after the wildcard, no further wildcards.
            if suffix.contains('*') || !suffix.contains('.') {
                return false;
            }
            match name.split_once('.') {
                Some((first, rest)) => !first.is_empty() && rest == suffix,
                None => false,
            }
        }
        None => !pattern.contains('*') && pattern == name,
    }
}

impl fmt::Display for SanEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SanEntry::Dns(s) => f.write_str(s),
            SanEntry::Ip(ip) => write!(f, "{ip}"),
            SanEntry::Email(s) => write!(f, "email:{s}"),
            SanEntry::Uri(s) => write!(f, "uri:{s}"),
            SanEntry::Other(s) => f.write_str(s),
        }
    }
}

/// What a certificate says, as far as it could be decoded. Strings are untrusted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CertSummary {
    /// `CN=mx.example.com, O=Example` — already escaped (see the module docs).
    pub subject: Option<String>,
    /// Already escaped, like `subject`.
    pub issuer: Option<String>,
    /// Hex with colons, as x509-parser prints it.
    pub serial: Option<String>,
    /// Unix seconds.
    pub not_before: Option<i64>,
    pub not_after: Option<i64>,
    pub sans: Vec<SanEntry>,
    /// `RSA`, `EC (prime256v1)`, `ED25519`, or the algorithm OID.
    pub key_algorithm: Option<String>,
    pub key_bits: Option<usize>,
    pub signature_algorithm: Option<String>,
    pub is_ca: bool,
    /// Issuer and subject are the same name (self-issued; usually self-signed).
    pub self_issued: bool,
    /// SHA-256 of the whole DER certificate, lower-case hex.
    pub sha256: String,
    /// SHA-256 of the DER SubjectPublicKeyInfo (what DANE `3 1 1` records and key pins use,
    /// [RFC 7671 §5.1](https://www.rfc-editor.org/rfc/rfc7671#section-5.1)), if decodable.
    pub spki_sha256: Option<String>,
    /// SHA-1 of the whole DER certificate (what older tools print), lower-case hex.
    pub sha1: String,
    /// The extensions, decoded.
    pub ext: ext::Extensions,
    /// What could not be decoded.
    pub problems: Vec<String>,
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex(Sha256::digest(bytes).as_slice())
}

fn oid_name(oid: &Oid<'_>) -> String {
    oid2sn(oid, oid_registry())
        .map(str::to_string)
        .unwrap_or_else(|_| oid.to_id_string())
}

/// A signature algorithm's name from its DER AlgorithmIdentifier contents (without the outer
/// SEQUENCE, as webpki reports it), if they start with an OID of short length.
pub fn algorithm_name(identifier: &[u8]) -> Option<String> {
    let [0x06, len @ 0..0x80, rest @ ..] = identifier else {
        return None;
    };
    let content = rest.get(..usize::from(*len))?;
    Some(escape_str(&oid_name(&Oid::new(content.into()))))
}

/// Describes one DER certificate. Never fails: an undecodable certificate gives a summary
/// with only its fingerprint and a problem noted.
pub fn summarize(der: &[u8]) -> CertSummary {
    let mut summary = CertSummary {
        sha256: sha256_hex(der),
        sha1: hex(Sha1::digest(der).as_slice()),
        ..CertSummary::default()
    };
    let cert = match X509Certificate::from_der(der) {
        Ok((rest, cert)) => {
            if !rest.is_empty() {
                summary.problems.push(format!(
                    "{} trailing bytes after the certificate",
                    rest.len()
                ));
            }
            cert
        }
        Err(e) => {
            summary
                .problems
                .push(format!("cannot decode certificate: {e}"));
            return summary;
        }
    };
    summary.subject = Some(format_name(cert.subject()));
    summary.issuer = Some(format_name(cert.issuer()));
    summary.self_issued = cert.subject().as_raw() == cert.issuer().as_raw();
    summary.serial = Some(cert.raw_serial_as_string());
    summary.not_before = Some(cert.validity().not_before.timestamp());
    summary.not_after = Some(cert.validity().not_after.timestamp());
    summary.is_ca = cert.is_ca();
    summary.signature_algorithm = Some(oid_name(&cert.signature_algorithm.algorithm));

    let spki = cert.public_key();
    summary.spki_sha256 = Some(sha256_hex(spki.raw));
    let algorithm = oid_name(&spki.algorithm.algorithm);
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok())
        .map(|oid| oid_name(&oid));
    summary.key_algorithm = Some(match (algorithm.as_str(), curve) {
        ("rsaEncryption", _) => "RSA".to_string(),
        ("id-ecPublicKey", Some(curve)) => format!("EC ({curve})"),
        ("id-ecPublicKey", None) => "EC".to_string(),
        ("ed25519", _) => "ED25519".to_string(),
        (other, _) => other.to_string(),
    });
    match spki.parsed() {
        Ok(key) => {
            let bits = key.key_size();
            summary.key_bits = (bits > 0).then_some(bits);
        }
        Err(e) => summary
            .problems
            .push(format!("cannot decode public key: {e}")),
    }

    match cert.subject_alternative_name() {
        Ok(Some(ext)) => {
            for name in &ext.value.general_names {
                summary.sans.push(match name {
                    GeneralName::DNSName(s) => SanEntry::Dns((*s).to_string()),
                    GeneralName::IPAddress(bytes) => match ip_from_bytes(bytes) {
                        Some(ip) => SanEntry::Ip(ip),
                        None => SanEntry::Other(format!("ip:{}", hex(bytes))),
                    },
                    GeneralName::RFC822Name(s) => SanEntry::Email((*s).to_string()),
                    GeneralName::URI(s) => SanEntry::Uri((*s).to_string()),
                    other => SanEntry::Other(format!("{other:?}")),
                });
            }
        }
        Ok(None) => {}
        Err(e) => summary
            .problems
            .push(format!("cannot decode subjectAltName: {e}")),
    }
    summary.ext = ext::decode(&cert, &mut summary.problems);
    summary
}

/// A distinguished name as `CN=…, O=…` in the order stored, each value escaped: valid
/// UTF-8 (or ASCII) string types through [`escape_str`], anything else byte by byte
/// ([`escape_bytes`]), so neither control characters nor invalid UTF-8 reach a terminal.
pub fn format_name(name: &X509Name<'_>) -> String {
    let mut parts = Vec::new();
    for rdn in name.iter() {
        for attr in rdn.iter() {
            let key = oid2sn(attr.attr_type(), oid_registry())
                .map(|sn| match sn {
                    "commonName" => "CN",
                    "countryName" => "C",
                    "organizationName" => "O",
                    "organizationalUnitName" => "OU",
                    "localityName" => "L",
                    "stateOrProvinceName" => "ST",
                    other => other,
                })
                .map(str::to_string)
                .unwrap_or_else(|_| attr.attr_type().to_id_string());
            let value = match attr.as_str() {
                Ok(text) => escape_str(text),
                Err(_) => escape_bytes(attr.attr_value().data),
            };
            parts.push(format!("{key}={value}"));
        }
    }
    parts.join(", ")
}

fn ip_from_bytes(bytes: &[u8]) -> Option<IpAddr> {
    match bytes.len() {
        4 => <[u8; 4]>::try_from(bytes).ok().map(IpAddr::from),
        16 => <[u8; 16]>::try_from(bytes).ok().map(IpAddr::from),
        _ => None,
    }
}

/// Describes every certificate of a chain, leaf first.
pub fn summarize_chain(chain: &[Vec<u8>]) -> Vec<CertSummary> {
    chain.iter().map(|der| summarize(der)).collect()
}

impl CertSummary {
    /// Days from `now` (Unix seconds) until `not_after`; negative when expired.
    pub fn days_left(&self, now: i64) -> Option<i64> {
        self.not_after.map(|na| (na - now).div_euclid(86_400))
    }

    /// `label: value` lines for display, escaped.
    pub fn lines(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        // Subject and issuer are escaped already.
        for (label, name) in [("subject", &self.subject), ("issuer", &self.issuer)] {
            if let Some(name) = name {
                out.push((label, name.clone()));
            }
        }
        let mut push = |label, value: Option<String>| {
            if let Some(v) = value {
                out.push((label, escape_str(&v)));
            }
        };
        push("serial", self.serial.clone());
        push("not before", self.not_before.map(format_time));
        push("not after", self.not_after.map(format_time));
        if !self.sans.is_empty() {
            let sans: Vec<String> = self.sans.iter().map(|s| s.to_string()).collect();
            push("names", Some(sans.join(", ")));
        }
        push(
            "key",
            self.key_algorithm.as_ref().map(|alg| match self.key_bits {
                Some(bits) => format!("{alg} {bits} bits"),
                None => alg.clone(),
            }),
        );
        push("signature", self.signature_algorithm.clone());
        push("sha256", Some(self.sha256.clone()));
        push("spki sha256", self.spki_sha256.clone());
        for problem in &self.problems {
            push("problem", Some(problem.clone()));
        }
        out
    }
}

/// `2025-03-01 12:00:00 UTC` from Unix seconds.
pub fn format_time(secs: i64) -> String {
    crate::proto::civil::Civil::from_unix(secs).readable()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_one_leftmost_label_only() {
        let w = SanEntry::Dns("*.example.com".into());
        assert!(w.matches("mx.example.com"));
        assert!(w.matches("MX.Example.COM."));
        assert!(!w.matches("example.com"));
        assert!(!w.matches("a.b.example.com"));
        assert!(!w.matches(".example.com"));
        assert!(!SanEntry::Dns("*.com".into()).matches("example.com"));
        assert!(!SanEntry::Dns("f*.example.com".into()).matches("foo.example.com"));
        assert!(!SanEntry::Dns("mx.*.com".into()).matches("mx.example.com"));
        assert!(SanEntry::Dns("localhost".into()).matches("LOCALHOST"));
    }

    #[test]
    fn ip_sans_match_ip_names_only() {
        let ip = SanEntry::Ip("127.0.0.1".parse().unwrap());
        assert!(ip.matches("127.0.0.1"));
        assert!(!ip.matches("localhost"));
        assert!(!SanEntry::Dns("127.0.0.1".into()).matches("127.0.0.1"));
        assert!(SanEntry::Ip("::1".parse().unwrap()).matches("0:0::1"));
    }

    #[test]
    fn garbage_certificates_give_a_partial_summary() {
        for der in [
            &b""[..],
            b"\x30\x03\x02\x01\x00",
            b"not a certificate at all",
        ] {
            let s = summarize(der);
            assert_eq!(s.sha256.len(), 64);
            assert!(s.subject.is_none());
            assert!(!s.problems.is_empty());
        }
    }

    #[test]
    fn real_certificate_is_described() {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["mx.example.com".to_string()]).unwrap();
        params
            .subject_alt_names
            .push(rcgen::SanType::IpAddress("192.0.2.1".parse().unwrap()));
        let cert = params.self_signed(&key).unwrap();
        let s = summarize(cert.der());
        assert!(s.problems.is_empty(), "{:?}", s.problems);
        assert!(s.self_issued);
        assert_eq!(s.key_algorithm.as_deref(), Some("EC (prime256v1)"));
        assert_eq!(s.key_bits, Some(256));
        assert_eq!(s.signature_algorithm.as_deref(), Some("ecdsa-with-SHA256"));
        assert_eq!(
            s.sans,
            vec![
                SanEntry::Dns("mx.example.com".into()),
                SanEntry::Ip("192.0.2.1".parse().unwrap())
            ]
        );
        assert_eq!(s.spki_sha256.as_ref().map(String::len), Some(64));
    }

    #[test]
    fn times_format_as_utc() {
        assert_eq!(format_time(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(format_time(951_825_600), "2000-02-29 12:00:00 UTC");
        assert_eq!(format_time(-1), "1969-12-31 23:59:59 UTC");
    }
}
