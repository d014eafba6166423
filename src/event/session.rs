//! What the driver reports: [`SessionEvent`]s with owned data, one per thing that happened
//! on the wire or to the connection.
//!
//! Layer: event and value types. The driver emits these, the probe prints them, the explorer
//! draws them, the recorder writes them, and replay produces the same values.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use zeroize::Zeroizing;

use super::failure::Failure;
use super::shown::Shown;
use super::tls::TlsInfo;
use crate::proto::reply::Reply;

/// Whether bytes travelled in plaintext or inside TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    Plain,
    Tls,
}

impl Layer {
    pub fn name(self) -> &'static str {
        match self {
            Layer::Plain => "plain",
            Layer::Tls => "tls",
        }
    }
}

/// A security-relevant observation, shown on a line of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// Bytes that arrived after the 220 to STARTTLS and before the TLS handshake: a
    /// response-injection attempt or a broken server (CVE-2011-0411 class,
    /// [RFC 3207 §6](https://www.rfc-editor.org/rfc/rfc3207#section-6)). They were discarded.
    InjectedPlaintext { bytes: Vec<u8> },
    /// The certificate did not pass verification, and the session went on (report mode).
    UnverifiedCertificate { summary: String },
    /// AUTH credentials were sent without TLS.
    AuthOverPlaintext,
}

impl Finding {
    pub fn name(&self) -> &'static str {
        match self {
            Finding::InjectedPlaintext { .. } => "injected_plaintext",
            Finding::UnverifiedCertificate { .. } => "unverified_certificate",
            Finding::AuthOverPlaintext => "auth_over_plaintext",
        }
    }

    /// One sentence for a person.
    pub fn describe(&self) -> String {
        match self {
            Finding::InjectedPlaintext { bytes } => format!(
                "{} bytes arrived in plaintext after the 220 to STARTTLS, before the TLS handshake \
                 (response injection, CVE-2011-0411); they were discarded, not treated as protected",
                bytes.len()
            ),
            Finding::UnverifiedCertificate { summary } => {
                format!("certificate NOT verified, continuing anyway: {summary}")
            }
            Finding::AuthOverPlaintext => {
                "credentials were sent over a plaintext connection".to_string()
            }
        }
    }
}

/// One thing that happened. `at` is the time since the session started.
#[derive(Debug, Clone)]
pub enum SessionEvent {
    /// A TCP connection was established (TLS, if implicit, comes as its own event).
    Connected {
        at: Duration,
        peer: SocketAddr,
        took: Duration,
    },
    /// The client sent bytes. `shown` is the display form with secrets redacted; `bytes`
    /// is empty when the line was secret (the exact bytes never leave the driver), and
    /// `revealed` carries them only when a front end asked for them
    /// (the driver's `reveal_secrets`, for
    /// `--record-secrets`); `None` otherwise.
    Sent {
        at: Duration,
        layer: Layer,
        shown: Shown,
        bytes: Vec<u8>,
        secret: bool,
        revealed: Option<SecretBytes>,
    },
    /// A whole reply (or the partial one left when the connection ended).
    Received {
        at: Duration,
        layer: Layer,
        reply: Reply,
        /// Time since the last bytes were sent.
        latency: Option<Duration>,
    },
    /// The TLS handshake completed (after STARTTLS or on connect).
    TlsEstablished {
        at: Duration,
        info: Box<TlsInfo>,
    },
    Finding {
        at: Duration,
        finding: Finding,
    },
    /// Something smtpx itself wants to say (why it stopped, what it decided).
    Note {
        at: Duration,
        text: String,
    },
    /// The network failed, the server broke the protocol, or smtpx could not do what it was
    /// asked — [`Failure::kind`] says which.
    Failed {
        at: Duration,
        failure: Failure,
    },
    /// The connection is closed (by either side).
    Closed {
        at: Duration,
        by_peer: bool,
    },
}

impl SessionEvent {
    /// When it happened, since the session started.
    pub fn at(&self) -> Duration {
        match self {
            SessionEvent::Connected { at, .. }
            | SessionEvent::Sent { at, .. }
            | SessionEvent::Received { at, .. }
            | SessionEvent::TlsEstablished { at, .. }
            | SessionEvent::Finding { at, .. }
            | SessionEvent::Note { at, .. }
            | SessionEvent::Failed { at, .. }
            | SessionEvent::Closed { at, .. } => *at,
        }
    }
}

/// The exact bytes of a secret line, wiped from memory when dropped. `Debug` shows only the
/// length, so a stray `{:?}` cannot leak a password into a log.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretBytes(Zeroizing<Vec<u8>>);

impl SecretBytes {
    pub fn new(bytes: Vec<u8>) -> SecretBytes {
        SecretBytes(Zeroizing::new(bytes))
    }

    /// The secret wire bytes. Only a recorder the user told to keep secrets should read them.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes(<{} bytes>)", self.0.len())
    }
}

/// Where events go. The probe prints them; the explorer forwards them over a channel.
pub type EventSink = Box<dyn FnMut(SessionEvent) + Send>;
