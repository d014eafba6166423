//! Building an RFC 5322 message for DATA or BDAT: the usual headers, the user's own, a
//! plain-text body, an optional HTML alternative and attachments, MIME-encoded by the
//! `mail-builder` crate (multipart is never written by hand here).
//!
//! Layer: protocol core (`proto`), pure: the date, the Message-ID and the seed of the MIME
//! boundaries are passed in, so the same input gives the same bytes.
//!
//! ```text
//!  text only            text/plain
//!  --body-html          multipart/alternative [text/plain, text/html]
//!  --attach             multipart/mixed [body, attachment…]
//! ```

mod content_type;
mod header;
#[cfg(test)]
mod tests;

use std::borrow::Cow;

use mail_builder::headers::Header;
use mail_builder::headers::content_type::ContentType;
use mail_builder::headers::raw::Raw;
use mail_builder::mime::{BodyPart, MimePart};

pub use content_type::guess as guess_content_type;
pub use header::{HeaderError, HeaderField};

/// A file to attach, already read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The name the recipient sees (the file name, without its directory).
    pub file_name: String,
    /// The media type, e.g. from [`guess_content_type`].
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Everything a built message holds.
#[derive(Debug, Clone)]
pub struct MessageParts<'a> {
    /// The Date value ([RFC 5322 §3.3](https://www.rfc-editor.org/rfc/rfc5322#section-3.3)).
    /// An empty generated value (Date, Message-ID, From, To, Subject) leaves its header out.
    pub date: &'a str,
    /// The Message-ID value, angle brackets included.
    pub message_id: &'a str,
    /// The From value as written (`<a@example.com>`, `Name <a@example.com>`).
    pub from: &'a str,
    /// The To value as written.
    pub to: &'a str,
    pub subject: &'a str,
    /// The plain-text body; any line ends (LF, CRLF) become CRLF.
    pub text: &'a str,
    /// An HTML version of the body: the message becomes multipart/alternative
    /// ([RFC 2046 §5.1.4](https://www.rfc-editor.org/rfc/rfc2046#section-5.1.4)).
    pub html: Option<&'a str>,
    /// The user's headers: one named like a generated header (Subject, From, To, Date,
    /// Message-ID) takes its place; the others follow the generated ones, in order.
    pub headers: &'a [HeaderField],
    /// Files to attach: the message becomes multipart/mixed
    /// ([RFC 2046 §5.1.3](https://www.rfc-editor.org/rfc/rfc2046#section-5.1.3)).
    pub attachments: &'a [Attachment],
    /// Distinct per message (the Message-ID's left-hand side fits): the MIME boundaries are
    /// made from it.
    pub boundary_seed: &'a str,
}

/// The message bytes, CRLF line ends throughout. The plain-text part goes unencoded, 7bit
/// when ASCII and 8bit UTF-8 otherwise (which asks for `BODY=8BITMIME`,
/// [RFC 6152](https://www.rfc-editor.org/rfc/rfc6152)); the HTML part and the attachments
/// are encoded as mail-builder chooses (base64 for binary data, quoted-printable or 7bit for
/// text), so they arrive byte for byte.
pub fn build(parts: &MessageParts<'_>) -> Vec<u8> {
    let mut headers: Vec<(Cow<'_, str>, String)> = vec![
        ("Date".into(), single_line(parts.date)),
        ("Message-ID".into(), single_line(parts.message_id)),
        ("From".into(), single_line(parts.from)),
        ("To".into(), single_line(parts.to)),
        ("Subject".into(), single_line(parts.subject)),
    ];
    let generated = headers.len();
    for field in parts.headers {
        match headers[..generated]
            .iter_mut()
            .find(|(name, _)| field.is(name))
        {
            Some((_, value)) => value.clone_from(&field.value),
            None => headers.push((field.name.as_str().into(), field.value.clone())),
        }
    }
    // The headers are written here, not by mail-builder's MessageBuilder, which would add
    // a Date and Message-ID of its own (from the clock) where the person left them out.
    let mut out = Vec::new();
    for (name, value) in headers.iter().filter(|(_, v)| !v.trim().is_empty()) {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        Raw::new(value.as_str()).write_header(&mut out, name.len() + 2);
    }
    out.extend_from_slice(b"MIME-Version: 1.0\r\n");
    let seed: String = parts
        .boundary_seed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
        .take(40)
        .collect();
    let mut body = text_part(parts.text);
    if let Some(html) = parts.html {
        let html = MimePart::new(
            ContentType::new("text/html").attribute("charset", "utf-8"),
            crlf_lines(html),
        );
        body = MimePart::new(
            ContentType::new("multipart/alternative")
                .attribute("boundary", format!("=_smtpx_alt_{seed}")),
            vec![body, html],
        );
    }
    if !parts.attachments.is_empty() {
        let mut children = vec![body];
        children.extend(parts.attachments.iter().map(|file| {
            MimePart::new(
                ContentType::new(file.content_type.as_str()),
                BodyPart::Binary(Cow::Borrowed(&file.bytes)),
            )
            .attachment(file.file_name.as_str())
        }));
        body = MimePart::new(
            ContentType::new("multipart/mixed")
                .attribute("boundary", format!("=_smtpx_mixed_{seed}")),
            children,
        );
    }
    body.write_part(&mut out);
    out
}

/// The plain-text part, unencoded: us-ascii 7bit or utf-8 8bit.
fn text_part(text: &str) -> MimePart<'static> {
    let (charset, encoding) = if text.is_ascii() {
        ("us-ascii", "7bit")
    } else {
        ("utf-8", "8bit")
    };
    MimePart::new(
        ContentType::new("text/plain").attribute("charset", charset),
        crlf_lines(text),
    )
    .transfer_encoding(encoding)
}

/// Every line ended by CRLF, whatever ended it before.
fn crlf_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 32);
    for line in text.lines() {
        out.push_str(line);
        out.push_str("\r\n");
    }
    out
}

/// Generated header values must not carry line breaks (they would start a new header).
fn single_line(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}
