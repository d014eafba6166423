//! The explorer's state and the one place it changes: [`App::update`] takes an [`Action`]
//! (a key, a driver update, a resize, a clock tick) and returns [`Effect`]s for the loop to
//! carry out (send an intent, write a file, quit) — the Elm architecture, testable with no
//! terminal.
//!
//! Layer: app state. Uses `proto` (session snapshot, command classification), the driver's
//! message types, and crossterm's key type; no terminal I/O, no sockets, no files.
//!
//! ```text
//!   Command ──/raw──▶ Raw ──/raw, Esc──▶ Command
//!      │  ▲
//!   354│  │ lone "." sent (or the connection ended)
//!      ▼  │
//!    Message
//! ```

pub mod auth;
pub mod cert;
pub mod compose;
mod dispatch;
mod display;
mod events;
pub mod help;
pub mod keymap;
pub mod ladder;
mod lesson;
pub mod lessons;
pub mod prompt;
pub mod replay;
pub mod route;
#[cfg(any(test, feature = "testkit"))]
pub mod script;
pub mod timeline;
pub mod transcript;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use ratatui::crossterm::event::KeyEvent;
use tui_input::Input;

use crate::driver::task::{Intent, Update};
use crate::proto::session::{Session, State};

pub use display::{Display, Look};
pub use help::{KeyText, Keymap};
pub use keymap::Binding;
pub use prompt::{Completion, History};
pub use transcript::{Entry, Kind, Scroll};

/// What the prompt does with a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A line is an SMTP command; CRLF is added.
    Command,
    /// Byte-exact: escapes become bytes, nothing is added.
    Raw,
    /// After 354: lines are collected until a lone `.`.
    Message,
}

/// Something drawn over the screen, with the state it has only while it is open.
#[derive(Debug)]
pub enum Overlay {
    /// F1 or `/help`: the keys and `/commands` (`help/`).
    Help(help::HelpView),
    /// Esc on an empty prompt: a cursor over the transcript, the line's explanation shown.
    Pick(transcript::pick::PickView),
    /// F2 or `/cert`: the chain, its fields and the verdicts (`cert/`).
    Cert(cert::CertView),
    /// F4 or `/auth`: the AUTH form (`auth/form.rs`); the password goes when it closes.
    Auth(Box<auth::AuthForm>),
    /// F5 or `/mail`: the mail transaction composer (`compose/`); closing hands the draft
    /// back to [`App`], so it survives Esc.
    Compose(Box<compose::Composer>),
    /// F6 or `/timeline`: per-step timing (`timeline/`).
    Timeline(timeline::TimelineView),
    /// F7 or `/ladder`: the session as a sequence diagram (`ladder.rs`).
    Ladder(ladder::LadderView),
}

/// Which overlay is open, without its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverlayKind {
    Help,
    Pick,
    Certificate,
    AuthForm,
    Composer,
    Timeline,
    Ladder,
}

impl Overlay {
    pub fn kind(&self) -> OverlayKind {
        match self {
            Overlay::Help(_) => OverlayKind::Help,
            Overlay::Pick(_) => OverlayKind::Pick,
            Overlay::Cert(_) => OverlayKind::Certificate,
            Overlay::Auth(_) => OverlayKind::AuthForm,
            Overlay::Compose(_) => OverlayKind::Composer,
            Overlay::Timeline(_) => OverlayKind::Timeline,
            Overlay::Ladder(_) => OverlayKind::Ladder,
        }
    }
}

/// Everything that can happen to the explorer.
#[derive(Debug, Clone)]
pub enum Action {
    Key(KeyEvent),
    Paste(String),
    /// Mouse wheel: positive scrolls back.
    Wheel(i32),
    /// A left click on row N of the transcript area (0 at its top): picks that line.
    Click(u16),
    /// The transcript area's size changed (columns, rows).
    Viewport(u16, u16),
    /// How far the help overlay can scroll on this screen (rows), from the views' layout.
    HelpBounds(usize),
    Driver(Update),
    /// Time connected — or, while connecting, time since the attempt began — from the
    /// loop's clock.
    Clock(Duration),
    /// Replay mode: the loop's clock (time since it started); playing applies what is due.
    ReplayTick(Duration),
    /// Replay mode, no input pending: make checkpoints ahead, folding at most this many
    /// events (and finish a far jump waiting for them).
    ReplayWarmUp(usize),
    /// The wall clock, when the app asked for it ([`Effect::ReadClock`]): the composer's
    /// Date and Message-ID.
    WallClock(std::time::SystemTime),
    /// The composer's attachments, read by the loop ([`Effect::ReadAttachments`]), or why
    /// one could not be read.
    AttachmentsRead(Result<Vec<crate::proto::message::Attachment>, String>),
    /// `/save` (or `/cert save`) finished; the error is shared so the action stays `Clone`.
    Saved {
        path: PathBuf,
        result: Result<(), Arc<std::io::Error>>,
    },
}

/// What the loop must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Intent(Intent),
    /// Write the transcript text to a file (`/save`).
    Save {
        path: PathBuf,
        text: String,
        /// Replace the file when it exists (else the save is refused).
        overwrite: bool,
    },
    /// Append a line to the history file.
    Remember(String),
    /// Write a person's note into the transcript file (`/note TEXT`).
    Note(String),
    /// Stop the UI (after `Intent::Quit` went out).
    Quit,
    Suspend,
    /// Clear and redraw everything.
    Redraw,
    /// Answer with [`Action::WallClock`] (the app has no clock of its own).
    ReadClock,
    /// Read these files for the composer and answer with [`Action::AttachmentsRead`].
    ReadAttachments(Vec<PathBuf>),
    /// Capture the mouse (wheel, clicks) or leave it to the terminal, which then selects
    /// text itself.
    MouseCapture(bool),
    /// Put this text (escaped already) on the terminal's clipboard with OSC 52.
    Copy(String),
    /// A lesson (by id) was finished: remember it in the progress file.
    LessonFinished(String),
}

/// The explorer's state.
#[derive(Debug)]
pub struct App {
    /// `host:port` as the person gave it.
    target: String,
    pub entries: transcript::Entries,
    /// The driver's latest session snapshot.
    pub session: Session,
    /// Replies seen since the last session snapshot (to match each to its command).
    replies_since_snapshot: usize,
    connected: bool,
    /// `TLSv1.3` and whether the certificate was verified, while TLS is up.
    pub tls: Option<(String, bool)>,
    connected_for: Option<Duration>,
    /// How long the connection attempt under way has lasted (`None`: none under way).
    connecting: Option<Duration>,
    mode: Mode,
    /// What is drawn over the screen, and its state.
    overlay: Option<Overlay>,
    /// The side panel, when the person toggled it (wide screens show it by default).
    panel: Option<bool>,
    pub input: Input,
    history: History,
    completion: Option<Completion>,
    /// Message lines collected after 354.
    message: Vec<String>,
    pub scroll: Scroll,
    /// Transcript area (columns, rows).
    viewport: (u16, u16),
    /// A one-line notice under the transcript (a local error, a hint).
    notice: Option<String>,
    saved_to: Option<PathBuf>,
    /// The transcript file being written (none with `--no-record`).
    recording: Option<PathBuf>,
    /// The transcript keeps AUTH secrets (`--record-secrets`).
    recording_secrets: bool,
    /// Why recording stopped or never started; shown in the status bar.
    record_error: Option<String>,
    /// A line held back because it breaks a rule; Enter on the same line sends it.
    held: Option<String>,
    no_color: bool,
    high_contrast: bool,
    presenter: bool,
    /// Box drawing characters unavailable (TERM=linux): ASCII markers and borders.
    ascii: bool,
    stopped: bool,
    /// The certificate view's state.
    cert: cert::CertState,
    /// Replay mode (`smtpx replay FILE`): the recording and the current step.
    pub replay: Option<Box<replay::Replay>>,
    /// A form-started AUTH exchange under way: its steps are shown decoded.
    auth_trace: Option<auth::AuthTrace>,
    /// What the AUTH form starts with (a profile's user, mechanism and secret source).
    auth_defaults: Option<auth::AuthDefaults>,
    /// The name Tab offers after EHLO, HELO or LHLO (`--ehlo`, a profile's, or this host's).
    hello_name: Option<String>,
    /// A SASL exchange typed by hand: its secret lines are shown decoded (masked) too.
    pub(crate) typed_auth: Option<auth::typed::TypedAuth>,
    /// The composer's draft while the composer is closed (it survives Esc); while open,
    /// the draft is in [`Overlay::Compose`].
    compose_draft: Option<Box<compose::Composer>>,
    /// Per-step timing, folded from the driver's events.
    timeline: timeline::Timeline,
    /// Whether smtpx has the mouse (else the terminal selects text natively).
    mouse_captured: bool,
    /// Why the terminal cannot take OSC 52 clipboard writes, when it cannot.
    clipboard_unavailable: Option<String>,
    /// `/find TEXT` in a live session: the text whose matches are highlighted.
    find: Option<String>,
    /// The sequence diagram's rungs, folded from the driver's events.
    ladder: crate::transcript::ladder::Ladder,
    /// The lesson under way (`smtpx learn`).
    lesson: Option<Box<crate::learn::LessonRun>>,
    /// Effects that arose while folding driver events, handed out with the update.
    pending_effects: Vec<Effect>,
    /// `--mx`: the domain and the MX host the session went to.
    mail_route: Option<route::MailRoute>,
}

impl App {
    pub fn new(target: impl Into<String>, history: Vec<String>) -> App {
        App {
            target: target.into(),
            entries: transcript::Entries::default(),
            session: Session::new(),
            replies_since_snapshot: 0,
            connected: false,
            tls: None,
            connected_for: None,
            connecting: None,
            mode: Mode::Command,
            overlay: None,
            panel: None,
            input: Input::default(),
            history: History::new(history),
            completion: None,
            message: Vec::new(),
            scroll: Scroll::Follow,
            viewport: (80, 20),
            notice: None,
            saved_to: None,
            recording: None,
            recording_secrets: false,
            record_error: None,
            held: None,
            no_color: false,
            high_contrast: false,
            presenter: false,
            ascii: false,
            stopped: false,
            cert: cert::CertState::default(),
            replay: None,
            auth_trace: None,
            auth_defaults: None,
            hello_name: None,
            typed_auth: None,
            compose_draft: None,
            timeline: timeline::Timeline::default(),
            mouse_captured: true,
            clipboard_unavailable: None,
            find: None,
            ladder: crate::transcript::ladder::Ladder::default(),
            lesson: None,
            pending_effects: Vec::new(),
            mail_route: None,
        }
    }

    /// The keymap in force: the open overlay's, else the replay's or the prompt mode's.
    pub fn keymap(&self) -> Keymap {
        match &self.overlay {
            Some(Overlay::Help(_)) => Keymap::Help(&help::keys::HELP),
            Some(Overlay::Pick(_)) => Keymap::Pick(&transcript::pick::PICK),
            Some(Overlay::Cert(_)) => Keymap::Cert(&cert::KEYS),
            Some(Overlay::Auth(_)) => Keymap::Auth(&auth::form::KEYS),
            Some(Overlay::Compose(c)) => Keymap::Compose(compose::keys(c)),
            Some(Overlay::Timeline(_)) => Keymap::Timeline(&timeline::KEYS),
            Some(Overlay::Ladder(_)) => Keymap::Ladder(&ladder::KEYS),
            None if self.replay.is_some() => Keymap::Replay(self.replay_keys()),
            None => Keymap::Prompt(prompt::keys::of_mode(self.mode)),
        }
    }

    /// The open overlay and its state.
    pub fn overlay(&self) -> Option<&Overlay> {
        self.overlay.as_ref()
    }

    /// Which overlay is open.
    pub fn overlay_kind(&self) -> Option<OverlayKind> {
        self.overlay.as_ref().map(Overlay::kind)
    }

    /// Opens `overlay` over the screen, closing the one open before.
    pub(in crate::app) fn open_overlay(&mut self, overlay: Overlay) {
        self.close_overlay();
        self.overlay = Some(overlay);
    }

    /// Closes whatever overlay is open; the composer hands its draft back.
    pub(in crate::app) fn close_overlay(&mut self) {
        if let Some(Overlay::Compose(draft)) = self.overlay.take() {
            self.compose_draft = Some(draft);
        }
    }

    /// Whether a 334 awaits the person's SASL response (the next line is a secret).
    pub fn awaits_sasl_response(&self) -> bool {
        self.session.state() == State::AuthResponseDue
    }

    /// Whether a line typed now answers an AUTH exchange (see
    /// [`Session::auth_exchange_open`](crate::proto::session::Session::auth_exchange_open)):
    /// it is a secret, kept out of the history and masked.
    pub fn in_auth_exchange(&self) -> bool {
        self.session.auth_exchange_open()
    }

    pub fn push(&mut self, entry: Entry) {
        for entry in self.spaced(vec![entry]) {
            self.entries.push(entry);
        }
    }

    /// The transcript as plain text (what `/save` writes for now).
    pub fn transcript_text(&self) -> String {
        let mut out = String::new();
        for entry in &self.entries {
            for line in entry.plain() {
                out.push_str(&line);
                out.push('\n');
            }
        }
        out
    }

    /// `host:port` as the person gave it.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// Whether a connection is up.
    pub fn connected(&self) -> bool {
        self.connected
    }

    /// Time connected, while connected.
    pub fn connected_for(&self) -> Option<Duration> {
        self.connected_for
    }

    /// How long the connection attempt under way has lasted, while one is.
    pub fn connecting(&self) -> Option<Duration> {
        self.connecting
    }
}

#[cfg(test)]
mod tests;
