//! The timeline view: one row per step (when, what, how long, a bar to scale, the reply
//! code), slow steps flagged with why; the thresholds are listed at the bottom.
//!
//! Layer: views. The rows come from [`crate::app::timeline`], already escaped.

use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme;
use crate::app::App;
use crate::app::timeline::TimelineView;
use crate::app::timeline::{
    SLOW_AUTH, SLOW_CONNECT, SLOW_GREETING, SLOW_MESSAGE, SLOW_REPLY, SLOW_TLS,
};

pub fn draw(frame: &mut Frame, screen: Rect, app: &App, view: &TimelineView) {
    let inner = super::overlay_frame(frame, screen, app, " timeline — Esc back ");
    let t = app.timeline();
    let mut lines = Vec::new();
    let slow = t.steps.iter().filter(|s| s.slow.is_some()).count();
    let summary = match t.slowest() {
        Some(step) => format!(
            "{} steps · slowest: {} ({}) · {} flagged slow",
            t.steps.len(),
            step.label,
            human(step.took.unwrap_or_default()),
            slow
        ),
        None => "nothing timed yet: connect, then each reply's latency appears here".into(),
    };
    lines.push(Line::styled(summary, theme::dim(app.look())));
    let max = t
        .steps
        .iter()
        .filter_map(|s| s.took)
        .max()
        .unwrap_or_default()
        .as_secs_f64();
    // Room for the longest slow flag (` ! slow DATA acceptance`) first, so it is never cut;
    // the label, then the bar, give way on a narrow screen.
    let flag_width = t
        .steps
        .iter()
        .filter_map(|s| s.slow)
        .map(|why| why.chars().count() + 3)
        .max()
        .unwrap_or(0);
    let width = usize::from(inner.width);
    let label_width = width.saturating_sub(40 + flag_width).clamp(8, 48);
    let bar_width = width
        .saturating_sub(9 + label_width + 1 + 14 + flag_width)
        .clamp(3, 12);
    let body_rows =
        usize::from(inner.height).saturating_sub(if t.steps.iter().any(|s| s.pipelined) {
            4
        } else {
            3
        });
    for step in t.steps.iter().skip(view.scroll).take(body_rows) {
        let took = step.took.map_or(String::new(), human);
        let bar = match step.took {
            Some(d) if max > 0.0 => {
                let n = ((d.as_secs_f64() / max) * bar_width as f64).ceil() as usize;
                let n = n.clamp(1, bar_width);
                if app.ascii() {
                    "#".repeat(n)
                } else {
                    "█".repeat(n)
                }
            }
            _ => String::new(),
        };
        let code = step.code.map_or(String::new(), |c| c.to_string());
        // A pipelined command is marked: it went in one write with its neighbours.
        let label: String = if step.pipelined {
            let mark = if app.ascii() { "| " } else { "⇶ " };
            mark.chars()
                .chain(step.label.chars())
                .take(label_width)
                .collect()
        } else {
            step.label.chars().take(label_width).collect()
        };
        let mut spans = vec![
            Span::styled(
                format!("{:>8.3} ", step.at.as_secs_f64()),
                theme::dim(app.look()),
            ),
            Span::raw(format!("{label:<label_width$} ")),
            Span::raw(format!("{code:>3} {took:>9} ")),
            Span::styled(format!("{bar:<bar_width$}"), theme::good(app.look())),
        ];
        if let Some(why) = step.slow {
            spans.push(Span::styled(format!(" ! {why}"), theme::alarm(app.look())));
        }
        lines.push(Line::from(spans));
    }
    let shown = lines.len();
    let pipelined = t.steps.iter().any(|s| s.pipelined);
    let legend_rows = if pipelined { 2 } else { 1 };
    for _ in shown..usize::from(inner.height).saturating_sub(legend_rows) {
        lines.push(Line::raw(""));
    }
    if pipelined {
        lines.push(Line::styled(
            if app.ascii() {
                "| pipelined: sent in one write with its neighbours (RFC 2920)"
            } else {
                "⇶ pipelined: sent in one write with its neighbours (RFC 2920)"
            },
            theme::dim(app.look()),
        ));
    }
    lines.push(Line::styled(
        format!(
            "slow: connect ≥{} · greeting ≥{} · TLS ≥{} · AUTH ≥{} · message accepted ≥{} · other ≥{}",
            secs(SLOW_CONNECT),
            secs(SLOW_GREETING),
            secs(SLOW_TLS),
            secs(SLOW_AUTH),
            secs(SLOW_MESSAGE),
            secs(SLOW_REPLY)
        ),
        theme::dim(app.look()),
    ));
    frame.render_widget(Paragraph::new(lines), inner);
}

fn human(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else if ms < 10_000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

fn secs(d: Duration) -> String {
    format!("{} s", d.as_secs())
}
