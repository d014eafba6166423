//! The composer's pure part: from what was typed and what the server offers, the message
//! bytes, the MAIL and RCPT parameters, the exact bytes that go after the 354 (or with BDAT)
//! as the preview shows them, and the [`TransactionPlan`] the network task runs.
//!
//! Layer: app state; no I/O. The preview and the plan come from the same functions, so what
//! the screen shows is what is sent.

use crate::driver::task::{SendMethod, TransactionPlan};
use crate::proto::capability::Capabilities;
use crate::proto::command::{Body, Command, CommandError, Notify, Param, Ret};
use crate::proto::data::{bdat_chunks, dot_stuff};
use crate::proto::message::{self, Attachment, HeaderError, HeaderField, MessageParts};
use crate::proto::text::escape_bytes;

/// What the server advertised that the composer uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Offers {
    /// SIZE offered, with its limit if any ([RFC 1870](https://www.rfc-editor.org/rfc/rfc1870)).
    pub size: Option<Option<u64>>,
    pub eight_bit_mime: bool,
    pub smtputf8: bool,
    pub dsn: bool,
    pub chunking: bool,
    /// PIPELINING ([RFC 2920](https://www.rfc-editor.org/rfc/rfc2920)): the envelope goes in
    /// one write.
    pub pipelining: bool,
    /// REQUIRETLS ([RFC 8689](https://www.rfc-editor.org/rfc/rfc8689)).
    pub requiretls: bool,
    /// The session runs over TLS (REQUIRETLS goes only then, RFC 8689 §4.1).
    pub tls: bool,
    /// … whose certificate verified (REQUIRETLS asks for that too).
    pub verified: bool,
}

impl Offers {
    pub fn from_capabilities(caps: Option<&Capabilities>) -> Offers {
        caps.map_or_else(Offers::default, |c| Offers {
            size: c.size(),
            eight_bit_mime: c.eight_bit_mime(),
            smtputf8: c.smtputf8(),
            dsn: c.dsn(),
            chunking: c.chunking(),
            pipelining: c.pipelining(),
            requiretls: c.requiretls(),
            tls: false,
            verified: false,
        })
    }
}

/// How the data ends. Anything but [`Ending::Standard`] is the byte-exact variant for
/// SMTP-smuggling checks: only `CRLF . CRLF` ends the data
/// ([RFC 5321 §4.1.1.4](https://www.rfc-editor.org/rfc/rfc5321#section-4.1.1.4)), and a
/// server that also takes one of the others lets a second message hide behind it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    Standard,
    LfDotLf,
    CrLfDotLf,
    LfDotCrLf,
    CrDotCr,
}

impl Ending {
    pub const ALL: [Ending; 5] = [
        Ending::Standard,
        Ending::LfDotLf,
        Ending::CrLfDotLf,
        Ending::LfDotCrLf,
        Ending::CrDotCr,
    ];

    /// The bytes that follow the content's last character.
    pub fn bytes(self) -> &'static [u8] {
        match self {
            Ending::Standard => b"\r\n.\r\n",
            Ending::LfDotLf => b"\n.\n",
            Ending::CrLfDotLf => b"\r\n.\n",
            Ending::LfDotCrLf => b"\n.\r\n",
            Ending::CrDotCr => b"\r.\r",
        }
    }

    pub fn label(self) -> String {
        match self {
            Ending::Standard => "\\r\\n.\\r\\n  (standard)".into(),
            other => format!(
                "{}  BYTE-EXACT, sent raw: smuggling check",
                escape_bytes(other.bytes())
            ),
        }
    }
}

/// DATA or BDAT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Data,
    Bdat,
}

/// NOTIFY on each RCPT ([RFC 3461 §4.1](https://www.rfc-editor.org/rfc/rfc3461#section-4.1)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotifyChoice {
    /// No parameter: the server's default.
    Unset,
    SuccessFailure,
    Failure,
    All,
    Never,
}

impl NotifyChoice {
    pub const ALL: [NotifyChoice; 5] = [
        NotifyChoice::Unset,
        NotifyChoice::SuccessFailure,
        NotifyChoice::Failure,
        NotifyChoice::All,
        NotifyChoice::Never,
    ];

    pub fn param(self) -> Option<Param> {
        let on = |success, failure, delay| Notify::On {
            success,
            failure,
            delay,
        };
        let notify = match self {
            NotifyChoice::Unset => return None,
            NotifyChoice::SuccessFailure => on(true, true, false),
            NotifyChoice::Failure => on(false, true, false),
            NotifyChoice::All => on(true, true, true),
            NotifyChoice::Never => Notify::Never,
        };
        Some(Param::notify(notify))
    }

    pub fn label(self) -> &'static str {
        match self {
            NotifyChoice::Unset => "(not sent)",
            NotifyChoice::SuccessFailure => "SUCCESS,FAILURE",
            NotifyChoice::Failure => "FAILURE",
            NotifyChoice::All => "SUCCESS,FAILURE,DELAY",
            NotifyChoice::Never => "NEVER",
        }
    }
}

/// Everything the composer holds, as plain values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub mail_from: String,
    pub rcpt_to: String,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub date: String,
    pub message_id: String,
    /// Body lines as typed (no line ends).
    pub body: Vec<String>,
    pub method: Method,
    pub chunk_size: String,
    pub ending: Ending,
    pub ret: Option<Ret>,
    pub envid: String,
    pub notify: NotifyChoice,
    /// Extra headers as typed: `Name: value`, several separated by ` | `.
    pub headers: String,
    /// REQUIRETLS on MAIL, where offered.
    pub requiretls: bool,
    /// Pipeline the envelope where PIPELINING is offered (off: one command per round trip).
    pub pipeline: bool,
    /// An HTML version of the body, as typed (one line); empty: text only.
    pub html: String,
    /// Extra MAIL FROM parameters as typed, `KEY[=VALUE]` separated by spaces (wire form).
    pub mail_params: String,
    /// Extra parameters on every RCPT TO, as typed.
    pub rcpt_params: String,
    /// The files attached, as read (the message becomes multipart/mixed).
    pub attachments: Vec<Attachment>,
    /// Paths typed in the Attach field that have not been read yet.
    pub unread_attachments: bool,
}

/// Why a draft cannot be sent yet; shown under the composer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotReady {
    /// RCPT TO is empty: a mail transaction needs at least one recipient
    /// ([RFC 5321 §3.3](https://www.rfc-editor.org/rfc/rfc5321#section-3.3)).
    #[error("add at least one recipient (RCPT TO)")]
    NoRecipient,
    /// MAIL FROM or an RCPT TO would not encode as typed (a line break, a space, …).
    #[error(transparent)]
    Command(#[from] CommandError),
    /// An extra header that would not stay one header (a line break) or is malformed.
    #[error(transparent)]
    Header(#[from] HeaderError),
    /// An attachment could not be read.
    #[error("{0}")]
    Attachment(String),
    /// The Attach field changed since its files were read (they are read on review).
    #[error("the attachments are not read yet")]
    AttachmentsUnread,
}

/// Parameters typed as `KEY[=VALUE] KEY[=VALUE]`, each checked as [`Param`]'s parser does.
pub fn typed_params(text: &str) -> Result<Vec<Param>, CommandError> {
    text.split_whitespace().map(str::parse).collect()
}

/// The paths typed in the Attach field: separated by ` | ` (a path may hold commas and
/// spaces).
pub fn attachment_paths(text: &str) -> Vec<std::path::PathBuf> {
    text.split(" | ")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(std::path::PathBuf::from)
        .collect()
}

/// The extra headers typed in the Headers field: `Name: value`, several separated by ` | `.
pub fn extra_headers(text: &str) -> Result<Vec<HeaderField>, HeaderError> {
    text.split(" | ")
        .filter(|h| !h.trim().is_empty())
        .map(str::parse)
        .collect()
}

/// An address as typed, without the angle brackets.
pub fn bare_address(text: &str) -> String {
    let text = text.trim();
    let text = text.strip_prefix('<').unwrap_or(text);
    text.strip_suffix('>').unwrap_or(text).to_string()
}

/// Recipients typed as a list (commas, semicolons or spaces between them).
pub fn recipients(text: &str) -> Vec<String> {
    text.split([',', ';', ' ', '\t'])
        .map(bare_address)
        .filter(|a| !a.is_empty())
        .collect()
}

impl Draft {
    /// The message: headers, a blank line, the body; CRLF after every line
    /// ([RFC 5322 §2.1](https://www.rfc-editor.org/rfc/rfc5322#section-2.1)), built by
    /// [`crate::proto::message::build`]. Header values are single lines by construction (the
    /// fields cannot hold a line break); extra headers that do not parse are left out here
    /// and stop [`Draft::plan`].
    pub fn message(&self) -> Vec<u8> {
        let headers = extra_headers(&self.headers).unwrap_or_default();
        let text = self.body.iter().fold(String::new(), |mut text, line| {
            text.push_str(line);
            text.push('\n');
            text
        });
        message::build(&MessageParts {
            date: &self.date,
            message_id: &self.message_id,
            from: &self.from,
            to: &self.to,
            subject: &self.subject,
            text: &text,
            html: Some(self.html.trim()).filter(|h| !h.is_empty()),
            headers: &headers,
            attachments: &self.attachments,
            boundary_seed: &self.message_id,
        })
    }

    /// Whether anything in the envelope or the headers needs SMTPUTF8
    /// ([RFC 6531 §3.4](https://www.rfc-editor.org/rfc/rfc6531#section-3.4)).
    pub fn needs_smtputf8(&self) -> bool {
        [
            &self.mail_from,
            &self.rcpt_to,
            &self.from,
            &self.to,
            &self.subject,
            &self.headers,
        ]
        .iter()
        .any(|s| !s.is_ascii())
    }

    /// `MAIL FROM` with the parameters the server offers and the message needs.
    pub fn mail(&self, offers: &Offers, message: &[u8]) -> Command {
        let mut params = Vec::new();
        if offers.size.is_some() {
            params.push(Param::size(message.len() as u64));
        }
        if offers.eight_bit_mime && !message.is_ascii() {
            params.push(Param::body(Body::EightBitMime));
        }
        if offers.smtputf8 && self.needs_smtputf8() {
            params.push(Param::smtputf8());
        }
        if offers.dsn {
            if let Some(ret) = self.ret {
                params.push(Param::ret(ret));
            }
            if !self.envid.trim().is_empty() {
                params.push(Param::envid(self.envid.trim()));
            }
        }
        if offers.requiretls && self.requiretls {
            params.push(Param::requiretls());
        }
        params.extend(typed_params(&self.mail_params).unwrap_or_default());
        Command::Mail {
            from: bare_address(&self.mail_from),
            params,
        }
    }

    /// One `RCPT TO` per recipient, NOTIFY when DSN is offered and chosen.
    pub fn rcpts(&self, offers: &Offers) -> Vec<Command> {
        let notify = offers.dsn.then(|| self.notify.param()).flatten();
        let typed = typed_params(&self.rcpt_params).unwrap_or_default();
        recipients(&self.rcpt_to)
            .into_iter()
            .map(|to| Command::Rcpt {
                to,
                params: notify.iter().chain(&typed).cloned().collect(),
            })
            .collect()
    }

    pub fn chunk_size(&self) -> usize {
        self.chunk_size
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|&n| n > 0)
            .unwrap_or(DEFAULT_CHUNK)
    }

    /// How the content goes, with the exact bytes for the byte-exact variant.
    pub fn send_method(&self, message: &[u8]) -> SendMethod {
        match (self.method, self.ending) {
            (Method::Bdat, _) => SendMethod::Bdat {
                chunk_size: self.chunk_size(),
            },
            (Method::Data, Ending::Standard) => SendMethod::Data,
            (Method::Data, ending) => SendMethod::DataExact {
                wire: exact_wire(message, ending),
            },
        }
    }

    /// The transaction, or why it cannot go yet.
    pub fn plan(&self, offers: &Offers) -> Result<TransactionPlan, NotReady> {
        extra_headers(&self.headers)?;
        typed_params(&self.mail_params)?;
        typed_params(&self.rcpt_params)?;
        if self.unread_attachments {
            return Err(NotReady::AttachmentsUnread);
        }
        let message = self.message();
        let rcpts = self.rcpts(offers);
        if rcpts.is_empty() {
            return Err(NotReady::NoRecipient);
        }
        let mail = self.mail(offers, &message);
        for command in std::iter::once(&mail).chain(&rcpts) {
            command.encode().map_err(NotReady::Command)?;
        }
        Ok(TransactionPlan {
            mail,
            rcpts,
            method: self.send_method(&message),
            content: message,
            pipelined: offers.pipelining && self.pipeline,
        })
    }

    /// The typed parameters whose extension the server did not advertise (they are still
    /// sent: in the explorer the person may send anything, and is told).
    pub fn param_warnings(
        &self,
        caps: Option<&Capabilities>,
        protection: &crate::proto::auth::policy::Protection,
    ) -> Vec<String> {
        let Some(caps) = caps else {
            return Vec::new();
        };
        let typed = typed_params(&self.mail_params)
            .unwrap_or_default()
            .into_iter()
            .chain(typed_params(&self.rcpt_params).unwrap_or_default());
        typed
            .filter_map(|param| {
                crate::proto::command::check_offered(std::slice::from_ref(&param), caps, protection)
                    .err()
                    .map(|refusal| format!("{refusal}; sent as typed"))
            })
            .collect()
    }

    /// Things worth saying before sending: what the server did not offer.
    pub fn warnings(&self, offers: &Offers, message: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        if !message.is_ascii() && !offers.eight_bit_mime {
            out.push("8-bit body, and 8BITMIME is not offered (RFC 6152)".into());
        }
        if self.needs_smtputf8() && !offers.smtputf8 {
            out.push("non-ASCII address or header, and SMTPUTF8 is not offered (RFC 6531)".into());
        }
        if let Some(Some(limit)) = offers.size
            && message.len() as u64 > limit
        {
            out.push(format!(
                "larger than the server's SIZE limit of {limit} octets"
            ));
        }
        if offers.requiretls && self.requiretls && !offers.tls {
            out.push("REQUIRETLS in plaintext: RFC 8689 §4.1 sends it only over TLS".into());
        } else if offers.requiretls && self.requiretls && !offers.verified {
            out.push(
                "REQUIRETLS over TLS whose certificate did not verify: RFC 8689 §4.1 sends it \
                 only over verified TLS"
                    .into(),
            );
        }
        if self.method == Method::Bdat && !offers.chunking {
            out.push("BDAT, and CHUNKING is not offered (RFC 3030)".into());
        }
        if self.method == Method::Data && self.ending != Ending::Standard {
            out.push(
                "byte-exact ending, sent raw: a correct server keeps reading; at data> an \
                 empty line, then a lone . sends \\r\\n.\\r\\n"
                    .into(),
            );
        }
        out
    }
}

/// The default BDAT chunk size in octets.
pub const DEFAULT_CHUNK: usize = 65_536;

/// The content dot-stuffed as for DATA, with `ending` in place of `CRLF.CRLF`.
pub fn exact_wire(message: &[u8], ending: Ending) -> Vec<u8> {
    let mut wire = dot_stuff(message).bytes;
    if wire.ends_with(b".\r\n") {
        wire.truncate(wire.len() - 3);
    }
    if wire.ends_with(b"\r\n") {
        wire.truncate(wire.len() - 2);
    }
    wire.extend_from_slice(ending.bytes());
    wire
}

/// What a preview row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Content,
    /// A line that began with `.` and got a second one.
    Stuffed,
    /// The bytes that end the data.
    End,
    /// A BDAT command line.
    Command,
}

/// The exact bytes to be sent after the envelope, one row per wire line, line ends shown
/// as `\r\n` (escaped, so a bare `\n` or `\r` is visible as itself).
pub fn preview(plan_method: &SendMethod, message: &[u8]) -> Vec<(String, Mark)> {
    match plan_method {
        SendMethod::Data => data_rows(&dot_stuff(message).bytes, b"\r\n.\r\n"),
        SendMethod::DataExact { wire } => {
            let ending = Ending::ALL
                .iter()
                .map(|e| e.bytes())
                .find(|e| wire.ends_with(e))
                .unwrap_or(b"");
            data_rows(wire, ending)
        }
        SendMethod::Bdat { chunk_size } => {
            let mut rows = Vec::new();
            for (command, chunk) in bdat_chunks(message, *chunk_size) {
                let line = command.encode().unwrap_or_default();
                rows.push((escape_bytes(&line), Mark::Command));
                for line in chunk.split_inclusive(|&b| b == b'\n') {
                    rows.push((escape_bytes(line), Mark::Content));
                }
            }
            rows
        }
    }
}

/// Rows of DATA content whose last `ending.len()` bytes end it (`ending` minus its first
/// line break is marked [`Mark::End`]).
fn data_rows(wire: &[u8], ending: &[u8]) -> Vec<(String, Mark)> {
    let end_start = wire.len().saturating_sub(ending.len());
    // The end marker's dot starts after the ending's first line break.
    let dot_at = ending
        .iter()
        .position(|&b| b == b'.')
        .map_or(wire.len(), |i| end_start + i);
    let mut rows = Vec::new();
    let mut start = 0;
    while start < wire.len() {
        let rest = &wire[start..];
        // A row ends after LF, or (for endings with bare CR) at the dot of the end marker.
        let mut len = rest
            .iter()
            .position(|&b| b == b'\n')
            .map_or(rest.len(), |i| i + 1);
        if start < dot_at && start + len > dot_at {
            len = dot_at - start;
        }
        let line = &rest[..len];
        let mark = if start >= dot_at {
            Mark::End
        } else if line.starts_with(b"..") {
            Mark::Stuffed
        } else {
            Mark::Content
        };
        rows.push((escape_bytes(line), mark));
        start += len;
    }
    rows
}
