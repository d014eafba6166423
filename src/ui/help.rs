//! The help overlay, generated from the current mode's keymap and the `/command` table (or
//! from the replay keymap in replay; [`App::help_keymap`]), so it always says what the keys really do. On a short
//! screen it scrolls (↑ ↓ PgUp PgDn) and its title says there is more.
//!
//! Layer: views.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::theme;
use crate::app::App;
use crate::app::help::HelpView;
use crate::app::keymap::SLASH_COMMANDS;

/// The help for what the person is doing: the explorer's mode, or replay.
pub fn draw(frame: &mut Frame, screen: Rect, app: &App, help: &HelpView) {
    let (area, paragraph, max) = layout(screen, app);
    frame.render_widget(Clear, area);
    let top = help.scroll.min(max);
    let title = if max == 0 {
        " help — Esc closes ".to_owned()
    } else {
        let arrows = match (top > 0, top < max) {
            (true, true) => "↑↓",
            (true, false) => "↑",
            _ => "↓",
        };
        format!(" help — {arrows} more: ↑↓ PgUp PgDn scroll · Esc closes ")
    };
    let block = Block::default().borders(Borders::ALL).title(title);
    let block = if app.ascii() {
        block.border_set(ratatui::symbols::border::PLAIN)
    } else {
        block
    };
    let top = u16::try_from(top).unwrap_or(u16::MAX);
    frame.render_widget(paragraph.block(block).scroll((top, 0)), area);
}

/// How many rows the help can scroll on `screen`: 0 when it fits. The terminal loop tells
/// the app ([`Action::HelpBounds`](crate::app::Action::HelpBounds)) so scrolling stops at
/// the last row.
pub fn max_scroll(screen: Rect, app: &App) -> usize {
    layout(screen, app).2
}

/// Where the box goes, its text, and how far it can scroll.
fn layout(screen: Rect, app: &App) -> (Rect, Paragraph<'static>, usize) {
    let area = screen.inner(ratatui::layout::Margin::new(
        if screen.width > 90 {
            (screen.width - 86) / 2
        } else {
            0
        },
        if screen.height > 30 { 2 } else { 0 },
    ));
    let paragraph = Paragraph::new(lines(app)).wrap(Wrap { trim: false });
    // The text inside the borders: two columns and two rows fewer.
    let rows = paragraph.line_count(area.width.saturating_sub(2));
    let max = rows.saturating_sub(usize::from(area.height.saturating_sub(2)));
    (area, paragraph, max)
}

/// The help's lines: an introduction, one row per description of the keymap (keys with the
/// same description share a row: `PgUp PgDn  scroll a page …`), then, in the explorer, the
/// editing keys and the `/command` table.
fn lines(app: &App) -> Vec<Line<'static>> {
    let bold = ratatui::style::Style::default().add_modifier(Modifier::BOLD);
    let intro = if app.replay.is_some() {
        "Replay: the session as it was at the current event. C> S< plaintext, C~ S~ in TLS."
    } else {
        EXPLORER
    };
    let mut lines = vec![Line::styled(intro, theme::dim(app.look()))];
    let mut rows: Vec<(String, &str)> = Vec::new();
    app.help_keymap().for_each(
        |key| match rows.iter_mut().find(|(_, d)| *d == key.description) {
            Some((labels, _)) => {
                labels.push(' ');
                labels.push_str(key.label);
            }
            None => rows.push((key.label.to_string(), key.description)),
        },
    );
    for (labels, description) in rows {
        lines.push(Line::from(vec![
            Span::styled(format!(" {labels:<16} "), theme::key(app.look())),
            Span::raw(description),
        ]));
    }
    if app.replay.is_none() {
        lines.push(Line::styled(
            " editing: ← → Home End Ctrl-A/E/U/W/K",
            theme::dim(app.look()),
        ));
        lines.push(Line::styled("Commands for smtpx", bold));
        for (name, what) in SLASH_COMMANDS {
            lines.push(Line::from(vec![
                Span::styled(format!(" {name:<11}"), theme::key(app.look())),
                Span::raw(*what),
            ]));
        }
    }
    lines
}

const EXPLORER: &str = "Lines go to the server as SMTP commands. C> S< plaintext, C~ S~ in TLS.";
