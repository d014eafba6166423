//! Explorer frames with a million lines in scrollback (target: under 2 ms at
//! 80x24 and at 200x60, following the bottom and scrolled back into the middle).
//!
//! The app is fed through [`Script`] — the same `Update`s the network task sends, so the
//! entries are made by the real `app::transcript::entries` code — and drawn by the real [`ui::draw`]
//! into a ratatui `TestBackend`. Two transcripts of 1,000,000 lines:
//!
//! - `ehlo`: a plaintext and a TLS session repeated — EHLO with a 12-line reply, MAIL,
//!   RCPT refused with a long 550 that wraps, RSET — about 62,500 rounds;
//! - `message`: one DATA whose message is 1,000,000 lines (a single entry that size: the
//!   case where wrapping a whole entry per frame would be a million lines).
//!
//! Benches: `frame` redraws at a fixed position (following the bottom, or the middle of
//! the transcript) — what a clock tick or a keystroke at the prompt costs; `page_step`
//! moves a page up or down (alternately) and draws, so every frame repaints every row — the
//! cost of a scroll step. `build` is not timed: building the app takes a few seconds.
//!
//! Run: `cargo bench --bench tui_frame`.

use std::sync::{LazyLock, Mutex};

use divan::Bencher;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use smtpx::app::script::Script;
use smtpx::app::{Action, App, Scroll};
use smtpx::ui;

fn main() {
    divan::main();
}

const LINES: usize = 1_000_000;

const EHLO_REPLY: &[u8] = b"250-mx.example.com Hello client.example.org [203.0.113.7]\r\n\
250-PIPELINING\r\n250-SIZE 35882577\r\n250-ETRN\r\n250-STARTTLS\r\n\
250-AUTH PLAIN LOGIN CRAM-MD5\r\n250-AUTH=PLAIN LOGIN\r\n250-ENHANCEDSTATUSCODES\r\n\
250-8BITMIME\r\n250-DSN\r\n250-CHUNKING\r\n250 SMTPUTF8\r\n";

const REFUSAL: &[u8] = b"550-5.7.1 <nobody@example.org>: Recipient address rejected: \
Access denied. For more information see https://postmaster.example.com/policy/relay-denied\r\n\
550 5.7.1 Contact your administrator if you believe this is in error (ref 0x7f3a9c)\r\n";

/// A transcript of about [`LINES`] lines of ordinary sessions.
fn ehlo_session() -> App {
    let mut s = Script::new("mx.example.com:587");
    s.connected()
        .server(b"220 mx.example.com ESMTP Postfix (Debian/GNU)\r\n");
    let mut round = 0usize;
    let (mut total, mut counted) = (0, 0);
    while total < LINES {
        s.client("EHLO client.example.org")
            .server(EHLO_REPLY)
            .client("MAIL FROM:<me@example.com>")
            .server(b"250 2.1.0 Ok\r\n")
            .client(&format!("RCPT TO:<user{round}@example.org>"))
            .server(REFUSAL)
            .client("RSET")
            .server(b"250 2.0.0 Ok\r\n");
        total += s.app.entries[counted..]
            .iter()
            .map(|e| e.lines.len())
            .sum::<usize>();
        counted = s.app.entries.len();
        round += 1;
        if round == 1 {
            s.client("STARTTLS")
                .server(b"220 2.0.0 Ready to start TLS\r\n")
                .tls(true);
        }
    }
    s.app
}

/// One message of [`LINES`] lines, then its 250.
fn message_session() -> App {
    let mut s = Script::new("mx.example.com:587");
    s.connected()
        .server(b"220 mx.example.com ESMTP Postfix\r\n")
        .client("EHLO client.example.org")
        .server(EHLO_REPLY)
        .client("MAIL FROM:<me@example.com>")
        .server(b"250 2.1.0 Ok\r\n")
        .client("RCPT TO:<you@example.org>")
        .server(b"250 2.1.5 Ok\r\n")
        .client("DATA")
        .server(b"354 End data with <CR><LF>.<CR><LF>\r\n");
    let mut body = Vec::with_capacity(LINES * 60);
    body.extend_from_slice(b"Subject: a long one\r\n\r\n");
    for i in 0..LINES - 4 {
        // Base64-like lines of 76 columns wrap at 80x24 (69 text columns).
        match i % 3 {
            0 => body.extend_from_slice(
                b"TG9yZW0gaXBzdW0gZG9sb3Igc2l0IGFtZXQsIGNvbnNlY3RldHVyIGFkaXBpc2NpbmcgZWxpdC4g\r\n",
            ),
            1 => body.extend_from_slice(format!("line {i} of the message\r\n").as_bytes()),
            _ => body.extend_from_slice(b"\r\n"),
        }
    }
    s.message(&body)
        .server(b"250 2.0.0 Ok: queued as 4XkQ2T\r\n");
    s.app
}

fn lines(app: &App) -> usize {
    app.entries.iter().map(|e| e.lines.len()).sum()
}

static EHLO: LazyLock<Mutex<App>> = LazyLock::new(|| Mutex::new(ehlo_session()));
static MESSAGE: LazyLock<Mutex<App>> = LazyLock::new(|| Mutex::new(message_session()));

fn app(name: &str) -> &'static Mutex<App> {
    match name {
        "message" => &MESSAGE,
        _ => &EHLO,
    }
}

/// Sizes the app to the screen as the event loop does, and makes the terminal.
fn terminal_for(app: &mut App, (width, height): (u16, u16)) -> Terminal<TestBackend> {
    let areas = ui::areas(Rect::new(0, 0, width, height), app);
    app.update(Action::Viewport(
        areas.transcript.width,
        areas.transcript.height,
    ));
    Terminal::new(TestBackend::new(width, height)).unwrap_or_else(|e| panic!("backend: {e}"))
}

/// The middle of the transcript: the entry holding its middle line.
fn middle(app: &App) -> Scroll {
    let half = lines(app) / 2;
    let mut seen = 0;
    for (index, entry) in app.entries.iter().enumerate() {
        if seen + entry.lines.len() > half {
            // Row = line for a line that does not wrap; close enough to "the middle".
            return Scroll::At {
                entry: index,
                row: half - seen,
            };
        }
        seen += entry.lines.len();
    }
    Scroll::Follow
}

const SIZES: [(u16, u16); 2] = [(80, 24), (200, 60)];

/// A redraw at a fixed position: following the bottom, or the middle of the transcript.
#[divan::bench(args = ["ehlo/follow", "ehlo/middle", "message/follow", "message/middle"], consts = [0, 1])]
fn frame<const SIZE: usize>(bencher: Bencher, case: &str) {
    let (name, position) = case.split_once('/').unwrap_or((case, "follow"));
    let mut app = app(name).lock().unwrap_or_else(|e| e.into_inner());
    let mut terminal = terminal_for(&mut app, SIZES[SIZE]);
    app.scroll = match position {
        "middle" => middle(&app),
        _ => Scroll::Follow,
    };
    let app = &*app;
    bencher.bench_local(|| {
        terminal
            .draw(|frame| ui::draw(frame, app))
            .map(|f| f.area)
            .unwrap_or_else(|e| panic!("draw: {e}"))
    });
}

/// PageUp / PageDown alternately from the middle, each followed by a draw.
#[divan::bench(args = ["ehlo", "message"], consts = [0, 1])]
fn page_step<const SIZE: usize>(bencher: Bencher, name: &str) {
    let mut app = app(name).lock().unwrap_or_else(|e| e.into_inner());
    let mut terminal = terminal_for(&mut app, SIZES[SIZE]);
    app.scroll = middle(&app);
    let mut up = true;
    bencher.bench_local(|| {
        let key = if up {
            KeyCode::PageUp
        } else {
            KeyCode::PageDown
        };
        up = !up;
        app.update(Action::Key(KeyEvent::from(key)));
        terminal
            .draw(|frame| ui::draw(frame, &app))
            .map(|f| f.area)
            .unwrap_or_else(|e| panic!("draw: {e}"))
    });
}
