//! The built-in sandbox SMTP server: the server side of the same protocol the explorer
//! speaks, for trying things safely on loopback — STARTTLS and implicit TLS, AUTH PLAIN /
//! LOGIN / CRAM-MD5 with a demo account, PIPELINING, SIZE, 8BITMIME, SMTPUTF8, CHUNKING
//! (BDAT), DSN parameters, ENHANCEDSTATUSCODES — and for teaching failure: greylisting,
//! recipient rejection, random temporary failures, dropped connections, slow replies.
//! Accepted messages are written as `.eml` files.
//!
//! Layer: sandbox, beside the transport. It uses `proto` (command-line classification, the
//! DATA receiver, safe escaping), tokio for sockets and tasks, rustls/tokio-rustls for TLS and
//! rcgen for certificates. Nothing in the explorer depends on it; `smtpx serve`, `smtpx demo`
//! and the tests start it through [`start`] or [`run_serve`].
//!
//! ```text
//!   serve.rs ─► config.rs ──► server.rs (listeners, handle, shutdown)
//!                                 │ one task per connection
//!                                 ▼
//!                             conn.rs (I/O, TLS upgrade, timing, storing) ──► store.rs, tls.rs
//!                                 │ bytes in / events out
//!                                 ▼
//!                             session/ (commands, mail): sans-IO state machine
//!                                 ├── parse.rs (on proto::command), auth.rs (SASL server side)
//!                                 └── behaviours.rs (Policy: greylist, reject, tempfail)
//! ```
//!
//! Choices worth knowing:
//! - Bare CR/LF in DATA content is refused (`550 5.5.2`), and only `<CRLF>.<CRLF>` ends data;
//!   command lines ending in a bare LF are accepted (handy with `nc`), and logged.
//! - Without `--submission`, AUTH is offered with and without TLS and is optional; with it,
//!   AUTH is offered only after STARTTLS and required before MAIL.
//! - AUTH accepts exactly the configured user name (`demo`), not `demo@localhost`.

mod auth;
mod behaviours;
mod clock;
mod config;
mod conn;
/// Public only so that the fuzz targets (`fuzz/`) and property tests can reach the command
/// parser; nothing else outside the sandbox uses it.
pub mod parse;
mod replies;
mod serve;
mod server;
mod session;
mod store;
mod tls;

use std::net::SocketAddr;
use std::path::PathBuf;

pub use config::{
    Behaviours, Credentials, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_MAX_RECIPIENTS, SandboxConfig, TlsSource,
};
pub use conn::LogEvent;
pub use serve::run_serve;
pub use server::{MessageReceiver, SandboxHandle, Summary, start};
pub use store::StoredMessage;

/// Why a sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no {what} found in {path}")]
    NoPem { path: PathBuf, what: &'static str },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("generating the certificate failed: {0}")]
    Certificate(#[from] rcgen::Error),
    #[error("TLS configuration failed: {0}")]
    Tls(#[from] rustls::Error),
    /// The `--require-client-cert` file gives no usable CA.
    #[error("cannot require client certificates from {path}: {reason}")]
    ClientCa { path: PathBuf, reason: String },
}
