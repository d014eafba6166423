//! The AUTH form's tests: fields, defaults from a profile, the policy hold, submit.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::app::script::Script;
use crate::app::{Action, Effect};

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
