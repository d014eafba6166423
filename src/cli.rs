//! Command-line interface: the whole command map, parsed with clap.
//!
//! Layer: CLI entry. Wiring only — each subcommand hands its arguments to the module that
//! does the work.
//!
//! ```text
//! smtpx HOST[:PORT]      interactive explorer (the TUI)
//! smtpx demo             explorer + built-in sandbox server
//! smtpx serve            the sandbox server alone
//! smtpx probe HOST       a whole session headless, swaks-style
//! smtpx scan HOST        which port speaks what, which to use
//! smtpx replay FILE      step through it in the explorer / --text / --serve / --against
//! smtpx export | diff    transcripts: text/markdown/json; compare two
//! smtpx explain CODE     what a reply or keyword means
//! ```

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::net::Target;

#[derive(Debug, Parser)]
#[command(
    name = "smtpx",
    version,
    about = "Explore an SMTP session interactively: EHLO, STARTTLS, certificates, AUTH, mail",
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<CommandKind>,

    /// Open the interactive explorer connected to HOST[:PORT].
    #[command(flatten)]
    pub explore: Option<ConnectArgs>,

    /// The explorer records its session like the probe (`--record`, `--no-record`, …).
    #[command(flatten)]
    pub record: crate::transcript::args::RecordArgs,
}

#[derive(Debug, Subcommand)]
pub enum CommandKind {
    /// Run a whole SMTP session without a UI and report where it stopped.
    Probe(ProbeArgs),
    /// Run the built-in sandbox SMTP server on loopback.
    Serve(crate::sandbox::ServeArgs),
    /// Start the sandbox in-process and run a session against it.
    Demo(DemoArgs),
    /// Explain a reply code, enhanced status code, EHLO keyword, SASL mechanism or reply.
    Explain(crate::explain::ExplainArgs),
    /// Which port speaks what: SMTP, STARTTLS, implicit TLS, AUTH; and which one to use.
    Scan(crate::scan::ScanArgs),
    /// Step through a recorded session in the explorer, serve its server side (--serve), or
    /// re-run it (--against).
    Replay(crate::transcript::args::ReplayArgs),
    /// Write a transcript as swaks-style text, markdown for an issue, or JSON.
    Export(crate::transcript::args::ExportArgs),
    /// Compare two transcripts: reply codes, capabilities, certificate, TLS parameters.
    Diff(crate::transcript::args::DiffArgs),
}

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

/// Where the probe stops on purpose (`--quit-after`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum QuitAfter {
    Connect,
    Greeting,
    Ehlo,
    Tls,
    Auth,
    Mail,
    Rcpt,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuthArg {
    Plain,
    Login,
    #[value(name = "cram-md5")]
    CramMd5,
    Xoauth2,
}

#[derive(Debug, Clone, Args)]
pub struct ProbeArgs {
    #[command(flatten)]
    pub connect: ConnectArgs,

    /// Authenticate with this SASL mechanism (RFC 4954).
    #[arg(long, value_enum)]
    pub auth: Option<AuthArg>,

    /// User name for AUTH.
    #[arg(long, short = 'u', value_name = "USER")]
    pub user: Option<String>,

    /// Read the password (or XOAUTH2 token) from this environment variable.
    #[arg(long, value_name = "VAR", conflicts_with = "password_file")]
    pub password_env: Option<String>,

    /// Read the password (or XOAUTH2 token) from the first line of this file.
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,

    /// Envelope sender for MAIL FROM (default: USER@host name; `<>` for the null sender).
    #[arg(long, short = 'f', value_name = "ADDR")]
    pub from: Option<String>,

    /// Envelope recipient for RCPT TO (repeatable). Without one the probe stops before MAIL.
    #[arg(long, short = 't', value_name = "ADDR")]
    pub to: Vec<String>,

    /// The message to send, exactly as in the file (`-` for standard input).
    #[arg(long, value_name = "FILE", conflicts_with = "body")]
    pub data: Option<PathBuf>,

    /// A body text; a minimal RFC 5322 message (Date, Message-ID, From, To, Subject) is
    /// built around it.
    #[arg(long, value_name = "TEXT")]
    pub body: Option<String>,

    /// Subject of the built message.
    #[arg(long, value_name = "TEXT", default_value = "smtpx probe")]
    pub subject: String,

    /// Send the message with BDAT chunks (RFC 3030 CHUNKING) instead of DATA.
    #[arg(long)]
    pub bdat: bool,

    /// Largest BDAT chunk in octets.
    #[arg(
        long,
        value_name = "OCTETS",
        default_value_t = 65_536,
        requires = "bdat"
    )]
    pub chunk_size: usize,

    /// Stop (with QUIT) after this step.
    #[arg(long, value_enum, value_name = "STEP")]
    pub quit_after: Option<QuitAfter>,

    /// One JSON object per event on standard output (the tls event carries every
    /// certificate field).
    #[arg(long)]
    pub json: bool,

    /// Print every certificate field, how the chain links, and the three verdicts.
    #[arg(long)]
    pub show_cert: bool,

    /// Write the chain the server sent as PEM (leaf first) to this file.
    #[arg(long, value_name = "PATH")]
    pub save_chain: Option<PathBuf>,

    #[command(flatten)]
    pub record: crate::transcript::args::RecordArgs,
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Run the sandbox in submission mode (STARTTLS before AUTH, AUTH before MAIL).
    #[arg(long)]
    pub submission: bool,

    /// Run the scripted submission with the headless probe instead of opening the explorer.
    #[arg(long)]
    pub headless: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(args: &[&str]) -> ProbeArgs {
        let cli = Cli::try_parse_from(["smtpx", "probe"].iter().chain(args)).expect("valid args");
        match cli.command {
            Some(CommandKind::Probe(probe)) => probe,
            other => panic!("expected probe, got {other:?}"),
        }
    }

    fn mode(args: &[&str]) -> TlsMode {
        let p = probe(args);
        let target = p.connect.resolved_target().expect("valid target");
        p.connect.tls_mode(target.port)
    }

    #[test]
    fn port_defaults_choose_the_tls_mode() {
        assert_eq!(mode(&["mx.example.com"]), TlsMode::StartTlsOptional);
        assert_eq!(mode(&["mx.example.com:465"]), TlsMode::Implicit);
        assert_eq!(
            mode(&["mx.example.com", "--port", "465"]),
            TlsMode::Implicit
        );
        assert_eq!(mode(&["mx.example.com:587"]), TlsMode::StartTlsRequired);
        assert_eq!(mode(&["mx.example.com:2525"]), TlsMode::StartTlsOptional);
    }

    #[test]
    fn flags_override_the_port_defaults() {
        assert_eq!(
            mode(&["h:465", "--no-tls-on-connect"]),
            TlsMode::StartTlsOptional
        );
        assert_eq!(
            mode(&["h:465", "--no-tls-on-connect", "--no-starttls"]),
            TlsMode::Plain
        );
        assert_eq!(
            mode(&["h:587", "--starttls-optional"]),
            TlsMode::StartTlsOptional
        );
        assert_eq!(mode(&["h:587", "--no-starttls"]), TlsMode::Plain);
        assert_eq!(mode(&["h:2525", "--tls-on-connect"]), TlsMode::Implicit);
        assert_eq!(mode(&["h", "--starttls"]), TlsMode::StartTlsRequired);
    }

    #[test]
    fn targets_take_ports_from_host_or_flag() {
        let p = probe(&["[::1]:2525"]);
        let t = p.connect.resolved_target().expect("valid target");
        assert_eq!((t.host.as_str(), t.port), ("::1", 2525));
        let p = probe(&["mx.example.com", "-p", "587"]);
        assert_eq!(p.connect.resolved_target().expect("valid").port, 587);
        let p = probe(&["mx.example.com"]);
        assert_eq!(p.connect.resolved_target().expect("valid").port, 25);
    }

    #[test]
    fn conflicting_tls_flags_are_refused() {
        let bad = Cli::try_parse_from(["smtpx", "probe", "h", "--tls-on-connect", "--starttls"]);
        assert!(bad.is_err());
        let bad = Cli::try_parse_from([
            "smtpx",
            "probe",
            "h",
            "--password-env",
            "A",
            "--password-file",
            "f",
        ]);
        assert!(bad.is_err());
    }

    #[test]
    fn there_is_no_plain_password_argument() {
        assert!(Cli::try_parse_from(["smtpx", "probe", "h", "--password", "x"]).is_err());
    }

    #[test]
    fn bare_target_opens_the_explorer_and_subcommands_still_parse() {
        let cli = Cli::try_parse_from(["smtpx", "mx.example.com:587"]).expect("valid");
        assert!(cli.command.is_none());
        assert_eq!(
            cli.explore.map(|e| e.target).as_deref(),
            Some("mx.example.com:587")
        );
        let cli = Cli::try_parse_from(["smtpx", "demo"]).expect("valid");
        assert!(matches!(cli.command, Some(CommandKind::Demo(_))));
    }
}
