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

pub mod connect;
pub mod demo;
pub mod explain;
pub mod probe;
pub mod replay;
pub mod scan;
pub mod serve;
pub mod transcript;

use clap::{Parser, Subcommand};

pub use connect::{ConnectArgs, TlsMode, TlsVersionArg, VerifyArg};
pub use demo::DemoArgs;
pub use probe::{AuthArg, ProbeArgs, QuitAfter};

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
    pub record: transcript::RecordArgs,
}

#[derive(Debug, Subcommand)]
pub enum CommandKind {
    /// Run a whole SMTP session without a UI and report where it stopped.
    Probe(ProbeArgs),
    /// Run the built-in sandbox SMTP server on loopback.
    Serve(serve::ServeArgs),
    /// Start the sandbox in-process and run a session against it.
    Demo(DemoArgs),
    /// Explain a reply code, enhanced status code, EHLO keyword, SASL mechanism or reply.
    Explain(explain::ExplainArgs),
    /// Which port speaks what: SMTP, STARTTLS, implicit TLS, AUTH; and which one to use.
    Scan(scan::ScanArgs),
    /// Step through a recorded session in the explorer, serve its server side (--serve), or
    /// re-run it (--against).
    Replay(replay::ReplayArgs),
    /// Write a transcript as swaks-style text, markdown for an issue, or JSON.
    Export(transcript::ExportArgs),
    /// Compare two transcripts: reply codes, capabilities, certificate, TLS parameters.
    Diff(transcript::DiffArgs),
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
