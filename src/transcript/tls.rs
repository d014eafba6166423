//! How a TLS handshake is written in a transcript: negotiated parameters, the chain (DER,
//! base64) and the whole verification verdict, so a replayed session shows the certificate
//! and its verdict exactly as they were.
//!
//! Layer: transcript. Plain data mirrors of [`TlsInfo`] and [`TlsVerdict`] with serde; the
//! transport types stay free of serde.

use std::path::PathBuf;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use super::format::{LineError, duration_from_secs, secs};
use crate::event::{NameCheck, TlsInfo, TlsVerdict, Trust, TrustStore, UntrustedReason, Validity};

/// A TLS event line's fields (beside `at`, `kind` and `dir`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TlsRecord {
    /// `TLSv1.3`, `TLSv1.2`.
    pub version: String,
    pub cipher: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alpn: Option<String>,
    /// Handshake duration in seconds.
    pub handshake: f64,
    #[serde(default)]
    pub resumed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sni: Option<String>,
    /// The certificates the server sent, leaf first, DER in standard base64.
    #[serde(default)]
    pub chain: Vec<String>,
    pub verdict: VerdictRecord,
}

/// The verdict: `ok` and `summary` for people and `jq`; the parts for a faithful replay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerdictRecord {
    pub ok: bool,
    pub summary: String,
    pub trust: TrustRecord,
    pub name: NameRecord,
    pub validity: ValidityRecord,
    pub webpki_accepted: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum TrustRecord {
    Trusted {
        /// `webpki-roots` or `ca-file`.
        store: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ca_file: Option<String>,
    },
    NotTrusted {
        reason: String,
        #[serde(default)]
        detail: String,
    },
    NotChecked,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum NameRecord {
    Matched {
        name: String,
        san: String,
    },
    Mismatch {
        name: String,
        presented: Vec<String>,
    },
    NotChecked,
}

/// Validity times are Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ValidityRecord {
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
    Unknown,
}

const REASONS: [(UntrustedReason, &str); 9] = [
    (UntrustedReason::UnknownIssuer, "unknown_issuer"),
    (UntrustedReason::SelfSigned, "self_signed"),
    (UntrustedReason::Expired, "expired"),
    (UntrustedReason::NotYetValid, "not_yet_valid"),
    (UntrustedReason::BadSignature, "bad_signature"),
    (UntrustedReason::Revoked, "revoked"),
    (UntrustedReason::WrongPurpose, "wrong_purpose"),
    (UntrustedReason::Malformed, "malformed"),
    (UntrustedReason::Other, "other"),
];

impl TlsRecord {
    pub fn from_info(info: &TlsInfo) -> TlsRecord {
        TlsRecord {
            version: info.version.clone(),
            cipher: info.cipher_suite.clone(),
            group: info.key_exchange_group.clone(),
            alpn: info.alpn.clone(),
            handshake: secs(info.handshake),
            resumed: info.resumed,
            sni: info.sni_sent.clone(),
            chain: info
                .chain_der
                .iter()
                .map(|der| STANDARD.encode(der))
                .collect(),
            verdict: VerdictRecord::from_verdict(&info.verdict),
        }
    }

    /// Back to a [`TlsInfo`]; an error names the field that is wrong.
    pub fn to_info(&self) -> Result<TlsInfo, LineError> {
        let chain_der = self
            .chain
            .iter()
            .enumerate()
            .map(|(i, b64)| {
                STANDARD
                    .decode(b64)
                    .map_err(|source| LineError::Chain { index: i, source })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(TlsInfo {
            version: self.version.clone(),
            cipher_suite: self.cipher.clone(),
            key_exchange_group: self.group.clone(),
            alpn: self.alpn.clone(),
            chain_der,
            handshake: duration_from_secs(self.handshake, "handshake")?,
            resumed: self.resumed,
            sni_sent: self.sni.clone(),
            verdict: self.verdict.to_verdict()?,
        })
    }
}

impl VerdictRecord {
    pub fn from_verdict(verdict: &TlsVerdict) -> VerdictRecord {
        let trust = match &verdict.trusted {
            Trust::Trusted { store } => match store {
                TrustStore::WebPkiRoots => TrustRecord::Trusted {
                    store: "webpki-roots".into(),
                    ca_file: None,
                },
                TrustStore::CaFile(path) => TrustRecord::Trusted {
                    store: "ca-file".into(),
                    ca_file: Some(path.display().to_string()),
                },
            },
            Trust::NotTrusted { reason, detail } => TrustRecord::NotTrusted {
                reason: REASONS
                    .iter()
                    .find(|(r, _)| r == reason)
                    .map_or("other", |(_, name)| name)
                    .to_string(),
                detail: detail.clone(),
            },
            Trust::NotChecked => TrustRecord::NotChecked,
        };
        let name = match &verdict.name {
            NameCheck::Matched { name, san } => NameRecord::Matched {
                name: name.clone(),
                san: san.clone(),
            },
            NameCheck::Mismatch { name, presented } => NameRecord::Mismatch {
                name: name.clone(),
                presented: presented.clone(),
            },
            NameCheck::NotChecked => NameRecord::NotChecked,
        };
        let validity = match verdict.validity {
            Validity::Valid {
                not_before,
                not_after,
                days_left,
            } => ValidityRecord::Valid {
                not_before,
                not_after,
                days_left,
            },
            Validity::Expired {
                not_after,
                days_ago,
            } => ValidityRecord::Expired {
                not_after,
                days_ago,
            },
            Validity::NotYetValid {
                not_before,
                days_until,
            } => ValidityRecord::NotYetValid {
                not_before,
                days_until,
            },
            Validity::Unknown => ValidityRecord::Unknown,
        };
        VerdictRecord {
            ok: verdict.ok(),
            summary: verdict.summary(),
            trust,
            name,
            validity,
            webpki_accepted: verdict.webpki_accepted,
        }
    }

    pub fn to_verdict(&self) -> Result<TlsVerdict, LineError> {
        let trusted = match &self.trust {
            TrustRecord::Trusted { store, ca_file } => Trust::Trusted {
                store: match (store.as_str(), ca_file) {
                    ("webpki-roots", _) => TrustStore::WebPkiRoots,
                    ("ca-file", Some(path)) => TrustStore::CaFile(PathBuf::from(path)),
                    (other, _) => return Err(LineError::TrustStore(other.to_owned())),
                },
            },
            TrustRecord::NotTrusted { reason, detail } => Trust::NotTrusted {
                // A reason added by a later smtpx reads as "verification failed".
                reason: REASONS
                    .iter()
                    .find(|(_, name)| name == reason)
                    .map_or(UntrustedReason::Other, |(r, _)| *r),
                detail: detail.clone(),
            },
            TrustRecord::NotChecked => Trust::NotChecked,
        };
        let name = match &self.name {
            NameRecord::Matched { name, san } => NameCheck::Matched {
                name: name.clone(),
                san: san.clone(),
            },
            NameRecord::Mismatch { name, presented } => NameCheck::Mismatch {
                name: name.clone(),
                presented: presented.clone(),
            },
            NameRecord::NotChecked => NameCheck::NotChecked,
        };
        let validity = match self.validity {
            ValidityRecord::Valid {
                not_before,
                not_after,
                days_left,
            } => Validity::Valid {
                not_before,
                not_after,
                days_left,
            },
            ValidityRecord::Expired {
                not_after,
                days_ago,
            } => Validity::Expired {
                not_after,
                days_ago,
            },
            ValidityRecord::NotYetValid {
                not_before,
                days_until,
            } => Validity::NotYetValid {
                not_before,
                days_until,
            },
            ValidityRecord::Unknown => Validity::Unknown,
        };
        Ok(TlsVerdict {
            trusted,
            name,
            validity,
            webpki_accepted: self.webpki_accepted,
        })
    }
}
