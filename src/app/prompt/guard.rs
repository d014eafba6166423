//! Warn before sending: a typed command that breaks a rule (AUTH over plaintext, MAIL
//! before EHLO, pipelining without PIPELINING, …) is held back once with the warning
//! shown; Enter on the same line sends it anyway — the person may send anything.
//!
//! Layer: app state. The rules are the session's ([`Session::check`]); nothing here
//! decides what may be sent.
//!
//! [`Session::check`]: crate::proto::session::Session::check

use tui_input::Input;

use crate::app::{App, Mode};
use crate::proto::auth::Mechanism;
use crate::proto::auth::policy::AuthRefusal;
use crate::proto::command::{Command, parse_command_line};

/// How a held-back warning starts, and what it says Enter does.
pub(in crate::app) const HELD_MARK: &str = "!? ";
pub(in crate::app) const HELD_ENTER: &str = " — Enter again sends it anyway, Esc clears";
/// What it says once the line was edited.
pub(in crate::app) const HELD_EDITED: &str = " — edited: Enter checks the new line";

impl App {
    /// Whether `line` was held back for a warning (and put back at the prompt). A line
    /// already held once is let through.
    pub(in crate::app) fn hold_if_warned(&mut self, line: &str) -> bool {
        if self.mode != Mode::Command || line.starts_with('/') || self.in_auth_exchange() {
            self.held = None;
            return false;
        }
        if self.held.as_deref() == Some(line) {
            self.held = None;
            return false;
        }
        let command = parse_command_line(line).command;
        let warnings = self.session.check(&command);
        let mut words: Vec<String> = warnings.iter().map(ToString::to_string).collect();
        // AUTH typed by hand meets the same credential policy as the AUTH form; plaintext
        // is already among the session's warnings.
        if let Command::Auth { mechanism, .. } = &command {
            let mechanism = mechanism
                .parse::<Mechanism>()
                .unwrap_or_else(|_| Mechanism::Other(mechanism.to_ascii_uppercase()));
            if let Some(refusal) = self.credential_refusal(&mechanism)
                && refusal != AuthRefusal::Plaintext
            {
                words.push(refusal.describe());
            }
        }
        if words.is_empty() {
            self.held = None;
            return false;
        }
        self.notice = Some(format!("{HELD_MARK}{}{HELD_ENTER}", words.join("; ")));
        self.held = Some(line.to_string());
        self.input = Input::new(line.to_string());
        true
    }
}
