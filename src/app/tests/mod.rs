//! `App::update` with no terminal: every key of every keymap and every prompt path.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::script::Script;
use super::*;

fn key(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ctrl(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

fn type_line(app: &mut App, text: &str) -> Vec<Effect> {
    for c in text.chars() {
        app.update(key(KeyCode::Char(c)));
    }
    app.update(key(KeyCode::Enter))
}

fn greeted() -> Script {
    let mut s = Script::new("127.0.0.1:2525");
    s.connected().server(b"220 mx ESMTP\r\n");
    s
}

fn ehlo_done() -> Script {
    let mut s = greeted();
    s.client("EHLO me").server(
        b"250-mx\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250-STARTTLS\r\n250-AUTH PLAIN LOGIN\r\n250 DSN\r\n",
    );
    s
}

#[test]
fn typed_line_is_sent_as_an_smtp_command_and_remembered() {
    let mut s = greeted();
    let effects = type_line(&mut s.app, "EHLO me");
    assert_eq!(
        effects,
        vec![
            Effect::Remember("EHLO me".into()),
            Effect::Intent(Intent::Line("EHLO me".into()))
        ]
    );
    assert_eq!(s.app.input.value(), "");
}

#[test]
fn empty_line_sends_nothing() {
    let mut s = greeted();
    assert!(type_line(&mut s.app, "   ").is_empty());
}

#[test]
fn auth_secrets_are_not_remembered() {
    let mut s = ehlo_done();
    // AUTH over plaintext is held back once with a warning; Enter again sends it.
    assert!(type_line(&mut s.app, "AUTH PLAIN AGRlbW8AZGVtby1wYXNzd29yZA==").is_empty());
    let effects = s.app.update(key(KeyCode::Enter));
    assert_eq!(
        effects,
        vec![Effect::Intent(Intent::Line(
            "AUTH PLAIN AGRlbW8AZGVtby1wYXNzd29yZA==".into()
        ))]
    );
    assert!(s.app.history.lines().iter().all(|l| !l.contains("AGRl")));
    // After a 334 the next line is a secret too, and the prompt says so.
    s.client("AUTH LOGIN").server(b"334 VXNlcm5hbWU6\r\n");
    assert!(s.app.awaits_sasl_response());
    assert_eq!(s.app.prompt_label(), "sasl> ");
    let effects = type_line(&mut s.app, "ZGVtbw==");
    assert_eq!(
        effects,
        vec![Effect::Intent(Intent::Line("ZGVtbw==".into()))]
    );
}

#[test]
fn a_sasl_answer_typed_before_the_334_is_a_secret_too() {
    let mut s = ehlo_done();
    s.client("AUTH LOGIN");
    // No 334 yet: the answer typed ahead must not reach the history.
    let effects = type_line(&mut s.app, "c2VjcmV0LXR5cGVkLWFoZWFk");
    assert_eq!(
        effects,
        vec![Effect::Intent(Intent::Line(
            "c2VjcmV0LXR5cGVkLWFoZWFk".into()
        ))]
    );
    assert!(
        s.app
            .history
            .lines()
            .iter()
            .all(|l| !l.contains("c2VjcmV0"))
    );
}

#[test]
fn typed_auth_response_is_shown_redacted() {
    let mut s = ehlo_done();
    s.client("AUTH PLAIN AGRlbW8AZGVtby1wYXNzd29yZA==");
    let text = s.app.transcript_text();
    assert!(text.contains("AUTH PLAIN <redacted"), "{text}");
    assert!(!text.contains("AGRlbW8"), "{text}");
}

/// AUTH typed by hand: each secret line is shown decoded beside its masked form, like the
/// AUTH form's steps, and the password is never on screen.
#[test]
fn typed_auth_lines_are_shown_decoded_with_the_secret_masked() {
    let mut s = ehlo_done();
    let line = "AUTH PLAIN AGRlbW8AZGVtby1wYXNzd29yZA==";
    type_line(&mut s.app, line);
    s.app.update(key(KeyCode::Enter));
    s.client(line).server(b"235 2.7.0 ok\r\n");
    type_line(&mut s.app, "AUTH LOGIN");
    s.app.update(key(KeyCode::Enter));
    s.client("AUTH LOGIN").server(b"334 VXNlcm5hbWU6\r\n");
    type_line(&mut s.app, "ZGVtbw==");
    s.client("ZGVtbw==").server(b"334 UGFzc3dvcmQ6\r\n");
    type_line(&mut s.app, "ZGVtby1wYXNzd29yZA==");
    s.client("ZGVtby1wYXNzd29yZA==").server(b"535 5.7.8 no\r\n");
    // After the exchange, an ordinary line is left alone.
    type_line(&mut s.app, "NOOP");
    s.client("NOOP").server(b"250 ok\r\n");
    let text = s.app.transcript_text();
    assert!(
        text.contains("AUTH PLAIN ••••••••  [\\0demo\\0••••]"),
        "{text}"
    );
    assert!(text.contains("••••••••  [demo]"), "{text}");
    assert!(text.contains("••••••••  [••••]"), "{text}");
    assert!(
        !text.contains("demo-password") && !text.contains("ZGVtby1wYXNzd29yZA"),
        "{text}"
    );
    assert!(s.app.typed_auth.is_none());
}

#[test]
fn message_mode_collects_lines_until_a_lone_dot() {
    let mut s = ehlo_done();
    s.client("MAIL FROM:<a@b>").server(b"250 ok\r\n");
    s.client("RCPT TO:<c@d>").server(b"250 ok\r\n");
    s.client("DATA").server(b"354 go\r\n");
    assert_eq!(s.app.mode, Mode::Message);
    assert_eq!(s.app.prompt_label(), "data> ");
    assert!(type_line(&mut s.app, "Subject: x").is_empty());
    assert!(type_line(&mut s.app, "").is_empty());
    assert!(type_line(&mut s.app, ".dot").is_empty());
    assert_eq!(
        s.app
            .entries
            .iter()
            .filter(|e| e.kind == Kind::Draft)
            .count(),
        3
    );
    let effects = type_line(&mut s.app, ".");
    assert_eq!(
        effects,
        vec![Effect::Intent(Intent::Message(
            b"Subject: x\r\n\r\n.dot\r\n".to_vec()
        ))]
    );
    assert_eq!(s.app.mode, Mode::Command);
    assert!(s.app.entries.iter().all(|e| e.kind != Kind::Draft));
    // The wire lines come back from the driver with the stuffing visible.
    s.message(b"Subject: x\r\n\r\n.dot\r\n")
        .server(b"250 queued\r\n");
    let text = s.app.transcript_text();
    assert!(text.contains("| ..dot   (dot-stuffed)"), "{text}");
    assert!(text.contains("| .   (end of message)"), "{text}");
}

#[test]
fn message_mode_ends_when_the_connection_does() {
    let mut s = ehlo_done();
    s.client("MAIL FROM:<a@b>").server(b"250 ok\r\n");
    s.client("RCPT TO:<c@d>").server(b"250 ok\r\n");
    s.client("DATA").server(b"354 go\r\n");
    type_line(&mut s.app, "half a message");
    s.closed(true);
    assert_eq!(s.app.mode, Mode::Command);
    assert!(!s.app.connected);
    assert_eq!(s.app.state_name(), "closed");
}

#[test]
fn slash_commands_do_what_help_says() {
    let mut s = greeted();
    assert!(type_line(&mut s.app, "/help").contains(&Effect::Remember("/help".into())));
    assert_eq!(s.app.overlay_kind(), Some(OverlayKind::Help));
    s.app.update(key(KeyCode::Esc));
    assert_eq!(s.app.overlay_kind(), None);
    assert!(
        type_line(&mut s.app, "/starttls")
            .contains(&Effect::Intent(Intent::Line("STARTTLS".into())))
    );
    assert!(type_line(&mut s.app, "/reconnect").contains(&Effect::Intent(Intent::Reconnect)));
    type_line(&mut s.app, "/raw");
    assert_eq!(s.app.mode, Mode::Raw);
    type_line(&mut s.app, "/raw");
    assert_eq!(s.app.mode, Mode::Command);
    assert!(
        type_line(&mut s.app, "/raw NOOP\\n")
            .contains(&Effect::Intent(Intent::Raw(b"NOOP\n".to_vec())))
    );
    let effects = type_line(&mut s.app, "/save /tmp/x.txt");
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Save { path, text, .. }
        if path.to_str() == Some("/tmp/x.txt") && text.contains("S< 220 mx ESMTP")))
    );
    type_line(&mut s.app, "/save");
    assert_eq!(s.app.notice.as_deref(), Some("usage: /save PATH"));
    type_line(&mut s.app, "/panel");
    assert_eq!(s.app.panel, Some(true));
    type_line(&mut s.app, "/bogus");
    assert!(
        s.app
            .notice
            .as_deref()
            .is_some_and(|n| n.contains("unknown command"))
    );
    let effects = type_line(&mut s.app, "/quit");
    assert!(effects.ends_with(&[Effect::Intent(Intent::Quit), Effect::Quit]));
}

#[test]
fn saved_result_is_reported_and_remembered_for_exit() {
    let mut s = greeted();
    s.app.update(Action::Saved {
        path: "/tmp/t.txt".into(),
        result: Ok(()),
    });
    assert_eq!(
        s.app.saved_to.as_deref(),
        Some(std::path::Path::new("/tmp/t.txt"))
    );
    s.app.update(Action::Saved {
        path: "/nope/t.txt".into(),
        result: Err(std::sync::Arc::new(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            "denied",
        ))),
    });
    assert!(
        s.app
            .transcript_text()
            .contains("could not save to /nope/t.txt: denied")
    );
}

#[test]
fn raw_mode_sends_escapes_as_bytes_and_reports_bad_ones() {
    let mut s = greeted();
    type_line(&mut s.app, "/raw");
    assert_eq!(s.app.prompt_label(), "RAW> ");
    let effects = type_line(&mut s.app, "EHLO x\\r\\n");
    assert!(effects.contains(&Effect::Intent(Intent::Raw(b"EHLO x\r\n".to_vec()))));
    let effects = type_line(&mut s.app, "bad\\q");
    assert!(!effects.iter().any(|e| matches!(e, Effect::Intent(_))));
    assert!(
        s.app
            .notice
            .as_deref()
            .is_some_and(|n| n.starts_with("raw:"))
    );
    s.app.update(key(KeyCode::Esc));
    assert_eq!(s.app.mode, Mode::Command);
}

#[test]
fn history_walks_back_and_forth_and_keeps_the_draft() {
    let mut app = App::new("h", vec!["EHLO a".into(), "NOOP".into()]);
    for c in "dra".chars() {
        app.update(key(KeyCode::Char(c)));
    }
    app.update(key(KeyCode::Up));
    assert_eq!(app.input.value(), "NOOP");
    app.update(key(KeyCode::Up));
    assert_eq!(app.input.value(), "EHLO a");
    app.update(key(KeyCode::Up));
    assert_eq!(app.input.value(), "EHLO a");
    app.update(key(KeyCode::Down));
    assert_eq!(app.input.value(), "NOOP");
    app.update(key(KeyCode::Down));
    assert_eq!(app.input.value(), "dra");
}

#[test]
fn tab_completes_verbs_then_cycles() {
    let mut s = greeted();
    s.app.update(key(KeyCode::Char('e')));
    s.app.update(key(KeyCode::Tab));
    assert_eq!(s.app.input.value(), "EHLO ");
    s.app.input = tui_input::Input::new("MA".into());
    s.app.update(key(KeyCode::Tab));
    assert_eq!(s.app.input.value(), "MAIL FROM:<");
    s.app.input = tui_input::Input::new("/r".into());
    s.app.update(key(KeyCode::Tab));
    assert_eq!(s.app.input.value(), "/reconnect ");
    s.app.update(key(KeyCode::Tab));
    assert_eq!(s.app.input.value(), "/raw ");
    assert!(s.app.completion.is_some());
    s.app.update(key(KeyCode::Char('x')));
    assert!(s.app.completion.is_none());
}

#[test]
fn tab_never_completes_a_mechanism_name_with_escape_sequences() {
    let mut s = greeted();
    s.client("EHLO me")
        .server(b"250-mx\r\n250-AUTH \x1b]0;TITLE\x07 X\x1b[2J PLAIN\r\n250 8BITMIME\r\n");
    s.app.input = tui_input::Input::new("AUTH ".into());
    for _ in 0..4 {
        s.app.update(key(KeyCode::Tab));
        let value = s.app.input.value().to_string();
        assert!(
            !value.contains('\x1b') && !value.contains('\x07'),
            "{value:?}"
        );
    }
    s.app.input = tui_input::Input::new("AUTH ".into());
    s.app.update(key(KeyCode::Tab));
    assert_eq!(s.app.input.value(), "AUTH PLAIN ");
}

#[test]
fn tab_completes_parameters_from_the_capabilities() {
    let mut s = ehlo_done();
    s.app.input = tui_input::Input::new("AUTH ".into());
    s.app.update(key(KeyCode::Tab));
    assert_eq!(s.app.input.value(), "AUTH PLAIN ");
    s.app.update(key(KeyCode::Tab));
    assert_eq!(s.app.input.value(), "AUTH LOGIN ");
    s.app.input = tui_input::Input::new("MAIL FROM:<a@b> S".into());
    s.app.update(key(KeyCode::Tab));
    // SIZE is offered; SMTPUTF8 is not, so it is not suggested.
    assert_eq!(s.app.input.value(), "MAIL FROM:<a@b> SIZE=");
    s.app.input = tui_input::Input::new("RCPT TO:<c@d> N".into());
    s.app.update(key(KeyCode::Tab));
    assert_eq!(s.app.input.value(), "RCPT TO:<c@d> NOTIFY=SUCCESS,FAILURE");
    s.app.input = tui_input::Input::new("QQQ".into());
    s.app.update(key(KeyCode::Tab));
    assert_eq!(s.app.notice.as_deref(), Some("nothing to complete here"));
}

#[test]
fn tab_completes_xclient_and_its_advertised_attributes() {
    let mut s = greeted();
    s.client("EHLO me").server(
        b"250-mx\r\n250-XCLIENT NAME ADDR PORT HELO\r\n250-XFORWARD NAME ADDR IDENT\r\n250 8BITMIME\r\n",
    );
    s.app.input = tui_input::Input::new("XC".into());
    s.app.update(key(KeyCode::Tab));
    assert_eq!(s.app.input.value(), "XCLIENT ");
    s.app.update(key(KeyCode::Char('n')));
    s.app.update(key(KeyCode::Tab));
    assert_eq!(s.app.input.value(), "XCLIENT NAME=");
    s.app.input = tui_input::Input::new("xclient ADDR=192.0.2.1 ".into());
    let mut seen = Vec::new();
    for _ in 0..3 {
        s.app.update(key(KeyCode::Tab));
        seen.push(s.app.input.value().to_string());
    }
    // ADDR is on the line already: not offered again.
    assert_eq!(
        seen,
        [
            "xclient ADDR=192.0.2.1 NAME=",
            "xclient ADDR=192.0.2.1 PORT=",
            "xclient ADDR=192.0.2.1 HELO=",
        ]
    );
    s.app.input = tui_input::Input::new("XFORWARD I".into());
    s.app.update(key(KeyCode::Tab));
    assert_eq!(s.app.input.value(), "XFORWARD IDENT=");
    // Not advertised: not offered.
    let mut plain = ehlo_done();
    plain.app.input = tui_input::Input::new("XC".into());
    plain.app.update(key(KeyCode::Tab));
    assert_eq!(plain.app.input.value(), "XC");
}

#[test]
fn every_bound_key_does_something_sensible() {
    let mut s = ehlo_done();
    for _ in 0..40 {
        s.client("NOOP").server(b"250 ok\r\n");
    }
    s.app.update(Action::Viewport(80, 10));
    s.app.update(key(KeyCode::PageUp));
    assert!(!s.app.scroll.is_following());
    s.app.update(key(KeyCode::PageDown));
    assert!(s.app.scroll.is_following());
    s.app
        .update(Action::Key(KeyEvent::new(KeyCode::Up, KeyModifiers::SHIFT)));
    assert!(!s.app.scroll.is_following());
    s.app.update(Action::Key(KeyEvent::new(
        KeyCode::Down,
        KeyModifiers::SHIFT,
    )));
    assert!(s.app.scroll.is_following());
    s.app.update(Action::Wheel(3));
    assert!(!s.app.scroll.is_following());
    s.app.update(ctrl('g'));
    assert!(s.app.scroll.is_following());
    s.app.update(Action::Wheel(3));
    s.app.update(Action::Key(KeyEvent::new(
        KeyCode::End,
        KeyModifiers::CONTROL,
    )));
    assert!(s.app.scroll.is_following());
    s.app.update(Action::Wheel(3));
    s.app.update(Action::Wheel(-3));
    assert!(s.app.scroll.is_following());
    s.app.update(key(KeyCode::F(1)));
    assert_eq!(s.app.overlay_kind(), Some(OverlayKind::Help));
    // Typing does nothing under the help; q closes it.
    s.app.update(key(KeyCode::Char('x')));
    assert_eq!(s.app.input.value(), "");
    s.app.update(key(KeyCode::Char('q')));
    assert_eq!(s.app.overlay_kind(), None);
    s.app.update(key(KeyCode::F(3)));
    assert_eq!(s.app.panel, Some(true));
    s.app.update(key(KeyCode::F(3)));
    assert_eq!(s.app.panel, Some(false));
    assert_eq!(s.app.update(ctrl('l')), vec![Effect::Redraw]);
    assert_eq!(s.app.update(ctrl('z')), vec![Effect::Suspend]);
    assert_eq!(
        s.app.update(ctrl('c')),
        vec![Effect::Intent(Intent::Quit), Effect::Quit]
    );
    assert_eq!(
        s.app.update(ctrl('q')),
        vec![Effect::Intent(Intent::Quit), Effect::Quit]
    );
    s.app.update(key(KeyCode::Char('a')));
    s.app.update(key(KeyCode::Esc));
    assert_eq!(s.app.input.value(), "");
    // Key releases (kitty protocol) are ignored.
    let mut release = KeyEvent::new(KeyCode::Char('z'), KeyModifiers::NONE);
    release.kind = KeyEventKind::Release;
    s.app.update(Action::Key(release));
    assert_eq!(s.app.input.value(), "");
}

#[test]
fn scrolled_back_view_stays_put_while_output_arrives() {
    let mut s = ehlo_done();
    for _ in 0..30 {
        s.client("NOOP").server(b"250 ok\r\n");
    }
    s.app.update(Action::Viewport(80, 10));
    s.app.update(key(KeyCode::PageUp));
    let before = s.app.scroll;
    s.client("NOOP").server(b"250 ok\r\n");
    assert_eq!(s.app.scroll, before);
    // Sending a line follows again.
    type_line(&mut s.app, "NOOP");
    assert!(s.app.scroll.is_following());
}

#[test]
fn paste_types_without_sending() {
    let mut s = greeted();
    let effects = s.app.update(Action::Paste("MAIL FROM:<a@b>\r\n".into()));
    assert!(effects.is_empty());
    assert_eq!(s.app.input.value(), "MAIL FROM:<a@b>  ");
}

#[test]
fn status_follows_tls_and_the_clock() {
    let mut s = ehlo_done();
    s.client("STARTTLS").server(b"220 go\r\n").tls(false);
    assert_eq!(s.app.tls, Some(("TLSv1.3".into(), false)));
    assert_eq!(s.app.prompt_label(), "smtp~> ");
    assert_eq!(s.app.state_name(), "greeted: send EHLO");
    s.app
        .update(Action::Clock(std::time::Duration::from_secs(75)));
    assert_eq!(
        s.app.connected_for,
        Some(std::time::Duration::from_secs(75))
    );
    s.closed(false);
    assert_eq!(s.app.tls, None);
    assert_eq!(s.app.connected_for, None);
}

#[test]
fn server_escape_sequences_never_reach_the_entries_raw() {
    let mut s = greeted();
    s.client("NOOP")
        .server(b"250 ok \x1b]0;pwned\x07 \x1b[2J\r\n");
    let text = s.app.transcript_text();
    assert!(text.contains("\\x1b]0;pwned\\x07 \\x1b[2J"), "{text}");
    assert!(!text.contains('\x1b'));
}

#[test]
fn keymaps_have_no_duplicate_keys() {
    fn check<A>(table: &[crate::app::Binding<A>]) {
        for (i, a) in table.iter().enumerate() {
            for b in &table[i + 1..] {
                assert!(
                    !(a.code == b.code && a.modifiers == b.modifiers),
                    "{} bound twice",
                    a.label
                );
            }
        }
    }
    check(&prompt::keys::COMMAND);
    check(&prompt::keys::RAW);
    check(&prompt::keys::MESSAGE);
    check(&crate::app::help::keys::HELP);
    check(&crate::app::transcript::pick::PICK);
    check(&crate::app::cert::KEYS);
    check(&crate::app::auth::form::KEYS);
    check(&crate::app::compose::EDIT_KEYS);
    check(&crate::app::compose::CONFIRM_KEYS);
    check(&crate::app::timeline::KEYS);
    check(&crate::app::replay::keys::KEYS);
    check(&crate::app::replay::keys::SEARCH);
}

#[cfg(test)]
mod explain;

#[test]
fn a_raw_line_carrying_auth_stays_out_of_the_history() {
    let mut s = ehlo_done();
    let effects = type_line(&mut s.app, "/raw AUTH PLAIN AGRlbW8AZGVtbw==\\r\\n");
    assert!(
        effects.iter().all(|e| !matches!(e, Effect::Remember(_))),
        "{effects:?}"
    );
    assert!(s.app.history.lines().iter().all(|l| !l.contains("AGRl")));
}

#[test]
fn save_keeps_an_existing_file_unless_overwrite_is_asked_for() {
    let mut s = greeted();
    let effects = type_line(&mut s.app, "/save /tmp/x.txt");
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::Save {
            overwrite: false,
            ..
        }
    )));
    let effects = type_line(&mut s.app, "/save --overwrite /tmp/x.txt");
    assert!(effects.iter().any(|e| matches!(e,
        Effect::Save { path, overwrite: true, .. } if path.to_str() == Some("/tmp/x.txt"))));
}

#[test]
fn auth_typed_over_an_unverified_certificate_is_held_once_with_the_risk() {
    let mut s = greeted();
    s.client("EHLO me")
        .server(b"250-mx\r\n250 STARTTLS\r\n")
        .client("STARTTLS")
        .server(b"220 go\r\n")
        .tls(false)
        .client("EHLO me")
        .server(b"250-mx\r\n250 AUTH PLAIN\r\n");
    let line = "AUTH PLAIN AGRlbW8AZGVtby1wYXNzd29yZA==";
    assert!(type_line(&mut s.app, line).is_empty(), "sent at once");
    let notice = s.app.notice().unwrap_or_default().to_string();
    assert!(notice.contains("whoever holds that key"), "{notice}");
    // The verdict's own words say why the certificate is not verified.
    assert!(notice.contains("self-signed"), "{notice}");
    let effects = s.app.update(key(KeyCode::Enter));
    assert_eq!(effects, vec![Effect::Intent(Intent::Line(line.into()))]);
}

#[test]
fn tab_after_ehlo_offers_the_hello_name_and_nothing_without_one() {
    let mut s = greeted();
    for c in "EHLO ".chars() {
        s.app.update(key(KeyCode::Char(c)));
    }
    s.app.update(key(KeyCode::Tab));
    assert_eq!(s.app.input.value(), "EHLO ");
    assert_eq!(s.app.notice(), Some("nothing to complete here"));

    s.app.set_hello_name(Some("laptop.example".into()));
    s.app.update(key(KeyCode::Tab));
    assert_eq!(s.app.input.value(), "EHLO laptop.example");
    // The start of the name, and the verb in any case, as typed.
    s.app.input = tui_input::Input::new("lhlo lap".into());
    s.app.update(key(KeyCode::Tab));
    assert_eq!(s.app.input.value(), "lhlo laptop.example");
    // Another name typed is left alone.
    s.app.input = tui_input::Input::new("HELO other".into());
    s.app.update(key(KeyCode::Tab));
    assert_eq!(s.app.input.value(), "HELO other");
}
