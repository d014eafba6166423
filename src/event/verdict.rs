//! The verification verdict: three separate answers — is the chain trusted (by which store,
//! or why not), does the name match (which name, which subjectAltName;
//! [RFC 6125 §6](https://www.rfc-editor.org/rfc/rfc6125#section-6)), is the certificate
//! currently valid — and a one-line summary for a status bar. Plain data; the transport's
//! recording verifier (`net::verify`) produces it. The serde derives serve a failure's cause
//! in a transcript (a certificate strict verification refused); the `tls` line keeps its own
//! documented shape (`transcript::tls`).
//!
//! Layer: event and value types.

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Which trust store vouched for the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrustStore {
    /// The Mozilla roots compiled in (`webpki-roots`): the same answer on every machine.
    WebPkiRoots,
    /// The anchors from `--ca-file`.
    CaFile(PathBuf),
}

impl fmt::Display for TrustStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrustStore::WebPkiRoots => f.write_str("webpki-roots"),
            TrustStore::CaFile(path) => write!(f, "ca-file {}", path.display()),
        }
    }
}

/// Why a chain is not trusted, from the webpki error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UntrustedReason {
    UnknownIssuer,
    /// Unknown issuer, and the certificate names itself as issuer.
    SelfSigned,
    Expired,
    NotYetValid,
    BadSignature,
    Revoked,
    /// Not valid for TLS server authentication (extended key usage).
    WrongPurpose,
    Malformed,
    Other,
}

impl UntrustedReason {
    pub fn describe(self) -> &'static str {
        match self {
            UntrustedReason::UnknownIssuer => "unknown issuer",
            UntrustedReason::SelfSigned => "self-signed certificate",
            UntrustedReason::Expired => "certificate expired",
            UntrustedReason::NotYetValid => "certificate not yet valid",
            UntrustedReason::BadSignature => "bad or unsupported signature",
            UntrustedReason::Revoked => "certificate revoked",
            UntrustedReason::WrongPurpose => "not valid for TLS server authentication",
            UntrustedReason::Malformed => "malformed certificate",
            UntrustedReason::Other => "verification failed",
        }
    }
}

/// Is the chain trusted?
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trust {
    Trusted {
        store: TrustStore,
    },
    /// `detail` is rustls' own message, for the curious.
    NotTrusted {
        reason: UntrustedReason,
        detail: String,
    },
    /// The verifier never ran (e.g. a resumed session).
    NotChecked,
}

/// Does the certificate match the name we wanted?
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NameCheck {
    /// `san` is the subjectAltName that matched (`*.example.com`, `127.0.0.1`).
    Matched {
        name: String,
        san: String,
    },
    /// `presented` lists the certificate's subjectAltNames (untrusted text; escape it).
    Mismatch {
        name: String,
        presented: Vec<String>,
    },
    NotChecked,
}

/// Is the leaf inside its validity period? Times are Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Validity {
    Valid {
        not_before: i64,
        not_after: i64,
        days_left: i64,
    },
    Expired {
        not_after: i64,
        days_ago: i64,
    },
    NotYetValid {
        not_before: i64,
        days_until: i64,
    },
    /// The dates could not be read.
    Unknown,
}

/// What verification found. Report mode records this and carries on; strict mode fails the
/// handshake unless [`TlsVerdict::ok`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsVerdict {
    pub trusted: Trust,
    pub name: NameCheck,
    pub validity: Validity,
    /// Whether rustls' `WebPkiServerVerifier` accepted chain and name together (with either
    /// store). `ok()` requires it, so the verdict can never be more lenient than webpki.
    pub webpki_accepted: bool,
}

impl TlsVerdict {
    pub fn not_checked() -> TlsVerdict {
        TlsVerdict {
            trusted: Trust::NotChecked,
            name: NameCheck::NotChecked,
            validity: Validity::Unknown,
            webpki_accepted: false,
        }
    }

    /// Trusted, name matches, currently valid — and webpki agreed.
    pub fn ok(&self) -> bool {
        self.webpki_accepted
            && self.is_trusted()
            && matches!(self.name, NameCheck::Matched { .. })
            && self.is_valid_now()
    }

    /// A trust store vouched for the chain.
    pub fn is_trusted(&self) -> bool {
        matches!(self.trusted, Trust::Trusted { .. })
    }

    /// The name was checked and the certificate does not carry it.
    pub fn is_name_mismatch(&self) -> bool {
        matches!(self.name, NameCheck::Mismatch { .. })
    }

    /// The leaf is inside its validity period.
    pub fn is_valid_now(&self) -> bool {
        matches!(self.validity, Validity::Valid { .. })
    }

    /// One line for a status bar, e.g. "trusted (webpki-roots), name ok (mx.example.com),
    /// valid 61 days" or "NOT trusted: self-signed certificate; name ok (localhost); valid
    /// 364 days". Certificate text in it is escaped.
    pub fn summary(&self) -> String {
        let trust = match &self.trusted {
            Trust::Trusted { store } => format!("trusted ({store})"),
            Trust::NotTrusted { reason, .. } => format!("NOT trusted: {}", reason.describe()),
            Trust::NotChecked => "trust NOT checked".to_string(),
        };
        let name = match &self.name {
            NameCheck::Matched { name, san } if san.eq_ignore_ascii_case(name) => {
                format!("name ok ({})", esc(name))
            }
            NameCheck::Matched { name, san } => format!("name ok ({} via {})", esc(name), esc(san)),
            NameCheck::Mismatch { name, presented } if presented.is_empty() => {
                format!(
                    "name MISMATCH ({} not in certificate, which has no names)",
                    esc(name)
                )
            }
            NameCheck::Mismatch { name, presented } => format!(
                "name MISMATCH ({} not in {})",
                esc(name),
                esc(&presented.join(", "))
            ),
            NameCheck::NotChecked => "name NOT checked".to_string(),
        };
        let validity = match self.validity {
            Validity::Valid { days_left, .. } => format!("valid {days_left} days"),
            Validity::Expired { days_ago, .. } => format!("EXPIRED {days_ago} days ago"),
            Validity::NotYetValid { days_until, .. } => {
                format!("NOT yet valid (starts in {days_until} days)")
            }
            Validity::Unknown => "validity unknown".to_string(),
        };
        let sep = if self.ok() { ", " } else { "; " };
        [trust, name, validity].join(sep)
    }
}

fn esc(s: &str) -> String {
    crate::proto::text::escape_str(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_reads_like_a_sentence() {
        let verdict = TlsVerdict {
            trusted: Trust::Trusted {
                store: TrustStore::WebPkiRoots,
            },
            name: NameCheck::Matched {
                name: "mx.example.com".into(),
                san: "mx.example.com".into(),
            },
            validity: Validity::Valid {
                not_before: 0,
                not_after: 0,
                days_left: 61,
            },
            webpki_accepted: true,
        };
        assert!(verdict.ok());
        assert_eq!(
            verdict.summary(),
            "trusted (webpki-roots), name ok (mx.example.com), valid 61 days"
        );
        let verdict = TlsVerdict {
            trusted: Trust::NotTrusted {
                reason: UntrustedReason::SelfSigned,
                detail: String::new(),
            },
            name: NameCheck::Matched {
                name: "localhost".into(),
                san: "localhost".into(),
            },
            validity: Validity::Valid {
                not_before: 0,
                not_after: 0,
                days_left: 364,
            },
            webpki_accepted: false,
        };
        assert!(!verdict.ok());
        assert_eq!(
            verdict.summary(),
            "NOT trusted: self-signed certificate; name ok (localhost); valid 364 days"
        );
    }

    #[test]
    fn a_name_spelling_not_does_not_flag_a_match() {
        let verdict = TlsVerdict {
            trusted: Trust::NotChecked,
            name: NameCheck::Matched {
                name: "NOT.example".into(),
                san: "NOT.example".into(),
            },
            validity: Validity::Unknown,
            webpki_accepted: false,
        };
        assert!(!verdict.is_name_mismatch());
        assert!(!verdict.is_trusted());
        assert!(!verdict.is_valid_now());
    }

    #[test]
    fn hostile_names_are_escaped_in_the_summary() {
        let verdict = TlsVerdict {
            trusted: Trust::NotChecked,
            name: NameCheck::Mismatch {
                name: "a".into(),
                presented: vec!["\x1b]0;x\x07".into()],
            },
            validity: Validity::Unknown,
            webpki_accepted: false,
        };
        assert!(verdict.summary().contains("\\x1b]0;x\\x07"));
    }
}
