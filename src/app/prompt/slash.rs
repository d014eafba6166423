//! `/commands`: lines for smtpx itself, set apart from SMTP by the prefix, like a chat
//! client's.
//!
//! Layer: app state.

use std::path::PathBuf;

use crate::driver::task::Intent;
use crate::proto::command::raw_bytes;

use crate::app::{App, Effect, Entry, Mode};

impl App {
    /// Runs `/name args` (`line` is without the slash).
    pub(in crate::app) fn slash(&mut self, line: &str) -> Vec<Effect> {
        let (name, rest) = line.split_once(' ').unwrap_or((line, ""));
        let rest = rest.trim();
        match name.to_ascii_lowercase().as_str() {
            "help" | "h" | "?" => self.open_help(),
            "quit" | "q" | "exit" => return self.quit(),
            "starttls" => return vec![Effect::Intent(Intent::Line("STARTTLS".into()))],
            "reconnect" => {
                let intent = match rest {
                    "" => Intent::Reconnect,
                    "--tls" => Intent::ReconnectWith { implicit_tls: true },
                    "--plain" => Intent::ReconnectWith {
                        implicit_tls: false,
                    },
                    _ => {
                        self.notice = Some("usage: /reconnect [--tls | --plain]".into());
                        return Vec::new();
                    }
                };
                let how = match intent {
                    Intent::ReconnectWith { implicit_tls: true } => ", TLS from the first byte",
                    Intent::ReconnectWith { .. } => ", plaintext",
                    _ => "",
                };
                self.push(Entry::local(format!(
                    "reconnecting to {}{how}",
                    self.target
                )));
                self.mode = Mode::Command;
                self.message.clear();
                self.start_connecting();
                return vec![Effect::Intent(intent)];
            }
            "raw" if rest.is_empty() => {
                self.mode = if self.mode == Mode::Raw {
                    Mode::Command
                } else {
                    Mode::Raw
                };
            }
            "raw" => match raw_bytes(rest) {
                Ok(bytes) => return vec![Effect::Intent(Intent::Raw(bytes))],
                Err(e) => self.notice = Some(format!("raw: {e}")),
            },
            "save" if rest.is_empty() => self.notice = Some("usage: /save PATH".into()),
            "save" => {
                // An existing file is kept unless replacing it is asked for by name.
                let (overwrite, path) = match rest.strip_prefix("--overwrite ") {
                    Some(path) => (true, path.trim()),
                    None => (false, rest),
                };
                return vec![Effect::Save {
                    path: PathBuf::from(path),
                    text: self.transcript_text(),
                    overwrite,
                }];
            }
            "panel" => self.toggle_panel(),
            "auth" => return self.open_auth_form(),
            "mail" | "compose" => return self.open_composer(),
            "timeline" | "timing" => self.open_timeline(),
            "ladder" | "diagram" | "sequence" => self.open_ladder(),
            "lesson" => self.lesson_command(rest),
            "cert" => return self.cert_command(rest),
            "copy" => {
                let text = self.transcript_text();
                return self.copy(text, "the transcript");
            }
            "find" | "search" => self.find(rest),
            "mouse" => return self.toggle_mouse(),
            "note" if rest.is_empty() => self.notice = Some("usage: /note TEXT".into()),
            "note" => return self.note(rest),
            other => {
                self.notice = Some(format!(
                    "unknown command /{} — /help lists them",
                    crate::proto::text::escape_str(other)
                ));
            }
        }
        Vec::new()
    }
}

impl App {
    /// F8 or `/mouse`: smtpx lets go of the mouse, so the terminal selects and copies text
    /// itself; again, and the wheel and clicks are smtpx's once more.
    pub(in crate::app) fn toggle_mouse(&mut self) -> Vec<Effect> {
        self.mouse_captured = !self.mouse_captured;
        self.notice = Some(if self.mouse_captured {
            "mouse on: the wheel scrolls, a click picks a line (F8: the terminal selects)".into()
        } else {
            "mouse off: the terminal selects text (F8: the mouse back to smtpx)".into()
        });
        vec![Effect::MouseCapture(self.mouse_captured)]
    }

    /// Whether smtpx has the mouse.
    pub fn mouse_captured(&self) -> bool {
        self.mouse_captured
    }
}
