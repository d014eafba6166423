//! How a sent line is shown ([`Shown`]): its display text plus, as data, what was left out of
//! it — a SASL secret at its end, or a streamed message body too large to keep. A view masks
//! or a recorder writes from these fields; nobody searches the text for the marker.
//!
//! Layer: event and value types (std and `proto` only).

use std::fmt;
use std::ops::Deref;

use crate::proto::command::{Redacted, redaction};

/// What a [`Shown`] line leaves out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hidden {
    /// The line ends with a secret of `len` bytes (base64 on the wire), shown as
    /// `<redacted N bytes>` from byte `at` of the text.
    Secret { at: usize, len: usize },
    /// A streamed message body too large to keep: its size on the wire and SHA-256 (hex).
    Body { size: usize, sha256: String },
}

/// The display form of a sent line (no CRLF; control characters still raw, for the view to
/// escape) and what it leaves out.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Shown {
    text: String,
    hidden: Option<Hidden>,
}

/// Bytes of one message (DATA content, or all the BDAT chunks of one message) that a
/// transcript keeps. Past this the event or line carries the size and SHA-256 instead
/// ([`Hidden::Body`]): a transcript line holds one event, the reader refuses lines over
/// 64 MiB, and a recording should not grow with the message.
pub const RECORDED_BODY_LIMIT: usize = 4 * 1024 * 1024;

/// Marks the display form of a streamed body that was too large to keep.
const NOT_RECORDED: &str = "; not recorded: ";
const ON_THE_WIRE: &str = " bytes on the wire, SHA-256 ";

impl Shown {
    /// A line shown as it is.
    pub fn plain(text: impl Into<String>) -> Shown {
        Shown {
            text: text.into(),
            hidden: None,
        }
    }

    /// `before` followed by a secret of `len` bytes: `AUTH PLAIN <redacted 28 bytes>`.
    pub fn secret(before: &str, len: usize) -> Shown {
        Shown {
            text: format!("{before}{}", redaction(len)),
            hidden: Some(Hidden::Secret {
                at: before.len(),
                len,
            }),
        }
    }

    /// A streamed message whose bytes were not kept: `summary` (without its closing `>`),
    /// then the size and digest that stand for the bytes.
    pub fn unrecorded_body(summary: &str, size: usize, sha256: String) -> Shown {
        Shown {
            text: format!("{summary}{NOT_RECORDED}{size}{ON_THE_WIRE}{sha256}>"),
            hidden: Some(Hidden::Body { size, sha256 }),
        }
    }

    /// A line read back from a recording whose body was left out: its recorded words and
    /// the size and digest that stand for the bytes.
    pub fn body_left_out(text: String, size: usize, sha256: String) -> Shown {
        Shown {
            text,
            hidden: Some(Hidden::Body { size, sha256 }),
        }
    }

    /// The whole display text, markers included.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn hidden(&self) -> Option<&Hidden> {
        self.hidden.as_ref()
    }

    /// The text before a secret (the whole text when there is none): `AUTH PLAIN `, or `""`
    /// for a SASL response line.
    pub fn public(&self) -> &str {
        match self.hidden {
            Some(Hidden::Secret { at, .. }) => self.text.get(..at).unwrap_or(""),
            _ => &self.text,
        }
    }

    /// Whether a secret was left out of the line.
    pub fn has_secret(&self) -> bool {
        matches!(self.hidden, Some(Hidden::Secret { .. }))
    }

    /// The size and SHA-256 of a message body that was not kept.
    pub fn unrecorded(&self) -> Option<(usize, &str)> {
        match &self.hidden {
            Some(Hidden::Body { size, sha256 }) => Some((*size, sha256)),
            _ => None,
        }
    }
}

impl From<Redacted> for Shown {
    fn from(redacted: Redacted) -> Shown {
        match redacted.secret_len() {
            Some(len) => Shown::secret(redacted.public(), len),
            None => Shown::plain(redacted.as_str()),
        }
    }
}

impl From<String> for Shown {
    fn from(text: String) -> Shown {
        Shown::plain(text)
    }
}

impl From<&str> for Shown {
    fn from(text: &str) -> Shown {
        Shown::plain(text)
    }
}

impl Deref for Shown {
    type Target = str;

    fn deref(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_renders_its_marker_and_keeps_what_precedes_it() {
        let shown = Shown::secret("AUTH PLAIN ", 28);
        assert_eq!(shown.as_str(), "AUTH PLAIN <redacted 28 bytes>");
        assert_eq!(shown.public(), "AUTH PLAIN ");
        assert!(shown.has_secret());
        let typed = Shown::plain("NOOP <redacted 5 bytes>");
        assert!(!typed.has_secret(), "a typed look-alike is text");
    }

    #[test]
    fn an_unrecorded_body_names_its_size_and_digest() {
        let digest = "a".repeat(64);
        let shown = Shown::unrecorded_body("<message: 9 bytes", 12, digest.clone());
        assert_eq!(
            shown.as_str(),
            format!("<message: 9 bytes; not recorded: 12 bytes on the wire, SHA-256 {digest}>")
        );
        assert_eq!(shown.unrecorded(), Some((12, digest.as_str())));
    }
}
