//! What the explorer's and the replay's event loops share: opening the terminal and turning
//! the outcome into an exit code, drawing only when something changed, and waiting for the
//! next wake-up: a terminal event, a signal, or the loop's own source (the driver and the
//! clock live; the play timer in a replay). Signals, resize, Ctrl-Z suspend and repaint are
//! handled here once for both.
//!
//! Layer: CLI edge (terminal I/O).
//!
//! ```text
//!  crossterm EventStream ─┐
//!  SIGINT/TERM/HUP/TSTP ──┼─▶ Screen::next ─▶ Wake::{Event, Own, Screen, Signal}
//!  the loop's own future ─┘
//! ```

use std::future::Future;
use std::io;
use std::process::ExitCode;

use futures::StreamExt;
use ratatui::crossterm::event::{Event, EventStream, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;
use tokio::signal::unix::{Signal, SignalKind, signal};

use super::terminal::{self, Tui};
use crate::app::{Action, App};

/// How a loop was left.
pub(super) enum Exit {
    Quit,
    /// Signal `n` (a terminal that went away counts as SIGHUP, 1).
    Signal(i32),
}

/// What woke the loop.
pub(super) enum Wake<T> {
    /// A terminal event other than a resize, for the loop to turn into an action.
    Event(Event),
    /// The loop's own source finished with this.
    Own(T),
    /// Handled here (a resize, a stop and continue): only the screen needs drawing again.
    Screen,
    /// Leave: SIGINT (2), SIGTERM (15), SIGHUP or the terminal gone (1).
    Signal(i32),
}

/// The terminal a loop draws on, its event stream and the signals it answers.
pub(super) struct Screen<'t> {
    tui: &'t mut Tui,
    events: EventStream,
    interrupt: Signal,
    terminate: Signal,
    hangup: Signal,
    /// SIGQUIT (Ctrl-\\ or `kill -QUIT`) would otherwise end the process with the terminal
    /// still in raw mode on the alternate screen.
    quit: Signal,
    /// Handling SIGTSTP ourselves (from `kill -TSTP`) lets us restore the terminal first.
    stop: Signal,
    /// Something changed since the last frame: the next [`Screen::draw`] draws.
    pub(super) dirty: bool,
    /// Where the transcript was last drawn, to tell which line a click is on.
    pub(super) transcript: Rect,
}

impl<'t> Screen<'t> {
    pub(super) fn new(tui: &'t mut Tui) -> io::Result<Screen<'t>> {
        let events = EventStream::new();
        Ok(Screen {
            tui,
            events,
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
            hangup: signal(SignalKind::hangup())?,
            quit: signal(SignalKind::quit())?,
            stop: signal(SignalKind::from_raw(terminal::SIGTSTP))?,
            dirty: true,
            transcript: Rect::default(),
        })
    }

    /// Draws `app` when something changed, first telling it the transcript area's size when
    /// that changed. True when a frame was drawn.
    pub(super) fn draw(&mut self, app: &mut App) -> io::Result<bool> {
        if !self.dirty {
            return Ok(false);
        }
        let size = self.tui.size()?;
        let areas = crate::ui::areas(Rect::new(0, 0, size.width, size.height), app);
        self.transcript = areas.transcript;
        let viewport = (areas.transcript.width, areas.transcript.height);
        if app.viewport() != viewport {
            app.update(Action::Viewport(viewport.0, viewport.1));
        }
        if let Some(help) = app.help_view() {
            let known = help.max;
            let max = crate::ui::help_max_scroll(Rect::new(0, 0, size.width, size.height), app);
            if known != max {
                app.update(Action::HelpBounds(max));
            }
        }
        self.tui.draw(|frame| crate::ui::draw(frame, app))?;
        self.dirty = false;
        Ok(true)
    }

    /// Draws something other than the explorer (the lesson list) when something changed.
    pub(super) fn draw_with(&mut self, draw: impl FnOnce(&mut ratatui::Frame)) -> io::Result<()> {
        if self.dirty {
            self.tui.draw(draw)?;
            self.dirty = false;
        }
        Ok(())
    }

    /// Waits for the next terminal event, signal or `own` to finish. A resize marks the
    /// screen for drawing; SIGTSTP suspends (as Ctrl-Z does) before returning.
    pub(super) async fn next<T>(&mut self, own: impl Future<Output = T>) -> io::Result<Wake<T>> {
        tokio::select! {
            event = self.events.next() => match event {
                Some(Ok(Event::Resize(..))) => {
                    self.dirty = true;
                    Ok(Wake::Screen)
                }
                Some(Ok(event)) => Ok(Wake::Event(event)),
                Some(Err(e)) => Err(e),
                // The terminal went away.
                None => Ok(Wake::Signal(1)),
            },
            own = own => Ok(Wake::Own(own)),
            _ = self.interrupt.recv() => Ok(Wake::Signal(2)),
            _ = self.terminate.recv() => Ok(Wake::Signal(15)),
            _ = self.hangup.recv() => Ok(Wake::Signal(1)),
            _ = self.quit.recv() => Ok(Wake::Signal(3)),
            _ = self.stop.recv() => {
                self.suspend().await?;
                Ok(Wake::Screen)
            }
        }
    }

    /// Ctrl-Z ([`crate::app::Effect::Suspend`]): restore the terminal, stop, and redraw
    /// everything once continued.
    pub(super) async fn suspend(&mut self) -> io::Result<()> {
        terminal::suspend(self.tui).await?;
        self.dirty = true;
        Ok(())
    }

    /// Ctrl-L ([`crate::app::Effect::Redraw`]): clear and redraw everything.
    pub(super) fn repaint(&mut self) -> io::Result<()> {
        terminal::repaint(self.tui)?;
        self.dirty = true;
        Ok(())
    }
}

/// Installs the panic hook (before raw mode, so a panic restores the terminal) and enters
/// the UI; says why on stderr when the terminal cannot be set up.
pub(super) fn open() -> Option<Tui> {
    terminal::install_panic_hook();
    super::marker::take();
    match terminal::enter() {
        Ok(tui) => Some(tui),
        Err(e) => {
            eprintln!("smtpx: cannot set up the terminal: {e}");
            None
        }
    }
}

/// The process's exit code for how a loop ended: 0 for a quit, 128 + n for signal n, 3 for
/// a terminal error (said on stderr).
pub(super) fn exit_code(exit: io::Result<Exit>) -> ExitCode {
    match exit {
        Ok(Exit::Quit) => ExitCode::SUCCESS,
        Ok(Exit::Signal(n)) => ExitCode::from(u8::try_from(128 + n).unwrap_or(1)),
        Err(e) => {
            eprintln!("smtpx: terminal error: {e}");
            ExitCode::from(3)
        }
    }
}

/// `NO_COLOR` and a Linux console (no box drawing) from the environment.
pub(super) fn style_from_env(app: &mut App) {
    app.set_look(
        crate::ui::theme::no_color_from_env(),
        std::env::var("TERM").is_ok_and(|t| t == "linux"),
    );
    app.set_clipboard_unavailable(terminal::clipboard_unavailable());
}

/// The mouse wheel scrolls three rows, a left click inside `transcript` picks the line
/// there; other mouse events are ignored.
pub(super) fn mouse(mouse: MouseEvent, transcript: Rect) -> Option<Action> {
    use ratatui::crossterm::event::MouseButton;
    let inside = transcript.contains(ratatui::layout::Position::new(mouse.column, mouse.row));
    match mouse.kind {
        MouseEventKind::Down(MouseButton::Left) if inside => {
            Some(Action::Click(mouse.row - transcript.y))
        }
        _ => wheel(mouse),
    }
}

/// The mouse wheel scrolls three rows; other mouse events are ignored.
pub(super) fn wheel(mouse: MouseEvent) -> Option<Action> {
    match mouse.kind {
        MouseEventKind::ScrollUp => Some(Action::Wheel(3)),
        MouseEventKind::ScrollDown => Some(Action::Wheel(-3)),
        _ => None,
    }
}
