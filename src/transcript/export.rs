//! `smtpx export`: a transcript as swaks-style text, as markdown for an issue, as one
//! JSON document, or as its sequence diagram (Mermaid, SVG: `diagram.rs`).
//!
//! Text markers: `->`/`<-` client and server in plaintext, `~>`/`<~` inside TLS, `===`
//! smtpx's own lines, `!!!` findings, `***` failures. Lines end in CRLF unless marked
//! (`<LF>`, `\r`, `<no line end>`). Every byte from the file is escaped
//! before it is shown (the file is untrusted, like the server it recorded).
//!
//! Layer: transcript (pure: a transcript in, a string out).

use std::fmt::Write;

use super::format::{EventLine, Redaction};
use super::read::Transcript;
use super::summary::Summary;
use crate::event::{Layer, SessionEvent};
use crate::proto::text::{escape_bytes, escape_str};

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Text,
    Markdown,
    Json,
    /// The sequence diagram as a Mermaid `sequenceDiagram`.
    Mermaid,
    /// The sequence diagram as a standalone SVG.
    Svg,
    /// One self-contained page: summary, diagram, explained transcript, certificate,
    /// timeline (`html.rs`).
    Html,
}

pub fn export(transcript: &Transcript, format: ExportFormat) -> String {
    match format {
        ExportFormat::Text => text(transcript),
        ExportFormat::Markdown => markdown(transcript),
        ExportFormat::Json => json(transcript),
        ExportFormat::Mermaid => super::diagram::mermaid(transcript),
        ExportFormat::Svg => super::diagram::svg(transcript),
        ExportFormat::Html => super::html::page(transcript),
    }
}

/// The swaks-style plaintext transcript.
pub fn text(transcript: &Transcript) -> String {
    let h = &transcript.header;
    let mut out = format!(
        "=== smtpx transcript of {}:{} ({}), started {}, recorded by smtpx {}\n",
        escape_str(&h.target.host),
        h.target.port,
        h.transport.name(),
        escape_str(&h.started),
        escape_str(&h.smtpx)
    );
    for warning in &transcript.warnings {
        let _ = writeln!(out, "=== warning: {}", escape_str(warning));
    }
    for entry in &transcript.entries {
        for line in entry_lines(entry) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// The text lines of one entry: a sent body or chunk the file left out (`--redact-body`,
/// or past the cap on what a transcript keeps) as its recorded words, which say so — the
/// bytes kept (a BDAT command line) would read as if that were all that was sent.
pub(super) fn entry_lines(entry: &super::read::Entry) -> Vec<String> {
    match (&entry.event, &entry.annotation.redacted) {
        (SessionEvent::Sent { layer, shown, .. }, Some(Redaction::Body { .. })) => {
            let marker = if *layer == Layer::Tls { "~>" } else { "->" };
            vec![format!("{marker} {}", escape_str(shown))]
        }
        _ => event_lines(&entry.event, entry.annotation.by_person),
    }
}

/// The text lines of one event.
pub fn event_lines(event: &SessionEvent, by_person: bool) -> Vec<String> {
    let tls = |layer: &Layer| *layer == Layer::Tls;
    match event {
        SessionEvent::Connected { peer, took, .. } => vec![format!(
            "=== connected to {peer} in {:.1} ms",
            took.as_secs_f64() * 1000.0
        )],
        SessionEvent::Sent {
            layer,
            shown,
            bytes,
            secret,
            ..
        } => {
            let marker = if tls(layer) { "~>" } else { "->" };
            if *secret || bytes.is_empty() {
                vec![format!("{marker} {}", escape_str(shown))]
            } else {
                wire_lines(bytes)
                    .into_iter()
                    .map(|l| format!("{marker} {l}"))
                    .collect()
            }
        }
        SessionEvent::Received { layer, reply, .. } => {
            let marker = if tls(layer) { "<~" } else { "<-" };
            let mut out: Vec<String> = wire_lines(&reply.raw())
                .into_iter()
                .map(|l| format!("{marker} {l}"))
                .collect();
            let flags = reply.malformations();
            if !flags.is_empty() {
                let words: Vec<&str> = flags.iter().map(|m| m.describe()).collect();
                out.push(format!("!!! malformed reply: {}", words.join("; ")));
            }
            out
        }
        SessionEvent::TlsEstablished { info, .. } => {
            let mut head = format!(
                "=== TLS {} · {}",
                escape_str(&info.version),
                escape_str(&info.cipher_suite)
            );
            if let Some(group) = &info.key_exchange_group {
                let _ = write!(head, " · {}", escape_str(group));
            }
            let mut out = vec![
                head,
                format!("=== certificate: {}", escape_str(&info.verdict.summary())),
            ];
            for (i, cert) in crate::net::cert::summarize_chain(&info.chain_der)
                .iter()
                .enumerate()
            {
                out.push(format!(
                    "===     [{i}] subject {} · issuer {}",
                    // Already escaped when decoded (net::cert): escaping again would
                    // double every backslash.
                    cert.subject.as_deref().unwrap_or("?"),
                    cert.issuer.as_deref().unwrap_or("?"),
                ));
            }
            out
        }
        SessionEvent::Finding { finding, .. } => {
            vec![format!("!!! {}", escape_str(&finding.describe()))]
        }
        SessionEvent::Note { text, .. } if by_person => {
            vec![format!("=== note: {}", escape_str(text))]
        }
        SessionEvent::Note { text, .. } => vec![format!("=== {}", escape_str(text))],
        SessionEvent::Failed { failure, .. } => {
            vec![format!("*** {}", escape_str(failure.describe()))]
        }
        SessionEvent::Closed { by_peer, .. } => vec![format!(
            "=== connection closed{}",
            if *by_peer { " by the server" } else { "" }
        )],
    }
}

/// Marks a line that ended with a bare LF on the wire (not CRLF).
pub const BARE_LF: &str = "<LF>";
/// Marks bytes that end with no line end at all (the last line of a BDAT chunk, a cut-off
/// reply).
pub const NO_LINE_END: &str = "<no line end>";

/// Bytes as display lines: split after each LF, the rest escaped. A CRLF line end is
/// implied, as in swaks; every other ending is shown as it was on the wire — a bare LF as
/// [`BARE_LF`], a bare CR as `\r`, none as [`NO_LINE_END`] — so a deliberate `\n.\n`
/// (the SMTP smuggling shape, [RFC 5321 §2.3.8](https://www.rfc-editor.org/rfc/rfc5321#section-2.3.8))
/// never reads as an ordinary end of message.
fn wire_lines(bytes: &[u8]) -> Vec<String> {
    bytes
        .split_inclusive(|&b| b == b'\n')
        .map(|line| {
            if let Some(text) = line.strip_suffix(b"\r\n") {
                escape_bytes(text)
            } else if let Some(text) = line.strip_suffix(b"\n") {
                format!("{}{BARE_LF}", escape_bytes(text))
            } else {
                format!("{}{NO_LINE_END}", escape_bytes(line))
            }
        })
        .collect()
}

/// Ready to paste into an issue: a summary table and the text transcript, fenced.
pub fn markdown(transcript: &Transcript) -> String {
    let h = &transcript.header;
    let summary = Summary::of(transcript.events());
    let mut out = format!(
        "### SMTP session with `{}:{}`\n\n| | |\n|---|---|\n",
        cell(&h.target.host),
        h.target.port
    );
    let mut row = |key: &str, value: String| {
        let _ = writeln!(out, "| {key} | {value} |");
    };
    row("transport", h.transport.name().into());
    row(
        "recorded",
        format!("{} by smtpx {}", cell(&h.started), cell(&h.smtpx)),
    );
    match &summary.tls {
        Some(info) => {
            let mut tls = format!("{} · {}", cell(&info.version), cell(&info.cipher_suite));
            if let Some(group) = &info.key_exchange_group {
                let _ = write!(tls, " · {}", cell(group));
            }
            row("TLS", tls);
            let verdict = cell(&info.verdict.summary());
            row(
                "certificate",
                if info.verdict.ok() {
                    verdict
                } else {
                    format!("**{verdict}**")
                },
            );
        }
        None => row("TLS", "none (plaintext)".into()),
    }
    if let Some(caps) = summary.capabilities() {
        let list: Vec<String> = caps.iter().map(|c| format!("`{}`", cell(c))).collect();
        row("capabilities", list.join(" "));
    }
    for finding in &summary.findings {
        row("finding", cell(finding));
    }
    row(
        "outcome",
        match (&summary.failure, &summary.partly) {
            (Some(failure), _) => format!("failed: `{}`", cell(failure)),
            (None, Some(partly)) => format!(
                "{} of {} recipients accepted; refused: `{}`",
                partly.accepted,
                partly.recipients,
                cell(&partly.first)
            ),
            (None, None) => "no failure".into(),
        },
    );
    // The diagram's text holds no backtick (Mermaid entity codes), so a plain fence holds.
    let _ = write!(
        out,
        "\n```mermaid\n{}```\n",
        super::diagram::mermaid(transcript)
    );
    let body = text(transcript);
    let fence = if body.contains("```") { "````" } else { "```" };
    let _ = write!(out, "\n{fence}text\n{body}{fence}\n");
    out
}

/// Text for a markdown table cell: escaped, pipes and backticks neutralised.
fn cell(text: &str) -> String {
    escape_str(text).replace('|', "\\|").replace('`', "'")
}

/// One JSON document: `{"header": …, "events": [ … ], "warnings": [ … ]}`, the events in the
/// file's own line format.
pub fn json(transcript: &Transcript) -> String {
    let events: Vec<serde_json::Value> = transcript
        .entries
        .iter()
        .filter_map(|entry| {
            let mut line = EventLine::from_event(&entry.event);
            if let super::format::EventKind::Sent { redacted, data, .. } = &mut line.kind {
                if entry.annotation.redacted.is_some() {
                    *redacted = entry.annotation.redacted.clone();
                    if data.text.as_deref() == Some("") {
                        *data = super::format::Payload::none();
                    }
                }
            }
            if let super::format::EventKind::Note { author, .. } = &mut line.kind {
                if entry.annotation.by_person {
                    *author = "person".into();
                }
            }
            serde_json::to_value(line).ok()
        })
        .collect();
    let document = serde_json::json!({
        "header": transcript.header,
        "events": events,
        "warnings": transcript.warnings,
    });
    crate::output::safe_json(serde_json::to_string_pretty(&document).unwrap_or_default()) + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_is_implied_and_every_other_line_end_is_shown() {
        assert_eq!(wire_lines(b"EHLO me\r\n"), ["EHLO me"]);
        assert_eq!(
            wire_lines(b"caf\xc3\xa9\n.\n"),
            ["café<LF>", ".<LF>"],
            "a deliberate LF.LF ending must not read as an end of message"
        );
        assert_eq!(
            wire_lines(b"a\r\nb\rc\r\n.\r\n"),
            ["a", "b\\rc", "."],
            "a bare CR inside a line stays visible"
        );
        assert_eq!(
            wire_lines(b"BDAT 5 LAST\r\nhello"),
            ["BDAT 5 LAST", "hello<no line end>"]
        );
    }

    #[test]
    fn text_and_markdown_exports_mark_a_bare_lf_ending() {
        use crate::event::{Layer, SessionEvent};
        use crate::transcript::format::{Annotation, Header, Transport};
        use crate::transcript::read::{Entry, Transcript};
        let sent = SessionEvent::Sent {
            at: std::time::Duration::ZERO,
            layer: Layer::Plain,
            shown: "<message>".into(),
            bytes: b"Subject: x\r\n\r\ncaf\xc3\xa9\n.\n".to_vec(),
            secret: false,
            revealed: None,
        };
        let transcript = Transcript {
            header: Header::new("mx.example.com", 25, Transport::Plain, 1_700_000_000),
            entries: vec![Entry {
                line: 2,
                event: sent,
                annotation: Annotation::default(),
            }],
            warnings: Vec::new(),
        };
        for format in [ExportFormat::Text, ExportFormat::Markdown] {
            let out = export(&transcript, format);
            assert!(out.contains("-> café<LF>\n-> .<LF>\n"), "{out}");
            assert!(out.contains("-> Subject: x\n-> \n"), "{out}");
        }
    }
}
