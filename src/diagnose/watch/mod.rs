//! Diagnosis of a live or replayed session: a [`Watcher`] reads the [`SessionEvent`]s a
//! driver emits and says when one of the classic failures shows up — STARTTLS missing from
//! the plaintext EHLO reply, AUTH tried before STARTTLS on a port that hides it, a `530`,
//! `535` or relay refusal, a certificate for another name — and every protocol breach
//! ([`super::breach`]: a code that changes mid-reply, DATA answered without `354`).
//! [`watch`] wraps an event sink so that each diagnosis and breach follows the event that
//! caused it as a [`SessionEvent::Note`].
//!
//! Layer: diagnosis (reads driver events; no I/O).

use std::collections::VecDeque;
use std::time::Duration;

use crate::event::{EventSink, Layer, SessionEvent};
use crate::proto::capability::Capabilities;

use super::breach::{self, Breach};
use super::{Audience, Diagnosis};

/// Session state the diagnoses depend on. Each kind of diagnosis is reported once.
#[derive(Debug, Clone, Default)]
pub struct Watcher {
    port: u16,
    /// Whose words the notes of [`watch_for`] use.
    audience: Audience,
    /// The verbs of commands sent whose replies have not come, oldest first: pipelined
    /// commands (several lines in one `/raw`) are answered in order
    /// ([RFC 2920 §3](https://www.rfc-editor.org/rfc/rfc2920#section-3)).
    awaiting: VecDeque<String>,
    /// The verb the latest reply answered (`AUTH` stays through a SASL exchange, `DATA`
    /// through the message, whose lines are not commands).
    last_verb: Option<String>,
    /// What the plaintext EHLO reply advertised.
    plain_caps: Option<Capabilities>,
    /// The SASL mechanisms the last EHLO reply advertised (before or inside TLS).
    offered: Vec<String>,
    /// The mechanism of the last AUTH command.
    mechanism: Option<String>,
    authenticated: bool,
    reported: Vec<&'static str>,
    /// DATA was sent and its reply (354 or not) has not come yet.
    awaiting_data_go: bool,
    /// Protocol breaches seen since [`Watcher::take_breaches`] last ran.
    breaches: Vec<Breach>,
}

impl Watcher {
    /// A watcher for a session to `port`.
    pub fn new(port: u16) -> Watcher {
        Watcher {
            port,
            ..Watcher::default()
        }
    }

    /// The diagnoses this event gives, not reported before.
    pub fn observe(&mut self, event: &SessionEvent) -> Vec<Diagnosis> {
        let found = match event {
            SessionEvent::Sent { shown, bytes, .. } => {
                self.sent(shown, bytes);
                None
            }
            SessionEvent::Received { layer, reply, .. } => {
                let answers_data = std::mem::take(&mut self.awaiting_data_go);
                // A 334 continues the exchange its AUTH began: that AUTH still awaits.
                let answered = if reply.code() == Some(334) {
                    self.awaiting.front().cloned()
                } else {
                    self.awaiting.pop_front()
                };
                if answered.is_some() {
                    self.last_verb = answered;
                }
                self.awaiting_data_go = self.awaiting.front().is_some_and(|v| v == "DATA");
                let verb = self.last_verb.as_deref();
                let answers_auth = verb == Some("AUTH");
                self.breaches
                    .extend(breach::reply(reply, answers_data, answers_auth));
                if verb == Some("AUTH") && *layer == Layer::Plain && self.auth_hidden(reply) {
                    Some(Diagnosis::AuthOnlyAfterStartTls { port: self.port })
                } else if verb == Some("EHLO") && reply.code() == Some(250) {
                    let caps = Capabilities::from_ehlo_reply(reply);
                    self.offered = caps.auth_mechanisms();
                    let missing = !caps.starttls();
                    if *layer == Layer::Plain {
                        self.plain_caps = Some(caps);
                        missing.then_some(Diagnosis::StartTlsNotOffered { port: self.port })
                    } else {
                        None
                    }
                } else if reply.code() == Some(235) {
                    self.authenticated = true;
                    None
                } else {
                    match super::reply(reply, verb, self.authenticated) {
                        Some(Diagnosis::MechanismNotSupported { reply, .. }) => {
                            Some(Diagnosis::MechanismNotSupported {
                                reply,
                                mechanism: self.mechanism.clone(),
                                offered: self.offered.clone(),
                            })
                        }
                        other => other,
                    }
                }
            }
            SessionEvent::TlsEstablished { info, .. } => super::certificate(&info.verdict),
            // TLS on connect that met plaintext: the probe quotes the greeting from the
            // transport's error (the event has only its length); the explorer says it here.
            SessionEvent::Failed { failure, .. } => super::failure(&failure.cause, self.port)
                .filter(|d| {
                    self.audience == Audience::Explorer
                        || !matches!(d, Diagnosis::PlaintextPort { .. })
                }),
            // A new connection starts a new conversation: what was said is said again.
            SessionEvent::Connected { .. } => {
                *self = Watcher {
                    port: self.port,
                    audience: self.audience,
                    ..Watcher::default()
                };
                None
            }
            _ => None,
        };
        let Some(diagnosis) = found else {
            return Vec::new();
        };
        // "Send STARTTLS first" was already said in its better form.
        let redundant = matches!(diagnosis, Diagnosis::StartTlsRequired { .. })
            && self.reported.contains(&"auth_only_after_starttls");
        if redundant || self.reported.contains(&diagnosis.name()) {
            return Vec::new();
        }
        self.reported.push(diagnosis.name());
        vec![diagnosis]
    }

    /// The protocol breaches the events observed so far showed, each said once.
    pub fn take_breaches(&mut self) -> Vec<Breach> {
        std::mem::take(&mut self.breaches)
    }

    /// Notes the verbs of what was sent: one per command line (several when pipelined
    /// with `/raw`). SASL continuation lines and message content are shown as
    /// `<redacted N bytes>`, `<message: …>` (or `*` to cancel), never as a command: they add
    /// no verb, and their replies answer the AUTH or DATA before them.
    fn sent(&mut self, shown: &str, bytes: &[u8]) {
        if shown.starts_with('<') {
            return;
        }
        let lines: Vec<&[u8]> = if bytes.is_empty() {
            vec![shown.as_bytes()]
        } else {
            bytes
                .split(|&b| b == b'\n')
                .filter(|line| !line.is_empty() && *line != b"\r")
                .collect()
        };
        for line in lines {
            if let Some(verb) = verb_of(line) {
                if verb == "AUTH" {
                    self.mechanism = String::from_utf8_lossy(line)
                        .split_ascii_whitespace()
                        .nth(1)
                        .map(str::to_ascii_uppercase);
                }
                if verb == "DATA" && self.awaiting.is_empty() {
                    self.awaiting_data_go = true;
                }
                self.awaiting.push_back(verb);
            }
        }
    }

    /// Whether a refusal of AUTH on plaintext is the classic "AUTH only after STARTTLS":
    /// the plaintext EHLO offered STARTTLS and no AUTH, and the server says so — `530` or
    /// `538` ([RFC 4954 §6](https://www.rfc-editor.org/rfc/rfc4954#section-6)), or a `5yz`
    /// that names TLS or AUTH not being enabled (Postfix: `503 5.5.1 Error: authentication
    /// not enabled`). A `503` for a bad sequence is not this.
    fn auth_hidden(&self, reply: &crate::proto::reply::Reply) -> bool {
        let hidden = self
            .plain_caps
            .as_ref()
            .is_some_and(|caps| caps.starttls() && !caps.auth());
        let text: String = reply
            .text_lines()
            .collect::<Vec<_>>()
            .join(" ")
            .to_ascii_lowercase();
        let says_so = match reply.code() {
            Some(530 | 538) => true,
            Some(500..=599) => {
                text.contains("not enabled") || text.contains("tls") || text.contains("encrypt")
            }
            _ => false,
        };
        hidden && says_so
    }
}

/// The command verb a line starts with (four letters or more, as every SMTP verb), upper
/// case; `None` for a SASL response or anything else.
fn verb_of(line: &[u8]) -> Option<String> {
    let line = String::from_utf8_lossy(line);
    let word = line
        .trim_start()
        .split([' ', ':', '\r'])
        .next()
        .unwrap_or_default();
    (word.len() >= 4 && word.bytes().all(|b| b.is_ascii_alphabetic()))
        .then(|| word.to_ascii_uppercase())
}

fn event_time(event: &SessionEvent) -> Option<Duration> {
    match event {
        SessionEvent::Sent { at, .. }
        | SessionEvent::Received { at, .. }
        | SessionEvent::TlsEstablished { at, .. }
        | SessionEvent::Failed { at, .. } => Some(*at),
        _ => None,
    }
}

/// Wraps `sink`: every event passes through unchanged, followed by a
/// [`SessionEvent::Note`] for each protocol breach (`protocol breach: …`) and each
/// diagnosis (`diagnosis: …`) it gives, with command-line advice.
pub fn watch(sink: EventSink, port: u16) -> EventSink {
    watch_for(sink, port, Audience::CommandLine)
}

/// [`watch`], with the advice of each diagnosis phrased for `audience`.
pub fn watch_for(mut sink: EventSink, port: u16, audience: Audience) -> EventSink {
    let mut watcher = Watcher::new(port);
    watcher.audience = audience;
    Box::new(move |event| {
        let at = event_time(&event);
        let found = watcher.observe(&event);
        let breaches = watcher.take_breaches();
        sink(event);
        let notes = breaches
            .iter()
            .map(Breach::note)
            .chain(found.iter().map(|d| d.note_for(watcher.audience)));
        for text in notes {
            sink(SessionEvent::Note {
                at: at.unwrap_or_default(),
                text,
            });
        }
    })
}

#[cfg(test)]
mod tests;
