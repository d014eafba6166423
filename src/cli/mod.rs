//! Command-line interface: the whole command map, parsed with clap.
//!
//! Layer: CLI entry. Each subcommand's flags (one file each) become that command's typed
//! plan (`into_plan`), which the module doing the work takes; the front ends never see a
//! clap struct. Checks that need more than clap — a target that does not parse, a secret
//! that cannot be read — fail here as a [`CliError`].
//!
//! ```text
//! smtpx HOST[:PORT]      interactive explorer (the TUI)
//! smtpx demo             explorer + built-in sandbox server
//! smtpx learn [N]        guided lessons on the sandbox, checked from the session
//! smtpx serve            the sandbox server alone
//! smtpx probe HOST       a whole session headless, swaks-style
//! smtpx scan HOST        which port speaks what, which to use
//! smtpx replay FILE      step through it in the explorer / --text / --serve / --against
//! smtpx export | diff    transcripts: text/markdown/json; compare two
//! smtpx explain CODE     what a reply or keyword means
//! smtpx check DOMAIN     can mail for DOMAIN be delivered, and securely (MX, DANE, MTA-STS)
//! smtpx smuggle HOST     SMTP smuggling: which end-of-data variants the server takes
//! smtpx @PROFILE         the explorer with a profile's settings (probe/scan take @PROFILE too)
//! smtpx config init|list the profiles' file
//! smtpx completions SHELL | smtpx man    shell completion, the manual page
//! ```

// The doc comments on clap structs are the `--help` text people read (`HOST[:PORT]`,
// `<host>`), not rustdoc markup.
#![allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]

pub mod check;
pub mod completions;
pub mod config;
pub mod connect;
pub mod demo;
pub mod dns;
pub mod explain;
pub mod learn;
pub mod man;
pub mod probe;
pub mod replay;
pub mod scan;
pub mod serve;
pub mod smuggle;
mod suggest;
pub mod transcript;

use clap::{Parser, Subcommand};

pub use connect::{ConnectArgs, RouteArgs, TlsArgs, TlsVersionArg, VerifyArg};
pub use demo::DemoArgs;
pub use probe::{AuthArg, ProbeArgs};

/// What `main` runs: the command and its plan.
#[derive(Debug)]
pub enum Plan {
    Explore(crate::tui::ExplorerPlan),
    Probe(crate::probe::ProbePlan),
    Serve(crate::sandbox::SandboxConfig),
    Demo(crate::demo::DemoPlan),
    Learn(crate::demo::LearnPlan),
    Explain(crate::explain::ExplainPlan),
    Scan(crate::scan::ScanPlan),
    Replay(crate::replay::ReplayPlan),
    Export(crate::transcript::run::ExportPlan),
    Diff(crate::transcript::run::DiffPlan),
    Check(crate::check::CheckPlan),
    Smuggle(crate::smuggle::SmugglePlan),
    /// Print the completion script for this shell.
    Completions(clap_complete::Shell),
    /// Print the manual page.
    Man,
    Config(crate::config::ConfigPlan),
}

/// A command line that cannot be run: what to print on standard error, and the exit code.
#[derive(Debug)]
pub struct Refusal {
    pub message: String,
    pub exit_code: u8,
}

impl Cli {
    /// The plan of the command asked for, or why it cannot run (with the command's own
    /// prefix and exit code: 3 for the probe, where every local problem is 3; 2 for the
    /// explorer and the scan).
    pub fn into_plan(self) -> Result<Plan, Refusal> {
        let refuse = |prefix: &str, exit_code: u8| {
            let prefix = prefix.to_owned();
            move |error: CliError| Refusal {
                message: format!("{prefix}: {error}"),
                exit_code,
            }
        };
        let display = self.look.display();
        Ok(match self.command {
            Some(CommandKind::Probe(args)) => {
                let stage = crate::probe::Stage::Local;
                Plan::Probe(
                    args.into_plan()
                        .map_err(refuse("smtpx probe", stage.exit_code()))?,
                )
            }
            Some(CommandKind::Serve(args)) => {
                Plan::Serve(args.into_plan().map_err(refuse("smtpx serve", 3))?)
            }
            Some(CommandKind::Demo(args)) => Plan::Demo(args.into_plan()),
            Some(CommandKind::Learn(args)) => Plan::Learn(args.into_plan()),
            Some(CommandKind::Explain(args)) => Plan::Explain(args.into_plan()),
            Some(CommandKind::Scan(args)) => {
                Plan::Scan(args.into_plan().map_err(refuse("smtpx scan", 2))?)
            }
            Some(CommandKind::Replay(args)) => Plan::Replay(args.into_plan()),
            Some(CommandKind::Export(args)) => Plan::Export(args.into_plan()),
            Some(CommandKind::Diff(args)) => Plan::Diff(args.into_plan()),
            Some(CommandKind::Check(args)) => {
                Plan::Check(args.into_plan().map_err(|message| Refusal {
                    message: format!("smtpx check: {message}"),
                    exit_code: crate::check::EXIT_LOCAL,
                })?)
            }
            Some(CommandKind::Smuggle(args)) => {
                Plan::Smuggle(args.into_plan().map_err(|message| Refusal {
                    message: format!("smtpx smuggle: {message}"),
                    exit_code: 2,
                })?)
            }
            Some(CommandKind::Completions(args)) => Plan::Completions(args.shell),
            Some(CommandKind::Man) => Plan::Man,
            Some(CommandKind::Config(args)) => {
                Plan::Config(args.into_plan().map_err(refuse("smtpx config", 2))?)
            }
            None => match self.explore {
                Some(args) => {
                    let exit_code = crate::tui::EXIT_UNUSABLE;
                    // Said first, as the headless command names the target as typed.
                    let typed = if args.mx.mx {
                        format!("--mx {}", args.target)
                    } else {
                        args.target.clone()
                    };
                    if let Some(message) = crate::tui::without_terminal(&typed) {
                        return Err(Refusal { message, exit_code });
                    }
                    let (mx, resolver) = args.mx_plan().map_err(refuse("smtpx", exit_code))?;
                    let hint_resolver = mx.is_none().then(|| Box::new(resolver));
                    Plan::Explore(crate::tui::ExplorerPlan {
                        connect: args.into_plan().map_err(refuse("smtpx", exit_code))?,
                        mx: mx.map(Box::new),
                        hint_resolver,
                        record: self.record.into_options(),
                        intro: Vec::new(),
                        lesson: None,
                        display,
                        lmtp: self.lmtp,
                        auth: self.profile_auth,
                    })
                }
                None => {
                    return Err(Refusal {
                        message: "smtpx: give a HOST[:PORT] to explore, or a subcommand (see \
                                  smtpx --help)"
                            .into(),
                        exit_code: 2,
                    });
                }
            },
        })
    }
}

/// Why a command line that clap accepted cannot be run. The text is what the user reads
/// after `smtpx COMMAND: `.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The target does not parse as HOST, HOST:PORT or [IPv6]:PORT.
    #[error(transparent)]
    Target(#[from] crate::net::NetError),
    #[error("--auth needs --user")]
    AuthNeedsUser,
    #[error("environment variable {var} is not set")]
    SecretVariable { var: String },
    #[error("cannot read {}: {source}", path.display())]
    SecretFile {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("cannot prompt for a password ({0}); use --password-env or --password-file")]
    SecretPrompt(std::io::Error),
    /// The EHLO name cannot be sent (it would not encode as a command line).
    #[error("--ehlo {name:?} is not a usable EHLO name")]
    EhloName { name: String },
    /// The config file or the profile named cannot be used.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The profile's secret could not be had (its command failed, …).
    #[error(transparent)]
    ProfileSecret(#[from] crate::config::SecretError),
    /// The profile's `proxy` is not a usable SOCKS5 URL (the error never shows a password).
    #[error("profile `{profile}`: {error}")]
    ProfileProxy {
        profile: String,
        error: crate::net::route::ProxyUrlError,
    },
    #[error("profile `{profile}` has no host")]
    ProfileWithoutHost { profile: String },
    /// `--mx` or `--resolver` cannot be used as given.
    #[error("{0}")]
    Dns(String),
}

/// The plan for a command line (`std::env::args_os()`): clap's parse, a mistyped
/// subcommand suggested, the `@PROFILE` named filled in (command-line flags win), then
/// [`Cli::into_plan`]. Help, `--version` and clap's own errors print and exit as clap does.
pub fn plan_from_args(args: impl IntoIterator<Item = std::ffi::OsString>) -> Result<Plan, Refusal> {
    use clap::{CommandFactory, FromArgMatches};
    let args: Vec<std::ffi::OsString> = args.into_iter().collect();
    let matches = match Cli::command().try_get_matches_from(&args) {
        Ok(matches) => matches,
        Err(error) => {
            if error.use_stderr()
                && let Some((typed, meant)) = suggest::mistyped_command(&args)
            {
                return Err(Refusal {
                    message: suggest::message(&args, &typed, &meant),
                    exit_code: 2,
                });
            }
            error.exit()
        }
    };
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    config::apply_profiles(&mut cli, &matches, crate::config::default_path().as_deref())?;
    cli.into_plan()
}

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

    /// The explorer speaks LMTP (RFC 2033): LHLO is suggested, and each recipient's reply
    /// to the end of data is shown with its recipient.
    #[arg(long, requires = "target")]
    pub lmtp: bool,

    #[command(flatten)]
    pub look: ThemeArgs,

    /// What the explorer's AUTH form starts with, from the `@PROFILE` used.
    #[arg(skip)]
    pub profile_auth: crate::app::auth::AuthDefaults,
}

/// `--theme`, for the commands that open the explorer.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct ThemeArgs {
    /// The explorer's colours: high-contrast has no dim text and bright colours, for a
    /// projector or low vision (NO_COLOR, when set, still means no colour).
    #[arg(long, value_enum, env = "SMTPX_THEME", default_value = "normal")]
    pub theme: Theme,

    /// For a projector: the high-contrast theme, no side panel, the latest reply's
    /// explanation always shown in a pane of its own, a blank row between lines.
    #[arg(long)]
    pub presenter: bool,
}

impl ThemeArgs {
    pub fn display(self) -> crate::app::Display {
        crate::app::Display {
            high_contrast: self.theme == Theme::HighContrast,
            presenter: self.presenter,
        }
    }
}

/// `--theme`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Theme {
    Normal,
    HighContrast,
}

#[derive(Debug, Subcommand)]
pub enum CommandKind {
    /// Run a whole SMTP session without a UI and report where it stopped.
    Probe(ProbeArgs),
    /// Run the built-in sandbox SMTP server on loopback.
    Serve(serve::ServeArgs),
    /// Start the sandbox in-process and run a session against it.
    Demo(DemoArgs),
    /// Guided lessons on the built-in sandbox, each step checked from the session itself.
    Learn(learn::LearnArgs),
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
    /// Can mail for a domain be delivered, and securely: MX, DANE, MTA-STS, TLS-RPT.
    Check(check::CheckArgs),
    /// SMTP smuggling: does the server end the data anywhere but at <CR><LF>.<CR><LF>?
    ///
    /// Tries each end-of-data variant of SMTP smuggling (bare LF, bare CR, NUL) in a session
    /// of its own, followed inside the same data by a second, smuggled message, and reports
    /// per variant whether the server ended the data there (vulnerable), refused the
    /// message, or kept reading. For servers you run: up to two messages per variant go to
    /// --to.
    Smuggle(smuggle::SmuggleArgs),
    /// Profiles in $XDG_CONFIG_HOME/smtpx/config.toml: write an example, list them.
    Config(config::ConfigArgs),
    /// Print a completion script for bash, zsh, fish, elvish or PowerShell.
    Completions(completions::CompletionsArgs),
    /// Print the manual page (roff): smtpx man | man -l -
    Man,
}

/// Says on stderr when a file holding a secret can be read by other users: anyone on the
/// machine could take the password from it.
pub(crate) fn warn_if_readable_by_others(path: &std::path::Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            if meta.permissions().mode() & 0o077 != 0 {
                eprintln!(
                    "smtpx: warning: {} can be read by other users (mode {:o}); chmod 600 it",
                    crate::proto::text::escape_str(&path.display().to_string()),
                    meta.permissions().mode() & 0o777
                );
            }
        }
    }
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

    use crate::net::TlsMode;

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

    fn tls_of(args: &[&str]) -> crate::net::TlsOptions {
        let p = probe(&[&["mx.example.com"], args].concat());
        p.connect.into_plan().expect("valid target").tls
    }

    #[test]
    fn tls_flags_reach_the_transport_options() {
        use crate::net::TlsVersion;
        use std::path::Path;
        // The pair is read and checked while the plan is made, so it must exist.
        let (dir, cert, key) = connect::tests::client_pair();
        let tls = tls_of(&[
            "--tls-min",
            "1.3",
            "--tls-max",
            "1.3",
            "--client-cert",
            &cert,
            "--client-key",
            &key,
            "--ca-file",
            "ca.pem",
        ]);
        assert_eq!(tls.min_version, Some(TlsVersion::Tls13));
        assert_eq!(tls.max_version, Some(TlsVersion::Tls13));
        assert_eq!(tls.client_cert.as_deref(), Some(Path::new(&cert)));
        assert_eq!(tls.client_key.as_deref(), Some(Path::new(&key)));
        drop(dir);
        assert_eq!(tls.ca_file.as_deref(), Some(Path::new("ca.pem")));
        let tls = tls_of(&[]);
        assert_eq!((tls.min_version, tls.max_version), (None, None));
    }

    #[test]
    fn bad_tls_versions_and_a_lone_client_key_are_refused() {
        let parse = |args: &[&str]| {
            Cli::try_parse_from(["smtpx", "probe", "h"].iter().chain(args)).is_err()
        };
        assert!(parse(&["--tls-min", "1.1"]));
        assert!(parse(&["--client-key", "k.pem"]));
    }

    #[test]
    fn the_timeout_is_bounded_once_for_every_wait() {
        let plan = probe(&["h", "--timeout", "0"])
            .connect
            .into_plan()
            .expect("valid");
        let shortest = std::time::Duration::from_millis(1);
        assert_eq!(plan.timeout, shortest);
        assert_eq!(plan.connect.connect_timeout, shortest);
        assert_eq!(plan.tls.handshake_timeout, shortest);
        let plan = probe(&["h", "--timeout", "1e9"])
            .connect
            .into_plan()
            .expect("valid");
        assert_eq!(plan.timeout, std::time::Duration::from_secs(86_400));
    }

    #[test]
    fn quit_after_names_a_stage_the_probe_can_stop_after() {
        use crate::probe::Stage;
        let p = probe(&["h", "--quit-after", "tls"]);
        assert_eq!(p.quit_after, Some(Stage::Tls));
        for refused in ["done", "local", "data", "nowhere"] {
            assert!(
                Cli::try_parse_from(["smtpx", "probe", "h", "--quit-after", refused]).is_err(),
                "{refused}"
            );
        }
    }

    #[test]
    fn auth_without_a_user_is_refused_before_anything_is_read() {
        let error = probe(&["h", "--auth", "plain"])
            .into_plan()
            .expect_err("refused");
        assert_eq!(error.to_string(), "--auth needs --user");
        let error = probe(&[
            "h",
            "--user",
            "u",
            "--password-env",
            "SMTPX_TEST_SURELY_UNSET",
        ])
        .into_plan()
        .expect_err("refused");
        assert_eq!(
            error.to_string(),
            "environment variable SMTPX_TEST_SURELY_UNSET is not set"
        );
    }
}
