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
    /// `c`: the line under the cursor to the terminal's clipboard (OSC 52).
    Copy,
    /// `n` / `N`: the next `/find` match below / above.
    NextMatch,
    PreviousMatch,
    /// PgUp / PgDn: the explanation panel scrolled.
    ExplainUp,
    ExplainDown,
}

impl KeyCommand for PickKey {
    fn essential(self) -> bool {
        self == PickKey::Quit
    }
}

/// Line-pick mode: a cursor over the transcript, the line's explanation in a panel.
pub static PICK: [Binding<PickKey>; 12] = [
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
    plain(
        KeyCode::Char('c'),
        "c",
        PickKey::Copy,
        "copy the line to the clipboard (OSC 52)",
        Some("copy"),
    ),
    plain(
        KeyCode::Char('n'),
        "n",
        PickKey::NextMatch,
        "the next / previous /find match",
        None,
    ),
    bind(
        KeyCode::Char('N'),
        KeyModifiers::SHIFT,
        "N",
        PickKey::PreviousMatch,
        "the next / previous /find match",
        None,
    ),
    plain(
        KeyCode::PageUp,
        "PgUp",
        PickKey::ExplainUp,
        "scroll the explanation up / down",
        Some("scroll"),
    ),
    plain(
        KeyCode::PageDown,
        "PgDn",
        PickKey::ExplainDown,
        "scroll the explanation up / down",
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

/// Most bytes `/copy` sends: terminals cap OSC 52 (xterm, tmux and kitty at around 100 kB
/// of base64).
const MOST_COPIED: usize = 74_000;

/// Line-pick mode's state: the entry under the cursor, and the scroll to go back to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PickView {
    pub entry: usize,
    /// In an EHLO reply, the capability line under the cursor (line 0 is the reply as a
    /// whole).
    pub line: usize,
    /// Rows of the explanation scrolled past (the view clamps it to the text).
    pub explain_scroll: usize,
    pub(in crate::app) before: Scroll,
}

/// Rows PgUp / PgDn move the explanation.
const EXPLAIN_PAGE: usize = 5;

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
            PickKey::Copy => return self.copy_picked(),
            PickKey::ExplainUp => {
                if let Some(pick) = self.pick_mut() {
                    pick.explain_scroll = pick.explain_scroll.saturating_sub(EXPLAIN_PAGE);
                }
            }
            PickKey::ExplainDown => {
                if let Some(pick) = self.pick_mut() {
                    pick.explain_scroll = pick.explain_scroll.saturating_add(EXPLAIN_PAGE);
                }
            }
            PickKey::NextMatch => self.find_again(true),
            PickKey::PreviousMatch => self.find_again(false),
        }
        Vec::new()
    }

    /// The cursor to entry `index`, kept in view (at the bottom).
    pub(in crate::app) fn pick_to(&mut self, index: usize) {
        let last = self.entries.len().saturating_sub(1);
        let index = index.min(last);
        let Some(pick) = self.pick_mut() else {
            return;
        };
        pick.entry = index;
        pick.line = 0;
        pick.explain_scroll = 0;
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

    /// A click on row `row` of the transcript area picks the line drawn there, as Esc's
    /// line-pick does, and leaves the scroll where it is. Ignored in a replay and over the
    /// other overlays.
    pub(in crate::app) fn click(&mut self, row: u16) {
        if self.replay.is_some()
            || !matches!(
                self.overlay_kind(),
                None | Some(crate::app::OverlayKind::Pick)
            )
        {
            return;
        }
        let (width, height) = self.viewport;
        let rows = crate::app::transcript::scroll::visible_rows(
            &self.entries,
            self.scroll,
            usize::from(width),
            usize::from(height),
        );
        let Some(&(index, _, _)) = rows.get(usize::from(row)) else {
            return;
        };
        self.notice = None;
        if self.picked_entry().is_none() {
            self.open_overlay(Overlay::Pick(PickView {
                entry: index,
                line: 0,
                explain_scroll: 0,
                before: self.scroll,
            }));
        } else if let Some(pick) = self.pick_mut() {
            pick.entry = index;
            pick.line = 0;
            pick.explain_scroll = 0;
        }
    }

    /// `c` in line-pick mode: the picked line as text.
    fn copy_picked(&mut self) -> Vec<Effect> {
        let Some(entry) = self.picked_entry().and_then(|i| self.entries.get(i)) else {
            return Vec::new();
        };
        let text = entry.plain().join("\n");
        self.copy(text, "the line")
    }

    /// Puts `text` (transcript text: escaped when its entries were made) on the terminal's
    /// clipboard, or says why it cannot.
    pub(in crate::app) fn copy(&mut self, text: String, what: &str) -> Vec<Effect> {
        if let Some(reason) = &self.clipboard_unavailable {
            self.notice = Some(format!("cannot copy: {reason}"));
            return Vec::new();
        }
        if text.len() > MOST_COPIED {
            self.notice = Some(format!(
                "cannot copy: {} bytes is more than a terminal's clipboard takes ({} kB);                  /save PATH writes it",
                text.len(),
                MOST_COPIED / 1000
            ));
            return Vec::new();
        }
        self.notice = Some(format!(
            "copied {what} to the clipboard (OSC 52; where the terminal allows it)"
        ));
        vec![Effect::Copy(text)]
    }

    /// Says the terminal cannot take OSC 52 clipboard writes, and why.
    pub fn set_clipboard_unavailable(&mut self, reason: Option<String>) {
        self.clipboard_unavailable = reason;
    }

    /// Puts the cursor on the latest entry.
    pub(in crate::app) fn enter_pick(&mut self) {
        let Some(last) = self.entries.len().checked_sub(1) else {
            return;
        };
        self.open_overlay(Overlay::Pick(PickView {
            entry: last,
            line: 0,
            explain_scroll: 0,
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

    /// Moves the cursor one entry, or one capability line inside an EHLO reply; the entry
    /// moved to is kept in view (at the bottom).
    pub(in crate::app) fn pick_move(&mut self, forward: bool) {
        let Some(at) = self.picked_entry() else {
            return;
        };
        let line = self.picked_line().unwrap_or(0);
        let lines = self.entries.get(at).map_or(0, steppable_lines);
        if forward && line + 1 < lines {
            self.set_picked_line(line + 1);
            return;
        }
        if !forward && line > 0 {
            self.set_picked_line(line - 1);
            return;
        }
        let index = if forward {
            (at + 1).min(self.entries.len().saturating_sub(1))
        } else {
            at.saturating_sub(1)
        };
        if index == at {
            return;
        }
        self.pick_to(index);
        // Up into an EHLO reply lands on its last capability line.
        let last = self
            .entries
            .get(index)
            .map_or(0, steppable_lines)
            .saturating_sub(1);
        self.set_picked_line(if forward { 0 } else { last });
    }

    fn set_picked_line(&mut self, line: usize) {
        if let Some(pick) = self.pick_mut() {
            pick.line = line;
            pick.explain_scroll = 0;
        }
    }

    /// Rows of the explanation panel scrolled past.
    pub fn explain_scroll(&self) -> usize {
        match self.overlay() {
            Some(Overlay::Pick(pick)) => pick.explain_scroll,
            _ => 0,
        }
    }

    /// The capability line under the cursor inside an EHLO reply (0: the reply as a whole).
    pub fn picked_line(&self) -> Option<usize> {
        match self.overlay() {
            Some(Overlay::Pick(pick)) => Some(pick.line),
            _ => None,
        }
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
        let line = self.picked_line().unwrap_or(0);
        if line > 0
            && let Some(reply_line) = entry.reply.as_ref().and_then(|r| r.lines.get(line))
        {
            let extension = crate::proto::capability::Extension::parse(reply_line.text());
            let item = explain::keyword(&extension);
            let explanation = Explanation::new(
                entry.lines.get(line).cloned().unwrap_or_default(),
                vec![item],
                Vec::new(),
                Vec::new(),
            );
            let mut out = explain::render::lines(&explanation, width);
            out.push(String::new());
            out.push("↑/↓ step through the capability lines; up from the first, the reply".into());
            return out;
        }
        if let Some(reply) = &entry.reply {
            let explanation = match &entry.answers {
                Some(answers) => explain::reply_to(reply, answers),
                None => explain::reply(reply),
            };
            return explain::render::lines(&explanation, width);
        }
        if entry.kind == Kind::Client
            && let Some(verb) = entry.lines.first().and_then(|l| explain::command_verb(l))
        {
            let item = explain::command(&verb);
            if item.is_known() {
                let explanation =
                    Explanation::new(entry.lines[0].clone(), vec![item], Vec::new(), Vec::new());
                return explain::render::lines(&explanation, width);
            }
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

/// Lines the pick cursor steps through in `entry`: the lines of an EHLO (or LHLO) reply,
/// each a capability; 1 for anything else.
fn steppable_lines(entry: &crate::app::Entry) -> usize {
    use crate::explain::Answers;
    let Some(reply) = entry.reply.as_deref() else {
        return 1;
    };
    let ehlo = match &entry.answers {
        Some(Answers::Command(verb)) => verb == "EHLO" || verb == "LHLO",
        Some(_) => false,
        // A replay does not know what the reply answered: a multi-line 250 is EHLO's.
        None => reply.code() == Some(250),
    };
    if ehlo && reply.lines.len() > 1 {
        reply.lines.len().min(entry.lines.len())
    } else {
        1
    }
}

impl App {
    /// The latest reply explained in one line, for the row under the transcript.
    pub fn latest_reply_explained(&self) -> Option<String> {
        let entry = self.entries.iter().rev().find(|e| e.reply.is_some())?;
        let reply = entry.reply.as_deref()?;
        Some(reply_summary(&match &entry.answers {
            Some(answers) => explain::reply_to(reply, answers),
            None => explain::reply(reply),
        }))
    }
}

/// One line for a reply: its codes, then the most specific known meaning (the enhanced
/// code's when there is one) and where it is defined: `550 5.1.1  Bad destination
/// mailbox address (RFC 3463 §3.2)`.
///
/// A reply explained as the answer to its command says that first, the enhanced code as
/// detail: `235 2.7.0 to AUTH: Authentication succeeded (RFC 4954 §6)`.
fn reply_summary(explanation: &Explanation) -> String {
    if let Some((answer, rest)) = explanation.items.split_first()
        && answer.kind == explain::Kind::Answer
    {
        let codes: Vec<&str> = rest
            .iter()
            .map(|item| item.key.as_str())
            .filter(|key| !key.is_empty())
            .collect();
        let to = answer.key.split_once(" to ").map_or("", |(_, to)| to);
        let mut line = format!("{} to {to}: {}", codes.join(" "), answer.title);
        if let Some(reference) = answer
            .reference
            .as_ref()
            .filter(|_| !answer.title.contains("RFC"))
        {
            line.push_str(&format!(" ({reference})"));
        }
        if let Some(enhanced) = rest.iter().find(|i| {
            i.kind == explain::Kind::EnhancedCode && i.is_known() && !i.key.ends_with(".0.0")
        }) {
            line.push_str(&format!(" · {} {}", enhanced.key, enhanced.title));
        }
        return line;
    }
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
