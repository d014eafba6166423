//! The per-step timeline (F6 or `/timeline`): connect, greeting, TLS handshake, and each
//! command → reply latency, with slow steps flagged. Folded from [`SessionEvent`]s and
//! their timestamps by a pure function, so a replayed recording gives the same timeline as
//! the live session.
//!
//! Layer: app state.
//!
//! Thresholds (a step at or over its threshold is flagged):
//!
//! | step | threshold | why |
//! |---|---|---|
//! | connect | 1 s | a loopback or nearby server connects in milliseconds |
//! | greeting | 2 s | a deliberate greeting delay or tarpit (RFC 5321 §4.5.3.2 lets a client wait 5 min) |
//! | TLS handshake | 1 s | |
//! | AUTH (final reply) | 1 s | servers delay failed logins on purpose; a slow success is a slow backend |
//! | message accepted (reply after the content or `BDAT … LAST`) | 5 s | content filters (spam, virus) run here |
//! | any other reply | 1 s | |

use std::collections::VecDeque;
use std::time::Duration;

use ratatui::crossterm::event::KeyCode;

use crate::app::Overlay;
use crate::app::keymap::{Binding, KeyCommand, plain as bind};
use crate::app::{App, Effect};
use crate::driver::SessionEvent;
use crate::proto::text::escape_str;

pub const SLOW_CONNECT: Duration = Duration::from_secs(1);
pub const SLOW_GREETING: Duration = Duration::from_secs(2);
pub const SLOW_TLS: Duration = Duration::from_secs(1);
pub const SLOW_AUTH: Duration = Duration::from_secs(1);
pub const SLOW_MESSAGE: Duration = Duration::from_secs(5);
pub const SLOW_REPLY: Duration = Duration::from_secs(1);

/// What kind of step a row is (decides its threshold).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    Connect,
    Greeting,
    Tls,
    Auth,
    Message,
    Command,
    /// Closed, failed: a point in time, no duration.
    Event,
}

/// One row: what, when it started (since the session began), how long it took, the
/// reply code. Rows are in the order their replies came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub kind: StepKind,
    pub label: String,
    pub at: Duration,
    pub took: Option<Duration>,
    pub code: Option<u16>,
    /// Why the step is flagged, when it is slow.
    pub slow: Option<&'static str>,
    /// The command went in one write with others, before their replies (pipelining,
    /// [RFC 2920](https://www.rfc-editor.org/rfc/rfc2920)): its latency ran from that write.
    pub pipelined: bool,
}

/// The timeline so far, and the commands still awaiting replies.
#[derive(Debug, Clone, Default)]
pub struct Timeline {
    pub steps: Vec<Step>,
    /// Sent and unanswered, oldest first.
    pending: VecDeque<Awaited>,
    connected_at: Option<Duration>,
    /// Connections so far: from the second on, the connect row says it is a new one.
    connections: usize,
    /// The last wire event was a command sent (no reply since): the next command joins
    /// its group.
    after_sent: bool,
    greeted: bool,
    /// Inside an AUTH exchange (from `AUTH` until a reply other than 334).
    in_auth: bool,
}

/// A command sent and not yet answered.
#[derive(Debug, Clone)]
struct Awaited {
    label: String,
    kind: StepKind,
    sent: Duration,
    /// Sent in the same group as the command before or after it.
    pipelined: bool,
}

/// The timeline view's own state, while it is open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimelineView {
    /// First row shown.
    pub scroll: usize,
}

/// The timeline of a whole list of events (a recording, a test).
pub fn timeline<'a>(events: impl IntoIterator<Item = &'a SessionEvent>) -> Timeline {
    let mut t = Timeline::default();
    for event in events {
        t.observe(event);
    }
    t
}

fn flag(kind: StepKind, took: Duration) -> Option<&'static str> {
    let (limit, why) = match kind {
        StepKind::Connect => (SLOW_CONNECT, "slow connect"),
        StepKind::Greeting => (SLOW_GREETING, "greeting delay (tarpit?)"),
        StepKind::Tls => (SLOW_TLS, "slow TLS handshake"),
        StepKind::Auth => (SLOW_AUTH, "slow AUTH"),
        StepKind::Message => (SLOW_MESSAGE, "slow DATA acceptance"),
        StepKind::Command => (SLOW_REPLY, "slow reply"),
        StepKind::Event => return None,
    };
    (took >= limit).then_some(why)
}

impl Timeline {
    fn push(&mut self, kind: StepKind, label: String, at: Duration, took: Option<Duration>) {
        let slow = took.and_then(|t| flag(kind, t));
        self.steps.push(Step {
            kind,
            label,
            at,
            took,
            code: None,
            slow,
            pipelined: false,
        });
    }

    /// Folds one event in.
    pub fn observe(&mut self, event: &SessionEvent) {
        match event {
            SessionEvent::Connected { at, took, .. } => {
                *self = Timeline {
                    steps: std::mem::take(&mut self.steps),
                    connected_at: Some(*at),
                    connections: self.connections + 1,
                    ..Timeline::default()
                };
                // Each connection has its own clock, starting at zero: say where one ends.
                let label = match self.connections {
                    1 => "connect".to_string(),
                    n => format!("── connection {n}: connect (clock from 0) ──"),
                };
                self.push(StepKind::Connect, label, *at, Some(*took));
            }
            SessionEvent::Sent {
                at, shown, secret, ..
            } => {
                let first = shown.lines().next().unwrap_or("");
                // A secret line shows only that it was one.
                let masked;
                let first = if *secret {
                    masked = match shown.public() {
                        before if shown.has_secret() && !before.is_empty() => {
                            format!("{before}••••")
                        }
                        _ => "SASL response ••••".to_string(),
                    };
                    masked.as_str()
                } else {
                    first
                };
                let upper = first.to_ascii_uppercase();
                let bdat_last = upper.starts_with("BDAT") && upper.contains(" LAST");
                let kind = if upper.starts_with("<MESSAGE") || bdat_last {
                    StepKind::Message
                } else if upper.starts_with("AUTH") || self.in_auth {
                    self.in_auth = true;
                    StepKind::Auth
                } else {
                    StepKind::Command
                };
                let mut label: String = escape_str(first).chars().take(48).collect();
                if kind == StepKind::Message && upper.starts_with("<MESSAGE") {
                    label = "message content → final reply".into();
                }
                // Sent while the previous command still awaits its reply, with no reply
                // in between: one group.
                let pipelined = self.after_sent && !self.pending.is_empty();
                if pipelined && let Some(previous) = self.pending.back_mut() {
                    previous.pipelined = true;
                }
                self.after_sent = true;
                self.pending.push_back(Awaited {
                    label,
                    kind,
                    sent: *at,
                    pipelined,
                });
            }
            SessionEvent::Received { at, reply, .. } => {
                let code = reply.code();
                self.after_sent = false;
                let pipelined = self.pending.front().is_some_and(|a| a.pipelined);
                // A row starts when its command went out (the greeting: at connect).
                let (label, kind, start, took) = match self.pending.pop_front() {
                    Some(Awaited {
                        label, kind, sent, ..
                    }) => (label, kind, sent, Some(at.saturating_sub(sent))),
                    None if !self.greeted => (
                        "greeting".to_string(),
                        StepKind::Greeting,
                        self.connected_at.unwrap_or(*at),
                        self.connected_at.map(|c| at.saturating_sub(c)),
                    ),
                    None => (
                        "reply nobody asked for".to_string(),
                        StepKind::Event,
                        *at,
                        None,
                    ),
                };
                self.greeted = true;
                if code != Some(334) {
                    self.in_auth = false;
                }
                // Only the final reply of an exchange counts as slow AUTH; 334s are steps.
                let kind = if kind == StepKind::Auth && code == Some(334) {
                    StepKind::Command
                } else {
                    kind
                };
                self.push(kind, label, start, took);
                if let Some(step) = self.steps.last_mut() {
                    step.code = code;
                    step.pipelined = pipelined;
                }
            }
            SessionEvent::TlsEstablished { at, info } => {
                let label = format!("TLS handshake ({})", escape_str(&info.version));
                let start = at.saturating_sub(info.handshake);
                self.push(StepKind::Tls, label, start, Some(info.handshake));
            }
            SessionEvent::Closed { at, by_peer } => {
                let label = if *by_peer {
                    "closed by the server"
                } else {
                    "closed"
                };
                self.push(StepKind::Event, label.into(), *at, None);
                self.pending.clear();
            }
            SessionEvent::Failed { at, failure } => {
                let label: String = format!("failed: {}", escape_str(failure.describe()))
                    .chars()
                    .take(60)
                    .collect();
                self.push(StepKind::Event, label, *at, None);
            }
            SessionEvent::Finding { .. } | SessionEvent::Note { .. } => {}
        }
    }

    /// The slowest timed step.
    pub fn slowest(&self) -> Option<&Step> {
        self.steps
            .iter()
            .filter(|s| s.took.is_some())
            .max_by_key(|s| s.took)
    }
}

/// What a key does in the timeline view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimelineKey {
    LineUp,
    LineDown,
    PageUp,
    PageDown,
    Close,
}

impl KeyCommand for TimelineKey {
    fn essential(self) -> bool {
        false
    }
}

/// Keys of the timeline view.
pub static KEYS: [Binding<TimelineKey>; 6] = [
    bind(
        KeyCode::Up,
        "↑",
        TimelineKey::LineUp,
        "scroll",
        Some("scroll"),
    ),
    bind(KeyCode::Down, "↓", TimelineKey::LineDown, "scroll", None),
    bind(
        KeyCode::PageUp,
        "PgUp",
        TimelineKey::PageUp,
        "scroll a page",
        None,
    ),
    bind(
        KeyCode::PageDown,
        "PgDn",
        TimelineKey::PageDown,
        "scroll a page",
        None,
    ),
    bind(
        KeyCode::Esc,
        "Esc",
        TimelineKey::Close,
        "back",
        Some("back"),
    ),
    bind(KeyCode::F(6), "F6", TimelineKey::Close, "back", None),
];

impl App {
    /// F6 or `/timeline` (in a replay, as of the current step).
    pub(in crate::app) fn open_timeline(&mut self) {
        self.refresh_replay_timeline();
        self.open_overlay(Overlay::Timeline(TimelineView::default()));
    }

    /// Per-step timing so far (in a replay: as of the last F6).
    pub fn timeline(&self) -> &Timeline {
        &self.timeline
    }

    /// The timeline view's state while it is open.
    pub fn timeline_view(&self) -> Option<&TimelineView> {
        match self.overlay() {
            Some(Overlay::Timeline(view)) => Some(view),
            _ => None,
        }
    }

    /// A key bound in the timeline view.
    pub(in crate::app) fn timeline_key(&mut self, action: TimelineKey) -> Vec<Effect> {
        let last = self.timeline.steps.len().saturating_sub(1);
        let Some(Overlay::Timeline(t)) = self.overlay.as_mut() else {
            return Vec::new();
        };
        match action {
            TimelineKey::LineUp => t.scroll = t.scroll.saturating_sub(1),
            TimelineKey::LineDown => t.scroll = (t.scroll + 1).min(last),
            TimelineKey::PageUp => t.scroll = t.scroll.saturating_sub(10),
            TimelineKey::PageDown => t.scroll = (t.scroll + 10).min(last),
            TimelineKey::Close => self.close_overlay(),
        }
        Vec::new()
    }
}

#[cfg(test)]
mod tests;
