//! The sequence diagram view: time on the left, the client's and the server's columns, one
//! row per rung — a command an arrow to the server, a reply a dashed arrow back with its
//! latency beside the server's column, a refusal crossed and in red, the TLS part drawn with
//! double column lines under its handshake band. Long labels end in `…` inside their arrow;
//! the rows scroll, and follow the newest step unless scrolled back.
//!
//! Layer: views. The rungs come from [`crate::transcript::ladder`], already escaped.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme;
use crate::app::App;
use crate::app::Kind;
use crate::app::Look;
use crate::app::ladder::LadderView;
use crate::proto::reply::Severity;
use crate::transcript::ladder::{Flow, Ladder, Outcome, Rung, RungKind};

/// Columns of the time gutter (`  12.345 `).
const TIME: usize = 9;
/// Columns right of the server's line, for the latency.
const LATENCY: usize = 10;

/// The line-drawing characters, Unicode or ASCII (`TERM=linux`).
struct Glyphs {
    line: &'static str,
    tls_line: &'static str,
    dash: &'static str,
    reply_dash: &'static str,
    band: &'static str,
    to_server: &'static str,
    to_client: &'static str,
    refused: &'static str,
    band_left: &'static str,
    band_right: &'static str,
}

const UNICODE: Glyphs = Glyphs {
    line: "│",
    tls_line: "║",
    dash: "─",
    reply_dash: "╌",
    band: "═",
    to_server: "▶",
    to_client: "◀",
    refused: "✗",
    band_left: "╞",
    band_right: "╡",
};

const ASCII: Glyphs = Glyphs {
    line: "|",
    tls_line: "#",
    dash: "-",
    reply_dash: "-",
    band: "=",
    to_server: ">",
    to_client: "<",
    refused: "x",
    band_left: "+",
    band_right: "+",
};

pub fn draw(frame: &mut Frame, screen: Rect, app: &App, view: &LadderView) {
    let inner = super::overlay_frame(frame, screen, app, " sequence diagram — Esc back ");
    let lines = lines(app.ladder(), app, view, inner.width, inner.height);
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The view's lines for an area `width` × `height`.
fn lines(
    ladder: &Ladder,
    app: &App,
    view: &LadderView,
    width: u16,
    height: u16,
) -> Vec<Line<'static>> {
    let width = usize::from(width);
    let glyphs = if app.ascii() { &ASCII } else { &UNICODE };
    let look = app.look();
    // The arrows' room: between the two columns' lines.
    let span = width.saturating_sub(TIME + LATENCY + 2).max(8);
    let server = app.target().to_string();
    let mut out = Vec::new();
    let refused = ladder.refusals();
    let summary = if ladder.rungs.is_empty() {
        "nothing yet: each command and reply becomes an arrow here".to_string()
    } else {
        format!(
            "{} steps · {} refused{}",
            ladder.rungs.len(),
            refused,
            if ladder.rungs.iter().any(|r| r.tls) {
                " · double lines: inside TLS"
            } else {
                ""
            }
        )
    };
    out.push(Line::styled(fit(&summary, width), theme::dim(app.look())));
    let client = "client";
    let server_label = fit(&server, span.saturating_sub(client.len() + 1));
    let gap = span + 2 - client.len() - width_of(&server_label);
    out.push(Line::from(vec![
        Span::raw(" ".repeat(TIME - 3)),
        Span::styled(client, Style::default().add_modifier(Modifier::BOLD)),
        Span::raw(" ".repeat(gap.max(1))),
        Span::styled(server_label, Style::default().add_modifier(Modifier::BOLD)),
    ]));
    let rows = usize::from(height).saturating_sub(out.len());
    let first = view.first(ladder.rungs.len(), rows);
    for rung in ladder.rungs.iter().skip(first).take(rows) {
        out.push(row(rung, glyphs, span, look));
    }
    out
}

/// One rung as a row: `  0.012 │── EHLO me ─────────▶│`.
fn row(rung: &Rung, g: &Glyphs, span: usize, look: Look) -> Line<'static> {
    let time = format!("{:>8.3} ", rung.at.as_secs_f64());
    let bar = if rung.tls { g.tls_line } else { g.line };
    let bar_style = if rung.tls {
        theme::entry(Kind::Boundary, look)
    } else {
        theme::dim(look)
    };
    let refusal = rung.outcome.is_some_and(Outcome::is_refusal);
    let style = match (rung.kind, rung.outcome) {
        (RungKind::Command | RungKind::Content, _) => theme::entry(Kind::Client, look),
        (RungKind::Reply, Some(Outcome::Transient)) => {
            theme::entry(Kind::Server(Severity::TransientNegative), look)
        }
        (RungKind::Reply, Some(Outcome::Permanent)) => {
            theme::entry(Kind::Server(Severity::PermanentNegative), look)
        }
        (RungKind::Reply, Some(Outcome::Unknown)) => {
            theme::entry(Kind::Server(Severity::Unknown), look)
        }
        (RungKind::Reply, _) => theme::entry(Kind::Server(Severity::PositiveCompletion), look),
        (RungKind::Tls, _) => theme::entry(Kind::Boundary, look),
        (RungKind::Failed | RungKind::Finding, _) => theme::entry(Kind::Error, look),
        (RungKind::Connect | RungKind::Note | RungKind::Closed, _) => {
            theme::entry(Kind::Info, look)
        }
    };
    let text = rung.text();
    let (left, middle, right) = match rung.flow {
        Flow::ToServer => {
            // ── LABEL ────▶
            let label = fit(&text, span.saturating_sub(5));
            let fill = span.saturating_sub(width_of(&label) + 4);
            (
                bar,
                format!(
                    "{d}{d} {label} {}{}",
                    g.dash.repeat(fill),
                    g.to_server,
                    d = g.dash
                ),
                bar,
            )
        }
        Flow::ToClient => {
            // ◀╌ LABEL ╌╌╌╌ (✗ for a refusal)
            let head = if refusal { g.refused } else { g.to_client };
            let label = fit(&text, span.saturating_sub(5));
            let fill = span.saturating_sub(width_of(&label) + 4);
            (
                bar,
                format!(
                    "{head}{d} {label} {}",
                    g.reply_dash.repeat(fill + 1),
                    d = g.reply_dash
                ),
                bar,
            )
        }
        Flow::Across => {
            let label = match (rung.kind, rung.latency_text()) {
                (RungKind::Closed, _) | (_, None) => text,
                (_, Some(latency)) => format!("{text} ({latency})"),
            };
            let label = match rung.kind {
                RungKind::Failed => format!("{} {label}", g.refused),
                _ => label,
            };
            // As wide as an arrow: `span + 1` columns between the two lines.
            let label = fit(&label, span.saturating_sub(3));
            let fill = (span + 1).saturating_sub(width_of(&label) + 2);
            let (pad, l, r) = if rung.kind == RungKind::Tls {
                (g.band, g.band_left, g.band_right)
            } else {
                (" ", bar, bar)
            };
            let before = fill / 2;
            (
                l,
                format!(
                    "{} {label} {}",
                    pad.repeat(before),
                    pad.repeat(fill - before)
                ),
                r,
            )
        }
    };
    let latency = match rung.flow {
        Flow::ToClient => rung.latency_text().unwrap_or_default(),
        _ => String::new(),
    };
    let style = if refusal {
        style.add_modifier(Modifier::BOLD)
    } else {
        style
    };
    Line::from(vec![
        Span::styled(time, theme::dim(look)),
        Span::styled(left.to_string(), bar_style),
        Span::styled(middle, style),
        Span::styled(right.to_string(), bar_style),
        Span::styled(format!(" {latency}"), theme::dim(look)),
    ])
}

/// The columns `text` takes on a terminal.
fn width_of(text: &str) -> usize {
    Span::raw(text).width()
}

/// `text` cut to `width` columns, ending in `…` when cut.
fn fit(text: &str, width: usize) -> String {
    if width_of(text) <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = width_of(c.encode_utf8(&mut [0; 4]));
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_cuts_by_columns_and_marks_the_cut() {
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("abc", 4), "abc");
        // Wide characters take two columns each.
        assert_eq!(width_of(&fit("日本語テキスト", 7)), 7);
    }
}
