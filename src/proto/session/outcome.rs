//! Replies: [`Session::on_reply`] matches each to the oldest awaited command and applies
//! it, giving an [`Outcome`] (which command it answered) and a [`Change`] (what changed).
//!
//! Layer: protocol core (sans-IO). A child of [`session`](super).

use super::{Hello, MessageScan, Pending, Session, State, Transaction};
use crate::proto::capability::Capabilities;
use crate::proto::reply::{Reply, Severity};

/// What a reply answered and what it changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The command the reply answered; `None` when nothing was awaited.
    pub answered: Option<Pending>,
    pub change: Change,
}

/// What a reply changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Greeted,
    EhloDone(Capabilities),
    HeloDone,
    /// 220 to STARTTLS: start the TLS handshake now, before reading anything else.
    TlsGo,
    /// 334 and its decoded challenge; `None` when the text is not base64.
    AuthChallenge(Option<Vec<u8>>),
    Authenticated,
    MailAccepted,
    RecipientAccepted(String),
    RecipientRejected {
        recipient: String,
        permanent: bool,
    },
    /// 354: send the message now.
    DataGo,
    ChunkAccepted,
    MessageAccepted,
    /// 250 to RSET: no mail transaction any more.
    TransactionReset,
    /// A positive reply to a command with no effect on the phase (NOOP, VRFY, HELP, …).
    Completed,
    /// 4yz (transient) or 5yz (permanent).
    Rejected {
        permanent: bool,
    },
    /// 221 to QUIT.
    Closing,
    /// 421: the server is closing the channel, at any time
    /// ([RFC 5321 §3.8](https://www.rfc-editor.org/rfc/rfc5321#section-3.8)).
    ServiceClosing,
    /// A reply the awaited command does not expect (3yz to MAIL, a reply without a code).
    Other,
    /// A reply when none could come.
    Unexpected(Unexpected),
}

/// Why a reply was unexpected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unexpected {
    /// No command awaited a reply: a server that talks out of turn or sends extra replies.
    NothingAwaited,
    /// Plaintext after the 220 to STARTTLS, before the handshake: response injection
    /// (CVE-2011-0411, [RFC 3207 §6](https://www.rfc-editor.org/rfc/rfc3207#section-6)).
    /// It must be discarded, never acted on.
    AfterTlsGo,
    /// After 221/421 or the end of the connection.
    AfterClose,
}

impl Session {
    /// Matches a reply to the oldest awaited command and applies it.
    pub fn on_reply(&mut self, reply: &Reply) -> Outcome {
        let unexpected = |why| Outcome {
            answered: None,
            change: Change::Unexpected(why),
        };
        if self.closed {
            return unexpected(Unexpected::AfterClose);
        }
        if self.tls_pending {
            return unexpected(Unexpected::AfterTlsGo);
        }
        let service_closing = reply.code() == Some(421);
        let Some(pending) = self.queue.pop_front() else {
            if service_closing {
                self.close();
                return Outcome {
                    answered: None,
                    change: Change::ServiceClosing,
                };
            }
            return unexpected(Unexpected::NothingAwaited);
        };
        let change = if service_closing {
            self.close();
            Change::ServiceClosing
        } else {
            self.apply(&pending, reply)
        };
        Outcome {
            answered: Some(pending),
            change,
        }
    }

    fn apply(&mut self, pending: &Pending, reply: &Reply) -> Change {
        let severity = reply.severity();
        let positive = severity == Severity::PositiveCompletion;
        let code = reply.code();
        let fallback = match severity {
            Severity::PositiveCompletion => Change::Completed,
            Severity::TransientNegative => Change::Rejected { permanent: false },
            Severity::PermanentNegative => Change::Rejected { permanent: true },
            Severity::PositiveIntermediate | Severity::Unknown => Change::Other,
        };
        let argument = pending.argument.clone().unwrap_or_default();
        match &pending.state {
            State::ExpectGreeting => {
                self.greeted = true;
                self.refused = !positive;
                if positive { Change::Greeted } else { fallback }
            }
            State::ExpectEhloReply | State::ExpectLhloReply if positive => {
                let caps = Capabilities::from_ehlo_reply(reply);
                self.hello = Some(if pending.state == State::ExpectLhloReply {
                    Hello::Lhlo(caps.clone())
                } else {
                    Hello::Ehlo(caps.clone())
                });
                // EHLO resets the session like RSET (RFC 5321 §4.1.4).
                self.end_transaction();
                Change::EhloDone(caps)
            }
            State::ExpectHeloReply if positive => {
                self.hello = Some(Hello::Helo);
                self.end_transaction();
                Change::HeloDone
            }
            State::ExpectTlsGo if positive => {
                // Whatever was pipelined after STARTTLS will not be answered in plaintext.
                self.tls_pending = true;
                self.queue.clear();
                Change::TlsGo
            }
            State::ExpectAuthChallenge if code == Some(334) => {
                // A response typed ahead of this 334 is already on its way (queued after
                // it): that line answers it, and no further one is due.
                self.auth_response_due = !self
                    .queue
                    .iter()
                    .any(|p| p.state == State::ExpectAuthChallenge);
                Change::AuthChallenge(decode_challenge(reply))
            }
            State::ExpectAuthChallenge if positive => {
                self.authenticated = true;
                Change::Authenticated
            }
            State::ExpectMailReply if positive => {
                self.transaction = Some(Transaction {
                    reverse_path: argument,
                    ..Transaction::default()
                });
                Change::MailAccepted
            }
            State::ExpectRcptReply => match fallback {
                Change::Completed => {
                    if let Some(t) = &mut self.transaction {
                        t.accepted.push(argument.clone());
                    }
                    Change::RecipientAccepted(argument)
                }
                Change::Rejected { permanent } => {
                    if let Some(t) = &mut self.transaction {
                        t.rejected.push(argument.clone());
                    }
                    self.drop_lmtp_reply(&argument);
                    Change::RecipientRejected {
                        recipient: argument,
                        permanent,
                    }
                }
                other => other,
            },
            State::ExpectDataGo if code == Some(354) => {
                self.message = Some(MessageScan::LineStart);
                Change::DataGo
            }
            State::ExpectDataReply => {
                // The end of data consumes the transaction whatever the reply
                // (RFC 5321 §4.1.1.4); over LMTP, once the last recipient's reply is in.
                if !self.queue.iter().any(|p| p.state == State::ExpectDataReply) {
                    self.end_transaction();
                }
                if positive {
                    Change::MessageAccepted
                } else {
                    fallback
                }
            }
            State::ExpectBdatReply { last } => {
                // A failed chunk fails the transaction (RFC 3030 §2); over LMTP the last
                // chunk ends it once the last recipient's reply is in (RFC 2033 §4.2).
                let more_due = pending.argument.is_some()
                    && self.queue.iter().any(|p| p.state == pending.state);
                if (*last && !more_due) || (!positive && !*last) {
                    self.end_transaction();
                }
                match (positive, last) {
                    (true, true) => Change::MessageAccepted,
                    (true, false) => Change::ChunkAccepted,
                    _ => fallback,
                }
            }
            State::ExpectQuitReply if positive => {
                self.close();
                Change::Closing
            }
            // Postfix answers a successful XCLIENT with a new 220 greeting: the session
            // starts over as if the forwarded client had just connected, and EHLO is due
            // again (https://www.postfix.org/XCLIENT_README.html).
            State::ExpectReply(verb) if code == Some(220) && verb == "XCLIENT" => {
                self.hello = None;
                self.authenticated = false;
                self.end_transaction();
                Change::Greeted
            }
            State::ExpectReply(verb) if positive && verb == "RSET" => {
                self.end_transaction();
                Change::TransactionReset
            }
            _ => fallback,
        }
    }
}

/// The challenge of a 334 reply, base64-decoded ([RFC 4954 §4](https://www.rfc-editor.org/rfc/rfc4954#section-4)).
fn decode_challenge(reply: &Reply) -> Option<Vec<u8>> {
    crate::proto::auth::decode_challenge(reply.lines.last()?.text()).ok()
}
