//! A recording turned into a script (one per connection): the greeting, then each client step (a command line, a
//! SASL answer, a message body, a BDAT chunk) with the replies the server gave to it. Both
//! `replay --serve` (plays the server side) and `replay --against` (plays the client side)
//! walk this script.
//!
//! Matching a client line against the recorded one is here too, with no I/O, so it is
//! tested as a table: commands compare by verb; an EHLO/HELO name, MAIL/RCPT addresses and
//! parameters may differ (reported, tolerated) — a client under test rarely uses the same
//! name and addresses as the one recorded; a different verb is a divergence.
//!
//! Layer: transcript (pure).

use std::time::Duration;

use super::format::Redaction;
use super::read::{Entry, Transcript};
use crate::event::SessionEvent;
use crate::event::Shown;
use crate::proto::text::escape_bytes;

/// One reply as recorded, with how long the server took to send it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub bytes: Vec<u8>,
    pub delay: Duration,
}

impl Recorded {
    /// The reply code (first three digits), if the bytes start with one.
    pub fn code(&self) -> Option<u16> {
        let digits = self.bytes.get(..3)?;
        std::str::from_utf8(digits).ok()?.parse().ok()
    }
}

/// What a client step was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    /// A command line.
    Command,
    /// An answer to a 334 challenge ([RFC 4954 §4](https://www.rfc-editor.org/rfc/rfc4954#section-4)).
    SaslAnswer,
    /// DATA content after a 354, up to and including the end marker
    /// ([RFC 5321 §4.5.2](https://www.rfc-editor.org/rfc/rfc5321#section-4.5.2)).
    Body,
    /// A `BDAT n [LAST]` line and its chunk ([RFC 3030 §2](https://www.rfc-editor.org/rfc/rfc3030#section-2)).
    Bdat,
}

/// One thing the client sent and what came back.
#[derive(Debug, Clone)]
pub struct Step {
    pub kind: StepKind,
    /// The recorded bytes; empty when redacted.
    pub sent: Vec<u8>,
    /// Display form (with the redaction marker for secrets).
    pub shown: Shown,
    pub secret: bool,
    pub redacted: Option<Redaction>,
    /// Replies to this step (normally one; none if the connection ended).
    pub replies: Vec<Recorded>,
    /// A TLS handshake followed this step's reply (STARTTLS).
    pub starts_tls: bool,
}

impl Step {
    /// The command line as text: the recorded bytes up to the first line end, or the
    /// display form when the bytes were redacted.
    pub fn line(&self) -> String {
        if self.sent.is_empty() {
            return self.shown.to_string();
        }
        let end = self
            .sent
            .iter()
            .position(|&b| b == b'\r' || b == b'\n')
            .unwrap_or(self.sent.len());
        String::from_utf8_lossy(&self.sent[..end]).into_owned()
    }
}

/// The whole recorded session as steps.
#[derive(Debug, Clone, Default)]
pub struct Script {
    /// TLS started before the greeting ([RFC 8314 §3](https://www.rfc-editor.org/rfc/rfc8314#section-3)).
    pub implicit_tls: bool,
    pub greeting: Option<Recorded>,
    pub steps: Vec<Step>,
    /// The server's leaf certificate (DER), if TLS was recorded.
    pub leaf: Option<Vec<u8>>,
}

impl Script {
    /// Builds the script. Pipelined commands (several sent before the replies) get their
    /// replies in order.
    pub fn of(transcript: &Transcript) -> Script {
        Script::of_entries(transcript, &transcript.entries)
    }

    /// One script per connection of the recording, in order: a recording holds several
    /// when the explorer's `/reconnect` was used. Events before the first connection
    /// (none, normally) belong to the first.
    pub fn connections(transcript: &Transcript) -> Vec<Script> {
        let mut groups: Vec<&[Entry]> = Vec::new();
        let entries = &transcript.entries;
        let mut start = 0;
        let mut connected = false;
        for (i, entry) in entries.iter().enumerate() {
            if matches!(entry.event, SessionEvent::Connected { .. }) {
                if connected {
                    groups.push(&entries[start..i]);
                    start = i;
                }
                connected = true;
            }
        }
        groups.push(&entries[start..]);
        groups
            .into_iter()
            .map(|group| Script::of_entries(transcript, group))
            .collect()
    }

    fn of_entries(transcript: &Transcript, entries: &[Entry]) -> Script {
        let mut script = Script {
            implicit_tls: transcript.header.transport == super::Transport::ImplicitTls,
            ..Script::default()
        };
        // Index of the oldest step still waiting for its reply.
        let mut waiting = 0;
        let mut last_at = Duration::ZERO;
        let mut after_354 = false;
        let mut after_334 = false;
        for entry in entries {
            match &entry.event {
                SessionEvent::Connected { at, .. } => last_at = *at,
                SessionEvent::Sent {
                    at,
                    shown,
                    bytes,
                    secret,
                    ..
                } => {
                    last_at = *at;
                    let redacted = entry.annotation.redacted.clone();
                    let is_body = matches!(redacted, Some(Redaction::Body { .. }));
                    let kind = if bytes.len() >= 5 && bytes[..5].eq_ignore_ascii_case(b"BDAT ") {
                        StepKind::Bdat
                    } else if after_354 || (is_body && !after_334) {
                        StepKind::Body
                    } else if after_334 {
                        StepKind::SaslAnswer
                    } else {
                        StepKind::Command
                    };
                    after_354 = false;
                    after_334 = false;
                    script.steps.push(Step {
                        kind,
                        sent: bytes.clone(),
                        shown: shown.clone(),
                        secret: *secret,
                        redacted,
                        replies: Vec::new(),
                        starts_tls: false,
                    });
                }
                SessionEvent::Received {
                    at, reply, latency, ..
                } => {
                    let delay = latency.unwrap_or_else(|| at.saturating_sub(last_at));
                    let recorded = Recorded {
                        bytes: reply.raw(),
                        delay,
                    };
                    after_354 = recorded.code() == Some(354);
                    after_334 = recorded.code() == Some(334);
                    if script.steps.is_empty() && script.greeting.is_none() {
                        script.greeting = Some(recorded);
                        continue;
                    }
                    // Pipelining: a step that already has its reply passes the next one on.
                    while waiting + 1 < script.steps.len()
                        && !script.steps[waiting].replies.is_empty()
                    {
                        waiting += 1;
                    }
                    if let Some(step) = script.steps.get_mut(waiting) {
                        step.replies.push(recorded);
                    }
                }
                SessionEvent::TlsEstablished { info, .. } => {
                    if script.leaf.is_none() {
                        script.leaf = info.chain_der.first().cloned();
                    }
                    match script.steps.last_mut() {
                        Some(step) => step.starts_tls = true,
                        None => script.implicit_tls = true,
                    }
                }
                _ => {}
            }
        }
        script
    }

    /// Whether a message body was left out of the file (`--redact-body`).
    pub fn has_redacted_body(&self) -> bool {
        self.steps
            .iter()
            .any(|s| matches!(s.redacted, Some(Redaction::Body { .. })))
    }
}

/// How a client line compares with the recorded one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    /// Byte for byte the same.
    Exact,
    /// The same command with other arguments; the text says what differs.
    Tolerated(String),
    /// A different command: the recording has no reply for it.
    Diverged,
}

/// The verb of a command line, upper-cased (`MAIL`, `RCPT`, `EHLO`, `AUTH PLAIN`…).
pub fn verb(line: &str) -> String {
    let mut words = line.split_ascii_whitespace();
    let first = words.next().unwrap_or("").to_ascii_uppercase();
    if first == "AUTH" {
        let mechanism = words.next().unwrap_or("").to_ascii_uppercase();
        return format!("AUTH {mechanism}");
    }
    // `MAIL FROM:<a>` and `MAIL  FROM:<a>` are the same command.
    first.split(':').next().unwrap_or("").to_string()
}

/// Compares what a client sent (one line, without its line end) with the recorded step.
pub fn compare(step: &Step, client_line: &[u8]) -> Match {
    let client = String::from_utf8_lossy(client_line).into_owned();
    if step.kind == StepKind::SaslAnswer {
        return if step.sent.is_empty() {
            Match::Tolerated("a redacted SASL answer: accepted as sent".into())
        } else if trim_crlf(&step.sent) == client_line {
            Match::Exact
        } else {
            Match::Tolerated("the SASL answer differs from the recording: answered anyway".into())
        };
    }
    let recorded = step.line();
    let (want, got) = (verb(&recorded), verb(&client));
    if want != got || want.is_empty() {
        return Match::Diverged;
    }
    // The same line, or the same but for the verb's case (`data` for `DATA`).
    let rest = |line: &str| line.split_once(' ').map(|(_, r)| r.to_string());
    if !step.sent.is_empty() && (recorded == client || rest(&recorded) == rest(&client)) {
        return Match::Exact;
    }
    let what = match want.as_str() {
        "EHLO" | "HELO" | "LHLO" => "the client name differs",
        "MAIL" | "RCPT" => "the address or parameters differ",
        w if w.starts_with("AUTH") => {
            if step.secret {
                return Match::Tolerated("redacted credentials: accepted as sent".into());
            }
            "the credentials differ"
        }
        _ => "the arguments differ",
    };
    Match::Tolerated(format!(
        "{what} (recorded \"{}\"): tolerated",
        escape_bytes(recorded.as_bytes())
    ))
}

fn trim_crlf(bytes: &[u8]) -> &[u8] {
    let mut end = bytes.len();
    while end > 0 && matches!(bytes[end - 1], b'\r' | b'\n') {
        end -= 1;
    }
    &bytes[..end]
}

#[cfg(test)]
mod tests;
