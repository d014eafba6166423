//! What a recorded session amounts to: each command with its reply, the capabilities before
//! and after TLS, the TLS parameters and verdict, findings, and where it failed. The
//! markdown export, `diff` and `replay --against` all compare or show these.
//!
//! Layer: transcript (pure).

use crate::event::TlsInfo;
use crate::event::{Layer, SessionEvent};
use crate::proto::capability::Capabilities;
use crate::proto::reply::{Reply, Severity};
use crate::proto::text::escape_bytes;

/// A reply and the command it answered (`None` for the greeting or an unasked reply).
#[derive(Debug, Clone)]
pub struct Exchange {
    pub command: Option<String>,
    pub layer: Layer,
    pub reply: Reply,
}

impl Exchange {
    /// `EHLO me → 250` for one-line displays.
    pub fn describe(&self) -> String {
        let code = self
            .reply
            .code()
            .map_or_else(|| "no code".to_string(), |c| c.to_string());
        match &self.command {
            Some(command) => format!("{} → {code}", verb_of(command)),
            None => format!("greeting → {code}"),
        }
    }
}

/// The command's verb and, for MAIL/RCPT, its keyword (`MAIL FROM`), for comparisons that
/// should not depend on the exact address or EHLO name.
pub fn verb_of(command: &str) -> String {
    let mut words = command.split_ascii_whitespace();
    let verb = words.next().unwrap_or("").to_ascii_uppercase();
    match verb.as_str() {
        "MAIL" | "RCPT" => {
            let next = words.next().unwrap_or("").to_ascii_uppercase();
            let keyword = next.split(':').next().unwrap_or("").to_string();
            format!("{verb} {keyword}")
        }
        "AUTH" => format!("AUTH {}", words.next().unwrap_or("").to_ascii_uppercase()),
        _ if command.starts_with('<') => "<data>".into(),
        _ => verb,
    }
}

#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub exchanges: Vec<Exchange>,
    /// Extension lines of the last positive EHLO reply in plaintext.
    pub capabilities_plain: Option<Vec<String>>,
    /// … and inside TLS.
    pub capabilities_tls: Option<Vec<String>>,
    pub tls: Option<TlsInfo>,
    pub findings: Vec<String>,
    /// The first 4yz/5yz reply (with its command) or failure, in words. A refused RCPT counts
    /// only when its transaction has no recipient accepted (otherwise it is [`Self::partly`]).
    pub failure: Option<String>,
    /// The first transaction that went on with some recipients refused.
    pub partly: Option<PartlyRefused>,
}

/// A transaction where some RCPTs were refused and others accepted: RFC 5321 §3.3 takes or
/// refuses each recipient on its own, and the message goes to those accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartlyRefused {
    pub accepted: usize,
    pub recipients: usize,
    /// The first refusal in words (`RCPT TO:<b@x> → 550 …`).
    pub first: String,
}

/// The RCPT replies of the transaction in progress.
#[derive(Default)]
struct Recipients {
    accepted: usize,
    refused: Vec<String>,
}

impl Summary {
    pub fn of<'a>(events: impl IntoIterator<Item = &'a SessionEvent>) -> Summary {
        let mut summary = Summary::default();
        // Sent but not yet answered, oldest first: pipelined commands get their replies in
        // order ([RFC 2920 §3.2](https://www.rfc-editor.org/rfc/rfc2920#section-3.2)).
        let mut pending: std::collections::VecDeque<String> = Default::default();
        let mut recipients = Recipients::default();
        for event in events {
            match event {
                SessionEvent::Sent { shown, .. } => pending.push_back(shown.to_string()),
                SessionEvent::Received { layer, reply, .. } => {
                    let command = pending.pop_front();
                    summary.on_reply(command, *layer, reply, &mut recipients);
                }
                SessionEvent::Connected { .. } | SessionEvent::Closed { .. } => {
                    pending.clear();
                    summary.settle(&mut recipients);
                }
                SessionEvent::TlsEstablished { info, .. } => {
                    summary.tls = Some((**info).clone());
                }
                SessionEvent::Finding { finding, .. } => summary.findings.push(finding.describe()),
                SessionEvent::Failed { failure, .. } => {
                    summary.settle(&mut recipients);
                    if summary.failure.is_none() {
                        summary.failure = Some(failure.describe().to_owned());
                    }
                }
                _ => {}
            }
        }
        summary.settle(&mut recipients);
        summary
    }

    /// The RCPT stage of a transaction is over (a reply to another command, or the end of
    /// the connection): refusals with nobody accepted are the failure; with some accepted,
    /// the transaction went on without them.
    fn settle(&mut self, recipients: &mut Recipients) {
        let Recipients { accepted, refused } = std::mem::take(recipients);
        let Some(first) = refused.first() else {
            return;
        };
        if accepted == 0 {
            self.failure.get_or_insert_with(|| first.clone());
        } else if self.partly.is_none() {
            self.partly = Some(PartlyRefused {
                accepted,
                recipients: accepted + refused.len(),
                first: first.clone(),
            });
        }
    }

    fn on_reply(
        &mut self,
        command: Option<String>,
        layer: Layer,
        reply: &Reply,
        recipients: &mut Recipients,
    ) {
        let exchange = Exchange {
            command,
            layer,
            reply: reply.clone(),
        };
        let is_ehlo = exchange
            .command
            .as_deref()
            .map(verb_of)
            .is_some_and(|v| v == "EHLO" || v == "LHLO");
        if is_ehlo && reply.code() == Some(250) {
            let caps = Capabilities::from_ehlo_reply(reply);
            let lines = caps.extensions.iter().map(|e| e.raw_line.clone()).collect();
            match layer {
                Layer::Plain => self.capabilities_plain = Some(lines),
                Layer::Tls => self.capabilities_tls = Some(lines),
            }
        }
        let negative = matches!(
            reply.severity(),
            Severity::TransientNegative | Severity::PermanentNegative
        );
        let is_rcpt = exchange.command.as_deref().map(verb_of).as_deref() == Some("RCPT TO");
        if !is_rcpt {
            self.settle(recipients);
        }
        if negative && (is_rcpt || self.failure.is_none()) {
            let text = reply.lines.last().map_or_else(String::new, |l| {
                let raw = &l.raw;
                let end = raw
                    .iter()
                    .rposition(|&b| b != b'\r' && b != b'\n')
                    .map_or(0, |i| i + 1);
                escape_bytes(&raw[..end])
            });
            let described = match &exchange.command {
                Some(command) => format!("{} → {text}", crate::proto::text::escape_str(command)),
                None => format!("greeting → {text}"),
            };
            if is_rcpt {
                recipients.refused.push(described);
            } else {
                self.failure = Some(described);
            }
        } else if is_rcpt && reply.severity() == Severity::PositiveCompletion {
            recipients.accepted += 1;
        }
        self.exchanges.push(exchange);
    }

    /// The capabilities that count: inside TLS if TLS was started, else in plaintext.
    pub fn capabilities(&self) -> Option<&Vec<String>> {
        self.capabilities_tls
            .as_ref()
            .or(self.capabilities_plain.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::testdata::{received, sent};

    /// A pipelined MAIL, two RCPTs and `BDAT LAST`, answered as Exim answers them when the
    /// second recipient is refused (`rcpt2`), and the QUIT. (Sent lines as the driver shows
    /// them: without their CRLF.)
    fn transaction(rcpt2: &[u8], bdat: &[u8]) -> Vec<SessionEvent> {
        vec![
            received(0, Layer::Plain, b"220 mx ESMTP\r\n"),
            sent(1, Layer::Plain, b"MAIL FROM:<a@x.test>"),
            sent(1, Layer::Plain, b"RCPT TO:<kept@x.test>"),
            sent(1, Layer::Plain, b"RCPT TO:<refuse1@x.test>"),
            sent(1, Layer::Plain, b"BDAT 5 LAST"),
            sent(1, Layer::Plain, b"QUIT"),
            received(2, Layer::Plain, b"250 OK\r\n"),
            received(2, Layer::Plain, b"250 Accepted\r\n"),
            received(2, Layer::Plain, rcpt2),
            received(3, Layer::Plain, bdat),
            received(3, Layer::Plain, b"221 bye\r\n"),
        ]
    }

    #[test]
    fn a_refused_recipient_beside_an_accepted_one_is_no_failure_of_the_session() {
        let events = transaction(b"550 5.1.1 no such user\r\n", b"250 OK id=1\r\n");
        let summary = Summary::of(&events);
        assert_eq!(summary.failure, None);
        assert_eq!(
            summary.partly,
            Some(PartlyRefused {
                accepted: 1,
                recipients: 2,
                first: "RCPT TO:<refuse1@x.test> → 550 5.1.1 no such user".into(),
            })
        );
        // Each reply still answers its own command, in order (RFC 2920 §3.2).
        let answered: Vec<String> = summary.exchanges.iter().map(Exchange::describe).collect();
        assert_eq!(
            answered,
            [
                "greeting → 220",
                "MAIL FROM → 250",
                "RCPT TO → 250",
                "RCPT TO → 550",
                "BDAT → 250",
                "QUIT → 221"
            ]
        );
    }

    #[test]
    fn with_every_recipient_refused_the_first_refusal_is_the_failure_not_the_data_reply() {
        let mut events = transaction(b"550 5.1.1 no such user\r\n", b"503 no valid RCPT\r\n");
        // The first recipient refused too.
        events[7] = received(2, Layer::Plain, b"550 5.1.1 not here either\r\n");
        let summary = Summary::of(&events);
        assert_eq!(
            summary.failure.as_deref(),
            Some("RCPT TO:<kept@x.test> → 550 5.1.1 not here either")
        );
        assert_eq!(summary.partly, None);
    }

    #[test]
    fn a_refused_recipient_at_the_end_of_a_cut_session_is_still_the_failure() {
        let mut events = transaction(b"550 5.1.1 no such user\r\n", b"250 OK\r\n");
        events.truncate(9);
        events[7] = received(2, Layer::Plain, b"452 4.5.3 too many recipients\r\n");
        let summary = Summary::of(&events);
        assert_eq!(
            summary.failure.as_deref(),
            Some("RCPT TO:<kept@x.test> → 452 4.5.3 too many recipients")
        );
    }
}
