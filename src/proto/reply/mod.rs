//! SMTP replies and the incremental reply parser.
//!
//! A reply is one or more lines `code SP text` / `code - text`
//! ([RFC 5321 §4.2](https://www.rfc-editor.org/rfc/rfc5321#section-4.2)). The parser is fed
//! bytes as they arrive, split anywhere, and yields whole replies. It is written for an
//! explorer, not a mail sender: every byte of every line is kept, and anything malformed is
//! kept and *flagged* ([`Malformation`]) rather than dropped, repaired or turned into an
//! error. The only errors are the limits ([`ReplyError`]), because everything the peer
//! controls is bounded: the length of a line, the number of lines in a reply, and the
//! bytes in a reply.
//!
//! Cost: each byte is looked at a constant number of times (one `memchr` for the line end,
//! one UTF-8 check, one CR search), however the input is split; [`ReplyReader`] remembers
//! how much of an unfinished line it has already searched and consumes replies without
//! moving the rest of its buffer.
//!
//! Layer: protocol core (sans-IO).

use std::borrow::Cow;

use super::enhanced::EnhancedCode;

/// Longest reply line accepted, terminator included. RFC 5321 §4.5.3.1.5 says 512 octets,
/// but real servers send longer lines (long EHLO keyword lists, verbose rejections), so the
/// default is generous while still bounding memory.
pub const DEFAULT_MAX_LINE_LEN: usize = 64 * 1024;
/// Most lines accepted in one reply (RFC 5321 sets no limit; a hostile server could send
/// an endless multi-line reply).
pub const DEFAULT_MAX_LINES: usize = 10_000;
/// Most bytes accepted in one reply, all its lines and terminators together: 1 MiB.
///
/// The two limits above alone would let one reply hold 64 KiB × 10,000 = 640 MiB. RFC 5321
/// bounds a reply line at 512 octets including CRLF
/// ([§4.5.3.1.5](https://www.rfc-editor.org/rfc/rfc5321#section-4.5.3.1.5)) and sets no
/// line count; the largest replies real servers send are EHLO lists and HELP texts of a
/// few KiB (a 30-keyword EHLO is under 1 KiB). 1 MiB is 2,048 RFC-maximum lines and
/// several hundred times any real reply, so no server that is merely verbose hits it,
/// while a hostile one can make the explorer hold at most 1 MiB (plus per-line overhead
/// for at most [`DEFAULT_MAX_LINES`] lines) per reply — and the views lay out at most
/// that much for one entry.
pub const DEFAULT_MAX_REPLY_LEN: usize = 1024 * 1024;

/// Bounds on what the peer can make the parser hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest line, terminator included.
    pub max_line_len: usize,
    /// Most lines in one reply.
    pub max_lines: usize,
    /// Most bytes in one reply, terminators included.
    pub max_reply_len: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_line_len: DEFAULT_MAX_LINE_LEN,
            max_lines: DEFAULT_MAX_LINES,
            max_reply_len: DEFAULT_MAX_REPLY_LEN,
        }
    }
}

/// The peer exceeded a limit. The connection cannot be resynchronised after this.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    #[error("the server sent a line longer than {} (no line end after {seen} bytes)", size(*.limit))]
    LineTooLong { limit: usize, seen: usize },
    #[error("the server sent a reply of more than {limit} lines")]
    TooManyLines { limit: usize },
    /// The lines of one reply add up to more than [`Limits::max_reply_len`] bytes.
    #[error(
        "the server sent a reply longer than {} in total (no final line after {seen} bytes in {lines} lines)",
        size(*.limit)
    )]
    ReplyTooLong {
        limit: usize,
        /// Bytes of the reply so far, the line that went over included.
        seen: usize,
        /// Lines of the reply so far, the line that went over included.
        lines: usize,
    },
}

/// A byte count as people read limits: `64 KiB`, `1 MiB`, or bytes.
fn size(bytes: usize) -> String {
    const KIB: usize = 1024;
    match bytes {
        b if b >= KIB * KIB && b % (KIB * KIB) == 0 => format!("{} MiB", b / (KIB * KIB)),
        b if b >= KIB && b % KIB == 0 => format!("{} KiB", b / KIB),
        b => format!("{b} bytes"),
    }
}

/// What a reply code says about the outcome
/// ([RFC 5321 §4.2.1](https://www.rfc-editor.org/rfc/rfc5321#section-4.2.1)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    /// 2yz: the requested action was completed.
    PositiveCompletion,
    /// 3yz: accepted, more information is needed (354 to DATA, 334 during AUTH).
    PositiveIntermediate,
    /// 4yz: not done this time; trying again later may work.
    TransientNegative,
    /// 5yz: not done; do not repeat it unchanged.
    PermanentNegative,
    /// No code, or a code outside 2yz–5yz.
    Unknown,
}

impl Severity {
    pub fn of(code: Option<u16>) -> Severity {
        match code.map(|c| c / 100) {
            Some(2) => Severity::PositiveCompletion,
            Some(3) => Severity::PositiveIntermediate,
            Some(4) => Severity::TransientNegative,
            Some(5) => Severity::PermanentNegative,
            _ => Severity::Unknown,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Severity::PositiveCompletion => "positive_completion",
            Severity::PositiveIntermediate => "positive_intermediate",
            Severity::TransientNegative => "transient_negative",
            Severity::PermanentNegative => "permanent_negative",
            Severity::Unknown => "unknown",
        }
    }
}

/// A whole reply: one or more lines. 4yz and 5yz replies are values like any other —
/// for an explorer a rejection is something to show, not an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub lines: Vec<ReplyLine>,
}

impl Reply {
    /// The reply code: that of the final line, which is what clients act on (the first
    /// line's when the final line has none).
    pub fn code(&self) -> Option<u16> {
        self.lines
            .last()
            .and_then(|l| l.code)
            .or_else(|| self.lines.first().and_then(|l| l.code))
    }

    pub fn severity(&self) -> Severity {
        Severity::of(self.code())
    }

    /// True for 2yz and 3yz.
    pub fn is_positive(&self) -> bool {
        matches!(
            self.severity(),
            Severity::PositiveCompletion | Severity::PositiveIntermediate
        )
    }

    /// The enhanced status code of the final line, else of the first line that has one.
    pub fn enhanced(&self) -> Option<EnhancedCode> {
        self.lines
            .last()
            .and_then(ReplyLine::enhanced)
            .or_else(|| self.lines.iter().find_map(ReplyLine::enhanced))
    }

    /// Every malformation of every line, each once, in a fixed order.
    pub fn malformations(&self) -> Vec<Malformation> {
        let mut all: Vec<Malformation> = self
            .lines
            .iter()
            .flat_map(|l| l.malformations.iter().copied())
            .collect();
        all.sort();
        all.dedup();
        all
    }

    /// Whether the reply ended with a proper final line.
    pub fn is_complete(&self) -> bool {
        !self
            .lines
            .iter()
            .any(|l| l.malformations.contains(&Malformation::Unterminated))
    }

    /// The exact bytes of the whole reply.
    pub fn raw(&self) -> Vec<u8> {
        let mut raw = Vec::with_capacity(self.lines.iter().map(|l| l.raw.len()).sum());
        for line in &self.lines {
            raw.extend_from_slice(&line.raw);
        }
        raw
    }

    /// The text of each line (lossy UTF-8; escape before display).
    pub fn text_lines(&self) -> impl Iterator<Item = Cow<'_, str>> {
        self.lines.iter().map(ReplyLine::text_lossy)
    }

    /// Parses a complete reply from bytes in one go (tests, transcripts). Returns `None`
    /// when the bytes hold no line at all; a reply without its final line is returned
    /// flagged [`Malformation::Unterminated`].
    pub fn parse_all(bytes: &[u8]) -> Result<Vec<Reply>, ReplyError> {
        let mut reader = ReplyReader::new(Limits::default());
        reader.push(bytes);
        let mut replies = Vec::new();
        while let Some(reply) = reader.next_reply()? {
            replies.push(reply);
        }
        replies.extend(reader.finish());
        Ok(replies)
    }
}

/// Incremental parser: feed it the bytes you have; it consumes whole lines and returns a
/// reply once its final line has arrived. Lines of an unfinished reply are held inside.
#[derive(Debug, Clone, Default)]
pub struct ReplyParser {
    limits: Limits,
    pending: Vec<ReplyLine>,
    /// Bytes of the `pending` lines, terminators included.
    pending_len: usize,
}

impl ReplyParser {
    pub fn new(limits: Limits) -> ReplyParser {
        ReplyParser {
            limits,
            pending: Vec::new(),
            pending_len: 0,
        }
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Consumes complete lines from `input`, stopping after the first complete reply.
    /// Returns how many bytes were consumed and the reply if one finished. Bytes after the
    /// returned reply are not consumed (they may be pipelined replies, or — after a 220 to
    /// STARTTLS — injected plaintext that the caller must inspect).
    ///
    /// Incomplete input is not an error: `(0, None)` means "need more bytes".
    pub fn parse(&mut self, input: &[u8]) -> Result<(usize, Option<Reply>), ReplyError> {
        self.parse_from(input, 0)
    }

    /// [`ReplyParser::parse`], told that the first `searched` bytes of `input` hold no LF
    /// (the unfinished line a previous call already searched), so they are not searched
    /// again: a line that arrives a few bytes at a time costs its length, not its square.
    fn parse_from(
        &mut self,
        input: &[u8],
        searched: usize,
    ) -> Result<(usize, Option<Reply>), ReplyError> {
        let limits = self.limits;
        let mut consumed = 0;
        let mut searched = searched.min(input.len());
        loop {
            let rest = &input[consumed..];
            let Some(lf) = memchr::memchr(b'\n', &rest[searched..]).map(|i| i + searched) else {
                // `>`: a line cut at exactly the limit (what `finish` keeps of an endless
                // line) must read back from a transcript.
                if rest.len() > limits.max_line_len {
                    return Err(ReplyError::LineTooLong {
                        limit: limits.max_line_len,
                        seen: rest.len(),
                    });
                }
                if self.pending_len + rest.len() > limits.max_reply_len {
                    return Err(ReplyError::ReplyTooLong {
                        limit: limits.max_reply_len,
                        seen: self.pending_len + rest.len(),
                        lines: self.pending.len() + 1,
                    });
                }
                return Ok((consumed, None));
            };
            searched = 0;
            let len = lf + 1;
            if len > limits.max_line_len {
                return Err(ReplyError::LineTooLong {
                    limit: limits.max_line_len,
                    seen: len,
                });
            }
            if self.pending.len() >= limits.max_lines {
                return Err(ReplyError::TooManyLines {
                    limit: limits.max_lines,
                });
            }
            if self.pending_len + len > limits.max_reply_len {
                return Err(ReplyError::ReplyTooLong {
                    limit: limits.max_reply_len,
                    seen: self.pending_len + len,
                    lines: self.pending.len() + 1,
                });
            }
            let line = ReplyLine::parse(rest[..len].to_vec(), true);
            consumed += len;
            if let Some(reply) = self.accept(line) {
                return Ok((consumed, Some(reply)));
            }
        }
    }

    /// Adds a parsed line to the pending reply; returns the reply if the line ended it.
    fn accept(&mut self, mut line: ReplyLine) -> Option<Reply> {
        self.pending_len += line.raw.len();
        if let Some(first) = self.pending.first() {
            if line.code.is_some() && first.code.is_some() && line.code != first.code {
                line.malformations.push(Malformation::MismatchedCode);
                line.malformations.sort();
            }
            if line.code.is_none() {
                // A line without a code inside a multi-line reply: keep it there, flagged,
                // and keep waiting for the final line.
                self.pending.push(line);
                return None;
            }
        }
        let is_last = line.is_last;
        self.pending.push(line);
        is_last.then(|| self.take_pending())
    }

    /// The held lines as a reply. The reply gets a vector of exactly its size and the
    /// parser keeps its own, grown once, for the next reply: one allocation per reply
    /// instead of a doubling series.
    fn take_pending(&mut self) -> Reply {
        self.pending_len = 0;
        Reply {
            lines: self.pending.drain(..).collect(),
        }
    }

    /// Whether lines of an unfinished reply are held.
    pub fn in_progress(&self) -> bool {
        !self.pending.is_empty()
    }

    /// The connection ended (or the caller gives up). `rest` is the input not consumed so
    /// far (a partial line, maybe empty). Returns what was held as a reply flagged
    /// [`Malformation::Unterminated`], or `None` if nothing was held.
    pub fn finish(&mut self, rest: &[u8]) -> Option<Reply> {
        let budget = self.limits.max_reply_len.saturating_sub(self.pending_len);
        let mut lines = self.take_pending().lines;
        // Within the limits, so that what is kept reads back the same (transcripts). After
        // a limit error, `rest` holds no LF before the cut: the error came from a line end
        // past it.
        let cut = rest.len().min(self.limits.max_line_len).min(budget);
        if cut > 0 && lines.len() < self.limits.max_lines {
            lines.push(ReplyLine::parse(rest[..cut].to_vec(), false));
        } else if let Some(last) = lines.last_mut() {
            if !last.malformations.contains(&Malformation::Unterminated) {
                last.malformations.push(Malformation::Unterminated);
                last.malformations.sort();
            }
        }
        (!lines.is_empty()).then_some(Reply { lines })
    }
}

mod line;
pub use line::{Malformation, ReplyLine};

mod reader;
pub use reader::ReplyReader;

#[cfg(test)]
mod tests;
