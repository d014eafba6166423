//! The X.509 v3 extensions a mail admin asks about, decoded for display: key usage, extended
//! key usage, basic constraints, key identifiers
//! ([RFC 5280 §4.2.1](https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1)), OCSP and
//! CA-issuer URLs, CRL distribution points, certificate policies (with the CA/Browser Forum
//! DV/OV/IV/EV markers named), embedded SCTs
//! ([RFC 6962 §3.3](https://www.rfc-editor.org/rfc/rfc6962#section-3.3)) and OCSP must-staple
//! ([RFC 7633](https://www.rfc-editor.org/rfc/rfc7633)).
//!
//! Strings here come from the peer unescaped; escape them before display. Nothing panics:
//! an extension that does not decode is noted in the caller's problem list and left out.
//!
//! Layer: transport.

use x509_parser::extensions::{DistributionPointName, GeneralName, ParsedExtension};
use x509_parser::objects::{oid_registry, oid2sn};
use x509_parser::prelude::X509Certificate;

use crate::proto::text::hex;

/// `id-pe-tlsfeature` ([RFC 7633 §6](https://www.rfc-editor.org/rfc/rfc7633#section-6)).
const TLS_FEATURE_OID: &str = "1.3.6.1.5.5.7.1.24";
/// The TLS feature `status_request` (5): OCSP must-staple.
const STATUS_REQUEST: u8 = 5;
/// `id-ad-ocsp` and `id-ad-caIssuers` ([RFC 5280 §4.2.2.1](https://www.rfc-editor.org/rfc/rfc5280#section-4.2.2.1)).
const OCSP_OID: &str = "1.3.6.1.5.5.7.48.1";
const CA_ISSUERS_OID: &str = "1.3.6.1.5.5.7.48.2";

/// Basic constraints ([RFC 5280 §4.2.1.9](https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1.9)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Constraints {
    pub ca: bool,
    pub path_len: Option<u32>,
    pub critical: bool,
}

/// The decoded extensions of one certificate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extensions {
    /// `digitalSignature`, `keyEncipherment`, … (empty: no extension).
    pub key_usage: Vec<String>,
    /// `serverAuth`, `clientAuth`, or the OID of anything else.
    pub extended_key_usage: Vec<String>,
    pub basic_constraints: Option<Constraints>,
    /// Hex with colons.
    pub subject_key_id: Option<String>,
    pub authority_key_id: Option<String>,
    pub ocsp_urls: Vec<String>,
    pub ca_issuer_urls: Vec<String>,
    pub crl_urls: Vec<String>,
    /// Policy OIDs in dotted form ([`policy_name`] names the well-known ones).
    pub policies: Vec<String>,
    /// Embedded signed certificate timestamps; `None`: no SCT list extension.
    pub sct_count: Option<usize>,
    /// The TLS feature extension asks for `status_request`: OCSP must-staple.
    pub must_staple: bool,
}

impl Extensions {
    /// DV, OV, IV or EV, from the CA/Browser Forum policy OIDs.
    pub fn validation_level(&self) -> Option<&'static str> {
        self.policies.iter().find_map(|p| match p.as_str() {
            "2.23.140.1.1" => Some("EV"),
            "2.23.140.1.2.1" => Some("DV"),
            "2.23.140.1.2.2" => Some("OV"),
            "2.23.140.1.2.3" => Some("IV"),
            _ => None,
        })
    }
}

/// A name for a well-known policy OID.
pub fn policy_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "2.23.140.1.1" => "EV: extended validation",
        "2.23.140.1.2.1" => "DV: domain validated",
        "2.23.140.1.2.2" => "OV: organization validated",
        "2.23.140.1.2.3" => "IV: individual validated",
        "2.5.29.32.0" => "anyPolicy",
        _ => return None,
    })
}

/// `aa:bb:cc`.
pub fn colon_hex(bytes: &[u8]) -> String {
    let plain = hex(bytes);
    let pairs: Vec<&str> = (0..plain.len())
        .step_by(2)
        .filter_map(|i| plain.get(i..i + 2))
        .collect();
    pairs.join(":")
}

fn general_name(name: &GeneralName<'_>) -> String {
    match name {
        GeneralName::URI(s) | GeneralName::DNSName(s) | GeneralName::RFC822Name(s) => {
            (*s).to_string()
        }
        other => format!("{other:?}"),
    }
}

/// Decodes the extensions of `cert`; what fails is added to `problems`.
pub fn decode(cert: &X509Certificate<'_>, problems: &mut Vec<String>) -> Extensions {
    let mut out = Extensions::default();
    for extension in cert.iter_extensions() {
        let oid = extension.oid.to_id_string();
        match extension.parsed_extension() {
            ParsedExtension::KeyUsage(usage) => {
                out.key_usage = key_usage_names(usage.flags);
            }
            ParsedExtension::ExtendedKeyUsage(eku) => {
                let known = [
                    (eku.any, "any"),
                    (eku.server_auth, "serverAuth"),
                    (eku.client_auth, "clientAuth"),
                    (eku.code_signing, "codeSigning"),
                    (eku.email_protection, "emailProtection"),
                    (eku.time_stamping, "timeStamping"),
                    (eku.ocsp_signing, "OCSPSigning"),
                ];
                out.extended_key_usage = known
                    .iter()
                    .filter(|(set, _)| *set)
                    .map(|(_, name)| (*name).to_string())
                    .chain(eku.other.iter().map(|oid| {
                        oid2sn(oid, oid_registry())
                            .map(str::to_string)
                            .unwrap_or_else(|_| oid.to_id_string())
                    }))
                    .collect();
            }
            ParsedExtension::BasicConstraints(bc) => {
                out.basic_constraints = Some(Constraints {
                    ca: bc.ca,
                    path_len: bc.path_len_constraint,
                    critical: extension.critical,
                });
            }
            ParsedExtension::SubjectKeyIdentifier(id) => {
                out.subject_key_id = Some(colon_hex(id.0));
            }
            ParsedExtension::AuthorityKeyIdentifier(aki) => {
                out.authority_key_id = aki.key_identifier.as_ref().map(|id| colon_hex(id.0));
            }
            ParsedExtension::AuthorityInfoAccess(aia) => {
                for access in &aia.accessdescs {
                    let location = general_name(&access.access_location);
                    match access.access_method.to_id_string().as_str() {
                        OCSP_OID => out.ocsp_urls.push(location),
                        CA_ISSUERS_OID => out.ca_issuer_urls.push(location),
                        _ => {}
                    }
                }
            }
            ParsedExtension::CRLDistributionPoints(points) => {
                for point in &points.points {
                    if let Some(DistributionPointName::FullName(names)) = &point.distribution_point
                    {
                        out.crl_urls.extend(names.iter().map(general_name));
                    }
                }
            }
            ParsedExtension::CertificatePolicies(policies) => {
                out.policies = policies
                    .iter()
                    .map(|p| p.policy_id.to_id_string())
                    .collect();
            }
            ParsedExtension::SCT(scts) => out.sct_count = Some(scts.len()),
            ParsedExtension::ParseError { error } => {
                problems.push(format!("cannot decode extension {oid}: {error}"));
            }
            _ if oid == TLS_FEATURE_OID => {
                out.must_staple = tls_features_include(extension.value, STATUS_REQUEST);
            }
            _ => {}
        }
    }
    out
}

/// KeyUsage bits in RFC 5280 order (bit 0 is the lowest bit in x509-parser's flags).
fn key_usage_names(flags: u16) -> Vec<String> {
    const NAMES: [&str; 9] = [
        "digitalSignature",
        "nonRepudiation",
        "keyEncipherment",
        "dataEncipherment",
        "keyAgreement",
        "keyCertSign",
        "cRLSign",
        "encipherOnly",
        "decipherOnly",
    ];
    NAMES
        .iter()
        .enumerate()
        .filter(|(bit, _)| flags & (1 << bit) != 0)
        .map(|(_, name)| (*name).to_string())
        .collect()
}

/// `Features ::= SEQUENCE OF INTEGER`: whether one of the integers is `feature`. Decoded by
/// hand (x509-parser does not know the extension); short lengths only, which is all a
/// list of small integers needs.
fn tls_features_include(value: &[u8], feature: u8) -> bool {
    let Some((&0x30, rest)) = value.split_first() else {
        return false;
    };
    let Some((&len, mut items)) = rest.split_first() else {
        return false;
    };
    if len >= 0x80 || usize::from(len) != items.len() {
        return false;
    }
    while let [0x02, n, tail @ ..] = items {
        let n = usize::from(*n);
        let Some(int) = tail.get(..n) else {
            return false;
        };
        if int == [feature] {
            return true;
        }
        items = &tail[n..];
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_feature_list_is_read_by_hand() {
        assert!(tls_features_include(&[0x30, 0x03, 0x02, 0x01, 0x05], 5));
        assert!(tls_features_include(
            &[0x30, 0x06, 0x02, 0x01, 0x11, 0x02, 0x01, 0x05],
            5
        ));
        assert!(!tls_features_include(&[0x30, 0x03, 0x02, 0x01, 0x11], 5));
        assert!(!tls_features_include(&[0x30, 0x05, 0x02, 0x01], 5));
        assert!(!tls_features_include(&[], 5));
    }

    #[test]
    fn key_usage_bits_are_named_in_order() {
        assert_eq!(
            key_usage_names(0b110_0001),
            ["digitalSignature", "keyCertSign", "cRLSign"]
        );
        assert_eq!(colon_hex(&[0xab, 0x01]), "ab:01");
    }

    #[test]
    fn cab_forum_policies_name_the_validation_level() {
        let ext = Extensions {
            policies: vec!["1.2.3".into(), "2.23.140.1.2.1".into()],
            ..Extensions::default()
        };
        assert_eq!(ext.validation_level(), Some("DV"));
        assert_eq!(policy_name("2.23.140.1.1"), Some("EV: extended validation"));
    }
}
