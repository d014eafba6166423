//! The explanation panel of line-pick mode: what the line under the cursor means
//! (`explain::reply` for a reply, rendered by `explain::render::lines`), drawn over the
//! half of the transcript the cursor line is not in, so both stay visible.
//!
//! Layer: views. The text was escaped by `explain::render` or when the entry was made.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::theme;
use crate::app::App;
use crate::app::transcript::scroll::visible_rows;

/// The share of the transcript the panel may take at most: three fifths.
const MOST_ROWS: (u16, u16) = (3, 5);

pub fn draw(frame: &mut Frame, transcript: Rect, app: &App) {
    if transcript.height < 3 || transcript.width < 10 {
        return;
    }
    let inner_width = usize::from(transcript.width.saturating_sub(2));
    // Rewrapped: explanations are made at least 40 columns wide.
    let text: Vec<String> = app
        .picked_explanation(inner_width)
        .iter()
        .flat_map(|line| crate::wrap::lines(line, inner_width))
        .collect();
    // As tall as the text needs (plus its border), up to the share; the rest scrolls.
    let most = (transcript.height * MOST_ROWS.0 / MOST_ROWS.1).max(3);
    let needed = u16::try_from(text.len() + 1).unwrap_or(u16::MAX);
    let height = needed.clamp(3, most);
    let visible = usize::from(height - 1);
    let scroll = app.explain_scroll().min(text.len().saturating_sub(visible));
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
    let more_below = scroll + visible < text.len();
    let lines: Vec<Line> = text.into_iter().skip(scroll).map(Line::from).collect();
    let mut title = match app.picked_entry() {
        Some(index) => format!(" Explain: line {} ", index + 1),
        None => " Explain ".to_string(),
    };
    if scroll > 0 || more_below {
        title.push_str(&format!(
            "· PgUp/PgDn scroll{} ",
            if more_below { " · more below" } else { "" }
        ));
    }
    let mut block = Block::default()
        .borders(if on_top {
            Borders::BOTTOM
        } else {
            Borders::TOP
        })
        .title(title)
        .border_style(theme::dim(app.look()));
    if app.ascii() {
        block = block.border_set(ratatui::symbols::border::PLAIN);
    }
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
