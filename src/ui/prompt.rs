//! The three bottom rows: a notice (completion candidates, the mode's rule, local errors),
//! the prompt with its mode label, and the key hint taken from the current keymap.
//!
//! Layer: views.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme;
use crate::app::{App, Mode};
use crate::proto::text::escape_str;

/// Most rows a notice takes: a held-back warning is read to its end at 80 columns.
const MOST_NOTICE_ROWS: usize = 3;

/// Rows the notice row needs at `width`: more than one only for a notice of the prompt
/// (a warning, a local error) that does not fit.
pub fn notice_rows(app: &App, width: u16) -> u16 {
    let rows = match app.notice() {
        Some(notice)
            if app.completion().is_none()
                && app.overlay_kind() != Some(crate::app::OverlayKind::Pick) =>
        {
            crate::wrap::count(&escape_str(notice), usize::from(width))
        }
        _ => 1,
    };
    u16::try_from(rows.clamp(1, MOST_NOTICE_ROWS)).unwrap_or(1)
}

pub fn draw_notice(frame: &mut Frame, area: Rect, app: &App) {
    let line = if let Some(c) = app.completion() {
        let mut spans = vec![Span::styled("Tab: ", theme::dim(app.look()))];
        for (i, candidate) in c.candidates.iter().enumerate() {
            let style = if i == c.index {
                theme::key(app.look()).add_modifier(Modifier::REVERSED)
            } else {
                ratatui::style::Style::default()
            };
            spans.push(Span::styled(escape_str(candidate.trim_end()), style));
            spans.push(Span::raw(" "));
        }
        Line::from(spans)
    } else if let Some(notice) = app
        .notice()
        .filter(|_| app.overlay_kind() == Some(crate::app::OverlayKind::Pick))
    {
        // In line-pick mode a notice is the search's count or a copy's outcome.
        Line::styled(escape_str(notice), theme::key(app.look()))
    } else if app.overlay_kind() == Some(crate::app::OverlayKind::Pick) {
        Line::styled(
            "pick a line: ↑/↓ move the cursor, its explanation is shown; Enter or Esc goes back",
            theme::key(app.look()),
        )
    } else if let Some(notice) = app.notice() {
        let style = theme::alarm(app.look());
        let lines: Vec<Line> = crate::wrap::lines(&escape_str(notice), usize::from(area.width))
            .into_iter()
            .map(|row| Line::styled(row, style))
            .collect();
        frame.render_widget(Paragraph::new(lines), area);
        return;
    } else {
        match app.mode() {
            Mode::Raw => Line::styled(
                "RAW byte-exact: \\r \\n \\t \\0 \\\\ \\xHH are sent as bytes; no CRLF is added",
                theme::alarm(app.look()),
            ),
            Mode::Message => Line::styled(
                format!(
                    "message mode: {} line(s) collected; a lone . ends and sends it, dot-stuffed",
                    app.message().len()
                ),
                theme::key(app.look()),
            ),
            Mode::Command if app.awaits_sasl_response() => Line::styled(
                "334: the next line is the SASL response (shown redacted); * cancels",
                theme::key(app.look()),
            ),
            Mode::Command if app.in_auth_exchange() => Line::styled(
                "AUTH sent: a line typed now answers it (shown redacted); * cancels",
                theme::key(app.look()),
            ),
            Mode::Command => Line::styled(last_reply_hint(app), theme::dim(app.look())),
        }
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// The latest reply explained: codes, title, reference (`explain::reply`).
fn last_reply_hint(app: &App) -> String {
    app.latest_reply_explained().unwrap_or_default()
}

pub fn draw_prompt(frame: &mut Frame, area: Rect, app: &App) {
    let label = app.prompt_label();
    let label_style = match app.mode() {
        Mode::Raw => theme::alarm(app.look()).add_modifier(Modifier::REVERSED),
        _ => theme::key(app.look()),
    };
    let label_width = label.chars().count() as u16;
    let width = area.width.saturating_sub(label_width + 1).max(1);
    let scroll = app.input.visual_scroll(usize::from(width));
    let shown: String = if app.in_auth_exchange() && app.mode() == Mode::Command {
        // A SASL response is a secret: never on screen, not even while typed.
        "•".repeat(app.input.value().chars().count())
    } else {
        escape_str(app.input.value())
    };
    let line = Line::from(vec![
        Span::styled(label, label_style),
        Span::raw(shown.chars().skip(scroll).collect::<String>()),
    ]);
    frame.render_widget(Paragraph::new(line), area);
    if app.overlay().is_none() {
        let cursor = app.input.visual_cursor().saturating_sub(scroll) as u16;
        frame.set_cursor_position(Position::new(
            area.x + label_width + cursor.min(width),
            area.y,
        ));
    }
}

pub fn draw_hint(frame: &mut Frame, area: Rect, app: &App) {
    // (label, word, keep): the first key, quitting and /help stay when the row is short.
    let mut items: Vec<(&str, String, bool)> = Vec::new();
    app.keymap().for_each(|key| {
        let Some(word) = key.hint else { return };
        let keep = items.is_empty() || key.essential;
        items.push((key.label, format!(" {word}"), keep));
    });
    if app.overlay().is_none() && app.mode() == Mode::Command && app.replay.is_none() {
        items.push(("/help", String::new(), true));
    }
    let width = |items: &[(&str, String, bool)]| -> usize {
        items
            .iter()
            .map(|(label, word, _)| label.chars().count() + word.chars().count() + 3)
            .sum::<usize>()
            .saturating_sub(3)
    };
    // Drop optional hints from the right until the row fits (80 columns keeps Ctrl-C quit).
    while width(&items) > usize::from(area.width) {
        let Some(drop) = items.iter().rposition(|(_, _, keep)| !keep) else {
            break;
        };
        items.remove(drop);
    }
    let mut spans = Vec::new();
    for (label, word, _) in items {
        if !spans.is_empty() {
            spans.push(Span::styled(" · ", theme::dim(app.look())));
        }
        spans.push(Span::styled(label, theme::key(app.look())));
        spans.push(Span::raw(word));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
