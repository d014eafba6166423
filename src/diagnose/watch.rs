//! Diagnosis of a live or replayed session: a [`Watcher`] reads the [`SessionEvent`]s a
//! driver emits and says when one of the classic failures shows up — STARTTLS missing from
//! the plaintext EHLO reply, AUTH tried before STARTTLS on a port that hides it, a `530`,
//! `535` or relay refusal, a certificate for another name — and every protocol breach
//! ([`super::breach`]: a code that changes mid-reply, DATA answered without `354`).
//! [`watch`] wraps an event sink so that each diagnosis and breach follows the event that
//! caused it as a [`SessionEvent::Note`].
//!
//! Layer: diagnosis (reads driver events; no I/O).

use std::time::Duration;

use crate::event::{EventSink, Layer, SessionEvent};
use crate::proto::capability::Capabilities;

use super::Diagnosis;
use super::breach::{self, Breach};

/// Session state the diagnoses depend on. Each kind of diagnosis is reported once.
#[derive(Debug, Clone, Default)]
pub struct Watcher {
    port: u16,
    /// The verb of the last command sent (`AUTH` stays while SASL continuation lines go out).
    last_verb: Option<String>,
    /// What the plaintext EHLO reply advertised.
    plain_caps: Option<Capabilities>,
    authenticated: bool,
    reported: Vec<&'static str>,
    /// What each line sent and not yet answered was, oldest first: its verb, and whether it
    /// was a command (not a SASL continuation or message content, which keep the verb of
    /// their command). Pipelined commands get their replies in this order
    /// ([RFC 2920 §3.2](https://www.rfc-editor.org/rfc/rfc2920#section-3.2)).
    awaiting: std::collections::VecDeque<(String, bool)>,
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
            SessionEvent::Sent { layer, shown, .. } => self.sent(*layer, shown),
            SessionEvent::Received { layer, reply, .. } => {
                let answered = self.awaiting.pop_front();
                let answers_data = answered
                    .as_ref()
                    .is_some_and(|(verb, command)| *command && verb == "DATA");
                self.breaches.extend(breach::reply(reply, answers_data));
                let answered = answered.map(|(verb, _)| verb).filter(|v| !v.is_empty());
                let verb = answered.as_deref().or(self.last_verb.as_deref());
                if verb == Some("EHLO") && reply.code() == Some(250) && *layer == Layer::Plain {
                    let caps = Capabilities::from_ehlo_reply(reply);
                    let missing = !caps.starttls();
                    self.plain_caps = Some(caps);
                    missing.then_some(Diagnosis::StartTlsNotOffered { port: self.port })
                } else if reply.code() == Some(235) {
                    self.authenticated = true;
                    None
                } else {
                    super::reply(reply, verb, self.authenticated)
                }
            }
            SessionEvent::TlsEstablished { info, .. } => super::certificate(&info.verdict),
            SessionEvent::Connected { .. } | SessionEvent::Closed { .. } => {
                self.awaiting.clear();
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

    fn sent(&mut self, layer: Layer, shown: &str) -> Option<Diagnosis> {
        let word = shown.split([' ', ':']).next().unwrap_or_default();
        // SASL continuation lines keep the verb of their AUTH command: they are shown as
        // `<redacted N bytes>` (or `*` to cancel), never as a word of letters.
        if word.len() < 4 || !word.bytes().all(|b| b.is_ascii_alphabetic()) {
            let verb = self.last_verb.clone().unwrap_or_default();
            self.awaiting.push_back((verb, false));
            return None;
        }
        let verb = word.to_ascii_uppercase();
        let hidden_auth = self
            .plain_caps
            .as_ref()
            .is_some_and(|caps| caps.starttls() && !caps.auth());
        self.awaiting.push_back((verb.clone(), true));
        let found = (verb == "AUTH" && layer == Layer::Plain && hidden_auth)
            .then_some(Diagnosis::AuthOnlyAfterStartTls { port: self.port });
        self.last_verb = Some(verb);
        found
    }
}

fn event_time(event: &SessionEvent) -> Option<Duration> {
    match event {
        SessionEvent::Sent { at, .. }
        | SessionEvent::Received { at, .. }
        | SessionEvent::TlsEstablished { at, .. } => Some(*at),
        _ => None,
    }
}

/// Wraps `sink`: every event passes through unchanged, followed by a
/// [`SessionEvent::Note`] for each protocol breach (`protocol breach: …`) and each
/// diagnosis (`diagnosis: …`) it gives.
pub fn watch(mut sink: EventSink, port: u16) -> EventSink {
    let mut watcher = Watcher::new(port);
    Box::new(move |event| {
        let at = event_time(&event);
        let found = watcher.observe(&event);
        let breaches = watcher.take_breaches();
        sink(event);
        let notes = breaches
            .iter()
            .map(Breach::note)
            .chain(found.iter().map(Diagnosis::note));
        for text in notes {
            sink(SessionEvent::Note {
                at: at.unwrap_or_default(),
                text,
            });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::reply::Reply;

    fn sent(layer: Layer, shown: &str, secret: bool) -> SessionEvent {
        SessionEvent::Sent {
            at: Duration::ZERO,
            layer,
            shown: shown.into(),
            bytes: Vec::new(),
            secret,
            revealed: None,
        }
    }

    fn received(layer: Layer, bytes: &[u8]) -> SessionEvent {
        let reply = Reply::parse_all(bytes)
            .ok()
            .and_then(|mut r| r.pop())
            .unwrap_or(Reply { lines: Vec::new() });
        SessionEvent::Received {
            at: Duration::ZERO,
            layer,
            reply,
            latency: None,
        }
    }

    fn names(watcher: &mut Watcher, events: &[SessionEvent]) -> Vec<&'static str> {
        events
            .iter()
            .flat_map(|e| watcher.observe(e))
            .map(|d| d.name())
            .collect()
    }

    #[test]
    fn auth_before_starttls_on_a_submission_port_is_explained_once() {
        let mut watcher = Watcher::new(587);
        let events = [
            received(Layer::Plain, b"220 mx ESMTP\r\n"),
            sent(Layer::Plain, "EHLO client", false),
            received(Layer::Plain, b"250-mx\r\n250 STARTTLS\r\n"),
            sent(Layer::Plain, "AUTH PLAIN <redacted 20 bytes>", false),
            received(
                Layer::Plain,
                b"530 5.7.0 Must issue a STARTTLS command first\r\n",
            ),
        ];
        assert_eq!(names(&mut watcher, &events), ["auth_only_after_starttls"]);
    }

    #[test]
    fn missing_starttls_and_relay_refusal_are_reported() {
        let mut watcher = Watcher::new(25);
        let events = [
            sent(Layer::Plain, "EHLO client", false),
            received(Layer::Plain, b"250-mx\r\n250 PIPELINING\r\n"),
            sent(Layer::Plain, "MAIL FROM:<a@b.example>", false),
            received(Layer::Plain, b"250 ok\r\n"),
            sent(Layer::Plain, "RCPT TO:<c@d.example>", false),
            received(
                Layer::Plain,
                b"554 5.7.1 <c@d.example>: Relay access denied\r\n",
            ),
            sent(Layer::Plain, "RCPT TO:<e@d.example>", false),
            received(
                Layer::Plain,
                b"554 5.7.1 <e@d.example>: Relay access denied\r\n",
            ),
        ];
        assert_eq!(
            names(&mut watcher, &events),
            ["starttls_not_offered", "relay_denied"]
        );
    }

    fn breaches(watcher: &mut Watcher, events: &[SessionEvent]) -> Vec<&'static str> {
        events
            .iter()
            .flat_map(|e| {
                watcher.observe(e);
                watcher.take_breaches()
            })
            .map(|b| b.name())
            .collect()
    }

    #[test]
    fn only_the_first_reply_after_data_must_be_354() {
        let mut watcher = Watcher::new(25);
        let accepted = [
            sent(Layer::Plain, "DATA", false),
            received(Layer::Plain, b"354 go ahead\r\n"),
            sent(
                Layer::Plain,
                "<message: 5 bytes, 0 lines dot-stuffed, end marker>",
                false,
            ),
            received(Layer::Plain, b"250 2.0.0 queued\r\n"),
        ];
        assert!(breaches(&mut watcher, &accepted).is_empty());
        let uninvited = [
            sent(Layer::Plain, "DATA", false),
            received(Layer::Plain, b"250 2.0.0 queued?\r\n"),
            sent(Layer::Plain, "NOOP", false),
            received(Layer::Plain, b"250 ok\r\n"),
        ];
        assert_eq!(breaches(&mut watcher, &uninvited), ["data_not_invited"]);
    }

    #[test]
    fn a_code_change_is_named_every_time_it_happens() {
        let mut watcher = Watcher::new(25);
        let events = [
            sent(Layer::Plain, "EHLO me", false),
            received(Layer::Plain, b"250-mx\r\n550 no\r\n"),
            sent(Layer::Plain, "NOOP", false),
            received(Layer::Plain, b"250-mx\r\n451 later\r\n"),
        ];
        assert_eq!(
            breaches(&mut watcher, &events),
            ["code_changed_mid_reply", "code_changed_mid_reply"]
        );
    }

    #[test]
    fn sasl_continuations_keep_the_auth_verb() {
        let mut watcher = Watcher::new(465);
        let events = [
            sent(Layer::Tls, "AUTH LOGIN", false),
            received(Layer::Tls, b"334 VXNlcm5hbWU6\r\n"),
            sent(Layer::Tls, "<redacted 8 bytes>", true),
            received(Layer::Tls, b"535 5.7.8 Error: authentication failed\r\n"),
        ];
        assert_eq!(names(&mut watcher, &events), ["authentication_failed"]);
    }

    #[test]
    fn pipelined_replies_are_matched_to_their_own_commands() {
        let mut watcher = Watcher::new(25);
        let events = [
            sent(Layer::Plain, "MAIL FROM:<a@b.example>", false),
            sent(Layer::Plain, "RCPT TO:<c@d.example>", false),
            sent(Layer::Plain, "DATA", false),
            // The 250 answers MAIL, not DATA: no breach.
            received(Layer::Plain, b"250 ok\r\n"),
            received(
                Layer::Plain,
                b"554 5.7.1 <c@d.example>: Relay access denied\r\n",
            ),
            received(Layer::Plain, b"554 5.5.1 no valid recipients\r\n"),
        ];
        let found: Vec<&str> = events
            .iter()
            .flat_map(|e| {
                let mut names: Vec<&str> = watcher.observe(e).iter().map(|d| d.name()).collect();
                names.extend(watcher.take_breaches().iter().map(|b| b.name()));
                names
            })
            .collect();
        assert_eq!(found, ["relay_denied"]);
    }
}
