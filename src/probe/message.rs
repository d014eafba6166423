//! Building the RFC 5322 message the probe sends when given `--body` (and `--header`,
//! `--body-html`, `--attach`); the bytes come from [`crate::proto::message`].
//!
//! Layer: probe (headless front end). The clock and host name are passed in, so the
//! result is reproducible in tests.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::proto::civil::Civil;
use crate::proto::message::{self, Attachment, HeaderField, MessageParts};

/// What goes into a built message.
#[derive(Debug, Clone)]
pub struct MessageSpec<'a> {
    pub from: &'a str,
    pub to: &'a [String],
    pub subject: &'a str,
    pub body: &'a str,
    pub now: SystemTime,
    /// Right-hand side of the Message-ID.
    pub id_domain: &'a str,
    /// Left-hand side of the Message-ID; unique per message (time and process id).
    pub id_local: String,
    /// `--header` fields: one named like a generated header replaces it.
    pub headers: &'a [HeaderField],
    /// `--body-html`: an HTML alternative to the text.
    pub html: Option<&'a str>,
    /// `--attach` files, already read.
    pub attachments: &'a [Attachment],
}

/// A message with Date, Message-ID, From, To, Subject and MIME headers
/// ([RFC 5322 §3.6](https://www.rfc-editor.org/rfc/rfc5322#section-3.6)), CRLF line ends,
/// body lines normalised to CRLF. Non-ASCII bodies are declared UTF-8 and 8bit; an HTML
/// part or attachments make it multipart ([`crate::proto::message::build`]).
pub fn build_message(spec: &MessageSpec<'_>) -> Vec<u8> {
    let from = if spec.from.is_empty() {
        "<>".to_string()
    } else {
        format!("<{}>", spec.from)
    };
    let to: Vec<String> = spec.to.iter().map(|t| format!("<{t}>")).collect();
    message::build(&MessageParts {
        date: &rfc5322_date(spec.now),
        message_id: &format!("<{}@{}>", spec.id_local, spec.id_domain),
        from: &from,
        to: &to.join(", "),
        subject: spec.subject,
        text: spec.body,
        html: spec.html,
        headers: spec.headers,
        attachments: spec.attachments,
        boundary_seed: &spec.id_local,
    })
}

/// `Sat, 28 Nov 2026 04:40:00 +0000`
/// ([RFC 5322 §3.3](https://www.rfc-editor.org/rfc/rfc5322#section-3.3)), always in UTC.
pub fn rfc5322_date(now: SystemTime) -> String {
    Civil::from_unix(unix_seconds(now)).rfc5322()
}

fn unix_seconds(now: SystemTime) -> i64 {
    now.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn dates_format_as_rfc5322_in_utc() {
        assert_eq!(rfc5322_date(UNIX_EPOCH), "Thu, 01 Jan 1970 00:00:00 +0000");
        let t = UNIX_EPOCH + Duration::from_secs(1_795_824_000 + 4 * 3600 + 40 * 60);
        assert_eq!(rfc5322_date(t), "Sat, 28 Nov 2026 04:40:00 +0000");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(rfc5322_date(leap), "Tue, 29 Feb 2000 00:00:00 +0000");
    }

    #[test]
    fn built_message_has_headers_and_crlf_body() {
        let to = vec!["b@example.org".to_string()];
        let spec = MessageSpec {
            from: "a@example.com",
            to: &to,
            subject: "hi\r\nBcc: evil@example.net",
            body: "line one\n.dot line\nGrüße",
            now: UNIX_EPOCH,
            id_domain: "host.example",
            id_local: "1.2".into(),
            headers: &[],
            html: None,
            attachments: &[],
        };
        let msg = String::from_utf8(build_message(&spec)).expect("built as UTF-8");
        assert!(msg.starts_with("Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"));
        assert!(msg.contains("Message-ID: <1.2@host.example>\r\n"));
        assert!(msg.contains("From: <a@example.com>\r\nTo: <b@example.org>\r\n"));
        assert!(msg.contains("Subject: hi  Bcc: evil@example.net\r\n"));
        assert!(msg.contains("charset=\"utf-8\""));
        assert!(msg.ends_with("\r\n\r\nline one\r\n.dot line\r\nGrüße\r\n"));
        assert!(!msg.replace("\r\n", "").contains('\n'));
    }
}
