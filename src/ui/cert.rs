//! The certificate view (F2, `/cert`): the three verdicts in words and the negotiated TLS at
//! the top, the chain as sent (leaf first, with how each links to the next) and the EHLO
//! capabilities before and after STARTTLS on the left, the chosen certificate's fields on the
//! right. Every peer string was escaped when decoded (`net::cert::render`).
//!
//! ```text
//!  ┌ Certificate ──────────────────────────────────────────────┐
//!  │ chain: trusted by webpki-roots                             │
//!  │ name: mx.example.com matches subjectAltName mx.example.com │
//!  │ validity: valid now, 61 days left                          │
//!  │ TLSv1.3 · TLS13_AES_256_GCM_SHA384 · X25519 · 11 ms        │
//!  ├ Chain ───────────────┬ Fields ─────────────────────────────┤
//!  │▶[0] CN=mx…           │ subject  CN=mx.example.com          │
//!  │  ↓ issued by next    │ …                                   │
//!  │ EHLO before │ after  │                                     │
//!  └──────────────────────┴─────────────────────────────────────┘
//! ```
//!
//! Layer: views.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::wrapped;
use crate::app::App;
use crate::app::cert::CertView;
use crate::net::cert::render::{client_cert_line, negotiated_line, unix_now, verdict_lines};
use crate::proto::capability::Capabilities;
use crate::proto::text::escape_str;

/// Draws the view over `area` (`at`: the chosen certificate and scroll), at
/// `app.cert().now` if set (snapshots), else the clock.
pub fn draw(frame: &mut Frame, area: Rect, app: &App, at: &CertView) {
    let now = app.cert().now.unwrap_or_else(unix_now);
    frame.render_widget(Clear, area);
    let Some((info, view)) = &app.cert().tls else {
        let block = Block::default()
            .borders(Borders::ALL)
            .title(" Certificate ");
        frame.render_widget(Paragraph::new("no TLS handshake yet").block(block), area);
        return;
    };
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let flag = |ok: bool| {
        if ok || app.no_color() {
            Style::default()
        } else {
            Style::default().add_modifier(Modifier::REVERSED)
        }
    };
    let mut lines: Vec<Line> = Vec::new();
    let inner = usize::from(area.width.saturating_sub(2)).max(1);
    let verdict = &info.verdict;
    let oks = [
        verdict.is_trusted(),
        !verdict.is_name_problem(),
        verdict.is_valid_now(),
    ];
    for ((label, text), ok) in verdict_lines(verdict).into_iter().zip(oks) {
        lines.extend(wrapped::labelled(
            &format!("{label:>8}: "),
            bold,
            &text,
            flag(ok),
            inner,
        ));
    }
    lines.extend(wrapped::labelled(
        "     TLS: ",
        Style::default(),
        &negotiated_line(info),
        Style::default(),
        inner,
    ));
    if let Some(client) = client_cert_line(info) {
        lines.extend(wrapped::labelled(
            &format!("{:>8}: ", "client"),
            bold,
            &client,
            Style::default(),
            inner,
        ));
    }
    // A `--mx` session: what DANE and MTA-STS say about this MX (looked up in the background).
    if let Some(route) = app.mail_route() {
        let pending = "looking up…".to_string();
        for (label, text) in [("DANE", &route.dane), ("MTA-STS", &route.mta_sts)] {
            lines.extend(wrapped::labelled(
                &format!("{label:>8}: "),
                bold,
                text.as_ref().unwrap_or(&pending),
                Style::default(),
                inner,
            ));
        }
    }
    // The verdict box grows with wrapped lines (a long rustls detail on a narrow screen).
    let rows = lines.len();
    let top_height = u16::try_from(rows + 2)
        .unwrap_or(u16::MAX)
        .min(area.height / 2);
    let [top, bottom, hint] = Layout::vertical([
        Constraint::Length(top_height),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    let verdict_block = Block::default().borders(Borders::ALL).title(
        if info.verdict.ok() && info.verdict.is_pinned() {
            " Certificate: pinned "
        } else if info.verdict.ok() {
            " Certificate: verified "
        } else {
            " Certificate: NOT verified (session went on) "
        },
    );
    frame.render_widget(
        Paragraph::new(lines)
            .block(verdict_block)
            .wrap(Wrap { trim: false }),
        top,
    );

    let left_width = (bottom.width / 3).clamp(24, 44);
    let [left, right] =
        Layout::horizontal([Constraint::Length(left_width), Constraint::Min(10)]).areas(bottom);

    let mut chain_lines: Vec<Line> = Vec::new();
    for (i, (head, link)) in view.list_lines().into_iter().enumerate() {
        let marker = if i == at.selected { "▶" } else { " " };
        let style = if i == at.selected {
            bold
        } else {
            Style::default()
        };
        let left_inner = usize::from(left.width.saturating_sub(2)).max(1);
        chain_lines.extend(wrapped::labelled(marker, style, &head, style, left_inner));
        let problem = view.links.get(i).is_some_and(|l| l.is_problem());
        chain_lines.extend(wrapped::labelled(
            "   ",
            Style::default(),
            &link,
            flag(!problem),
            left_inner,
        ));
    }
    chain_lines.extend(capability_lines(
        app.cert().caps_before.as_ref(),
        app.cert().caps_after.as_ref(),
    ));
    frame.render_widget(
        Paragraph::new(chain_lines)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(format!(" Chain as sent ({}) ", view.certs.len())),
            )
            .wrap(Wrap { trim: false }),
        left,
    );

    let right_inner = usize::from(right.width.saturating_sub(2)).max(1);
    let fields: Vec<Line> = match view.certs.get(at.selected) {
        Some(cert) => {
            let flags = cert.flags(now);
            cert.details(now)
                .into_iter()
                .skip(at.scroll)
                .flat_map(|(label, value)| {
                    let warn = label == "flags" && !flags.is_empty();
                    wrapped::labelled(
                        &format!("{label:>14} "),
                        bold,
                        &value,
                        flag(!warn),
                        right_inner,
                    )
                })
                .collect()
        }
        None => vec![Line::from("no certificate")],
    };
    frame.render_widget(
        Paragraph::new(fields)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(format!(" Certificate [{}] ", at.selected)),
            )
            .wrap(Wrap { trim: false }),
        right,
    );
    frame.render_widget(
        Paragraph::new(
            " ↑↓ choose · PgUp/PgDn scroll · s save the chain (/cert save PATH) · Esc back",
        ),
        hint,
    );
}

/// EHLO capabilities before and after STARTTLS, marked `+` (new inside TLS), `-` (gone),
/// `~` (parameters changed).
fn capability_lines(
    before: Option<&Capabilities>,
    after: Option<&Capabilities>,
) -> Vec<Line<'static>> {
    let (Some(before), Some(after)) = (before, after) else {
        return Vec::new();
    };
    let diff = Capabilities::diff(before, after);
    let mut out = vec![Line::from(""), Line::from(" EHLO before → after TLS:")];
    let keyword = |e: &crate::proto::capability::Extension| escape_str(&e.raw_line);
    for e in &after.extensions {
        let mark = if diff.added.iter().any(|a| a.keyword == e.keyword) {
            "+"
        } else if diff.changed.iter().any(|(_, a)| a.keyword == e.keyword) {
            "~"
        } else {
            " "
        };
        out.push(Line::from(format!(" {mark} {}", keyword(e))));
    }
    for e in &diff.removed {
        out.push(Line::from(format!(" - {} (gone)", keyword(e))));
    }
    if diff.is_empty() {
        out.push(Line::from("   (no differences)"));
    }
    out
}
