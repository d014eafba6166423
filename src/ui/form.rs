//! The AUTH form: mechanism (offered ones first), user, and the password as bullets — or,
//! for XOAUTH2 and OAUTHBEARER, where the token is read from — in a box over the transcript.
//!
//! Layer: views. The password itself never reaches this file: only
//! [`AuthForm::masked_password`](crate::app::auth::form::AuthForm::masked_password).

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::theme;
use crate::app::App;
use crate::app::auth::form::{AuthField, AuthForm, TokenFrom};

/// A field's label column.
const LABEL: usize = 13;

pub fn draw(frame: &mut Frame, screen: Rect, app: &App, form: &AuthForm) {
    let width = screen.width.min(72);
    let notes = notes(form, app);
    // Each note wraps at the box's inner width.
    let inner_width = usize::from(width.saturating_sub(2)).max(1);
    let note_rows: usize = notes
        .iter()
        .map(|(text, _)| text.chars().count().div_ceil(inner_width).max(1))
        .sum();
    let wanted = (form.fields().len() + 1 + note_rows + 2) as u16;
    let height = screen.height.saturating_sub(1).min(wanted.max(6));
    let area = Rect::new(
        screen.x + (screen.width - width) / 2,
        screen.y + screen.height.saturating_sub(1).saturating_sub(height) / 2,
        width,
        height,
    );
    frame.render_widget(Clear, area);
    let mut block = Block::default()
        .borders(Borders::ALL)
        .title(" AUTH — Enter authenticates · Esc cancels ");
    if app.ascii() {
        block = block.border_set(ratatui::symbols::border::PLAIN);
    }
    let inner = block.inner(area);
    let mut lines = Vec::new();
    let mut cursor = None;
    for field in form.fields() {
        let focused = form.focus == *field;
        let marker = if focused { "▸ " } else { "  " };
        let marker = if app.ascii() && focused { "> " } else { marker };
        let (label, value, text_cursor) = field_line(form, *field, app);
        let mut spans = vec![Span::styled(
            format!("{marker}{label:<width$}", width = LABEL - 2),
            if focused {
                theme::key(app.look())
            } else {
                theme::dim(app.look())
            },
        )];
        spans.extend(value);
        if focused && let Some(col) = text_cursor {
            cursor = Some(Position::new(
                inner.x + (LABEL + col).min(usize::from(inner.width.saturating_sub(1))) as u16,
                inner.y + lines.len() as u16,
            ));
        }
        lines.push(Line::from(spans));
    }
    lines.push(Line::raw(""));
    for (text, style) in notes {
        lines.push(Line::styled(text, style));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
    if let Some(position) = cursor {
        frame.set_cursor_position(position);
    }
}

/// What the form says under its fields: no TLS, mechanisms it cannot run, why Enter was
/// refused.
fn notes(form: &AuthForm, app: &App) -> Vec<(String, ratatui::style::Style)> {
    let mut notes = Vec::new();
    if !app.session.tls_active() {
        notes.push((
            "! no TLS: the credentials cross the network readable (base64 is not encryption)"
                .to_string(),
            theme::alarm(app.look()),
        ));
    }
    if !form.unsupported.is_empty() {
        notes.push((
            format!(
                "the server also offers {} (not run by smtpx; type AUTH by hand)",
                form.unsupported.join(" ")
            ),
            theme::dim(app.look()),
        ));
    }
    if let Some(fetcher) = form.profile_secret() {
        // `what` is escaped where it is made; never the secret.
        notes.push((
            format!(
                "Enter fetches the secret {}; one typed here is used instead",
                fetcher.what()
            ),
            theme::dim(app.look()),
        ));
    }
    if let Some(error) = &form.error {
        notes.push((error.to_string(), theme::alarm(app.look())));
    }
    if let Some(risk) = &form.risk {
        notes.push((
            format!("!? {risk} — Enter again sends anyway, Esc cancels"),
            theme::alarm(app.look()),
        ));
    }
    notes
}

/// Label, value spans, and the cursor column in the value for a text field.
fn field_line(
    form: &AuthForm,
    field: AuthField,
    app: &App,
) -> (&'static str, Vec<Span<'static>>, Option<usize>) {
    match field {
        AuthField::Mechanism => {
            let mut spans = Vec::new();
            for (i, (mechanism, offered)) in form.mechanisms.iter().enumerate() {
                let name = mechanism.to_string();
                let text = if i == form.choice {
                    format!("‹{name}›")
                } else {
                    format!(" {name} ")
                };
                let style = match (i == form.choice, offered) {
                    (true, _) => theme::key(app.look()).add_modifier(Modifier::REVERSED),
                    (false, true) => ratatui::style::Style::default(),
                    (false, false) => theme::dim(app.look()),
                };
                spans.push(Span::styled(text, style));
                spans.push(Span::raw(" "));
            }
            let offered = form.mechanisms.get(form.choice).is_some_and(|(_, o)| *o);
            if !offered {
                spans.push(Span::styled("(not offered)", theme::alarm(app.look())));
            }
            ("Mechanism", spans, None)
        }
        AuthField::User => (
            "User",
            vec![Span::raw(crate::proto::text::escape_str(form.user.value()))],
            Some(form.user.visual_cursor()),
        ),
        AuthField::Password => {
            let masked = form.masked_password(app.ascii());
            let col = masked.chars().count();
            (
                "Password",
                vec![from_profile(form, app).unwrap_or(Span::raw(masked))],
                Some(col),
            )
        }
        AuthField::TokenFrom => (
            "Token from",
            vec![Span::raw(match form.token_from {
                TokenFrom::Env => "‹ environment variable ›",
                TokenFrom::File => "‹ file ›",
            })],
            None,
        ),
        AuthField::TokenName => (
            match form.token_from {
                TokenFrom::Env => "Variable",
                TokenFrom::File => "File",
            },
            vec![from_profile(form, app).unwrap_or_else(|| {
                Span::raw(crate::proto::text::escape_str(form.token_name.value()))
            })],
            Some(form.token_name.visual_cursor()),
        ),
    }
}

/// The empty secret field's placeholder when Enter would fetch the profile's secret (a
/// note under the form says where from).
fn from_profile(form: &AuthForm, app: &App) -> Option<Span<'static>> {
    form.profile_secret()?;
    Some(Span::styled(
        "(the profile's, fetched on Enter)",
        theme::dim(app.look()),
    ))
}
