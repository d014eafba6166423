//! What the driver reports, folded into the app: session snapshots (message mode follows
//! the session), connection and TLS state, and the transcript entries each event becomes.
//!
//! Layer: app state.

use std::time::Duration;

use super::transcript::entries;
use super::{App, Effect, Kind, Mode};
use crate::diagnose::{self, Audience, Diagnosis};
use crate::driver::SessionEvent;
use crate::driver::task::{Intent, Update};
use crate::net::HelloAnswer;

/// What the prompt holds when the port turned out to expect implicit TLS: Enter sends it.
pub const RECONNECT_TLS: &str = "/reconnect --tls";

impl App {
    pub(super) fn on_update(&mut self, update: Update) -> Vec<Effect> {
        match update {
            Update::Event(event) => self.on_event(&event),
            Update::Silence {
                port,
                waited,
                answer,
            } => return self.on_silence(port, waited, &answer),
            Update::Session(session) => {
                self.session = *session;
                self.replies_since_snapshot = 0;
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
            Update::AuthNotStarted { mechanism, why } => {
                // The exchange never began: no steps to decode.
                self.auth_trace = None;
                self.notice = Some(format!("AUTH {mechanism} not started: {why}"));
            }
            Update::Stopped => self.stopped = true,
        }
        Vec::new()
    }

    /// A connection attempt begins (at start, or `/reconnect`): the status bar counts it.
    pub fn start_connecting(&mut self) {
        self.connecting = Some(Duration::ZERO);
    }

    /// Whether the explorer waits for the network with nothing to show for it yet:
    /// connecting, or connected with no greeting. The loop's clock ticks meanwhile.
    pub fn waiting(&self) -> bool {
        self.connecting.is_some() && !self.connected
            || self.connected
                && self.session.state() == crate::proto::session::State::ExpectGreeting
    }

    /// No greeting yet, and a ClientHello on a second connection got `answer`: the
    /// diagnosis goes into the session (through the driver, so the transcript keeps it),
    /// and a port that expects implicit TLS gets `/reconnect --tls` put at the prompt.
    fn on_silence(&mut self, port: u16, waited: Duration, answer: &HelloAnswer) -> Vec<Effect> {
        let diagnosis = diagnose::silent_port(port, waited, answer);
        if matches!(diagnosis, Diagnosis::ExpectsImplicitTls { .. })
            && self.input.value().is_empty()
        {
            self.input = tui_input::Input::new(RECONNECT_TLS.to_string());
            self.notice = Some(format!(
                "Enter reconnects with TLS from the first byte ({RECONNECT_TLS})"
            ));
        }
        vec![Effect::Intent(Intent::Note(
            diagnosis.note_for(Audience::Explorer),
        ))]
    }

    fn on_event(&mut self, event: &SessionEvent) {
        match event {
            SessionEvent::Connected { .. } => {
                self.connecting = None;
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
            SessionEvent::Failed { .. } if !self.session_open() => {
                self.connected = false;
                self.connecting = None;
            }
            _ => {}
        }
        self.timeline.observe(event);
        self.ladder.observe(event);
        let mut new = entries::from_event(event);
        if let SessionEvent::Received { .. } = event {
            let answers = self.answered();
            self.replies_since_snapshot += 1;
            if let Some(entry) = new.iter_mut().find(|e| e.reply.is_some()) {
                entry.answers = answers;
            }
        }
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

    /// What the next reply answers: the session snapshot's awaited entry, counting the
    /// replies that arrived since the snapshot (a pipelined group's replies come in one
    /// read, before the next snapshot).
    fn answered(&self) -> Option<crate::explain::Answers> {
        let index = self.replies_since_snapshot;
        if index == 0 && self.session.state() == crate::proto::session::State::ExpectGreeting {
            return Some(crate::explain::Answers::Greeting);
        }
        self.session
            .pending()
            .nth(index)
            .map(|p| crate::explain::Answers::of(&p.state, &p.command))
    }

    fn session_open(&self) -> bool {
        self.connected && !self.session.is_closed()
    }
}
