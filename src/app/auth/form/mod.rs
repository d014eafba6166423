//! The AUTH helper: a small form (F4 or `/auth`) — mechanism, user, and a password typed
//! masked, or for XOAUTH2 and OAUTHBEARER where to read the token (an environment variable or a file) —
//! that sends one [`Intent::Auth`]; the network task runs the SASL exchange
//! ([RFC 4954 §4](https://www.rfc-editor.org/rfc/rfc4954#section-4)). While it runs,
//! [`AuthTrace`] writes each client step decoded beside its (masked) encoded line.
//!
//! Layer: app state. Security invariants: the password is held in a [`Zeroizing`] buffer,
//! never in a `tui_input::Input`, never in the history, never in an [`Entry`](crate::app::Entry); it leaves
//! the app only inside the intent, and the form forgets it on submit and on Esc. The token
//! is read by the task, not here (the app does no I/O).
//!
//! A profile (`smtpx @work`) fills the form in ([`AuthDefaults`]): its user and mechanism
//! are there when the form opens, and its secret is fetched only when Enter finds the
//! password (or token) field empty — by the network task, off the UI's loop, as msmtp's
//! `passwordeval` runs only when a session needs it. The policy check runs first, the same
//! as for a typed password.

mod keys;
mod overlay;
mod trace;

pub use keys::{AuthKey, KEYS};
pub use trace::AuthTrace;
pub(in crate::app) use trace::mask_redaction;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;
use zeroize::Zeroizing;

use crate::driver::task::{Intent, SecretFetcher, SecretSource, SecretText};
use crate::proto::auth::Mechanism;
use crate::proto::text::escape_str;

/// Mechanisms the built-in SASL client runs.
pub const SUPPORTED: [Mechanism; 5] = [
    Mechanism::Plain,
    Mechanism::Login,
    Mechanism::CramMd5,
    Mechanism::XOAuth2,
    Mechanism::OAuthBearer,
];

/// Characters reserved for the password (longer ones still work, with a reallocation).
const PASSWORD_ROOM: usize = 256;

/// Which line of the form has the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthField {
    Mechanism,
    User,
    Password,
    TokenFrom,
    TokenName,
}

/// Where an OAuth token (XOAUTH2, OAUTHBEARER) is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenFrom {
    Env,
    File,
}

/// Why the form cannot start the exchange yet; shown under the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Incomplete {
    #[error("a user name is needed")]
    NoUser,
    #[error("name the environment variable that holds the token")]
    NoTokenVariable,
    #[error("name the file that holds the token")]
    NoTokenFile,
    #[error("type the password")]
    NoPassword,
}

/// What the form starts with, from a profile: none, some or all of a user, a mechanism and
/// where the secret comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthDefaults {
    pub user: Option<String>,
    pub mechanism: Option<Mechanism>,
    /// Used when Enter finds the password (or token) field empty, and only for
    /// [`AuthDefaults::user`]: a different user typed in gets asked for their own.
    pub secret: Option<SecretFetcher>,
}

/// The form's state.
#[derive(Debug)]
pub struct AuthForm {
    /// Supported mechanisms, the advertised ones first; `true` when the server offers it.
    pub mechanisms: Vec<(Mechanism, bool)>,
    /// Mechanisms the server offers that smtpx cannot run (shown, not selectable).
    pub unsupported: Vec<String>,
    pub choice: usize,
    pub user: Input,
    password: Zeroizing<String>,
    pub token_from: TokenFrom,
    pub token_name: Input,
    pub focus: AuthField,
    /// Why the last submit was refused.
    pub error: Option<Incomplete>,
    /// The credential policy's objection shown on the last Enter
    /// ([`crate::proto::auth::policy`]): Enter again with the same objection is the
    /// person's explicit choice to send anyway. Typing does not clear it.
    pub risk: Option<String>,
    /// The profile's secret source and the user it belongs to (`None`: any user).
    profile_secret: Option<(Option<String>, SecretFetcher)>,
}

impl AuthForm {
    /// A form for what the server advertised (`offered`: its AUTH mechanisms, upper case).
    pub fn new(offered: &[String]) -> AuthForm {
        let mut mechanisms: Vec<(Mechanism, bool)> = offered
            .iter()
            .filter_map(|name| SUPPORTED.iter().find(|m| m.to_string() == *name))
            .map(|m| (m.clone(), true))
            .collect();
        for m in SUPPORTED {
            if !mechanisms.iter().any(|(have, _)| *have == m) {
                mechanisms.push((m, false));
            }
        }
        let unsupported = offered
            .iter()
            .filter(|name| !SUPPORTED.iter().any(|m| m.to_string() == **name))
            .map(|name| escape_str(name))
            .collect();
        AuthForm {
            mechanisms,
            unsupported,
            choice: 0,
            user: Input::default(),
            // Room reserved up front: growing the string would leave copies of the
            // password in freed memory that zeroize cannot reach.
            password: Zeroizing::new(String::with_capacity(PASSWORD_ROOM)),
            token_from: TokenFrom::Env,
            token_name: Input::default(),
            focus: AuthField::Mechanism,
            error: None,
            risk: None,
            profile_secret: None,
        }
    }

    /// A form for what the server advertised, filled in from a profile: its mechanism
    /// chosen (offered or not: the policy check says so on Enter), its user typed, and the
    /// cursor on the password when there is no secret source to fall back on.
    pub fn with_defaults(offered: &[String], defaults: &AuthDefaults) -> AuthForm {
        let mut form = AuthForm::new(offered);
        if let Some(mechanism) = &defaults.mechanism
            && let Some(at) = form.mechanisms.iter().position(|(m, _)| m == mechanism)
        {
            form.choice = at;
        }
        if let Some(user) = &defaults.user {
            form.user = Input::new(user.clone());
        }
        form.profile_secret = defaults
            .secret
            .clone()
            .map(|fetcher| (defaults.user.clone(), fetcher));
        if defaults.user.is_some() && form.profile_secret.is_none() {
            form.focus = if form.mechanism().uses_token() {
                AuthField::TokenName
            } else {
                AuthField::Password
            };
        }
        form
    }

    /// The profile's secret source, when Enter would use it now: the secret field is
    /// empty and the user is the profile's.
    pub fn profile_secret(&self) -> Option<&SecretFetcher> {
        let (user, fetcher) = self.profile_secret.as_ref()?;
        let empty = if self.mechanism().uses_token() {
            self.token_name.value().trim().is_empty()
        } else {
            self.password.is_empty()
        };
        let same_user = user
            .as_deref()
            .is_none_or(|user| user == self.user.value().trim());
        (empty && same_user).then_some(fetcher)
    }

    pub fn mechanism(&self) -> &Mechanism {
        // `mechanisms` always holds the supported ones; `choice` stays in range.
        &self.mechanisms[self.choice.min(self.mechanisms.len() - 1)].0
    }

    /// The lines of the form, in order, for this mechanism.
    pub fn fields(&self) -> &'static [AuthField] {
        if self.mechanism().uses_token() {
            &[
                AuthField::Mechanism,
                AuthField::User,
                AuthField::TokenFrom,
                AuthField::TokenName,
            ]
        } else {
            &[AuthField::Mechanism, AuthField::User, AuthField::Password]
        }
    }

    /// The password as the screen shows it: one bullet per character.
    pub fn masked_password(&self, ascii: bool) -> String {
        let bullet = if ascii { "*" } else { "•" };
        bullet.repeat(self.password.chars().count())
    }

    fn move_focus(&mut self, forward: bool) {
        let fields = self.fields();
        let at = fields.iter().position(|f| *f == self.focus).unwrap_or(0);
        let next = if forward {
            (at + 1) % fields.len()
        } else {
            (at + fields.len() - 1) % fields.len()
        };
        self.focus = fields[next];
    }

    /// ← →: change a choice, or move the cursor in a text field.
    fn sideways(&mut self, right: bool, key: KeyEvent) {
        match self.focus {
            AuthField::Mechanism => {
                let n = self.mechanisms.len();
                self.choice = if right {
                    (self.choice + 1) % n
                } else {
                    (self.choice + n - 1) % n
                };
            }
            AuthField::TokenFrom => {
                self.token_from = match self.token_from {
                    TokenFrom::Env => TokenFrom::File,
                    TokenFrom::File => TokenFrom::Env,
                };
            }
            _ => self.typed(key),
        }
    }

    /// A key no binding took: it edits the focused field.
    fn typed(&mut self, key: KeyEvent) {
        let event = ratatui::crossterm::event::Event::Key(key);
        match self.focus {
            AuthField::User => {
                self.user.handle_event(&event);
            }
            AuthField::TokenName => {
                self.token_name.handle_event(&event);
            }
            AuthField::Password => match key.code {
                KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                    self.password.clear();
                }
                KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                    self.password.push(c);
                }
                KeyCode::Char('w') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                    self.password.clear();
                }
                KeyCode::Backspace => {
                    self.password.pop();
                }
                _ => {}
            },
            AuthField::Mechanism | AuthField::TokenFrom => {}
        }
        self.error = None;
    }

    /// Pasted text goes into the focused text field (the password too, unseen).
    pub fn paste(&mut self, text: &str) {
        for c in text.chars().filter(|c| !c.is_control()) {
            match self.focus {
                AuthField::User => {
                    self.user.handle(tui_input::InputRequest::InsertChar(c));
                }
                AuthField::TokenName => {
                    self.token_name
                        .handle(tui_input::InputRequest::InsertChar(c));
                }
                AuthField::Password => self.password.push(c),
                _ => {}
            }
        }
    }

    /// The intent, or why the form is not complete. Takes the password out of the form.
    fn submit(&mut self) -> Result<Intent, Incomplete> {
        let user = self.user.value().trim().to_string();
        if user.is_empty() {
            self.focus = AuthField::User;
            return Err(Incomplete::NoUser);
        }
        let mechanism = self.mechanism().clone();
        let secret = if let Some(fetcher) = self.profile_secret() {
            SecretSource::Fetched(fetcher.clone())
        } else if mechanism.uses_token() {
            let name = self.token_name.value().trim().to_string();
            if name.is_empty() {
                self.focus = AuthField::TokenName;
                return Err(match self.token_from {
                    TokenFrom::Env => Incomplete::NoTokenVariable,
                    TokenFrom::File => Incomplete::NoTokenFile,
                });
            }
            match self.token_from {
                TokenFrom::Env => SecretSource::Env(name),
                TokenFrom::File => SecretSource::File(name.into()),
            }
        } else {
            if self.password.is_empty() {
                self.focus = AuthField::Password;
                return Err(Incomplete::NoPassword);
            }
            let password = std::mem::take(&mut self.password);
            SecretSource::Typed(SecretText::new(password))
        };
        Ok(Intent::Auth {
            mechanism,
            user,
            secret,
        })
    }
}

#[cfg(test)]
mod tests;
