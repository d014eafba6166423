//! A transcript opened for stepping through: the whole file in memory and the start of each
//! event line, each event parsed only when it is needed. This is how `smtpx replay` opens a
//! million-event transcript at once: opening reads the file, checks the header and the last
//! line, and finds the line breaks; nothing else is parsed until it is shown.
//!
//! Memory: the file's bytes plus 8 bytes per event. Everything in the file is untrusted: a
//! defective line in the middle is reported when it is reached ([`Indexed::event`] returns
//! the error naming the line), never a panic; a last line cut off mid-way (a killed
//! session) is left out with a warning, and a file that stops between two events before the
//! session's end gets one too, as [`read`](super::read) does.
//!
//! Layer: transcript (std file I/O, serde; no tokio).

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use super::format::{Annotation, Header};
pub use super::read::parse_event;
use super::read::{MAX_LINE_LEN, ReadError, parse_header};
use crate::event::SessionEvent;

/// One event line read back: the event and what the line adds (`None`: a kind this smtpx
/// does not know, skipped).
pub type Parsed = Option<(SessionEvent, Annotation)>;

/// A transcript file in memory with an index of its event lines.
#[derive(Debug)]
pub struct Indexed {
    pub header: Header,
    /// What a reader should know: the file was cut off after line N, or ends without a
    /// final line break.
    pub warnings: Vec<String>,
    /// The file was cut off: inside its last event line, or after a whole event before the
    /// session's end (the session was killed).
    pub cut: bool,
    bytes: Vec<u8>,
    /// Start offset of every event line; blank lines are left out.
    starts: Vec<u64>,
    /// How many times an event was parsed ([`Indexed::parses`]).
    parses: AtomicU64,
}

impl Indexed {
    /// Reads and indexes a transcript file.
    pub fn open(path: &Path) -> Result<Indexed, ReadError> {
        let bytes = std::fs::read(path).map_err(|source| ReadError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Indexed::from_bytes(bytes)
    }

    /// Indexes a transcript held in memory.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Indexed, ReadError> {
        let mut starts = Vec::with_capacity(bytes.len() / 96 + 1);
        let mut line = 0usize;
        let mut start = 0usize;
        let mut header_end = None;
        let mut push = |start: usize, end: usize, line: usize| -> Result<(), ReadError> {
            if end - start > MAX_LINE_LEN {
                return Err(ReadError::TooLong { line });
            }
            // Blank lines are allowed between events; a JSON line starts with `{`.
            let text = &bytes[start..end];
            let blank = text.first().is_none_or(u8::is_ascii_whitespace)
                && text.iter().all(u8::is_ascii_whitespace);
            if !blank {
                starts.push(start as u64);
            }
            Ok(())
        };
        for end in memchr::memchr_iter(b'\n', &bytes) {
            line += 1;
            if header_end.is_none() {
                header_end = Some(end);
            } else {
                push(start, end, line)?;
            }
            start = end + 1;
        }
        let terminated = start == bytes.len();
        if !terminated {
            line += 1;
            if header_end.is_none() {
                header_end = Some(bytes.len());
            } else {
                push(start, bytes.len(), line)?;
            }
        }
        let Some(header_end) = header_end else {
            return Err(ReadError::Empty);
        };
        let first = trim_cr(&bytes[..header_end]);
        let header = parse_header(first, header_end < bytes.len())?;
        let mut indexed = Indexed {
            header,
            warnings: Vec::new(),
            cut: false,
            bytes,
            starts,
            parses: AtomicU64::new(0),
        };
        if !terminated && line > 1 {
            indexed.check_unterminated_last(line);
        }
        indexed.check_session_end();
        Ok(indexed)
    }

    /// The file ends after a whole event but the session in it never ended (killed between
    /// two events): the same notice as for a cut inside an event. Looks back over notes
    /// only, and at most a few lines, so opening stays as fast for any size.
    fn check_session_end(&mut self) {
        if self.cut {
            return;
        }
        let last = (0..self.starts.len()).rev().take(64).find_map(|i| {
            match parse_event(self.line(i)) {
                Ok(Some((SessionEvent::Note { .. }, _))) => None,
                Ok(Some((event, _))) => Some(Some((i, event))),
                // A defect or an unknown kind: no judgement on how the session ended.
                _ => Some(None),
            }
        });
        let Some(Some((index, event))) = last else {
            return;
        };
        if let Some(warning) =
            super::read::unended_warning(Some((self.line_number(index), &event)), false)
        {
            self.cut = true;
            self.warnings.push(warning);
        }
    }

    /// The last line has no line break: kept with a warning when it is a whole event,
    /// left out when it was cut mid-way.
    fn check_unterminated_last(&mut self, line: usize) {
        let Some(last) = self.starts.len().checked_sub(1) else {
            return;
        };
        self.cut = true;
        if self.event(last).is_ok() {
            self.warnings.push(format!(
                "line {line}: the file ends without a final line break (the session may have \
                 been cut off)"
            ));
        } else {
            self.starts.pop();
            self.warnings.push(format!(
                "line {line}: the file is cut off in the middle of this event (the session was \
                 interrupted); read up to line {}",
                line - 1
            ));
        }
    }

    /// How many events (event lines) there are.
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// The size of the file in bytes.
    pub fn file_size(&self) -> usize {
        self.bytes.len()
    }

    /// The bytes of event line `index` (without its line break), empty past the end.
    pub fn line(&self, index: usize) -> &[u8] {
        let Some(&start) = self.starts.get(index) else {
            return &[];
        };
        let start = usize::try_from(start)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        let rest = &self.bytes[start..];
        let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        trim_cr(&rest[..end])
    }

    /// How many events have been parsed since opening (each [`Indexed::event`] call): what
    /// the replay's tests and benchmarks count to check that a jump folds few events.
    pub fn parses(&self) -> u64 {
        self.parses.load(Ordering::Relaxed)
    }

    /// The 1-based line number of event `index` in the file (counted on demand: for error
    /// messages only).
    pub fn line_number(&self, index: usize) -> usize {
        let start = self
            .starts
            .get(index)
            .and_then(|&s| usize::try_from(s).ok())
            .unwrap_or(self.bytes.len())
            .min(self.bytes.len());
        memchr::memchr_iter(b'\n', &self.bytes[..start]).count() + 1
    }

    /// Event `index`, parsed now; the error, in words for the replay view (which shows it
    /// as an entry and keeps it beside the event), names the line and what is wrong with it.
    pub fn event(&self, index: usize) -> Result<Parsed, String> {
        self.parses.fetch_add(1, Ordering::Relaxed);
        parse_event(self.line(index)).map_err(|source| {
            ReadError::Event {
                line: self.line_number(index),
                source,
            }
            .to_string()
        })
    }
}

fn trim_cr(bytes: &[u8]) -> &[u8] {
    bytes.strip_suffix(b"\r").unwrap_or(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &[u8] = include_bytes!("../../recordings/sandbox-starttls-auth-message.jsonl");

    #[test]
    fn indexes_every_event_of_a_shipped_recording_like_the_reader() {
        let indexed = Indexed::from_bytes(SAMPLE.to_vec()).expect("indexes");
        let read = super::super::read::read_bytes(SAMPLE).expect("reads");
        assert_eq!(indexed.len(), read.entries.len());
        assert_eq!(indexed.header, read.header);
        for (i, entry) in read.entries.iter().enumerate() {
            let (event, _) = indexed.event(i).expect("parses").expect("known kind");
            assert_eq!(format!("{event:?}"), format!("{:?}", entry.event));
            assert_eq!(indexed.line_number(i), entry.line);
        }
        assert!(!indexed.cut);
    }

    #[test]
    fn a_last_line_cut_mid_way_is_left_out_with_a_warning() {
        let cut = &SAMPLE[..SAMPLE.len() - 20];
        let indexed = Indexed::from_bytes(cut.to_vec()).expect("indexes");
        let read = super::super::read::read_bytes(cut).expect("reads");
        assert_eq!(indexed.len(), read.entries.len());
        assert!(indexed.cut);
        assert!(
            indexed.warnings[0].contains("cut off"),
            "{:?}",
            indexed.warnings
        );
    }

    #[test]
    fn a_file_cut_between_two_events_is_marked_incomplete_like_the_reader_does() {
        // Without the last line (`closed`): the file ends cleanly, the session does not.
        let body = &SAMPLE[..SAMPLE.len() - 1];
        let end = body.iter().rposition(|&b| b == b'\n').expect("lines") + 1;
        let cut = &SAMPLE[..end];
        let indexed = Indexed::from_bytes(cut.to_vec()).expect("indexes");
        let read = super::super::read::read_bytes(cut).expect("reads");
        assert!(indexed.cut);
        assert_eq!(indexed.warnings, read.warnings);
        assert!(
            indexed.warnings[0].contains("incomplete"),
            "{:?}",
            indexed.warnings
        );
        let whole = Indexed::from_bytes(SAMPLE.to_vec()).expect("indexes");
        assert!(!whole.cut && whole.warnings.is_empty());
    }

    #[test]
    fn a_defective_middle_line_is_an_error_naming_the_line_when_reached() {
        let text = String::from_utf8_lossy(SAMPLE).replacen("\"kind\":\"sent\"", "\"kind\":7", 1);
        let indexed = Indexed::from_bytes(text.into_bytes()).expect("indexes");
        let errors: Vec<String> = (0..indexed.len())
            .filter_map(|i| indexed.event(i).err())
            .collect();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].starts_with("line 4:"), "{errors:?}");
    }

    #[test]
    fn unknown_kinds_are_skipped_and_foreign_files_refused() {
        let mut text = SAMPLE.to_vec();
        text.extend_from_slice(b"{\"at\":1.0,\"dir\":\"smtpx\",\"kind\":\"hologram\"}\n\n");
        let indexed = Indexed::from_bytes(text).expect("indexes");
        assert!(matches!(indexed.event(indexed.len() - 1), Ok(None)));
        assert!(matches!(
            Indexed::from_bytes(b"{\"format\":\"other\"}\n".to_vec()),
            Err(ReadError::NotATranscript(_))
        ));
        assert!(matches!(
            Indexed::from_bytes(Vec::new()),
            Err(ReadError::Empty)
        ));
    }
}
