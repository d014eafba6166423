//! Reading a transcript back: the header, then each line as the [`SessionEvent`] it
//! recorded, so every view works the same on a replay as on a live session.
//!
//! Everything in the file is untrusted input. Every defect is an error naming the line —
//! not a transcript, written by a newer smtpx, not JSON, a field of the wrong type, invalid
//! base64, a line over [`MAX_LINE_LEN`] — and never a panic. Two defects are expected and
//! only warnings: a last line cut off mid-way, and a file that ends after a whole event but
//! before the session's end (the session was killed between two events); everything before
//! the cut is read.
//!
//! Layer: transcript.

use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

use super::format::{
    Annotation, EventLine, FORMAT_NAME, FORMAT_VERSION, Header, KNOWN_KINDS, LineError,
};
use crate::event::SessionEvent;

/// The longest line read (a DATA event holds a whole message, base64 if not UTF-8).
pub const MAX_LINE_LEN: usize = 64 * 1024 * 1024;

/// Why a transcript cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the file is empty: no transcript header")]
    Empty,
    #[error("line 1: not an smtpx transcript ({0})")]
    NotATranscript(String),
    #[error(
        "line 1: this transcript was written by a newer smtpx ({written_by}, format version \
         {version}); this smtpx reads versions up to {FORMAT_VERSION} — upgrade smtpx to read it"
    )]
    Newer { version: u64, written_by: String },
    #[error("line 1: bad header: {0}")]
    Header(#[source] serde_json::Error),
    /// An event line that is not what the format says.
    #[error("line {line}: {source}")]
    Event {
        line: usize,
        #[source]
        source: LineError,
    },
    #[error("line {line}: longer than {MAX_LINE_LEN} bytes")]
    TooLong { line: usize },
}

/// One event read back, with the line it came from.
#[derive(Debug, Clone)]
pub struct Entry {
    /// 1-based line number in the file.
    pub line: usize,
    pub event: SessionEvent,
    pub annotation: Annotation,
}

/// A whole transcript.
#[derive(Debug, Clone)]
pub struct Transcript {
    pub header: Header,
    pub entries: Vec<Entry>,
    /// Things a reader should know, e.g. the file was cut off after line N.
    pub warnings: Vec<String>,
}

impl Transcript {
    /// The events, in order.
    pub fn events(&self) -> impl Iterator<Item = &SessionEvent> {
        self.entries.iter().map(|e| &e.event)
    }
}

/// Reads a transcript file.
pub fn read_file(path: &Path) -> Result<Transcript, ReadError> {
    let file = std::fs::File::open(path).map_err(|source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    read_from(std::io::BufReader::new(file)).map_err(|e| match e {
        ReadError::Io { source, .. } => ReadError::Io {
            path: path.to_path_buf(),
            source,
        },
        other => other,
    })
}

/// Reads a transcript from bytes in memory.
pub fn read_bytes(bytes: &[u8]) -> Result<Transcript, ReadError> {
    read_from(bytes)
}

/// Reads a transcript from any buffered reader, one line at a time: at most one line
/// (up to [`MAX_LINE_LEN`]) is held besides the events read so far, so a file of any size
/// — or a single endless line — costs no more than that.
pub fn read_from(mut input: impl BufRead) -> Result<Transcript, ReadError> {
    let mut header = None;
    let mut warnings = Vec::new();
    let mut entries = Vec::new();
    let mut number = 0;
    loop {
        number += 1;
        let Some((bytes, terminated)) = next_line(&mut input, number)? else {
            break;
        };
        if header.is_none() {
            header = Some(parse_header(&bytes, terminated)?);
            continue;
        }
        if bytes.iter().all(u8::is_ascii_whitespace) && terminated {
            continue;
        }
        match parse_event(&bytes) {
            Ok(Some((event, annotation))) => {
                if !terminated {
                    warnings.push(format!(
                        "line {number}: the file ends without a final line break (the session \
                         may have been cut off)"
                    ));
                }
                entries.push(Entry {
                    line: number,
                    event,
                    annotation,
                });
            }
            Ok(None) => warnings.push(format!(
                "line {number}: an event kind this smtpx does not know was skipped"
            )),
            // Only the last line of a file can lack its LF (`next_line` stops at EOF).
            Err(_) if !terminated => warnings.push(format!(
                "line {number}: the file is cut off in the middle of this event (the session \
                 was interrupted); read up to line {}",
                number - 1
            )),
            Err(source) => {
                return Err(ReadError::Event {
                    line: number,
                    source,
                });
            }
        }
    }
    let header = header.ok_or(ReadError::Empty)?;
    let last = entries
        .iter()
        .rev()
        .find(|e| !matches!(e.event, SessionEvent::Note { .. }))
        .map(|e| (e.line, &e.event));
    if let Some(warning) = unended_warning(last, !warnings.is_empty()) {
        warnings.push(warning);
    }
    Ok(Transcript {
        header,
        entries,
        warnings,
    })
}

/// Whether a session that got as far as `last` ended in the file: a recorder writes
/// `closed` (or the failure that ended it) as the session's last event, notes aside.
pub fn ends_the_session(last: &SessionEvent) -> bool {
    matches!(
        last,
        SessionEvent::Closed { .. } | SessionEvent::Failed { .. }
    )
}

/// The warning for a file whose last event other than a note (`line`, `event`) leaves the
/// session open — it was cut between two events — unless a cut was already reported
/// (`cut_reported`).
pub(super) fn unended_warning(
    last: Option<(usize, &SessionEvent)>,
    cut_reported: bool,
) -> Option<String> {
    let (line, event) = last?;
    if cut_reported || ends_the_session(event) {
        return None;
    }
    Some(format!(
        "line {line}: the recording is incomplete: it stops after this event without the \
         session's end (the session was killed or the file copied while it was recorded)"
    ))
}

/// The next line without its line end, and whether it had one; `None` at the end. Reads
/// at most [`MAX_LINE_LEN`] + 1 bytes: a longer line is refused before the rest is read.
fn next_line(
    input: &mut impl BufRead,
    number: usize,
) -> Result<Option<(Vec<u8>, bool)>, ReadError> {
    let mut buf = Vec::new();
    let limit = MAX_LINE_LEN as u64 + 1;
    let n = input
        .by_ref()
        .take(limit)
        .read_until(b'\n', &mut buf)
        .map_err(|source| ReadError::Io {
            path: PathBuf::new(),
            source,
        })?;
    if n == 0 {
        return Ok(None);
    }
    let terminated = buf.last() == Some(&b'\n');
    if !terminated && buf.len() > MAX_LINE_LEN {
        return Err(ReadError::TooLong { line: number });
    }
    if terminated {
        buf.pop();
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
    }
    Ok(Some((buf, terminated)))
}

/// The header line, checked field by field first so a newer or foreign file gets a clear
/// message rather than a serde error (shared with [`index`](super::index)).
pub(super) fn parse_header(bytes: &[u8], terminated: bool) -> Result<Header, ReadError> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        let cut = if terminated {
            ""
        } else {
            " (the file is cut off)"
        };
        ReadError::NotATranscript(format!("the first line is not a JSON header{cut}: {e}"))
    })?;
    let format = value.get("format").and_then(|f| f.as_str());
    if format != Some(FORMAT_NAME) {
        return Err(ReadError::NotATranscript(format!(
            "`format` is {}, not {FORMAT_NAME:?}",
            format.map_or("missing".to_string(), |f| format!("{f:?}"))
        )));
    }
    let version = value
        .get("version")
        .and_then(|v| v.as_u64())
        .ok_or_else(|| ReadError::NotATranscript("`version` is missing".into()))?;
    if version > u64::from(FORMAT_VERSION) {
        let written_by = value
            .get("smtpx")
            .and_then(|v| v.as_str())
            .map_or("unknown version".to_string(), |v| {
                format!("smtpx {}", crate::proto::text::escape_str(v))
            });
        return Err(ReadError::Newer {
            version,
            written_by,
        });
    }
    if version == 0 {
        return Err(ReadError::NotATranscript(
            "`version` 0 does not exist".into(),
        ));
    }
    serde_json::from_value(value).map_err(ReadError::Header)
}

/// Parses one event line — `None` for a kind this version does not know, or what is wrong
/// with the line: typed straight from the bytes (the common case), and only when
/// that fails, as a JSON value to tell an unknown kind (skipped) from a defect.
pub fn parse_event(bytes: &[u8]) -> Result<Option<(SessionEvent, Annotation)>, LineError> {
    if let Ok(line) = serde_json::from_slice::<EventLine>(bytes) {
        return line.to_event().map(Some);
    }
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(LineError::NotJson)?;
    let Some(kind) = value.get("kind").and_then(|k| k.as_str()) else {
        return Err(LineError::NoKind);
    };
    if !KNOWN_KINDS.contains(&kind) {
        return Ok(None);
    }
    let kind = kind.to_owned();
    let line: EventLine =
        serde_json::from_value(value).map_err(|source| LineError::BadEvent { kind, source })?;
    line.to_event().map(Some)
}

#[cfg(test)]
mod tests;
