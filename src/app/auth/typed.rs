//! A SASL exchange typed by hand (`AUTH PLAIN <base64>`, or `AUTH LOGIN` and the answers to
//! its 334s): each secret line is recorded and shown redacted, as always, and here it also
//! gets its decoded form beside it with the secret part masked — the same view the AUTH form
//! and the probe give ([`SaslView`], [RFC 4954 §4](https://www.rfc-editor.org/rfc/rfc4954#section-4)),
//! for people learning what the base64 carries.
//!
//! Layer: app state (follows the typed lines and the driver's events).

use crate::proto::auth::view::SaslView;

/// A typed exchange under way: from `AUTH` until a reply other than 334.
#[derive(Debug, Clone)]
pub struct TypedAuth {
    view: SaslView,
    /// The decoded, masked form of the secret line just submitted, for its transcript entry.
    pub pending: Option<String>,
}

impl TypedAuth {
    /// `AUTH mechanism [initial-response]` as typed; `None` for any other line.
    pub fn start(line: &str) -> Option<TypedAuth> {
        let mut view = SaslView::from_auth_line(line)?;
        let pending = line
            .split_ascii_whitespace()
            .nth(2)
            .map(|initial| view.next_typed(initial, true));
        Some(TypedAuth { view, pending })
    }

    /// A typed answer to a 334.
    pub fn respond(&mut self, line: &str) {
        self.pending = Some(self.view.next_typed(line.trim(), false));
    }

    /// A 334 arrived (its base64 text).
    pub fn on_challenge(&mut self, text: &[u8]) {
        self.view.on_challenge(text);
    }
}

impl crate::app::App {
    /// A line about to be sent in command mode: the start of a typed SASL exchange, or a
    /// typed answer to its 334 (not when the AUTH form runs the exchange).
    pub(in crate::app) fn note_typed_auth(&mut self, line: &str) {
        if self.auth_trace.is_some() {
            return;
        }
        if self.in_auth_exchange() {
            if let Some(typed) = self.typed_auth.as_mut()
                && crate::proto::auth::looks_like_auth_secret(line, true)
            {
                typed.respond(line);
            }
            return;
        }
        if let Some(typed) = TypedAuth::start(line) {
            self.typed_auth = Some(typed);
        }
    }

    /// What the driver reports during a typed exchange: a secret line sent gets its decoded
    /// form, a 334 is remembered, any other reply ends the exchange.
    pub(in crate::app) fn trace_typed_auth(
        &mut self,
        event: &crate::driver::SessionEvent,
        new: &mut [crate::app::Entry],
    ) {
        use crate::driver::SessionEvent;
        let Some(typed) = self.typed_auth.as_mut() else {
            return;
        };
        match event {
            SessionEvent::Sent {
                secret: true,
                shown: sent,
                ..
            } => {
                if let (Some(shown), Some(first)) = (
                    typed.pending.take(),
                    new.first_mut().and_then(|e| e.lines.first_mut()),
                ) {
                    let (bullets, shown) = if self.ascii {
                        ("********", shown.replace('•', "*"))
                    } else {
                        ("••••••••", shown)
                    };
                    *first = format!(
                        "{}  [{shown}]",
                        crate::app::auth::form::mask_redaction(sent, bullets)
                    );
                }
            }
            SessionEvent::Received { reply, .. } if reply.code() == Some(334) => {
                if let Some(line) = reply.lines.last() {
                    typed.on_challenge(line.text());
                }
            }
            SessionEvent::Received { .. }
            | SessionEvent::Closed { .. }
            | SessionEvent::Connected { .. } => {
                self.typed_auth = None;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD as BASE64;

    #[test]
    fn a_typed_exchange_is_decoded_by_the_shared_view() {
        let line = format!("AUTH PLAIN {}", BASE64.encode(b"\0demo\0s3cret-pw"));
        let typed = TypedAuth::start(&line).expect("an AUTH line");
        assert_eq!(typed.pending.as_deref(), Some("\\0demo\\0••••"));
        let mut typed = TypedAuth::start("AUTH LOGIN").expect("an AUTH line");
        assert!(typed.pending.is_none());
        typed.on_challenge(BASE64.encode(b"Username:").as_bytes());
        typed.respond(&BASE64.encode(b"demo"));
        assert_eq!(typed.pending.take().as_deref(), Some("demo"));
        typed.on_challenge(BASE64.encode(b"Password:").as_bytes());
        typed.respond(&BASE64.encode(b"s3cret-pw"));
        assert_eq!(typed.pending.as_deref(), Some("••••"));
        assert!(TypedAuth::start("MAIL FROM:<a@b>").is_none());
    }
}
