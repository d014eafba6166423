//! What the driver reports, folded into the app: session snapshots (message mode follows
//! the session), connection and TLS state, and the transcript entries each event becomes.
//!
//! Layer: app state.

use std::time::Duration;

use super::{App, Kind, Mode, entries};
use crate::driver::SessionEvent;
use crate::driver::task::Update;

impl App {
    pub(super) fn on_update(&mut self, update: Update) {
        match update {
            Update::Event(event) => self.on_event(&event),
            Update::Session(session) => {
                self.session = *session;
                self.cert.observe(&self.session);
                let message_mode = self.session.in_message_mode();
                if message_mode && self.mode == Mode::Command {
                    self.mode = Mode::Message;
                    self.message.clear();
                } else if !message_mode && self.mode == Mode::Message {
                    self.mode = Mode::Command;
                    self.entries.retain(|e| e.kind != Kind::Draft);
                }
            }
            Update::Stopped => self.stopped = true,
        }
    }

    fn on_event(&mut self, event: &SessionEvent) {
        match event {
            SessionEvent::Connected { .. } => {
                self.connected = true;
                self.tls = None;
                self.connected_for = Some(Duration::ZERO);
            }
            SessionEvent::TlsEstablished { info, .. } => {
                self.tls = Some((info.version.clone(), info.verdict.ok()));
                self.cert.established(info);
            }
            SessionEvent::Closed { .. } => {
                self.connected = false;
                self.tls = None;
                self.connected_for = None;
            }
            SessionEvent::Failed { .. } if !self.session_open() => self.connected = false,
            _ => {}
        }
        let new = entries::from_event(event);
        // Scrolled back: keep the view where it is; following: stay at the bottom.
        for entry in new {
            self.push(entry);
        }
    }

    fn session_open(&self) -> bool {
        self.connected && !self.session.is_closed()
    }
}
