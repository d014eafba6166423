//! The composer's keymaps: editing, and the confirmation before anything is sent. Keys not
//! bound here edit the focused field (characters, Backspace, Delete, Home, End, Ctrl-U/K).
//!
//! Layer: app state.

use ratatui::crossterm::event::{KeyCode, KeyModifiers};

use crate::app::keymap::{Binding, KeyAction, QUIT_UNHINTED, bind};

const NONE: KeyModifiers = KeyModifiers::NONE;
const CTRL: KeyModifiers = KeyModifiers::CONTROL;

/// Editing the draft.
pub static EDIT_KEYS: [Binding; 12] = [
    bind(
        KeyCode::Char('s'),
        CTRL,
        "Ctrl-S",
        KeyAction::FormSend,
        "review every command and byte, then send (confirm with Enter)",
        Some("review & send"),
    ),
    bind(
        KeyCode::Tab,
        NONE,
        "Tab",
        KeyAction::FormNext,
        "next / previous field",
        Some("next field"),
    ),
    bind(
        KeyCode::BackTab,
        KeyModifiers::SHIFT,
        "Shift-Tab",
        KeyAction::FormPrevious,
        "next / previous field",
        None,
    ),
    bind(
        KeyCode::Enter,
        NONE,
        "Enter",
        KeyAction::FormNext,
        "next field; in the body, a new line",
        None,
    ),
    bind(
        KeyCode::Down,
        NONE,
        "↓",
        KeyAction::FormNext,
        "field (or body line) below / above",
        None,
    ),
    bind(
        KeyCode::Up,
        NONE,
        "↑",
        KeyAction::FormPrevious,
        "field (or body line) below / above",
        None,
    ),
    bind(
        KeyCode::Left,
        NONE,
        "←",
        KeyAction::FormLeft,
        "change a choice (DATA/BDAT, ending, RET, NOTIFY); else move the cursor",
        Some("change"),
    ),
    bind(
        KeyCode::Right,
        NONE,
        "→",
        KeyAction::FormRight,
        "change a choice (DATA/BDAT, ending, RET, NOTIFY); else move the cursor",
        None,
    ),
    bind(
        KeyCode::PageUp,
        NONE,
        "PgUp",
        KeyAction::PageUp,
        "scroll the preview",
        None,
    ),
    bind(
        KeyCode::PageDown,
        NONE,
        "PgDn",
        KeyAction::PageDown,
        "scroll the preview",
        None,
    ),
    bind(
        KeyCode::Esc,
        NONE,
        "Esc",
        KeyAction::Escape,
        "close (the draft is kept for the next F5)",
        Some("close"),
    ),
    QUIT_UNHINTED,
];

/// The confirmation: nothing has been sent yet.
pub static CONFIRM_KEYS: [Binding; 5] = [
    bind(
        KeyCode::Enter,
        NONE,
        "Enter",
        KeyAction::Submit,
        "send: MAIL, each RCPT, then the message with exactly this ending",
        Some("send"),
    ),
    bind(
        KeyCode::Esc,
        NONE,
        "Esc",
        KeyAction::Escape,
        "back to editing; nothing is sent",
        Some("back"),
    ),
    bind(
        KeyCode::PageUp,
        NONE,
        "PgUp",
        KeyAction::PageUp,
        "scroll",
        None,
    ),
    bind(
        KeyCode::PageDown,
        NONE,
        "PgDn",
        KeyAction::PageDown,
        "scroll",
        None,
    ),
    QUIT_UNHINTED,
];
