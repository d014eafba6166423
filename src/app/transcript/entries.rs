//! Transcript entries as the explorer shows them: one [`Entry`] per thing that happened,
//! made from a [`SessionEvent`], with every byte from the server already escaped, and the
//! wrapping arithmetic the scroll position and the view share.
//!
//! Layer: app state (no terminal). Security invariant: the `lines` of an entry are safe to
//! write to a terminal — server text passes through [`escape_bytes`] here, before it is
//! stored, so no view can forget it.

use std::time::Duration;

use crate::driver::{Finding, Layer, SessionEvent};
use crate::net::TlsInfo;
use crate::proto::reply::{Reply, Severity};
use crate::proto::text::{escape_bytes, escape_str};

/// What kind of line this is; the view picks marker and colour from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Sent by the client (`C>` plaintext, `C~` inside TLS).
    Client,
    /// A reply (`S<` plaintext, `S~` inside TLS).
    Server(Severity),
    /// smtpx's own account of what happened (`==`).
    Info,
    /// A rule the next command breaks, said before sending (`!?`).
    Warning,
    /// The TLS boundary with the summary and verdict (`══`).
    Boundary,
    /// A security finding (`!!`).
    Finding,
    /// The network failed or the server broke the protocol (`**`).
    Error,
    /// A message line collected after 354, not sent yet (`C+`).
    Draft,
    /// Said by the explorer itself, not about the wire (`--`): hints, /save results.
    Local,
}

/// One transcript entry: a time, a kind, and display-safe lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Time since connect, from the driver; `None` for the explorer's own lines.
    pub at: Option<Duration>,
    pub kind: Kind,
    /// Inside TLS (changes `>`/`<` to `~`).
    pub tls: bool,
    /// Escaped text, never empty.
    pub lines: Vec<String>,
    /// The reply a server entry shows, kept for its explanation (Esc picks a line).
    pub reply: Option<Box<Reply>>,
    /// What that reply answers, when the live session knew (a replay does not).
    pub answers: Option<crate::explain::Answers>,
}

/// Columns before the text: `  0.031 S< `.
pub const PREFIX_WIDTH: usize = 11;

impl Entry {
    pub fn new(at: Option<Duration>, kind: Kind, tls: bool, lines: Vec<String>) -> Entry {
        let lines = if lines.is_empty() {
            vec![String::new()]
        } else {
            lines
        };
        Entry {
            at,
            kind,
            tls,
            lines,
            reply: None,
            answers: None,
        }
    }

    pub fn local(text: impl Into<String>) -> Entry {
        Entry::new(None, Kind::Local, false, vec![escape_str(&text.into())])
    }

    /// Two characters telling direction and protection apart without colour (swaks-style).
    pub fn marker(&self, ascii: bool) -> &'static str {
        match (self.kind, self.tls) {
            (Kind::Client, false) => "C>",
            (Kind::Client, true) => "C~",
            (Kind::Server(_), false) => "S<",
            (Kind::Server(_), true) => "S~",
            (Kind::Info, _) => "==",
            (Kind::Warning, _) => "!?",
            (Kind::Boundary, _) if ascii => "##",
            (Kind::Boundary, _) => "══",
            (Kind::Finding, _) => "!!",
            (Kind::Error, _) => "**",
            (Kind::Draft, _) => "C+",
            (Kind::Local, _) => "--",
        }
    }

    /// The prefix of the entry's first row: time and marker.
    pub fn prefix(&self, ascii: bool) -> String {
        let time = match self.at {
            Some(at) => format!("{:>7.3}", at.as_secs_f64()),
            None => " ".repeat(7),
        };
        format!("{time} {} ", self.marker(ascii))
    }

    /// Rows this entry takes at `width` columns, measured line by line (the transcript's
    /// [`Entries::rows`](super::layout::Entries::rows) keeps the answer for long entries).
    pub fn rows(&self, width: usize) -> usize {
        let columns = text_width(width);
        self.lines.iter().map(|l| line_rows(l, columns)).sum()
    }

    /// The entry's rows at `width`: (is the first row of the entry, text of the row),
    /// wrapped at word boundaries ([`crate::wrap`]).
    pub fn wrapped(&self, width: usize) -> Vec<(bool, String)> {
        let text_width = text_width(width);
        let mut rows = Vec::new();
        for line in &self.lines {
            for row in crate::wrap::rows(line, text_width) {
                rows.push((rows.is_empty(), row.to_string_indented()));
            }
        }
        rows
    }

    /// The entry as plain text lines (for `/save`), one per logical line.
    pub fn plain(&self) -> Vec<String> {
        let prefix = self.prefix(true);
        let pad = " ".repeat(PREFIX_WIDTH);
        self.lines
            .iter()
            .enumerate()
            .map(|(i, line)| {
                format!("{}{line}", if i == 0 { &prefix } else { &pad })
                    .trim_end()
                    .to_string()
            })
            .collect()
    }
}

/// Columns for text at a transcript width of `width` (what the prefix leaves).
pub(super) fn text_width(width: usize) -> usize {
    width.saturating_sub(PREFIX_WIDTH).max(8)
}

/// Rows one line takes at `columns` text columns, wrapped at word boundaries: at least
/// one, even when empty.
pub fn line_rows(line: &str, columns: usize) -> usize {
    crate::wrap::count(line, columns)
}

/// The entries one event becomes.
pub fn from_event(event: &SessionEvent) -> Vec<Entry> {
    match event {
        SessionEvent::Connected { at, peer, took } => vec![Entry::new(
            Some(*at),
            Kind::Info,
            false,
            vec![format!("connected to {peer} in {}", millis(*took))],
        )],
        SessionEvent::Sent {
            at,
            layer,
            shown,
            bytes,
            ..
        } => vec![sent(*at, *layer == Layer::Tls, shown, bytes)],
        SessionEvent::Received {
            at,
            layer,
            reply,
            latency,
        } => received(*at, *layer == Layer::Tls, reply, *latency),
        SessionEvent::TlsEstablished { at, info } => vec![boundary(*at, info)],
        SessionEvent::Finding { at, finding } => {
            let mut lines = vec![escape_str(&finding.describe())];
            if let Finding::InjectedPlaintext { bytes } = finding {
                lines.push(format!("injected: {}", escape_bytes(bytes)));
            }
            vec![Entry::new(Some(*at), Kind::Finding, false, lines)]
        }
        SessionEvent::Note { at, text } => {
            let kind = if text.starts_with("warning:") {
                Kind::Warning
            } else {
                Kind::Info
            };
            vec![Entry::new(Some(*at), kind, false, vec![escape_str(text)])]
        }
        SessionEvent::Failed { at, failure } => vec![Entry::new(
            Some(*at),
            Kind::Error,
            false,
            vec![escape_str(failure.describe())],
        )],
        SessionEvent::Closed { at, by_peer } => vec![Entry::new(
            Some(*at),
            Kind::Info,
            false,
            vec![format!(
                "connection closed{} — /reconnect starts over",
                if *by_peer { " by the server" } else { "" }
            )],
        )],
    }
}

/// A client line; a message is shown as the wire lines, so dot-stuffing is visible
/// ([RFC 5321 §4.5.2](https://www.rfc-editor.org/rfc/rfc5321#section-4.5.2)).
fn sent(at: Duration, tls: bool, shown: &str, bytes: &[u8]) -> Entry {
    let mut lines = vec![escape_str(shown)];
    if shown.starts_with("<message:") {
        let body = bytes.strip_suffix(b"\r\n").unwrap_or(bytes);
        for line in body.split(|&b| b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let text = escape_bytes(line);
            lines.push(match line {
                b"." => "| .   (end of message)".to_string(),
                l if l.starts_with(b"..") => format!("| {text}   (dot-stuffed)"),
                _ => format!("| {text}"),
            });
        }
    }
    Entry::new(Some(at), Kind::Client, tls, lines)
}

fn received(at: Duration, tls: bool, reply: &Reply, latency: Option<Duration>) -> Vec<Entry> {
    let count = reply.lines.len();
    let mut lines: Vec<String> = reply
        .lines
        .iter()
        .map(|line| {
            let content = line
                .raw
                .strip_suffix(b"\r\n")
                .or_else(|| line.raw.strip_suffix(b"\n"))
                .unwrap_or(&line.raw);
            escape_bytes(content)
        })
        .collect();
    // RFC 4954 §4: a 334's text is base64; show what it says beside it.
    if reply.code() == Some(334)
        && let (Some(last), Some(line)) = (lines.last_mut(), reply.lines.last())
    {
        last.push_str(&format!(
            "  [{}]",
            crate::proto::auth::view::challenge_text(line.text())
        ));
    }
    if let (Some(last), Some(latency)) = (lines.last_mut(), latency) {
        last.push_str(&format!("   ({})", millis(latency)));
    }
    if count == 0 {
        lines.push("(empty reply)".into());
    }
    let mut entry = Entry::new(Some(at), Kind::Server(reply.severity()), tls, lines);
    entry.reply = Some(Box::new(reply.clone()));
    let mut out = vec![entry];
    let flags = reply.malformations();
    if !flags.is_empty() {
        let words: Vec<&str> = flags.iter().map(|m| m.describe()).collect();
        out.push(Entry::new(
            Some(at),
            Kind::Finding,
            tls,
            vec![format!("malformed reply: {}", words.join("; "))],
        ));
    }
    out
}

/// The TLS boundary: what was negotiated, and the verdict in words
/// ([RFC 3207 §4.2](https://www.rfc-editor.org/rfc/rfc3207#section-4.2): all that follows is
/// a new session).
fn boundary(at: Duration, info: &TlsInfo) -> Entry {
    let version = info.version.replace("TLSv", "TLS ");
    let mut head = format!("{} · {}", escape_str(&version), info.cipher_suite);
    if let Some(group) = &info.key_exchange_group {
        head.push_str(&format!(" · {group}"));
    }
    head.push_str(&format!(" · {}", millis(info.handshake)));
    let verdict = if info.verdict.ok() {
        "VERIFIED"
    } else {
        "NOT verified"
    };
    Entry::new(
        Some(at),
        Kind::Boundary,
        true,
        vec![
            head,
            format!(
                "certificate {verdict}: {}",
                escape_str(&info.verdict.summary())
            ),
        ],
    )
}

fn millis(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.0} ms")
    }
}
