//! The replay explorer's event loop: the same screen as a live session, fed from a file.
//! One `tokio::select!` over the terminal's events, signals and — only while playing — a
//! timer set for when the next event is due. Paused, nothing wakes it: an idle replay uses
//! no CPU.
//!
//! `SMTPX_EXIT_AFTER_FIRST_FRAME=1` (a benchmark hook, in debug and release builds) makes it
//! leave right after drawing its first frame: `benches/replay_open.sh` times a whole process
//! from start to first frame with it.
//!
//! Layer: CLI edge. Owns the terminal and the [`App`].
//!
//! ```text
//!  crossterm EventStream ─┐
//!  SIGINT/TERM/HUP/TSTP ──┼─▶ App::update(ReplayTick(now)), App::update(Key) ─▶ [Effect]
//!  next event due (play) ─┘            then draw(&App) once
//! ```

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use futures::StreamExt;
use ratatui::crossterm::event::{Event, EventStream, KeyEventKind, MouseEventKind};
use ratatui::layout::Rect;
use tokio::signal::unix::{SignalKind, signal};

use super::terminal;
use crate::app::{Action, App, Effect};
use crate::transcript::index::Indexed;

/// Opens `file` and steps through it in the explorer.
pub async fn run(file: &Path) -> ExitCode {
    let source = match Indexed::open(file) {
        Ok(source) => source,
        Err(e) => {
            eprintln!("smtpx replay: {}: {e}", file.display());
            return ExitCode::from(3);
        }
    };
    let mut app = App::replay(source, file.to_path_buf());
    app.no_color = crate::ui::theme::no_color_from_env();
    app.ascii = std::env::var("TERM").is_ok_and(|t| t == "linux");
    let exit_after_first_frame = std::env::var_os("SMTPX_EXIT_AFTER_FIRST_FRAME").is_some();

    terminal::install_panic_hook();
    let mut tui = match terminal::enter() {
        Ok(tui) => tui,
        Err(e) => {
            eprintln!("smtpx: cannot set up the terminal: {e}");
            return ExitCode::from(3);
        }
    };
    let exit = event_loop(&mut tui, &mut app, exit_after_first_frame).await;
    terminal::restore();
    match exit {
        Ok(0) => ExitCode::SUCCESS,
        Ok(signal) => ExitCode::from(u8::try_from(128 + signal).unwrap_or(1)),
        Err(e) => {
            eprintln!("smtpx: terminal error: {e}");
            ExitCode::from(3)
        }
    }
}

/// Runs until quit; `Ok(0)` for a quit, `Ok(n)` for signal `n`.
async fn event_loop(
    tui: &mut terminal::Tui,
    app: &mut App,
    exit_after_first_frame: bool,
) -> std::io::Result<i32> {
    let mut events = EventStream::new();
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut sigtstp = signal(SignalKind::from_raw(terminal::SIGTSTP))?;
    let started = Instant::now();
    let mut dirty = true;
    loop {
        if dirty {
            let size = tui.size()?;
            let areas = crate::ui::areas(Rect::new(0, 0, size.width, size.height), app);
            let viewport = (areas.transcript.width, areas.transcript.height);
            if app.viewport != viewport {
                app.update(Action::Viewport(viewport.0, viewport.1));
            }
            tui.draw(|frame| crate::ui::draw(frame, app))?;
            dirty = false;
            if exit_after_first_frame {
                return Ok(0);
            }
        }
        // Playing: wake when the next event is due. Paused: only input wakes the loop.
        let due = app.replay_next_due().map(|d| started + d);
        let timer = async {
            match due {
                Some(at) => tokio::time::sleep_until(at.into()).await,
                None => std::future::pending().await,
            }
        };
        let mut effects = Vec::new();
        tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Resize(..))) => dirty = true,
                Some(Ok(event)) => {
                    if let Some(action) = action_for(event) {
                        app.update(Action::ReplayTick(started.elapsed()));
                        effects = app.update(action);
                        dirty = true;
                    }
                }
                Some(Err(e)) => return Err(e),
                None => return Ok(1),
            },
            () = timer => {
                app.update(Action::ReplayTick(started.elapsed()));
                dirty = true;
            },
            _ = sigint.recv() => return Ok(2),
            _ = sigterm.recv() => return Ok(15),
            _ = sighup.recv() => return Ok(1),
            _ = sigtstp.recv() => effects.push(Effect::Suspend),
        }
        for effect in effects {
            match effect {
                Effect::Quit => return Ok(0),
                Effect::Suspend => {
                    terminal::suspend(tui).await?;
                    dirty = true;
                }
                Effect::Redraw => {
                    terminal::repaint(tui)?;
                    dirty = true;
                }
                // Nothing goes to a network or a file in a replay.
                _ => {}
            }
        }
    }
}

/// Key presses and the mouse wheel; the rest is ignored.
fn action_for(event: Event) -> Option<Action> {
    match event {
        Event::Key(key) if key.kind == KeyEventKind::Press => Some(Action::Key(key)),
        Event::Mouse(mouse) => match mouse.kind {
            MouseEventKind::ScrollUp => Some(Action::Wheel(3)),
            MouseEventKind::ScrollDown => Some(Action::Wheel(-3)),
            _ => None,
        },
        _ => None,
    }
}
