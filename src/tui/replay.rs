//! The replay explorer's event loop: the same screen as a live session, fed from a file.
//! One wait over the terminal's events, signals (both shared with the live explorer, in
//! `screen.rs`) and — only while playing — a timer set for when the next event is due.
//!
//! While checkpoints remain to be made ([`App::replay_warming`]), the wait also ends as soon
//! as nothing else is ready, and the loop hands the app one slice of warm-up
//! ([`Action::ReplayWarmUp`], [`WARM_SLICE`] events, about a millisecond or two) before
//! waiting again, so a key waits at most one slice. Once the whole file has checkpoints
//! nothing wakes it while paused: an idle replay uses no CPU.
//!
//! `SMTPX_EXIT_AFTER_FIRST_FRAME=1` (a measurement hook, in debug and release builds) makes it
//! leave right after drawing its first frame: `benches/replay_open.sh` times a whole process
//! from start to first frame with it. `SMTPX_EXIT_WHEN_WARM=1` makes it leave once the
//! first frame is drawn and the warm-up has finished (`benches/replay_warm.sh` times the
//! warm-up and its peak memory with it).
//!
//! Layer: CLI edge. Owns the terminal and the [`App`].
//!
//! ```text
//!  crossterm EventStream ─┐
//!  SIGINT/TERM/HUP/TSTP ──┼─▶ App::update(ReplayTick(now)), App::update(Key) ─▶ [Effect]
//!  next event due (play) ─┤            then draw(&App) once
//!  nothing ready, warming ┘─▶ App::update(ReplayWarmUp(slice))
//! ```

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use ratatui::crossterm::event::{Event, KeyEventKind};

use super::screen::{self, Exit, Screen, Wake};
use super::terminal;
use crate::app::replay::CHECKPOINT_EVERY;
use crate::app::{Action, App, Effect};
use crate::transcript::index::Indexed;

/// Events folded by one slice of background warm-up: one checkpoint, a millisecond or
/// two, the longest a key waits for it.
pub const WARM_SLICE: usize = CHECKPOINT_EVERY;
/// A slice while a seek waits for it: the person is waiting for the warm-up then, and each
/// slice is followed by a frame showing its progress.
pub const SEEK_SLICE: usize = 8 * CHECKPOINT_EVERY;

/// Why the loop's own wait ended.
enum Own {
    /// The next event is due (playing).
    Due,
    /// Nothing was ready and checkpoints remain to be made.
    Idle,
}

/// Opens `file` and steps through it in the explorer.
///
/// Reads `SMTPX_EXIT_AFTER_FIRST_FRAME` and `SMTPX_EXIT_WHEN_WARM`: supported measurement
/// hooks (CONTRIBUTING.md lists them), present in release builds because the benchmarks
/// (`benches/replay_open.sh`, `benches/replay_warm.sh`) time the release binary with them.
/// Either only makes the explorer leave early; neither changes what it shows.
pub async fn run(file: &Path, high_contrast: bool) -> ExitCode {
    let source = match Indexed::open(file) {
        Ok(source) => source,
        Err(e) => {
            eprintln!("smtpx replay: {}: {e}", file.display());
            return ExitCode::from(3);
        }
    };
    let mut app = App::replay(source, file.to_path_buf());
    screen::style_from_env(&mut app);
    app.set_high_contrast(high_contrast);
    let exit_after_first_frame = std::env::var_os("SMTPX_EXIT_AFTER_FIRST_FRAME").is_some();
    let exit_when_warm = std::env::var_os("SMTPX_EXIT_WHEN_WARM").is_some();

    let Some(mut tui) = screen::open() else {
        return ExitCode::from(3);
    };
    let exit = event_loop(&mut tui, &mut app, exit_after_first_frame, exit_when_warm).await;
    terminal::restore();
    screen::exit_code(exit)
}

/// Runs until quit or a signal.
async fn event_loop(
    tui: &mut terminal::Tui,
    app: &mut App,
    exit_after_first_frame: bool,
    exit_when_warm: bool,
) -> std::io::Result<Exit> {
    let mut screen = Screen::new(tui)?;
    let started = Instant::now();
    loop {
        if screen.draw(app)? && exit_after_first_frame {
            return Ok(Exit::Quit);
        }
        let warming = app.replay_warming();
        if exit_when_warm && !warming && !screen.dirty {
            return Ok(Exit::Quit);
        }
        // Playing: wake when the next event is due. Warming: as soon as nothing else is
        // ready (the yield lets pending input win first). Otherwise only input wakes it.
        let due = app.replay_next_due().map(|d| started + d);
        let timer = async {
            if warming {
                tokio::task::yield_now().await;
                return Own::Idle;
            }
            match due {
                Some(at) => tokio::time::sleep_until(at.into()).await,
                None => std::future::pending().await,
            }
            Own::Due
        };
        let mut effects = Vec::new();
        match screen.next(timer).await? {
            Wake::Event(event) => {
                if let Some(action) = action_for(event) {
                    app.update(Action::ReplayTick(started.elapsed()));
                    effects = app.update(action);
                    screen.dirty = true;
                }
            }
            Wake::Own(Own::Due) => {
                app.update(Action::ReplayTick(started.elapsed()));
                screen.dirty = true;
            }
            Wake::Own(Own::Idle) => {
                let playing = app.replay.as_ref().is_some_and(|r| r.playing.is_some());
                if playing {
                    app.update(Action::ReplayTick(started.elapsed()));
                }
                let seeking = app.replay_seeking();
                let slice = if seeking { SEEK_SLICE } else { WARM_SLICE };
                app.update(Action::ReplayWarmUp(slice));
                // A seek's progress (or its jump) is on the screen; playing may have moved.
                screen.dirty |= playing || seeking;
            }
            Wake::Screen => {}
            Wake::Signal(n) => return Ok(Exit::Signal(n)),
        }
        for effect in effects {
            match effect {
                Effect::Quit => return Ok(Exit::Quit),
                Effect::Suspend => screen.suspend().await?,
                Effect::Redraw => screen.repaint()?,
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
        Event::Mouse(mouse) => screen::wheel(mouse),
        _ => None,
    }
}
