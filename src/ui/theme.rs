//! Colours and emphasis, with 16 colours at most; under `NO_COLOR` only bold, dim and
//! reverse remain, and the markers (`C>`, `S<`, `C~`, `S~`) still tell directions apart.
//!
//! Layer: views.

use ratatui::style::{Color, Modifier, Style};

use crate::app::Kind;
use crate::proto::reply::Severity;

/// Whether `NO_COLOR` asks for no colour (any non-empty value, <https://no-color.org>).
pub fn no_color_from_env() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

fn fg(no_color: bool, color: Color) -> Style {
    if no_color {
        Style::default()
    } else {
        Style::default().fg(color)
    }
}

/// The style of a transcript entry.
pub fn entry(kind: Kind, no_color: bool) -> Style {
    match kind {
        Kind::Client => fg(no_color, Color::Cyan),
        Kind::Server(Severity::PositiveCompletion | Severity::PositiveIntermediate) => {
            fg(no_color, Color::Green)
        }
        Kind::Server(Severity::TransientNegative) => {
            fg(no_color, Color::Yellow).add_modifier(Modifier::BOLD)
        }
        Kind::Server(Severity::PermanentNegative) => {
            fg(no_color, Color::Red).add_modifier(Modifier::BOLD)
        }
        Kind::Server(_) => fg(no_color, Color::Magenta),
        Kind::Info | Kind::Local => fg(no_color, Color::Gray),
        Kind::Warning => fg(no_color, Color::Yellow),
        Kind::Boundary => fg(no_color, Color::Blue).add_modifier(Modifier::BOLD),
        Kind::Finding | Kind::Error => fg(no_color, Color::Red).add_modifier(Modifier::BOLD),
        Kind::Draft => fg(no_color, Color::Cyan).add_modifier(Modifier::DIM),
    }
}

pub fn status_bar(no_color: bool) -> Style {
    if no_color {
        Style::default().add_modifier(Modifier::REVERSED)
    } else {
        Style::default().bg(Color::Blue).fg(Color::White)
    }
}

/// Something the person must notice: unverified TLS, raw mode.
pub fn alarm(no_color: bool) -> Style {
    fg(no_color, Color::Red).add_modifier(Modifier::BOLD)
}

pub fn good(no_color: bool) -> Style {
    fg(no_color, Color::Green).add_modifier(Modifier::BOLD)
}

pub fn dim() -> Style {
    Style::default().add_modifier(Modifier::DIM)
}

pub fn key(no_color: bool) -> Style {
    fg(no_color, Color::Yellow).add_modifier(Modifier::BOLD)
}
