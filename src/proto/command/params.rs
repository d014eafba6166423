//! ESMTP parameters of MAIL and RCPT: the [`Param`] value, constructors for the known keywords,
//! and xtext ([RFC 3461 §4](https://www.rfc-editor.org/rfc/rfc3461#section-4)).
//!
//! Layer: protocol core (`proto`), sans-IO. A child of [`command`](crate::proto::command), which
//! re-exports everything here.

use crate::proto::auth::policy::Protection;
use std::fmt;

use thiserror::Error;

use super::{CommandError, check_nonempty_token, check_token};
use crate::proto::capability::Capabilities;

/// One ESMTP parameter, `keyword[=value]`
/// ([RFC 5321 §4.1.2](https://www.rfc-editor.org/rfc/rfc5321#section-4.1.2) `esmtp-param`).
///
/// `value` holds the wire form: xtext-encoded where the extension says so. Any keyword passes
/// through; the constructors below build the known ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub keyword: String,
    pub value: Option<String>,
}

/// `BODY=` values ([RFC 6152 §2](https://www.rfc-editor.org/rfc/rfc6152#section-2),
/// [RFC 3030 §3](https://www.rfc-editor.org/rfc/rfc3030#section-3)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    SevenBit,
    EightBitMime,
    /// Needs BDAT for the content ([RFC 3030 §3](https://www.rfc-editor.org/rfc/rfc3030#section-3)).
    BinaryMime,
}

/// `RET=` values: what a DSN returns of the message
/// ([RFC 3461 §4.3](https://www.rfc-editor.org/rfc/rfc3461#section-4.3)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ret {
    Full,
    Hdrs,
}

/// `NOTIFY=` values ([RFC 3461 §4.1](https://www.rfc-editor.org/rfc/rfc3461#section-4.1)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notify {
    /// `NOTIFY=NEVER`.
    Never,
    /// `NOTIFY=SUCCESS,FAILURE,DELAY` (those set). Nothing set is sent as `NEVER`.
    On {
        success: bool,
        failure: bool,
        delay: bool,
    },
}

impl Param {
    /// A parameter with no value, e.g. `SMTPUTF8`.
    pub fn flag(keyword: impl Into<String>) -> Self {
        Self {
            keyword: keyword.into(),
            value: None,
        }
    }

    /// `keyword=value`, value taken as already in wire form.
    pub fn with_value(keyword: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            keyword: keyword.into(),
            value: Some(value.into()),
        }
    }

    /// `SIZE=n`, the message size in octets
    /// ([RFC 1870 §3](https://www.rfc-editor.org/rfc/rfc1870#section-3)).
    pub fn size(octets: u64) -> Self {
        Self::with_value("SIZE", octets.to_string())
    }

    /// `BODY=7BIT|8BITMIME|BINARYMIME`.
    pub fn body(body: Body) -> Self {
        let value = match body {
            Body::SevenBit => "7BIT",
            Body::EightBitMime => "8BITMIME",
            Body::BinaryMime => "BINARYMIME",
        };
        Self::with_value("BODY", value)
    }

    /// `SMTPUTF8` ([RFC 6531 §3.4](https://www.rfc-editor.org/rfc/rfc6531#section-3.4)).
    pub fn smtputf8() -> Self {
        Self::flag("SMTPUTF8")
    }

    /// `REQUIRETLS` ([RFC 8689 §2](https://www.rfc-editor.org/rfc/rfc8689#section-2)).
    pub fn requiretls() -> Self {
        Self::flag("REQUIRETLS")
    }

    /// `RET=FULL|HDRS`.
    pub fn ret(ret: Ret) -> Self {
        Self::with_value("RET", if ret == Ret::Full { "FULL" } else { "HDRS" })
    }

    /// `ENVID=xtext(id)` ([RFC 3461 §4.4](https://www.rfc-editor.org/rfc/rfc3461#section-4.4)).
    pub fn envid(id: &str) -> Self {
        Self::with_value("ENVID", xtext_encode(id))
    }

    /// `AUTH=<>` for `None`, else `AUTH=xtext(mailbox)`: the submitter the client vouches for
    /// ([RFC 4954 §5](https://www.rfc-editor.org/rfc/rfc4954#section-5)).
    pub fn auth(mailbox: Option<&str>) -> Self {
        Self::with_value(
            "AUTH",
            mailbox.map_or_else(|| "<>".to_owned(), xtext_encode),
        )
    }

    /// `NOTIFY=…` on RCPT.
    pub fn notify(notify: Notify) -> Self {
        let value = match notify {
            Notify::On {
                success,
                failure,
                delay,
            } if success || failure || delay => {
                [(success, "SUCCESS"), (failure, "FAILURE"), (delay, "DELAY")]
                    .iter()
                    .filter(|(on, _)| *on)
                    .map(|(_, name)| *name)
                    .collect::<Vec<_>>()
                    .join(",")
            }
            _ => "NEVER".to_owned(),
        };
        Self::with_value("NOTIFY", value)
    }

    /// `ORCPT=rfc822;xtext(address)` on RCPT
    /// ([RFC 3461 §4.2](https://www.rfc-editor.org/rfc/rfc3461#section-4.2)); an address that
    /// is not ASCII goes as `utf-8;` with each non-ASCII character written `\x{HEX}`
    /// ([RFC 6533 §3](https://www.rfc-editor.org/rfc/rfc6533#section-3), utf-8-addr-xtext).
    pub fn orcpt(address: &str) -> Self {
        let value = if address.is_ascii() {
            format!("rfc822;{}", xtext_encode(address))
        } else {
            format!("utf-8;{}", utf8_addr_xtext(address))
        };
        Self::with_value("ORCPT", value)
    }

    /// The keyword must be non-empty and hold no `=`; neither part may hold whitespace, CR, LF or
    /// NUL — each would make the line read back differently.
    pub(crate) fn validate(&self) -> Result<(), CommandError> {
        check_nonempty_token("parameter keyword", &self.keyword)?;
        if self.keyword.contains('=') {
            return Err(CommandError::Malformed {
                field: "parameter keyword",
                reason: "contains '='",
            });
        }
        check_token("parameter value", self.value.as_deref().unwrap_or(""))
    }
}

impl fmt::Display for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.value {
            Some(value) => write!(f, "{}={value}", self.keyword),
            None => f.write_str(&self.keyword),
        }
    }
}

impl Notify {
    /// `NEVER`, or a comma-separated list of `SUCCESS`, `FAILURE`, `DELAY`, any case
    /// ([RFC 3461 §4.1](https://www.rfc-editor.org/rfc/rfc3461#section-4.1): NEVER stands
    /// alone).
    pub fn parse(text: &str) -> Result<Notify, NotifyError> {
        let words: Vec<String> = text
            .split(',')
            .map(|w| w.trim().to_ascii_uppercase())
            .collect();
        if words.iter().any(|w| w == "NEVER") {
            return if words.len() == 1 {
                Ok(Notify::Never)
            } else {
                Err(NotifyError::NeverWithOthers)
            };
        }
        let (mut success, mut failure, mut delay) = (false, false, false);
        for word in &words {
            match word.as_str() {
                "SUCCESS" => success = true,
                "FAILURE" => failure = true,
                "DELAY" => delay = true,
                _ => return Err(NotifyError::Unknown(word.clone())),
            }
        }
        Ok(Notify::On {
            success,
            failure,
            delay,
        })
    }
}

/// A `NOTIFY=` list that RFC 3461 §4.1 does not allow.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NotifyError {
    #[error("NEVER cannot be combined with SUCCESS, FAILURE or DELAY (RFC 3461 §4.1)")]
    NeverWithOthers,
    #[error("'{0}' is not a NOTIFY value: NEVER, or any of SUCCESS, FAILURE, DELAY")]
    Unknown(String),
}

/// The EHLO keyword that must be advertised before a MAIL or RCPT parameter may be sent
/// ([RFC 5321 §4.1.2](https://www.rfc-editor.org/rfc/rfc5321#section-4.1.2): a client
/// sends only parameters of extensions the server announced). A keyword smtpx does not
/// know is taken as its own extension's name (as `XFOO=1` needs `XFOO`).
pub fn extension_for(keyword: &str) -> String {
    let upper = keyword.to_ascii_uppercase();
    let known = match upper.as_str() {
        "SIZE" => "SIZE",
        "BODY" => "8BITMIME",
        "SMTPUTF8" => "SMTPUTF8",
        "RET" | "ENVID" | "NOTIFY" | "ORCPT" => "DSN",
        "REQUIRETLS" => "REQUIRETLS",
        "AUTH" => "AUTH",
        "BY" => "DELIVERBY",
        "MT-PRIORITY" => "MT-PRIORITY",
        "HOLDFOR" | "HOLDUNTIL" => "FUTURERELEASE",
        "MTRK" => "MTRK",
        "RRVS" => "RRVS",
        _ => return upper,
    };
    known.to_owned()
}

/// Why a parameter is held back before MAIL or RCPT.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParamRefusal {
    #[error(
        "{keyword} needs the {extension} extension, which the server does not advertise in \
         its EHLO reply"
    )]
    NotAdvertised { keyword: String, extension: String },
    /// `BODY=BINARYMIME` also needs BINARYMIME and CHUNKING (RFC 3030 §3).
    #[error("BODY={value} needs {extension}, which the server does not advertise")]
    BodyNotAdvertised { value: String, extension: String },
    /// RFC 8689 §4.1: a REQUIRETLS message goes only over a TLS connection.
    #[error("REQUIRETLS is only sent over TLS (RFC 8689 §4.1), and this session is in plaintext")]
    RequireTlsInPlaintext,
    /// RFC 8689 §4.1: … and over TLS whose certificate verified.
    #[error(
        "REQUIRETLS is only sent over verified TLS (RFC 8689 §4.1), and this certificate did \
         not verify: {reason}"
    )]
    RequireTlsUnverified { reason: String },
}

/// Checks each parameter against what the server advertised, and REQUIRETLS against the
/// connection: it needs TLS whose certificate verified.
pub fn check_offered(
    params: &[Param],
    caps: &Capabilities,
    protection: &Protection,
) -> Result<(), ParamRefusal> {
    for param in params {
        let extension = extension_for(&param.keyword);
        if param.keyword.eq_ignore_ascii_case("BODY") {
            let value = param.value.as_deref().unwrap_or("").to_ascii_uppercase();
            let needed: &[&str] = match value.as_str() {
                "8BITMIME" => &["8BITMIME"],
                "BINARYMIME" => &["BINARYMIME", "CHUNKING"],
                // 7BIT is every server's default (RFC 6152 §2).
                _ => &[],
            };
            if let Some(missing) = needed.iter().find(|ext| !caps.has(ext)) {
                return Err(ParamRefusal::BodyNotAdvertised {
                    value,
                    extension: (*missing).to_owned(),
                });
            }
            continue;
        }
        if !caps.has(&extension) {
            return Err(ParamRefusal::NotAdvertised {
                keyword: param.keyword.to_ascii_uppercase(),
                extension,
            });
        }
        if param.keyword.eq_ignore_ascii_case("REQUIRETLS") {
            match protection {
                Protection::Plaintext => return Err(ParamRefusal::RequireTlsInPlaintext),
                Protection::UnverifiedTls { reason } => {
                    return Err(ParamRefusal::RequireTlsUnverified {
                        reason: reason.clone(),
                    });
                }
                Protection::VerifiedTls => {}
            }
        }
    }
    Ok(())
}

impl std::str::FromStr for Param {
    type Err = CommandError;

    /// `KEYWORD[=VALUE]` as typed, the value already in wire form (xtext where the extension
    /// says so); checked as `Param::validate` checks it.
    fn from_str(text: &str) -> Result<Param, CommandError> {
        let param = match text.split_once('=') {
            Some((keyword, value)) => Param::with_value(keyword, value),
            None => Param::flag(text),
        };
        param.validate()?;
        Ok(param)
    }
}

/// Encodes text as xtext: bytes outside `!`..`~`, and `+` and `=`, become `+HH`
/// ([RFC 3461 §4](https://www.rfc-editor.org/rfc/rfc3461#section-4)).
pub fn xtext_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for &b in text.as_bytes() {
        if (b'!'..=b'~').contains(&b) && b != b'+' && b != b'=' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("+{b:02X}"));
        }
    }
    out
}

/// utf-8-addr-xtext ([RFC 6533 §3](https://www.rfc-editor.org/rfc/rfc6533#section-3)):
/// printable ASCII except `+`, `=` and `\` as itself; those three, controls, space and
/// every non-ASCII character as `\x{HEX}` (the code point, uppercase hex).
pub fn utf8_addr_xtext(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if ('!'..='~').contains(&c) && !matches!(c, '+' | '=' | '\\') {
            out.push(c);
        } else {
            out.push_str(&format!("\\x{{{:02X}}}", u32::from(c)));
        }
    }
    out
}

/// A `+` not followed by two uppercase hex digits, or a byte xtext does not allow.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid xtext at offset {offset}")]
pub struct XtextError {
    pub offset: usize,
}

/// Decodes xtext to bytes (which need not be UTF-8)
/// ([RFC 3461 §4](https://www.rfc-editor.org/rfc/rfc3461#section-4)).
pub fn xtext_decode(text: &str) -> Result<Vec<u8>, XtextError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => {
                let hex = bytes.get(i + 1..i + 3).filter(|h| {
                    h.iter()
                        .all(|&d| d.is_ascii_digit() || (b'A'..=b'F').contains(&d))
                });
                let value = hex
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or(XtextError { offset: i })?;
                out.push(value);
                i += 3;
            }
            b'!'..=b'~' if b != b'=' => {
                out.push(b);
                i += 1;
            }
            _ => return Err(XtextError { offset: i }),
        }
    }
    Ok(out)
}
