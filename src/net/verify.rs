//! Certificate verification that records a verdict instead of only enforcing it.
//!
//! Security invariants first:
//! - The chain and the name are checked by rustls' own `WebPkiServerVerifier` (webpki), never by
//!   home-made code; strict mode fails the handshake unless webpki accepted chain *and* name.
//! - Signature checks (`verify_tls12_signature`, `verify_tls13_signature`) are delegated to the
//!   inner verifier in every mode, so even in report mode the peer must prove it holds the key of
//!   the certificate it showed.
//! - One verifier per connection: the recorded verdict belongs to exactly one handshake.
//!
//! The verdict answers three separate questions, because "not verified" alone helps nobody:
//! is the chain trusted (by which store, or why not), does the name match (which name was
//! checked, which subjectAltName matched — [RFC 6125 §6](https://www.rfc-editor.org/rfc/rfc6125#section-6)),
//! and is the certificate currently valid (and for how long).
//!
//! Layer: transport.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{Arc, Mutex, OnceLock};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{VerifierBuilderError, WebPkiServerVerifier, verify_server_name};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{CertificateError, DigitallySignedStruct, Error, RootCertStore, SignatureScheme};
use sha2::{Digest, Sha256};

use super::cert::{self, CertSummary, SanEntry};
pub use crate::event::verdict::TlsVerdict;
use crate::event::verdict::{NameCheck, Pin, Trust, TrustStore, UntrustedReason, Validity};
use crate::proto::text::{escape_str, hex};

/// The Mozilla roots, built once per process (the verifier itself is per connection).
fn webpki_roots() -> Arc<RootCertStore> {
    static ROOTS: OnceLock<Arc<RootCertStore>> = OnceLock::new();
    ROOTS
        .get_or_init(|| {
            Arc::new(RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            })
        })
        .clone()
}

/// A `--pin-spki` value: the SHA-256 of a DER SubjectPublicKeyInfo, as curl's
/// `--pinnedpubkey sha256//…` and DANE `3 1 1` records
/// ([RFC 7671 §5.1](https://www.rfc-editor.org/rfc/rfc7671#section-5.1)) use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpkiPin(pub [u8; 32]);

impl SpkiPin {
    /// The pin of a DER SubjectPublicKeyInfo.
    pub fn of_spki(spki_der: &[u8]) -> SpkiPin {
        let mut pin = [0u8; 32];
        pin.copy_from_slice(Sha256::digest(spki_der).as_slice());
        SpkiPin(pin)
    }
}

impl FromStr for SpkiPin {
    type Err = String;

    /// Base64 (curl's form, with or without its `sha256//` prefix) or hex (colons allowed).
    fn from_str(text: &str) -> Result<SpkiPin, String> {
        let text = text.trim();
        let bare = text.strip_prefix("sha256//").unwrap_or(text);
        let hex_digits: String = bare.chars().filter(|c| *c != ':').collect();
        let bytes = if hex_digits.len() == 64 && hex_digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            (0..32)
                .map(|i| u8::from_str_radix(&hex_digits[2 * i..2 * i + 2], 16))
                .collect::<Result<Vec<u8>, _>>()
                .map_err(|e| e.to_string())?
        } else {
            STANDARD.decode(bare).map_err(|_| {
                format!(
                    "'{}' is neither base64 nor hex of a SHA-256",
                    escape_str(text)
                )
            })?
        };
        let pin: [u8; 32] = bytes.try_into().map_err(|bytes: Vec<u8>| {
            format!(
                "'{}' is {} bytes, a SHA-256 is 32",
                escape_str(text),
                bytes.len()
            )
        })?;
        Ok(SpkiPin(pin))
    }
}

impl fmt::Display for SpkiPin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex(&self.0))
    }
}

/// The `--ca-file` as the verifier uses it: its path, a webpki verifier over its anchors,
/// and the certificates themselves (a server certificate equal to one of them is pinned).
#[derive(Debug)]
struct CaFile {
    path: PathBuf,
    verifier: Arc<WebPkiServerVerifier>,
    certificates: Vec<CertificateDer<'static>>,
}

/// A `ServerCertVerifier` that runs webpki against each trust store, records a
/// [`TlsVerdict`], and (in report mode) lets the handshake continue.
#[derive(Debug)]
pub(crate) struct RecordingVerifier {
    roots: Arc<WebPkiServerVerifier>,
    ca_file: Option<CaFile>,
    pins: Vec<SpkiPin>,
    verify_name: ServerName<'static>,
    strict: bool,
    verdict: Arc<Mutex<Option<TlsVerdict>>>,
}

impl RecordingVerifier {
    /// `ca_file` holds the path, the anchors already read from it and the certificates they
    /// came from; `pins` the `--pin-spki` keys.
    pub(crate) fn new(
        provider: Arc<CryptoProvider>,
        ca_file: Option<(PathBuf, RootCertStore, Vec<CertificateDer<'static>>)>,
        pins: Vec<SpkiPin>,
        verify_name: ServerName<'static>,
        strict: bool,
    ) -> Result<RecordingVerifier, VerifierBuilderError> {
        let build = |store: Arc<RootCertStore>| {
            WebPkiServerVerifier::builder_with_provider(store, provider.clone()).build()
        };
        let roots = build(webpki_roots())?;
        let ca_file = match ca_file {
            Some((path, store, certificates)) => Some(CaFile {
                path,
                verifier: build(Arc::new(store))?,
                certificates,
            }),
            None => None,
        };
        Ok(RecordingVerifier {
            roots,
            ca_file,
            pins,
            verify_name,
            strict,
            verdict: Arc::new(Mutex::new(None)),
        })
    }

    /// A handle to the verdict, readable after the handshake (or its failure).
    pub(crate) fn verdict_slot(&self) -> Arc<Mutex<Option<TlsVerdict>>> {
        self.verdict.clone()
    }

    fn judge(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        ocsp: &[u8],
        now: UnixTime,
    ) -> (TlsVerdict, Option<Error>) {
        let leaf = cert::summarize(end_entity);
        let chain: Vec<CertSummary> = intermediates.iter().map(|c| cert::summarize(c)).collect();
        let by_roots =
            self.roots
                .verify_server_cert(end_entity, intermediates, &self.verify_name, ocsp, now);
        let mut accepted = by_roots.is_ok();
        let mut first_error = by_roots.as_ref().err().cloned();
        let mut trusted = classify(&by_roots, TrustStore::WebPkiRoots, &leaf, &chain);
        if !matches!(trusted, Trust::Trusted { .. }) {
            if let Some(ca_file) = &self.ca_file {
                let by_file = ca_file.verifier.verify_server_cert(
                    end_entity,
                    intermediates,
                    &self.verify_name,
                    ocsp,
                    now,
                );
                accepted |= by_file.is_ok();
                let judged = classify(
                    &by_file,
                    TrustStore::CaFile(ca_file.path.clone()),
                    &leaf,
                    &chain,
                );
                // Prefer the store that trusts it, else the more specific reason.
                let vague = |trust: &Trust| {
                    matches!(
                        trust,
                        Trust::NotTrusted {
                            reason: UntrustedReason::UnknownIssuer | UntrustedReason::SelfSigned,
                            ..
                        }
                    )
                };
                let replace = match (&judged, &trusted) {
                    (Trust::Trusted { .. }, _) => true,
                    (Trust::NotTrusted { .. }, Trust::NotTrusted { .. }) => {
                        vague(&trusted) && !vague(&judged)
                    }
                    _ => false,
                };
                if replace {
                    trusted = judged;
                    first_error = by_file.err().or(first_error);
                }
            }
        }
        // A pin names this exact server, so it decides over what a store says: with
        // `--pin-spki` the key must be one of the pins even when a store vouches (as curl's
        // `--pinnedpubkey`); a certificate that is byte for byte in the ca-file is trusted
        // even where webpki refuses it as a chain (a self-signed CA:TRUE certificate).
        if let Some(pinned) = self.pinned(end_entity) {
            trusted = pinned;
        }
        if accepted {
            first_error = None;
        }

        let name = self.name_check(end_entity, &leaf.sans);
        let validity = validity_at(leaf.not_before, leaf.not_after, now.as_secs() as i64);
        let verdict = TlsVerdict {
            trusted,
            name,
            validity,
            webpki_accepted: accepted,
        };
        (verdict, first_error)
    }

    /// The pin verdict, if a pin applies: `--pin-spki` (match or mismatch) first, then a
    /// certificate found byte for byte in the ca-file.
    fn pinned(&self, end_entity: &CertificateDer<'_>) -> Option<Trust> {
        if !self.pins.is_empty() {
            let spki = ParsedCertificate::try_from(end_entity)
                .ok()
                .map(|parsed| SpkiPin::of_spki(parsed.subject_public_key_info().as_ref()));
            return Some(match spki {
                Some(key) if self.pins.contains(&key) => Trust::Pinned {
                    pin: Pin::Spki(key.to_string()),
                },
                Some(key) => Trust::NotTrusted {
                    reason: UntrustedReason::PinMismatch,
                    context: Some(key.to_string()),
                },
                None => Trust::NotTrusted {
                    reason: UntrustedReason::Malformed,
                    context: None,
                },
            });
        }
        let ca_file = self.ca_file.as_ref()?;
        ca_file
            .certificates
            .iter()
            .any(|c| c.as_ref() == end_entity.as_ref())
            .then(|| Trust::Pinned {
                pin: Pin::CaFileCertificate(ca_file.path.clone()),
            })
    }

    /// webpki decides whether the name matches; our SAN list only says which entry did.
    fn name_check(&self, end_entity: &CertificateDer<'_>, sans: &[SanEntry]) -> NameCheck {
        let name = name_text(&self.verify_name);
        let matched = ParsedCertificate::try_from(end_entity)
            .and_then(|parsed| verify_server_name(&parsed, &self.verify_name))
            .is_ok();
        if matched {
            let san = sans
                .iter()
                .find(|san| san.matches(&name))
                .map(|san| san.to_string())
                .unwrap_or_else(|| name.clone());
            NameCheck::Matched { name, san }
        } else {
            NameCheck::Mismatch {
                name,
                presented: sans.iter().map(|s| s.to_string()).collect(),
            }
        }
    }
}

fn name_text(name: &ServerName<'_>) -> String {
    match name {
        ServerName::DnsName(dns) => dns.as_ref().to_string(),
        ServerName::IpAddress(ip) => std::net::IpAddr::from(*ip).to_string(),
        // `ServerName` is non-exhaustive; both kinds it has today are above.
        _ => "the name asked for".to_string(),
    }
}

/// Chain verdict from a webpki result. webpki checks the chain before the name, so a name
/// error means the chain itself was fine. The reason is taken from the error's type (rustls'
/// `CertificateError`, or webpki's own error inside `Other`), never from its text.
fn classify(
    result: &Result<ServerCertVerified, Error>,
    store: TrustStore,
    leaf: &CertSummary,
    chain: &[CertSummary],
) -> Trust {
    let error = match result {
        Ok(_) => return Trust::Trusted { store },
        Err(e) => e,
    };
    let reason = match error {
        Error::InvalidCertificate(ce) => match ce {
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                return Trust::Trusted { store };
            }
            CertificateError::UnknownIssuer if leaf.self_issued => UntrustedReason::SelfSigned,
            CertificateError::UnknownIssuer => UntrustedReason::UnknownIssuer,
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                UntrustedReason::Expired
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                UntrustedReason::NotYetValid
            }
            CertificateError::BadSignature => UntrustedReason::BadSignature,
            #[allow(deprecated)]
            CertificateError::UnsupportedSignatureAlgorithm
            | CertificateError::UnsupportedSignatureAlgorithmContext { .. }
            | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
                UntrustedReason::UnsupportedSignatureAlgorithm
            }
            CertificateError::Revoked => UntrustedReason::Revoked,
            CertificateError::UnknownRevocationStatus
            | CertificateError::ExpiredRevocationList
            | CertificateError::ExpiredRevocationListContext { .. } => {
                UntrustedReason::RevocationStatusUnknown
            }
            CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
                UntrustedReason::WrongPurpose
            }
            CertificateError::UnhandledCriticalExtension => {
                UntrustedReason::UnhandledCriticalExtension
            }
            CertificateError::BadEncoding => UntrustedReason::Malformed,
            CertificateError::Other(other) => other
                .0
                .downcast_ref::<webpki::Error>()
                .map_or(UntrustedReason::Other, webpki_reason),
            _ => UntrustedReason::Other,
        },
        _ => UntrustedReason::Other,
    };
    let context = match reason {
        UntrustedReason::UnknownIssuer => missing_issuer(leaf, chain),
        UntrustedReason::CaUsedAsEndEntity if leaf.self_issued => Some("self-signed".into()),
        UntrustedReason::WrongPurpose if !leaf.ext.extended_key_usage.is_empty() => Some(
            leaf.ext
                .extended_key_usage
                .iter()
                .map(|e| escape_str(e))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        UntrustedReason::UnsupportedSignatureAlgorithm => unsupported_algorithm(error),
        _ => None,
    };
    Trust::NotTrusted { reason, context }
}

/// webpki's errors that rustls passes on only as `Other`.
fn webpki_reason(error: &webpki::Error) -> UntrustedReason {
    use webpki::Error as W;
    match error {
        W::CaUsedAsEndEntity => UntrustedReason::CaUsedAsEndEntity,
        W::EndEntityUsedAsCa => UntrustedReason::EndEntityUsedAsCa,
        W::NameConstraintViolation
        | W::InvalidNetworkMaskConstraint
        | W::MalformedNameConstraint => UntrustedReason::NameConstraintViolation,
        W::PathLenConstraintViolated | W::MaximumPathDepthExceeded => UntrustedReason::PathTooLong,
        W::UnsupportedCriticalExtension => UntrustedReason::UnhandledCriticalExtension,
        W::SignatureAlgorithmMismatch => UntrustedReason::BadSignature,
        W::BadDer
        | W::BadDerTime
        | W::TrailingData(_)
        | W::MalformedExtensions
        | W::ExtensionValueInvalid
        | W::InvalidSerialNumber
        | W::EmptyEkuExtension
        | W::MalformedDnsIdentifier
        | W::UnsupportedCertVersion => UntrustedReason::Malformed,
        _ => UntrustedReason::Other,
    }
}

/// The issuer no store holds: follow the chain as sent from the leaf, issuer to subject,
/// and name the issuer of the last certificate reached.
fn missing_issuer(leaf: &CertSummary, chain: &[CertSummary]) -> Option<String> {
    let mut current = leaf;
    // Each step moves to another certificate of `chain`; a loop ends after `chain.len()`.
    for _ in 0..chain.len() {
        let next = chain
            .iter()
            .find(|c| c.subject.is_some() && c.subject == current.issuer && !c.self_issued);
        match next {
            Some(next) => current = next,
            None => break,
        }
    }
    // Subject and issuer are escaped when decoded.
    current.issuer.clone()
}

/// The algorithm webpki refused, named from its identifier when rustls passes it on.
fn unsupported_algorithm(error: &Error) -> Option<String> {
    let Error::InvalidCertificate(
        CertificateError::UnsupportedSignatureAlgorithmContext {
            signature_algorithm_id,
            ..
        }
        | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext {
            signature_algorithm_id,
            ..
        },
    ) = error
    else {
        return None;
    };
    cert::algorithm_name(signature_algorithm_id)
}

const DAY: i64 = 86_400;

fn validity_at(not_before: Option<i64>, not_after: Option<i64>, now: i64) -> Validity {
    match (not_before, not_after) {
        (Some(nb), Some(_)) if now < nb => Validity::NotYetValid {
            not_before: nb,
            days_until: (nb - now).div_euclid(DAY),
        },
        (Some(_), Some(na)) if now > na => Validity::Expired {
            not_after: na,
            days_ago: (now - na).div_euclid(DAY),
        },
        (Some(nb), Some(na)) => Validity::Valid {
            not_before: nb,
            not_after: na,
            days_left: (na - now).div_euclid(DAY),
        },
        _ => Validity::Unknown,
    }
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        // `_server_name` is what was sent as SNI; we verify `verify_name` instead, which the
        // user may have set independently of the address and the SNI.
        let (verdict, error) = self.judge(end_entity, intermediates, ocsp_response, now);
        let ok = verdict.ok();
        if let Ok(mut slot) = self.verdict.lock() {
            *slot = Some(verdict);
        }
        if ok || !self.strict {
            return Ok(ServerCertVerified::assertion());
        }
        Err(error.unwrap_or(Error::InvalidCertificate(
            CertificateError::ApplicationVerificationFailure,
        )))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.roots.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.roots.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.roots.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason_of(error: Error, leaf: &CertSummary) -> (UntrustedReason, Option<String>) {
        match classify(&Err(error), TrustStore::WebPkiRoots, leaf, &[]) {
            Trust::NotTrusted { reason, context } => (reason, context),
            other => panic!("not a refusal: {other:?}"),
        }
    }

    /// webpki's own errors arrive wrapped in rustls' `Other`; they are told apart by type.
    #[test]
    fn webpki_errors_inside_other_get_their_own_reason() {
        let leaf = CertSummary {
            self_issued: true,
            ..CertSummary::default()
        };
        let other = |e: webpki::Error| {
            Error::InvalidCertificate(CertificateError::Other(rustls::OtherError(Arc::new(e))))
        };
        assert_eq!(
            reason_of(other(webpki::Error::CaUsedAsEndEntity), &leaf),
            (
                UntrustedReason::CaUsedAsEndEntity,
                Some("self-signed".to_string())
            )
        );
        for (error, reason) in [
            (
                webpki::Error::EndEntityUsedAsCa,
                UntrustedReason::EndEntityUsedAsCa,
            ),
            (
                webpki::Error::NameConstraintViolation,
                UntrustedReason::NameConstraintViolation,
            ),
            (
                webpki::Error::PathLenConstraintViolated,
                UntrustedReason::PathTooLong,
            ),
            (
                webpki::Error::UnsupportedCriticalExtension,
                UntrustedReason::UnhandledCriticalExtension,
            ),
            (
                webpki::Error::MaximumSignatureChecksExceeded,
                UntrustedReason::Other,
            ),
        ] {
            assert_eq!(reason_of(other(error), &leaf).0, reason);
        }
        assert_eq!(
            reason_of(
                Error::InvalidCertificate(CertificateError::UnknownIssuer),
                &leaf
            )
            .0,
            UntrustedReason::SelfSigned
        );
        let issued = CertSummary {
            issuer: Some("CN=Private CA".into()),
            ..CertSummary::default()
        };
        assert_eq!(
            reason_of(
                Error::InvalidCertificate(CertificateError::UnknownIssuer),
                &issued
            ),
            (
                UntrustedReason::UnknownIssuer,
                Some("CN=Private CA".to_string())
            )
        );
    }

    #[test]
    fn the_missing_issuer_is_the_one_above_the_last_certificate_sent() {
        let cert = |subject: &str, issuer: &str| CertSummary {
            subject: Some(subject.into()),
            issuer: Some(issuer.into()),
            ..CertSummary::default()
        };
        let leaf = cert("CN=mx", "CN=Intermediate");
        let chain = [cert("CN=Intermediate", "CN=Root")];
        assert_eq!(missing_issuer(&leaf, &chain).as_deref(), Some("CN=Root"));
        assert_eq!(
            missing_issuer(&leaf, &[]).as_deref(),
            Some("CN=Intermediate")
        );
    }

    #[test]
    fn an_unsupported_algorithm_is_named_from_its_identifier() {
        // ecdsa-with-SHA256 (1.2.840.10045.4.3.2), as webpki passes it (no outer SEQUENCE).
        let id = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
        let error =
            Error::InvalidCertificate(CertificateError::UnsupportedSignatureAlgorithmContext {
                signature_algorithm_id: id.to_vec(),
                supported_algorithms: Vec::new(),
            });
        assert_eq!(
            reason_of(error, &CertSummary::default()),
            (
                UntrustedReason::UnsupportedSignatureAlgorithm,
                Some("ecdsa-with-SHA256".to_string())
            )
        );
        assert_eq!(cert::algorithm_name(&[0x05, 0x00]), None);
    }

    #[test]
    fn validity_counts_whole_days() {
        let now = 1_000 * DAY;
        assert_eq!(
            validity_at(Some(now - DAY), Some(now + 90 * DAY), now),
            Validity::Valid {
                not_before: now - DAY,
                not_after: now + 90 * DAY,
                days_left: 90
            }
        );
        assert!(matches!(
            validity_at(Some(now - 9 * DAY), Some(now - 2 * DAY), now),
            Validity::Expired { days_ago: 2, .. }
        ));
        assert!(matches!(
            validity_at(Some(now + 3 * DAY), Some(now + 9 * DAY), now),
            Validity::NotYetValid { days_until: 3, .. }
        ));
        assert_eq!(validity_at(None, Some(now), now), Validity::Unknown);
    }
}
