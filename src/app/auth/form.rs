//! The AUTH helper: a small form (F4 or `/auth`) — mechanism, user, and a password typed
//! masked, or for XOAUTH2 and OAUTHBEARER where to read the token (an environment variable or a file) —
//! that sends one [`Intent::Auth`]; the network task runs the SASL exchange
//! ([RFC 4954 §4](https://www.rfc-editor.org/rfc/rfc4954#section-4)). While it runs,
//! [`AuthTrace`] writes each client step decoded beside its (masked) encoded line.
//!
//! Layer: app state. Security invariants: the password is held in a [`Zeroizing`] buffer,
//! never in a `tui_input::Input`, never in the history, never in an [`Entry`]; it leaves
//! the app only inside the intent, and the form forgets it on submit and on Esc. The token
//! is read by the task, not here (the app does no I/O).
//!
//! A profile (`smtpx @work`) fills the form in ([`AuthDefaults`]): its user and mechanism
//! are there when the form opens, and its secret is fetched only when Enter finds the
//! password (or token) field empty — by the network task, off the UI's loop, as msmtp's
//! `passwordeval` runs only when a session needs it. The policy check runs first, the same
//! as for a typed password.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;
use zeroize::Zeroizing;

use crate::app::keymap::{self, Binding, KeyCommand, bind, ctrl_c};
use crate::app::{App, Effect, Entry, Overlay};
use crate::driver::task::{Intent, SecretFetcher, SecretSource, SecretText};
use crate::event::Shown;
use crate::proto::auth::Mechanism;
use crate::proto::auth::policy;
use crate::proto::auth::view::SaslView;
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

/// Decodes the client's steps of a form-started exchange for the screen: the encoded line
/// stays masked, and beside it what it carries, the secret part masked too
/// (`AUTH PLAIN ••••••••  [\0demo\0••••]`), as [`SaslView`] shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthTrace {
    view: SaslView,
}

impl AuthTrace {
    pub fn new(mechanism: Mechanism, user: &str) -> AuthTrace {
        AuthTrace {
            view: SaslView::client(mechanism, user),
        }
    }

    /// Rewrites the first line of a secret client entry.
    pub fn annotate(&mut self, entry: &mut Entry, shown: &Shown, ascii: bool) {
        let bullets = if ascii {
            "********"
        } else {
            "••••••••"
        };
        let decoded = self.view.next_sent().map(|decoded| {
            if ascii {
                decoded.replace('•', "*")
            } else {
                decoded
            }
        });
        if let Some(first) = entry.lines.first_mut() {
            let masked = mask_redaction(shown, bullets);
            *first = match decoded {
                Some(decoded) => format!("{masked}  [{decoded}]"),
                None => masked,
            };
        }
    }
}

/// A secret line as the transcript pane shows it, escaped: `AUTH PLAIN <redacted 28 bytes>`
/// → `AUTH PLAIN ••••••••` (the length is not shown); a line with no secret as it is.
pub(in crate::app) fn mask_redaction(shown: &Shown, bullets: &str) -> String {
    if shown.has_secret() {
        format!("{}{bullets}", escape_str(shown.public()))
    } else {
        escape_str(shown)
    }
}

/// What a key does in the AUTH form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthKey {
    /// Run the SASL exchange.
    Submit,
    /// The next / previous field.
    Next,
    Previous,
    /// Change a choice, or move the cursor in a text field.
    Left,
    Right,
    /// Close the form; the password is forgotten.
    Cancel,
    Quit,
}

impl KeyCommand for AuthKey {
    fn essential(self) -> bool {
        self == AuthKey::Quit
    }
}

const NONE: KeyModifiers = KeyModifiers::NONE;

/// Keys of the AUTH form; other keys edit the focused field.
pub static KEYS: [Binding<AuthKey>; 9] = [
    bind(
        KeyCode::Enter,
        NONE,
        "Enter",
        AuthKey::Submit,
        "authenticate: run the SASL exchange",
        Some("authenticate"),
    ),
    bind(
        KeyCode::Tab,
        NONE,
        "Tab",
        AuthKey::Next,
        "next / previous field",
        Some("next field"),
    ),
    bind(
        KeyCode::Down,
        NONE,
        "↓",
        AuthKey::Next,
        "next / previous field",
        None,
    ),
    bind(
        KeyCode::BackTab,
        KeyModifiers::SHIFT,
        "Shift-Tab",
        AuthKey::Previous,
        "next / previous field",
        None,
    ),
    bind(
        KeyCode::Up,
        NONE,
        "↑",
        AuthKey::Previous,
        "next / previous field",
        None,
    ),
    bind(
        KeyCode::Left,
        NONE,
        "←",
        AuthKey::Left,
        "change the choice (mechanism, token source)",
        Some("change"),
    ),
    bind(
        KeyCode::Right,
        NONE,
        "→",
        AuthKey::Right,
        "change the choice (mechanism, token source)",
        None,
    ),
    bind(
        KeyCode::Esc,
        NONE,
        "Esc",
        AuthKey::Cancel,
        "cancel (the password is forgotten)",
        Some("cancel"),
    ),
    ctrl_c(AuthKey::Quit, "quit", None),
];

impl App {
    /// F4 or `/auth`: opens the form for the current session's capabilities.
    pub(in crate::app) fn open_auth_form(&mut self) -> Vec<Effect> {
        if self.mode == crate::app::Mode::Message {
            self.notice = Some(
                "a message is being entered (after 354): finish it with a lone . first".into(),
            );
            return Vec::new();
        }
        let offered = self
            .session
            .capabilities()
            .map(|c| c.auth_mechanisms())
            .unwrap_or_default()
            .into_iter()
            .filter(|m| crate::proto::auth::is_mechanism_name(m))
            .collect::<Vec<_>>();
        let form = match &self.auth_defaults {
            Some(defaults) => AuthForm::with_defaults(&offered, defaults),
            None => AuthForm::new(&offered),
        };
        self.open_overlay(Overlay::Auth(Box::new(form)));
        Vec::new()
    }

    /// What the AUTH form starts with from now on (`smtpx @PROFILE`).
    pub fn set_auth_defaults(&mut self, defaults: AuthDefaults) {
        self.auth_defaults = Some(defaults);
    }

    /// The AUTH form while it is open.
    pub fn auth_form(&self) -> Option<&AuthForm> {
        match self.overlay() {
            Some(Overlay::Auth(form)) => Some(form),
            _ => None,
        }
    }

    /// Closes the form; the password is zeroized as it drops.
    pub(in crate::app) fn close_auth_form(&mut self) {
        if self.auth_form().is_some() {
            self.close_overlay();
        }
    }

    /// A key while the form is open: its binding, or an edit of the focused field.
    pub(in crate::app) fn auth_form_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let action = keymap::find(&KEYS, &key);
        let objection = match action {
            Some(AuthKey::Submit) => self.auth_objection(),
            _ => None,
        };
        let Some(Overlay::Auth(form)) = self.overlay.as_mut() else {
            return Vec::new();
        };
        match action {
            Some(AuthKey::Submit) => {
                // The credential policy first: held once with the risk in words; the same
                // objection on a second Enter is the person's explicit choice.
                if let Some(objection) = objection {
                    if form.risk.as_deref() != Some(objection.as_str()) {
                        form.risk = Some(objection);
                        return Vec::new();
                    }
                }
                match form.submit() {
                    Ok(intent) => return self.send_auth_form(intent),
                    Err(why) => form.error = Some(why),
                }
            }
            Some(AuthKey::Next) => form.move_focus(true),
            Some(AuthKey::Previous) => form.move_focus(false),
            Some(AuthKey::Left) => form.sideways(false, key),
            Some(AuthKey::Right) => form.sideways(true, key),
            Some(AuthKey::Cancel) => self.close_auth_form(),
            Some(AuthKey::Quit) => return self.quit(),
            None => form.typed(key),
        }
        Vec::new()
    }

    /// What the credential policy ([`crate::proto::auth::policy`]) holds against sending
    /// the form's mechanism now, in words; `None` when the credentials are protected.
    fn auth_objection(&self) -> Option<String> {
        let form = self.auth_form()?;
        self.credential_refusal(form.mechanism())
            .map(|refusal| refusal.describe())
    }

    /// What the credential policy holds against sending credentials with `mechanism` on
    /// this connection now (the AUTH form and AUTH typed by hand alike).
    pub(in crate::app) fn credential_refusal(
        &self,
        mechanism: &Mechanism,
    ) -> Option<policy::AuthRefusal> {
        let protection = self.protection();
        match self.session.capabilities() {
            Some(caps) => policy::check(mechanism, caps, &protection, false).err(),
            None => Some(policy::AuthRefusal::NotAdvertised),
        }
    }

    /// Closes the form and sends its AUTH exchange, noting it in the transcript.
    fn send_auth_form(&mut self, intent: Intent) -> Vec<Effect> {
        if let Intent::Auth {
            mechanism,
            user,
            secret,
        } = &intent
        {
            self.auth_trace = Some(AuthTrace::new(mechanism.clone(), user));
            let from = match secret {
                SecretSource::Fetched(fetcher) => {
                    format!("; the secret from the profile, {}", fetcher.what())
                }
                _ => String::new(),
            };
            self.push(Entry::local(format!(
                "AUTH {mechanism} as {} from the form: steps decoded, secrets masked{from}",
                escape_str(user)
            )));
        }
        self.close_auth_form();
        self.scroll = crate::app::Scroll::Follow;
        vec![Effect::Intent(intent)]
    }
}

#[cfg(test)]
mod tests {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::*;
    use crate::app::Action;
    use crate::app::script::Script;

    fn key(code: KeyCode) -> Action {
        Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    /// EHLO after a verified STARTTLS, the server offering PLAIN and LOGIN.
    fn inside_verified_tls() -> Script {
        let mut s = Script::new("127.0.0.1:2525");
        s.connected().server(b"220 mx ESMTP\r\n");
        s.client("EHLO me")
            .server(b"250-mx\r\n250 STARTTLS\r\n")
            .client("STARTTLS")
            .server(b"220 go ahead\r\n")
            .tls(true)
            .client("EHLO me")
            .server(b"250-mx\r\n250 AUTH PLAIN LOGIN\r\n");
        s
    }

    fn profile(secret: Option<SecretFetcher>) -> AuthDefaults {
        AuthDefaults {
            user: Some("me@example.com".into()),
            mechanism: Some(Mechanism::Login),
            secret,
        }
    }

    fn fetcher() -> SecretFetcher {
        SecretFetcher::new("from the command `pass show work`", || {
            Ok(Zeroizing::new("s3cret".to_string()))
        })
    }

    #[test]
    fn a_profile_fills_the_form_and_its_secret_is_asked_for_only_on_enter() {
        let mut s = inside_verified_tls();
        let secret = fetcher();
        s.app.set_auth_defaults(profile(Some(secret.clone())));
        s.app.update(key(KeyCode::F(4)));
        let form = s.app.auth_form().expect("the form is open");
        assert_eq!(form.user.value(), "me@example.com");
        assert_eq!(*form.mechanism(), Mechanism::Login);
        assert_eq!(form.profile_secret(), Some(&secret));
        let effects = s.app.update(key(KeyCode::Enter));
        assert_eq!(
            effects,
            vec![Effect::Intent(Intent::Auth {
                mechanism: Mechanism::Login,
                user: "me@example.com".into(),
                secret: SecretSource::Fetched(secret),
            })]
        );
        let said = s
            .app
            .entries
            .iter()
            .last()
            .expect("a note")
            .lines
            .join("\n");
        assert!(
            said.contains("the secret from the profile, from the command `pass show work`"),
            "{said}"
        );
        assert!(!said.contains("s3cret"), "{said}");
    }

    #[test]
    fn a_typed_password_or_another_user_does_not_take_the_profiles_secret() {
        let mut s = inside_verified_tls();
        s.app.set_auth_defaults(profile(Some(fetcher())));
        s.app.update(key(KeyCode::F(4)));
        // A password typed wins over the profile's.
        for _ in 0..2 {
            s.app.update(key(KeyCode::Tab));
        }
        s.app.update(key(KeyCode::Char('x')));
        let effects = s.app.update(key(KeyCode::Enter));
        let [Effect::Intent(Intent::Auth { secret, .. })] = effects.as_slice() else {
            panic!("{effects:?}");
        };
        assert!(matches!(secret, SecretSource::Typed(_)), "{secret:?}");

        // Another user is asked for their own password.
        s.app.update(key(KeyCode::F(4)));
        s.app.update(key(KeyCode::Tab));
        s.app.update(key(KeyCode::Char('2')));
        assert_eq!(s.app.auth_form().and_then(AuthForm::profile_secret), None);
        assert!(s.app.update(key(KeyCode::Enter)).is_empty());
        let form = s.app.auth_form().expect("still open");
        assert_eq!(form.error, Some(Incomplete::NoPassword));
    }

    #[test]
    fn a_profile_without_a_secret_puts_the_cursor_on_the_password() {
        let mut s = inside_verified_tls();
        s.app.set_auth_defaults(profile(None));
        s.app.update(key(KeyCode::F(4)));
        let form = s.app.auth_form().expect("the form is open");
        assert_eq!(form.focus, AuthField::Password);
        assert_eq!(form.user.value(), "me@example.com");
    }

    #[test]
    fn the_policy_still_holds_a_profiles_secret_back_on_plaintext() {
        let mut s = Script::new("127.0.0.1:2525");
        s.connected().server(b"220 mx ESMTP\r\n");
        s.client("EHLO me")
            .server(b"250-mx\r\n250 AUTH PLAIN LOGIN\r\n");
        s.app.set_auth_defaults(profile(Some(fetcher())));
        s.app.update(key(KeyCode::F(4)));
        // Held once with the risk in words; nothing is fetched or sent.
        assert!(s.app.update(key(KeyCode::Enter)).is_empty());
        assert!(s.app.auth_form().and_then(|f| f.risk.as_ref()).is_some());
        // Enter again is the person's choice.
        let effects = s.app.update(key(KeyCode::Enter));
        assert!(matches!(
            effects.as_slice(),
            [Effect::Intent(Intent::Auth {
                secret: SecretSource::Fetched(_),
                ..
            })]
        ));
    }

    #[test]
    fn a_secret_that_cannot_be_had_is_a_notice() {
        let mut s = inside_verified_tls();
        let why = crate::driver::task::SecretError::Fetch(
            "password-command `pass show work`: failed with exit status 1".into(),
        );
        s.app.update(Action::Driver(
            crate::driver::task::Update::AuthNotStarted {
                mechanism: Mechanism::Login,
                why: std::sync::Arc::new(why),
            },
        ));
        assert_eq!(
            s.app.notice(),
            Some(
                "AUTH LOGIN not started: password-command `pass show work`: failed with exit \
                 status 1"
            )
        );
    }
}
