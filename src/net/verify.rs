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

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{VerifierBuilderError, WebPkiServerVerifier, verify_server_name};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{CertificateError, DigitallySignedStruct, Error, RootCertStore, SignatureScheme};

use super::cert::{self, SanEntry};
pub use crate::event::verdict::TlsVerdict;
use crate::event::verdict::{NameCheck, Trust, TrustStore, UntrustedReason, Validity};

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

/// A `ServerCertVerifier` that runs webpki against each trust store, records a
/// [`TlsVerdict`], and (in report mode) lets the handshake continue.
#[derive(Debug)]
pub(crate) struct RecordingVerifier {
    roots: Arc<WebPkiServerVerifier>,
    ca_file: Option<(PathBuf, Arc<WebPkiServerVerifier>)>,
    verify_name: ServerName<'static>,
    strict: bool,
    verdict: Arc<Mutex<Option<TlsVerdict>>>,
}

impl RecordingVerifier {
    /// `ca_file` holds the path and the anchors already read from it.
    pub(crate) fn new(
        provider: Arc<CryptoProvider>,
        ca_file: Option<(PathBuf, RootCertStore)>,
        verify_name: ServerName<'static>,
        strict: bool,
    ) -> Result<RecordingVerifier, VerifierBuilderError> {
        let build = |store: Arc<RootCertStore>| {
            WebPkiServerVerifier::builder_with_provider(store, provider.clone()).build()
        };
        let roots = build(webpki_roots())?;
        let ca_file = match ca_file {
            Some((path, store)) => Some((path, build(Arc::new(store))?)),
            None => None,
        };
        Ok(RecordingVerifier {
            roots,
            ca_file,
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
        let by_roots =
            self.roots
                .verify_server_cert(end_entity, intermediates, &self.verify_name, ocsp, now);
        let mut accepted = by_roots.is_ok();
        let mut first_error = by_roots.as_ref().err().cloned();
        let mut trusted = classify(&by_roots, TrustStore::WebPkiRoots, leaf.self_issued);
        if !matches!(trusted, Trust::Trusted { .. }) {
            if let Some((path, verifier)) = &self.ca_file {
                let by_file = verifier.verify_server_cert(
                    end_entity,
                    intermediates,
                    &self.verify_name,
                    ocsp,
                    now,
                );
                accepted |= by_file.is_ok();
                let judged = classify(&by_file, TrustStore::CaFile(path.clone()), leaf.self_issued);
                // Prefer the store that trusts it, else the more specific reason.
                let replace = match (&judged, &trusted) {
                    (Trust::Trusted { .. }, _) => true,
                    (
                        Trust::NotTrusted { reason: new, .. },
                        Trust::NotTrusted { reason: old, .. },
                    ) => {
                        matches!(
                            old,
                            UntrustedReason::UnknownIssuer | UntrustedReason::SelfSigned
                        ) && !matches!(
                            new,
                            UntrustedReason::UnknownIssuer | UntrustedReason::SelfSigned
                        )
                    }
                    _ => false,
                };
                if replace {
                    trusted = judged;
                    first_error = by_file.err().or(first_error);
                }
            }
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
        other => format!("{other:?}"),
    }
}

/// Chain verdict from a webpki result. webpki checks the chain before the name, so a name
/// error means the chain itself was fine.
fn classify(
    result: &Result<ServerCertVerified, Error>,
    store: TrustStore,
    self_issued: bool,
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
            CertificateError::UnknownIssuer if self_issued => UntrustedReason::SelfSigned,
            CertificateError::UnknownIssuer => UntrustedReason::UnknownIssuer,
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                UntrustedReason::Expired
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                UntrustedReason::NotYetValid
            }
            CertificateError::BadSignature
            | CertificateError::UnsupportedSignatureAlgorithmContext { .. }
            | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
                UntrustedReason::BadSignature
            }
            CertificateError::Revoked => UntrustedReason::Revoked,
            CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
                UntrustedReason::WrongPurpose
            }
            CertificateError::BadEncoding => UntrustedReason::Malformed,
            _ => UntrustedReason::Other,
        },
        _ => UntrustedReason::Other,
    };
    Trust::NotTrusted {
        reason,
        detail: error.to_string(),
    }
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
