//! The explorer's keymap tables: the three prompt modes (sharing [`COMMON`]) and
//! line-pick. The types and [`find`](crate::app::keymap::find) are in `keymap.rs`.
//!
//! Layer: app state.

use ratatui::crossterm::event::{KeyCode, KeyModifiers};

use crate::app::keymap::{Binding, KeyAction, bind};

const NONE: KeyModifiers = KeyModifiers::NONE;
const CTRL: KeyModifiers = KeyModifiers::CONTROL;
const SHIFT: KeyModifiers = KeyModifiers::SHIFT;

/// Keys every prompt mode shares (scrolling, overlays, leaving), after its own keys.
pub static COMMON: [Binding; 16] = [
    bind(
        KeyCode::PageUp,
        NONE,
        "PgUp",
        KeyAction::PageUp,
        "scroll a page back / forward (the bottom follows new output)",
        Some("scroll"),
    ),
    bind(
        KeyCode::PageDown,
        NONE,
        "PgDn",
        KeyAction::PageDown,
        "scroll a page back / forward (the bottom follows new output)",
        None,
    ),
    bind(
        KeyCode::Up,
        SHIFT,
        "Shift-↑",
        KeyAction::LineUp,
        "scroll a line back / forward",
        None,
    ),
    bind(
        KeyCode::Down,
        SHIFT,
        "Shift-↓",
        KeyAction::LineDown,
        "scroll a line back / forward",
        None,
    ),
    bind(
        KeyCode::End,
        CTRL,
        "Ctrl-End",
        KeyAction::Bottom,
        "back to the bottom, following new output",
        None,
    ),
    bind(
        KeyCode::Char('g'),
        CTRL,
        "Ctrl-G",
        KeyAction::Bottom,
        "back to the bottom, following new output",
        None,
    ),
    bind(
        KeyCode::F(1),
        NONE,
        "F1",
        KeyAction::Help,
        "this help (also /help)",
        Some("help"),
    ),
    bind(
        KeyCode::F(2),
        NONE,
        "F2",
        KeyAction::Certificate,
        "certificate view: chain, fields, verdicts (/cert)",
        Some("cert"),
    ),
    bind(
        KeyCode::F(3),
        NONE,
        "F3",
        KeyAction::Panel,
        "side panel: capabilities, valid commands (/panel)",
        Some("panel"),
    ),
    bind(
        KeyCode::F(4),
        NONE,
        "F4",
        KeyAction::Auth,
        "AUTH helper: mechanism, user, masked password (/auth)",
        None,
    ),
    bind(
        KeyCode::F(5),
        NONE,
        "F5",
        KeyAction::Compose,
        "compose a mail transaction, preview the bytes (/mail)",
        None,
    ),
    bind(
        KeyCode::F(6),
        NONE,
        "F6",
        KeyAction::Timeline,
        "timeline: each step's latency, slow ones flagged (/timeline)",
        None,
    ),
    bind(
        KeyCode::Char('l'),
        CTRL,
        "Ctrl-L",
        KeyAction::Redraw,
        "redraw the screen",
        None,
    ),
    bind(
        KeyCode::Char('z'),
        CTRL,
        "Ctrl-Z",
        KeyAction::Suspend,
        "suspend (fg resumes)",
        None,
    ),
    bind(
        KeyCode::Char('c'),
        CTRL,
        "Ctrl-C",
        KeyAction::Quit,
        "quit: close the connection and leave (/quit)",
        Some("quit"),
    ),
    bind(
        KeyCode::Char('q'),
        CTRL,
        "Ctrl-Q",
        KeyAction::Quit,
        "quit: close the connection and leave (/quit)",
        None,
    ),
];

/// ↑ ↓ in the command and raw prompts: the history.
const HISTORY: [Binding; 2] = [
    bind(
        KeyCode::Up,
        NONE,
        "↑",
        KeyAction::HistoryPrevious,
        "history: previous / next line (kept across runs)",
        None,
    ),
    bind(
        KeyCode::Down,
        NONE,
        "↓",
        KeyAction::HistoryNext,
        "history: previous / next line (kept across runs)",
        None,
    ),
];

/// A table made of `parts`, in order (the first binding of a key wins a lookup). `N` is
/// the whole length; a wrong one fails the build.
const fn table<const N: usize>(parts: &[&[Binding]]) -> [Binding; N] {
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
pub static COMMAND: [Binding; 21] = table(&[
    &[
        bind(
            KeyCode::Enter,
            NONE,
            "Enter",
            KeyAction::Submit,
            "send the line as an SMTP command (CRLF added)",
            Some("send"),
        ),
        bind(
            KeyCode::Tab,
            NONE,
            "Tab",
            KeyAction::Complete,
            "complete a command, parameter or /command (again: next)",
            Some("complete"),
        ),
    ],
    &HISTORY,
    &[bind(
        KeyCode::Esc,
        NONE,
        "Esc",
        KeyAction::Escape,
        "clear the line; on an empty one, pick a line to explain",
        Some("pick a line"),
    )],
    &COMMON,
]);

/// Raw, byte-exact mode: escapes are sent literally, nothing is added.
pub static RAW: [Binding; 21] = table(&[
    &[
        bind(
            KeyCode::Enter,
            NONE,
            "Enter",
            KeyAction::Submit,
            "send exactly these bytes (\\r \\n \\t \\0 \\\\ \\xHH; no CRLF added)",
            Some("send bytes"),
        ),
        bind(
            KeyCode::Tab,
            NONE,
            "Tab",
            KeyAction::Complete,
            "complete a /command",
            None,
        ),
    ],
    &HISTORY,
    &[bind(
        KeyCode::Esc,
        NONE,
        "Esc",
        KeyAction::Escape,
        "leave raw mode (also /raw)",
        Some("leave raw"),
    )],
    &COMMON,
]);

/// After 354: lines are message content until a lone `.`.
pub static MESSAGE: [Binding; 17] = table(&[
    &[bind(
        KeyCode::Enter,
        NONE,
        "Enter",
        KeyAction::Submit,
        "add the line to the message; a lone . sends it (dot-stuffed)",
        Some("add line, a lone . sends"),
    )],
    &COMMON,
]);

/// Ctrl-C in line-pick and the help: quit.
pub(in crate::app) const QUIT: Binding = bind(
    KeyCode::Char('c'),
    CTRL,
    "Ctrl-C",
    KeyAction::Quit,
    "quit",
    Some("quit"),
);
/// Ctrl-Z in line-pick and the help: suspend.
pub(in crate::app) const SUSPEND: Binding = bind(
    KeyCode::Char('z'),
    CTRL,
    "Ctrl-Z",
    KeyAction::Suspend,
    "suspend",
    None,
);

/// Line-pick mode: a cursor over the transcript, the line's explanation in a panel.
pub static PICK: [Binding; 7] = [
    bind(
        KeyCode::Up,
        NONE,
        "↑",
        KeyAction::PickPrevious,
        "the previous / next transcript line",
        Some("move"),
    ),
    bind(
        KeyCode::Down,
        NONE,
        "↓",
        KeyAction::PickNext,
        "the previous / next transcript line",
        None,
    ),
    bind(
        KeyCode::Enter,
        NONE,
        "Enter",
        KeyAction::PickLeave,
        "back to the prompt",
        Some("back"),
    ),
    bind(
        KeyCode::Esc,
        NONE,
        "Esc",
        KeyAction::Escape,
        "back to the prompt",
        None,
    ),
    QUIT,
    bind(
        KeyCode::Char('q'),
        CTRL,
        "Ctrl-Q",
        KeyAction::Quit,
        "quit",
        None,
    ),
    SUSPEND,
];
