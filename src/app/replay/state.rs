//! Replay mode's state half: what the views show of the session at a step (session,
//! connection, TLS, certificate), folded from the events and saved as a checkpoint every
//! [`CHECKPOINT_EVERY`] events on the way forward, so that going back rebuilds it from the
//! nearest checkpoint with at most that many parses. The background warm-up
//! (`warm.rs`) makes checkpoints ahead with the same fold, applied to a
//! [`Snapshot`] instead of the app. The entries are `mod.rs`'s.
//!
//! Layer: app state.

use std::time::Duration;

use super::recorded::{Recorded, event_at};
use crate::app::App;
use crate::app::cert::CertState;
use crate::driver::SessionEvent;
use crate::proto::session::{Session, State};

/// The state is saved every this many events on the way forward.
pub const CHECKPOINT_EVERY: usize = 512;

/// What the views need of the session at a step, saved at checkpoints.
#[derive(Debug, Clone)]
pub(in crate::app) struct Snapshot {
    session: Session,
    connected: bool,
    tls: Option<(String, bool)>,
    at: Option<Duration>,
    cert: CertState,
}

impl Snapshot {
    /// Folds one event into this saved state, exactly as [`App::apply_state`] folds it into
    /// the app's (the background checkpoints are made this way).
    pub(in crate::app) fn apply(&mut self, parsed: &Recorded) {
        fold(
            Fold {
                session: &mut self.session,
                connected: &mut self.connected,
                tls: &mut self.tls,
                at: &mut self.at,
                cert: &mut self.cert,
            },
            parsed,
        );
    }
}

/// The parts of the state an event changes, borrowed from the app or from a snapshot, so
/// both are folded by the same code.
struct Fold<'a> {
    session: &'a mut Session,
    connected: &'a mut bool,
    tls: &'a mut Option<(String, bool)>,
    at: &'a mut Option<Duration>,
    cert: &'a mut CertState,
}

fn fold(state: Fold<'_>, parsed: &Recorded) {
    let Recorded::Event(event, annotation) = parsed else {
        return;
    };
    let hello_due = matches!(
        state.session.state(),
        State::ExpectEhloReply | State::ExpectLhloReply | State::ExpectHeloReply
    );
    crate::app::replay::session::apply(state.session, event, annotation);
    match event {
        SessionEvent::Connected { .. } => {
            *state.connected = true;
            *state.tls = None;
        }
        SessionEvent::TlsEstablished { info, .. } => {
            *state.tls = Some((info.version.clone(), info.verdict.ok()));
            state.cert.established(info);
        }
        SessionEvent::Closed { .. } => {
            *state.connected = false;
            *state.tls = None;
        }
        _ => {}
    }
    // Capabilities change only with a hello reply (and are forgotten by TLS).
    if hello_due || matches!(event, SessionEvent::TlsEstablished { .. }) {
        state.cert.observe(state.session);
    }
    *state.at = state.connected.then_some(event_at(event));
}

impl App {
    pub(in crate::app) fn snapshot(&self) -> Snapshot {
        Snapshot {
            session: self.session.clone(),
            connected: self.connected,
            tls: self.tls.clone(),
            at: self.connected_for,
            cert: self.cert.clone(),
        }
    }

    fn restore(&mut self, snapshot: &Snapshot) {
        self.session = snapshot.session.clone();
        self.connected = snapshot.connected;
        self.tls = snapshot.tls.clone();
        self.connected_for = snapshot.at;
        // Not the session's: the view's fixed clock and a `/cert save` under way.
        let now = self.cert.now;
        let pending_save = self.cert.pending_save.take();
        self.cert = snapshot.cert.clone();
        self.cert.now = now;
        self.cert.pending_save = pending_save;
    }

    /// Folds one event into the state the views show (not the entries).
    pub(in crate::app) fn apply_state(&mut self, parsed: &Recorded) {
        fold(
            Fold {
                session: &mut self.session,
                connected: &mut self.connected,
                tls: &mut self.tls,
                at: &mut self.connected_for,
                cert: &mut self.cert,
            },
            parsed,
        );
    }

    /// Saves a checkpoint when `position` (events applied) is the next one due.
    pub(in crate::app) fn checkpoint_if_due(&mut self, position: usize) {
        let Some(replay) = self.replay.as_ref() else {
            return;
        };
        if position % CHECKPOINT_EVERY == 0
            && replay.checkpoints.len() == position / CHECKPOINT_EVERY
        {
            let snapshot = self.snapshot();
            if let Some(replay) = self.replay.as_mut() {
                replay.checkpoints.push(snapshot);
            }
        }
    }

    /// The state (not the entries) after `target` events, from the nearest checkpoint.
    pub(in crate::app) fn rebuild_state(&mut self, target: usize) {
        let Some(replay) = self.replay.as_ref() else {
            return;
        };
        let k = (target / CHECKPOINT_EVERY).min(replay.checkpoints.len().saturating_sub(1));
        let Some(snapshot) = replay.checkpoints.get(k).cloned() else {
            return;
        };
        self.restore(&snapshot);
        for index in k * CHECKPOINT_EVERY..target {
            let Some(replay) = self.replay.as_mut() else {
                return;
            };
            let parsed = replay.take_event(index);
            self.apply_state(&parsed);
            self.checkpoint_if_due(index + 1);
        }
    }
}
