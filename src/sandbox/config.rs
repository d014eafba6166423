//! What a sandbox server is started with: addresses, certificates, limits, the demo account
//! and the teaching behaviours. `Default` is what tests want (loopback, port 0, no
//! behaviours); `smtpx serve` fills it from its command-line flags.
//!
//! Layer: sandbox (server side). Plain data.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Default `SIZE` limit: 10 MiB, like Postfix's `message_size_limit` default.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 10 * 1024 * 1024;
/// Default recipients per transaction (RFC 5321 §4.5.3.1.8 asks for at least 100).
pub const DEFAULT_MAX_RECIPIENTS: usize = 100;
/// Default concurrent connections.
pub const DEFAULT_MAX_CONNECTIONS: usize = 256;
/// Idle timeout: RFC 5321 §4.5.3.2.7 says a server SHOULD wait at least 5 minutes.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// The demo account for AUTH. Only the exact user name is accepted (`demo`, not
/// `demo@localhost`): one account, one name, nothing to guess.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub user: String,
    pub password: String,
    /// The bearer token XOAUTH2 and OAUTHBEARER accept for `user`; `None`: those
    /// mechanisms are not offered.
    pub oauth_token: Option<String>,
}

impl Default for Credentials {
    fn default() -> Self {
        Credentials {
            user: "demo".to_owned(),
            password: "demo-password".to_owned(),
            oauth_token: None,
        }
    }
}

/// Where the TLS certificate comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum TlsSource {
    /// A fresh CA and a leaf for the hostname, `localhost`, `127.0.0.1` and `::1`, made at
    /// start. The CA's key stays in memory and is dropped after signing.
    #[default]
    Generate,
    /// PEM files: the certificate chain (leaf first) and its private key.
    Files { cert: PathBuf, key: PathBuf },
}

/// Teaching and testing behaviours; all off by default.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Behaviours {
    /// Wait this long before the greeting (early talkers are logged).
    pub greeting_delay: Duration,
    /// Defer the first RCPT of each (sender, recipient) pair with `451 4.7.1`.
    pub greylist: bool,
    /// Reject recipients matching any of these globs with `550 5.1.1`.
    pub reject_rcpt: Vec<String>,
    /// Probability (0.0–1.0) that a MAIL gets `451 4.3.0`.
    pub tempfail_rate: f64,
    /// Close the connection as soon as this command (verb, any case) is received.
    pub drop_after: Option<String>,
    /// Wait this long before every reply.
    pub slow_reply: Duration,
    /// Refuse relaying: when not empty, a recipient outside these domains gets `554 5.7.1
    /// Relay access denied` unless the client authenticated (as an MTA that is not an open
    /// relay answers; the wording is Postfix's `reject_unauth_destination`).
    pub local_domains: Vec<String>,
    /// Expect a PROXY protocol header (v1 or v2) before the session, as a server behind
    /// HAProxy does; the client it names is the session's peer. A connection without one
    /// is closed.
    pub accept_proxy_header: bool,
    /// Take a bare LF as a line end in DATA, so `<LF>.<LF>` and its kin end the data: the
    /// SMTP smuggling hole of Postfix before 3.9 and Sendmail (CVE-2023-51764/51765), on
    /// purpose, for `smtpx smuggle` to find.
    pub lenient_eod: bool,
    /// Refuse EHLO with `500 5.5.1`, as a server without ESMTP does (Postfix's
    /// `smtp-sink -e`): a client falls back to HELO (RFC 5321 §4.1.4).
    pub no_esmtp: bool,
}

/// Everything [`start`](super::start) needs.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Plain listener (STARTTLS offered).
    pub listen: SocketAddr,
    /// Implicit-TLS listener ([RFC 8314 §3.3](https://www.rfc-editor.org/rfc/rfc8314#section-3.3)).
    pub tls_listen: Option<SocketAddr>,
    /// The name in the greeting, EHLO reply, `Received:` header and certificate.
    pub hostname: String,
    /// Submission rules: STARTTLS before AUTH, AUTH before MAIL
    /// ([RFC 6409 §4](https://www.rfc-editor.org/rfc/rfc6409#section-4), [RFC 8314](https://www.rfc-editor.org/rfc/rfc8314)).
    pub submission: bool,
    pub tls: TlsSource,
    /// Also write the CA certificate (or the given certificate) to this path.
    pub ca_out: Option<PathBuf>,
    /// Mutual TLS: require a client certificate issued by one of the CAs in this PEM file
    /// ([RFC 8446 §4.3.2](https://www.rfc-editor.org/rfc/rfc8446#section-4.3.2)).
    pub client_ca: Option<PathBuf>,
    /// Where `.eml` files go; `None`: a temporary directory removed at shutdown.
    pub maildir: Option<PathBuf>,
    pub credentials: Credentials,
    pub max_message_size: usize,
    pub max_recipients: usize,
    pub max_connections: usize,
    pub idle_timeout: Duration,
    pub behaviours: Behaviours,
    /// Seed of the random generator (tempfail, CRAM-MD5 nonces); `None`: from the clock.
    pub seed: Option<u64>,
    /// Print the session log and stored messages to stdout (the CLI does; tests subscribe).
    pub print_log: bool,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            tls_listen: None,
            hostname: "localhost".to_owned(),
            submission: false,
            tls: TlsSource::Generate,
            ca_out: None,
            client_ca: None,
            maildir: None,
            credentials: Credentials::default(),
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            max_recipients: DEFAULT_MAX_RECIPIENTS,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            behaviours: Behaviours::default(),
            seed: None,
            print_log: false,
        }
    }
}

impl SandboxConfig {
    /// Listen addresses that are not loopback: reachable from other machines, worth a warning.
    pub fn exposed_addresses(&self) -> Vec<SocketAddr> {
        std::iter::once(self.listen)
            .chain(self.tls_listen)
            .filter(|addr| !addr.ip().is_loopback())
            .collect()
    }
}
