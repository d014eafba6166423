//! The side panel: the current EHLO capabilities and the commands valid now
//! ([`Session::valid_next`](crate::proto::session::Session::valid_next)).
//!
//! Layer: views. Capability text comes from the server and is escaped.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::theme;
use crate::app::App;
use crate::proto::text::escape_str;

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    frame.render_widget(Clear, area);
    let mut lines = Vec::new();
    let bold = ratatui::style::Style::default().add_modifier(Modifier::BOLD);
    if let Some(route) = app.mail_route() {
        // Inside the left border; rows after the first hang under the line's indent.
        let width = usize::from(area.width.saturating_sub(1));
        lines.extend(route_lines(app, route, bold, width));
    }
    let title = if app.session.tls_active() {
        "Server offers (in TLS)"
    } else {
        "Server offers"
    };
    lines.push(Line::styled(title, bold));
    match app.session.capabilities() {
        Some(caps) => {
            let keywords: Vec<_> = caps.extensions.iter().collect();
            if keywords.is_empty() {
                lines.push(Line::from(" (no extensions)"));
            }
            for ext in keywords {
                let mut spans = vec![Span::raw(format!(" {}", escape_str(&ext.raw_line)))];
                // The parameters in plain words: `SIZE 10485760  10 MiB`.
                // AUTH's words would repeat the mechanisms its line already lists.
                let words = crate::explain::capability_params(ext)
                    .filter(|_| !ext.keyword.eq_ignore_ascii_case("AUTH"));
                if let Some(words) = words {
                    // The short form; the exact octets are in the reply beside it.
                    let words = without_asides(&words);
                    spans.push(Span::styled(
                        format!("  {}", escape_str(&words)),
                        theme::dim(app.look()),
                    ));
                }
                lines.push(Line::from(spans));
            }
        }
        None if app.session.tls_active() => lines.push(Line::styled(
            " (forgotten after TLS: EHLO)",
            theme::dim(app.look()),
        )),
        None => lines.push(Line::styled(" (send EHLO to see)", theme::dim(app.look()))),
    }
    lines.push(Line::from(""));
    lines.push(Line::styled("Valid now", bold));
    let valid = app.session.valid_next();
    if valid.is_empty() {
        lines.push(Line::styled(
            " (wait for the reply)",
            theme::dim(app.look()),
        ));
    }
    // The helpers that do the same with guidance (AUTH form, composer); not in a replay,
    // where nothing is sent.
    let helpers: Vec<&str> = valid
        .iter()
        .filter(|_| app.replay.is_none())
        .filter_map(|s| match s.verb {
            "AUTH" => Some(" F4 AUTH form"),
            "MAIL" => Some(" F5 compose a message"),
            _ => None,
        })
        .collect();
    for suggestion in valid {
        let mark = if suggestion.recommended { "▸" } else { " " };
        let mark = if app.ascii() && suggestion.recommended {
            ">"
        } else {
            mark
        };
        lines.push(Line::from(vec![
            Span::styled(mark, theme::key(app.look())),
            Span::raw(suggestion.syntax),
        ]));
    }
    for helper in helpers {
        lines.push(Line::styled(helper, theme::dim(app.look())));
    }
    let block = if app.ascii() {
        Block::default()
            .borders(Borders::LEFT)
            .border_set(ratatui::symbols::border::PLAIN)
            .border_style(theme::dim(app.look()))
    } else {
        Block::default()
            .borders(Borders::LEFT)
            .border_style(theme::dim(app.look()))
    };
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

/// The route of a `--mx` session: domain → MX, its preference, the MX answer's DNSSEC
/// status and why this host was chosen.
fn route_lines(
    app: &App,
    route: &crate::app::route::MailRoute,
    bold: ratatui::style::Style,
    width: usize,
) -> Vec<Line<'static>> {
    let arrow = if app.ascii() { "->" } else { "→" };
    let preference = match route.preference {
        Some(p) => format!(" MX {p}"),
        None => " implicit MX".to_string(),
    };
    let wrapped = |text: String, style: ratatui::style::Style| {
        crate::wrap::lines(&text, width)
            .into_iter()
            .map(move |row| Line::styled(row, style))
    };
    let plain = ratatui::style::Style::default();
    let mut lines = vec![Line::styled("Route (--mx)", bold)];
    lines.extend(wrapped(
        format!(
            " {} {arrow} {}",
            escape_str(&route.domain),
            escape_str(&route.host)
        ),
        plain,
    ));
    lines.extend(wrapped(
        format!("{preference}, DNSSEC {}", route.dnssec),
        plain,
    ));
    lines.extend(wrapped(format!(" {}", route.addr), plain));
    lines.extend(wrapped(
        format!(" {}", escape_str(&route.why)),
        theme::dim(app.look()),
    ));
    lines.push(Line::from(""));
    lines
}

/// `text` without its parenthesised asides: `10 MiB (10485760 octets)` → `10 MiB`.
fn without_asides(text: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(" ,", ",")
}

#[cfg(test)]
mod tests {
    use super::without_asides;

    #[test]
    fn asides_go_and_every_item_stays() {
        assert_eq!(without_asides("10 MiB (10485760 octets)"), "10 MiB");
        assert_eq!(
            without_asides("limits: RCPTMAX=100 (recipients (per message)), MAILMAX=5 (x)"),
            "limits: RCPTMAX=100, MAILMAX=5"
        );
    }
}
