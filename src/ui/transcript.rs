//! The transcript: only the rows that fit are wrapped and drawn (cost independent of the
//! transcript's length), ending at the scroll position.
//!
//! Layer: views. Entry text was escaped when the entry was made (`app::transcript::entries`).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme;
use crate::app::transcript::entries::PREFIX_WIDTH;
use crate::app::transcript::scroll::{VisibleRow, visible_rows_by_line};
use crate::app::{App, Kind};

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let width = usize::from(area.width);
    let rows = visible_rows_by_line(&app.entries, app.scroll, width, usize::from(area.height));
    let pad = " ".repeat(PREFIX_WIDTH);
    // A capability line picked inside an EHLO reply is set off alone.
    let picked_line = app.picked_line().filter(|&line| line > 0);
    let lines: Vec<Line> = rows
        .into_iter()
        .filter_map(|row| {
            let VisibleRow {
                entry: index,
                line,
                first,
                text,
            } = row;
            let entry = app.entries.get(index)?;
            let mut style = theme::entry(entry.kind, app.look());
            if app.picked_entry() == Some(index) && picked_line.is_none_or(|l| l == line) {
                style = style.add_modifier(Modifier::REVERSED);
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
            let used = PREFIX_WIDTH + text.chars().count() + 1;
            let mut spans = vec![Span::styled(prefix, theme::dim(app.look()))];
            spans.extend(highlighted(text, style, app.search_query()));
            if entry.kind == Kind::Boundary && first {
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

/// `text` in `style`, each match of `query` set off: reversed, or (on the picked line, which
/// is reversed already) underlined — readable without colour.
fn highlighted(text: String, style: Style, query: Option<&str>) -> Vec<Span<'static>> {
    let ranges = query
        .map(|q| crate::app::transcript::find::match_ranges(&text, q))
        .unwrap_or_default();
    if ranges.is_empty() {
        return vec![Span::styled(text, style)];
    }
    let picked = style.add_modifier.contains(Modifier::REVERSED);
    let mark = if picked {
        style.add_modifier(Modifier::UNDERLINED | Modifier::BOLD)
    } else {
        style.add_modifier(Modifier::REVERSED | Modifier::BOLD)
    };
    let mut spans = Vec::new();
    let mut at = 0;
    for range in ranges {
        if range.start > at {
            spans.push(Span::styled(text[at..range.start].to_string(), style));
        }
        spans.push(Span::styled(text[range.clone()].to_string(), mark));
        at = range.end;
    }
    if at < text.len() {
        spans.push(Span::styled(text[at..].to_string(), style));
    }
    spans
}
