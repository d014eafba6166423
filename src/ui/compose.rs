//! The composer, full screen: the envelope and header fields, the commands they make
//! (parameters filled in), what the server did not offer, then the body editor beside the
//! exact bytes that will follow the 354 (dot-stuffed, every line end shown). The
//! confirmation lists every command and every byte, the ending included.
//!
//! Layer: views.
//!
//! ```text
//!  ┌ compose a mail transaction ─────────────────────────────┐
//!  │ ▸ MAIL FROM  me@example.com                              │
//!  │   RCPT TO    you@example.org                             │
//!  │   …headers, DATA/BDAT, ending                            │
//!  │ → MAIL FROM:<me@example.com> SIZE=312                    │
//!  ├ body ─────────────────────┬ exact bytes after 354 ───────┤
//!  │ Hello                     │ Hello\r\n                    │
//!  │ .a dot line               │ ..a dot line\r\n  ← stuffed  │
//!  └───────────────────────────┴──────────────────────────────┘
//! ```

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::theme;
use crate::app::App;
use crate::app::compose::{Composer, Field, Mark, Method, Offers, SendMethod, wire};
use crate::proto::command::Ret;
use crate::proto::text::escape_str;

const LABEL: usize = 13;
/// Rows kept for the body and its preview; the fields above scroll to the focused one when
/// they do not fit (an 80x24 terminal shows 14 of them).
const MIN_BODY_ROWS: u16 = 7;

pub fn draw(frame: &mut Frame, screen: Rect, app: &App, c: &Composer) {
    // The last row stays for the key hint.
    let area = Rect::new(
        screen.x,
        screen.y,
        screen.width,
        screen.height.saturating_sub(1),
    );
    frame.render_widget(Clear, area);
    let offers = app.offers();
    if c.confirming {
        confirm(frame, area, app, c, &offers);
    } else {
        edit(frame, area, app, c, &offers);
    }
}

fn block(app: &App, title: String) -> Block<'static> {
    let block = Block::default().borders(Borders::ALL).title(title);
    if app.ascii() {
        block.border_set(ratatui::symbols::border::PLAIN)
    } else {
        block
    }
}

fn edit(frame: &mut Frame, area: Rect, app: &App, c: &Composer, offers: &Offers) {
    let outer = block(app, " compose a mail transaction ".into());
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let draft = c.draft();
    let message = draft.message();
    let mut lines: Vec<Line> = Vec::new();
    let mut cursor = None;
    let mut focus_row = None;
    let fields = c.fields(offers);
    for field in &fields {
        if *field == Field::Body {
            continue;
        }
        let focused = c.focus == *field;
        if focused {
            focus_row = Some(lines.len());
        }
        let (label, value, note) = field_text(c, *field, offers);
        let marker = match (focused, app.ascii()) {
            (true, true) => "> ",
            (true, false) => "▸ ",
            _ => "  ",
        };
        let mut spans = vec![Span::styled(
            format!("{marker}{label:<width$}", width = LABEL - 2),
            if focused {
                theme::key(app.look())
            } else {
                theme::dim(app.look())
            },
        )];
        if focused && let Some(input) = c.input(*field) {
            cursor = Some(Position::new(
                inner.x + (LABEL + input.visual_cursor()).min(usize::from(inner.width)) as u16,
                inner.y + lines.len() as u16,
            ));
        }
        let chosen = matches!(
            field,
            Field::Method
                | Field::Ending
                | Field::Ret
                | Field::Notify
                | Field::Pipeline
                | Field::RequireTls
        );
        spans.push(if chosen && focused {
            Span::styled(value, Style::default().add_modifier(Modifier::REVERSED))
        } else {
            Span::raw(value)
        });
        if let Some(note) = note {
            spans.push(Span::styled(format!("   {note}"), theme::dim(app.look())));
        }
        lines.push(Line::from(spans));
    }
    let mail = draft.mail(offers, &message);
    lines.push(Line::from(vec![
        Span::styled("→ ", theme::dim(app.look())),
        Span::raw(escape_str(mail.redacted().as_str())),
        Span::styled("   (parameters: auto)", theme::dim(app.look())),
    ]));
    let rcpts = draft.rcpts(offers);
    let rcpt_line = match rcpts.as_slice() {
        [] => "(no recipient yet)".to_string(),
        [one] => escape_str(one.redacted().as_str()),
        [first, rest @ ..] => format!(
            "{}   and {} more",
            escape_str(first.redacted().as_str()),
            rest.len()
        ),
    };
    lines.push(Line::from(vec![
        Span::styled("→ ", theme::dim(app.look())),
        Span::raw(rcpt_line),
    ]));
    let param_warnings = draft.param_warnings(app.session.capabilities(), &app.protection());
    for warning in draft
        .warnings(offers, &message)
        .into_iter()
        .chain(param_warnings)
    {
        lines.push(Line::styled(
            format!("! {warning}"),
            theme::alarm(app.look()),
        ));
    }
    if let Some(error) = &c.error {
        lines.push(Line::styled(error.to_string(), theme::alarm(app.look())));
    }
    let top = (lines.len() as u16).min(inner.height.saturating_sub(MIN_BODY_ROWS).max(3));
    // The focused field stays in view: the rows above it scroll off first.
    let offset = focus_row.map_or(0, |row| {
        row.saturating_sub(usize::from(top).saturating_sub(1))
    });
    let offset = u16::try_from(offset).unwrap_or(0);
    if let Some(position) = cursor.as_mut() {
        position.y = position.y.saturating_sub(offset);
    }
    let [head, bottom] =
        Layout::vertical([Constraint::Length(top), Constraint::Min(3)]).areas(inner);
    frame.render_widget(Paragraph::new(lines).scroll((offset, 0)), head);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(bottom);
    let focused = c.focus == Field::Body;
    let body_block = Block::default()
        .borders(Borders::TOP | Borders::RIGHT)
        .title(if focused { " ▸ body " } else { " body " })
        .title_style(if focused {
            theme::key(app.look())
        } else {
            theme::dim(app.look())
        });
    let body_block = if app.ascii() {
        body_block.border_set(ratatui::symbols::border::PLAIN)
    } else {
        body_block
    };
    let body_inner = body_block.inner(left);
    let height = usize::from(body_inner.height.max(1));
    let top_row = c.body.row.saturating_sub(height - 1);
    let body: Vec<Line> = c
        .body
        .lines
        .iter()
        .skip(top_row)
        .take(height)
        .map(|l| Line::raw(escape_str(l)))
        .collect();
    frame.render_widget(Paragraph::new(body).block(body_block), left);
    if focused {
        let col = c.body.lines.get(c.body.row).map_or(0, |l| {
            escape_str(&l.chars().take(c.body.col).collect::<String>())
                .chars()
                .count()
        });
        cursor = Some(Position::new(
            body_inner.x + (col as u16).min(body_inner.width.saturating_sub(1)),
            body_inner.y + (c.body.row - top_row) as u16,
        ));
    }
    let method = draft.send_method(&message);
    let title = format!(" {} ({} bytes) ", preview_title(&method), message.len());
    let preview_block = Block::default()
        .borders(Borders::TOP)
        .title(title)
        .title_style(theme::dim(app.look()));
    // While the body is edited, the preview follows its cursor line.
    let height = usize::from(right.height.saturating_sub(1)).max(1);
    let mut scroll = c.preview_scroll;
    if focused {
        let body_start = wire::preview(&method, &message)
            .iter()
            .position(|(text, _)| text == "\\r\\n")
            .map_or(0, |i| i + 1);
        let wanted = body_start + c.body.row + 2;
        scroll = scroll.max(wanted.saturating_sub(height));
    } else if c.focus == Field::Ending {
        // Choosing an ending: show how the data ends.
        let total = wire::preview(&method, &message).len();
        scroll = scroll.max(total.saturating_sub(height));
    }
    let rows = preview_lines(&method, &message, scroll, app);
    frame.render_widget(Paragraph::new(rows).block(preview_block), right);
    if let Some(position) = cursor {
        frame.set_cursor_position(position);
    }
}

fn preview_title(method: &SendMethod) -> &'static str {
    match method {
        SendMethod::Data => "exact bytes after 354, dot-stuffed",
        SendMethod::DataExact { .. } => "BYTE-EXACT bytes after 354, sent raw",
        SendMethod::Bdat { .. } => "exact bytes: BDAT chunks, not stuffed",
    }
}

fn preview_lines(
    method: &SendMethod,
    message: &[u8],
    scroll: usize,
    app: &App,
) -> Vec<Line<'static>> {
    wire::preview(method, message)
        .into_iter()
        .skip(scroll)
        .map(|(text, mark)| {
            let note = match mark {
                Mark::Content => None,
                Mark::Stuffed => Some("  ← dot-stuffed"),
                Mark::End => Some("  ← end of data"),
                Mark::Command => Some("  ← BDAT command"),
            };
            let style = match mark {
                Mark::End | Mark::Command => theme::key(app.look()),
                _ => Style::default(),
            };
            let mut spans = vec![Span::styled(text, style)];
            if let Some(note) = note {
                spans.push(Span::styled(note, theme::dim(app.look())));
            }
            Line::from(spans)
        })
        .collect()
}

/// Label, value and a note for one field.
fn field_text(
    c: &Composer,
    field: Field,
    offers: &Offers,
) -> (&'static str, String, Option<String>) {
    let value = |field| {
        c.input(field)
            .map_or(String::new(), |i| escape_str(i.value()))
    };
    match field {
        Field::MailFrom => (
            "MAIL FROM",
            value(field),
            Some("the envelope sender".into()),
        ),
        Field::RcptTo => ("RCPT TO", value(field), Some("recipients: a, b, …".into())),
        Field::Ret => (
            "RET",
            format!(
                "‹ {} ›",
                match c.ret {
                    None => "(not sent)",
                    Some(Ret::Hdrs) => "HDRS",
                    Some(Ret::Full) => "FULL",
                }
            ),
            Some("DSN: what a bounce returns".into()),
        ),
        Field::Envid => ("ENVID", value(field), Some("DSN envelope id".into())),
        Field::Notify => (
            "NOTIFY",
            format!("‹ {} ›", c.notify.label()),
            Some("DSN, on every RCPT".into()),
        ),
        Field::From => (
            "From",
            value(field),
            (!c.from_edited).then(|| "follows MAIL FROM".into()),
        ),
        Field::To => (
            "To",
            value(field),
            (!c.to_edited).then(|| "follows RCPT TO".into()),
        ),
        Field::RequireTls => (
            "REQUIRETLS",
            if c.requiretls {
                "‹ on ›  off".into()
            } else {
                " on  ‹ off ›".into()
            },
            Some(if offers.tls {
                "RFC 8689: every hop over verified TLS".into()
            } else {
                "RFC 8689: only over TLS, and this session is plaintext".into()
            }),
        ),
        Field::Headers => (
            "Headers",
            value(field),
            Some("extra: Name: value | Name: value".into()),
        ),
        Field::Html => (
            "HTML",
            value(field),
            Some("an HTML version of the body: multipart/alternative".into()),
        ),
        Field::MailParams => (
            "MAIL params",
            value(field),
            Some("more, as sent: KEY=VALUE KEY".into()),
        ),
        Field::RcptParams => (
            "RCPT params",
            value(field),
            Some("on every RCPT: KEY=VALUE".into()),
        ),
        Field::Attach => (
            "Attach",
            value(field),
            Some(
                if c.attachments.is_empty() || c.attach.value() != c.attachments_for {
                    "files: path | path (read on Tab or Ctrl-S)".into()
                } else {
                    format!(
                        "{} file(s), {} bytes: multipart/mixed",
                        c.attachments.len(),
                        c.attachments.iter().map(|a| a.bytes.len()).sum::<usize>()
                    )
                },
            ),
        ),
        Field::Pipeline => (
            "Pipelining",
            if c.pipeline {
                "‹ on ›  off".into()
            } else {
                " on  ‹ off ›".into()
            },
            Some(if c.pipeline {
                "MAIL, RCPT… and DATA in one write (RFC 2920)".into()
            } else {
                "one command per round trip".into()
            }),
        ),
        Field::Subject => ("Subject", value(field), None),
        Field::Date => ("Date", value(field), None),
        Field::MessageId => ("Message-ID", value(field), None),
        Field::Method => (
            "Send by",
            match c.method {
                Method::Data => "‹ DATA ›  BDAT".into(),
                Method::Bdat => " DATA  ‹ BDAT ›".into(),
            },
            Some(if offers.chunking {
                "CHUNKING offered".into()
            } else {
                "CHUNKING not offered".into()
            }),
        ),
        Field::ChunkSize => ("Chunk size", value(field), Some("octets per BDAT".into())),
        Field::Ending => ("Ending", format!("‹ {} ›", c.ending.label()), None),
        Field::Body => ("Body", String::new(), None),
    }
}

fn confirm(frame: &mut Frame, area: Rect, app: &App, c: &Composer, offers: &Offers) {
    let outer = block(
        app,
        " send this? Enter sends · Esc back (nothing sent yet) ".into(),
    );
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let draft = c.draft();
    let message = draft.message();
    let mut lines: Vec<Line> = Vec::new();
    let cmd = |text: String| {
        Line::from(vec![
            Span::styled("C: ", theme::dim(app.look())),
            Span::raw(escape_str(&text)),
        ])
    };
    let mut commands = vec![draft.mail(offers, &message).redacted().to_string()];
    commands.extend(draft.rcpts(offers).iter().map(|r| r.redacted().to_string()));
    let method = draft.send_method(&message);
    let plan = draft.plan(offers).ok();
    let pipelined = plan.as_ref().is_some_and(|p| p.pipelines());
    if plan.as_ref().is_some_and(|p| p.bdat_in_group()) {
        commands.push(format!("BDAT {} LAST + the message", message.len()));
    } else if method == SendMethod::Data && pipelined {
        commands.push("DATA".into());
    }
    // Which commands share a write: one group under PIPELINING (RFC 2920).
    let count = commands.len();
    // The group's marks line up in one column after the longest command.
    let width = commands
        .iter()
        .map(|c| escape_str(c).chars().count())
        .max()
        .unwrap_or(0);
    for (i, text) in commands.into_iter().enumerate() {
        let mut line = cmd(text);
        if pipelined {
            let pad = width.saturating_sub(line.width().saturating_sub(3));
            line.spans.push(Span::raw(" ".repeat(pad)));
            let (first, middle, last) = if app.ascii() {
                ("+", "|", "+")
            } else {
                ("┐", "│", "┘")
            };
            let mark = match i {
                0 => format!("  {first} one write (PIPELINING)"),
                _ if i + 1 == count => format!("  {last}"),
                _ => format!("  {middle}"),
            };
            line.spans.push(Span::styled(mark, theme::dim(app.look())));
        }
        lines.push(line);
    }
    if !pipelined {
        lines.push(Line::styled(
            "   one command per round trip: each reply read before the next command",
            theme::dim(app.look()),
        ));
    }
    match &method {
        SendMethod::Data if !pipelined => lines.push(cmd("DATA".into())),
        SendMethod::Data => {}
        SendMethod::DataExact { .. } => {
            lines.push(cmd("DATA".into()));
            lines.push(Line::styled(
                "! BYTE-EXACT: the content and this ending go raw; a correct server keeps \
                 reading: then at data> an empty line and a lone . send \\r\\n.\\r\\n",
                theme::alarm(app.look()),
            ));
        }
        SendMethod::Bdat { .. }
            if pipelined && !plan.as_ref().is_some_and(|p| p.bdat_in_group()) =>
        {
            lines.push(Line::styled(
                "   then every BDAT chunk in one write, after the envelope's replies \
                 (RFC 3030 §4.2)",
                theme::dim(app.look()),
            ));
        }
        SendMethod::Bdat { .. } => {}
    }
    let param_warnings = draft.param_warnings(app.session.capabilities(), &app.protection());
    for warning in draft
        .warnings(offers, &message)
        .into_iter()
        .chain(param_warnings)
    {
        if !warning.starts_with("byte-exact") {
            lines.push(Line::styled(
                format!("! {warning}"),
                theme::alarm(app.look()),
            ));
        }
    }
    lines.push(Line::styled(
        format!(
            "── {} ({} bytes of message) ──",
            preview_title(&method),
            message.len()
        ),
        theme::dim(app.look()),
    ));
    let head = lines.len();
    lines.extend(preview_lines(&method, &message, 0, app));
    // The commands stay; the bytes scroll.
    let scroll = c.preview_scroll.min(lines.len().saturating_sub(head + 1));
    let shown: Vec<Line> = lines
        .iter()
        .take(head)
        .cloned()
        .chain(lines.iter().skip(head + scroll).cloned())
        .collect();
    frame.render_widget(Paragraph::new(shown), inner);
}
