//! The lesson list's own small loop: draws [`LessonMenu`] and reads keys until a lesson is
//! chosen or the person leaves. The terminal is restored before a lesson's explorer takes
//! it, and on every way out.
//!
//! Layer: terminal front end.

use ratatui::crossterm::event::{Event, KeyEventKind};

use super::screen::{self, Exit, Screen, Wake};
use super::terminal;
use crate::app::Display;
use crate::app::lessons::{LessonMenu, MenuChoice};

/// What the person chose in the list.
pub enum Picked {
    Lesson(usize),
    /// Left (q, Esc, Ctrl-C) or the terminal went away: the exit code to leave with.
    Leave(std::process::ExitCode),
}

/// Shows the list until a lesson is chosen.
pub async fn pick(menu: &mut LessonMenu, display: Display) -> Picked {
    let Some(mut tui) = screen::open() else {
        return Picked::Leave(std::process::ExitCode::from(3));
    };
    let look = crate::app::Look {
        no_color: crate::ui::theme::no_color_from_env(),
        high_contrast: display.high_contrast || display.presenter,
    };
    let ascii = std::env::var("TERM").is_ok_and(|t| t == "linux");
    let result = run(&mut tui, menu, look, ascii).await;
    terminal::restore();
    match result {
        Ok(Some(index)) => Picked::Lesson(index),
        Ok(None) => Picked::Leave(screen::exit_code(Ok(Exit::Quit))),
        Err(exit) => Picked::Leave(screen::exit_code(exit)),
    }
}

async fn run(
    tui: &mut terminal::Tui,
    menu: &mut LessonMenu,
    look: crate::app::Look,
    ascii: bool,
) -> Result<Option<usize>, std::io::Result<Exit>> {
    let mut screen = Screen::new(tui).map_err(Err)?;
    loop {
        screen
            .draw_with(|frame| crate::ui::lessons::draw(frame, frame.area(), menu, look, ascii))
            .map_err(Err)?;
        match screen
            .next(std::future::pending::<()>())
            .await
            .map_err(Err)?
        {
            Wake::Event(Event::Key(key)) if key.kind == KeyEventKind::Press => {
                match menu.key(key) {
                    MenuChoice::Start(index) => return Ok(Some(index)),
                    MenuChoice::Quit => return Ok(None),
                    MenuChoice::Stay => screen.dirty = true,
                }
            }
            Wake::Signal(n) => return Err(Ok(Exit::Signal(n))),
            Wake::Event(_) | Wake::Screen | Wake::Own(()) => screen.dirty = true,
        }
    }
}
