//! The lesson box above the transcript while `smtpx learn` guides a session: the lesson's
//! title and progress, the steps done (ticked), the current step and, after a wrong try,
//! the hint. Text wraps at word boundaries.
//!
//! Layer: views.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::theme;
use crate::app::App;
use crate::learn::{LessonRun, StepState};

/// Rows the box takes on a screen whose middle part is `rows` high.
pub fn height(rows: u16) -> u16 {
    (rows / 3).clamp(4, 8)
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, run: &LessonRun) {
    let total = run.lesson.steps.len();
    let title = if run.finished() {
        format!(" lesson: {} · finished ", run.lesson.title)
    } else {
        format!(
            " lesson: {} · step {} of {total} ",
            run.lesson.title,
            run.step + 1
        )
    };
    let mut block = Block::default().borders(Borders::ALL).title(title);
    if app.ascii() {
        block = block.border_set(ratatui::symbols::border::PLAIN);
    }
    let (done, current) = if app.ascii() {
        ("+", ">")
    } else {
        ("✓", "▶")
    };
    let mut lines = Vec::new();
    if run.finished() {
        lines.push(Line::styled(
            format!("{done} every step done. The recap is in the transcript; F7 shows the session's sequence diagram."),
            theme::good(app.look()),
        ));
    }
    for (i, step) in run.lesson.steps.iter().enumerate() {
        match run.state(i) {
            // Only the step just done stays in view: the box is small.
            StepState::Done if i + 1 == run.step && !run.finished() => {
                lines.push(Line::styled(
                    format!("{done} {}", step.task),
                    theme::dim(app.look()),
                ));
            }
            StepState::Done | StepState::Waiting => {}
            StepState::Current => {
                lines.push(Line::from(vec![
                    Span::styled(format!("{current} "), theme::key(app.look())),
                    Span::styled(
                        step.task.clone(),
                        Style::default().add_modifier(Modifier::BOLD),
                    ),
                ]));
            }
        }
    }
    if let Some(hint) = &run.hint {
        lines.push(Line::styled(
            hint.clone(),
            theme::entry(crate::app::Kind::Warning, app.look()),
        ));
    } else if !run.finished() {
        lines.push(Line::styled(
            "/lesson: the goal again · /lesson solve: what to type",
            theme::dim(app.look()),
        ));
    }
    frame.render_widget(
        Paragraph::new(lines).block(block).wrap(Wrap { trim: true }),
        area,
    );
}
