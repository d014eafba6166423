//! The AUTH form's keys and their help-table bindings.
//!
//! Layer: app state. A child of [`form`](super).

use crate::app::keymap::{Binding, KeyCommand, bind, ctrl_c};
use ratatui::crossterm::event::{KeyCode, KeyModifiers};

/// What a key does in the AUTH form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthKey {
    /// Run the SASL exchange.
    Submit,
    /// The next / previous field.
    Next,
    Previous,
    /// Change a choice, or move the cursor in a text field.
    Left,
    Right,
    /// Close the form; the password is forgotten.
    Cancel,
    Quit,
}

impl KeyCommand for AuthKey {
    fn essential(self) -> bool {
        self == AuthKey::Quit
    }
}

const NONE: KeyModifiers = KeyModifiers::NONE;

/// Keys of the AUTH form; other keys edit the focused field.
pub static KEYS: [Binding<AuthKey>; 9] = [
    bind(
        KeyCode::Enter,
        NONE,
        "Enter",
        AuthKey::Submit,
        "authenticate: run the SASL exchange",
        Some("authenticate"),
    ),
    bind(
        KeyCode::Tab,
        NONE,
        "Tab",
        AuthKey::Next,
        "next / previous field",
        Some("next field"),
    ),
    bind(
        KeyCode::Down,
        NONE,
        "↓",
        AuthKey::Next,
        "next / previous field",
        None,
    ),
    bind(
        KeyCode::BackTab,
        KeyModifiers::SHIFT,
        "Shift-Tab",
        AuthKey::Previous,
        "next / previous field",
        None,
    ),
    bind(
        KeyCode::Up,
        NONE,
        "↑",
        AuthKey::Previous,
        "next / previous field",
        None,
    ),
    bind(
        KeyCode::Left,
        NONE,
        "←",
        AuthKey::Left,
        "change the choice (mechanism, token source)",
        Some("change"),
    ),
    bind(
        KeyCode::Right,
        NONE,
        "→",
        AuthKey::Right,
        "change the choice (mechanism, token source)",
        None,
    ),
    bind(
        KeyCode::Esc,
        NONE,
        "Esc",
        AuthKey::Cancel,
        "cancel (the password is forgotten)",
        Some("cancel"),
    ),
    ctrl_c(AuthKey::Quit, "quit", None),
];
