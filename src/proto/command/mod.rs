//! SMTP commands: the [`Command`] value, its exact wire bytes, and the classifier for lines a
//! person types at the prompt.
//!
//! Layer: protocol core (`proto`), sans-IO. Values in, bytes out; no I/O.
//!
//! Three ways in:
//! - [`Command::encode`] builds the wire line from a value and refuses arguments that would change
//!   the line's meaning (CR, LF, NUL, a space inside a domain or keyword) with a [`CommandError`].
//! - [`parse_command_line`] classifies a typed line into a [`Command`] so the session knows what was
//!   sent, noting grammar deviations as [`LineIssue`]s instead of failing.
//! - [`raw_bytes`] is the deliberate byte-exact mode: an escape notation (`\r`, `\xHH`, …) becomes
//!   exactly those bytes, nothing added — the only way to put a bare CR or LF on the wire.
//!
//! ESMTP parameters ([`Param`], xtext) are in the child module `params`, the line
//! classifier in `parse`; both are re-exported here.

use std::fmt;

use thiserror::Error;
use zeroize::Zeroizing;

mod params;
mod parse;

pub use params::{
    Body, Notify, NotifyError, Param, ParamRefusal, Ret, XtextError, check_offered, extension_for,
    xtext_decode, xtext_encode,
};
pub use parse::{LineIssue, ParsedLine, parse_command_line};

/// One SMTP command ([RFC 5321 §4.1.1](https://www.rfc-editor.org/rfc/rfc5321#section-4.1.1)).
///
/// An empty required argument (`Helo("")`, `Vrfy("")`) encodes as the bare verb (`HELO\r\n`), so an
/// explorer can send what a server should reject; `Some("")` in an optional argument encodes like
/// `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `HELO domain`.
    Helo(String),
    /// `EHLO domain` ([RFC 5321 §4.1.1.1](https://www.rfc-editor.org/rfc/rfc5321#section-4.1.1.1)).
    Ehlo(String),
    /// `LHLO domain` (LMTP, [RFC 2033 §4.1](https://www.rfc-editor.org/rfc/rfc2033#section-4.1)).
    Lhlo(String),
    /// `MAIL FROM:<from> params` ([RFC 5321 §4.1.1.2](https://www.rfc-editor.org/rfc/rfc5321#section-4.1.1.2)).
    /// `from` is the address without `<>`; `""` is the null reverse-path `<>`.
    Mail { from: String, params: Vec<Param> },
    /// `RCPT TO:<to> params` ([RFC 5321 §4.1.1.3](https://www.rfc-editor.org/rfc/rfc5321#section-4.1.1.3)).
    Rcpt { to: String, params: Vec<Param> },
    /// `DATA` ([RFC 5321 §4.1.1.4](https://www.rfc-editor.org/rfc/rfc5321#section-4.1.1.4)).
    Data,
    /// `BDAT size [LAST]` ([RFC 3030 §2](https://www.rfc-editor.org/rfc/rfc3030#section-2)).
    Bdat { size: u64, last: bool },
    /// `RSET`.
    Rset,
    /// `NOOP [string]`.
    Noop(Option<String>),
    /// `VRFY string`.
    Vrfy(String),
    /// `EXPN string`.
    Expn(String),
    /// `HELP [string]`.
    Help(Option<String>),
    /// `QUIT`.
    Quit,
    /// `STARTTLS` ([RFC 3207 §4](https://www.rfc-editor.org/rfc/rfc3207#section-4)).
    StartTls,
    /// `AUTH mechanism [initial-response]` ([RFC 4954 §4](https://www.rfc-editor.org/rfc/rfc4954#section-4)).
    Auth {
        mechanism: String,
        initial_response: Option<InitialResponse>,
    },
    /// A client line inside an AUTH exchange, answering a 334 challenge. It has no verb; only the
    /// session's context (AUTH sent, 334 received) tells it apart from a command.
    AuthResponse(SaslResponse),
    /// Any other verb, sent as `verb [args]`.
    Other { verb: String, args: Option<String> },
}

/// The initial response of `AUTH` ([RFC 4954 §4](https://www.rfc-editor.org/rfc/rfc4954#section-4)).
/// Its `Debug` never shows the payload.
#[derive(Clone, PartialEq, Eq)]
pub enum InitialResponse {
    /// A zero-length initial response, sent as `=`.
    Empty,
    /// Base64 text as sent on the wire (may be invalid if a person typed it).
    Base64(Zeroizing<String>),
}

/// A client answer to a 334 challenge ([RFC 4954 §4](https://www.rfc-editor.org/rfc/rfc4954#section-4)).
/// Its `Debug` never shows the payload.
#[derive(Clone, PartialEq, Eq)]
pub enum SaslResponse {
    /// Base64 text as sent on the wire; `""` is an empty response (an empty line).
    Data(Zeroizing<String>),
    /// `*`: the client cancels the exchange.
    Cancel,
}

impl fmt::Debug for InitialResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("Empty"),
            Self::Base64(text) => write!(f, "Base64({})", redaction(text.len())),
        }
    }
}

impl fmt::Debug for SaslResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Data(text) => write!(f, "Data({})", redaction(text.len())),
            Self::Cancel => f.write_str("Cancel"),
        }
    }
}

/// A command line safe to display or record: SASL payloads replaced by `<redacted N bytes>`.
/// A secret is always the end of its line; [`Redacted::public`] is what precedes it and
/// [`Redacted::secret_len`] its size, so a view masks it without searching the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redacted {
    text: String,
    /// Where the marker starts in `text`, and the secret's length.
    secret: Option<(usize, usize)>,
}

impl Redacted {
    /// Text with no secret in it.
    pub(crate) fn plain(text: String) -> Self {
        Self { text, secret: None }
    }

    /// `before` followed by the marker for a secret of `len` bytes.
    pub(crate) fn with_secret(before: &str, len: usize) -> Self {
        Self {
            text: format!("{before}{}", redaction(len)),
            secret: Some((before.len(), len)),
        }
    }

    /// The display text (no CRLF).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The text before the secret; all of it when there is none.
    pub fn public(&self) -> &str {
        match self.secret {
            Some((at, _)) => self.text.get(..at).unwrap_or(""),
            None => &self.text,
        }
    }

    /// The length of the secret left out, if any.
    pub fn secret_len(&self) -> Option<usize> {
        self.secret.map(|(_, len)| len)
    }
}

impl fmt::Display for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The stand-in for a secret; `len` counts the bytes it replaces on the wire (base64 text).
/// The one place its words are made: views and transcripts show it as this.
pub fn redaction(len: usize) -> String {
    format!("<redacted {len} bytes>")
}

/// Why a [`Command`] cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CommandError {
    /// CR or LF would end the command line early and smuggle in another command.
    #[error("{field} contains CR or LF; use raw mode to send line breaks on purpose")]
    LineBreakInArgument { field: &'static str },
    /// NUL is not allowed in a command line.
    #[error("{field} contains a NUL byte; use raw mode to send it on purpose")]
    NulInArgument { field: &'static str },
    /// A space or tab here would split one argument into two.
    #[error("{field} contains whitespace, which would change the command's meaning")]
    WhitespaceInArgument { field: &'static str },
    /// The field must not be empty.
    #[error("{field} is empty")]
    EmptyArgument { field: &'static str },
    /// The field would be read back differently (e.g. an unquoted `>` inside a path).
    #[error("{field} is malformed: {reason}")]
    Malformed {
        field: &'static str,
        reason: &'static str,
    },
}

impl Command {
    /// The verb as sent (`"MAIL"`, `"STARTTLS"`, the typed verb of `Other`); `""` for an
    /// [`AuthResponse`](Command::AuthResponse), which has none.
    pub fn verb(&self) -> &str {
        match self {
            Self::Helo(_) => "HELO",
            Self::Ehlo(_) => "EHLO",
            Self::Lhlo(_) => "LHLO",
            Self::Mail { .. } => "MAIL",
            Self::Rcpt { .. } => "RCPT",
            Self::Data => "DATA",
            Self::Bdat { .. } => "BDAT",
            Self::Rset => "RSET",
            Self::Noop(_) => "NOOP",
            Self::Vrfy(_) => "VRFY",
            Self::Expn(_) => "EXPN",
            Self::Help(_) => "HELP",
            Self::Quit => "QUIT",
            Self::StartTls => "STARTTLS",
            Self::Auth { .. } => "AUTH",
            Self::AuthResponse(_) => "",
            Self::Other { verb, .. } => verb,
        }
    }

    /// Whether the line carries SASL secrets (an AUTH initial response or a challenge answer).
    pub fn is_secret(&self) -> bool {
        matches!(
            self,
            Self::Auth {
                initial_response: Some(InitialResponse::Base64(_)),
                ..
            } | Self::AuthResponse(SaslResponse::Data(_))
        )
    }

    /// The exact wire bytes, ending in CRLF, e.g. `MAIL FROM:<a@b> SIZE=123\r\n`
    /// ([RFC 5321 §4.1.1](https://www.rfc-editor.org/rfc/rfc5321#section-4.1.1)).
    pub fn encode(&self) -> Result<Vec<u8>, CommandError> {
        self.validate()?;
        let mut line = self.render(false);
        line.push_str("\r\n");
        Ok(line.into_bytes())
    }

    /// The line for display and transcripts (no CRLF), SASL payloads replaced by
    /// `<redacted N bytes>`, e.g. `AUTH PLAIN <redacted 32 bytes>`. Never fails.
    pub fn redacted(&self) -> Redacted {
        match self {
            Self::Auth {
                mechanism,
                initial_response: Some(InitialResponse::Base64(text)),
            } => Redacted::with_secret(&format!("AUTH {mechanism} "), text.len()),
            Self::AuthResponse(SaslResponse::Data(text)) => Redacted::with_secret("", text.len()),
            _ => Redacted::plain(self.render(true)),
        }
    }

    fn render(&self, redact: bool) -> String {
        let secret = |text: &str| {
            if redact {
                redaction(text.len())
            } else {
                text.to_owned()
            }
        };
        let mut line = String::from(self.verb());
        let arg = match self {
            Self::Helo(s) | Self::Ehlo(s) | Self::Lhlo(s) | Self::Vrfy(s) | Self::Expn(s) => {
                Some(s.clone())
            }
            Self::Noop(s) | Self::Help(s) => s.clone(),
            Self::Mail { from: path, params } | Self::Rcpt { to: path, params } => {
                let keyword = if matches!(self, Self::Mail { .. }) {
                    "FROM"
                } else {
                    "TO"
                };
                let mut arg = format!("{keyword}:<{path}>");
                for param in params {
                    arg.push(' ');
                    arg.push_str(&param.to_string());
                }
                Some(arg)
            }
            Self::Bdat { size, last } => Some(if *last {
                format!("{size} LAST")
            } else {
                size.to_string()
            }),
            Self::Auth {
                mechanism,
                initial_response,
            } => Some(match initial_response {
                None => mechanism.clone(),
                Some(InitialResponse::Empty) => format!("{mechanism} ="),
                Some(InitialResponse::Base64(text)) => format!("{mechanism} {}", secret(text)),
            }),
            Self::AuthResponse(SaslResponse::Data(text)) => return secret(text),
            Self::AuthResponse(SaslResponse::Cancel) => return "*".to_owned(),
            Self::Other { args, .. } => args.clone(),
            Self::Data | Self::Rset | Self::Quit | Self::StartTls => None,
        };
        if let Some(arg) = arg.filter(|a| !a.is_empty()) {
            line.push(' ');
            line.push_str(&arg);
        }
        line
    }

    fn validate(&self) -> Result<(), CommandError> {
        match self {
            Self::Helo(d) | Self::Ehlo(d) | Self::Lhlo(d) => check_token("domain", d),
            Self::Mail { from, params } => {
                check_path("reverse-path", from)?;
                params.iter().try_for_each(Param::validate)
            }
            Self::Rcpt { to, params } => {
                check_path("forward-path", to)?;
                params.iter().try_for_each(Param::validate)
            }
            Self::Vrfy(s) | Self::Expn(s) => check_text("argument", s),
            Self::Noop(s) | Self::Help(s) => check_text("argument", s.as_deref().unwrap_or("")),
            Self::Auth {
                mechanism,
                initial_response,
            } => {
                check_nonempty_token("SASL mechanism", mechanism)?;
                match initial_response {
                    Some(InitialResponse::Base64(text)) => {
                        check_nonempty_token("initial response", text)
                    }
                    _ => Ok(()),
                }
            }
            Self::AuthResponse(SaslResponse::Data(text)) => check_text("SASL response", text),
            Self::Other { verb, args } => {
                check_nonempty_token("verb", verb)?;
                check_text("arguments", args.as_deref().unwrap_or(""))
            }
            Self::AuthResponse(SaslResponse::Cancel)
            | Self::Data
            | Self::Bdat { .. }
            | Self::Rset
            | Self::Quit
            | Self::StartTls => Ok(()),
        }
    }
}

pub(crate) fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\x0b' | '\x0c')
}

/// Refuses CR, LF and NUL, which would end or corrupt the line.
pub(crate) fn check_text(field: &'static str, text: &str) -> Result<(), CommandError> {
    if text.contains(['\r', '\n']) {
        return Err(CommandError::LineBreakInArgument { field });
    }
    if text.contains('\0') {
        return Err(CommandError::NulInArgument { field });
    }
    Ok(())
}

/// [`check_text`], and no whitespace: the value must stay one argument.
pub(crate) fn check_token(field: &'static str, text: &str) -> Result<(), CommandError> {
    check_text(field, text)?;
    if text.contains(is_space) {
        return Err(CommandError::WhitespaceInArgument { field });
    }
    Ok(())
}

pub(crate) fn check_nonempty_token(field: &'static str, text: &str) -> Result<(), CommandError> {
    if text.is_empty() {
        return Err(CommandError::EmptyArgument { field });
    }
    check_token(field, text)
}

/// A path may hold spaces inside a quoted local part (`"john doe"@example.com`,
/// [RFC 5321 §4.1.2](https://www.rfc-editor.org/rfc/rfc5321#section-4.1.2)), but an unquoted `>`
/// or an unterminated quote would end the path somewhere else when read back.
fn check_path(field: &'static str, path: &str) -> Result<(), CommandError> {
    check_text(field, path)?;
    match scan_path(path) {
        PathScan::Closed(_) => Err(CommandError::Malformed {
            field,
            reason: "an unquoted '>' would end the path early",
        }),
        PathScan::Open { in_quote: true } => Err(CommandError::Malformed {
            field,
            reason: "a quoted string is not terminated",
        }),
        PathScan::Open { in_quote: false } => Ok(()),
    }
}

pub(crate) enum PathScan {
    /// The byte index of the first `>` outside a quoted string.
    Closed(usize),
    /// No closing `>`; whether the text ends inside a quoted string.
    Open { in_quote: bool },
}

/// Scans the text after `<` for the closing `>`, skipping quoted strings and their `\` escapes.
pub(crate) fn scan_path(text: &str) -> PathScan {
    let mut in_quote = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match (in_quote, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (_, _, '"') => in_quote = !in_quote,
            (false, _, '>') => return PathScan::Closed(i),
            _ => {}
        }
    }
    PathScan::Open { in_quote }
}

/// Why [`raw_bytes`] rejected its input; `offset` is the byte offset of the backslash.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RawError {
    /// An escape other than `\r \n \t \0 \\ \xHH`.
    #[error("unknown escape '\\{escape}' at offset {offset}")]
    UnknownEscape { offset: usize, escape: char },
    /// `\x` not followed by two hex digits.
    #[error("'\\x' at offset {offset} needs two hex digits")]
    BadHex { offset: usize },
    /// A lone `\` at the end of the input.
    #[error("lone backslash at offset {offset}")]
    TrailingBackslash { offset: usize },
}

/// Byte-exact mode: turns `\r`, `\n`, `\t`, `\0`, `\\` and `\xHH` into those bytes and passes
/// everything else through as UTF-8. Nothing is added — write `\r\n` to end a line. This is how a
/// person sends bare LF, `\n.\n` or other bytes [`Command::encode`] refuses.
pub fn raw_bytes(input: &str) -> Result<Vec<u8>, RawError> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b != b'\\' {
            out.push(b);
            i += 1;
            continue;
        }
        let Some(&escape) = bytes.get(i + 1) else {
            return Err(RawError::TrailingBackslash { offset: i });
        };
        let (byte, len) = match escape {
            b'r' => (b'\r', 2),
            b'n' => (b'\n', 2),
            b't' => (b'\t', 2),
            b'0' => (0, 2),
            b'\\' => (b'\\', 2),
            b'x' => {
                let value = bytes
                    .get(i + 2..i + 4)
                    .filter(|hex| hex.iter().all(u8::is_ascii_hexdigit))
                    .and_then(|hex| std::str::from_utf8(hex).ok())
                    .and_then(|hex| u8::from_str_radix(hex, 16).ok());
                match value {
                    Some(byte) => (byte, 4),
                    None => return Err(RawError::BadHex { offset: i }),
                }
            }
            _ => {
                let escape = input
                    .get(i + 1..)
                    .and_then(|s| s.chars().next())
                    .unwrap_or('?');
                return Err(RawError::UnknownEscape { offset: i, escape });
            }
        };
        out.push(byte);
        i += len;
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
