//! Why a chain is not trusted, in stable codes and in words.
//!
//! Layer: event values.

use super::*;
use serde::{Deserialize, Serialize};

/// Why a chain is not trusted, from the webpki error (or the pin check).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UntrustedReason {
    /// No trust store holds the issuer (the issuer's name is in the verdict's context).
    #[serde(alias = "unknown_issuer")]
    UnknownIssuer,
    /// Unknown issuer, and the certificate names itself as issuer.
    #[serde(alias = "self_signed")]
    SelfSigned,
    /// A certificate with basicConstraints CA:TRUE presented as the server's own.
    CaUsedAsEndEntity,
    /// A certificate that is not a CA signed another one in the chain.
    EndEntityUsedAsCa,
    Expired,
    #[serde(alias = "not_yet_valid")]
    NotYetValid,
    /// A signature in the chain does not verify.
    #[serde(alias = "bad_signature")]
    BadSignature,
    /// Signed with an algorithm webpki does not accept (the algorithm is in the context).
    UnsupportedSignatureAlgorithm,
    Revoked,
    /// A revocation check was asked for and could not be answered.
    RevocationStatusUnknown,
    /// Not valid for TLS server authentication (extended key usage).
    #[serde(alias = "wrong_purpose")]
    WrongPurpose,
    /// A CA's name constraints exclude the certificate's names.
    NameConstraintViolation,
    /// The chain is longer than a CA's pathLenConstraint (or webpki's limit) allows.
    PathTooLong,
    /// A critical extension webpki does not understand.
    UnhandledCriticalExtension,
    /// The server's key is none of the `--pin-spki` keys (its own is in the context).
    PinMismatch,
    Malformed,
    /// A reason with no name of its own, or one a later smtpx wrote.
    #[serde(other)]
    Other,
}

impl UntrustedReason {
    /// Every reason, for tables and tests.
    pub const ALL: [UntrustedReason; 17] = [
        UntrustedReason::UnknownIssuer,
        UntrustedReason::SelfSigned,
        UntrustedReason::CaUsedAsEndEntity,
        UntrustedReason::EndEntityUsedAsCa,
        UntrustedReason::Expired,
        UntrustedReason::NotYetValid,
        UntrustedReason::BadSignature,
        UntrustedReason::UnsupportedSignatureAlgorithm,
        UntrustedReason::Revoked,
        UntrustedReason::RevocationStatusUnknown,
        UntrustedReason::WrongPurpose,
        UntrustedReason::NameConstraintViolation,
        UntrustedReason::PathTooLong,
        UntrustedReason::UnhandledCriticalExtension,
        UntrustedReason::PinMismatch,
        UntrustedReason::Malformed,
        UntrustedReason::Other,
    ];

    /// The stable machine-readable code (`--json`'s `reason`, the transcript's `reason`).
    pub fn code(self) -> &'static str {
        match self {
            UntrustedReason::UnknownIssuer => "unknown-issuer",
            UntrustedReason::SelfSigned => "self-signed",
            UntrustedReason::CaUsedAsEndEntity => "ca-used-as-end-entity",
            UntrustedReason::EndEntityUsedAsCa => "end-entity-used-as-ca",
            UntrustedReason::Expired => "expired",
            UntrustedReason::NotYetValid => "not-yet-valid",
            UntrustedReason::BadSignature => "bad-signature",
            UntrustedReason::UnsupportedSignatureAlgorithm => "unsupported-signature-algorithm",
            UntrustedReason::Revoked => "revoked",
            UntrustedReason::RevocationStatusUnknown => "revocation-status-unknown",
            UntrustedReason::WrongPurpose => "wrong-purpose",
            UntrustedReason::NameConstraintViolation => "name-constraint-violation",
            UntrustedReason::PathTooLong => "path-too-long",
            UntrustedReason::UnhandledCriticalExtension => "unhandled-critical-extension",
            UntrustedReason::PinMismatch => "pin-mismatch",
            UntrustedReason::Malformed => "malformed",
            UntrustedReason::Other => "other",
        }
    }

    /// A few words, for a status bar: "self-signed", "CA cert as server cert".
    pub fn short(self) -> &'static str {
        match self {
            UntrustedReason::UnknownIssuer => "unknown issuer",
            UntrustedReason::SelfSigned => "self-signed",
            UntrustedReason::CaUsedAsEndEntity => "CA cert as server cert",
            UntrustedReason::EndEntityUsedAsCa => "server cert as CA",
            UntrustedReason::Expired => "expired",
            UntrustedReason::NotYetValid => "not yet valid",
            UntrustedReason::BadSignature => "bad signature",
            UntrustedReason::UnsupportedSignatureAlgorithm => "unsupported signature",
            UntrustedReason::Revoked => "revoked",
            UntrustedReason::RevocationStatusUnknown => "revocation unknown",
            UntrustedReason::WrongPurpose => "not for server auth",
            UntrustedReason::NameConstraintViolation => "name constraints",
            UntrustedReason::PathTooLong => "chain too long",
            UntrustedReason::UnhandledCriticalExtension => "unknown critical extension",
            UntrustedReason::PinMismatch => "pin mismatch",
            UntrustedReason::Malformed => "malformed",
            UntrustedReason::Other => "not trusted",
        }
    }

    /// The reason as a phrase for one-line summaries (status lines, the scan table,
    /// exports): "self-signed certificate", "unknown issuer CN=…", "expired 3 days ago".
    /// `context` and `validity` as for [`UntrustedReason::sentence`].
    pub fn phrase(self, context: Option<&str>, validity: &Validity) -> String {
        match self {
            UntrustedReason::UnknownIssuer => match context {
                Some(issuer) => format!("unknown issuer {issuer}"),
                None => "unknown issuer".into(),
            },
            UntrustedReason::SelfSigned => "self-signed certificate".into(),
            UntrustedReason::CaUsedAsEndEntity => match context {
                Some(more) => {
                    format!("a CA certificate (CA:TRUE, {more}) used as the server's certificate")
                }
                None => "a CA certificate (CA:TRUE) used as the server's certificate".into(),
            },
            UntrustedReason::EndEntityUsedAsCa => "a non-CA certificate used as a CA".into(),
            UntrustedReason::Expired => match validity {
                Validity::Expired { days_ago, .. } => {
                    format!("expired {}", days_phrase(*days_ago, "ago"))
                }
                _ => "a certificate in the chain expired".into(),
            },
            UntrustedReason::NotYetValid => match validity {
                Validity::NotYetValid { days_until, .. } => {
                    format!("not valid yet (starts in {})", days_phrase(*days_until, ""))
                }
                _ => "a certificate in the chain is not valid yet".into(),
            },
            UntrustedReason::BadSignature => "a signature in the chain does not verify".into(),
            UntrustedReason::UnsupportedSignatureAlgorithm => match context {
                Some(alg) => format!("unsupported signature algorithm {alg}"),
                None => "unsupported signature algorithm".into(),
            },
            UntrustedReason::Revoked => "certificate revoked".into(),
            UntrustedReason::RevocationStatusUnknown => "revocation status unknown".into(),
            UntrustedReason::WrongPurpose => match context {
                Some(ekus) => format!("not valid for server authentication (EKU {ekus})"),
                None => "not valid for server authentication".into(),
            },
            UntrustedReason::NameConstraintViolation => "outside a CA's name constraints".into(),
            UntrustedReason::PathTooLong => "chain longer than a CA in it allows".into(),
            UntrustedReason::UnhandledCriticalExtension => "unknown critical extension".into(),
            UntrustedReason::PinMismatch => "the key matches no --pin-spki".into(),
            UntrustedReason::Malformed => "malformed certificate".into(),
            UntrustedReason::Other => "verification failed".into(),
        }
    }

    /// The reason as a sentence. `context` is the reason's particular (the unknown issuer's
    /// name, the pinned-against key, the algorithm; already escaped), `validity` the leaf's
    /// dates (an expired leaf says how long ago).
    pub fn sentence(self, context: Option<&str>, validity: &Validity) -> String {
        match self {
            UntrustedReason::UnknownIssuer => match context {
                Some(issuer) => format!(
                    "unknown issuer: {issuer} is in no trust store (a private CA, or an \
                     intermediate certificate the server did not send)"
                ),
                None => "unknown issuer: the issuer is in no trust store (a private CA, or an \
                         intermediate certificate the server did not send)"
                    .into(),
            },
            UntrustedReason::SelfSigned => "self-signed: the certificate is its own issuer and \
                 no trust store holds it (pin it with --ca-file or --pin-spki to trust this server)"
                .into(),
            UntrustedReason::CaUsedAsEndEntity => {
                let more = context.map(|c| format!(", {c}")).unwrap_or_default();
                format!(
                    "a CA certificate (basicConstraints CA:TRUE{more}) is used as the server's \
                     certificate; webpki accepts only a non-CA certificate from a chain (give \
                     this exact certificate as --ca-file to pin it)"
                )
            }
            UntrustedReason::EndEntityUsedAsCa => "a certificate that is not a CA signed \
                 another certificate in the chain"
                .into(),
            UntrustedReason::Expired => match validity {
                Validity::Expired { days_ago, .. } => {
                    format!("expired {}", days_phrase(*days_ago, "ago"))
                }
                _ => "a certificate in the chain has expired (not the server's own)".into(),
            },
            UntrustedReason::NotYetValid => match validity {
                Validity::NotYetValid { days_until, .. } => {
                    format!(
                        "not valid yet: it starts in {}",
                        days_phrase(*days_until, "")
                    )
                }
                _ => "a certificate in the chain is not valid yet (not the server's own)".into(),
            },
            UntrustedReason::BadSignature => "a signature in the chain does not verify: a \
                 certificate was altered or was not signed by the key of its issuer"
                .into(),
            UntrustedReason::UnsupportedSignatureAlgorithm => match context {
                Some(alg) => format!(
                    "unsupported signature algorithm: a certificate is signed with {alg}, \
                     which webpki does not accept"
                ),
                None => "unsupported signature algorithm: a certificate is signed with an \
                         algorithm webpki does not accept"
                    .into(),
            },
            UntrustedReason::Revoked => "revoked: its issuer has withdrawn the certificate".into(),
            UntrustedReason::RevocationStatusUnknown => {
                "the revocation status could not be determined".into()
            }
            UntrustedReason::WrongPurpose => match context {
                Some(ekus) => format!(
                    "not valid for server authentication: its extended key usage allows {ekus}, \
                     not serverAuth"
                ),
                None => "not valid for server authentication: its extended key usage does not \
                         include serverAuth"
                    .into(),
            },
            UntrustedReason::NameConstraintViolation => "a CA in the chain may not issue for \
                 the certificate's names (name constraints)"
                .into(),
            UntrustedReason::PathTooLong => "the chain is longer than a CA in it allows \
                 (path length constraint)"
                .into(),
            UntrustedReason::UnhandledCriticalExtension => "a certificate has a critical \
                 extension webpki does not understand"
                .into(),
            UntrustedReason::PinMismatch => match context {
                Some(spki) => format!(
                    "pin mismatch: the server's key (SPKI SHA-256 {spki}) is not a --pin-spki key"
                ),
                None => "pin mismatch: the server's key is not a --pin-spki key".into(),
            },
            UntrustedReason::Malformed => "the certificate is malformed (bad DER encoding)".into(),
            UntrustedReason::Other => {
                "verification failed for a reason webpki gives no name".into()
            }
        }
    }
}

/// "1 day ago", "12 days", "less than a day".
pub(super) fn days_phrase(days: i64, after: &str) -> String {
    let count = match days {
        ..=0 => "less than a day".to_string(),
        1 => "1 day".to_string(),
        n => format!("{n} days"),
    };
    if after.is_empty() {
        count
    } else {
        format!("{count} {after}")
    }
}
