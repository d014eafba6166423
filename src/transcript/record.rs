//! The recorder: a sink that writes each [`SessionEvent`] to the transcript the moment it
//! happens, one `write` per line, so a session killed with `kill -9` leaves a file that
//! reads up to its last complete event.
//!
//! Security invariants: secrets are redacted before a line is built into bytes
//! ([`Redactor`]); files are created mode 0600 (a transcript may hold a message, or secrets
//! with `--record-secrets`).
//!
//! Layer: transcript. Blocking file writes of one short line each, called from the driver's
//! task — as the probe's printer writes to stdout.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::files::{Existing, open_private};

use super::format::{EventKind, EventLine, Header, Payload, Redaction, RedactionPolicy, secs};
use super::redact::Redactor;
use crate::event::{EventSink, SessionEvent};

/// Why a transcript could not be started.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("cannot create {}: {source}", path.display())]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no state directory for transcripts (set XDG_STATE_HOME, or use --record PATH)")]
    NoStateDir,
    #[error("{} already exists (--overwrite replaces it)", path.display())]
    Exists { path: PathBuf },
}

/// Writes a transcript line by line.
pub struct Recorder {
    file: File,
    path: PathBuf,
    policy: RedactionPolicy,
    redactor: Redactor,
    /// Set after the first failed write (the error, with the path); later events are
    /// dropped (said once on stderr, and to the front end through [`RecorderHandle`]).
    broken: Option<String>,
    /// Whether a failed write is also said on stderr (not when stderr is the explorer's
    /// screen: text written there under the UI corrupts it).
    stderr: bool,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Recorder {
    /// Creates (or replaces) `path`, with parent directories, and writes the header.
    pub fn create(path: &Path, header: &Header) -> Result<Recorder, RecordError> {
        Self::open(path, header, false)
    }

    /// Like [`Recorder::create`], but an existing file is refused
    /// ([`RecordError::Exists`]), never replaced.
    pub fn create_exclusive(path: &Path, header: &Header) -> Result<Recorder, RecordError> {
        Self::open(path, header, true).map_err(|e| match e {
            RecordError::Create { path, source }
                if source.kind() == std::io::ErrorKind::AlreadyExists =>
            {
                RecordError::Exists { path }
            }
            other => other,
        })
    }

    /// Like [`Recorder::create`], but never replaces a file: a name already taken gets `-2`,
    /// `-3`, … before `.jsonl` (two sessions to one host in the same second).
    pub fn create_new(path: &Path, header: &Header) -> Result<Recorder, RecordError> {
        let mut candidate = path.to_path_buf();
        for n in 2..1000 {
            match Self::open(&candidate, header, true) {
                Err(RecordError::Create { source, .. })
                    if source.kind() == std::io::ErrorKind::AlreadyExists =>
                {
                    let stem = path.file_stem().unwrap_or_default().to_string_lossy();
                    candidate = path.with_file_name(format!("{stem}-{n}.jsonl"));
                }
                other => return other,
            }
        }
        Self::open(&candidate, header, true)
    }

    fn open(path: &Path, header: &Header, new: bool) -> Result<Recorder, RecordError> {
        let create_error = |source| RecordError::Create {
            path: path.to_path_buf(),
            source,
        };
        // Private (0600, parents 0700) and never through a symbolic link: a transcript can
        // hold every address of the session, and secrets with --record-secrets.
        let existing = if new {
            Existing::Refuse
        } else {
            Existing::Replace
        };
        let file = open_private(path, existing).map_err(|e| create_error(e.into_io()))?;
        let mut recorder = Recorder {
            file,
            path: path.to_path_buf(),
            policy: header.redaction,
            redactor: Redactor::new(header.redaction),
            broken: None,
            stderr: true,
        };
        let line = serde_json::to_string(header)
            .map(crate::output::safe_json)
            .map_err(|e| RecordError::Write {
                path: path.to_path_buf(),
                source: e.into(),
            })?;
        recorder
            .write_line(line)
            .map_err(|source| RecordError::Write {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(recorder)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A failed write is not said on stderr: the front end asks [`RecorderHandle::failure`]
    /// and shows it itself (the explorer, whose screen stderr is).
    pub fn without_stderr(mut self) -> Recorder {
        self.stderr = false;
        self
    }

    /// Writes one event (redacted as the header's policy says) and flushes it.
    pub fn record(&mut self, event: &SessionEvent) {
        if let Some(line) = streamed_body_line(event) {
            // A body ended; after any body the redactor is back in its initial state.
            self.redactor = Redactor::new(self.policy);
            self.write_event(&line);
            return;
        }
        let mut line = EventLine::from_event(event);
        self.redactor.apply(&mut line);
        self.write_event(&line);
    }

    /// A note a person added at `at` (`/note` in the explorer).
    pub fn note_by_person(&mut self, at: Duration, text: &str) {
        self.write_event(&EventLine {
            at: secs(at),
            dir: super::format::Direction::Smtpx,
            kind: EventKind::Note {
                text: text.to_string(),
                author: "person".into(),
            },
        });
    }

    fn write_event(&mut self, line: &EventLine) {
        if self.broken.is_some() {
            return;
        }
        let result = serde_json::to_string(line)
            .map(crate::output::safe_json)
            .map_err(std::io::Error::from)
            .and_then(|text| self.write_line(text));
        if let Err(e) = result {
            let failure = format!(
                "the transcript {} stopped being written: {e}",
                self.path.display()
            );
            if self.stderr {
                eprintln!("smtpx: {failure}");
            }
            self.broken = Some(failure);
        }
    }

    /// One `write` of the whole line and its LF: a crash cuts at most the line in flight.
    fn write_line(&mut self, mut text: String) -> std::io::Result<()> {
        text.push('\n');
        self.file.write_all(text.as_bytes())?;
        self.file.flush()
    }

    /// A sink that records every event it is given.
    pub fn into_sink(mut self) -> EventSink {
        Box::new(move |event| self.record(&event))
    }

    /// A sink plus a handle for the front end (notes, the file's path) sharing one recorder.
    pub fn shared(self) -> (EventSink, RecorderHandle) {
        let shared = Arc::new(Mutex::new(self));
        let sink_side = Arc::clone(&shared);
        let sink: EventSink = Box::new(move |event| {
            if let Ok(mut recorder) = sink_side.lock() {
                recorder.record(&event);
            }
        });
        (sink, RecorderHandle(shared))
    }
}

/// The line for a streamed message too large to keep
/// ([`RECORDED_BODY_LIMIT`](crate::event::shown::RECORDED_BODY_LIMIT)): its event carries no bytes,
/// only their size and SHA-256, written as a `--redact-body` line is, so that replay and
/// export treat it the same way and no line grows with the message.
fn streamed_body_line(event: &SessionEvent) -> Option<EventLine> {
    let SessionEvent::Sent {
        at,
        layer,
        shown,
        bytes,
        secret: false,
        ..
    } = event
    else {
        return None;
    };
    let (size, sha256) = shown.unrecorded().filter(|_| bytes.is_empty())?;
    let sha256 = sha256.to_owned();
    Some(EventLine {
        at: secs(*at),
        dir: super::format::Direction::Client,
        kind: EventKind::Sent {
            layer: (*layer).into(),
            data: Payload::none(),
            shown: shown.to_string(),
            secret: false,
            redacted: Some(Redaction::Body { size, sha256 }),
        },
    })
}

/// The front end's side of a shared [`Recorder`].
#[derive(Debug, Clone)]
pub struct RecorderHandle(Arc<Mutex<Recorder>>);

impl RecorderHandle {
    pub fn note_by_person(&self, at: Duration, text: &str) {
        if let Ok(mut recorder) = self.0.lock() {
            recorder.note_by_person(at, text);
        }
    }

    pub fn path(&self) -> Option<PathBuf> {
        self.0.lock().ok().map(|r| r.path.clone())
    }

    /// Whether a write failed and later events are being dropped (the explorer shows it).
    pub fn failed(&self) -> bool {
        self.0.lock().map_or(true, |r| r.broken.is_some())
    }

    /// Why writing stopped (names the file and the error), once a write failed.
    pub fn failure(&self) -> Option<String> {
        match self.0.lock() {
            Ok(recorder) => recorder.broken.clone(),
            Err(_) => Some("the transcript recorder failed".into()),
        }
    }
}

/// `$XDG_STATE_HOME/smtpx/sessions/<UTC time>-<host>.jsonl` (on systems without a state
/// directory, the local data directory).
pub fn default_path(host: &str, started_unix: i64) -> Result<PathBuf, RecordError> {
    let dirs = directories::BaseDirs::new().ok_or(RecordError::NoStateDir)?;
    let base = dirs
        .state_dir()
        .unwrap_or_else(|| dirs.data_local_dir())
        .to_path_buf();
    Ok(base
        .join("smtpx")
        .join("sessions")
        .join(file_name(host, started_unix)))
}

/// `20251128T041500Z-mx.example.com.jsonl`; anything but letters, digits, `.` and `-` in
/// the host becomes `_`, so a host can never name a path.
pub fn file_name(host: &str, started_unix: i64) -> String {
    let stamp = crate::proto::civil::Civil::from_unix(started_unix).compact();
    let host: String = host
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let host = host.trim_start_matches('.');
    format!("{stamp}-{host}.jsonl")
}
