//! Transcripts: every session written as it happens, read back as the same
//! [`SessionEvent`](crate::driver::SessionEvent)s, exported, served, re-run and compared.
//!
//! Files: `format.rs` (the JSON Lines format, version 1), `tls.rs` (TLS events and verdicts),
//! `record.rs` (the [`Recorder`](record::Recorder) sink, flushing every line), `redact.rs`
//! (secrets and bodies left out as they are written), `read.rs` (the reader: every defect is
//! an error naming the line, a cut last line a warning), `script.rs` (a recording as client
//! steps and their replies, and how a client line is matched against one), `serve.rs`,
//! `serve_io.rs` and `serve_tls.rs` (`replay --serve`: the mock server, its wire, its stand-in
//! certificate), `against.rs` (`replay --against`: the client side re-run, then compared by
//! `diff.rs`).
//!
//! Layer: transcript — uses `proto`, the driver's event types, serde. The front ends of the
//! `replay` subcommand (`serve*.rs`, `against.rs`, `run.rs`) also use tokio and the driver:
//! they are wiring around the pure parts, kept here so the feature lives in one module.

pub mod against;
pub mod args;
pub mod diff;
pub mod export;
pub mod format;
pub mod read;
pub mod record;
pub mod redact;
pub mod run;
pub mod script;
pub mod serve;
mod serve_io;
pub mod serve_tls;
pub mod summary;
pub mod tls;

pub use format::{FORMAT_NAME, FORMAT_VERSION, Header, Transport};
pub use record::Recorder;

#[cfg(test)]
mod testdata;
