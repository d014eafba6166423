//! The lesson list of `smtpx learn`: numbered lessons with a tick when finished, the
//! chosen one's goal below, the keys at the bottom. Readable at 80x24.
//!
//! Layer: views.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::theme;
use crate::app::Look;
use crate::app::lessons::LessonMenu;
use crate::proto::text::escape_str;

pub fn draw(frame: &mut Frame, area: Rect, menu: &LessonMenu, look: Look, ascii: bool) {
    let [head, list, goal, hint] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(5),
        Constraint::Length(1),
    ])
    .areas(area);
    frame.render_widget(
        Paragraph::new(Line::styled(
            format!(
                " smtpx learn · {} of {} finished · each lesson runs on a sandbox of its own",
                menu.finished(),
                menu.items.len()
            ),
            theme::status_bar(look),
        )),
        head,
    );
    let rows = usize::from(list.height);
    // Keep the cursor in view on a short screen.
    let first = menu.selected.saturating_sub(rows.saturating_sub(1));
    let lines: Vec<Line> = menu
        .items
        .iter()
        .enumerate()
        .skip(first)
        .take(rows)
        .map(|(i, item)| {
            let tick = match (item.done, ascii) {
                (true, false) => "✓",
                (true, true) => "x",
                (false, _) => " ",
            };
            let cursor = if i == menu.selected { ">" } else { " " };
            let mut style = if item.done {
                theme::good(look)
            } else {
                ratatui::style::Style::default()
            };
            if i == menu.selected {
                style = style.add_modifier(Modifier::REVERSED);
            }
            Line::from(vec![
                Span::styled(format!("{cursor} {tick} {:>2}. ", i + 1), theme::key(look)),
                Span::styled(escape_str(&item.title), style),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), list);
    let goal_text = menu
        .items
        .get(menu.selected)
        .map(|item| escape_str(&item.goal))
        .unwrap_or_default();
    let width = usize::from(goal.width.saturating_sub(1)).max(10);
    let goal_lines: Vec<Line> = crate::wrap::lines(&goal_text, width)
        .into_iter()
        .map(Line::from)
        .collect();
    let mut block = Block::default()
        .borders(Borders::TOP)
        .title(" Goal ")
        .border_style(theme::dim(look));
    if ascii {
        block = block.border_set(ratatui::symbols::border::PLAIN);
    }
    frame.render_widget(Paragraph::new(goal_lines).block(block), goal);
    frame.render_widget(
        Paragraph::new(Line::styled(
            "↑↓ choose · Enter start · 1–9 jump · q quit",
            theme::dim(look),
        )),
        hint,
    );
}
