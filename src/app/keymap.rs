//! One keymap table per mode. The same tables decide what a key does, draw the help
//! overlay and the one-line key hint — so the help can never disagree with the keys. This
//! file has the types and the lookup; the tables live with their feature (`prompt/keys.rs`,
//! `replay/keys.rs`, each overlay's folder).
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
    /// F2: the certificate view (`cert/` has its own keys).
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
    /// Replay mode: stepping, jumping, searching, playing (`replay/keys.rs`).
    Replay(super::replay::keys::ReplayKey),
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

/// Ctrl-C quits, not named in the hint line: the overlays' tables (AUTH form, composer).
pub(crate) const QUIT_UNHINTED: Binding = bind(
    KeyCode::Char('c'),
    KeyModifiers::CONTROL,
    "Ctrl-C",
    KeyAction::Quit,
    "quit",
    None,
);

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
