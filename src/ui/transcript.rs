//! The transcript: only the rows that fit are wrapped and drawn (cost independent of the
//! transcript's length), ending at the scroll position.
//!
//! Layer: views. Entry text was escaped when the entry was made (`app::transcript::entries`).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme;
use crate::app::transcript::entries::PREFIX_WIDTH;
use crate::app::transcript::scroll::visible_rows;
use crate::app::{App, Kind};

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let width = usize::from(area.width);
    let rows = visible_rows(&app.entries, app.scroll, width, usize::from(area.height));
    let pad = " ".repeat(PREFIX_WIDTH);
    let lines: Vec<Line> = rows
        .into_iter()
        .filter_map(|(index, first, text)| {
            let entry = app.entries.get(index)?;
            let mut style = theme::entry(entry.kind, app.no_color());
            if app.picked_entry() == Some(index) {
                style = style.add_modifier(ratatui::style::Modifier::REVERSED);
            }
            let prefix = if first && app.picked_entry() == Some(index) {
                // The cursor, readable without colour.
                let mut p = entry.prefix(app.ascii());
                p.replace_range(0..1, ">");
                p
            } else if first {
                entry.prefix(app.ascii())
            } else {
                pad.clone()
            };
            let mut spans = vec![
                Span::styled(prefix, theme::dim()),
                Span::styled(text, style),
            ];
            if entry.kind == Kind::Boundary && first {
                let used = PREFIX_WIDTH + spans[1].content.chars().count() + 1;
                let rule = if app.ascii() { "=" } else { "═" };
                spans.push(Span::styled(
                    format!(" {}", rule.repeat(width.saturating_sub(used))),
                    style,
                ));
            }
            Some(Line::from(spans))
        })
        .collect();
    let placeholder = lines.is_empty();
    let paragraph = if placeholder {
        Paragraph::new(Line::styled(
            format!("connecting to {}…", app.target()),
            Style::default(),
        ))
    } else {
        Paragraph::new(lines)
    };
    frame.render_widget(paragraph, area);
}
