//! Line-pick mode and the explanations the views show: Esc on an empty prompt puts a
//! cursor on the transcript; the line under it (or, outside the mode, the latest reply) is
//! explained with [`crate::explain`].
//!
//! Layer: app state (no terminal). The explanation text is made from table data and from
//! server text that [`crate::explain::render`] escapes.

use crate::explain::{self, Explanation};
use crate::proto::reply::Reply;

use ratatui::crossterm::event::{KeyCode, KeyModifiers};

use crate::app::keymap::{Binding, KeyCommand, bind, ctrl_c, ctrl_z, plain};
use crate::app::{App, Effect, Kind, Overlay, Scroll};

/// What a key does in line-pick mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickKey {
    /// The cursor to the previous / next transcript entry.
    Previous,
    Next,
    /// Enter: back to the prompt.
    Leave,
    /// Esc: back to the prompt, the notice cleared.
    Close,
    Quit,
    Suspend,
}

impl KeyCommand for PickKey {
    fn essential(self) -> bool {
        self == PickKey::Quit
    }
}

/// Line-pick mode: a cursor over the transcript, the line's explanation in a panel.
pub static PICK: [Binding<PickKey>; 7] = [
    plain(
        KeyCode::Up,
        "↑",
        PickKey::Previous,
        "the previous / next transcript line",
        Some("move"),
    ),
    plain(
        KeyCode::Down,
        "↓",
        PickKey::Next,
        "the previous / next transcript line",
        None,
    ),
    plain(
        KeyCode::Enter,
        "Enter",
        PickKey::Leave,
        "back to the prompt",
        Some("back"),
    ),
    plain(
        KeyCode::Esc,
        "Esc",
        PickKey::Close,
        "back to the prompt",
        None,
    ),
    ctrl_c(PickKey::Quit, "quit", Some("quit")),
    bind(
        KeyCode::Char('q'),
        KeyModifiers::CONTROL,
        "Ctrl-Q",
        PickKey::Quit,
        "quit",
        None,
    ),
    ctrl_z(PickKey::Suspend, "suspend"),
];

/// Line-pick mode's state: the entry under the cursor, and the scroll to go back to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PickView {
    pub entry: usize,
    pub(in crate::app) before: Scroll,
}

impl App {
    /// A key bound in line-pick mode.
    pub(in crate::app) fn pick_key(&mut self, action: PickKey) -> Vec<Effect> {
        match action {
            PickKey::Previous => self.pick_move(false),
            PickKey::Next => self.pick_move(true),
            PickKey::Leave => self.leave_pick(),
            PickKey::Close => {
                self.leave_pick();
                self.notice = None;
            }
            PickKey::Quit => return self.quit(),
            PickKey::Suspend => return vec![Effect::Suspend],
        }
        Vec::new()
    }

    /// Puts the cursor on the latest entry.
    pub(in crate::app) fn enter_pick(&mut self) {
        let Some(last) = self.entries.len().checked_sub(1) else {
            return;
        };
        self.open_overlay(Overlay::Pick(PickView {
            entry: last,
            before: self.scroll,
        }));
    }

    /// Back to the prompt, and to where the transcript was scrolled before.
    pub(in crate::app) fn leave_pick(&mut self) {
        if let Some(Overlay::Pick(pick)) = self.overlay() {
            self.scroll = pick.before;
            self.close_overlay();
        }
    }

    /// Line-pick mode's state while it is on.
    pub(in crate::app) fn pick_mut(&mut self) -> Option<&mut PickView> {
        match self.overlay.as_mut() {
            Some(Overlay::Pick(pick)) => Some(pick),
            _ => None,
        }
    }

    /// Moves the cursor one entry; the entry moved to is kept in view (at the bottom).
    pub(in crate::app) fn pick_move(&mut self, forward: bool) {
        let last = self.entries.len().saturating_sub(1);
        let Some(pick) = self.pick_mut() else {
            return;
        };
        let index = if forward {
            (pick.entry + 1).min(last)
        } else {
            pick.entry.saturating_sub(1)
        };
        pick.entry = index;
        let width = usize::from(self.viewport.0);
        self.scroll = if index == last {
            Scroll::Follow
        } else {
            let rows = self.entries.rows(index, width).max(1);
            Scroll::At {
                entry: index,
                row: rows.saturating_sub(1),
            }
        };
    }

    /// The entry under the pick cursor.
    pub fn picked_entry(&self) -> Option<usize> {
        match self.overlay() {
            Some(Overlay::Pick(pick)) => Some(pick.entry),
            _ => None,
        }
    }

    /// `/note TEXT`: shown now, and written into the transcript file by the loop.
    pub(in crate::app) fn note(&mut self, text: &str) -> Vec<crate::app::Effect> {
        let at = self.connected_for;
        self.push(crate::app::Entry::new(
            at,
            Kind::Local,
            false,
            vec![format!("note: {}", crate::proto::text::escape_str(text))],
        ));
        if self.recording.is_none() {
            self.notice = Some("not recording: the note is only on screen".into());
        }
        vec![crate::app::Effect::Note(text.to_string())]
    }

    /// Recording could not start or stopped: said in the transcript and the status bar.
    pub fn record_failed(&mut self, error: String) {
        self.push(crate::app::Entry::new(
            None,
            Kind::Error,
            false,
            vec![format!(
                "recording failed, the session goes on unrecorded: {}",
                crate::proto::text::escape_str(&error)
            )],
        ));
        self.recording = None;
        self.record_error = Some(error);
    }

    /// The latest reply, for the line under the transcript.
    pub fn latest_reply(&self) -> Option<&Reply> {
        self.entries.iter().rev().find_map(|e| e.reply.as_deref())
    }

    /// What the picked entry means: its reply explained, or a word on what kind of line
    /// it is.
    pub fn picked_explanation(&self, width: usize) -> Vec<String> {
        let Some(entry) = self.picked_entry().and_then(|i| self.entries.get(i)) else {
            return Vec::new();
        };
        if let Some(reply) = &entry.reply {
            return explain::render::lines(&explain::reply(reply), width);
        }
        let what = match entry.kind {
            Kind::Client => "A command you sent (C> plaintext, C~ inside TLS).",
            Kind::Server(_) => "A reply from the server.",
            Kind::Info => "smtpx's own account of what happened on the connection.",
            Kind::Warning => "A rule the command broke, said before it was sent.",
            Kind::Boundary => {
                "The TLS boundary: everything after it is a new session inside TLS, and the \
                 capabilities must be asked for again with EHLO (RFC 3207 §4.2)."
            }
            Kind::Finding => "A security finding, or a reply that broke the protocol.",
            Kind::Error => "The network failed, or smtpx could not do what was asked.",
            Kind::Draft => "A message line collected after 354, not sent yet.",
            Kind::Local => "Said by the explorer itself, not about the wire.",
        };
        let mut lines = entry.lines.clone();
        lines.push(String::new());
        lines.push(what.to_string());
        lines
    }
}

impl App {
    /// The latest reply explained in one line, for the row under the transcript.
    pub fn latest_reply_explained(&self) -> Option<String> {
        self.latest_reply()
            .map(|reply| reply_summary(&explain::reply(reply)))
    }
}

/// One line for a reply: its codes, then the most specific known meaning (the enhanced
/// code's when there is one) and where it is defined: `550 5.1.1  Bad destination
/// mailbox address (RFC 3463 §3.2)`.
fn reply_summary(explanation: &Explanation) -> String {
    let codes: Vec<&str> = explanation
        .items
        .iter()
        .map(|item| item.key.as_str())
        .filter(|key| !key.is_empty())
        .collect();
    let detail = explanation
        .items
        .iter()
        .rev()
        // `x.0.0` says only "other or undefined"; the basic code says more.
        .find(|item| item.is_known() && !item.key.ends_with(".0.0"))
        .or(explanation.items.first());
    let Some(item) = detail else {
        return codes.join(" ");
    };
    match &item.reference {
        Some(reference) => format!("{}  {} ({reference})", codes.join(" "), item.title),
        None => format!("{}  {}", codes.join(" "), item.title),
    }
}
