//! Header fields the user adds to a built message (`--header 'Name: value'`, the composer's
//! extra headers): parsed and checked so a value can never start a header or a body of its
//! own.
//!
//! Layer: protocol core (`proto`), sans-IO. A child of [`message`](super).

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

/// One `Name: value` header field
/// ([RFC 5322 §2.2](https://www.rfc-editor.org/rfc/rfc5322#section-2.2)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderField {
    pub name: String,
    /// Sent as given (UTF-8 included, which needs SMTPUTF8,
    /// [RFC 6532 §3.2](https://www.rfc-editor.org/rfc/rfc6532#section-3.2)); folded where
    /// the line would pass 78 characters.
    pub value: String,
}

/// Why a header field is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HeaderError {
    #[error("a header is written 'Name: value'; this one has no ':'")]
    NoColon,
    #[error("the header name is empty")]
    EmptyName,
    /// RFC 5322 §2.2: a field name is printable US-ASCII except ':' — no space either.
    #[error(
        "the header name '{name}' holds a character a header name may not (printable ASCII \
         other than ':' and space only, RFC 5322 §2.2)"
    )]
    BadName { name: String },
    /// A line break would end the field and start another one: header injection.
    #[error("the value of the {name} header contains CR or LF, which would start another header")]
    LineBreak { name: String },
    #[error("the value of the {name} header contains a NUL byte")]
    Nul { name: String },
    /// The MIME headers describe the structure smtpx builds; a second one would contradict it.
    #[error(
        "{name} is written by smtpx from the message's structure (--attach, --body-html); \
         send a hand-made message with --data to set it yourself"
    )]
    Structural { name: String },
}

impl HeaderField {
    /// A field from a name and a value, checked.
    pub fn new(name: &str, value: &str) -> Result<HeaderField, HeaderError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(HeaderError::EmptyName);
        }
        if !name
            .bytes()
            .all(|b| (b'!'..=b'~').contains(&b) && b != b':')
        {
            return Err(HeaderError::BadName { name: name.into() });
        }
        if name.eq_ignore_ascii_case("MIME-Version")
            || name.to_ascii_lowercase().starts_with("content-")
        {
            return Err(HeaderError::Structural { name: name.into() });
        }
        if value.contains(['\r', '\n']) {
            return Err(HeaderError::LineBreak { name: name.into() });
        }
        if value.contains('\0') {
            return Err(HeaderError::Nul { name: name.into() });
        }
        Ok(HeaderField {
            name: name.to_string(),
            value: value.trim().to_string(),
        })
    }

    /// Whether this field has the name `name` (header names are case-insensitive).
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }
}

impl FromStr for HeaderField {
    type Err = HeaderError;

    /// `Name: value`, as `--header` takes it.
    fn from_str(text: &str) -> Result<HeaderField, HeaderError> {
        let (name, value) = text.split_once(':').ok_or(HeaderError::NoColon)?;
        HeaderField::new(name, value)
    }
}

impl fmt::Display for HeaderField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name, self.value)
    }
}
