//! What the driver reports, folded into the app: session snapshots (message mode follows
//! the session), connection and TLS state, and the transcript entries each event becomes.
//!
//! Layer: app state.

use std::time::Duration;

use super::transcript::entries;
use super::{App, Kind, Mode};
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
        self.timeline.observe(event);
        self.ladder.observe(event);
        let mut new = entries::from_event(event);
        self.trace_auth(event, &mut new);
        // Scrolled back: keep the view where it is; following: stay at the bottom.
        for entry in new {
            self.push(entry);
        }
        // After the reply's lines, so a hint reads under what it explains.
        self.lesson_event(event);
    }

    /// A form-started AUTH exchange: secret client lines get their decoded form (masked);
    /// the exchange ends with the first reply that is not a 334.
    fn trace_auth(&mut self, event: &SessionEvent, new: &mut [super::Entry]) {
        let Some(trace) = self.auth_trace.as_mut() else {
            self.trace_typed_auth(event, new);
            return;
        };
        match event {
            SessionEvent::Sent {
                secret: true,
                shown,
                ..
            } => {
                if let Some(entry) = new.first_mut() {
                    trace.annotate(entry, shown, self.ascii);
                }
            }
            SessionEvent::Received { reply, .. } if reply.code() != Some(334) => {
                self.auth_trace = None;
            }
            SessionEvent::Closed { .. } | SessionEvent::Connected { .. } => self.auth_trace = None,
            _ => {}
        }
    }

    fn session_open(&self) -> bool {
        self.connected && !self.session.is_closed()
    }
}
