//! The form as an overlay of the explorer: opened by F4 or `/auth`, its keys, and the
//! submit that checks the credential policy and sends the intent.
//!
//! Layer: app state. A child of [`form`](super).

use crate::app::keymap::{self};
use crate::app::{App, Effect, Entry, Overlay};
use crate::driver::task::{Intent, SecretSource};
use crate::proto::auth::Mechanism;
use crate::proto::auth::policy;
use crate::proto::text::escape_str;
use ratatui::crossterm::event::KeyEvent;

use super::{AuthDefaults, AuthForm, AuthKey, AuthTrace, KEYS};

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
