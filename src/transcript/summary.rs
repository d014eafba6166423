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
    /// The first 4yz/5yz reply (with its command) or failure, in words.
    pub failure: Option<String>,
}

impl Summary {
    pub fn of<'a>(events: impl IntoIterator<Item = &'a SessionEvent>) -> Summary {
        let mut summary = Summary::default();
        // Sent but not yet answered, oldest first: pipelined commands get their replies in
        // order ([RFC 2920 §3.2](https://www.rfc-editor.org/rfc/rfc2920#section-3.2)).
        let mut pending: std::collections::VecDeque<String> = Default::default();
        for event in events {
            match event {
                SessionEvent::Sent { shown, .. } => pending.push_back(shown.to_string()),
                SessionEvent::Received { layer, reply, .. } => {
                    let command = pending.pop_front();
                    summary.on_reply(command, *layer, reply);
                }
                SessionEvent::Connected { .. } | SessionEvent::Closed { .. } => pending.clear(),
                SessionEvent::TlsEstablished { info, .. } => {
                    summary.tls = Some((**info).clone());
                }
                SessionEvent::Finding { finding, .. } => summary.findings.push(finding.describe()),
                SessionEvent::Failed { failure, .. } if summary.failure.is_none() => {
                    summary.failure = Some(failure.describe().to_owned());
                }
                _ => {}
            }
        }
        summary
    }

    fn on_reply(&mut self, command: Option<String>, layer: Layer, reply: &Reply) {
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
        if negative && self.failure.is_none() {
            let text = reply.lines.last().map_or_else(String::new, |l| {
                let raw = &l.raw;
                let end = raw
                    .iter()
                    .rposition(|&b| b != b'\r' && b != b'\n')
                    .map_or(0, |i| i + 1);
                escape_bytes(&raw[..end])
            });
            self.failure = Some(match &exchange.command {
                Some(command) => format!("{} → {text}", crate::proto::text::escape_str(command)),
                None => format!("greeting → {text}"),
            });
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
