//! `smtpx replay FILE`: a recording stepped through in the explorer, served back to any
//! client (`--serve`), or re-run against a live server and compared (`--against`).
//!
//! Files: `run.rs` (the entry point: which of the three, or the text export when there is no
//! terminal), `serve.rs`, `serve_io.rs` and `serve_tls.rs` (`--serve`: the mock server, its
//! wire, its stand-in certificate), `against.rs` (`--against`: the client side re-run, then
//! compared by [`crate::transcript::diff`]). The explorer's replay loop is
//! [`crate::tui::replay`]; its state is [`crate::app::replay`].
//!
//! It takes a [`ReplayPlan`].
//!
//! Layer: front end (tokio, rustls, the driver) — wiring around the pure transcript layer
//! ([`crate::transcript`]: format, reading, scripts, diff), which stays free of tokio.

pub mod against;
pub mod run;
pub mod serve;
mod serve_io;
pub mod serve_tls;

use std::path::PathBuf;
use std::time::Duration;

use crate::transcript::RecordOptions;

pub use serve::Timing;

/// What `smtpx replay` is asked to do with a recording.
#[derive(Debug, Clone)]
pub struct ReplayPlan {
    /// The transcript (`.jsonl`).
    pub file: PathBuf,
    pub mode: ReplayMode,
    /// `--theme`, `--presenter` for stepping through it.
    pub display: crate::app::Display,
}

/// Which of the replay's uses.
#[derive(Debug, Clone)]
pub enum ReplayMode {
    /// Step through it in the explorer when standard input and output are a terminal;
    /// otherwise print it as text.
    Step,
    /// Print it as text.
    Text,
    /// Play the recorded server side to any client that connects.
    Serve(ServePlan),
    /// Re-run the client side against a live server and compare.
    Against(Box<AgainstPlan>),
}

/// `--serve`: where and how to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServePlan {
    /// The address to listen on (port 0: any free port).
    pub listen: String,
    pub timing: Timing,
    /// Stop after the first client.
    pub once: bool,
    /// Where to write the stand-in CA's certificate (PEM) for a verifying client.
    pub ca_out: Option<PathBuf>,
    /// Serve only this connection of the recording (1-based); else each in turn.
    pub connection: Option<usize>,
}

/// `--against`: the live server and what the recording left out.
#[derive(Debug, Clone)]
pub struct AgainstPlan {
    /// `HOST[:PORT]` (default port: the recorded one).
    pub target: String,
    /// The environment variable holding the secret for a redacted AUTH exchange (else the
    /// terminal is asked).
    pub password_env: Option<String>,
    /// The named opt-in to send credentials where the policy would hold them
    /// ([`crate::proto::auth::policy`]).
    pub allow_insecure_auth: bool,
    /// Upgrade a plaintext recording with STARTTLS when the live server offers it.
    pub upgrade: bool,
    /// The user name for a redacted AUTH exchange (default: the recorded one).
    pub user: Option<String>,
    /// A text to send (in a minimal message) in place of a body the recording left out.
    pub body: Option<String>,
    /// A file whose message is sent in place of a body the recording left out.
    pub data: Option<PathBuf>,
    /// Trust anchors for the live server (default: the recorded ones, when they exist).
    pub ca_file: Option<PathBuf>,
    /// Keys the live server's certificate is pinned to (default: the recorded pins): a
    /// replay against a test server with a self-made certificate verifies, as the probe does.
    pub pin_spki: Vec<crate::net::SpkiPin>,
    /// The wait for the connection and each reply, already bounded.
    pub timeout: Duration,
    /// The reverse-path for every MAIL instead of the recorded one.
    pub from: Option<String>,
    /// The recipients for every transaction instead of the recorded RCPTs.
    pub to: Vec<String>,
    /// Re-run only this connection of the recording (1-based); else each in turn.
    pub connection: Option<usize>,
    /// How the new session is recorded.
    pub record: RecordOptions,
    /// The way to the live server: proxy, local address, PROXY header (boxed: the other
    /// modes are small).
    pub route: Box<crate::net::Route>,
}
