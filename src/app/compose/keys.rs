//! The composer's keymaps: editing, and the confirmation before anything is sent. Keys not
//! bound here edit the focused field (characters, Backspace, Delete, Home, End, Ctrl-U/K).
//!
//! Layer: app state.

use ratatui::crossterm::event::{KeyCode, KeyModifiers};

use crate::app::keymap::{Binding, KeyCommand, bind, ctrl_c};

/// What a key does in the composer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComposeKey {
    /// Open the confirmation (nothing is sent yet).
    Review,
    /// The next / previous field (in the body: the next line).
    Next,
    Previous,
    /// Change a choice, or move the cursor.
    Left,
    Right,
    /// Scroll the preview.
    PageUp,
    PageDown,
    /// Close; the draft is kept.
    Close,
    /// On the confirmation: send.
    Send,
    /// On the confirmation: back to editing.
    Back,
    Quit,
}

impl KeyCommand for ComposeKey {
    fn essential(self) -> bool {
        self == ComposeKey::Quit
    }
}

const NONE: KeyModifiers = KeyModifiers::NONE;
const CTRL: KeyModifiers = KeyModifiers::CONTROL;

/// Editing the draft.
pub static EDIT_KEYS: [Binding<ComposeKey>; 12] = [
    bind(
        KeyCode::Char('s'),
        CTRL,
        "Ctrl-S",
        ComposeKey::Review,
        "review every command and byte, then send (confirm with Enter)",
        Some("review & send"),
    ),
    bind(
        KeyCode::Tab,
        NONE,
        "Tab",
        ComposeKey::Next,
        "next / previous field",
        Some("next field"),
    ),
    bind(
        KeyCode::BackTab,
        KeyModifiers::SHIFT,
        "Shift-Tab",
        ComposeKey::Previous,
        "next / previous field",
        None,
    ),
    bind(
        KeyCode::Enter,
        NONE,
        "Enter",
        ComposeKey::Next,
        "next field; in the body, a new line",
        None,
    ),
    bind(
        KeyCode::Down,
        NONE,
        "↓",
        ComposeKey::Next,
        "field (or body line) below / above",
        None,
    ),
    bind(
        KeyCode::Up,
        NONE,
        "↑",
        ComposeKey::Previous,
        "field (or body line) below / above",
        None,
    ),
    bind(
        KeyCode::Left,
        NONE,
        "←",
        ComposeKey::Left,
        "change a choice (DATA/BDAT, ending, RET, NOTIFY); else move the cursor",
        Some("change"),
    ),
    bind(
        KeyCode::Right,
        NONE,
        "→",
        ComposeKey::Right,
        "change a choice (DATA/BDAT, ending, RET, NOTIFY); else move the cursor",
        None,
    ),
    bind(
        KeyCode::PageUp,
        NONE,
        "PgUp",
        ComposeKey::PageUp,
        "scroll the preview",
        None,
    ),
    bind(
        KeyCode::PageDown,
        NONE,
        "PgDn",
        ComposeKey::PageDown,
        "scroll the preview",
        None,
    ),
    bind(
        KeyCode::Esc,
        NONE,
        "Esc",
        ComposeKey::Close,
        "close (the draft is kept for the next F5)",
        Some("close"),
    ),
    ctrl_c(ComposeKey::Quit, "quit", None),
];

/// The confirmation: nothing has been sent yet.
pub static CONFIRM_KEYS: [Binding<ComposeKey>; 5] = [
    bind(
        KeyCode::Enter,
        NONE,
        "Enter",
        ComposeKey::Send,
        "send: MAIL, each RCPT, then the message with exactly this ending",
        Some("send"),
    ),
    bind(
        KeyCode::Esc,
        NONE,
        "Esc",
        ComposeKey::Back,
        "back to editing; nothing is sent",
        Some("back"),
    ),
    bind(
        KeyCode::PageUp,
        NONE,
        "PgUp",
        ComposeKey::PageUp,
        "scroll",
        None,
    ),
    bind(
        KeyCode::PageDown,
        NONE,
        "PgDn",
        ComposeKey::PageDown,
        "scroll",
        None,
    ),
    ctrl_c(ComposeKey::Quit, "quit", None),
];
