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
use crate::event::{
    ClientCertStatus, NameCheck, Pin, TlsInfo, TlsVerdict, Trust, TrustStore, UntrustedReason,
    Validity,
};

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
    /// Whether the server asked for a client certificate and one was sent (absent in files
    /// written before smtpx kept it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_cert: Option<ClientCertStatus>,
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
    /// Trusted because the user pinned the certificate (`ca_file`) or its key (`spki`).
    Pinned {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ca_file: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        spki: Option<String>,
    },
    /// `reason` is the stable code ([`UntrustedReason::code`]); the snake_case names of
    /// older files read too, and a code from a later smtpx reads as `other`. Older files
    /// also have a `detail` (rustls' own text), which is not read.
    NotTrusted {
        reason: UntrustedReason,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        context: Option<String>,
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
            client_cert: info.client_cert,
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
            client_cert: self.client_cert,
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
            Trust::Pinned { pin } => match pin {
                Pin::CaFileCertificate(path) => TrustRecord::Pinned {
                    ca_file: Some(path.display().to_string()),
                    spki: None,
                },
                Pin::Spki(hex) => TrustRecord::Pinned {
                    ca_file: None,
                    spki: Some(hex.clone()),
                },
            },
            Trust::NotTrusted { reason, context } => TrustRecord::NotTrusted {
                reason: *reason,
                context: context.clone(),
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
            TrustRecord::Pinned { ca_file, spki } => Trust::Pinned {
                pin: match (ca_file, spki) {
                    (Some(path), _) => Pin::CaFileCertificate(PathBuf::from(path)),
                    (None, Some(hex)) => Pin::Spki(hex.clone()),
                    (None, None) => return Err(LineError::TrustStore("pinned".to_owned())),
                },
            },
            TrustRecord::NotTrusted { reason, context } => Trust::NotTrusted {
                reason: *reason,
                context: context.clone(),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(trusted: Trust) -> TlsVerdict {
        TlsVerdict {
            trusted,
            name: NameCheck::Mismatch {
                name: "127.0.0.1".into(),
                presented: vec!["mx.example.com".into()],
            },
            validity: Validity::Valid {
                not_before: 1,
                not_after: 2,
                days_left: 30,
            },
            webpki_accepted: false,
        }
    }

    #[test]
    fn pins_and_reasons_with_their_particulars_round_trip() {
        for trusted in [
            Trust::Pinned {
                pin: Pin::CaFileCertificate("/etc/mx.pem".into()),
            },
            Trust::Pinned {
                pin: Pin::Spki("ab".repeat(32)),
            },
            Trust::NotTrusted {
                reason: UntrustedReason::UnknownIssuer,
                context: Some("CN=Private CA".into()),
            },
            Trust::NotTrusted {
                reason: UntrustedReason::CaUsedAsEndEntity,
                context: None,
            },
        ] {
            let record = VerdictRecord::from_verdict(&verdict(trusted.clone()));
            let line = serde_json::to_string(&record).expect("serialize");
            let back: VerdictRecord = serde_json::from_str(&line).expect("deserialize");
            assert_eq!(back.to_verdict().expect("valid").trusted, trusted, "{line}");
        }
        let record = VerdictRecord::from_verdict(&verdict(Trust::NotTrusted {
            reason: UntrustedReason::CaUsedAsEndEntity,
            context: None,
        }));
        let line = serde_json::to_string(&record.trust).expect("serialize");
        assert_eq!(
            line,
            r#"{"status":"not_trusted","reason":"ca-used-as-end-entity"}"#
        );
    }

    /// The verdict of a file written before the reason codes: snake_case names, rustls'
    /// own text as `detail` (never shown again), and a name this smtpx does not know.
    #[test]
    fn an_older_files_verdict_reads_and_its_detail_is_dropped() {
        let old = r#"{"ok":false,"summary":"NOT trusted: unknown issuer; name ok (127.0.0.1); valid 29 days","trust":{"status":"not_trusted","reason":"unknown_issuer","detail":"invalid peer certificate: UnknownIssuer"},"name":{"status":"matched","name":"127.0.0.1","san":"127.0.0.1"},"validity":{"status":"valid","not_before":1795737600,"not_after":1798416000,"days_left":29},"webpki_accepted":false}"#;
        let record: VerdictRecord = serde_json::from_str(old).expect("an old verdict reads");
        let verdict = record.to_verdict().expect("valid");
        assert_eq!(
            verdict.trusted,
            Trust::NotTrusted {
                reason: UntrustedReason::UnknownIssuer,
                context: None
            }
        );
        assert!(!verdict.summary().contains("UnknownIssuer"));
        let newer = old.replace("unknown_issuer", "quantum-distrust");
        let record: VerdictRecord = serde_json::from_str(&newer).expect("a newer verdict reads");
        assert!(matches!(
            record.to_verdict().expect("valid").trusted,
            Trust::NotTrusted {
                reason: UntrustedReason::Other,
                ..
            }
        ));
    }
}
