//! Where a probe stopped, and the exit code that tells scripts which step failed.
//!
//! Layer: front end (headless).

/// Where a session stopped; the process exit code tells scripts which step failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Everything asked for was done.
    Done,
    /// Bad options or an unreadable local file.
    Local,
    Connect,
    Greeting,
    Ehlo,
    Tls,
    Auth,
    Mail,
    Rcpt,
    Data,
    /// A MAIL or RCPT parameter whose extension the server does not advertise (or
    /// REQUIRETLS in plaintext), held back without `--force-params`.
    Unsupported,
}

impl Stage {
    /// The steps a probe can be asked to stop after (`--quit-after`), in session order.
    pub const STOPPABLE: [Stage; 7] = [
        Stage::Connect,
        Stage::Greeting,
        Stage::Ehlo,
        Stage::Tls,
        Stage::Auth,
        Stage::Mail,
        Stage::Rcpt,
    ];

    /// The stage named `name` (as [`Stage::name`] spells it).
    pub fn from_name(name: &str) -> Option<Stage> {
        [Stage::Done, Stage::Local, Stage::Data, Stage::Unsupported]
            .into_iter()
            .chain(Stage::STOPPABLE)
            .find(|stage| stage.name() == name)
    }

    pub fn exit_code(self) -> u8 {
        match self {
            Stage::Done => 0,
            Stage::Local => 3,
            Stage::Unsupported => 2,
            Stage::Connect => 20,
            Stage::Greeting => 21,
            Stage::Ehlo => 22,
            Stage::Tls => 23,
            Stage::Auth => 24,
            Stage::Mail => 25,
            Stage::Rcpt => 26,
            Stage::Data => 27,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Stage::Done => "done",
            Stage::Local => "local",
            Stage::Connect => "connect",
            Stage::Greeting => "greeting",
            Stage::Ehlo => "ehlo",
            Stage::Tls => "tls",
            Stage::Auth => "auth",
            Stage::Mail => "mail",
            Stage::Rcpt => "rcpt",
            Stage::Data => "data",
            Stage::Unsupported => "unsupported",
        }
    }
}
