//! The explanation panel of line-pick mode: what the line under the cursor means
//! (`explain::reply` for a reply, rendered by `explain::render::lines`), drawn over the
//! half of the transcript the cursor line is not in, so both stay visible.
//!
//! Layer: views. The text was escaped by `explain::render` or when the entry was made.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::theme;
use crate::app::App;
use crate::app::transcript::scroll::visible_rows;

pub fn draw(frame: &mut Frame, transcript: Rect, app: &App) {
    let height = (transcript.height / 2).max(3).min(transcript.height);
    if height < 3 || transcript.width < 10 {
        return;
    }
    // The panel takes the half of the transcript the picked line is not in.
    let rows = visible_rows(
        &app.entries,
        app.scroll,
        usize::from(transcript.width),
        usize::from(transcript.height),
    );
    let picked_row = rows
        .iter()
        .rposition(|(index, _, _)| Some(*index) == app.picked_entry())
        .unwrap_or(rows.len());
    let on_top = picked_row >= usize::from(height);
    let y = if on_top {
        transcript.y
    } else {
        transcript.bottom().saturating_sub(height)
    };
    let area = Rect::new(transcript.x, y, transcript.width, height);
    let inner_width = usize::from(area.width.saturating_sub(2));
    let lines: Vec<Line> = app
        .picked_explanation(inner_width)
        .into_iter()
        .map(Line::from)
        .collect();
    let title = match app.picked_entry() {
        Some(index) => format!(" Explain: line {} ", index + 1),
        None => " Explain ".to_string(),
    };
    let mut block = Block::default()
        .borders(if on_top {
            Borders::BOTTOM
        } else {
            Borders::TOP
        })
        .title(title)
        .border_style(theme::dim());
    if app.ascii() {
        block = block.border_set(ratatui::symbols::border::PLAIN);
    }
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}
