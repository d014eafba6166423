//! The mail transaction composer (F5 or `/mail`): the envelope (MAIL FROM with the
//! parameters the server offers, filled in automatically; the RCPT TO list with NOTIFY), the
//! headers as fields (From and To follow the envelope until edited; Date and Message-ID
//! come from the loop's wall clock; extra headers as `Name: value | Name: value`), REQUIRETLS
//! where offered, a multi-line body, DATA or BDAT, pipelining on or off where PIPELINING is
//! offered, and a preview of the exact bytes (built by [`crate::proto::message`]). Ctrl-S opens the confirmation, which shows every command and every byte,
//! the ending included; only Enter there sends — so the final dot (or `BDAT … LAST`) never
//! goes without the person having seen it. The network task then runs the transaction
//! step by step and stops at the first refusal (`driver/transaction.rs`).
//!
//! Layer: app state. The bytes come from `wire.rs` (pure), the editor from
//! `editor.rs`.
//!
//! ```text
//!  F5 ─▶ editing ──Ctrl-S──▶ confirming ──Enter──▶ Intent::Transaction, composer closes
//!          ▲  Esc: closed,        │ Esc
//!          │  draft kept          ▼
//!          └───────────────── editing
//! ```

use std::time::{SystemTime, UNIX_EPOCH};

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::app::keymap::{self, Binding};
use crate::app::{App, Effect, Entry, Overlay, Scroll};
use crate::driver::task::Intent;
use crate::proto::civil::Civil;
use crate::proto::command::Ret;

pub mod editor;
mod keys;
#[cfg(test)]
mod tests;
pub mod wire;

/// How the composer's message goes out: the driver carries it out, the preview names it.
pub use crate::driver::task::SendMethod;
pub use editor::Editor;
pub use keys::{CONFIRM_KEYS, ComposeKey, EDIT_KEYS};
pub use wire::{Draft, Ending, Mark, Method, NotReady, NotifyChoice, Offers};

/// A line of the composer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    MailFrom,
    RcptTo,
    Ret,
    Envid,
    Notify,
    RequireTls,
    From,
    To,
    Subject,
    Date,
    MessageId,
    Headers,
    Html,
    Attach,
    MailParams,
    RcptParams,
    Method,
    Pipeline,
    ChunkSize,
    Ending,
    Body,
}

/// The composer's state.
#[derive(Debug, Clone)]
pub struct Composer {
    pub mail_from: Input,
    pub rcpt_to: Input,
    pub from: Input,
    pub to: Input,
    /// From and To follow the envelope until the person edits them.
    pub from_edited: bool,
    pub to_edited: bool,
    pub subject: Input,
    pub date: Input,
    pub message_id: Input,
    pub method: Method,
    pub chunk_size: Input,
    pub ending: Ending,
    pub ret: Option<Ret>,
    pub envid: Input,
    pub notify: NotifyChoice,
    /// Extra headers, `Name: value | Name: value`.
    pub headers: Input,
    /// Extra MAIL FROM and RCPT TO parameters, `KEY=VALUE KEY`.
    pub mail_params: Input,
    pub rcpt_params: Input,
    /// An HTML alternative to the body (multipart/alternative when set).
    pub html: Input,
    /// Attachment paths, `path | path`.
    pub attach: Input,
    /// The files of `attach` as last read, and the field's text they were read for.
    pub attachments: Vec<crate::proto::message::Attachment>,
    pub attachments_for: String,
    pub requiretls: bool,
    /// Pipeline the envelope where offered (on by default).
    pub pipeline: bool,
    pub body: Editor,
    pub focus: Field,
    /// The confirmation screen is up.
    pub confirming: bool,
    /// First preview row shown.
    pub preview_scroll: usize,
    pub error: Option<wire::NotReady>,
    /// The draft was sent: the next open takes a new Date and Message-ID.
    pub sent: bool,
    /// Ctrl-S asked for the attachments to be read: their arrival opens the confirmation.
    pub review_after_read: bool,
    /// Right-hand side of generated Message-IDs.
    pub id_domain: String,
}

impl Composer {
    pub fn new(id_domain: &str) -> Composer {
        Composer {
            mail_from: Input::default(),
            rcpt_to: Input::default(),
            from: Input::default(),
            to: Input::default(),
            from_edited: false,
            to_edited: false,
            subject: Input::default(),
            date: Input::default(),
            message_id: Input::default(),
            method: Method::Data,
            chunk_size: Input::new(wire::DEFAULT_CHUNK.to_string()),
            ending: Ending::Standard,
            ret: None,
            envid: Input::default(),
            notify: NotifyChoice::Unset,
            headers: Input::default(),
            attach: Input::default(),
            html: Input::default(),
            mail_params: Input::default(),
            rcpt_params: Input::default(),
            attachments: Vec::new(),
            attachments_for: String::new(),
            requiretls: false,
            pipeline: true,
            body: Editor::default(),
            focus: Field::MailFrom,
            confirming: false,
            preview_scroll: 0,
            error: None,
            sent: false,
            review_after_read: false,
            id_domain: id_domain.to_string(),
        }
    }

    /// Date and Message-ID from the wall clock
    /// ([RFC 5322 §3.6.1, §3.6.4](https://www.rfc-editor.org/rfc/rfc5322#section-3.6.4)).
    pub fn set_clock(&mut self, now: SystemTime) {
        let since = now.duration_since(UNIX_EPOCH).unwrap_or_default();
        let secs = i64::try_from(since.as_secs()).unwrap_or(i64::MAX);
        self.date = Input::new(Civil::from_unix(secs).rfc5322());
        self.message_id = Input::new(format!(
            "<{secs}.{:09}.smtpx@{}>",
            since.subsec_nanos(),
            self.id_domain
        ));
        self.sent = false;
    }

    /// The fields shown, in order, for what the server offers and the choices made.
    pub fn fields(&self, offers: &Offers) -> Vec<Field> {
        let mut fields = vec![Field::MailFrom, Field::RcptTo];
        if offers.dsn {
            fields.extend([Field::Ret, Field::Envid, Field::Notify]);
        }
        if offers.requiretls {
            fields.push(Field::RequireTls);
        }
        fields.extend([
            Field::From,
            Field::To,
            Field::Subject,
            Field::Date,
            Field::MessageId,
            Field::Headers,
            Field::Html,
            Field::Attach,
            Field::MailParams,
            Field::RcptParams,
            Field::Method,
        ]);
        if offers.pipelining {
            fields.push(Field::Pipeline);
        }
        fields.push(match self.method {
            Method::Bdat => Field::ChunkSize,
            Method::Data => Field::Ending,
        });
        fields.push(Field::Body);
        fields
    }

    /// Everything as plain values.
    pub fn draft(&self) -> Draft {
        Draft {
            mail_from: self.mail_from.value().to_string(),
            rcpt_to: self.rcpt_to.value().to_string(),
            from: self.from.value().to_string(),
            to: self.to.value().to_string(),
            subject: self.subject.value().to_string(),
            date: self.date.value().to_string(),
            message_id: self.message_id.value().to_string(),
            body: self.body.lines.clone(),
            method: self.method,
            chunk_size: self.chunk_size.value().to_string(),
            ending: self.ending,
            ret: self.ret,
            envid: self.envid.value().to_string(),
            notify: self.notify,
            headers: self.headers.value().to_string(),
            requiretls: self.requiretls,
            pipeline: self.pipeline,
            html: self.html.value().to_string(),
            mail_params: self.mail_params.value().to_string(),
            rcpt_params: self.rcpt_params.value().to_string(),
            attachments: if self.attachments_current() {
                self.attachments.clone()
            } else {
                Vec::new()
            },
            unread_attachments: !self.attachments_current(),
        }
    }

    /// Whether the files read are those the Attach field names now.
    fn attachments_current(&self) -> bool {
        self.attach.value().trim() == self.attachments_for.trim()
    }

    /// The files to read before the draft can go: `None` when those read are current.
    pub fn attachments_to_read(&self) -> Option<Vec<std::path::PathBuf>> {
        (!self.attachments_current()).then(|| wire::attachment_paths(self.attach.value()))
    }

    pub fn input(&self, field: Field) -> Option<&Input> {
        Some(match field {
            Field::MailFrom => &self.mail_from,
            Field::RcptTo => &self.rcpt_to,
            Field::Envid => &self.envid,
            Field::From => &self.from,
            Field::To => &self.to,
            Field::Subject => &self.subject,
            Field::Date => &self.date,
            Field::MessageId => &self.message_id,
            Field::Headers => &self.headers,
            Field::Attach => &self.attach,
            Field::Html => &self.html,
            Field::MailParams => &self.mail_params,
            Field::RcptParams => &self.rcpt_params,
            Field::ChunkSize => &self.chunk_size,
            _ => return None,
        })
    }

    fn input_mut(&mut self, field: Field) -> Option<&mut Input> {
        Some(match field {
            Field::MailFrom => &mut self.mail_from,
            Field::RcptTo => &mut self.rcpt_to,
            Field::Envid => &mut self.envid,
            Field::From => &mut self.from,
            Field::To => &mut self.to,
            Field::Subject => &mut self.subject,
            Field::Date => &mut self.date,
            Field::MessageId => &mut self.message_id,
            Field::Headers => &mut self.headers,
            Field::Attach => &mut self.attach,
            Field::Html => &mut self.html,
            Field::MailParams => &mut self.mail_params,
            Field::RcptParams => &mut self.rcpt_params,
            Field::ChunkSize => &mut self.chunk_size,
            _ => return None,
        })
    }

    /// From and To follow MAIL FROM and RCPT TO until edited by hand.
    fn follow_envelope(&mut self) {
        // Replaced only when different, so the cursor stays where the person put it.
        let from = wire::bare_address(self.mail_from.value());
        if !self.from_edited && self.from.value() != from {
            self.from = Input::new(from);
        }
        let to = wire::recipients(self.rcpt_to.value()).join(", ");
        if !self.to_edited && self.to.value() != to {
            self.to = Input::new(to);
        }
    }

    fn move_focus(&mut self, offers: &Offers, forward: bool) {
        let fields = self.fields(offers);
        let at = fields.iter().position(|f| *f == self.focus).unwrap_or(0);
        let n = fields.len();
        self.focus = fields[if forward {
            (at + 1) % n
        } else {
            (at + n - 1) % n
        }];
    }

    /// ← →: cycle a choice, or move the cursor.
    fn sideways(&mut self, right: bool, key: KeyEvent) {
        fn cycle<T: Copy + PartialEq>(all: &[T], now: T, right: bool) -> T {
            let at = all.iter().position(|x| *x == now).unwrap_or(0);
            let n = all.len();
            all[if right {
                (at + 1) % n
            } else {
                (at + n - 1) % n
            }]
        }
        match self.focus {
            Field::Method => {
                self.method = match self.method {
                    Method::Data => Method::Bdat,
                    Method::Bdat => Method::Data,
                };
            }
            Field::Ending => self.ending = cycle(&Ending::ALL, self.ending, right),
            Field::Pipeline => self.pipeline = !self.pipeline,
            Field::RequireTls => self.requiretls = !self.requiretls,
            Field::Notify => self.notify = cycle(&NotifyChoice::ALL, self.notify, right),
            Field::Ret => {
                self.ret = cycle(&[None, Some(Ret::Hdrs), Some(Ret::Full)], self.ret, right);
            }
            Field::Body => self.body.horizontal(right),
            _ => self.typed(key),
        }
    }

    /// A key no binding took: it edits the focused field.
    fn typed(&mut self, key: KeyEvent) {
        let focus = self.focus;
        if focus == Field::Body {
            self.body.key(key);
        } else if let Some(input) = self.input_mut(focus) {
            let before = input.value().to_string();
            input.handle_event(&ratatui::crossterm::event::Event::Key(key));
            // Moving the cursor is not editing: From and To keep following the envelope.
            let changed = input.value() != before;
            match focus {
                Field::From if changed => self.from_edited = true,
                Field::To if changed => self.to_edited = true,
                _ => {}
            }
        }
        self.follow_envelope();
        self.error = None;
    }

    pub fn paste(&mut self, text: &str) {
        if self.focus == Field::Body {
            self.body.paste(text);
            return;
        }
        let focus = self.focus;
        if let Some(input) = self.input_mut(focus) {
            for c in text.chars() {
                let c = if c.is_control() { ' ' } else { c };
                input.handle(tui_input::InputRequest::InsertChar(c));
            }
        }
        match focus {
            Field::From => self.from_edited = true,
            Field::To => self.to_edited = true,
            _ => {}
        }
        self.follow_envelope();
    }
}

/// The keymap of the composer's current screen.
pub fn keys(composer: &Composer) -> &'static [Binding<ComposeKey>] {
    if composer.confirming {
        &CONFIRM_KEYS
    } else {
        &EDIT_KEYS
    }
}

impl App {
    /// What the server offers the composer, from the current session.
    pub fn offers(&self) -> Offers {
        Offers {
            tls: self.tls.is_some(),
            verified: self.tls.as_ref().is_some_and(|(_, ok)| *ok),
            ..Offers::from_capabilities(self.session.capabilities())
        }
    }

    /// F5 or `/mail`: opens the composer (the draft survives Esc); asks the loop for the
    /// time when Date and Message-ID are due.
    pub(in crate::app) fn open_composer(&mut self) -> Vec<Effect> {
        if self.mode == crate::app::Mode::Message {
            self.notice = Some(
                "a message is being entered (after 354): finish it with a lone . first".into(),
            );
            return Vec::new();
        }
        let host = self
            .target
            .rsplit_once(':')
            .map_or(self.target.as_str(), |(h, _)| h);
        let host = host.trim_matches(['[', ']']).to_string();
        let mut composer = self
            .compose_draft
            .take()
            .unwrap_or_else(|| Box::new(Composer::new(&host)));
        composer.confirming = false;
        composer.error = None;
        let due = composer.sent || composer.date.value().is_empty();
        self.open_overlay(Overlay::Compose(composer));
        if due {
            vec![Effect::ReadClock]
        } else {
            Vec::new()
        }
    }

    /// The composer while it is open.
    pub fn composer(&self) -> Option<&Composer> {
        match self.overlay() {
            Some(Overlay::Compose(composer)) => Some(composer),
            _ => None,
        }
    }

    /// The composer while it is open, to change (tests set fields directly).
    pub fn composer_mut(&mut self) -> Option<&mut Composer> {
        match self.overlay.as_mut() {
            Some(Overlay::Compose(composer)) => Some(composer),
            _ => None,
        }
    }

    /// The time the composer asked for: into the draft, open or closed since.
    pub(in crate::app) fn wall_clock(&mut self, now: SystemTime) {
        let draft = match self.overlay.as_mut() {
            Some(Overlay::Compose(composer)) => Some(composer),
            _ => self.compose_draft.as_mut(),
        };
        if let Some(composer) = draft {
            composer.set_clock(now);
        }
    }

    /// Pasted text goes into the focused field (not while confirming).
    pub(in crate::app) fn paste_into_composer(&mut self, text: &str) {
        if let Some(c) = self.composer_mut().filter(|c| !c.confirming) {
            c.paste(text);
        }
    }

    /// A key while the composer is open: `action` is what the composer's keymap binds it to;
    /// unbound keys edit the focused field.
    pub(in crate::app) fn composer_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let offers = self.offers();
        let Some(Overlay::Compose(c)) = self.overlay.as_mut() else {
            return Vec::new();
        };
        let action = keymap::find(keys(c), &key);
        if c.confirming {
            match action {
                Some(ComposeKey::Send) => return self.send_composed(),
                Some(ComposeKey::Back) => c.confirming = false,
                Some(ComposeKey::PageUp) => c.preview_scroll = c.preview_scroll.saturating_sub(10),
                Some(ComposeKey::PageDown) => c.preview_scroll += 10,
                Some(ComposeKey::Quit) => return self.quit(),
                _ => {}
            }
            return Vec::new();
        }
        match action {
            Some(ComposeKey::Next) if c.focus == Field::Body && is_enter(&key) => {
                c.body.newline();
            }
            Some(ComposeKey::Next) if c.focus == Field::Body && key.code == KeyCode::Down => {
                if !c.body.vertical(true) {
                    c.move_focus(&offers, true);
                }
            }
            Some(ComposeKey::Previous) if c.focus == Field::Body && key.code == KeyCode::Up => {
                if !c.body.vertical(false) {
                    c.move_focus(&offers, false);
                }
            }
            Some(ComposeKey::Next) | Some(ComposeKey::Previous)
                if c.focus == Field::Attach && c.attachments_to_read().is_some() =>
            {
                // Leaving the field reads its files, so the preview shows them.
                c.move_focus(&offers, action == Some(ComposeKey::Next));
                let paths = c.attachments_to_read().unwrap_or_default();
                return vec![Effect::ReadAttachments(paths)];
            }
            Some(ComposeKey::Next) => c.move_focus(&offers, true),
            Some(ComposeKey::Previous) => c.move_focus(&offers, false),
            Some(ComposeKey::Left) => c.sideways(false, key),
            Some(ComposeKey::Right) => c.sideways(true, key),
            Some(ComposeKey::Review) if c.attachments_to_read().is_some() => {
                // Read first; the answer opens the confirmation.
                c.review_after_read = true;
                let paths = c.attachments_to_read().unwrap_or_default();
                return vec![Effect::ReadAttachments(paths)];
            }
            Some(ComposeKey::Review) => match c.draft().plan(&offers) {
                Ok(_) => {
                    c.confirming = true;
                    c.preview_scroll = 0;
                }
                Err(why) => c.error = Some(why),
            },
            Some(ComposeKey::PageUp) => c.preview_scroll = c.preview_scroll.saturating_sub(10),
            Some(ComposeKey::PageDown) => c.preview_scroll += 10,
            Some(ComposeKey::Close) => self.close_overlay(),
            Some(ComposeKey::Quit) => return self.quit(),
            Some(_) => {}
            None => c.typed(key),
        }
        Vec::new()
    }

    /// The composer's files, read by the loop: kept for the Attach field's current text;
    /// a review that waited for them goes on.
    pub(in crate::app) fn attachments_read(
        &mut self,
        result: Result<Vec<crate::proto::message::Attachment>, String>,
    ) -> Vec<Effect> {
        let offers = self.offers();
        let Some(c) = self.composer_mut() else {
            return Vec::new();
        };
        let review = std::mem::take(&mut c.review_after_read);
        match result {
            Ok(files) => {
                c.attachments = files;
                c.attachments_for = c.attach.value().to_string();
                c.error = None;
            }
            Err(why) => {
                c.error = Some(NotReady::Attachment(why));
                return Vec::new();
            }
        }
        if review {
            match c.draft().plan(&offers) {
                Ok(_) => {
                    c.confirming = true;
                    c.preview_scroll = 0;
                }
                Err(why) => c.error = Some(why),
            }
        }
        Vec::new()
    }

    /// Enter on the confirmation: the plan goes to the network task.
    fn send_composed(&mut self) -> Vec<Effect> {
        let offers = self.offers();
        let Some(c) = self.composer_mut() else {
            return Vec::new();
        };
        match c.draft().plan(&offers) {
            Ok(plan) => {
                c.confirming = false;
                c.sent = true;
                self.close_overlay();
                self.scroll = Scroll::Follow;
                self.push(Entry::local(format!(
                    "sending the composed message: {} recipient(s), {} bytes, by {}",
                    plan.rcpts.len(),
                    plan.content.len(),
                    match plan.method {
                        crate::driver::task::SendMethod::Data => "DATA",
                        crate::driver::task::SendMethod::Bdat { .. } => "BDAT",
                        crate::driver::task::SendMethod::DataExact { .. } => "DATA (byte-exact)",
                    }
                )));
                vec![Effect::Intent(Intent::Transaction(Box::new(plan)))]
            }
            Err(why) => {
                c.confirming = false;
                c.error = Some(why);
                Vec::new()
            }
        }
    }
}

fn is_enter(key: &KeyEvent) -> bool {
    key.code == KeyCode::Enter && !key.modifiers.contains(KeyModifiers::CONTROL)
}
