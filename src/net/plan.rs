//! What every command that connects is told: the target, how TLS is used, the EHLO name
//! asked for, and the transport and TLS options with one timeout already bounded. The
//! explorer, the probe, the scan and the demo all take this one group.
//!
//! Layer: transport (plain data; no I/O beyond reading this machine's host name).

use std::time::Duration;

use super::{ConnectOptions, Target, TlsOptions};

/// The shortest and longest wait a user can ask for: a zero or negative timeout would fail
/// every step at once, an endless one would hang on a silent server.
pub const TIMEOUT_RANGE: (f64, f64) = (0.001, 86_400.0);

/// How long a connection attempt may go unanswered before it counts as filtered (SYNs
/// dropped by a firewall). A reachable host answers a SYN within a round trip; the kernel
/// resends an unanswered SYN after 1 s and 3 s, so 4 s covers three tries.
pub const CONNECT_WAIT: Duration = Duration::from_secs(4);

/// How long a connected server may stay silent before smtpx checks, on a second
/// connection, whether the port expects TLS from the first byte. Servers greet within
/// milliseconds unless they delay on purpose (Postfix's postscreen waits 6 s by default).
pub const GREETING_WAIT: Duration = Duration::from_secs(3);

/// A timeout in seconds as given on a command line, bounded to [`TIMEOUT_RANGE`].
pub fn bounded_timeout(seconds: f64) -> Duration {
    let (low, high) = TIMEOUT_RANGE;
    // `clamp` keeps NaN; a NaN timeout becomes the shortest one rather than a panic.
    let seconds = if seconds.is_nan() {
        low
    } else {
        seconds.clamp(low, high)
    };
    Duration::from_secs_f64(seconds)
}

/// How TLS is used on the connection, after port defaults and flags are applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// TLS from the first byte (RFC 8314 §3).
    Implicit,
    /// STARTTLS, and stop if the server does not offer it.
    StartTlsRequired,
    /// STARTTLS when offered.
    StartTlsOptional,
    /// Plaintext only.
    Plain,
}

/// A connection as a command asked for it.
#[derive(Debug, Clone)]
pub struct ConnectPlan {
    pub target: Target,
    pub tls_mode: TlsMode,
    /// The name to send in EHLO as asked (`None`: this machine's host name).
    pub ehlo: Option<String>,
    pub connect: ConnectOptions,
    pub tls: TlsOptions,
    /// The wait for each reply (the same one bounds the TLS handshake).
    pub timeout: Duration,
    /// Silence after connecting before the second connection checks for implicit TLS.
    pub greeting_wait: Duration,
}

impl ConnectPlan {
    /// The connection and TLS options with `timeout` as every wait, except the connection
    /// attempt, which waits at most [`CONNECT_WAIT`].
    pub fn new(target: Target, tls_mode: TlsMode, tls: TlsOptions, timeout: Duration) -> Self {
        ConnectPlan {
            target,
            tls_mode,
            ehlo: None,
            connect: ConnectOptions {
                connect_timeout: timeout.min(CONNECT_WAIT),
                resolve_timeout: timeout,
                send_timeout: timeout,
                ..ConnectOptions::default()
            },
            tls: TlsOptions {
                handshake_timeout: timeout,
                ..tls
            },
            timeout,
            greeting_wait: GREETING_WAIT.min(timeout),
        }
    }

    /// The EHLO name to send: the one asked for, else this machine's host name.
    pub fn ehlo_name(&self) -> String {
        self.ehlo.clone().unwrap_or_else(local_hostname)
    }
}

/// This machine's host name, for EHLO and the default sender.
pub fn local_hostname() -> String {
    for path in ["/proc/sys/kernel/hostname", "/etc/hostname"] {
        if let Ok(text) = std::fs::read_to_string(path) {
            let name = text.trim();
            if !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
            {
                return name.to_string();
            }
        }
    }
    "localhost".to_string()
}
