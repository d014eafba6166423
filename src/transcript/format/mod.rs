//! The transcript file format, version 1: JSON Lines. The first line is a [`Header`]; every
//! further line is one [`EventLine`] — one
//! [`SessionEvent`](crate::event::SessionEvent) — in the order it happened. Conversions
//! between the two are in the child module `events`.
//!
//! ```text
//! {"format":"smtpx-transcript","version":1,"smtpx":"0.1.0","target":{…},"transport":…}
//! {"at":0.000412,"dir":"smtpx","kind":"connected","peer":"127.0.0.1:2525","took":0.0003}
//! {"at":0.0021,"dir":"server","kind":"received","layer":"plain","text":"220 ready\r\n"}
//! {"at":0.0023,"dir":"client","kind":"sent","layer":"plain","text":"EHLO me\r\n","shown":"EHLO me"}
//! ```
//!
//! Bytes are exact: `text` when they are valid UTF-8 (CR, LF and control bytes are JSON
//! escapes), `base64` otherwise. The full description and the version policy are in
//! `recordings/README.md`.
//!
//! Layer: transcript (serde data and conversions; no I/O).

use std::net::SocketAddr;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use super::tls::TlsRecord;
use crate::event::Layer;
use crate::event::failure::{Cause, FailureKind};

/// The `format` value of every transcript header.
pub const FORMAT_NAME: &str = "smtpx-transcript";
/// The version this smtpx writes, and the newest it reads.
pub const FORMAT_VERSION: u32 = 1;

/// The first line of a transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// Always [`FORMAT_NAME`].
    pub format: String,
    pub version: u32,
    /// The smtpx version that wrote the file.
    pub smtpx: String,
    pub target: TargetRecord,
    pub transport: Transport,
    /// Session start, UTC, RFC 3339 (`2025-11-28T04:15:00Z`).
    pub started: String,
    /// The same instant in Unix seconds.
    pub started_unix: i64,
    /// Options that shaped the session (EHLO name, SNI, verification name, AUTH mechanism…).
    #[serde(default)]
    pub options: super::options::SessionOptions,
    /// What was left out when writing.
    #[serde(default)]
    pub redaction: RedactionPolicy,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetRecord {
    pub host: String,
    pub port: u16,
}

/// How TLS was used on the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Transport {
    /// TLS from the first byte (RFC 8314 §3).
    ImplicitTls,
    StarttlsRequired,
    StarttlsOptional,
    Plain,
    /// A person drove the session (the explorer): whatever they typed.
    Interactive,
}

impl Transport {
    pub fn name(self) -> &'static str {
        match self {
            Transport::ImplicitTls => "implicit-tls",
            Transport::StarttlsRequired => "starttls-required",
            Transport::StarttlsOptional => "starttls-optional",
            Transport::Plain => "plain",
            Transport::Interactive => "interactive",
        }
    }
}

/// Whether secrets and message bodies were kept out of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedactionPolicy {
    pub secrets: bool,
    pub body: bool,
}

impl Default for RedactionPolicy {
    fn default() -> Self {
        RedactionPolicy {
            secrets: true,
            body: false,
        }
    }
}

impl Header {
    /// A header for a session starting at `started_unix` (UTC seconds).
    pub fn new(host: &str, port: u16, transport: Transport, started_unix: i64) -> Header {
        Header {
            format: FORMAT_NAME.into(),
            version: FORMAT_VERSION,
            smtpx: env!("CARGO_PKG_VERSION").into(),
            target: TargetRecord {
                host: host.into(),
                port,
            },
            transport,
            started: crate::proto::civil::Civil::from_unix(started_unix).iso8601(),
            started_unix,
            options: super::options::SessionOptions::default(),
            redaction: RedactionPolicy::default(),
        }
    }
}

/// Who an event line comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Client,
    Server,
    Smtpx,
}

/// One event line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventLine {
    /// Seconds since the session started (microsecond resolution).
    pub at: f64,
    pub dir: Direction,
    #[serde(flatten)]
    pub kind: EventKind,
}

/// The `kind` of an event line and its fields. New kinds may appear in later version-1
/// files; a reader skips kinds it does not know (with a warning).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    Connected {
        peer: String,
        took: f64,
    },
    Sent {
        layer: LayerName,
        #[serde(flatten)]
        data: Payload,
        shown: String,
        #[serde(default, skip_serializing_if = "is_false")]
        secret: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        redacted: Option<Redaction>,
    },
    Received {
        layer: LayerName,
        #[serde(flatten)]
        data: Payload,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        latency: Option<f64>,
    },
    Tls(Box<TlsRecord>),
    Finding {
        finding: String,
        message: String,
        #[serde(flatten)]
        data: Payload,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        summary: Option<String>,
    },
    Note {
        text: String,
        /// `smtpx`, or `person` for a note someone added (`/note` in the explorer).
        #[serde(default = "smtpx_author")]
        author: String,
    },
    Failed {
        /// The failure in words, as it was shown.
        error: String,
        /// Whose fault it was and what happened; absent in files written before failures
        /// were typed, which read as [`FailureKind::Unknown`](crate::event::FailureKind).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        failure: Option<FailureRecord>,
    },
    Closed {
        by_peer: bool,
    },
}

/// A `failed` line's typed part: `{"kind":"network","cause":"timeout","waiting_for":"reply",
/// "after":{"secs":30,"nanos":0},"peer":"192.0.2.1:25"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailureRecord {
    pub kind: FailureKind,
    #[serde(flatten)]
    pub cause: Cause,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer: Option<SocketAddr>,
}

/// What is wrong with one event line; the reader adds the line number.
#[derive(Debug, thiserror::Error)]
pub enum LineError {
    #[error("not a JSON event: {0}")]
    NotJson(#[source] serde_json::Error),
    #[error("the event has no `kind`")]
    NoKind,
    #[error("bad {kind:?} event: {source}")]
    BadEvent {
        kind: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("`dir` is {dir:?} but this kind of event comes from {expected:?}")]
    Direction { dir: Direction, expected: Direction },
    #[error("both `text` and `base64` are given")]
    TextAndBase64,
    #[error("`base64` is not valid base64: {0}")]
    Base64(#[source] base64::DecodeError),
    #[error("`{field}` is not a time in seconds: {secs}")]
    Time { field: &'static str, secs: f64 },
    #[error("`peer` is not an address: {0:?}")]
    Peer(String),
    #[error("unknown finding {0:?}")]
    UnknownFinding(String),
    #[error("reply bytes: {0}")]
    ReplyBytes(#[source] crate::proto::reply::ReplyError),
    #[error("a `received` line holds no reply")]
    NoReply,
    #[error("a `received` line holds {0} replies, not one")]
    Replies(usize),
    #[error("chain[{index}] is not valid base64: {source}")]
    Chain {
        index: usize,
        #[source]
        source: base64::DecodeError,
    },
    #[error("unknown trust store {0:?}")]
    TrustStore(String),
}

/// Every `kind` this version knows.
pub const KNOWN_KINDS: [&str; 8] = [
    "connected",
    "sent",
    "received",
    "tls",
    "finding",
    "note",
    "failed",
    "closed",
];

fn is_false(b: &bool) -> bool {
    !*b
}

fn smtpx_author() -> String {
    "smtpx".into()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LayerName {
    Plain,
    Tls,
}

impl From<Layer> for LayerName {
    fn from(layer: Layer) -> Self {
        match layer {
            Layer::Plain => LayerName::Plain,
            Layer::Tls => LayerName::Tls,
        }
    }
}

impl From<LayerName> for Layer {
    fn from(layer: LayerName) -> Self {
        match layer {
            LayerName::Plain => Layer::Plain,
            LayerName::Tls => Layer::Tls,
        }
    }
}

/// What was left out of a `sent` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum Redaction {
    /// SASL secrets; `bytes` is the length of the line on the wire, when known.
    Secret {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bytes: Option<usize>,
    },
    /// A message body (DATA content or a BDAT chunk), with its size and SHA-256 (hex).
    Body { size: usize, sha256: String },
}

/// Exact bytes: `text` when valid UTF-8, `base64` otherwise, neither when left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payload {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base64: Option<String>,
}

impl Payload {
    pub fn from_bytes(bytes: &[u8]) -> Payload {
        match std::str::from_utf8(bytes) {
            Ok(text) => Payload {
                text: Some(text.to_string()),
                base64: None,
            },
            Err(_) => Payload {
                text: None,
                base64: Some(STANDARD.encode(bytes)),
            },
        }
    }

    /// No bytes recorded (redacted, or an event without bytes).
    pub fn none() -> Payload {
        Payload::default()
    }

    pub fn to_bytes(&self) -> Result<Vec<u8>, LineError> {
        match (&self.text, &self.base64) {
            (Some(_), Some(_)) => Err(LineError::TextAndBase64),
            (Some(text), None) => Ok(text.as_bytes().to_vec()),
            (None, Some(b64)) => STANDARD.decode(b64).map_err(LineError::Base64),
            (None, None) => Ok(Vec::new()),
        }
    }

    pub fn is_none(&self) -> bool {
        self.text.is_none() && self.base64.is_none()
    }
}

/// Seconds, rounded to the microsecond.
pub fn secs(d: Duration) -> f64 {
    d.as_micros() as f64 / 1e6
}

/// Seconds back to a duration; `field` names the value in the error.
pub fn duration_from_secs(secs: f64, field: &'static str) -> Result<Duration, LineError> {
    if !secs.is_finite() || !(0.0..=1e12).contains(&secs) {
        return Err(LineError::Time { field, secs });
    }
    Ok(Duration::from_micros((secs * 1e6).round() as u64))
}

mod events;
pub use events::Annotation;

#[cfg(test)]
mod tests;
