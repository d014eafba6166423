//! One reply line: [`ReplyLine`] with its exact bytes, and the [`Malformation`]s a line
//! can carry ([RFC 5321 §4.2](https://www.rfc-editor.org/rfc/rfc5321#section-4.2)).
//!
//! Layer: protocol core (sans-IO). A child of `proto::reply` (kept in its own file for
//! length); its items are re-exported there, so their paths stay `proto::reply::…`.

use std::borrow::Cow;
use std::fmt;

use crate::proto::enhanced::EnhancedCode;

/// Something wrong with a reply line, kept for display instead of being repaired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Malformation {
    /// The line does not start with three digits.
    NoCode,
    /// The three digits are not a valid reply code (first digit 2–5, second 0–5;
    /// [RFC 5321 §4.2.1](https://www.rfc-editor.org/rfc/rfc5321#section-4.2.1)).
    CodeOutOfRange,
    /// A line of a multi-line reply carries a different code from the first line
    /// ([RFC 5321 §4.2.1](https://www.rfc-editor.org/rfc/rfc5321#section-4.2.1): all lines
    /// must use the same code).
    MismatchedCode,
    /// The character after the code is neither `-`, a space, nor the line end.
    BadSeparator,
    /// The line ended in LF without CR.
    BareLf,
    /// A CR that is not part of the line's CRLF.
    StrayCr,
    /// The line is not valid UTF-8.
    InvalidUtf8,
    /// The connection ended before the reply's final line (or before a line ended).
    Unterminated,
}

impl Malformation {
    /// A short phrase for display.
    pub fn describe(self) -> &'static str {
        match self {
            Malformation::NoCode => "line has no reply code",
            Malformation::CodeOutOfRange => "reply code outside 200-559",
            Malformation::MismatchedCode => "code differs from the first line of the reply",
            Malformation::BadSeparator => "bad separator after the code (not '-' or ' ')",
            Malformation::BareLf => "line ends in bare LF (no CR)",
            Malformation::StrayCr => "stray CR inside the line",
            Malformation::InvalidUtf8 => "bytes that are not UTF-8",
            Malformation::Unterminated => "connection ended before the reply was complete",
        }
    }

    /// A stable machine name (JSON output, transcripts).
    pub fn name(self) -> &'static str {
        match self {
            Malformation::NoCode => "no_code",
            Malformation::CodeOutOfRange => "code_out_of_range",
            Malformation::MismatchedCode => "mismatched_code",
            Malformation::BadSeparator => "bad_separator",
            Malformation::BareLf => "bare_lf",
            Malformation::StrayCr => "stray_cr",
            Malformation::InvalidUtf8 => "invalid_utf8",
            Malformation::Unterminated => "unterminated",
        }
    }
}

impl fmt::Display for Malformation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// One line of a reply, with its exact bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyLine {
    /// Exactly what arrived, terminator included (if one arrived).
    pub raw: Vec<u8>,
    /// The three-digit code, when the line starts with three digits.
    pub code: Option<u16>,
    /// Whether this line ends the reply (separator space, or code with nothing after it).
    pub is_last: bool,
    /// Everything that is not `raw`'s code, separator or line terminator.
    text_range: (usize, usize),
    /// What is wrong with the line, in a fixed order, without repeats.
    pub malformations: Vec<Malformation>,
}

impl ReplyLine {
    /// Parses one complete line (terminator included, or none for a cut-off line).
    pub(super) fn parse(raw: Vec<u8>, terminated: bool) -> ReplyLine {
        let mut malformations = Vec::new();
        let content_end = if raw.ends_with(b"\r\n") {
            raw.len() - 2
        } else if raw.ends_with(b"\n") {
            malformations.push(Malformation::BareLf);
            raw.len() - 1
        } else {
            raw.len()
        };
        let content = &raw[..content_end];
        let (code, is_last, text_start) = match content {
            [a, b, c, rest @ ..]
                if a.is_ascii_digit() && b.is_ascii_digit() && c.is_ascii_digit() =>
            {
                let code =
                    u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0');
                if !(b'2'..=b'5').contains(a) || !(b'0'..=b'5').contains(b) {
                    malformations.push(Malformation::CodeOutOfRange);
                }
                match rest.first() {
                    None => (Some(code), true, 3),
                    Some(b' ') => (Some(code), true, 4),
                    Some(b'-') => (Some(code), false, 4),
                    Some(_) => {
                        // Treat as final: waiting for more lines could hang on a server
                        // that considers its reply finished.
                        malformations.push(Malformation::BadSeparator);
                        (Some(code), true, 3)
                    }
                }
            }
            _ => {
                malformations.push(Malformation::NoCode);
                (None, true, 0)
            }
        };
        // One pass with no early exit finds a CR and any byte above ASCII (it vectorises,
        // and lines are short: a call to a search routine per line costs more); only a
        // line with bytes above ASCII pays for UTF-8 validation.
        let (stray_cr, high) = content
            .iter()
            .fold((false, 0u8), |(cr, high), &b| (cr | (b == b'\r'), high | b));
        let non_ascii = high >= 0x80;
        if stray_cr {
            malformations.push(Malformation::StrayCr);
        }
        if non_ascii && std::str::from_utf8(content).is_err() {
            malformations.push(Malformation::InvalidUtf8);
        }
        if !terminated {
            malformations.push(Malformation::Unterminated);
        }
        // The documented fixed order is the enum's (BareLf is found first but sorts later).
        malformations.sort();
        ReplyLine {
            raw,
            code,
            is_last,
            text_range: (text_start, content_end),
            malformations,
        }
    }

    /// The reply text of this line (after code and separator, before the terminator).
    pub fn text(&self) -> &[u8] {
        &self.raw[self.text_range.0..self.text_range.1]
    }

    /// The text as UTF-8, with invalid bytes replaced. For display, escape it first
    /// ([`crate::proto::text::escape_bytes`]); this form is for matching keywords.
    pub fn text_lossy(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(self.text())
    }

    /// The enhanced status code at the start of the text, if any
    /// ([RFC 2034 §4](https://www.rfc-editor.org/rfc/rfc2034#section-4)).
    pub fn enhanced(&self) -> Option<EnhancedCode> {
        EnhancedCode::parse_prefix(self.text()).map(|(code, _)| code)
    }
}
