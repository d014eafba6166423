//! Replay mode's rows: the position bar where the prompt is (`event 37/112 ▸ playing x2`,
//! or the search line), the notice row (the replay's word, else the latest reply
//! explained), the status bar's `replay:` label, and the help generated from the replay
//! keymap.
//!
//! Layer: views.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme;
use crate::app::App;
use crate::app::replay::Replay;
use crate::proto::text::escape_str;

/// The position bar, or the search line while it is open.
pub fn draw_position(frame: &mut Frame, area: Rect, app: &App, replay: &Replay) {
    if let Some(search) = &replay.search {
        let label = "search: ";
        let width = area.width.saturating_sub(label.len() as u16 + 1).max(1);
        let scroll = search.visual_scroll(usize::from(width));
        let shown: String = escape_str(search.value()).chars().skip(scroll).collect();
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(label, theme::key(app.look())),
                Span::raw(shown),
            ])),
            area,
        );
        let cursor = search.visual_cursor().saturating_sub(scroll) as u16;
        frame.set_cursor_position(Position::new(
            area.x + label.len() as u16 + cursor.min(width),
            area.y,
        ));
        return;
    }
    let (mark, state) = match (replay.playing.is_some(), app.ascii()) {
        (true, false) => ("▸", "playing"),
        (true, true) => (">", "playing"),
        (false, false) => ("⏸", "paused"),
        (false, true) => ("||", "paused"),
    };
    let mut spans = vec![
        Span::styled(
            format!("event {}/{}", replay.position, replay.len()),
            theme::key(app.look()).add_modifier(Modifier::BOLD),
        ),
        Span::raw(format!(" {mark} {state} x{}", replay.speed())),
    ];
    if let Some(at) = app.connected_for() {
        spans.push(Span::styled(
            format!("   at {:.3} s", at.as_secs_f64()),
            theme::dim(app.look()),
        ));
    }
    if let Some(query) = &replay.query {
        spans.push(Span::styled(
            format!("   /{}", escape_str(query)),
            theme::dim(app.look()),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The replay's word when it has one; otherwise the explorer's notice row.
pub fn draw_notice(frame: &mut Frame, area: Rect, app: &App, replay: &Replay) {
    match &replay.message {
        Some(message) if !app.picking() && app.notice().is_none() => frame.render_widget(
            Paragraph::new(Line::styled(message.as_str(), theme::key(app.look()))),
            area,
        ),
        _ => super::prompt::draw_notice(frame, area, app),
    }
}

/// The status bar's label: the file, and a mark when it was cut off.
pub fn status_label(app: &App, wide: bool) -> Option<String> {
    let replay = app.replay.as_ref()?;
    let cut = if replay.source.cut { " (cut off)" } else { "" };
    Some(if wide {
        let name = replay.file.file_name().map_or_else(
            || replay.file.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        format!("  replay: {}{cut}", escape_str(&name))
    } else {
        format!("  replay{cut}")
    })
}
