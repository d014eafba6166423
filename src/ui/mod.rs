//! The explorer's views: each draws one region from `&App` into a `Rect`; nothing here
//! changes state or touches the network.
//!
//! Layer: views (ratatui only).
//!
//! ```text
//!  ┌ status: target · transport + verdict · state · time · saved-to ───────────────┐
//!  │ transcript (only visible rows laid out)            │ side panel (wide, or F3)  │
//!  │   0.031 S< 220 …                                   │  Server offers            │
//!  │                                                    │  Valid now                │
//!  ├ notice: completion candidates, mode hint, local errors ────────────────────────┤
//!  ├ prompt: smtp> EHLO me█ ────────────────────────────────────────────────────────┤
//!  └ key hint, from the keymap ─────────────────────────────────────────────────────┘
//! ```

pub mod cert;
mod compose;
mod explain;
mod form;
mod help;
pub use help::max_scroll as help_max_scroll;
mod ladder;
mod lesson;
pub mod lessons;
mod prompt;
mod replay;
mod side;
mod status;
pub mod theme;
mod timeline;
mod transcript;
mod wrapped;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};

use crate::app::{App, Overlay};

/// A full-screen overlay's frame: everything but the last row (the key hint stays), cleared,
/// with a border titled `title` (plain lines where box drawing is unavailable). Returns the
/// area inside the border.
pub(crate) fn overlay_frame(frame: &mut Frame, screen: Rect, app: &App, title: &str) -> Rect {
    let area = Rect::new(
        screen.x,
        screen.y,
        screen.width,
        screen.height.saturating_sub(1),
    );
    frame.render_widget(ratatui::widgets::Clear, area);
    let mut block = ratatui::widgets::Block::default()
        .borders(ratatui::widgets::Borders::ALL)
        .title(title.to_string());
    if app.ascii() {
        block = block.border_set(ratatui::symbols::border::PLAIN);
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}

/// Width of the side panel on wide screens.
const PANEL_WIDTH: u16 = 34;

/// Where each region goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub status: Rect,
    /// The lesson box, while a lesson guides the session.
    pub lesson: Option<Rect>,
    pub transcript: Rect,
    pub panel: Option<Rect>,
    /// Presenter mode's pane under the transcript: the latest reply explained.
    pub explained: Option<Rect>,
    pub notice: Rect,
    pub prompt: Rect,
    pub hint: Rect,
}

/// Splits the screen. The panel sits beside the transcript when there is room for both,
/// and over its right part on a narrow screen.
pub fn areas(screen: Rect, app: &App) -> Areas {
    let [status, middle, notice, prompt, hint] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(prompt::notice_rows(app, screen.width)),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(screen);
    let (lesson, middle) = match app.lesson() {
        Some(_) => {
            let [box_, rest] = Layout::vertical([
                Constraint::Length(lesson::height(middle.height)),
                Constraint::Min(1),
            ])
            .areas(middle);
            (Some(box_), rest)
        }
        None => (None, middle),
    };
    // Presenter mode: the latest reply's explanation in a pane of its own, two fifths of
    // the height, under the transcript.
    let (middle, explained) = if app.presenter() && middle.height >= 10 {
        let [t, e] = Layout::vertical([
            Constraint::Min(5),
            Constraint::Length(middle.height * 2 / 5),
        ])
        .areas(middle);
        (t, Some(e))
    } else {
        (middle, None)
    };
    let wide = screen.width >= 100;
    let (transcript, panel) = if !app.panel_visible(screen.width) {
        (middle, None)
    } else if wide {
        let [t, p] = Layout::horizontal([Constraint::Min(20), Constraint::Length(PANEL_WIDTH)])
            .areas(middle);
        (t, Some(p))
    } else {
        let width = PANEL_WIDTH.min(middle.width);
        let p = Rect::new(
            middle.right().saturating_sub(width),
            middle.y,
            width,
            middle.height,
        );
        (middle, Some(p))
    };
    Areas {
        status,
        lesson,
        transcript,
        panel,
        explained,
        notice,
        prompt,
        hint,
    }
}

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, app: &App) {
    let areas = areas(frame.area(), app);
    status::draw(frame, areas.status, app);
    if let (Some(area), Some(run)) = (areas.lesson, app.lesson()) {
        lesson::draw(frame, area, app, run);
    }
    transcript::draw(frame, areas.transcript, app);
    if let Some(panel) = areas.panel {
        side::draw(frame, panel, app);
    }
    if let Some(Overlay::Pick(_)) = app.overlay() {
        explain::draw(frame, areas.transcript, app);
    }
    if let Some(area) = areas.explained {
        explain::draw_latest(frame, area, app);
    }
    if let Some(r) = &app.replay {
        // Replay: the position bar stands where the prompt is (UI.md).
        replay::draw_notice(frame, areas.notice, app, r);
        replay::draw_position(frame, areas.prompt, app, r);
    } else {
        prompt::draw_notice(frame, areas.notice, app);
        prompt::draw_prompt(frame, areas.prompt, app);
    }
    prompt::draw_hint(frame, areas.hint, app);
    match app.overlay() {
        Some(Overlay::Cert(view)) => cert::draw(frame, frame.area(), app, view),
        Some(Overlay::Auth(form)) => form::draw(frame, frame.area(), app, form),
        Some(Overlay::Compose(composer)) => compose::draw(frame, frame.area(), app, composer),
        Some(Overlay::Timeline(view)) => timeline::draw(frame, frame.area(), app, view),
        Some(Overlay::Ladder(view)) => ladder::draw(frame, frame.area(), app, view),
        Some(Overlay::Help(view)) => help::draw(frame, frame.area(), app, view),
        Some(Overlay::Pick(_)) | None => {}
    }
}
