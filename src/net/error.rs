//! Transport errors: one enum for everything that can go wrong below the protocol.
//!
//! The explorer keeps three things apart (STYLE §8): the server said no (a [`Reply`], never
//! an error), the server broke the protocol, and the network failed. This file is the last
//! two. Every variant carries what a person needs to understand it: which address refused,
//! what we were waiting for and for how long, what the TLS failure most likely means.
//!
//! Layer: transport.

use std::io;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

pub use crate::event::failure::{AttemptFailure, ConnectAttempt, Phase, human_duration};
use crate::event::failure::{Attempts, Cause, FailureKind, IoFailure, ProxyFailure};
use crate::proto::reply::{Reply, ReplyError};

use super::target::Target;
use super::verify::TlsVerdict;

/// Everything the transport can fail with.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    /// The target text could not be parsed (`HOST`, `HOST:PORT`, `[v6]:PORT`, bare v6).
    #[error("invalid target '{input}': {reason}")]
    InvalidTarget { input: String, reason: String },

    /// The host name did not resolve to any usable address.
    #[error("could not resolve {host}: {reason}")]
    Resolve { host: String, reason: String },

    /// The SOCKS5 proxy gave no connection to the server. `proxy` is its `HOST:PORT`,
    /// never the password.
    #[error("SOCKS5 proxy {proxy}: {failure}")]
    Proxy {
        proxy: String,
        failure: ProxyFailure,
    },

    /// `--local-addr` cannot be used for this connection.
    #[error("cannot connect from local address {addr}: {}", error.message)]
    LocalAddress { addr: IpAddr, error: IoFailure },

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
        "network error during {during}: {}{}{}",
        super::explain::io_words(source),
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

    /// `--client-cert` / `--client-key` cannot be used: unreadable, not PEM, or a key that
    /// does not belong to the certificate.
    #[error("cannot use --client-cert/--client-key: {reason}")]
    ClientCertificate { reason: String },

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
    use rustls::AlertDescription as Alert;
    let alert = source
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .and_then(|error| match error {
            rustls::Error::AlertReceived(alert) => Some(*alert),
            _ => None,
        });
    match alert {
        Some(Alert::CertificateRequired) => {
            " — the server requires a client certificate (mutual TLS): give --client-cert and --client-key"
        }
        Some(Alert::BadCertificate | Alert::UnknownCA) => {
            " — the server rejected the client certificate"
        }
        _ => "",
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
    /// Whose fault this was and what happened, as plain data for a
    /// [`Failure`](crate::event::Failure).
    pub fn cause(&self) -> (FailureKind, Cause) {
        match self {
            NetError::InvalidTarget { .. } => (FailureKind::Local, Cause::InvalidTarget),
            NetError::Resolve { host, .. } => {
                (FailureKind::Network, Cause::Resolve { host: host.clone() })
            }
            NetError::Proxy { proxy, failure } => {
                let kind = match failure {
                    ProxyFailure::NoAcceptableMethod { .. }
                    | ProxyFailure::AuthenticationFailed => FailureKind::Local,
                    ProxyFailure::Protocol { .. } => FailureKind::Protocol,
                    _ => FailureKind::Network,
                };
                (
                    kind,
                    Cause::Proxy {
                        proxy: proxy.clone(),
                        failure: failure.clone(),
                    },
                )
            }
            NetError::LocalAddress { addr, error } => (
                FailureKind::Local,
                Cause::LocalAddress {
                    addr: *addr,
                    error: error.clone(),
                },
            ),
            NetError::Connect { attempts, .. } => (
                FailureKind::Network,
                Cause::Connect {
                    attempts: attempts.clone(),
                },
            ),
            NetError::Timeout { waiting_for, after } => (
                FailureKind::Network,
                Cause::Timeout {
                    waiting_for: *waiting_for,
                    after: *after,
                },
            ),
            NetError::Io {
                during,
                partial,
                source,
            } => (
                FailureKind::Network,
                Cause::Io {
                    during: *during,
                    error: IoFailure::from(source),
                    partial_bytes: partial.as_ref().map(|reply| reply.raw().len()),
                },
            ),
            NetError::ReplyTooLarge(_) => (FailureKind::Protocol, Cause::ReplyTooLarge),
            NetError::Tls {
                plaintext, source, ..
            } => (
                FailureKind::Protocol,
                Cause::TlsHandshake {
                    error: IoFailure::from(source),
                    plaintext_bytes: plaintext.as_ref().map(Vec::len),
                },
            ),
            NetError::CertificateRejected { verdict } => (
                FailureKind::Protocol,
                Cause::CertificateRejected {
                    verdict: verdict.clone(),
                },
            ),
            NetError::ClosedDuringHandshake => (
                FailureKind::Network,
                Cause::Closed {
                    during: Some(Phase::TlsHandshake),
                },
            ),
            NetError::AlreadyTls => (FailureKind::Local, Cause::AlreadyTls),
            NetError::CaFile { .. }
            | NetError::TlsOption { .. }
            | NetError::ClientCertificate { .. } => (FailureKind::Local, Cause::TlsSetup),
        }
    }

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
