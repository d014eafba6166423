//! DANE for SMTP ([RFC 7672](https://www.rfc-editor.org/rfc/rfc7672)): TLSA records
//! ([RFC 6698](https://www.rfc-editor.org/rfc/rfc6698), [RFC 7671](https://www.rfc-editor.org/rfc/rfc7671))
//! matched against the certificate chain a server presented.
//!
//! Matching runs after the handshake on the chain rustls received: rustls has already made the
//! server prove it holds the leaf's private key (the handshake signature), so a TLSA match on
//! the leaf or on an issuer that signs the chain authenticates the server.
//!
//! Layer: front end (domain check) — pure functions over DER bytes plus webpki path building.

use std::sync::Arc;

use rustls::RootCertStore;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use serde::Serialize;
use sha2::{Digest, Sha256, Sha512};

use crate::dns::TLSA;
use crate::proto::text::hex;

/// A TLSA record as numbers, as people read them (`3 1 1 ab12…`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TlsaRecord {
    pub usage: u8,
    pub selector: u8,
    pub matching: u8,
    /// Lower-case hex of the association data.
    pub data: String,
    #[serde(skip)]
    bytes: Vec<u8>,
}

impl TlsaRecord {
    pub fn new(usage: u8, selector: u8, matching: u8, bytes: Vec<u8>) -> TlsaRecord {
        TlsaRecord {
            usage,
            selector,
            matching,
            data: hex(&bytes).to_ascii_lowercase(),
            bytes,
        }
    }

    pub fn from_rdata(tlsa: &TLSA) -> TlsaRecord {
        TlsaRecord::new(
            tlsa.cert_usage.into(),
            tlsa.selector.into(),
            tlsa.matching.into(),
            tlsa.cert_data.clone(),
        )
    }

    /// `3 1 1 b606f3c0…` with the data cut to 16 hex digits.
    pub fn short(&self) -> String {
        let data = if self.data.len() > 16 {
            format!("{}…", &self.data[..16])
        } else {
            self.data.clone()
        };
        format!(
            "{} {} {} {}",
            self.usage, self.selector, self.matching, data
        )
    }

    fn usage_name(&self) -> &'static str {
        match self.usage {
            0 => "PKIX-TA",
            1 => "PKIX-EE",
            2 => "DANE-TA",
            3 => "DANE-EE",
            _ => "unknown usage",
        }
    }

    /// Why this record cannot authenticate an SMTP server, if it cannot
    /// ([RFC 7672 §3.1.3](https://www.rfc-editor.org/rfc/rfc7672#section-3.1.3): PKIX usages
    /// are unusable for SMTP; RFC 6698 §2.1 for the parameters).
    fn unusable(&self) -> Option<String> {
        if self.usage == 0 || self.usage == 1 {
            return Some(format!(
                "usage {} ({}) is not usable for SMTP (RFC 7672 §3.1.3)",
                self.usage,
                self.usage_name()
            ));
        }
        if self.usage > 3 {
            return Some(format!("unknown usage {}", self.usage));
        }
        if self.selector > 1 {
            return Some(format!("unknown selector {}", self.selector));
        }
        match self.matching {
            0..=2 => None,
            m => Some(format!("unknown matching type {m}")),
        }
    }

    /// Whether this record's association data matches `cert_der`.
    fn matches(&self, cert_der: &[u8]) -> bool {
        let selected: Vec<u8> = match self.selector {
            0 => cert_der.to_vec(),
            1 => match spki(cert_der) {
                Some(s) => s,
                None => return false,
            },
            _ => return false,
        };
        let digest: Vec<u8> = match self.matching {
            0 => selected,
            1 => Sha256::digest(&selected).to_vec(),
            2 => Sha512::digest(&selected).to_vec(),
            _ => return false,
        };
        digest == self.bytes
    }
}

/// The DER SubjectPublicKeyInfo of a certificate.
fn spki(cert_der: &[u8]) -> Option<Vec<u8>> {
    let (_, cert) = x509_parser::parse_x509_certificate(cert_der).ok()?;
    Some(cert.tbs_certificate.subject_pki.raw.to_vec())
}

/// What the TLSA records said about a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum DaneMatch {
    /// A usable record matched: the server is authenticated.
    Matched {
        record: TlsaRecord,
        /// 0 is the server's own certificate, 1 its issuer, ...
        certificate: usize,
        /// Why the match counts, in words.
        how: String,
    },
    /// Usable records, none of which authenticates the chain; `reasons` says why per record.
    NoMatch { reasons: Vec<String> },
    /// Only unusable records: RFC 7672 §2.2 treats this like no TLSA (TLS still required).
    NoUsableRecords { reasons: Vec<String> },
}

impl DaneMatch {
    pub fn is_match(&self) -> bool {
        matches!(self, DaneMatch::Matched { .. })
    }
}

/// Matches `records` against `chain` (leaf first) for a server reached as `names` (the MX
/// host and, after a CNAME, its target): the reference identifiers for DANE-TA
/// ([RFC 7672 §3.2.2](https://www.rfc-editor.org/rfc/rfc7672#section-3.2.2)). DANE-EE skips
/// name and expiry checks ([RFC 7672 §3.1.1](https://www.rfc-editor.org/rfc/rfc7672#section-3.1.1)).
pub fn match_chain(records: &[TlsaRecord], chain: &[Vec<u8>], names: &[String]) -> DaneMatch {
    let mut unusable = Vec::new();
    let mut reasons = Vec::new();
    let mut usable = 0;
    for record in records {
        if let Some(why) = record.unusable() {
            unusable.push(format!("{}: {why}", record.short()));
            continue;
        }
        usable += 1;
        match record.usage {
            3 => match chain.first() {
                Some(leaf) if record.matches(leaf) => {
                    return DaneMatch::Matched {
                        record: record.clone(),
                        certificate: 0,
                        how: "DANE-EE: the server certificate's key matches; names and dates \
                              are not checked (RFC 7672 §3.1.1)"
                            .into(),
                    };
                }
                _ => reasons.push(format!(
                    "{}: DANE-EE does not match the server certificate",
                    record.short()
                )),
            },
            _ => {
                // DANE-TA: the record names an issuer that must be in the chain the server
                // sent (RFC 7672 §3.1.2), and the chain must verify up to it with a name match.
                let Some(index) = chain.iter().skip(1).position(|c| record.matches(c)) else {
                    reasons.push(format!(
                        "{}: DANE-TA matches no issuer certificate the server sent",
                        record.short()
                    ));
                    continue;
                };
                let index = index + 1;
                match verify_to_anchor(chain, index, names) {
                    Ok(name) => {
                        return DaneMatch::Matched {
                            record: record.clone(),
                            certificate: index,
                            how: format!(
                                "DANE-TA: certificate {index} of the chain is the trust anchor, \
                                 the chain verifies up to it and the name {name} matches"
                            ),
                        };
                    }
                    Err(why) => reasons.push(format!(
                        "{}: DANE-TA matches certificate {index}, but {why}",
                        record.short()
                    )),
                }
            }
        }
    }
    if usable == 0 {
        DaneMatch::NoUsableRecords { reasons: unusable }
    } else {
        reasons.extend(unusable);
        DaneMatch::NoMatch { reasons }
    }
}

/// Verifies `chain[0]` up to `chain[anchor]` as the only trust anchor, for one of `names`.
fn verify_to_anchor(chain: &[Vec<u8>], anchor: usize, names: &[String]) -> Result<String, String> {
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from(chain[anchor].clone()))
        .map_err(|e| format!("it is not a usable trust anchor ({e})"))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
        .build()
        .map_err(|e| format!("no verifier ({e})"))?;
    let leaf = CertificateDer::from(chain[0].clone());
    let intermediates: Vec<CertificateDer<'_>> = chain[1..anchor]
        .iter()
        .map(|c| CertificateDer::from(c.clone()))
        .collect();
    let mut last = String::from("no name to check");
    for name in names {
        let Ok(server_name) = ServerName::try_from(name.clone()) else {
            continue;
        };
        match verifier.verify_server_cert(&leaf, &intermediates, &server_name, &[], UnixTime::now())
        {
            Ok(_) => return Ok(name.clone()),
            Err(e) => last = format!("the chain does not verify for {name} ({e})"),
        }
    }
    Err(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain() -> (Vec<Vec<u8>>, Vec<u8>) {
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::new(ca_params, &ca_key);
        let leaf_key = rcgen::KeyPair::generate().unwrap();
        let leaf = rcgen::CertificateParams::new(vec!["mx.example.test".to_string()])
            .unwrap()
            .signed_by(&leaf_key, &issuer)
            .unwrap();
        let chain = vec![leaf.der().to_vec(), ca.der().to_vec()];
        let spki = spki(&chain[0]).unwrap();
        (chain, spki)
    }

    fn names() -> Vec<String> {
        vec!["mx.example.test".to_string()]
    }

    #[test]
    fn dane_ee_spki_sha256_matches_the_leaf() {
        let (chain, spki) = chain();
        let record = TlsaRecord::new(3, 1, 1, Sha256::digest(&spki).to_vec());
        let result = match_chain(&[record], &chain, &names());
        assert!(
            matches!(result, DaneMatch::Matched { certificate: 0, .. }),
            "{result:?}"
        );
    }

    #[test]
    fn dane_ee_full_certificate_exact_and_sha512_match() {
        let (chain, _) = chain();
        for record in [
            TlsaRecord::new(3, 0, 0, chain[0].clone()),
            TlsaRecord::new(3, 0, 2, Sha512::digest(&chain[0]).to_vec()),
        ] {
            assert!(match_chain(&[record], &chain, &names()).is_match());
        }
    }

    #[test]
    fn dane_ta_matches_the_issuer_and_checks_the_name() {
        let (chain, _) = chain();
        let record = TlsaRecord::new(2, 0, 1, Sha256::digest(&chain[1]).to_vec());
        let ok = match_chain(std::slice::from_ref(&record), &chain, &names());
        assert!(
            matches!(ok, DaneMatch::Matched { certificate: 1, .. }),
            "{ok:?}"
        );
        let wrong_name = match_chain(&[record], &chain, &["other.example.test".to_string()]);
        assert!(
            matches!(wrong_name, DaneMatch::NoMatch { .. }),
            "{wrong_name:?}"
        );
    }

    #[test]
    fn a_record_matching_nothing_says_so() {
        let (chain, _) = chain();
        let record = TlsaRecord::new(3, 1, 1, vec![0; 32]);
        let DaneMatch::NoMatch { reasons } = match_chain(&[record], &chain, &names()) else {
            panic!("matched");
        };
        assert!(reasons[0].contains("does not match"), "{reasons:?}");
    }

    #[test]
    fn pkix_usages_are_unusable_for_smtp() {
        let (chain, spki) = chain();
        let record = TlsaRecord::new(1, 1, 1, Sha256::digest(&spki).to_vec());
        let result = match_chain(&[record], &chain, &names());
        let DaneMatch::NoUsableRecords { reasons } = result else {
            panic!("{result:?}");
        };
        assert!(reasons[0].contains("PKIX-EE"), "{reasons:?}");
    }

    #[test]
    fn dane_ta_on_the_leaf_alone_does_not_count() {
        let (chain, _) = chain();
        let record = TlsaRecord::new(2, 0, 1, Sha256::digest(&chain[0]).to_vec());
        assert!(!match_chain(&[record], &chain[..1], &names()).is_match());
    }
}
