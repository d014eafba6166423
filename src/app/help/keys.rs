//! The help overlay's keymap: it scrolls when the screen is too short for it.
//!
//! Layer: app state.

use ratatui::crossterm::event::KeyCode;

use crate::app::keymap::{Binding, KeyCommand, ctrl_c, ctrl_z, plain};

/// What a key does in the help overlay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HelpKey {
    LineUp,
    LineDown,
    PageUp,
    PageDown,
    Close,
    Quit,
    Suspend,
}

impl KeyCommand for HelpKey {
    fn essential(self) -> bool {
        self == HelpKey::Quit
    }
}

/// The help overlay (it scrolls when the screen is too short for it).
pub static HELP: [Binding<HelpKey>; 9] = [
    plain(KeyCode::Up, "↑", HelpKey::LineUp, "scroll the help", None),
    plain(
        KeyCode::Down,
        "↓",
        HelpKey::LineDown,
        "scroll the help",
        None,
    ),
    plain(
        KeyCode::PageUp,
        "PgUp",
        HelpKey::PageUp,
        "scroll the help",
        None,
    ),
    plain(
        KeyCode::PageDown,
        "PgDn",
        HelpKey::PageDown,
        "scroll the help",
        None,
    ),
    plain(
        KeyCode::Esc,
        "Esc",
        HelpKey::Close,
        "close the help",
        Some("close"),
    ),
    plain(KeyCode::F(1), "F1", HelpKey::Close, "close the help", None),
    plain(
        KeyCode::Char('q'),
        "q",
        HelpKey::Close,
        "close the help",
        None,
    ),
    ctrl_c(HelpKey::Quit, "quit", Some("quit")),
    ctrl_z(HelpKey::Suspend, "suspend"),
];
