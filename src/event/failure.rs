//! Why a session could not go on, as data: a [`Failure`] says *whose* fault it was
//! ([`FailureKind`]: the network failed, the server broke the protocol, or smtpx could not do
//! what was asked) and *what* happened ([`Cause`]: which step, which address, which socket
//! error), so a view or a report decides by matching on values and never by searching a
//! sentence. A server's refusal is not here: a 4xx/5xx reply is a reply, not a failure.
//!
//! The transport builds these from its own errors; they are owned plain values so the
//! transcript can write and read them and replay can show them like a live session.
//!
//! Layer: event and value types (std and serde only).

use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::verdict::TlsVerdict;

/// Whose fault a failure was — the three things the UI keeps apart (a fourth, a server's
/// refusal, is a reply and never a failure).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The connection could not be made or kept: resolution, connect, a timeout, a reset, a
    /// close.
    Network,
    /// The server broke SMTP, SASL or TLS: a reply over the limits, a flood of unasked
    /// replies, a failed handshake, a certificate strict verification refused.
    Protocol,
    /// smtpx could not do what it was asked: a bad target or option, an unreadable file, a
    /// command that cannot be encoded, no open connection.
    Local,
    /// A recording written before failures carried their kind: only the words are known.
    Unknown,
}

impl FailureKind {
    /// The name in transcripts and JSON reports.
    pub fn name(self) -> &'static str {
        match self {
            FailureKind::Network => "network",
            FailureKind::Protocol => "protocol",
            FailureKind::Local => "local",
            FailureKind::Unknown => "unknown",
        }
    }
}

/// What the transport was doing (or waiting for) when something went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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

/// The kind of a socket error, the values of [`io::ErrorKind`] a network session meets; the
/// rest are [`IoErrorKind::Other`] (the OS message is kept beside it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IoErrorKind {
    ConnectionRefused,
    ConnectionReset,
    ConnectionAborted,
    NotConnected,
    BrokenPipe,
    TimedOut,
    UnexpectedEof,
    AddrNotAvailable,
    AddrInUse,
    HostUnreachable,
    NetworkUnreachable,
    PermissionDenied,
    NotFound,
    InvalidData,
    InvalidInput,
    Other,
}

impl From<io::ErrorKind> for IoErrorKind {
    fn from(kind: io::ErrorKind) -> Self {
        use io::ErrorKind as K;
        match kind {
            K::ConnectionRefused => IoErrorKind::ConnectionRefused,
            K::ConnectionReset => IoErrorKind::ConnectionReset,
            K::ConnectionAborted => IoErrorKind::ConnectionAborted,
            K::NotConnected => IoErrorKind::NotConnected,
            K::BrokenPipe => IoErrorKind::BrokenPipe,
            K::TimedOut => IoErrorKind::TimedOut,
            K::UnexpectedEof => IoErrorKind::UnexpectedEof,
            K::AddrNotAvailable => IoErrorKind::AddrNotAvailable,
            K::AddrInUse => IoErrorKind::AddrInUse,
            K::HostUnreachable => IoErrorKind::HostUnreachable,
            K::NetworkUnreachable => IoErrorKind::NetworkUnreachable,
            K::PermissionDenied => IoErrorKind::PermissionDenied,
            K::NotFound => IoErrorKind::NotFound,
            K::InvalidData => IoErrorKind::InvalidData,
            K::InvalidInput => IoErrorKind::InvalidInput,
            _ => IoErrorKind::Other,
        }
    }
}

/// A socket error as owned data: its kind and the OS (or TLS library) message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IoFailure {
    pub kind: IoErrorKind,
    pub message: String,
}

impl From<&io::Error> for IoFailure {
    fn from(error: &io::Error) -> Self {
        IoFailure {
            kind: error.kind().into(),
            message: error.to_string(),
        }
    }
}

/// Why one connection attempt to one address failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptFailure {
    TimedOut {
        after: Duration,
    },
    Refused,
    /// Any other socket error: its kind and the OS message.
    Other {
        kind: IoErrorKind,
        message: String,
    },
}

/// One address tried while connecting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
pub struct Attempts<'a>(pub &'a [ConnectAttempt]);

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

/// What happened, with what the failing layer knew about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "cause", rename_all = "snake_case")]
pub enum Cause {
    /// The host name did not resolve to a usable address.
    Resolve { host: String },
    /// Every resolved address was tried and none accepted the connection.
    Connect { attempts: Vec<ConnectAttempt> },
    /// Nothing arrived in time.
    Timeout { waiting_for: Phase, after: Duration },
    /// A socket error (reset, broken pipe, …); `partial_bytes` counts an unfinished reply it
    /// cut off.
    Io {
        during: Phase,
        error: IoFailure,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        partial_bytes: Option<usize>,
    },
    /// The server closed the connection; `during` is the step it cut short, if any.
    Closed {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        during: Option<Phase>,
    },
    /// The TLS handshake failed; `plaintext_bytes` counts bytes that arrived in clear where a
    /// TLS record was expected.
    TlsHandshake {
        error: IoFailure,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        plaintext_bytes: Option<usize>,
    },
    /// Strict verification refused the certificate.
    CertificateRejected { verdict: Box<TlsVerdict> },
    /// A reply went over a parser limit; the connection cannot be resynchronised.
    ReplyTooLarge,
    /// Replies no command asked for, `count` in a row.
    Flood { count: usize },
    /// The SASL exchange could not go on (a mechanism that cannot start, a bad challenge).
    Authentication,
    /// The target text could not be parsed.
    InvalidTarget,
    /// A TLS setting is unusable (CA file, client certificate, SNI, version range).
    TlsSetup,
    /// STARTTLS on a connection that is already TLS.
    AlreadyTls,
    /// No connection is open.
    NotConnected,
    /// A command could not be encoded (CR/LF in an argument, …).
    Command,
    /// The message could not be read from its source.
    MessageSource { error: IoFailure },
    /// A recording written before failures carried their cause.
    Unrecorded,
    /// The SOCKS5 proxy could not be used; `proxy` is its `HOST:PORT` (never the password).
    Proxy {
        proxy: String,
        failure: ProxyFailure,
    },
    /// `--local-addr` could not be used for this connection (not assigned to this machine,
    /// or of a family the server has no address in).
    LocalAddress { addr: IpAddr, error: IoFailure },
}

/// Why the SOCKS5 proxy did not give a connection to the server
/// ([RFC 1928](https://www.rfc-editor.org/rfc/rfc1928), [RFC 1929](https://www.rfc-editor.org/rfc/rfc1929)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "proxy_failure", rename_all = "snake_case")]
pub enum ProxyFailure {
    /// The proxy's own host name did not resolve.
    Resolve,
    /// No address of the proxy accepted a TCP connection.
    Unreachable { attempts: Vec<ConnectAttempt> },
    /// The proxy did not finish its part in time.
    TimedOut { after: Duration },
    /// The proxy accepts none of the methods offered (RFC 1928 §3, method X'FF'):
    /// `offered_password` says whether a user name and password were offered.
    NoAcceptableMethod { offered_password: bool },
    /// The proxy refused the user name and password (RFC 1929 §2, a non-zero status).
    AuthenticationFailed,
    /// The proxy answered the CONNECT request with this reply code
    /// ([RFC 1928 §6](https://www.rfc-editor.org/rfc/rfc1928#section-6)).
    Refused { code: u8 },
    /// The proxy broke the SOCKS protocol (not a SOCKS5 server?).
    Protocol { detail: String },
    /// A socket error during the SOCKS exchange.
    Io { error: IoFailure },
}

impl fmt::Display for ProxyFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProxyFailure::Resolve => f.write_str("the proxy's host name does not resolve"),
            ProxyFailure::Unreachable { attempts } if attempts.is_empty() => {
                f.write_str("the proxy's host name has no usable address")
            }
            ProxyFailure::Unreachable { attempts } => {
                write!(f, "the proxy is unreachable: {}", Attempts(attempts))
            }
            ProxyFailure::TimedOut { after } => write!(
                f,
                "the proxy did not answer within {}",
                human_duration(*after)
            ),
            ProxyFailure::NoAcceptableMethod {
                offered_password: false,
            } => f.write_str(
                "the proxy requires authentication: give socks5://USER:PASSWORD@HOST:PORT",
            ),
            ProxyFailure::NoAcceptableMethod {
                offered_password: true,
            } => f.write_str("the proxy accepts neither no authentication nor a password"),
            ProxyFailure::AuthenticationFailed => {
                f.write_str("the proxy refused the user name and password")
            }
            ProxyFailure::Refused { code } => {
                write!(
                    f,
                    "the proxy refused the connection: {}",
                    socks_reply(*code)
                )
            }
            ProxyFailure::Protocol { detail } => {
                write!(f, "the proxy broke the SOCKS5 protocol: {detail}")
            }
            ProxyFailure::Io { error } => write!(f, "{}", error.message),
        }
    }
}

/// The meaning of a SOCKS5 reply code ([RFC 1928 §6](https://www.rfc-editor.org/rfc/rfc1928#section-6)).
pub fn socks_reply(code: u8) -> String {
    let meaning = match code {
        0x01 => "general SOCKS server failure",
        0x02 => "connection not allowed by its rules",
        0x03 => "network unreachable from the proxy",
        0x04 => "host unreachable from the proxy",
        0x05 => "the server refused the proxy's connection",
        0x06 => "TTL expired",
        0x07 => "command not supported",
        0x08 => "address type not supported",
        _ => "unassigned reply code",
    };
    format!("{meaning} (reply {code:#04x})")
}

/// Why the session could not go on: whose fault, what happened, and the sentence a person
/// reads. `message` is written by the layer that failed, from the same values; it is shown,
/// never parsed — decisions match on `kind` and `cause`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub kind: FailureKind,
    pub cause: Cause,
    /// The server's address, when a connection was open.
    pub peer: Option<SocketAddr>,
    pub message: String,
}

impl Failure {
    pub fn new(kind: FailureKind, cause: Cause, message: impl Into<String>) -> Failure {
        Failure {
            kind,
            cause,
            peer: None,
            message: message.into(),
        }
    }

    /// A failure read from a recording that kept only its words.
    pub fn unrecorded(message: impl Into<String>) -> Failure {
        Failure::new(FailureKind::Unknown, Cause::Unrecorded, message)
    }

    pub fn with_peer(mut self, peer: Option<SocketAddr>) -> Failure {
        self.peer = peer;
        self
    }

    /// The sentence for a person, e.g. "timed out after 30 s waiting for a reply".
    pub fn describe(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
