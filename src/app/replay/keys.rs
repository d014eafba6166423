//! The replay mode's keymaps: stepping through a recording, and the search line. The same
//! tables decide what a key does and draw the help overlay and the key hint.
//!
//! Layer: app state.

use ratatui::crossterm::event::{KeyCode, KeyModifiers};

use crate::app::keymap::{Binding, KeyCommand, bind as key};

/// What a replay key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplayKey {
    Forward,
    Back,
    Start,
    End,
    /// The next / previous 4xx or 5xx reply
    /// ([RFC 5321 §4.2.1](https://www.rfc-editor.org/rfc/rfc5321#section-4.2.1)).
    NextError,
    PreviousError,
    /// Open the search line.
    Search,
    /// In the search line: jump to the next event showing the text.
    SearchRun,
    SearchCancel,
    SearchNext,
    SearchPrevious,
    PlayPause,
    Faster,
    Slower,
    /// Scrolling; the window of shown entries grows backwards as needed.
    LineUp,
    LineDown,
    PageUp,
    PageDown,
    /// Back to the bottom of the transcript.
    Bottom,
    /// Esc: pick a line to explain.
    Pick,
    Help,
    /// F2: the certificate view, as of this step.
    Certificate,
    Panel,
    /// F6: the timeline up to this step.
    Timeline,
    /// F7: the sequence diagram up to this step.
    Ladder,
    Redraw,
    Suspend,
    Quit,
}

impl KeyCommand for ReplayKey {
    fn essential(self) -> bool {
        matches!(self, ReplayKey::Quit | ReplayKey::Help)
    }
}

const NONE: KeyModifiers = KeyModifiers::NONE;
const CTRL: KeyModifiers = KeyModifiers::CONTROL;
const SHIFT: KeyModifiers = KeyModifiers::SHIFT;

const fn replay(
    code: KeyCode,
    label: &'static str,
    action: ReplayKey,
    description: &'static str,
    hint: Option<&'static str>,
) -> Binding<ReplayKey> {
    key(code, NONE, label, action, description, hint)
}

const STEP: &str = "one event forward / back";
const ENDS: &str = "to the start (before the first event) / the end";
const ERRORS: &str = "to the next / previous 4xx or 5xx reply";
const MATCHES: &str = "the next / previous event matching the search";
const SPEED: &str = "faster / slower: x1 x2 x4 x8 x16 x64";
const LINES: &str = "scroll a line back / forward";
const PAGES: &str = "scroll a page back / forward";
const QUIT: &str = "quit the replay";

/// Stepping through a recording.
pub static KEYS: [Binding<ReplayKey>; 36] = [
    replay(KeyCode::Right, "→", ReplayKey::Forward, STEP, Some("step")),
    replay(KeyCode::Left, "←", ReplayKey::Back, STEP, None),
    replay(KeyCode::Char('l'), "l", ReplayKey::Forward, STEP, None),
    replay(KeyCode::Char('h'), "h", ReplayKey::Back, STEP, None),
    replay(KeyCode::Home, "Home", ReplayKey::Start, ENDS, None),
    replay(KeyCode::End, "End", ReplayKey::End, ENDS, Some("end")),
    replay(KeyCode::Char('g'), "g", ReplayKey::Start, ENDS, None),
    replay(KeyCode::Char('G'), "G", ReplayKey::End, ENDS, None),
    replay(
        KeyCode::Char(']'),
        "]",
        ReplayKey::NextError,
        ERRORS,
        Some("4xx/5xx"),
    ),
    replay(
        KeyCode::Char('['),
        "[",
        ReplayKey::PreviousError,
        ERRORS,
        None,
    ),
    replay(
        KeyCode::Char('/'),
        "/",
        ReplayKey::Search,
        "search: type text, Enter jumps to the next event showing it",
        Some("search"),
    ),
    replay(
        KeyCode::Char('n'),
        "n",
        ReplayKey::SearchNext,
        MATCHES,
        None,
    ),
    replay(
        KeyCode::Char('N'),
        "N",
        ReplayKey::SearchPrevious,
        MATCHES,
        None,
    ),
    replay(
        KeyCode::Char(' '),
        "Space",
        ReplayKey::PlayPause,
        "play / pause at the recorded speed",
        Some("play"),
    ),
    replay(
        KeyCode::Char('+'),
        "+",
        ReplayKey::Faster,
        SPEED,
        Some("speed"),
    ),
    replay(KeyCode::Char('='), "=", ReplayKey::Faster, SPEED, None),
    replay(KeyCode::Char('-'), "-", ReplayKey::Slower, SPEED, None),
    replay(KeyCode::Up, "↑", ReplayKey::LineUp, LINES, None),
    replay(KeyCode::Down, "↓", ReplayKey::LineDown, LINES, None),
    key(
        KeyCode::Up,
        SHIFT,
        "Shift-↑",
        ReplayKey::LineUp,
        LINES,
        None,
    ),
    key(
        KeyCode::Down,
        SHIFT,
        "Shift-↓",
        ReplayKey::LineDown,
        LINES,
        None,
    ),
    replay(KeyCode::PageUp, "PgUp", ReplayKey::PageUp, PAGES, None),
    replay(KeyCode::PageDown, "PgDn", ReplayKey::PageDown, PAGES, None),
    key(
        KeyCode::Esc,
        NONE,
        "Esc",
        ReplayKey::Pick,
        "pick a line to explain",
        Some("pick"),
    ),
    key(
        KeyCode::F(1),
        NONE,
        "F1",
        ReplayKey::Help,
        "this help",
        Some("help"),
    ),
    key(
        KeyCode::F(2),
        NONE,
        "F2",
        ReplayKey::Certificate,
        "certificate view, as of this step",
        Some("cert"),
    ),
    key(
        KeyCode::F(3),
        NONE,
        "F3",
        ReplayKey::Panel,
        "side panel: capabilities, valid commands, as of this step",
        None,
    ),
    key(
        KeyCode::F(6),
        NONE,
        "F6",
        ReplayKey::Timeline,
        "timeline: each step's latency up to this step, slow ones flagged",
        None,
    ),
    key(
        KeyCode::F(7),
        NONE,
        "F7",
        ReplayKey::Ladder,
        "sequence diagram up to this step (stepping keys work inside it)",
        None,
    ),
    key(
        KeyCode::Char('l'),
        CTRL,
        "Ctrl-L",
        ReplayKey::Redraw,
        "redraw the screen",
        None,
    ),
    key(
        KeyCode::Char('z'),
        CTRL,
        "Ctrl-Z",
        ReplayKey::Suspend,
        "suspend (fg resumes)",
        None,
    ),
    key(
        KeyCode::Char('q'),
        NONE,
        "q",
        ReplayKey::Quit,
        QUIT,
        Some("quit"),
    ),
    key(
        KeyCode::Char('c'),
        CTRL,
        "Ctrl-C",
        ReplayKey::Quit,
        QUIT,
        None,
    ),
    key(
        KeyCode::Char('q'),
        CTRL,
        "Ctrl-Q",
        ReplayKey::Quit,
        QUIT,
        None,
    ),
    key(
        KeyCode::End,
        CTRL,
        "Ctrl-End",
        ReplayKey::Bottom,
        "back to the bottom of the transcript",
        None,
    ),
    key(
        KeyCode::Char('g'),
        CTRL,
        "Ctrl-G",
        ReplayKey::Bottom,
        "back to the bottom of the transcript",
        None,
    ),
];

/// The search line (`/`): typed text is the query.
pub static SEARCH: [Binding<ReplayKey>; 4] = [
    replay(
        KeyCode::Enter,
        "Enter",
        ReplayKey::SearchRun,
        "jump to the next event showing the text (n / N: next / previous)",
        Some("search"),
    ),
    replay(
        KeyCode::Esc,
        "Esc",
        ReplayKey::SearchCancel,
        "close the search line",
        Some("cancel"),
    ),
    key(
        KeyCode::Char('c'),
        CTRL,
        "Ctrl-C",
        ReplayKey::Quit,
        QUIT,
        Some("quit"),
    ),
    key(
        KeyCode::Char('z'),
        CTRL,
        "Ctrl-Z",
        ReplayKey::Suspend,
        "suspend",
        None,
    ),
];
