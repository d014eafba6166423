//! One keymap table per mode and overlay, each binding that feature's own action enum. The
//! same tables decide what a key does, draw the help overlay and the one-line key hint — so
//! the help can never disagree with the keys. This file has the generic types and the
//! lookup; the enums, tables and handlers live with their feature (`prompt/keys.rs`,
//! `replay/keys.rs`, each overlay's folder), and `help/keymaps.rs` gathers the tables for
//! the views.
//!
//! Layer: app state. Keys not in a table go to the line editor (tui-input: ← → Home End,
//! Ctrl-A/E/U/W/K, Backspace, Delete).

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// An action a keymap binds. Each mode and overlay has its own enum (`PromptKey`,
/// `ReplayKey`, `CertKey`, …), so a handler matches only the actions its table can give.
pub trait KeyCommand: Copy {
    /// Kept in the one-line hint when the row is too short for every word (quitting, the
    /// help).
    fn essential(self) -> bool;
}

/// One row of a keymap.
#[derive(Debug, Clone, Copy)]
pub struct Binding<A> {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
    /// How the key is written in help and hints.
    pub label: &'static str,
    pub action: A,
    pub description: &'static str,
    /// The word shown in the one-line hint under the prompt, if any.
    pub hint: Option<&'static str>,
}

/// A binding, for the keymap tables of every mode and overlay.
pub(crate) const fn bind<A>(
    code: KeyCode,
    modifiers: KeyModifiers,
    label: &'static str,
    action: A,
    description: &'static str,
    hint: Option<&'static str>,
) -> Binding<A> {
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
pub(crate) const fn plain<A>(
    code: KeyCode,
    label: &'static str,
    action: A,
    description: &'static str,
    hint: Option<&'static str>,
) -> Binding<A> {
    bind(code, KeyModifiers::NONE, label, action, description, hint)
}

/// Ctrl-C: quit, as every table but the certificate's and the timeline's binds it.
pub(crate) const fn ctrl_c<A>(
    action: A,
    description: &'static str,
    hint: Option<&'static str>,
) -> Binding<A> {
    bind(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
        "Ctrl-C",
        action,
        description,
        hint,
    )
}

/// Ctrl-Z: suspend.
pub(crate) const fn ctrl_z<A>(action: A, description: &'static str) -> Binding<A> {
    bind(
        KeyCode::Char('z'),
        KeyModifiers::CONTROL,
        "Ctrl-Z",
        action,
        description,
        None,
    )
}

/// The binding for a key in a table, if any. Shift is ignored for characters (terminals
/// differ on whether they report it).
pub fn find<A: Copy>(table: &[Binding<A>], key: &KeyEvent) -> Option<A> {
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
    (
        "/reconnect",
        "close and connect again (--tls: TLS from the first byte; --plain)",
    ),
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
    (
        "/lesson",
        "the lesson's goal again; /lesson solve: what to type for this step",
    ),
    (
        "/ladder",
        "the session as a sequence diagram (client, server, an arrow per step)",
    ),
    (
        "/find",
        "/find TEXT picks the latest line showing TEXT; n / N the next / previous",
    ),
    (
        "/copy",
        "the transcript to the clipboard (OSC 52); c copies a picked line",
    ),
    (
        "/mouse",
        "mouse off (the terminal selects text) or on again (F8)",
    ),
];
