//! Words the views show for the app's state: the prompt's label and a short name for the
//! session state.
//!
//! Layer: app state.

use crate::app::{App, Mode};
use crate::proto::session::State;

impl App {
    /// The prompt's label.
    pub fn prompt_label(&self) -> &'static str {
        match (self.mode, self.tls.is_some()) {
            (Mode::Raw, _) => "RAW> ",
            (Mode::Message, _) => "data> ",
            (Mode::Command, _) if self.in_auth_exchange() => "sasl> ",
            (Mode::Command, false) => "smtp> ",
            (Mode::Command, true) => "smtp~> ",
        }
    }

    /// A short name for the session state.
    pub fn state_name(&self) -> String {
        if !self.connected {
            return match self.connecting {
                Some(elapsed) => format!("connecting · {} s", elapsed.as_secs()),
                None => "closed".into(),
            };
        }
        match self.session.state() {
            State::ExpectGreeting => match self.connected_for {
                Some(elapsed) => format!("no greeting yet · {} s", elapsed.as_secs()),
                None => "awaiting greeting".into(),
            },
            State::Ready if self.session.transaction().is_some() => "in mail transaction".into(),
            State::Ready if self.session.authenticated() => "authenticated".into(),
            State::Ready if self.session.greeted() && self.session.hello().is_none() => {
                "greeted: send EHLO".into()
            }
            State::Ready => "ready".into(),
            State::ExpectEhloReply | State::ExpectLhloReply | State::ExpectHeloReply => {
                "awaiting hello reply".into()
            }
            State::ExpectTlsGo => "awaiting 220 to STARTTLS".into(),
            State::TlsHandshake => "TLS handshake".into(),
            State::ExpectAuthChallenge => "awaiting AUTH reply".into(),
            State::AuthResponseDue => "334: type the SASL response".into(),
            State::ExpectMailReply => "awaiting MAIL reply".into(),
            State::ExpectRcptReply => "awaiting RCPT reply".into(),
            State::ExpectDataGo => "awaiting 354".into(),
            State::MessageMode => "message mode".into(),
            State::ExpectDataReply | State::ExpectBdatReply { .. } => {
                "awaiting message reply".into()
            }
            State::ExpectQuitReply => "awaiting 221".into(),
            State::ExpectReply(verb) => format!("awaiting {verb} reply"),
            State::Closed => "closed".into(),
        }
    }
}
