//! One keymap table per mode. The same tables decide what a key does, draw the help
//! overlay and the one-line key hint — so the help can never disagree with the keys.
//!
//! Layer: app state. Keys not in a table go to the line editor (tui-input: ← → Home End,
//! Ctrl-A/E/U/W/K, Backspace, Delete).

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a bound key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAction {
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
    /// F2: the certificate view (`cert.rs` has its own keys).
    Certificate,
    CertPrevious,
    CertNext,
    CertScrollUp,
    CertScrollDown,
    /// F4 / `/auth`: the AUTH form.
    Auth,
    /// F5 / `/mail`: the mail transaction composer.
    Compose,
    /// F6 / `/timeline`: per-step timing.
    Timeline,
    /// In a form: the next / previous field (in the composer's body: the next line).
    FormNext,
    FormPrevious,
    /// In a form: change a choice, or move the cursor in a text field.
    FormLeft,
    FormRight,
    /// In the composer: review what will be sent (the confirmation before anything goes).
    FormSend,
    /// Close an overlay, leave raw mode, clear the line, or (on an empty line) pick a
    /// transcript line to explain.
    Escape,
    /// In line-pick mode: the cursor to the previous / next transcript entry.
    PickPrevious,
    PickNext,
    /// Leave line-pick mode.
    PickLeave,
    Quit,
    Suspend,
    Redraw,
    /// Replay mode: stepping, jumping, searching, playing (`replay_keys.rs`).
    Replay(super::replay_keys::ReplayKey),
}

/// One row of a keymap.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
    /// How the key is written in help and hints.
    pub label: &'static str,
    pub action: KeyAction,
    pub description: &'static str,
    /// The word shown in the one-line hint under the prompt, if any.
    pub hint: Option<&'static str>,
}

/// A binding, for the keymap tables of every mode and overlay.
pub(crate) const fn bind(
    code: KeyCode,
    modifiers: KeyModifiers,
    label: &'static str,
    action: KeyAction,
    description: &'static str,
    hint: Option<&'static str>,
) -> Binding {
    Binding {
        code,
        modifiers,
        label,
        action,
        description,
        hint,
    }
}

/// A binding with no modifier key.
pub(crate) const fn plain(
    code: KeyCode,
    label: &'static str,
    action: KeyAction,
    description: &'static str,
    hint: Option<&'static str>,
) -> Binding {
    bind(code, KeyModifiers::NONE, label, action, description, hint)
}

const NONE: KeyModifiers = KeyModifiers::NONE;
const CTRL: KeyModifiers = KeyModifiers::CONTROL;
const SHIFT: KeyModifiers = KeyModifiers::SHIFT;

/// Keys every prompt mode shares (scrolling, overlays, leaving).
macro_rules! common {
    () => {
        [
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
        ]
    };
}

/// The SMTP prompt: a line is a command; `/` lines are for smtpx.
pub static COMMAND: [Binding; 21] = {
    let c = common!();
    [
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
        bind(
            KeyCode::Esc,
            NONE,
            "Esc",
            KeyAction::Escape,
            "clear the line; on an empty one, pick a line to explain",
            Some("pick a line"),
        ),
        c[0],
        c[1],
        c[2],
        c[3],
        c[4],
        c[5],
        c[6],
        c[7],
        c[8],
        c[9],
        c[10],
        c[11],
        c[12],
        c[13],
        c[14],
        c[15],
    ]
};

/// Raw, byte-exact mode: escapes are sent literally, nothing is added.
pub static RAW: [Binding; 21] = {
    let c = common!();
    [
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
        bind(
            KeyCode::Esc,
            NONE,
            "Esc",
            KeyAction::Escape,
            "leave raw mode (also /raw)",
            Some("leave raw"),
        ),
        c[0],
        c[1],
        c[2],
        c[3],
        c[4],
        c[5],
        c[6],
        c[7],
        c[8],
        c[9],
        c[10],
        c[11],
        c[12],
        c[13],
        c[14],
        c[15],
    ]
};

/// After 354: lines are message content until a lone `.`.
pub static MESSAGE: [Binding; 17] = {
    let c = common!();
    [
        bind(
            KeyCode::Enter,
            NONE,
            "Enter",
            KeyAction::Submit,
            "add the line to the message; a lone . sends it (dot-stuffed)",
            Some("add line, a lone . sends"),
        ),
        c[0],
        c[1],
        c[2],
        c[3],
        c[4],
        c[5],
        c[6],
        c[7],
        c[8],
        c[9],
        c[10],
        c[11],
        c[12],
        c[13],
        c[14],
        c[15],
    ]
};

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
    bind(
        KeyCode::Char('c'),
        CTRL,
        "Ctrl-C",
        KeyAction::Quit,
        "quit",
        Some("quit"),
    ),
    bind(
        KeyCode::Char('q'),
        CTRL,
        "Ctrl-Q",
        KeyAction::Quit,
        "quit",
        None,
    ),
    bind(
        KeyCode::Char('z'),
        CTRL,
        "Ctrl-Z",
        KeyAction::Suspend,
        "suspend",
        None,
    ),
];

/// The help overlay.
pub static HELP: [Binding; 5] = [
    bind(
        KeyCode::Esc,
        NONE,
        "Esc",
        KeyAction::Escape,
        "close the help",
        Some("close"),
    ),
    bind(
        KeyCode::F(1),
        NONE,
        "F1",
        KeyAction::Escape,
        "close the help",
        None,
    ),
    bind(
        KeyCode::Char('q'),
        NONE,
        "q",
        KeyAction::Escape,
        "close the help",
        None,
    ),
    bind(
        KeyCode::Char('c'),
        CTRL,
        "Ctrl-C",
        KeyAction::Quit,
        "quit",
        Some("quit"),
    ),
    bind(
        KeyCode::Char('z'),
        CTRL,
        "Ctrl-Z",
        KeyAction::Suspend,
        "suspend",
        None,
    ),
];

/// The binding for a key in a table, if any. Shift is ignored for characters (terminals
/// differ on whether they report it).
pub fn find(table: &[Binding], key: &KeyEvent) -> Option<KeyAction> {
    table
        .iter()
        .find(|b| {
            b.code == key.code
                && (b.modifiers == key.modifiers
                    || (matches!(key.code, KeyCode::Char(_))
                        && b.modifiers == key.modifiers - KeyModifiers::SHIFT))
        })
        .map(|b| b.action)
}

/// The slash commands, for help and completion.
pub const SLASH_COMMANDS: &[(&str, &str)] = &[
    ("/help", "keys and commands"),
    ("/quit", "close the connection and leave"),
    (
        "/starttls",
        "send STARTTLS (the handshake follows its 220 at once)",
    ),
    ("/reconnect", "close and connect again"),
    (
        "/raw",
        "toggle byte-exact raw mode; /raw TEXT sends TEXT raw once",
    ),
    ("/save", "/save PATH writes the transcript as text"),
    ("/panel", "show or hide the side panel"),
    ("/note", "/note TEXT adds a note to the recorded transcript"),
    (
        "/auth",
        "the AUTH form: each step shown decoded, secrets masked",
    ),
    (
        "/mail",
        "compose a mail transaction: MAIL, RCPT, the message, DATA or BDAT",
    ),
    ("/timeline", "each step's latency; slow steps flagged"),
];
