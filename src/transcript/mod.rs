//! Transcripts: every session written as it happens, read back as the same
//! [`SessionEvent`](crate::driver::SessionEvent)s, exported, served, re-run and compared.
//!
//! Files: `format.rs` (the JSON Lines format, version 1), `tls.rs` (TLS events and verdicts),
//! `record.rs` (the [`Recorder`](record::Recorder) sink, flushing every line), `redact.rs`
//! (secrets and bodies left out as they are written), `read.rs` (the reader: every defect is
//! an error naming the line, a cut last line a warning).
//!
//! Layer: transcript — uses `proto`, the driver's event types, serde.

pub mod args;
pub mod diff;
pub mod export;
pub mod format;
pub mod read;
pub mod record;
pub mod redact;
pub mod run;
pub mod serve;
pub mod summary;
pub mod tls;

pub use format::{FORMAT_NAME, FORMAT_VERSION, Header, Transport};
pub use record::Recorder;

#[cfg(test)]
mod testdata;
