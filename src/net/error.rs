//! Transport errors: one enum for everything that can go wrong below the protocol.
//!
//! The explorer keeps three things apart (STYLE §8): the server said no (a [`Reply`], never
//! an error), the server broke the protocol, and the network failed. This file is the last
//! two. Every variant carries what a person needs to understand it: which address refused,
//! what we were waiting for and for how long, what the TLS failure most likely means.
//!
//! Layer: transport.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::proto::reply::{Reply, ReplyError};

use super::target::Target;
use super::verify::TlsVerdict;

/// What the transport was doing (or waiting for) when something went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Resolve,
    Connect,
    Send,
    Reply,
    TlsHandshake,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Phase::Resolve => "name resolution",
            Phase::Connect => "the TCP connection",
            Phase::Send => "the send to complete",
            Phase::Reply => "a reply",
            Phase::TlsHandshake => "the TLS handshake",
        })
    }
}

/// Why one connection attempt to one address failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptFailure {
    TimedOut {
        after: Duration,
    },
    Refused,
    /// Any other socket error: its kind and the OS message.
    Other {
        kind: io::ErrorKind,
        message: String,
    },
}

/// One address tried while connecting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectAttempt {
    pub addr: SocketAddr,
    pub failure: AttemptFailure,
}

impl fmt::Display for ConnectAttempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.failure {
            AttemptFailure::TimedOut { after } => {
                write!(
                    f,
                    "timed out after {} on {}",
                    human_duration(*after),
                    self.addr
                )
            }
            AttemptFailure::Refused => write!(f, "refused on {}", self.addr),
            AttemptFailure::Other { message, .. } => write!(f, "{message} on {}", self.addr),
        }
    }
}

/// Joins attempts for display: "refused on 127.0.0.1:2525; timed out after 5 s on \[::1\]:2525".
pub(crate) struct Attempts<'a>(pub &'a [ConnectAttempt]);

impl fmt::Display for Attempts<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, attempt) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{attempt}")?;
        }
        Ok(())
    }
}

/// "5 s", "1.5 s", "250 ms": durations as people write them.
pub fn human_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms % 1000 == 0 {
        format!("{} s", ms / 1000)
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// Everything the transport can fail with.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    /// The target text could not be parsed (`HOST`, `HOST:PORT`, `[v6]:PORT`, bare v6).
    #[error("invalid target '{input}': {reason}")]
    InvalidTarget { input: String, reason: String },

    /// The host name did not resolve to any usable address.
    #[error("could not resolve {host}: {reason}")]
    Resolve { host: String, reason: String },

    /// Every resolved address was tried and none accepted the connection.
    #[error("could not connect to {target}: {}", Attempts(attempts))]
    Connect {
        target: Target,
        attempts: Vec<ConnectAttempt>,
    },

    /// Nothing arrived in time. For [`Phase::Reply`] what did arrive is still held by the
    /// connection (`Connection::partial` / `take_partial`).
    #[error("timed out after {} waiting for {waiting_for}", human_duration(*after))]
    Timeout { waiting_for: Phase, after: Duration },

    /// A socket error (reset, broken pipe, …). A reply cut off by it is kept in `partial`.
    #[error(
        "network error during {during}: {source}{}{}",
        alert_note(source),
        partial_note(partial)
    )]
    Io {
        during: Phase,
        partial: Option<Reply>,
        #[source]
        source: io::Error,
    },

    /// The peer went over a reply limit; the connection cannot be resynchronised.
    #[error("the server's reply is too large: {0}")]
    ReplyTooLarge(#[source] ReplyError),

    /// The TLS handshake failed; `explanation` says what it most likely means. `plaintext`
    /// holds bytes the server sent in clear where a TLS record was expected (an SMTP
    /// greeting on a plaintext port, or injected bytes after STARTTLS), if any.
    #[error("TLS handshake failed: {explanation}")]
    Tls {
        explanation: String,
        plaintext: Option<Vec<u8>>,
        #[source]
        source: io::Error,
    },

    /// Strict verification mode and the certificate failed the verdict.
    #[error("certificate rejected (strict verification): {}", verdict.summary())]
    CertificateRejected { verdict: Box<TlsVerdict> },

    /// The server closed the connection in the middle of the TLS handshake.
    #[error(
        "the server closed the connection during the TLS handshake (it may not speak TLS here, \
         or rejected our ClientHello without an alert)"
    )]
    ClosedDuringHandshake,

    /// STARTTLS on a connection that is already TLS.
    #[error("the connection is already TLS; STARTTLS inside TLS is not supported")]
    AlreadyTls,

    /// The `--ca-file` could not be read or holds no certificate.
    #[error("cannot use CA file {}: {reason}", path.display())]
    CaFile { path: PathBuf, reason: String },

    /// A TLS option is unusable (an SNI or verification name that is not a DNS name or IP
    /// address, an impossible version range).
    #[error("invalid TLS option {option}: {reason}")]
    TlsOption {
        option: &'static str,
        reason: String,
    },
}

/// A TLS alert that has a plain meaning. In TLS 1.3 the client finishes its handshake before
/// the server checks the client certificate, so "certificate required"
/// ([RFC 8446 §6.2](https://www.rfc-editor.org/rfc/rfc8446#section-6.2)) arrives with the
/// first read, not the handshake.
fn alert_note(source: &io::Error) -> &'static str {
    let text = source.to_string();
    if text.contains("CertificateRequired") {
        " — the server requires a client certificate (mutual TLS): give --client-cert and --client-key"
    } else if text.contains("alert: BadCertificate") || text.contains("alert: UnknownCA") {
        " — the server rejected the client certificate"
    } else {
        ""
    }
}

fn partial_note(partial: &Option<Reply>) -> String {
    match partial {
        Some(reply) => format!(
            " (after {} bytes of an unfinished reply)",
            reply.raw().len()
        ),
        None => String::new(),
    }
}

impl NetError {
    /// Plain-text bytes received where TLS was expected, if that is why the handshake
    /// failed. After STARTTLS this is a response-injection finding.
    pub fn plaintext(&self) -> Option<&[u8]> {
        match self {
            NetError::Tls {
                plaintext: Some(bytes),
                ..
            } => Some(bytes),
            _ => None,
        }
    }
}
