//! The flags of `smtpx probe`: a whole session headless.
//!
//! Layer: CLI parsing.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::ConnectArgs;

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
    pub record: crate::cli::transcript::RecordArgs,
}
