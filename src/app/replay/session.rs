//! A recorded event fed to the sans-IO [`Session`] the way the driver fed it live, so a
//! replay knows the state, capabilities and valid commands at every step.
//!
//! The driver calls `on_sent` with what it wrote, `on_reply` with each reply,
//! `on_tls_established` after the handshake and `on_closed` when the connection ends
//! (`src/driver/mod.rs`). A recording keeps the exact client bytes, so they are fed as
//! [`Sent::Raw`] and the session classifies them as the server read them. Two things a
//! recording may leave out are stood in for:
//! - a redacted AUTH line: `AUTH PLAIN <redacted 28 bytes>` becomes `AUTH PLAIN` (the
//!   mechanism is what the state needs), a redacted SASL response its display form — after
//!   a 334 any line is the response
//!   ([RFC 4954 §4](https://www.rfc-editor.org/rfc/rfc4954#section-4));
//! - a redacted message body (`--redact-body`): DATA content becomes the end marker
//!   ([RFC 5321 §4.5.2](https://www.rfc-editor.org/rfc/rfc5321#section-4.5.2)); a BDAT chunk
//!   keeps its command line, and its size is taken as sent
//!   ([RFC 3030 §2](https://www.rfc-editor.org/rfc/rfc3030#section-2)).
//!
//! Layer: app state (pure: no I/O).

use crate::driver::SessionEvent;
use crate::proto::command::{Command, parse_command_line};
use crate::proto::session::{Sent, Session};
use crate::transcript::format::{Annotation, Redaction};

/// Applies one recorded event to `session`.
pub fn apply(session: &mut Session, event: &SessionEvent, annotation: &Annotation) {
    match event {
        SessionEvent::Connected { .. } => {
            // A new connection is a new session (the driver starts one on (re)connect).
            *session = Session::new();
        }
        SessionEvent::Sent { shown, bytes, .. } => sent(session, shown, bytes, annotation),
        SessionEvent::Received { reply, .. } => {
            session.on_reply(reply);
        }
        SessionEvent::TlsEstablished { .. } => session.on_tls_established(),
        SessionEvent::Closed { .. } => {
            session.on_closed();
        }
        SessionEvent::Finding { .. } | SessionEvent::Note { .. } | SessionEvent::Failed { .. } => {}
    }
}

fn sent(session: &mut Session, shown: &str, bytes: &[u8], annotation: &Annotation) {
    match &annotation.redacted {
        Some(Redaction::Body { .. }) if bytes.is_empty() => {
            // DATA content left out: what matters to the state is that it ended.
            session.on_sent(&Sent::Message(b"\r\n.\r\n".to_vec()));
        }
        Some(Redaction::Body { .. }) => {
            // A BDAT chunk left out: the bytes are its command line only.
            let line = String::from_utf8_lossy(bytes);
            match parse_command_line(&line).command {
                Command::Bdat { last, .. } => session.on_sent(&Sent::BdatChunk {
                    last,
                    data: Vec::new(),
                }),
                _ => session.on_sent(&Sent::Raw(bytes.to_vec())),
            }
        }
        _ if bytes.is_empty()
            && shown
                .get(..5)
                .is_some_and(|v| v.eq_ignore_ascii_case("AUTH ")) =>
        {
            // An AUTH command left out: the mechanism is what the state needs.
            let mechanism = shown.split_whitespace().nth(1).unwrap_or("").to_string();
            session.on_sent(&Sent::Command(Command::Auth {
                mechanism,
                initial_response: None,
            }));
        }
        _ if bytes.is_empty() && !shown.is_empty() => {
            // A SASL response left out: its display form stands in for the line.
            let mut line = shown.as_bytes().to_vec();
            line.extend_from_slice(b"\r\n");
            session.on_sent(&Sent::Raw(line));
        }
        _ => session.on_sent(&Sent::Raw(bytes.to_vec())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::session::State;
    use crate::transcript::read::read_bytes;

    fn replayed(bytes: &[u8]) -> Vec<State> {
        let transcript = read_bytes(bytes).expect("sample reads");
        let mut session = Session::new();
        transcript
            .entries
            .iter()
            .map(|entry| {
                apply(&mut session, &entry.event, &entry.annotation);
                session.state()
            })
            .collect()
    }

    #[test]
    fn the_sandbox_recording_walks_through_tls_auth_and_a_message() {
        let states = replayed(include_bytes!(
            "../../../recordings/sandbox-starttls-auth-message.jsonl"
        ));
        assert!(states.contains(&State::ExpectTlsGo));
        assert!(states.contains(&State::ExpectAuthChallenge));
        assert!(states.contains(&State::ExpectDataGo));
        assert!(states.contains(&State::MessageMode));
        assert!(states.contains(&State::ExpectDataReply));
        assert_eq!(states.last(), Some(&State::Closed));
    }

    #[test]
    fn a_redacted_auth_line_still_awaits_the_auth_reply_and_then_authenticates() {
        let bytes = include_bytes!("../../../recordings/sandbox-starttls-auth-message.jsonl");
        let transcript = read_bytes(bytes).expect("sample reads");
        let mut session = Session::new();
        for entry in &transcript.entries {
            apply(&mut session, &entry.event, &entry.annotation);
            if let SessionEvent::Sent { secret: true, .. } = entry.event {
                assert_eq!(session.state(), State::ExpectAuthChallenge);
            }
            if session.transaction().is_some() {
                assert!(session.authenticated());
            }
        }
    }
}
