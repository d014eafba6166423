//! The certificate view's state: the last TLS handshake (chain, verdict, what was
//! negotiated), which certificate is chosen, how far its fields are scrolled, and the EHLO
//! capabilities before and after STARTTLS
//! ([RFC 3207 §4.2](https://www.rfc-editor.org/rfc/rfc3207#section-4.2): the server may offer
//! different extensions once TLS is up). Opened with F2 or `/cert`; Esc returns.
//!
//! Layer: app state. Decoding happens once, when the handshake is reported.

use std::path::PathBuf;

use ratatui::crossterm::event::KeyCode;

use crate::net::TlsInfo;
use crate::net::cert::render::ChainView;
use crate::proto::capability::Capabilities;
use crate::proto::session::Session;

use crate::app::keymap::{Binding, KeyCommand, plain as bind};
use crate::app::{App, Effect, Entry, Overlay};

/// What the certificate view shows.
#[derive(Debug, Clone, Default)]
pub struct CertState {
    /// The latest handshake and its decoded chain.
    pub tls: Option<(TlsInfo, ChainView)>,
    /// Handshakes so far: an open view goes back to the leaf when this changes.
    pub handshakes: u32,
    /// EHLO capabilities seen in plaintext and inside TLS.
    pub caps_before: Option<Capabilities>,
    pub caps_after: Option<Capabilities>,
    /// A fixed "now" (Unix seconds) for reproducible views; `None`: the system clock.
    pub now: Option<i64>,
    /// Where `/cert save` is writing, so its result is not reported as a transcript save.
    pub pending_save: Option<PathBuf>,
}

impl CertState {
    /// A handshake finished: decode its chain once.
    pub fn established(&mut self, info: &TlsInfo) {
        let view = ChainView::new(info);
        self.tls = Some((info.clone(), view));
        self.handshakes = self.handshakes.wrapping_add(1);
        self.caps_after = None;
    }

    /// Keeps the last plaintext and the first TLS capabilities from session snapshots.
    pub fn observe(&mut self, session: &Session) {
        let Some(caps) = session.capabilities() else {
            return;
        };
        if session.tls_active() {
            self.caps_after = Some(caps.clone());
        } else {
            self.caps_before = Some(caps.clone());
            self.caps_after = None;
        }
    }
}

impl App {
    /// How the connection is protected now, for the credential and REQUIRETLS checks: an
    /// unverified certificate carries the verdict's own words (self-signed, expired, another
    /// name, …), so a held-back AUTH says why.
    pub fn protection(&self) -> crate::proto::auth::policy::Protection {
        use crate::proto::auth::policy::Protection;
        match &self.tls {
            None => Protection::Plaintext,
            Some((_, true)) => Protection::VerifiedTls,
            Some((_, false)) => Protection::UnverifiedTls {
                reason: self.cert.tls.as_ref().map_or_else(
                    || "F2 shows the verdict".to_string(),
                    |(info, _)| info.verdict.summary(),
                ),
            },
        }
    }
}

/// The certificate view's own state, while it is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CertView {
    /// Index into the chain (0 = leaf).
    pub selected: usize,
    /// First field row shown on the right.
    pub scroll: usize,
    /// [`CertState::handshakes`] when the view was opened or last reset.
    handshake: u32,
}

impl CertView {
    fn new(handshake: u32) -> CertView {
        CertView {
            selected: 0,
            scroll: 0,
            handshake,
        }
    }
}

/// What a key does in the certificate view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertKey {
    /// The previous / next certificate in the chain.
    Previous,
    Next,
    /// Scroll the chosen certificate's fields.
    ScrollUp,
    ScrollDown,
    Close,
    Help,
    /// `s`: back to the prompt with `/cert save ` typed, for the path.
    Save,
}

impl KeyCommand for CertKey {
    fn essential(self) -> bool {
        self == CertKey::Help
    }
}

/// Keys of the certificate view.
pub static KEYS: [Binding<CertKey>; 8] = [
    bind(
        KeyCode::Up,
        "↑",
        CertKey::Previous,
        "previous certificate (towards the leaf)",
        Some("choose"),
    ),
    bind(
        KeyCode::Down,
        "↓",
        CertKey::Next,
        "next certificate (towards the root)",
        None,
    ),
    bind(
        KeyCode::PageUp,
        "PgUp",
        CertKey::ScrollUp,
        "scroll the fields",
        Some("scroll"),
    ),
    bind(
        KeyCode::PageDown,
        "PgDn",
        CertKey::ScrollDown,
        "scroll the fields",
        None,
    ),
    bind(
        KeyCode::F(2),
        "F2",
        CertKey::Close,
        "back to the session",
        None,
    ),
    bind(
        KeyCode::Esc,
        "Esc",
        CertKey::Close,
        "back to the session (/cert save PATH writes the chain)",
        Some("back"),
    ),
    bind(
        KeyCode::Char('s'),
        "s",
        CertKey::Save,
        "save the chain as PEM: the prompt gets /cert save, type the path",
        Some("save"),
    ),
    bind(KeyCode::F(1), "F1", CertKey::Help, "all keys", Some("help")),
];

impl App {
    /// A key bound in the certificate view.
    pub(in crate::app) fn cert_key(&mut self, action: CertKey) -> Vec<Effect> {
        let count = self.cert.tls.as_ref().map_or(0, |(_, v)| v.certs.len());
        if let Some(Overlay::Cert(view)) = self.overlay.as_mut() {
            match action {
                CertKey::Previous => {
                    view.selected = view.selected.saturating_sub(1);
                    view.scroll = 0;
                }
                CertKey::Next if view.selected + 1 < count => {
                    view.selected += 1;
                    view.scroll = 0;
                }
                CertKey::ScrollUp => view.scroll = view.scroll.saturating_sub(10),
                CertKey::ScrollDown => view.scroll += 10,
                CertKey::Next | CertKey::Close | CertKey::Help | CertKey::Save => {}
            }
        }
        match action {
            CertKey::Close => {
                self.close_overlay();
                self.notice = None;
            }
            CertKey::Help => self.open_help(),
            CertKey::Save if self.replay.is_some() => {
                self.notice = Some(
                    "a replay writes no files: /cert save PATH works in a live session".into(),
                );
            }
            CertKey::Save => {
                self.close_overlay();
                self.input = tui_input::Input::new("/cert save ".into());
                self.notice = Some("type the file's path; Enter writes the chain (PEM)".into());
            }
            _ => {}
        }
        Vec::new()
    }

    /// F2 or `/cert`: the view, once there was a handshake.
    pub(in crate::app) fn open_cert(&mut self) {
        if self.cert.tls.is_none() {
            self.notice = Some("no TLS yet: STARTTLS (or connect with TLS) first".into());
        } else {
            self.open_overlay(Overlay::Cert(CertView::new(self.cert.handshakes)));
        }
    }

    /// The last handshake's chain and the capabilities around STARTTLS.
    pub fn cert(&self) -> &CertState {
        &self.cert
    }

    /// Shows certificate validity as of `unix_seconds` instead of the system clock
    /// (reproducible screens).
    pub fn fix_cert_clock(&mut self, unix_seconds: i64) {
        self.cert.now = Some(unix_seconds);
    }

    /// The certificate view's state while it is open.
    pub fn cert_view(&self) -> Option<&CertView> {
        match self.overlay() {
            Some(Overlay::Cert(view)) => Some(view),
            _ => None,
        }
    }

    /// An open view goes back to the leaf when another handshake replaced the chain (live,
    /// or a replay stepping or jumping past one).
    pub(in crate::app) fn follow_handshake(&mut self) {
        let handshakes = self.cert.handshakes;
        if let Some(Overlay::Cert(view)) = self.overlay.as_mut()
            && view.handshake != handshakes
        {
            *view = CertView::new(handshakes);
        }
    }

    /// The write `/cert save` asked for finished.
    pub(in crate::app) fn chain_saved(
        &mut self,
        path: PathBuf,
        result: Result<(), std::sync::Arc<std::io::Error>>,
    ) -> Vec<Effect> {
        self.cert.pending_save = None;
        self.push(Entry::local(match result {
            Ok(()) => format!("certificate chain saved to {} (PEM)", path.display()),
            Err(e) => format!("could not save the chain to {}: {e}", path.display()),
        }));
        Vec::new()
    }

    /// `/cert` opens the view; `/cert save PATH` writes the chain as PEM.
    pub(in crate::app) fn cert_command(&mut self, rest: &str) -> Vec<Effect> {
        let (sub, arg) = rest.split_once(' ').unwrap_or((rest, ""));
        match (sub, arg.trim()) {
            ("", _) => self.open_cert(),
            ("save", "") => self.notice = Some("usage: /cert save PATH".into()),
            ("save", path) => match &self.cert.tls {
                Some((info, _)) => {
                    self.cert.pending_save = Some(PathBuf::from(path));
                    return vec![Effect::Save {
                        path: PathBuf::from(path),
                        text: crate::net::cert::pem::chain_pem(&info.chain_der),
                        overwrite: false,
                    }];
                }
                None => self.notice = Some("no certificate chain yet".into()),
            },
            _ => self.notice = Some("usage: /cert, or /cert save PATH".into()),
        }
        Vec::new()
    }
}
