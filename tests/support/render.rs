//! Draws the explorer into ratatui's `TestBackend` the way the terminal loop does (the
//! transcript area's size told to the app first) with a fixed clock, for the snapshot tests.

use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use smtpx::app::{Action, App};

pub fn render(app: &mut App, width: u16, height: u16) -> Terminal<TestBackend> {
    let areas = smtpx::ui::areas(Rect::new(0, 0, width, height), app);
    app.update(Action::Viewport(
        areas.transcript.width,
        areas.transcript.height,
    ));
    app.update(Action::Clock(Duration::from_secs(42)));
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
    terminal
        .draw(|frame| smtpx::ui::draw(frame, app))
        .expect("draw");
    terminal
}
