//! The status bar: target, transport (plaintext, or the TLS version with VERIFIED / NOT
//! verified — always visible when not verified), session state, time connected, and where
//! the transcript was saved. Shortened on narrow screens.
//!
//! Layer: views.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme;
use crate::app::{App, Mode};
use crate::proto::text::escape_str;

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let wide = area.width >= 100;
    let base = theme::status_bar(app.look());
    let mut spans = vec![Span::styled(
        if wide { " smtpx  " } else { " " },
        base.add_modifier(Modifier::BOLD),
    )];
    spans.push(Span::styled(
        format!("{}  ", escape_str(app.target())),
        base,
    ));
    // The verdict in a few words beside the badge ("self-signed", "pinned"), where there is room.
    let verdict = app.cert().tls.as_ref().map(|(info, _)| &info.verdict);
    let (transport, style) = match &app.tls {
        _ if !app.connected() => ("no connection".to_string(), base),
        None => ("plaintext".to_string(), base),
        Some((version, true)) => {
            let v = version.replace("TLSv", "TLS");
            (
                if wide && verdict.is_some_and(|v| v.is_pinned()) {
                    format!("{v} VERIFIED (pinned)")
                } else if wide {
                    format!("{v} VERIFIED")
                } else {
                    format!("{v} ok")
                },
                base.add_modifier(Modifier::BOLD),
            )
        }
        Some((version, false)) => {
            let v = version.replace("TLSv", "TLS");
            let alarm = if app.no_color() {
                Style::default().add_modifier(Modifier::BOLD)
            } else {
                Style::default()
                    .bg(Color::Red)
                    .fg(Color::White)
                    .add_modifier(Modifier::BOLD)
            };
            let text = match verdict {
                Some(verdict) if wide => format!("{v} NOT verified: {}", verdict.short()),
                _ => format!("{v} NOT verified"),
            };
            (text, alarm)
        }
    };
    spans.push(Span::styled(transport, style));
    spans.push(Span::styled("  ", base));
    let state = if wide {
        format!("state: {}", app.state_name())
    } else {
        app.state_name()
    };
    spans.push(Span::styled(state, base));
    if let Some(elapsed) = app.connected_for() {
        let secs = elapsed.as_secs();
        spans.push(Span::styled(
            format!("  {:02}:{:02}", secs / 60, secs % 60),
            base,
        ));
    }
    if app.mode() == Mode::Raw {
        spans.push(Span::styled("  ", base));
        spans.push(Span::styled(
            " RAW ",
            theme::alarm(app.look()).add_modifier(Modifier::REVERSED),
        ));
    }
    if let Some(error) = app.record_error() {
        spans.push(Span::styled("  ", base));
        let label = if wide {
            format!("rec FAILED: {}", escape_str(error))
        } else {
            "rec FAILED".to_string()
        };
        spans.push(Span::styled(label, theme::alarm(app.look())));
    } else if let Some(path) = app.recording() {
        // UI.md: the whole path only where there is room; the file name otherwise.
        let label = if wide {
            let name = path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            let ellipsis = if app.ascii() { ".../" } else { "…/" };
            format!("  rec: {ellipsis}{}", escape_str(&name))
        } else {
            "  rec".to_string()
        };
        spans.push(Span::styled(label, base));
        if app.recording_secrets() {
            spans.push(Span::styled(" +SECRETS", theme::alarm(app.look())));
        }
    }
    if let Some(label) = super::replay::status_label(app, wide) {
        spans.push(Span::styled(label, base));
    }
    if wide && let Some(path) = app.saved_to() {
        spans.push(Span::styled(
            format!("  saved: {}", escape_str(&path.display().to_string())),
            base,
        ));
    }
    if !app.scroll.is_following() {
        spans.push(Span::styled("  [scrolled back]", base));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).style(base), area);
}
