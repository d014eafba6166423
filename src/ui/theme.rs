//! Colours and emphasis, with 16 colours at most; under `NO_COLOR` only bold, dim and
//! reverse remain, and the markers (`C>`, `S<`, `C~`, `S~`) still tell directions apart.
//! The high-contrast theme (`--theme high-contrast`, for projectors and low vision) uses no
//! dim text and no grey: bright colours, bold where the normal theme dims.
//!
//! Layer: views.

use ratatui::style::{Color, Modifier, Style};

use crate::app::{Kind, Look};
use crate::proto::reply::Severity;

/// Whether `NO_COLOR` asks for no colour (any non-empty value, <https://no-color.org>).
pub fn no_color_from_env() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// `color`, or its bright form in the high-contrast theme; nothing under `NO_COLOR`.
fn fg(look: Look, color: Color) -> Style {
    if look.no_color {
        return Style::default();
    }
    if !look.high_contrast {
        return Style::default().fg(color);
    }
    let bright = match color {
        Color::Red => Color::LightRed,
        Color::Green => Color::LightGreen,
        Color::Yellow => Color::LightYellow,
        Color::Blue => Color::LightBlue,
        Color::Magenta => Color::LightMagenta,
        Color::Cyan => Color::LightCyan,
        Color::Gray | Color::DarkGray => Color::White,
        other => other,
    };
    Style::default().fg(bright).add_modifier(Modifier::BOLD)
}

/// The style of a transcript entry.
pub fn entry(kind: Kind, look: Look) -> Style {
    match kind {
        Kind::Client => fg(look, Color::Cyan),
        Kind::Server(Severity::PositiveCompletion | Severity::PositiveIntermediate) => {
            fg(look, Color::Green)
        }
        Kind::Server(Severity::TransientNegative) => {
            fg(look, Color::Yellow).add_modifier(Modifier::BOLD)
        }
        Kind::Server(Severity::PermanentNegative) => {
            fg(look, Color::Red).add_modifier(Modifier::BOLD)
        }
        Kind::Server(_) => fg(look, Color::Magenta),
        Kind::Info | Kind::Local => fg(look, Color::Gray),
        Kind::Warning => fg(look, Color::Yellow),
        Kind::Boundary => fg(look, Color::Blue).add_modifier(Modifier::BOLD),
        Kind::Finding | Kind::Error => fg(look, Color::Red).add_modifier(Modifier::BOLD),
        Kind::Draft if look.high_contrast => fg(look, Color::Cyan).add_modifier(Modifier::ITALIC),
        Kind::Draft => fg(look, Color::Cyan).add_modifier(Modifier::DIM),
    }
}

pub fn status_bar(look: Look) -> Style {
    if look.no_color {
        Style::default().add_modifier(Modifier::REVERSED)
    } else if look.high_contrast {
        Style::default()
            .bg(Color::White)
            .fg(Color::Black)
            .add_modifier(Modifier::BOLD)
    } else {
        Style::default().bg(Color::Blue).fg(Color::White)
    }
}

/// Something the person must notice: unverified TLS, raw mode.
pub fn alarm(look: Look) -> Style {
    fg(look, Color::Red).add_modifier(Modifier::BOLD)
}

pub fn good(look: Look) -> Style {
    fg(look, Color::Green).add_modifier(Modifier::BOLD)
}

/// Secondary text: dim, or plain in the high-contrast theme (dim text washes out on a
/// projector).
pub fn dim(look: Look) -> Style {
    if look.high_contrast {
        Style::default()
    } else {
        Style::default().add_modifier(Modifier::DIM)
    }
}

pub fn key(look: Look) -> Style {
    fg(look, Color::Yellow).add_modifier(Modifier::BOLD)
}
