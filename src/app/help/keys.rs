//! The help overlay's keymap: it scrolls when the screen is too short for it.
//!
//! Layer: app state.

use ratatui::crossterm::event::{KeyCode, KeyModifiers};

use crate::app::keymap::{Binding, KeyAction, bind};
use crate::app::prompt::keys::{QUIT, SUSPEND};

const NONE: KeyModifiers = KeyModifiers::NONE;

/// The help overlay (it scrolls when the screen is too short for it).
pub static HELP: [Binding; 9] = [
    bind(
        KeyCode::Up,
        NONE,
        "↑",
        KeyAction::LineUp,
        "scroll the help",
        None,
    ),
    bind(
        KeyCode::Down,
        NONE,
        "↓",
        KeyAction::LineDown,
        "scroll the help",
        None,
    ),
    bind(
        KeyCode::PageUp,
        NONE,
        "PgUp",
        KeyAction::PageUp,
        "scroll the help",
        None,
    ),
    bind(
        KeyCode::PageDown,
        NONE,
        "PgDn",
        KeyAction::PageDown,
        "scroll the help",
        None,
    ),
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
    QUIT,
    SUSPEND,
];
