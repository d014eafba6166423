//! The flags of `smtpx replay FILE [--text | --serve | --against HOST[:PORT]]`.
//!
//! Layer: CLI parsing.

use std::path::PathBuf;

use clap::Args;

use super::transcript::RecordArgs;
use crate::replay::{AgainstPlan, ReplayMode, ReplayPlan, ServePlan, Timing};

/// How fast a served recording answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TimingArg {
    /// Each reply after the delay the real server took.
    Recorded,
    /// Each reply at once.
    Fast,
}

/// `smtpx replay FILE [--text | --serve | --against HOST[:PORT]]`.
#[derive(Debug, Clone, Args)]
#[command(
    mut_arg("proxy", |a| a.requires("against")),
    mut_arg("proxy_protocol", |a| a.requires("against")),
    mut_arg("local_addr", |a| a.requires("against"))
)]
pub struct ReplayArgs {
    /// The transcript (`.jsonl`).
    pub file: PathBuf,

    #[command(flatten)]
    pub look: super::ThemeArgs,

    /// Print the transcript as text instead of stepping through it in the explorer (the
    /// default when standard output is not a terminal).
    #[arg(long, conflicts_with_all = ["serve", "against"])]
    pub text: bool,

    /// Play the recorded server side to any client that connects.
    #[arg(long, conflicts_with = "against")]
    pub serve: bool,

    /// Address to listen on with --serve (port 0: any free port; the address is printed).
    #[arg(
        long,
        value_name = "ADDR",
        default_value = "127.0.0.1:2525",
        requires = "serve"
    )]
    pub listen: String,

    /// With --serve: answer at recorded speed or at once.
    #[arg(long, value_enum, default_value_t = TimingArg::Recorded)]
    pub timing: TimingArg,

    /// With --serve: stop after the first client.
    #[arg(long, requires = "serve")]
    pub once: bool,

    /// With --serve: also write the stand-in CA certificate (PEM) a verifying client
    /// should trust to this file.
    #[arg(long, value_name = "PATH", requires = "serve")]
    pub ca_out: Option<PathBuf>,

    /// With --serve or --against: only connection N of a recording with several
    /// (/reconnect); without it each is served or re-run in turn.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub connection: Option<u64>,

    /// Re-run the client side against a live server and compare.
    #[arg(long, value_name = "HOST[:PORT]")]
    pub against: Option<String>,

    /// With --against: the secret for redacted AUTH lines, from this environment variable
    /// (otherwise it is asked for on the terminal).
    #[arg(long, value_name = "VAR", requires = "against")]
    pub password_env: Option<String>,

    /// With --against: send credentials even where they are not protected (plaintext, a
    /// certificate that did not verify, AUTH or the mechanism not advertised).
    #[arg(long, requires = "against")]
    pub allow_insecure_auth: bool,

    /// With --against: keep a plaintext recording in plaintext even when the live server
    /// offers STARTTLS (by default the replay upgrades: never less protection than offered).
    #[arg(long, requires = "against")]
    pub no_starttls_upgrade: bool,

    /// With --against: the user name for a redacted AUTH exchange (default: the recorded one,
    /// kept only with --record-secrets).
    #[arg(long, value_name = "USER", requires = "against")]
    pub user: Option<String>,

    /// With --against: send this text (in a minimal message) instead of a message body the
    /// recording left out (--redact-body).
    #[arg(
        long,
        value_name = "TEXT",
        requires = "against",
        conflicts_with = "data"
    )]
    pub body: Option<String>,

    /// With --against: send this file's message instead of a body the recording left out.
    #[arg(long, value_name = "FILE", requires = "against")]
    pub data: Option<PathBuf>,

    /// With --against: trust anchors for the live server's certificate (default: the
    /// recorded --ca-file, when it still exists).
    #[arg(long, value_name = "FILE", requires = "against")]
    pub ca_file: Option<PathBuf>,

    /// With --against: pin the live server's key, SHA-256 of its SubjectPublicKeyInfo in
    /// base64 (curl's sha256//… form) or hex, instead of the recorded pins (repeatable).
    #[arg(long, value_name = "SHA256", requires = "against")]
    pub pin_spki: Vec<crate::net::SpkiPin>,

    /// With --against: the reverse-path for every MAIL instead of the recorded one.
    #[arg(long, short = 'f', value_name = "ADDR", requires = "against")]
    pub from: Option<String>,

    /// With --against: recipients for every transaction instead of the recorded RCPTs
    /// (repeatable; commas separate several, as in swaks).
    #[arg(long, short = 't', value_name = "ADDR", requires = "against")]
    pub to: Vec<String>,

    /// With --against: seconds to wait for each reply.
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    pub timeout: f64,

    /// With --against: how the new session is recorded (as for probe).
    #[command(flatten)]
    pub record: RecordArgs,

    /// With --against: the way to the live server (proxy, local address, PROXY header).
    #[command(flatten)]
    pub route: super::RouteArgs,
}

impl ReplayArgs {
    /// Which use of the recording these flags ask for (clap has already refused the
    /// combinations that conflict).
    pub fn into_plan(self) -> ReplayPlan {
        let mode = if self.serve {
            ReplayMode::Serve(ServePlan {
                listen: self.listen,
                timing: match self.timing {
                    TimingArg::Recorded => Timing::Recorded,
                    TimingArg::Fast => Timing::Fast,
                },
                once: self.once,
                ca_out: self.ca_out,
                connection: self.connection.and_then(|n| usize::try_from(n).ok()),
            })
        } else if let Some(target) = self.against {
            ReplayMode::Against(Box::new(AgainstPlan {
                target,
                password_env: self.password_env,
                allow_insecure_auth: self.allow_insecure_auth,
                upgrade: !self.no_starttls_upgrade,
                user: self.user,
                body: self.body,
                data: self.data,
                ca_file: self.ca_file,
                pin_spki: self.pin_spki,
                timeout: crate::net::bounded_timeout(self.timeout),
                from: self.from,
                to: super::probe::split_recipients(&self.to),
                connection: self.connection.and_then(|n| usize::try_from(n).ok()),
                record: self.record.into_options(),
                route: Box::new(self.route.route()),
            }))
        } else if self.text {
            ReplayMode::Text
        } else {
            ReplayMode::Step
        };
        ReplayPlan {
            file: self.file,
            mode,
            display: self.look.display(),
        }
    }
}
