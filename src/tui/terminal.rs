//! Terminal setup and restore on every exit path: normal quit, error, panic (the hook is
//! installed before raw mode), signals, and suspend/resume with Ctrl-Z.
//!
//! Layer: CLI edge (terminal I/O). No `unsafe`: stopping ourselves for Ctrl-Z is done by
//! asking `kill(1)` to send SIGSTOP to this process, and SIGCONT is awaited through tokio.

use std::io::{self, Stdout, Write};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::cursor::Show;
use ratatui::crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};

pub type Tui = Terminal<CrosstermBackend<Stdout>>;

static HOOK: Once = Once::new();

/// Whether smtpx holds the mouse (F8 lets the terminal have it); kept across suspend.
static MOUSE: AtomicBool = AtomicBool::new(true);

/// Restores the terminal before the default panic message is printed, so the message is
/// readable and the shell usable. Installed once, before raw mode is entered.
pub fn install_panic_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}

/// Raw mode, the alternate screen, mouse wheel and bracketed paste.
pub fn enter() -> io::Result<Tui> {
    enable_raw_mode()?;
    let mut stdout = io::stdout();
    if let Err(e) = execute!(stdout, EnterAlternateScreen, EnableBracketedPaste)
        .and_then(|()| set_mouse_capture(MOUSE.load(Ordering::Relaxed)))
    {
        restore();
        return Err(e);
    }
    let mut terminal = match Terminal::new(CrosstermBackend::new(io::stdout())) {
        Ok(terminal) => terminal,
        Err(e) => {
            restore();
            return Err(e);
        }
    };
    repaint(&mut terminal)?;
    Ok(terminal)
}

/// Clears the screen and makes the next draw paint every cell.
///
/// Not ratatui's `Terminal::clear`: that asks the terminal for the cursor position, and
/// crossterm answers the query by taking the same stdin reader lock the `EventStream`
/// thread holds while it waits for input. Inside the event loop that blocks until the
/// query times out — and forever once the terminal is gone (an SSH drop: the reader
/// thread spins on end-of-file holding the lock), so SIGHUP could not even be handled.
pub fn repaint(terminal: &mut Tui) -> io::Result<()> {
    use ratatui::backend::{Backend, ClearType};
    terminal.backend_mut().clear_region(ClearType::All)?;
    // Each swap resets the buffer it leaves behind; two swaps reset both, so the next
    // frame is diffed against nothing and drawn whole.
    terminal.swap_buffers();
    terminal.swap_buffers();
    Ok(())
}

/// Undoes [`enter`]. Safe to call more than once and from the panic hook.
pub fn restore() {
    let mut stdout = io::stdout();
    let _ = execute!(
        stdout,
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen,
        Show
    );
    let _ = disable_raw_mode();
    let _ = stdout.flush();
    super::marker::give_back();
}

/// Ctrl-Z: restore the terminal, stop this process as the shell expects, and when `fg`
/// continues it, re-enter the UI with a full redraw.
pub async fn suspend(terminal: &mut Tui) -> io::Result<()> {
    restore();
    let mut cont =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::from_raw(SIGCONT)).ok();
    let stopped = std::process::Command::new("kill")
        .args(["-STOP", &std::process::id().to_string()])
        .status();
    if let Ok(status) = stopped
        && status.success()
    {
        // The stop may land a moment after kill(1) returns; wait for the continue, with a
        // bound in case job control is unavailable (an orphaned process group).
        if let Some(cont) = cont.as_mut() {
            let _ = tokio::time::timeout(Duration::from_secs(2), cont.recv()).await;
        }
    }
    super::marker::take();
    enable_raw_mode()?;
    execute!(io::stdout(), EnterAlternateScreen, EnableBracketedPaste)?;
    set_mouse_capture(MOUSE.load(Ordering::Relaxed))?;
    repaint(terminal)
}

/// Captures the mouse (wheel and clicks reach smtpx) or lets go of it, so the terminal
/// selects text natively.
pub fn set_mouse_capture(on: bool) -> io::Result<()> {
    MOUSE.store(on, Ordering::Relaxed);
    if on {
        execute!(io::stdout(), EnableMouseCapture)
    } else {
        execute!(io::stdout(), DisableMouseCapture)
    }
}

/// Puts `text` on the terminal's clipboard: OSC 52 (`ESC ] 52 ; c ; BASE64 BEL`). The text
/// travels base64-encoded, so nothing in it can end the sequence or start another; it is
/// transcript text, escaped when its entries were made.
pub fn copy_to_clipboard(text: &str) -> io::Result<()> {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    let mut stdout = io::stdout();
    write!(stdout, "\x1b]52;c;{encoded}\x07")?;
    stdout.flush()
}

/// Why this terminal cannot take an OSC 52 clipboard write, when `TERM` says so: the Linux
/// console and a dumb terminal have no clipboard to set.
pub fn clipboard_unavailable() -> Option<String> {
    match std::env::var("TERM").as_deref() {
        Ok("linux") => Some("the Linux console has no clipboard (OSC 52)".into()),
        Ok("dumb") | Err(_) => Some("this terminal (TERM unset or dumb) takes no OSC 52".into()),
        Ok(_) => None,
    }
}

/// SIGTSTP on Linux; the BSDs and macOS number it 18.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub const SIGTSTP: i32 = 20;
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub const SIGTSTP: i32 = 18;

/// SIGCONT on Linux and the BSDs' common numbering used by tokio's `SignalKind`.
#[cfg(any(target_os = "linux", target_os = "android"))]
const SIGCONT: i32 = 18;
#[cfg(not(any(target_os = "linux", target_os = "android")))]
const SIGCONT: i32 = 19;
