//! The help overlay, generated from the current mode's keymap and the `/command` table, so
//! it always says what the keys really do. Replay mode's help ([`super::replay`]) is drawn
//! by the same [`draw_keys`] from the replay keymap.
//!
//! Layer: views.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::theme;
use crate::app::keymap::{self, Binding, SLASH_COMMANDS};
use crate::app::{App, Mode};

pub fn draw(frame: &mut Frame, screen: Rect, app: &App) {
    let bold = ratatui::style::Style::default().add_modifier(Modifier::BOLD);
    let table: &[keymap::Binding] = match app.mode {
        Mode::Command => &keymap::COMMAND,
        Mode::Raw => &keymap::RAW,
        Mode::Message => &keymap::MESSAGE,
    };
    let mut more = vec![
        Line::styled(" editing: ← → Home End Ctrl-A/E/U/W/K", theme::dim()),
        Line::styled("Commands for smtpx", bold),
    ];
    for (name, what) in SLASH_COMMANDS {
        more.push(Line::from(vec![
            Span::styled(format!(" {name:<11}"), theme::key(app.no_color)),
            Span::raw(*what),
        ]));
    }
    draw_keys(
        frame,
        screen,
        app,
        "Lines go to the server as SMTP commands. C> S< plaintext, C~ S~ in TLS.",
        table,
        more,
    );
}

/// The help box over `screen`: `intro`, one row per description of `table` (keys with the
/// same description share a row: `PgUp PgDn  scroll a page …`), then `more`.
pub fn draw_keys(
    frame: &mut Frame,
    screen: Rect,
    app: &App,
    intro: &'static str,
    table: &[Binding],
    more: Vec<Line<'static>>,
) {
    let area = screen.inner(ratatui::layout::Margin::new(
        if screen.width > 90 {
            (screen.width - 86) / 2
        } else {
            0
        },
        if screen.height > 30 { 2 } else { 0 },
    ));
    frame.render_widget(Clear, area);
    let mut lines = vec![Line::styled(intro, theme::dim())];
    let mut rows: Vec<(String, &str)> = Vec::new();
    for b in table {
        match rows.iter_mut().find(|(_, d)| *d == b.description) {
            Some((labels, _)) => {
                labels.push(' ');
                labels.push_str(b.label);
            }
            None => rows.push((b.label.to_string(), b.description)),
        }
    }
    for (labels, description) in rows {
        lines.push(Line::from(vec![
            Span::styled(format!(" {labels:<16} "), theme::key(app.no_color)),
            Span::raw(description),
        ]));
    }
    lines.extend(more);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" help — Esc closes ");
    let block = if app.ascii {
        block.border_set(ratatui::symbols::border::PLAIN)
    } else {
        block
    };
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}
