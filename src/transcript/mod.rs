//! Transcripts: every session written as it happens, read back as the same
//! [`SessionEvent`](crate::event::SessionEvent)s, exported and compared.
//!
//! Files: `format/` (the JSON Lines format, version 1), `tls.rs` (TLS events and verdicts),
//! `record.rs` (the [`Recorder`] sink, flushing every line), `redact/`
//! (secrets and bodies left out as they are written), `read/` (the reader: every defect is
//! an error naming the line, a cut last line a warning), `script/` (a recording as client
//! steps and their replies, and how a client line is matched against one), `index.rs` (a
//! transcript opened for stepping: the file in memory and an index of its event lines, each
//! event parsed when it is needed — how `smtpx replay` opens a million events at once),
//! `diff/` (two sessions aligned by their client steps and compared), `export.rs`,
//! `summary.rs`, `options.rs` (the header's typed session options, and where and what to
//! record), `run.rs` (the synchronous `export` and `diff` entry points).
//!
//! Layer: transcript — uses `proto`, the driver's event *types*, serde and std file I/O; no
//! tokio, no ratatui. What needs tokio (`replay --serve`, `--against`, the replay explorer's
//! loop) is in [`crate::replay`].

pub mod diagram;
pub mod diff;
pub mod export;
pub mod format;
pub mod html;
pub mod index;
pub mod ladder;
pub mod options;
pub mod read;
pub mod record;
pub mod redact;
pub mod run;
pub mod script;
pub mod summary;
pub mod tls;

pub use format::{FORMAT_NAME, FORMAT_VERSION, Header, Transport};
pub use options::{RecordOptions, SessionOptions};
pub use record::Recorder;

#[cfg(test)]
mod testdata;
