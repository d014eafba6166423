//! The prompt's keys: what they do ([`PromptKey`]), the tables of the three prompt modes
//! (sharing [`COMMON`]), and the handler. Keys no table binds go to the line editor. The types and [`find`](crate::app::keymap::find) are in `keymap.rs`.
//!
//! Layer: app state.

use ratatui::crossterm::event::{KeyCode, KeyModifiers};

use ratatui::crossterm::event::{Event, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::guard::{HELD_EDITED, HELD_ENTER, HELD_MARK};

use crate::app::keymap::{self, Binding, KeyCommand, bind};
use crate::app::{App, Effect, Mode, Scroll};

/// What a key does at the prompt (any of the three modes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKey {
    Submit,
    Complete,
    HistoryPrevious,
    HistoryNext,
    LineUp,
    LineDown,
    PageUp,
    PageDown,
    Bottom,
    Help,
    Panel,
    /// F2: the certificate view.
    Certificate,
    /// F4 / `/auth`: the AUTH form.
    Auth,
    /// F5 / `/mail`: the mail transaction composer.
    Compose,
    /// F6 / `/timeline`: per-step timing.
    Timeline,
    /// F8 / `/mouse`: the mouse to the terminal (native selection) or back.
    Mouse,
    /// F7 / `/ladder`: the session as a sequence diagram.
    Ladder,
    /// Leave raw mode, clear the line, or (on an empty line) pick a transcript line to
    /// explain.
    Escape,
    Quit,
    Suspend,
    Redraw,
}

impl KeyCommand for PromptKey {
    fn essential(self) -> bool {
        matches!(self, PromptKey::Quit | PromptKey::Help)
    }
}

const NONE: KeyModifiers = KeyModifiers::NONE;
const CTRL: KeyModifiers = KeyModifiers::CONTROL;
const SHIFT: KeyModifiers = KeyModifiers::SHIFT;

/// Keys every prompt mode shares (scrolling, overlays, leaving), after its own keys.
pub static COMMON: [Binding<PromptKey>; 18] = [
    bind(
        KeyCode::PageUp,
        NONE,
        "PgUp",
        PromptKey::PageUp,
        "scroll a page back / forward (the bottom follows new output)",
        Some("scroll"),
    ),
    bind(
        KeyCode::PageDown,
        NONE,
        "PgDn",
        PromptKey::PageDown,
        "scroll a page back / forward (the bottom follows new output)",
        None,
    ),
    bind(
        KeyCode::Up,
        SHIFT,
        "Shift-↑",
        PromptKey::LineUp,
        "scroll a line back / forward",
        None,
    ),
    bind(
        KeyCode::Down,
        SHIFT,
        "Shift-↓",
        PromptKey::LineDown,
        "scroll a line back / forward",
        None,
    ),
    bind(
        KeyCode::End,
        CTRL,
        "Ctrl-End",
        PromptKey::Bottom,
        "back to the bottom, following new output",
        None,
    ),
    bind(
        KeyCode::Char('g'),
        CTRL,
        "Ctrl-G",
        PromptKey::Bottom,
        "back to the bottom, following new output",
        None,
    ),
    bind(
        KeyCode::F(1),
        NONE,
        "F1",
        PromptKey::Help,
        "this help (also /help)",
        Some("help"),
    ),
    bind(
        KeyCode::F(2),
        NONE,
        "F2",
        PromptKey::Certificate,
        "certificate view: chain, fields, verdicts (/cert)",
        Some("cert"),
    ),
    bind(
        KeyCode::F(3),
        NONE,
        "F3",
        PromptKey::Panel,
        "side panel: capabilities, valid commands (/panel)",
        Some("panel"),
    ),
    bind(
        KeyCode::F(4),
        NONE,
        "F4",
        PromptKey::Auth,
        "AUTH helper: mechanism, user, masked password (/auth)",
        None,
    ),
    bind(
        KeyCode::F(5),
        NONE,
        "F5",
        PromptKey::Compose,
        "compose a mail transaction, preview the bytes (/mail)",
        None,
    ),
    bind(
        KeyCode::F(6),
        NONE,
        "F6",
        PromptKey::Timeline,
        "timeline: each step's latency, slow ones flagged (/timeline)",
        None,
    ),
    bind(
        KeyCode::F(7),
        NONE,
        "F7",
        PromptKey::Ladder,
        "sequence diagram: client and server, an arrow per command and reply (/ladder)",
        None,
    ),
    bind(
        KeyCode::F(8),
        NONE,
        "F8",
        PromptKey::Mouse,
        "mouse off: the terminal selects text; again: on (/mouse)",
        None,
    ),
    bind(
        KeyCode::Char('l'),
        CTRL,
        "Ctrl-L",
        PromptKey::Redraw,
        "redraw the screen",
        None,
    ),
    bind(
        KeyCode::Char('z'),
        CTRL,
        "Ctrl-Z",
        PromptKey::Suspend,
        "suspend (fg resumes)",
        None,
    ),
    bind(
        KeyCode::Char('c'),
        CTRL,
        "Ctrl-C",
        PromptKey::Quit,
        "quit: close the connection and leave (/quit)",
        Some("quit"),
    ),
    bind(
        KeyCode::Char('q'),
        CTRL,
        "Ctrl-Q",
        PromptKey::Quit,
        "quit: close the connection and leave (/quit)",
        None,
    ),
];

/// ↑ ↓ in the command and raw prompts: the history.
const HISTORY: [Binding<PromptKey>; 2] = [
    bind(
        KeyCode::Up,
        NONE,
        "↑",
        PromptKey::HistoryPrevious,
        "history: previous / next line (kept across runs)",
        None,
    ),
    bind(
        KeyCode::Down,
        NONE,
        "↓",
        PromptKey::HistoryNext,
        "history: previous / next line (kept across runs)",
        None,
    ),
];

/// A table made of `parts`, in order (the first binding of a key wins a lookup). `N` is
/// the whole length; a wrong one fails the build.
const fn table<const N: usize>(parts: &[&[Binding<PromptKey>]]) -> [Binding<PromptKey>; N] {
    let mut table = [COMMON[0]; N];
    let (mut n, mut p) = (0, 0);
    while p < parts.len() {
        let mut i = 0;
        while i < parts[p].len() {
            table[n] = parts[p][i];
            (n, i) = (n + 1, i + 1);
        }
        p += 1;
    }
    assert!(n == N);
    table
}

/// The SMTP prompt: a line is a command; `/` lines are for smtpx.
pub static COMMAND: [Binding<PromptKey>; 23] = table(&[
    &[
        bind(
            KeyCode::Enter,
            NONE,
            "Enter",
            PromptKey::Submit,
            "send the line as an SMTP command (CRLF added)",
            Some("send"),
        ),
        bind(
            KeyCode::Tab,
            NONE,
            "Tab",
            PromptKey::Complete,
            "complete a command, parameter or /command (again: next)",
            Some("complete"),
        ),
    ],
    &HISTORY,
    &[bind(
        KeyCode::Esc,
        NONE,
        "Esc",
        PromptKey::Escape,
        "clear the line; on an empty one, pick a line to explain",
        Some("pick a line"),
    )],
    &COMMON,
]);

/// Raw, byte-exact mode: escapes are sent literally, nothing is added.
pub static RAW: [Binding<PromptKey>; 23] = table(&[
    &[
        bind(
            KeyCode::Enter,
            NONE,
            "Enter",
            PromptKey::Submit,
            "send exactly these bytes (\\r \\n \\t \\0 \\\\ \\xHH; no CRLF added)",
            Some("send bytes"),
        ),
        bind(
            KeyCode::Tab,
            NONE,
            "Tab",
            PromptKey::Complete,
            "complete a /command",
            None,
        ),
    ],
    &HISTORY,
    &[bind(
        KeyCode::Esc,
        NONE,
        "Esc",
        PromptKey::Escape,
        "leave raw mode (also /raw)",
        Some("leave raw"),
    )],
    &COMMON,
]);

/// After 354: lines are message content until a lone `.`.
pub static MESSAGE: [Binding<PromptKey>; 19] = table(&[
    &[bind(
        KeyCode::Enter,
        NONE,
        "Enter",
        PromptKey::Submit,
        "add the line to the message; a lone . sends it (dot-stuffed)",
        Some("add line, a lone . sends"),
    )],
    &COMMON,
]);

/// The table of the prompt's current mode.
pub fn of_mode(mode: Mode) -> &'static [Binding<PromptKey>] {
    match mode {
        Mode::Command => &COMMAND,
        Mode::Raw => &RAW,
        Mode::Message => &MESSAGE,
    }
}

impl App {
    /// A key at the prompt, no overlay open: its binding, or the line editor.
    pub(in crate::app) fn prompt_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Some(action) = keymap::find(of_mode(self.mode), &key) else {
            self.completion = None;
            self.input.handle_event(&Event::Key(key));
            // A held-back warning stays while the line is edited, so it can be read to the
            // end; it says the edited line will be checked again.
            self.notice = match (self.notice.take(), &self.held) {
                (Some(warning), Some(held)) if warning.starts_with(HELD_MARK) => {
                    let what = warning
                        .strip_suffix(HELD_ENTER)
                        .or_else(|| warning.strip_suffix(HELD_EDITED))
                        .unwrap_or(&warning);
                    let then = if self.input.value() == held {
                        HELD_ENTER
                    } else {
                        HELD_EDITED
                    };
                    Some(format!("{what}{then}"))
                }
                _ => None,
            };
            return Vec::new();
        };
        if action != PromptKey::Complete {
            self.completion = None;
        }
        let width = usize::from(self.viewport.0);
        let page = self.page();
        match action {
            PromptKey::Certificate => self.open_cert(),
            PromptKey::Auth => return self.open_auth_form(),
            PromptKey::Compose => return self.open_composer(),
            PromptKey::Timeline => self.open_timeline(),
            PromptKey::Mouse => return self.toggle_mouse(),
            PromptKey::Ladder => self.open_ladder(),
            PromptKey::Submit => return self.submit(),
            PromptKey::Complete => self.complete(),
            PromptKey::HistoryPrevious => {
                if let Some(line) = self.history.previous(self.input.value()) {
                    self.input = Input::new(line);
                }
            }
            PromptKey::HistoryNext => {
                if let Some(line) = self.history.forward() {
                    self.input = Input::new(line);
                }
            }
            PromptKey::LineUp => self.scroll.up(&self.entries, width, 1),
            PromptKey::LineDown => self.scroll.down(&self.entries, width, 1),
            PromptKey::PageUp => self.scroll.up(&self.entries, width, page),
            PromptKey::PageDown => self.scroll.down(&self.entries, width, page),
            PromptKey::Bottom => self.scroll = Scroll::Follow,
            PromptKey::Help => self.open_help(),
            PromptKey::Panel => self.toggle_panel(),
            PromptKey::Escape => {
                if self.mode == Mode::Raw {
                    self.mode = Mode::Command;
                } else if self.input.value().is_empty() && !self.entries.is_empty() {
                    self.enter_pick();
                } else {
                    self.held = None;
                    self.input.reset();
                    self.history.reset();
                }
                self.notice = None;
            }
            PromptKey::Quit => return self.quit(),
            PromptKey::Suspend => return vec![Effect::Suspend],
            PromptKey::Redraw => return vec![Effect::Redraw],
        }
        Vec::new()
    }
}
