//! The verification verdict: three separate answers — is the chain trusted (by which store,
//! by a pin, or why not), does the name match (which name, which subjectAltName;
//! [RFC 6125 §6](https://www.rfc-editor.org/rfc/rfc6125#section-6)), is the certificate
//! currently valid — and the words for them. Plain data; the transport's recording verifier
//! (`net::verify`) produces it.
//!
//! This file is the one source of the verdict's words and reason codes: the status bar, the
//! certificate view, the probe (text and `--json`), the scan, the transcript and its exports
//! all take them from here. A reason has a stable machine-readable [`UntrustedReason::code`]
//! (kebab-case, also its serde name; the snake_case names older transcripts wrote still
//! read) and a sentence in plain words; rustls' and webpki's own `Debug`-shaped error texts
//! are never kept, so they cannot reach a person.
//!
//! Layer: event and value types.

use std::fmt;
mod reason;
pub use reason::UntrustedReason;
use reason::days_phrase;

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

/// What the user pinned, when a pin (not a chain) is why the server is trusted. A pin names
/// this exact server, as a DANE-EE record does
/// ([RFC 7671 §5.1](https://www.rfc-editor.org/rfc/rfc7671#section-5.1)): the chain and the
/// name are not required, the certificate's dates still are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pin {
    /// The server's certificate is byte for byte one of the certificates in this ca-file.
    CaFileCertificate(PathBuf),
    /// The SHA-256 of the server's SubjectPublicKeyInfo (lower-case hex) is a `--pin-spki`.
    Spki(String),
}

impl fmt::Display for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pin::CaFileCertificate(path) => write!(
                f,
                "the server's certificate is in ca-file {}",
                path.display()
            ),
            Pin::Spki(hex) => write!(f, "the server's key matches --pin-spki {hex}"),
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
    /// Trusted because the user pinned this certificate or key, not through a chain.
    Pinned {
        pin: Pin,
    },
    /// `context` is the reason's particular, if it has one (see
    /// [`UntrustedReason::sentence`]); escaped, as it came from the certificate.
    NotTrusted {
        reason: UntrustedReason,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        context: Option<String>,
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
    /// store). `ok()` requires it of a chain, so a chain verdict is never more lenient than
    /// webpki; a pin is the one thing that stands in for it.
    pub webpki_accepted: bool,
}

/// The name-mismatch code, beside the [`UntrustedReason`] codes in `--json`'s `reasons`.
pub const NAME_MISMATCH: &str = "name-mismatch";

impl TlsVerdict {
    pub fn not_checked() -> TlsVerdict {
        TlsVerdict {
            trusted: Trust::NotChecked,
            name: NameCheck::NotChecked,
            validity: Validity::Unknown,
            webpki_accepted: false,
        }
    }

    /// Trusted (webpki agreeing) or pinned, the name matches unless pinned, currently valid.
    pub fn ok(&self) -> bool {
        let chain = match self.trusted {
            Trust::Trusted { .. } => self.webpki_accepted,
            Trust::Pinned { .. } => true,
            Trust::NotTrusted { .. } | Trust::NotChecked => false,
        };
        let name = matches!(self.name, NameCheck::Matched { .. }) || self.is_pinned();
        chain && name && self.is_valid_now()
    }

    /// A trust store or a pin vouched for the server.
    pub fn is_trusted(&self) -> bool {
        matches!(self.trusted, Trust::Trusted { .. } | Trust::Pinned { .. })
    }

    /// A pin, not a chain, is why the server is trusted.
    pub fn is_pinned(&self) -> bool {
        matches!(self.trusted, Trust::Pinned { .. })
    }

    /// The name was checked and the certificate does not carry it.
    pub fn is_name_mismatch(&self) -> bool {
        matches!(self.name, NameCheck::Mismatch { .. })
    }

    /// The name is a problem: it does not match, and no pin stands in for it.
    pub fn is_name_problem(&self) -> bool {
        self.is_name_mismatch() && !self.is_pinned()
    }

    /// The leaf is inside its validity period.
    pub fn is_valid_now(&self) -> bool {
        matches!(self.validity, Validity::Valid { .. })
    }

    /// Every problem's stable code, chain first, then name, then dates (each once).
    pub fn reasons(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if let Trust::NotTrusted { reason, .. } = self.trusted {
            out.push(reason.code());
        }
        if self.is_name_problem() {
            out.push(NAME_MISMATCH);
        }
        let dates = match self.validity {
            Validity::Expired { .. } => Some(UntrustedReason::Expired.code()),
            Validity::NotYetValid { .. } => Some(UntrustedReason::NotYetValid.code()),
            _ => None,
        };
        out.extend(dates.filter(|code| !out.contains(code)));
        out
    }

    /// The first problem's code (`--json`'s `reason`); `None` when there is none.
    pub fn reason(&self) -> Option<&'static str> {
        self.reasons().first().copied()
    }

    /// A few words for a status bar: "pinned", "self-signed", "name mismatch", "expired".
    pub fn short(&self) -> &'static str {
        match &self.trusted {
            Trust::NotTrusted { reason, .. } => reason.short(),
            Trust::NotChecked => "not checked",
            _ if self.is_name_problem() => "name mismatch",
            _ if matches!(self.validity, Validity::Expired { .. }) => "expired",
            _ if matches!(self.validity, Validity::NotYetValid { .. }) => "not yet valid",
            _ if matches!(self.validity, Validity::Unknown) => "dates unknown",
            Trust::Pinned { .. } => "pinned",
            Trust::Trusted { .. } if !self.webpki_accepted => "not accepted by webpki",
            Trust::Trusted { .. } => "verified",
        }
    }

    /// The chain verdict in words: "trusted by webpki-roots", "pinned: the server's
    /// certificate is in ca-file …", "NOT trusted: self-signed: …".
    pub fn trust_words(&self) -> String {
        match &self.trusted {
            Trust::Trusted { store } => format!("trusted by {}", esc(&store.to_string())),
            Trust::Pinned { pin } => format!("pinned: {}", esc(&pin.to_string())),
            Trust::NotTrusted { reason, context } => format!(
                "NOT trusted: {}",
                reason.sentence(context.as_deref(), &self.validity)
            ),
            Trust::NotChecked => "trust NOT checked".to_string(),
        }
    }

    /// The name verdict in words, with the names presented when it does not match.
    pub fn name_words(&self) -> String {
        match &self.name {
            NameCheck::Matched { name, san } => {
                format!("{} matches subjectAltName {}", esc(name), esc(san))
            }
            NameCheck::Mismatch { name, presented } => {
                let names = if presented.is_empty() {
                    "the certificate presents no subjectAltName at all".to_string()
                } else {
                    format!("the certificate presents {}", esc(&presented.join(", ")))
                };
                let pinned = if self.is_pinned() {
                    " (not required: the server is pinned)"
                } else {
                    ""
                };
                format!(
                    "name mismatch: {} is not among its names; {names}{pinned}",
                    esc(name)
                )
            }
            NameCheck::NotChecked => "name NOT checked".to_string(),
        }
    }

    /// The dates in words.
    pub fn validity_words(&self) -> String {
        match self.validity {
            Validity::Valid { days_left, .. } => format!("valid now, {days_left} days left"),
            Validity::Expired { days_ago, .. } => {
                format!("EXPIRED {}", days_phrase(days_ago, "ago"))
            }
            Validity::NotYetValid { days_until, .. } => {
                format!("NOT valid yet (starts in {})", days_phrase(days_until, ""))
            }
            Validity::Unknown => "validity unknown (the dates could not be read)".to_string(),
        }
    }

    /// One line, e.g. "trusted (webpki-roots), name ok (mx.example.com), valid 61 days" or
    /// "NOT trusted: self-signed certificate; name ok (localhost); valid 364 days" (the
    /// reason as a phrase; the whole sentence is in [`TlsVerdict::trust_words`]).
    /// Certificate text in it is escaped.
    pub fn summary(&self) -> String {
        let trust = match &self.trusted {
            Trust::Trusted { store } => format!("trusted ({})", esc(&store.to_string())),
            Trust::NotTrusted { reason, context } => format!(
                "NOT trusted: {}",
                reason.phrase(context.as_deref(), &self.validity)
            ),
            _ => self.trust_words(),
        };
        let name = match &self.name {
            NameCheck::Matched { name, san } if san.eq_ignore_ascii_case(name) => {
                format!("name ok ({})", esc(name))
            }
            NameCheck::Matched { name, san } => format!("name ok ({} via {})", esc(name), esc(san)),
            NameCheck::Mismatch { name, presented } => {
                let names = if presented.is_empty() {
                    "which has no names".to_string()
                } else {
                    esc(&presented.join(", "))
                };
                let pinned = if self.is_pinned() {
                    ", not required when pinned"
                } else {
                    ""
                };
                let not_in = if presented.is_empty() {
                    "not in certificate, "
                } else {
                    "not in "
                };
                format!("name MISMATCH ({} {not_in}{names}{pinned})", esc(name))
            }
            NameCheck::NotChecked => "name NOT checked".to_string(),
        };
        let validity = match self.validity {
            Validity::Valid { days_left, .. } => format!("valid {days_left} days"),
            _ => self.validity_words(),
        };
        let sep = if self.ok() { ", " } else { "; " };
        [trust, name, validity].join(sep)
    }
}

fn esc(s: &str) -> String {
    crate::proto::text::escape_str(s)
}

#[cfg(test)]
mod tests;
