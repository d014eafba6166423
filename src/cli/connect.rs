//! How to reach the server and how to treat its TLS: the flags the explorer and the probe
//! share.
//!
//! Layer: CLI parsing.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

use crate::net::Target;

/// How to reach the server and how to treat its TLS. Shared by the explorer and the probe.
#[derive(Debug, Clone, Args)]
pub struct ConnectArgs {
    /// Server to connect to: HOST, HOST:PORT, [IPv6]:PORT.
    #[arg(value_name = "HOST[:PORT]")]
    pub target: String,

    /// Port (overrides one given in HOST:PORT). Default 25; 465 implies --tls-on-connect,
    /// 587 implies --starttls.
    #[arg(long, short = 'p')]
    pub port: Option<u16>,

    /// Implicit TLS: start TLS right after connecting (RFC 8314), as on port 465.
    #[arg(long, conflicts_with_all = ["no_tls_on_connect", "starttls", "starttls_optional"])]
    pub tls_on_connect: bool,

    /// Do not start TLS on connect, even on port 465.
    #[arg(long)]
    pub no_tls_on_connect: bool,

    /// Send STARTTLS after EHLO and fail if it is not offered (RFC 3207).
    #[arg(long, conflicts_with_all = ["starttls_optional", "no_starttls"])]
    pub starttls: bool,

    /// Send STARTTLS if offered; continue in plaintext if not (the default except on 587).
    #[arg(long, conflicts_with = "no_starttls")]
    pub starttls_optional: bool,

    /// Never send STARTTLS: stay in plaintext.
    #[arg(long)]
    pub no_starttls: bool,

    /// Name to send in EHLO (default: this machine's host name).
    #[arg(long, value_name = "NAME")]
    pub ehlo: Option<String>,

    /// Server name indication to send (default: the host name; none for an IP address).
    #[arg(long, value_name = "NAME", conflicts_with = "no_sni")]
    pub sni: Option<String>,

    /// Send no SNI at all.
    #[arg(long)]
    pub no_sni: bool,

    /// Name to verify the certificate against (default: the host connected to).
    #[arg(long, value_name = "NAME")]
    pub verify_name: Option<String>,

    /// Extra trust anchors (PEM), ADDED to the built-in webpki roots (not replacing them);
    /// the verdict says which store vouched for the chain.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,

    /// Lowest TLS version to offer.
    #[arg(long, value_enum, value_name = "1.2|1.3")]
    pub tls_min: Option<TlsVersionArg>,

    /// Highest TLS version to offer.
    #[arg(long, value_enum, value_name = "1.2|1.3")]
    pub tls_max: Option<TlsVersionArg>,

    /// Client certificate for mutual TLS (PEM; a chain, leaf first, is allowed).
    #[arg(long, value_name = "FILE", requires = "client_key")]
    pub client_cert: Option<PathBuf>,

    /// Private key (PEM) of --client-cert.
    #[arg(long, value_name = "FILE", requires = "client_cert")]
    pub client_key: Option<PathBuf>,

    /// `report`: record the verdict and go on (default); `strict`: a failed verdict stops.
    #[arg(long, value_enum, default_value_t = VerifyArg::Report)]
    pub tls_verify: VerifyArg,

    /// Seconds to wait for the connection and for each reply.
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    pub timeout: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TlsVersionArg {
    #[value(name = "1.2")]
    Tls12,
    #[value(name = "1.3")]
    Tls13,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VerifyArg {
    Report,
    Strict,
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

impl ConnectArgs {
    /// The target with the port resolved: `--port`, else the one in HOST:PORT, else 25.
    pub fn resolved_target(&self) -> Result<Target, String> {
        let mut target = Target::parse(&self.target, 25).map_err(|e| e.to_string())?;
        if let Some(port) = self.port {
            target.port = port;
        }
        Ok(target)
    }

    /// Port defaults: 465 implies implicit TLS and 587 STARTTLS
    /// ([RFC 8314 §3.3](https://www.rfc-editor.org/rfc/rfc8314#section-3.3),
    /// [RFC 6409 §3.1](https://www.rfc-editor.org/rfc/rfc6409#section-3.1)); flags override.
    pub fn tls_mode(&self, port: u16) -> TlsMode {
        if self.tls_on_connect || (port == 465 && !self.no_tls_on_connect) {
            TlsMode::Implicit
        } else if self.no_starttls {
            TlsMode::Plain
        } else if self.starttls {
            TlsMode::StartTlsRequired
        } else if self.starttls_optional {
            TlsMode::StartTlsOptional
        } else if port == 587 {
            TlsMode::StartTlsRequired
        } else {
            TlsMode::StartTlsOptional
        }
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_secs_f64(self.timeout.clamp(0.001, 86_400.0))
    }
}
