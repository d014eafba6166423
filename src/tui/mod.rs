//! The explorer's event loop: one wait over the terminal's events, the driver's updates,
//! signals, and — only while connecting or connected — a one-second clock for the status
//! bar (which counts the wait for a connection or a greeting). It draws
//! after handling what is ready and never on a timer otherwise, so an idle explorer uses no
//! CPU. The terminal, signals, suspend and repaint are shared with the replay's loop
//! (`screen.rs`).
//!
//! Layer: CLI edge. Owns the terminal and the [`App`]; the network task owns the driver
//! (see [`crate::driver::task`]).
//!
//! ```text
//!  crossterm EventStream ─┐
//!  driver Update (mpsc) ──┼─▶ App::update(Action) ─▶ [Effect] ─▶ Intent (mpsc) ─▶ driver task
//!  SIGINT/TERM/HUP/TSTP ──┤                                    └▶ files, quit, suspend
//!  1 s clock (connected) ─┘            then draw(&App) once
//! ```

pub mod history;
pub mod lessons;
mod marker;
mod recording;
pub mod replay;
mod screen;
mod security;
pub mod terminal;

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use ratatui::crossterm::event::Event;
use tokio::sync::mpsc;

use screen::{Exit, Screen, Wake};

use crate::app::route::MailRoute;
use crate::app::{Action, App, Effect, Entry};
use crate::dns::ResolverPlan;
use crate::dns::reach::{Chosen, MxPlan, reach};
use crate::driver::task::{self, Intent, Update};
use crate::driver::{Driver, SessionEvent};
use crate::net::{ConnectPlan, TlsMode};
use crate::transcript::RecordOptions;
use crate::transcript::options::MxRoute;
use crate::transcript::record::RecorderHandle;

/// What the explorer is asked to open.
#[derive(Debug, Clone)]
pub struct ExplorerPlan {
    pub connect: ConnectPlan,
    pub record: RecordOptions,
    /// Lines shown first (the demo's hint).
    pub intro: Vec<String>,
    /// A lesson to guide the session (`smtpx learn`).
    pub lesson: Option<crate::learn::Lesson>,
    /// `--theme`, `--presenter`.
    pub display: crate::app::Display,
    /// The server speaks LMTP ([RFC 2033](https://www.rfc-editor.org/rfc/rfc2033)).
    pub lmtp: bool,
    /// `--mx`: the target is a mail domain, reached through its MX hosts.
    pub mx: Option<Box<MxPlan>>,
    /// Asked, when the target does not resolve, whether it is a mail domain (`None`: not
    /// asked, as with `--mx` and in the demo).
    pub hint_resolver: Option<Box<ResolverPlan>>,
    /// What the AUTH form (F4) starts with: a profile's user, mechanism, secret source.
    pub auth: crate::app::auth::AuthDefaults,
}

/// Exit code when the explorer cannot run: no terminal, or a target that does not parse.
pub const EXIT_UNUSABLE: u8 = 2;

/// `None` when the explorer can run here; otherwise what to tell the user, with the
/// headless command for `target` (as typed). The explorer exits with [`EXIT_UNUSABLE`].
pub fn without_terminal(target: &str) -> Option<String> {
    if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        return None;
    }
    Some(format!(
        "smtpx: the explorer needs a terminal. Run the same session headless with:\n  \
         smtpx probe {target}"
    ))
}

/// Opens the explorer connected as `plan` says.
pub async fn run(plan: ExplorerPlan) -> ExitCode {
    let ExplorerPlan {
        connect,
        record,
        intro,
        lesson,
        display,
        lmtp,
        mx,
        hint_resolver,
        auth,
    } = plan;
    let mut connect = connect;
    if let Some(message) = without_terminal(&connect.target.to_string()) {
        eprintln!("{message}");
        return ExitCode::from(EXIT_UNUSABLE);
    }
    let routed = match &mx {
        Some(mx) => match route_by_mx(mx, &mut connect).await {
            Ok(routed) => Some(routed),
            Err(code) => return code,
        },
        None => None,
    };
    let target = connect.target.clone();
    let port = target.port;
    let ca_file = connect.tls.ca_file.clone();
    let implicit = connect.tls_mode == TlsMode::Implicit;
    let (update_tx, update_rx) = mpsc::unbounded_channel();
    let (intent_tx, intent_rx) = mpsc::unbounded_channel();
    let label = match &routed {
        Some(r) => format!(
            "{} via {}:{}",
            crate::proto::text::escape_str(&r.chosen.domain),
            crate::proto::text::escape_str(&r.chosen.host),
            target.port
        ),
        None => format!("{}:{}", target.host, target.port),
    };
    // Recording is on by default, as in the probe; a transcript that cannot be started is
    // said in the UI and the session goes on unrecorded.
    let mut header = recording::header(&connect);
    header.options.mx = routed.as_ref().map(|r| MxRoute {
        domain: r.chosen.domain.clone(),
        host: r.chosen.host.clone(),
        preference: r.chosen.preference,
    });
    let (recorder, record_error) = match record.start(header) {
        Ok(recorder) => (recorder.map(|r| r.without_stderr().shared()), None),
        Err(e) => (None, Some(e.to_string())),
    };
    let mut sinks = vec![task::sink(update_tx.clone())];
    let notes = recorder.map(|(sink, handle)| {
        sinks.push(sink);
        handle
    });
    // Classic failures are explained as notes right after the event that shows them, with
    // advice in the explorer's words (`/starttls`, F4, `/reconnect --tls`).
    let sink = crate::diagnose::watch_for(
        crate::driver::sink::fan_out(sinks),
        target.port,
        crate::diagnose::Audience::Explorer,
    );
    let greeting_wait = Some(connect.greeting_wait);
    let mut driver = Driver::new(target, connect.connect, connect.tls, connect.timeout, sink);
    driver.reveal_secrets(record.keep_secrets);
    driver.lmtp(lmtp);
    // DANE and MTA-STS for the MX in use, looked up while the session goes on; the hint for
    // a target that does not resolve.
    let mut background = security::Background::new(hint_resolver.map(|r| *r));
    if let (Some(mx), Some(routed)) = (&mx, &routed) {
        background.look_up_security(mx, &routed.chosen, port, ca_file, connect.timeout);
    }
    let mail_route = routed.map(|routed| {
        for line in routed.lines {
            driver.note(line);
        }
        let chosen = routed.chosen;
        driver.note(chosen.connecting_note());
        driver.hand_over(routed.connection, &chosen.host);
        MailRoute {
            why: chosen.why(),
            domain: chosen.domain,
            host: chosen.host,
            preference: chosen.preference,
            addr: chosen.addr,
            dnssec: chosen.status.to_string(),
            dane: None,
            mta_sts: None,
        }
    });
    let options = task::TaskOptions {
        implicit_tls: implicit,
        greeting_wait,
    };
    let network = tokio::spawn(task::run_with(driver, options, intent_rx, update_tx));

    let mut app = App::new(label, history::load());
    if let Some(route) = mail_route {
        app.set_mail_route(route);
    }
    app.start_connecting();
    app.set_recording(notes.as_ref().and_then(RecorderHandle::path));
    app.set_recording_secrets(record.keep_secrets);
    if let Some(error) = record_error {
        app.record_failed(error);
    }
    screen::style_from_env(&mut app);
    app.set_display(display);
    app.set_auth_defaults(auth);
    app.set_hello_name(
        connect
            .ehlo
            .clone()
            .or_else(|| Some(crate::net::local_hostname())),
    );
    for line in intro {
        app.push(Entry::local(line));
    }
    if let Some(lesson) = lesson {
        app.start_lesson(lesson);
    }

    let Some(mut tui) = screen::open() else {
        return ExitCode::from(3);
    };
    let exit = event_loop(
        &mut tui,
        &mut app,
        update_rx,
        &intent_tx,
        notes.as_ref(),
        &mut background,
    )
    .await;
    terminal::restore();
    let _ = intent_tx.send(Intent::Quit);
    // The task closes the connection politely (bounded by a second in the transport).
    let _ = tokio::time::timeout(Duration::from_secs(2), network).await;

    match (app.recording(), app.saved_to()) {
        (Some(path), _) if app.recording_secrets() => println!(
            "smtpx: transcript saved to {} — it HOLDS SECRETS (--record-secrets): keep it private",
            path.display()
        ),
        (Some(path), _) => println!("smtpx: transcript saved to {}", path.display()),
        (None, Some(_)) => {}
        (None, None) => println!("smtpx: the session was not recorded."),
    }
    if let Some(error) = app.record_error() {
        eprintln!("smtpx: recording failed: {error}");
    }
    if let Some(path) = app.saved_to() {
        println!("smtpx: text transcript saved to {}", path.display());
    }
    screen::exit_code(exit)
}

/// A `--mx` route found before the explorer opens: the connection, the MX chosen, and the
/// lines said on the way (each becomes a note of the session).
struct Routed {
    connection: crate::net::Connection,
    chosen: Chosen,
    lines: Vec<String>,
}

/// Tries the MX hosts of `mx` before the screen opens, saying each step on stderr as it
/// happens (a slow or black-holed MX is seen waiting), and points `connect` at the address
/// that accepted, verifying the certificate against the MX host name. On failure (null MX,
/// no host reachable) says why and gives the exit code.
async fn route_by_mx(mx: &MxPlan, connect: &mut ConnectPlan) -> Result<Routed, ExitCode> {
    let mut lines = Vec::new();
    let mut say = |line: String| {
        eprintln!("smtpx: {line}");
        lines.push(line);
    };
    match reach(mx, connect.target.port, &connect.connect, &mut say).await {
        Ok((connection, chosen)) => {
            chosen.aim(connect);
            Ok(Routed {
                connection,
                chosen,
                lines,
            })
        }
        Err(error) => {
            eprintln!("smtpx: {error}");
            Err(ExitCode::from(EXIT_UNUSABLE))
        }
    }
}

/// The explorer's own wake-ups, beside the terminal and signals.
enum Own {
    /// The driver's next update (`None`: the network task ended).
    Update(Option<Update>),
    /// DANE and MTA-STS for a `--mx` route, or the hint for a target that does not
    /// resolve, looked up in the background.
    Background(security::Found),
    /// The one-second status bar clock.
    Tick,
}

async fn event_loop(
    tui: &mut terminal::Tui,
    app: &mut App,
    mut updates: mpsc::UnboundedReceiver<Update>,
    intents: &mpsc::UnboundedSender<Intent>,
    notes: Option<&RecorderHandle>,
    background: &mut security::Background,
) -> std::io::Result<Exit> {
    let mut screen = Screen::new(tui)?;
    let mut clock = tokio::time::interval(Duration::from_secs(1));
    clock.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut connected_at: Option<Instant> = None;
    // When the connection attempt under way began (the start, or the last /reconnect).
    let mut connecting_since = Instant::now();
    loop {
        if screen.draw(app)? {
            recording::panic_if_asked();
            log_first_frame();
        }
        let ticking = connected_at.is_some() && app.connected() || app.waiting();
        let own = async {
            tokio::select! {
                update = updates.recv() => Own::Update(update),
                _ = clock.tick(), if ticking => Own::Tick,
                found = background.next() => Own::Background(found),
            }
        };
        let mut effects = Vec::new();
        match screen.next(own).await? {
            Wake::Event(event) => {
                if let Some(action) = action_for(event, screen.transcript) {
                    effects = app.update(action);
                    screen.dirty = true;
                }
            }
            Wake::Screen => {}
            Wake::Signal(n) => return Ok(Exit::Signal(n)),
            Wake::Own(Own::Update(update)) => {
                let Some(update) = update else {
                    return Ok(Exit::Quit);
                };
                // Take everything already waiting before drawing once.
                let mut batch = vec![update];
                while let Ok(more) = updates.try_recv() {
                    batch.push(more);
                }
                for update in batch {
                    if let Update::Event(event) = &update {
                        background.observe(event, app);
                    }
                    match &update {
                        Update::Event(SessionEvent::Connected { .. }) => {
                            connected_at = Some(Instant::now());
                            clock.reset();
                        }
                        Update::Event(SessionEvent::Closed { .. }) => connected_at = None,
                        _ => {}
                    }
                    effects.extend(app.update(Action::Driver(update)));
                }
                let failure = notes.and_then(RecorderHandle::failure);
                if let Some(failure) = failure.filter(|_| app.record_error().is_none()) {
                    // Said on the screen only: the recorder writes nothing to stderr here.
                    app.record_failed(failure);
                }
                screen.dirty = true;
            }
            Wake::Own(Own::Background(found)) => {
                background.found(found, app);
                screen.dirty = true;
            }
            Wake::Own(Own::Tick) => {
                let since = match connected_at {
                    Some(at) if app.connected() => Some(at),
                    _ => app.connecting().map(|_| connecting_since),
                };
                if let Some(at) = since {
                    app.update(Action::Clock(at.elapsed()));
                    screen.dirty = true;
                }
            }
        }
        for effect in effects {
            match effect {
                Effect::Intent(intent) => {
                    if matches!(intent, Intent::Reconnect | Intent::ReconnectWith { .. }) {
                        connecting_since = Instant::now();
                        clock.reset();
                    }
                    let _ = intents.send(intent);
                }
                Effect::Save {
                    path,
                    text,
                    overwrite,
                } => {
                    // A saved transcript holds the session's addresses: private, and
                    // never written through a symbolic link.
                    let result = crate::files::write_private(
                        &path,
                        text.as_bytes(),
                        if overwrite {
                            crate::files::Existing::Replace
                        } else {
                            crate::files::Existing::Refuse
                        },
                    )
                    .map_err(|e| std::sync::Arc::new(e.into_io()));
                    app.update(Action::Saved { path, result });
                    screen.dirty = true;
                }
                Effect::Remember(line) => history::append(&line),
                Effect::LessonFinished(id) => {
                    // Progress is worth keeping, not worth interrupting the lesson for.
                    if let Some(path) = crate::learn::progress::path() {
                        let _ = crate::learn::progress::finish(&path, &id);
                    }
                }
                Effect::Note(text) => {
                    if let Some(notes) = notes {
                        let at = connected_at.map(|at| at.elapsed()).unwrap_or_default();
                        notes.note_by_person(at, &text);
                    }
                }
                Effect::Quit => return Ok(Exit::Quit),
                Effect::Suspend => screen.suspend().await?,
                Effect::Redraw => screen.repaint()?,
                Effect::ReadClock => {
                    app.update(Action::WallClock(std::time::SystemTime::now()));
                    screen.dirty = true;
                }
                Effect::ReadAttachments(paths) => {
                    app.update(Action::AttachmentsRead(read_attachments(&paths)));
                    screen.dirty = true;
                }
                Effect::MouseCapture(on) => terminal::set_mouse_capture(on)?,
                Effect::Copy(text) => terminal::copy_to_clipboard(&text)?,
            }
        }
    }
}

/// The composer's attachment files, read whole, each with its content type guessed from its
/// extension; the first that cannot be read says why.
fn read_attachments(
    paths: &[std::path::PathBuf],
) -> Result<Vec<crate::proto::message::Attachment>, String> {
    paths
        .iter()
        .map(|path| {
            let bytes =
                std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let file_name = path
                .file_name()
                .map_or_else(|| "attachment".into(), |n| n.to_string_lossy().into_owned());
            Ok(crate::proto::message::Attachment {
                content_type: crate::proto::message::guess_content_type(&file_name).to_owned(),
                file_name,
                bytes,
            })
        })
        .collect()
}

/// A supported measurement hook (CONTRIBUTING.md lists them): with
/// `SMTPX_FIRST_FRAME_LOG=PATH`, the first completed draw writes the wall-clock time as Unix
/// nanoseconds to PATH — in release builds too, since `benches/tui_startup_idle.sh` times the
/// release binary with it — and the script subtracts the time it
/// started the process. Once per process; errors are ignored (a benchmark aid).
fn log_first_frame() {
    static FIRST: std::sync::Once = std::sync::Once::new();
    FIRST.call_once(|| {
        if let Some(path) = std::env::var_os("SMTPX_FIRST_FRAME_LOG") {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            let _ = std::fs::write(path, format!("{now}\n"));
        }
    });
}

/// Terminal events the app cares about: keys, pastes, the wheel and a click on the
/// transcript (drawn at `transcript`); mouse motion is ignored.
fn action_for(event: Event, transcript: ratatui::layout::Rect) -> Option<Action> {
    match event {
        Event::Key(key) => Some(Action::Key(key)),
        Event::Paste(text) => Some(Action::Paste(text)),
        Event::Mouse(mouse) => screen::mouse(mouse, transcript),
        _ => None,
    }
}
