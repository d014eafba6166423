//! What Enter and Tab do with the prompt's line: complete it, or submit it as an SMTP
//! command, raw bytes, a line of the message after 354, or a `/command` for smtpx.
//!
//! Layer: app state.

use tui_input::Input;

use crate::app::{App, Completion, Effect, Entry, Kind, Mode, Scroll, prompt};
use crate::driver::task::Intent;
use crate::proto::auth::looks_like_auth_secret;
use crate::proto::command::raw_bytes;

impl App {
    /// Tab: complete the line, or go to the next candidate when it was just completed.
    pub(in crate::app) fn complete(&mut self) {
        let next = match &self.completion {
            Some(c) if c.current() == Some(self.input.value()) && c.candidates.len() > 1 => {
                Some(Completion {
                    candidates: c.candidates.clone(),
                    index: (c.index + 1) % c.candidates.len(),
                })
            }
            Some(c) if c.current() == Some(self.input.value()) => None,
            _ => {
                let mut candidates =
                    prompt::candidates(self.input.value(), &self.session, self.mode == Mode::Raw);
                if candidates.is_empty()
                    && self.mode != Mode::Raw
                    && let Some(line) = self.hello_completion()
                {
                    candidates.push(line);
                }
                (!candidates.is_empty()).then_some(Completion {
                    candidates,
                    index: 0,
                })
            }
        };
        match next {
            Some(completion) => {
                if let Some(line) = completion.current() {
                    self.input = Input::new(line.to_string());
                }
                self.completion = Some(completion);
            }
            None => {
                let completed = self
                    .completion
                    .take()
                    .is_some_and(|c| c.current() == Some(self.input.value()));
                if !completed {
                    self.notice = Some("nothing to complete here".into());
                }
            }
        }
    }

    /// The name Tab offers after EHLO, HELO or LHLO from now on: `--ehlo`, the profile's
    /// `ehlo`, or this machine's host name (the front end looks it up).
    pub fn set_hello_name(&mut self, name: Option<String>) {
        self.hello_name = name.filter(|n| !n.is_empty());
    }

    /// `EHLO ` (or the start of the name after it) completed with the hello name, the verb
    /// as typed.
    fn hello_completion(&self) -> Option<String> {
        let name = self.hello_name.as_deref()?;
        let (verb, typed) = self.input.value().split_once(' ')?;
        let hello = ["EHLO", "HELO", "LHLO"]
            .iter()
            .any(|v| v.eq_ignore_ascii_case(verb));
        (hello && !typed.contains(' ') && typed != name && name.starts_with(typed))
            .then(|| format!("{verb} {name}"))
    }

    /// Enter: the line goes to the server, to the message, or to smtpx (`/command`).
    pub(in crate::app) fn submit(&mut self) -> Vec<Effect> {
        self.scroll = Scroll::Follow;
        self.notice = None;
        let line = self.input.value().to_string();
        self.input.reset();
        if self.mode == Mode::Message {
            return self.message_line(line);
        }
        if line.trim().is_empty() {
            return Vec::new();
        }
        if self.hold_if_warned(&line) {
            return Vec::new();
        }
        let mut effects = Vec::new();
        // Secrets are neither kept nor written to the history file.
        // Raw bytes (`/raw …` or raw mode) that carry an AUTH line are kept out too: their
        // escapes (`\r\n`) hide the line structure from the typed-line check.
        let raw_payload = match line.strip_prefix("/raw ") {
            Some(payload) => Some(payload),
            None if self.mode == Mode::Raw && !line.starts_with('/') => Some(line.as_str()),
            None => None,
        };
        let raw_auth =
            raw_payload.is_some_and(|payload| payload.to_ascii_uppercase().contains("AUTH "));
        if !raw_auth && !looks_like_auth_secret(&line, self.in_auth_exchange()) {
            self.history.push(&line);
            effects.push(Effect::Remember(line.clone()));
        } else {
            self.history.reset();
        }
        if let Some(rest) = line.strip_prefix('/') {
            effects.extend(self.slash(rest));
            return effects;
        }
        match self.mode {
            Mode::Raw => match raw_bytes(&line) {
                Ok(bytes) => effects.push(Effect::Intent(Intent::Raw(bytes))),
                Err(e) => self.notice = Some(format!("raw: {e}")),
            },
            _ => {
                self.note_typed_auth(&line);
                effects.push(Effect::Intent(Intent::Line(line)));
            }
        }
        effects
    }

    /// A line typed after 354: collected, or the end of the message.
    fn message_line(&mut self, line: String) -> Vec<Effect> {
        if line != "." {
            self.push(Entry::new(
                None,
                Kind::Draft,
                self.tls.is_some(),
                vec![crate::proto::text::escape_str(&line)],
            ));
            self.message.push(line);
            return Vec::new();
        }
        let mut bytes = Vec::new();
        for line in self.message.drain(..) {
            bytes.extend_from_slice(line.as_bytes());
            bytes.extend_from_slice(b"\r\n");
        }
        // The draft lines are replaced by the wire lines the driver reports.
        self.entries.retain(|e| e.kind != Kind::Draft);
        self.mode = Mode::Command;
        vec![Effect::Intent(Intent::Message(bytes))]
    }
}
