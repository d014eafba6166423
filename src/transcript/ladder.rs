//! A session as a sequence diagram ("ladder"): client and server as two columns, one arrow per
//! command and per reply, the TLS handshake as a band across both, latencies on the replies,
//! refusals marked. Folded from [`SessionEvent`]s by a pure function, so the explorer's live
//! view, a replay at any step and the Mermaid and SVG exports draw the same rungs.
//!
//! Every label is escaped here (server text is untrusted), so a renderer only lays it out;
//! the Mermaid and SVG writers escape again for their own syntax.
//!
//! Layer: transcript (pure: events in, rungs out).

use std::time::Duration;

use crate::event::{Layer, SessionEvent};
use crate::proto::reply::Severity;
use crate::proto::text::escape_str;

/// Which way a rung points, or whether it spans both columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// A command (or message content) from the client.
    ToServer,
    /// A reply from the server.
    ToClient,
    /// Something about the connection itself (connected, TLS, closed, failed, a note):
    /// drawn across both columns.
    Across,
}

/// What a rung stands for (decides its style).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RungKind {
    Connect,
    Command,
    /// Message content (after 354, or a BDAT chunk).
    Content,
    Reply,
    /// The TLS handshake completed: the band where the protected part begins.
    Tls,
    /// A finding (injected bytes, unverified certificate, AUTH over plaintext).
    Finding,
    Note,
    Closed,
    Failed,
}

/// How a reply went, for marking refusals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Positive,
    /// 3yz: the server waits for more (354, 334).
    Intermediate,
    /// 4yz.
    Transient,
    /// 5yz.
    Permanent,
    /// No code (a broken or partial reply).
    Unknown,
}

impl Outcome {
    pub fn is_refusal(self) -> bool {
        matches!(self, Outcome::Transient | Outcome::Permanent)
    }
}

/// One arrow or band.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rung {
    pub kind: RungKind,
    pub flow: Flow,
    /// Time since the session started.
    pub at: Duration,
    /// One line, escaped: the command as shown (secrets redacted), a reply's first line.
    pub label: String,
    /// Lines of a multi-line reply beyond the first (folded into the label's count).
    pub more_lines: usize,
    /// Whether the rung travelled inside TLS.
    pub tls: bool,
    /// A reply's latency (time since the command it answers was sent).
    pub latency: Option<Duration>,
    pub outcome: Option<Outcome>,
}

impl Rung {
    /// The label with the folded line count: `250 mx.example (+7 lines)`.
    pub fn text(&self) -> String {
        match self.more_lines {
            0 => self.label.clone(),
            1 => format!("{} (+1 line)", self.label),
            n => format!("{} (+{n} lines)", self.label),
        }
    }

    /// The latency in words: `1.2 ms`, `340 ms`, `2.5 s`.
    pub fn latency_text(&self) -> Option<String> {
        self.latency.map(human)
    }
}

/// A duration for a person, at the precision that matters for it.
pub fn human(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.1} s", ms / 1000.0)
    }
}

/// The rungs so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ladder {
    pub rungs: Vec<Rung>,
}

impl Ladder {
    /// The ladder of a whole list of events (a recording, a test).
    pub fn of<'a>(events: impl IntoIterator<Item = &'a SessionEvent>) -> Ladder {
        let mut ladder = Ladder::default();
        for event in events {
            ladder.observe(event);
        }
        ladder
    }

    /// Folds one event in.
    pub fn observe(&mut self, event: &SessionEvent) {
        let rung = match event {
            SessionEvent::Connected { at, peer, took } => Rung {
                kind: RungKind::Connect,
                flow: Flow::Across,
                at: *at,
                label: format!("TCP connected to {peer}"),
                more_lines: 0,
                tls: false,
                latency: Some(*took),
                outcome: None,
            },
            SessionEvent::Sent {
                at, layer, shown, ..
            } => {
                let text = shown.to_string();
                let content = text.starts_with('<');
                let first = text.split(['\r', '\n']).find(|l| !l.is_empty());
                Rung {
                    kind: if content {
                        RungKind::Content
                    } else {
                        RungKind::Command
                    },
                    flow: Flow::ToServer,
                    at: *at,
                    label: escape_str(first.unwrap_or("")),
                    more_lines: 0,
                    tls: *layer == Layer::Tls,
                    latency: None,
                    outcome: None,
                }
            }
            SessionEvent::Received {
                at,
                layer,
                reply,
                latency,
            } => {
                let mut lines = reply.text_lines();
                let text = lines
                    .next()
                    .map(|l| escape_str(l.trim_end_matches(['\r', '\n'])))
                    .unwrap_or_default();
                let first = match reply.code() {
                    Some(code) if text.is_empty() => code.to_string(),
                    Some(code) => format!("{code} {text}"),
                    None => text,
                };
                let more = lines.count();
                let outcome = match reply.severity() {
                    Severity::PositiveCompletion => Outcome::Positive,
                    Severity::PositiveIntermediate => Outcome::Intermediate,
                    Severity::TransientNegative => Outcome::Transient,
                    Severity::PermanentNegative => Outcome::Permanent,
                    Severity::Unknown => Outcome::Unknown,
                };
                Rung {
                    kind: RungKind::Reply,
                    flow: Flow::ToClient,
                    at: *at,
                    label: first,
                    more_lines: more,
                    tls: *layer == Layer::Tls,
                    latency: *latency,
                    outcome: Some(outcome),
                }
            }
            SessionEvent::TlsEstablished { at, info } => {
                let verdict = if info.verdict.ok() {
                    "certificate verified"
                } else {
                    "certificate NOT verified"
                };
                Rung {
                    kind: RungKind::Tls,
                    flow: Flow::Across,
                    at: *at,
                    label: format!("{} handshake · {verdict}", escape_str(&info.version)),
                    more_lines: 0,
                    tls: true,
                    latency: Some(info.handshake),
                    outcome: None,
                }
            }
            SessionEvent::Finding { at, finding } => Rung {
                kind: RungKind::Finding,
                flow: Flow::Across,
                at: *at,
                label: escape_str(&finding.describe()),
                more_lines: 0,
                tls: self.in_tls(),
                latency: None,
                outcome: None,
            },
            SessionEvent::Note { at, text } => Rung {
                kind: RungKind::Note,
                flow: Flow::Across,
                at: *at,
                label: escape_str(text),
                more_lines: 0,
                tls: self.in_tls(),
                latency: None,
                outcome: None,
            },
            SessionEvent::Failed { at, failure } => Rung {
                kind: RungKind::Failed,
                flow: Flow::Across,
                at: *at,
                label: escape_str(failure.describe()),
                more_lines: 0,
                tls: self.in_tls(),
                latency: None,
                outcome: None,
            },
            SessionEvent::Closed { at, by_peer } => Rung {
                kind: RungKind::Closed,
                flow: Flow::Across,
                at: *at,
                label: if *by_peer {
                    "connection closed by the server".into()
                } else {
                    "connection closed".into()
                },
                more_lines: 0,
                tls: false,
                latency: None,
                outcome: None,
            },
        };
        self.rungs.push(rung);
    }

    /// Whether the last rung was inside TLS (a note or failure inherits it).
    fn in_tls(&self) -> bool {
        self.rungs
            .last()
            .is_some_and(|r| r.tls && r.kind != RungKind::Closed)
    }

    /// How many replies were refusals (4yz, 5yz).
    pub fn refusals(&self) -> usize {
        self.rungs
            .iter()
            .filter(|r| r.outcome.is_some_and(Outcome::is_refusal))
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Shown;
    use crate::proto::reply::Reply;
    use std::net::SocketAddr;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn sent(at: u64, layer: Layer, text: &str) -> SessionEvent {
        SessionEvent::Sent {
            at: ms(at),
            layer,
            shown: Shown::plain(text),
            bytes: format!("{text}\r\n").into_bytes(),
            secret: false,
            revealed: None,
        }
    }

    fn received(at: u64, layer: Layer, raw: &[u8], latency: u64) -> SessionEvent {
        let reply = Reply::parse_all(raw)
            .expect("reply parses")
            .into_iter()
            .next()
            .expect("one reply");
        SessionEvent::Received {
            at: ms(at),
            layer,
            reply,
            latency: Some(ms(latency)),
        }
    }

    #[test]
    fn commands_and_replies_become_arrows_with_folded_lines_and_latency() {
        let peer: SocketAddr = "127.0.0.1:2525".parse().expect("address");
        let events = [
            SessionEvent::Connected {
                at: ms(0),
                peer,
                took: ms(1),
            },
            received(2, Layer::Plain, b"220 mx ESMTP\r\n", 1),
            sent(3, Layer::Plain, "EHLO me"),
            received(
                5,
                Layer::Plain,
                b"250-mx\r\n250-PIPELINING\r\n250 STARTTLS\r\n",
                2,
            ),
            sent(6, Layer::Plain, "MAIL FROM:<a@b>"),
            received(7, Layer::Plain, b"550 5.7.1 relay denied\r\n", 1),
            SessionEvent::Closed {
                at: ms(8),
                by_peer: true,
            },
        ];
        let ladder = Ladder::of(&events);
        let flows: Vec<Flow> = ladder.rungs.iter().map(|r| r.flow).collect();
        assert_eq!(
            flows,
            [
                Flow::Across,
                Flow::ToClient,
                Flow::ToServer,
                Flow::ToClient,
                Flow::ToServer,
                Flow::ToClient,
                Flow::Across
            ]
        );
        assert_eq!(ladder.rungs[3].text(), "250 mx (+2 lines)");
        assert_eq!(ladder.rungs[3].latency_text().as_deref(), Some("2.0 ms"));
        assert_eq!(ladder.rungs[5].outcome, Some(Outcome::Permanent));
        assert_eq!(ladder.refusals(), 1);
        assert_eq!(ladder.rungs[6].label, "connection closed by the server");
    }

    #[test]
    fn server_text_is_escaped_in_labels() {
        let events = [received(
            1,
            Layer::Plain,
            b"220 evil \x1b]0;title\x07 \xe2\x80\xae\r\n",
            1,
        )];
        let ladder = Ladder::of(&events);
        let label = &ladder.rungs[0].label;
        assert!(!label.chars().any(|c| c.is_control()), "{label:?}");
        assert!(!label.contains('\u{202e}'), "{label:?}");
    }

    #[test]
    fn the_tls_part_is_marked_and_notes_inherit_it() {
        let events = [
            sent(1, Layer::Tls, "EHLO me"),
            SessionEvent::Note {
                at: ms(2),
                text: "stopping here".into(),
            },
        ];
        let ladder = Ladder::of(&events);
        assert!(ladder.rungs.iter().all(|r| r.tls));
    }

    #[test]
    fn durations_read_at_their_precision() {
        assert_eq!(human(Duration::from_micros(1234)), "1.2 ms");
        assert_eq!(human(ms(340)), "340 ms");
        assert_eq!(human(ms(2500)), "2.5 s");
    }
}
