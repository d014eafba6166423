//! Conversions between a [`SessionEvent`] and its transcript line ([`EventLine`]), both
//! ways: writing is faithful (redaction is the recorder's job), reading checks every field
//! and says which one is wrong.
//!
//! Layer: transcript (serde data and conversions; no I/O).

use super::{
    Direction, EventKind, EventLine, FailureRecord, LineError, Payload, Redaction,
    duration_from_secs, secs, smtpx_author,
};
use crate::event::Shown;
use crate::event::failure::{Failure, FailureKind};
use crate::event::{Finding, SessionEvent};
use crate::proto::command::redaction;
use crate::proto::reply::Reply;
use crate::transcript::tls::TlsRecord;

/// What a line adds beyond its [`SessionEvent`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Annotation {
    /// A note a person added.
    pub by_person: bool,
    pub redacted: Option<Redaction>,
}

impl EventLine {
    /// The line for an event, faithfully (redaction is the recorder's job): secret lines
    /// without revealed bytes become a `secret` redaction, revealed ones are written as sent.
    pub fn from_event(event: &SessionEvent) -> EventLine {
        let (at, dir, kind) = match event {
            SessionEvent::Connected { at, peer, took } => (
                at,
                Direction::Smtpx,
                EventKind::Connected {
                    peer: peer.to_string(),
                    took: secs(*took),
                },
            ),
            SessionEvent::Sent {
                at,
                layer,
                shown,
                bytes,
                secret,
                revealed,
            } => {
                let (data, redacted) = match (secret, revealed) {
                    (true, Some(revealed)) => (Payload::from_bytes(revealed.expose()), None),
                    (true, None) => (Payload::none(), Some(Redaction::Secret { bytes: None })),
                    (false, _) => (Payload::from_bytes(bytes), None),
                };
                (
                    at,
                    Direction::Client,
                    EventKind::Sent {
                        layer: (*layer).into(),
                        data,
                        shown: shown.to_string(),
                        secret: *secret,
                        redacted,
                    },
                )
            }
            SessionEvent::Received {
                at,
                layer,
                reply,
                latency,
            } => (
                at,
                Direction::Server,
                EventKind::Received {
                    layer: (*layer).into(),
                    data: Payload::from_bytes(&reply.raw()),
                    latency: latency.map(secs),
                },
            ),
            SessionEvent::TlsEstablished { at, info } => (
                at,
                Direction::Smtpx,
                EventKind::Tls(Box::new(TlsRecord::from_info(info))),
            ),
            SessionEvent::Finding { at, finding } => {
                let (data, summary) = match finding {
                    Finding::InjectedPlaintext { bytes } => (Payload::from_bytes(bytes), None),
                    Finding::UnverifiedCertificate { summary } => {
                        (Payload::none(), Some(summary.clone()))
                    }
                    Finding::AuthOverPlaintext => (Payload::none(), None),
                };
                let kind = EventKind::Finding {
                    finding: finding.name().into(),
                    message: finding.describe(),
                    data,
                    summary,
                };
                (at, Direction::Smtpx, kind)
            }
            SessionEvent::Note { at, text } => (
                at,
                Direction::Smtpx,
                EventKind::Note {
                    text: text.clone(),
                    author: smtpx_author(),
                },
            ),
            SessionEvent::Failed { at, failure } => (
                at,
                Direction::Smtpx,
                EventKind::Failed {
                    error: failure.message.clone(),
                    failure: (failure.kind != FailureKind::Unknown).then(|| FailureRecord {
                        kind: failure.kind,
                        cause: failure.cause.clone(),
                        peer: failure.peer,
                    }),
                },
            ),
            SessionEvent::Closed { at, by_peer } => (
                at,
                Direction::Smtpx,
                EventKind::Closed { by_peer: *by_peer },
            ),
        };
        EventLine {
            at: secs(*at),
            dir,
            kind,
        }
    }

    /// The event this line stands for; an error says which field is wrong.
    pub fn to_event(&self) -> Result<(SessionEvent, Annotation), LineError> {
        let at = duration_from_secs(self.at, "at")?;
        let expected = match self.kind {
            EventKind::Sent { .. } => Direction::Client,
            EventKind::Received { .. } => Direction::Server,
            _ => Direction::Smtpx,
        };
        if self.dir != expected {
            return Err(LineError::Direction {
                dir: self.dir,
                expected,
            });
        }
        let mut note = Annotation::default();
        let event = match &self.kind {
            EventKind::Connected { peer, took } => SessionEvent::Connected {
                at,
                peer: peer.parse().map_err(|_| LineError::Peer(peer.clone()))?,
                took: duration_from_secs(*took, "took")?,
            },
            EventKind::Sent {
                layer,
                data,
                shown,
                secret,
                redacted,
            } => {
                note.redacted = redacted.clone();
                let secret = *secret || matches!(redacted, Some(Redaction::Secret { .. }));
                SessionEvent::Sent {
                    at,
                    layer: (*layer).into(),
                    shown: recorded_shown(shown, secret, redacted.as_ref(), data),
                    bytes: data.to_bytes()?,
                    secret,
                    revealed: None,
                }
            }
            EventKind::Received {
                layer,
                data,
                latency,
            } => SessionEvent::Received {
                at,
                layer: (*layer).into(),
                reply: reply_from_bytes(&data.to_bytes()?)?,
                latency: latency
                    .map(|l| duration_from_secs(l, "latency"))
                    .transpose()?,
            },
            EventKind::Tls(record) => SessionEvent::TlsEstablished {
                at,
                info: Box::new(record.to_info()?),
            },
            EventKind::Finding {
                finding,
                data,
                summary,
                ..
            } => SessionEvent::Finding {
                at,
                finding: match finding.as_str() {
                    "injected_plaintext" => Finding::InjectedPlaintext {
                        bytes: data.to_bytes()?,
                    },
                    "unverified_certificate" => Finding::UnverifiedCertificate {
                        summary: summary.clone().unwrap_or_default(),
                    },
                    "auth_over_plaintext" => Finding::AuthOverPlaintext,
                    other => return Err(LineError::UnknownFinding(other.to_owned())),
                },
            },
            EventKind::Note { text, author } => {
                note.by_person = author == "person";
                SessionEvent::Note {
                    at,
                    text: text.clone(),
                }
            }
            EventKind::Failed { error, failure } => SessionEvent::Failed {
                at,
                failure: match failure {
                    Some(record) => Failure {
                        kind: record.kind,
                        cause: record.cause.clone(),
                        peer: record.peer,
                        message: error.clone(),
                    },
                    None => Failure::unrecorded(error.clone()),
                },
            },
            EventKind::Closed { by_peer } => SessionEvent::Closed {
                at,
                by_peer: *by_peer,
            },
        };
        Ok((event, note))
    }
}

/// A `sent` line's `shown` as the typed value. The file keeps the words only; what was left
/// out comes from the line's own fields: a secret line ends with the documented
/// `<redacted N bytes>` marker (read here, at the format's edge, and nowhere else), a body
/// left out has its size and digest in `redacted`.
fn recorded_shown(text: &str, secret: bool, redacted: Option<&Redaction>, data: &Payload) -> Shown {
    match redacted {
        Some(Redaction::Body { size, sha256 }) if data.is_none() => {
            return Shown::body_left_out(text.to_owned(), *size, sha256.clone());
        }
        _ => {}
    }
    let marker = secret
        .then(|| text.rfind("<redacted "))
        .flatten()
        .and_then(|at| {
            let tail = text.get(at..)?;
            let len: usize = tail
                .strip_prefix("<redacted ")?
                .strip_suffix(" bytes>")?
                .parse()
                .ok()?;
            (redaction(len) == tail).then_some((at, len))
        });
    match marker {
        Some((at, len)) => Shown::secret(text.get(..at).unwrap_or(""), len),
        None => Shown::plain(text),
    }
}

/// Exactly one reply, parsed from the bytes it arrived as.
fn reply_from_bytes(bytes: &[u8]) -> Result<Reply, LineError> {
    let mut replies = Reply::parse_all(bytes).map_err(LineError::ReplyBytes)?;
    match replies.len() {
        1 => replies.pop().ok_or(LineError::NoReply),
        0 => Err(LineError::NoReply),
        n => Err(LineError::Replies(n)),
    }
}
