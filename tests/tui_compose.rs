//! The AUTH form, the mail transaction composer and the timeline: `App::update` driven by
//! keys (no terminal), and the screens drawn into ratatui's `TestBackend` at 80x24 and
//! 120x40, compared with reviewed insta snapshots (`tests/snapshots/`). Sessions are
//! scripted (`smtpx::app::script`), so times are fixed; the composer's clock is passed in.

use std::time::{Duration, UNIX_EPOCH};

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use smtpx::app::auth::Incomplete;
use smtpx::app::compose::{Field, Method, NotReady};
use smtpx::app::script::Script;
use smtpx::app::{Action, App, Effect, OverlayKind};
use smtpx::driver::task::{Intent, SecretSource, SendMethod};
use smtpx::proto::auth::Mechanism;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];
const PASSWORD: &str = "s3cret-Pw";

mod support;

use support::render::render;

fn screen(app: &mut App, width: u16, height: u16) -> String {
    format!("{}", render(app, width, height).backend())
}

fn check(name: &str, app: &mut App) {
    for (w, h) in SIZES {
        let terminal = render(app, w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), terminal.backend());
    }
}

fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(Action::Key(KeyEvent::from(code)))
}

fn ctrl(app: &mut App, c: char) -> Vec<Effect> {
    app.update(Action::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::CONTROL,
    )))
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

/// Greeting, EHLO in plaintext, STARTTLS, and EHLO again inside TLS (AUTH offered there).
fn in_tls(auth: &str) -> Script {
    let mut s = Script::new("127.0.0.1:2525");
    s.connected()
        .server(b"220 mx.example.com ESMTP\r\n")
        .client("EHLO laptop.example")
        .server(b"250-mx.example.com\r\n250-STARTTLS\r\n250 8BITMIME\r\n")
        .client("STARTTLS")
        .server(b"220 2.0.0 Ready to start TLS\r\n")
        .tls(true)
        .client("EHLO laptop.example")
        .server(
            format!(
                "250-mx.example.com\r\n250-PIPELINING\r\n250-SIZE 10485760\r\n250-AUTH {auth}\r\n\
                 250-8BITMIME\r\n250-SMTPUTF8\r\n250-DSN\r\n250 CHUNKING\r\n"
            )
            .as_bytes(),
        );
    s
}

/// Opens the form, chooses `mechanism`, and types the user and the password.
fn fill_auth_form(app: &mut App, mechanism: &str, user: &str) {
    press(app, KeyCode::F(4));
    assert_eq!(app.overlay_kind(), Some(OverlayKind::AuthForm));
    for _ in 0..4 {
        let chosen = app
            .auth_form()
            .map(|f| f.mechanism().to_string())
            .unwrap_or_default();
        if chosen == mechanism {
            break;
        }
        press(app, KeyCode::Right);
    }
    press(app, KeyCode::Tab);
    type_text(app, user);
    press(app, KeyCode::Tab);
    type_text(app, PASSWORD);
}

fn all_text(app: &App) -> String {
    app.entries
        .iter()
        .flat_map(|e| e.lines.clone())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn auth_form_lists_the_advertised_mechanisms_first() {
    let mut s = in_tls("LOGIN XOAUTH2 SCRAM-SHA-256");
    press(&mut s.app, KeyCode::F(4));
    let form = s.app.auth_form().expect("the form is open");
    let names: Vec<(String, bool)> = form
        .mechanisms
        .iter()
        .map(|(m, offered)| (m.to_string(), *offered))
        .collect();
    assert_eq!(
        names,
        [
            ("LOGIN".to_string(), true),
            ("XOAUTH2".to_string(), true),
            ("PLAIN".to_string(), false),
            ("CRAM-MD5".to_string(), false),
            ("OAUTHBEARER".to_string(), false),
        ]
    );
    assert_eq!(form.unsupported, ["SCRAM-SHA-256"]);
}

#[test]
fn auth_form_sends_one_intent_and_keeps_the_password_nowhere() {
    let mut s = in_tls("PLAIN LOGIN");
    fill_auth_form(&mut s.app, "PLAIN", "demo");
    let text = screen(&mut s.app, 80, 24);
    assert!(text.contains("•••••••••"), "{text}");
    assert!(!text.contains(PASSWORD), "{text}");
    let effects = press(&mut s.app, KeyCode::Enter);
    let [Effect::Intent(intent)] = effects.as_slice() else {
        panic!("one intent, no history line: {effects:?}");
    };
    let Intent::Auth {
        mechanism,
        user,
        secret,
    } = intent
    else {
        panic!("{intent:?}");
    };
    assert_eq!((mechanism, user.as_str()), (&Mechanism::Plain, "demo"));
    assert!(matches!(secret, SecretSource::Typed(_)));
    // Debug output (logs, panics) never shows it.
    assert!(!format!("{effects:?}").contains(PASSWORD));
    assert_eq!(s.app.overlay_kind(), None);
    assert!(
        s.app.auth_form().is_none(),
        "the form and its password are gone"
    );
    assert!(s.app.history().lines().is_empty(), "nothing in the history");
    assert!(!all_text(&s.app).contains(PASSWORD));
}

#[test]
fn auth_form_refuses_to_submit_without_a_password_and_esc_forgets_it() {
    let mut s = in_tls("PLAIN");
    press(&mut s.app, KeyCode::F(4));
    press(&mut s.app, KeyCode::Tab);
    type_text(&mut s.app, "demo");
    assert!(press(&mut s.app, KeyCode::Enter).is_empty());
    let form = s.app.auth_form().expect("still open");
    assert_eq!(form.error, Some(Incomplete::NoPassword));
    type_text(&mut s.app, PASSWORD);
    press(&mut s.app, KeyCode::Esc);
    assert!(s.app.auth_form().is_none());
    assert_eq!(s.app.overlay_kind(), None);
}

#[test]
fn xoauth2_token_comes_from_an_environment_variable_named_in_the_form() {
    let mut s = in_tls("XOAUTH2");
    s.app.input = tui_input::Input::new("/auth".into());
    press(&mut s.app, KeyCode::Enter);
    assert_eq!(s.app.overlay_kind(), Some(OverlayKind::AuthForm));
    press(&mut s.app, KeyCode::Tab);
    type_text(&mut s.app, "me@example.com");
    press(&mut s.app, KeyCode::Tab);
    press(&mut s.app, KeyCode::Tab);
    type_text(&mut s.app, "SMTP_TOKEN");
    let effects = press(&mut s.app, KeyCode::Enter);
    assert_eq!(
        effects,
        [Effect::Intent(Intent::Auth {
            mechanism: Mechanism::XOAuth2,
            user: "me@example.com".into(),
            secret: SecretSource::Env("SMTP_TOKEN".into()),
        })]
    );
}

#[test]
fn oauthbearer_is_offered_first_when_advertised_and_takes_its_token_like_xoauth2() {
    let mut s = in_tls("OAUTHBEARER");
    press(&mut s.app, KeyCode::F(4));
    assert_eq!(
        s.app.auth_form().map(|f| f.mechanism().clone()),
        Some(Mechanism::OAuthBearer)
    );
    press(&mut s.app, KeyCode::Tab);
    type_text(&mut s.app, "me@example.com");
    press(&mut s.app, KeyCode::Tab);
    press(&mut s.app, KeyCode::Right);
    press(&mut s.app, KeyCode::Tab);
    type_text(&mut s.app, "/run/token");
    let effects = press(&mut s.app, KeyCode::Enter);
    assert_eq!(
        effects,
        [Effect::Intent(Intent::Auth {
            mechanism: Mechanism::OAuthBearer,
            user: "me@example.com".into(),
            secret: SecretSource::File("/run/token".into()),
        })]
    );
}

#[test]
fn auth_form_screen() {
    let mut s = in_tls("PLAIN LOGIN CRAM-MD5");
    fill_auth_form(&mut s.app, "LOGIN", "demo");
    check("auth_form", &mut s.app);
}

#[test]
fn auth_form_over_plaintext_warns() {
    let mut s = Script::new("127.0.0.1:2525");
    s.connected()
        .server(b"220 mx ESMTP\r\n")
        .client("EHLO x")
        .server(b"250-mx\r\n250 AUTH PLAIN\r\n");
    press(&mut s.app, KeyCode::F(4));
    let text = screen(&mut s.app, 120, 40);
    assert!(text.contains("! no TLS"), "{text}");
}

#[test]
fn form_started_exchange_shows_each_step_decoded_and_masked() {
    let mut s = in_tls("LOGIN");
    fill_auth_form(&mut s.app, "LOGIN", "demo");
    press(&mut s.app, KeyCode::Enter);
    // What the driver reports for AUTH LOGIN with the initial response.
    s.client("AUTH LOGIN ZGVtbw==")
        .server(b"334 UGFzc3dvcmQ6\r\n")
        .client("czNjcmV0LVB3")
        .server(b"235 2.7.0 Authentication successful\r\n");
    let text = all_text(&s.app);
    assert!(text.contains("AUTH LOGIN ••••••••  [demo]"), "{text}");
    assert!(text.contains("334 UGFzc3dvcmQ6  [Password:]"), "{text}");
    assert!(text.contains("••••••••  [••••]"), "{text}");
    assert!(!text.contains("czNjcmV0LVB3") && !text.contains(PASSWORD));
    assert!(s.app.auth_trace().is_none(), "the 235 ended the exchange");
    check("auth_exchange", &mut s.app);
}

#[test]
fn plain_step_shows_the_nul_separated_fields_with_the_password_masked() {
    let mut s = in_tls("PLAIN");
    fill_auth_form(&mut s.app, "PLAIN", "demo");
    press(&mut s.app, KeyCode::Enter);
    s.client("AUTH PLAIN AGRlbW8AczNjcmV0LVB3")
        .server(b"235 2.7.0 ok\r\n");
    let text = all_text(&s.app);
    assert!(
        text.contains("AUTH PLAIN ••••••••  [\\0demo\\0••••]"),
        "{text}"
    );
}

/// The composer open with a clock at 2026-11-28 04:40:00 UTC.
fn composer(s: &mut Script) {
    let effects = press(&mut s.app, KeyCode::F(5));
    assert_eq!(effects, [Effect::ReadClock]);
    s.app.update(Action::WallClock(
        UNIX_EPOCH + Duration::from_secs(1_795_840_800) + Duration::from_nanos(123),
    ));
}

fn compose_message(s: &mut Script) {
    composer(s);
    type_text(&mut s.app, "me@example.com");
    press(&mut s.app, KeyCode::Tab);
    type_text(&mut s.app, "you@example.org");
    // RET, ENVID, NOTIFY (DSN is offered), From, To, then Subject.
    for _ in 0..6 {
        press(&mut s.app, KeyCode::Tab);
    }
    type_text(&mut s.app, "hello");
    let c = s.app.composer_mut().expect("open");
    c.focus = Field::Body;
    s.app
        .update(Action::Paste("Hi,\n.a line with a dot\nbye".into()));
}

#[test]
fn composer_asks_for_the_clock_and_fills_date_and_message_id() {
    let mut s = in_tls("PLAIN");
    composer(&mut s);
    let c = s.app.composer().expect("open");
    assert_eq!(c.date.value(), "Sat, 28 Nov 2026 04:40:00 +0000");
    assert_eq!(
        c.message_id.value(),
        "<1795840800.000000123.smtpx@127.0.0.1>"
    );
    assert_eq!(s.app.overlay_kind(), Some(OverlayKind::Composer));
    // Esc keeps the draft; F5 again does not need a new clock.
    press(&mut s.app, KeyCode::Esc);
    assert_eq!(s.app.overlay_kind(), None);
    assert!(press(&mut s.app, KeyCode::F(5)).is_empty());
}

#[test]
fn header_from_and_to_follow_the_envelope_until_edited() {
    let mut s = in_tls("PLAIN");
    compose_message(&mut s);
    let c = s.app.composer_mut().expect("open");
    assert_eq!(c.from.value(), "me@example.com");
    assert_eq!(c.to.value(), "you@example.org");
    c.focus = Field::From;
    press(&mut s.app, KeyCode::Home);
    type_text(&mut s.app, "Me ");
    let c = s.app.composer_mut().expect("open");
    c.focus = Field::MailFrom;
    press(&mut s.app, KeyCode::End);
    press(&mut s.app, KeyCode::Backspace);
    let c = s.app.composer().expect("open");
    assert_eq!(
        c.from.value(),
        "Me me@example.com",
        "edited: no longer follows"
    );
}

#[test]
fn review_then_enter_sends_the_previewed_transaction() {
    let mut s = in_tls("PLAIN");
    compose_message(&mut s);
    assert!(ctrl(&mut s.app, 's').is_empty(), "Ctrl-S only reviews");
    assert!(s.app.composer().is_some_and(|c| c.confirming));
    // Esc goes back to editing, nothing sent.
    assert!(press(&mut s.app, KeyCode::Esc).is_empty());
    assert_eq!(s.app.overlay_kind(), Some(OverlayKind::Composer));
    ctrl(&mut s.app, 's');
    let draft = s.app.composer().expect("open").draft();
    let effects = press(&mut s.app, KeyCode::Enter);
    let [Effect::Intent(Intent::Transaction(plan))] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(plan.content, draft.message());
    assert_eq!(plan.method, SendMethod::Data);
    let mail = String::from_utf8(plan.mail.encode().expect("encodes")).expect("ascii");
    assert_eq!(
        mail,
        format!("MAIL FROM:<me@example.com> SIZE={}\r\n", plan.content.len())
    );
    assert_eq!(plan.rcpts.len(), 1);
    assert_eq!(s.app.overlay_kind(), None);
}

#[test]
fn review_without_a_recipient_says_why() {
    let mut s = in_tls("PLAIN");
    composer(&mut s);
    ctrl(&mut s.app, 's');
    let c = s.app.composer().expect("open");
    assert!(!c.confirming);
    assert_eq!(c.error, Some(NotReady::NoRecipient));
}

#[test]
fn composer_screen() {
    let mut s = in_tls("PLAIN");
    compose_message(&mut s);
    for (w, h) in SIZES {
        let text = screen(&mut s.app, w, h);
        assert!(text.contains("..a line with a dot\\r\\n"), "{text}");
        assert!(text.contains("← dot-stuffed"), "{text}");
    }
    check("composer", &mut s.app);
}

#[test]
fn composer_confirm_screen() {
    let mut s = in_tls("PLAIN");
    compose_message(&mut s);
    ctrl(&mut s.app, 's');
    check("composer_confirm", &mut s.app);
}

#[test]
fn composer_byte_exact_screen() {
    let mut s = in_tls("PLAIN");
    compose_message(&mut s);
    let c = s.app.composer_mut().expect("open");
    c.focus = Field::Ending;
    press(&mut s.app, KeyCode::Right);
    let c = s.app.composer().expect("open");
    assert_eq!(c.method, Method::Data);
    let text = screen(&mut s.app, 120, 40);
    assert!(text.contains("BYTE-EXACT"), "{text}");
    assert!(text.contains("bye\\n"), "{text}");
    check("composer_byte_exact", &mut s.app);
    ctrl(&mut s.app, 's');
    let effects = press(&mut s.app, KeyCode::Enter);
    let [Effect::Intent(Intent::Transaction(plan))] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    let SendMethod::DataExact { wire } = &plan.method else {
        panic!("{:?}", plan.method);
    };
    assert!(wire.ends_with(b"\r\nbye\n.\n"));
    assert!(
        wire.windows(22).any(|w| w == b"\r\n..a line with a dot\r"),
        "still dot-stuffed"
    );
}

#[test]
fn timeline_screen() {
    let mut s = in_tls("PLAIN");
    s.client("MAIL FROM:<me@example.com>")
        .server(b"250 2.1.0 Ok\r\n");
    s.app.input = tui_input::Input::new("/timeline".into());
    press(&mut s.app, KeyCode::Enter);
    assert_eq!(s.app.overlay_kind(), Some(OverlayKind::Timeline));
    let text = screen(&mut s.app, 120, 40);
    for needle in [
        "connect",
        "greeting",
        "TLS handshake (TLSv1.3)",
        "MAIL FROM:<me@example.com>",
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    check("timeline", &mut s.app);
    press(&mut s.app, KeyCode::Esc);
    assert_eq!(s.app.overlay_kind(), None);
}

/// A slow step's flag is read whole at 80 columns (the label gives way, not the flag).
#[test]
fn timeline_slow_flags_are_whole_at_80_columns() {
    let mut s = in_tls("PLAIN");
    s.client("MAIL FROM:<me@example.com>")
        .server(b"250 2.1.0 Ok\r\n")
        .client("RCPT TO:<you@example.org>")
        .server_after(b"250 2.1.5 Ok\r\n", std::time::Duration::from_secs(12));
    s.app.input = tui_input::Input::new("/timeline".into());
    press(&mut s.app, KeyCode::Enter);
    let text = screen(&mut s.app, 80, 24);
    assert!(text.contains("! slow reply"), "{text}");
    assert!(text.contains("RCPT TO:<you@"), "{text}");
    check("timeline_slow", &mut s.app);
}

#[test]
fn explanation_of_a_refused_recipient_screen() {
    let mut s = in_tls("PLAIN");
    s.client("MAIL FROM:<me@example.com>")
        .server(b"250 2.1.0 Ok\r\n")
        .client("RCPT TO:<nobody@example.org>")
        .server(b"550 5.1.1 <nobody@example.org>: Recipient address rejected\r\n");
    press(&mut s.app, KeyCode::Esc);
    let text = screen(&mut s.app, 120, 40);
    assert!(text.contains("5.1.1"), "{text}");
    check("reply_explained", &mut s.app);
}

#[test]
fn help_lists_the_new_keys_and_commands() {
    let mut s = in_tls("PLAIN");
    press(&mut s.app, KeyCode::F(1));
    let text = screen(&mut s.app, 120, 40);
    for needle in ["F4", "F5", "F6", "/auth", "/mail", "/timeline"] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
}

#[test]
fn the_forms_do_not_open_while_a_message_is_being_entered() {
    let mut s = in_tls("PLAIN");
    s.client("MAIL FROM:<me@example.com>")
        .server(b"250 2.1.0 Ok\r\n")
        .client("RCPT TO:<you@example.org>")
        .server(b"250 2.1.5 Ok\r\n")
        .client("DATA")
        .server(b"354 go ahead\r\n");
    for key in [KeyCode::F(4), KeyCode::F(5)] {
        assert!(press(&mut s.app, key).is_empty());
        assert_eq!(s.app.overlay_kind(), None);
        assert!(
            s.app
                .notice()
                .is_some_and(|n| n.contains("finish it with a lone .")),
            "{:?}",
            s.app.notice()
        );
    }
}

#[test]
fn moving_the_cursor_in_from_does_not_stop_it_following_the_envelope() {
    let mut s = in_tls("PLAIN");
    composer(&mut s);
    type_text(&mut s.app, "a@example.com");
    let c = s.app.composer_mut().expect("open");
    c.focus = Field::From;
    press(&mut s.app, KeyCode::Left);
    press(&mut s.app, KeyCode::Home);
    let c = s.app.composer_mut().expect("open");
    assert!(!c.from_edited);
    c.focus = Field::MailFrom;
    type_text(&mut s.app, "u");
    let c = s.app.composer().expect("open");
    assert_eq!(c.from.value(), "a@example.comu");
}

/// A session greeted and past EHLO in plaintext, offering `auth`.
fn in_plaintext(auth: &str) -> Script {
    let mut s = Script::new("mx.example.com:587");
    s.connected()
        .server(b"220 mx.example.com ESMTP\r\n")
        .client("EHLO laptop.example")
        .server(format!("250-mx.example.com\r\n250 AUTH {auth}\r\n").as_bytes());
    s
}

#[test]
fn auth_form_over_plaintext_is_held_once_with_the_risk_then_sent_on_a_second_enter() {
    let mut s = in_plaintext("PLAIN LOGIN");
    fill_auth_form(&mut s.app, "PLAIN", "demo");
    let effects = press(&mut s.app, KeyCode::Enter);
    assert!(
        effects.is_empty(),
        "sent at once over plaintext: {effects:?}"
    );
    let text = screen(&mut s.app, 100, 30);
    assert!(text.contains("cleartext"), "{text}");
    // Typing on does not clear the hold.
    type_text(&mut s.app, "x");
    press(&mut s.app, KeyCode::Backspace);
    let text = screen(&mut s.app, 100, 30);
    assert!(
        text.contains("cleartext") && text.contains("Enter again"),
        "{text}"
    );
    let effects = press(&mut s.app, KeyCode::Enter);
    assert!(
        matches!(effects.as_slice(), [Effect::Intent(Intent::Auth { .. })]),
        "{effects:?}"
    );
}

#[test]
fn auth_form_over_unverified_tls_names_the_risk() {
    let mut s = Script::new("mx.example.com:587");
    s.connected()
        .server(b"220 mx.example.com ESMTP\r\n")
        .tls(false)
        .client("EHLO laptop.example")
        .server(b"250-mx.example.com\r\n250 AUTH PLAIN\r\n");
    fill_auth_form(&mut s.app, "PLAIN", "demo");
    assert!(press(&mut s.app, KeyCode::Enter).is_empty());
    assert!(
        screen(&mut s.app, 100, 30).contains("whoever holds that key"),
        "{}",
        screen(&mut s.app, 100, 30)
    );
}

#[test]
fn auth_form_with_a_mechanism_the_server_does_not_offer_is_held() {
    let mut s = in_tls("LOGIN");
    fill_auth_form(&mut s.app, "PLAIN", "demo");
    assert!(press(&mut s.app, KeyCode::Enter).is_empty());
    assert!(
        screen(&mut s.app, 100, 30).contains("does not offer AUTH PLAIN"),
        "{}",
        screen(&mut s.app, 100, 30)
    );
}

#[test]
fn the_status_bar_says_when_the_transcript_holds_secrets() {
    let mut s = in_tls("PLAIN");
    s.app
        .set_recording(Some(std::path::PathBuf::from("/tmp/s.jsonl")));
    assert!(!screen(&mut s.app, 120, 30).contains("SECRETS"));
    s.app.set_recording_secrets(true);
    let text = screen(&mut s.app, 120, 30);
    assert!(text.contains("+SECRETS"), "{text}");
}

#[test]
fn extra_headers_and_pipelining_off_show_in_the_preview_and_the_plan() {
    let mut s = in_tls("PLAIN");
    compose_message(&mut s);
    let c = s.app.composer_mut().expect("open");
    c.focus = Field::Headers;
    type_text(&mut s.app, "X-Test: one | Subject: from the field");
    // Tab to HTML, Attach, MAIL params, RCPT params, Send by, then Pipelining; ← turns it
    // off.
    for _ in 0..6 {
        press(&mut s.app, KeyCode::Tab);
    }
    assert_eq!(s.app.composer().expect("open").focus, Field::Pipeline);
    press(&mut s.app, KeyCode::Left);
    let text = screen(&mut s.app, 120, 40);
    assert!(text.contains("one command per round trip"), "{text}");
    assert!(text.contains("X-Test: one\\r\\n"), "{text}");
    assert!(text.contains("Subject: from the field\\r\\n"), "{text}");
    ctrl(&mut s.app, 's');
    let text = screen(&mut s.app, 120, 40);
    assert!(!text.contains("one write (PIPELINING)"), "{text}");
    assert!(text.contains("one command per round trip"), "{text}");
    let effects = press(&mut s.app, KeyCode::Enter);
    let [Effect::Intent(Intent::Transaction(plan))] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert!(!plan.pipelined);
    let content = String::from_utf8(plan.content.clone()).expect("utf-8");
    assert!(
        content.contains("Subject: from the field\r\nX-Test: one\r\n"),
        "{content}"
    );
}

#[test]
fn bdat_in_several_chunks_is_previewed_as_one_write_after_the_envelope() {
    let mut s = in_tls("PLAIN");
    compose_message(&mut s);
    let c = s.app.composer_mut().expect("open");
    c.method = smtpx::app::compose::Method::Bdat;
    c.chunk_size = tui_input::Input::new("16".into());
    ctrl(&mut s.app, 's');
    let text = screen(&mut s.app, 120, 40);
    assert!(text.contains("one write (PIPELINING)"), "{text}");
    assert!(
        text.contains("then every BDAT chunk in one write, after the envelope's replies"),
        "{text}"
    );
    let effects = press(&mut s.app, KeyCode::Enter);
    let [Effect::Intent(Intent::Transaction(plan))] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert!(plan.pipelined);
    assert!(!plan.bdat_in_group());
    assert_eq!(
        plan.method,
        smtpx::driver::task::SendMethod::Bdat { chunk_size: 16 }
    );
}

#[test]
fn an_extra_header_with_a_line_break_cannot_be_sent() {
    let mut s = in_tls("PLAIN");
    compose_message(&mut s);
    let c = s.app.composer_mut().expect("open");
    c.focus = Field::Headers;
    // Pasted text has control characters replaced; a draft set directly keeps them.
    c.headers = tui_input::Input::new("X-A: a\nBcc: evil@example.net".into());
    ctrl(&mut s.app, 's');
    let c = s.app.composer().expect("open");
    assert!(!c.confirming);
    assert!(
        matches!(c.error, Some(NotReady::Header(_))),
        "{:?}",
        c.error
    );
}

#[test]
fn attachments_are_read_by_the_loop_then_reviewed_and_sent_as_multipart() {
    use mail_parser::{MessageParser, MimeHeaders};
    let mut s = in_tls("PLAIN");
    compose_message(&mut s);
    let c = s.app.composer_mut().expect("open");
    c.focus = Field::Attach;
    type_text(&mut s.app, "/tmp/a.pdf | /tmp/b c.bin");
    // Ctrl-S asks the loop to read the files first.
    let effects = ctrl(&mut s.app, 's');
    assert_eq!(
        effects,
        [Effect::ReadAttachments(vec![
            "/tmp/a.pdf".into(),
            "/tmp/b c.bin".into()
        ])]
    );
    assert!(!s.app.composer().expect("open").confirming);
    let files = vec![
        smtpx::proto::message::Attachment {
            file_name: "a.pdf".into(),
            content_type: "application/pdf".into(),
            bytes: b"%PDF-1.4\n\x00\xff".to_vec(),
        },
        smtpx::proto::message::Attachment {
            file_name: "b c.bin".into(),
            content_type: "application/octet-stream".into(),
            bytes: (0..=255u8).collect(),
        },
    ];
    s.app.update(Action::AttachmentsRead(Ok(files)));
    assert!(s.app.composer().expect("open").confirming);
    let text = screen(&mut s.app, 120, 40);
    assert!(text.contains("multipart/mixed"), "{text}");
    let effects = press(&mut s.app, KeyCode::Enter);
    let [Effect::Intent(Intent::Transaction(plan))] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    let parsed = MessageParser::default()
        .parse(&plan.content)
        .expect("parses");
    assert_eq!(
        parsed.body_text(0).as_deref(),
        Some("Hi,\r\n.a line with a dot\r\nbye\r\n")
    );
    assert_eq!(parsed.attachment_count(), 2);
    let pdf = parsed.attachment(0).expect("a.pdf");
    assert_eq!(pdf.attachment_name(), Some("a.pdf"));
    assert_eq!(pdf.contents(), b"%PDF-1.4\n\x00\xff");
    let bin = parsed.attachment(1).expect("b c.bin");
    assert_eq!(bin.contents(), (0..=255u8).collect::<Vec<_>>().as_slice());
}

#[test]
fn an_unreadable_attachment_is_said_and_nothing_is_reviewed() {
    let mut s = in_tls("PLAIN");
    compose_message(&mut s);
    let c = s.app.composer_mut().expect("open");
    c.focus = Field::Attach;
    type_text(&mut s.app, "/no/such/file");
    // Tab away reads the files too.
    let effects = press(&mut s.app, KeyCode::Tab);
    assert_eq!(
        effects,
        [Effect::ReadAttachments(vec!["/no/such/file".into()])]
    );
    s.app.update(Action::AttachmentsRead(Err(
        "cannot read /no/such/file: No such file or directory".into(),
    )));
    let c = s.app.composer().expect("open");
    assert!(matches!(c.error, Some(NotReady::Attachment(_))));
    assert!(
        screen(&mut s.app, 120, 40).contains("cannot read /no/such/file"),
        "the reason is on screen"
    );
    ctrl(&mut s.app, 's');
    assert!(!s.app.composer().expect("open").confirming);
}

#[test]
fn typed_parameters_go_on_mail_and_rcpt_and_an_unadvertised_one_is_flagged() {
    let mut s = in_tls("PLAIN");
    compose_message(&mut s);
    let c = s.app.composer_mut().expect("open");
    c.focus = Field::MailParams;
    type_text(&mut s.app, "RET=HDRS X-PRIO=1");
    let c = s.app.composer_mut().expect("open");
    c.focus = Field::RcptParams;
    type_text(&mut s.app, "NOTIFY=NEVER");
    let text = screen(&mut s.app, 120, 40);
    assert!(text.contains(" RET=HDRS X-PRIO=1"), "{text}");
    assert!(
        text.contains("RCPT TO:<you@example.org> NOTIFY=NEVER"),
        "{text}"
    );
    assert!(
        text.contains("! X-PRIO needs the X-PRIO extension, which the server does not"),
        "{text}"
    );
    assert!(!text.contains("! RET needs"), "DSN is advertised: {text}");
    ctrl(&mut s.app, 's');
    let effects = press(&mut s.app, KeyCode::Enter);
    let [Effect::Intent(Intent::Transaction(plan))] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    let mail = String::from_utf8(plan.mail.encode().expect("encodes")).expect("ascii");
    assert!(mail.ends_with(" RET=HDRS X-PRIO=1\r\n"), "{mail}");
    let rcpt = String::from_utf8(plan.rcpts[0].encode().expect("encodes")).expect("ascii");
    assert_eq!(rcpt, "RCPT TO:<you@example.org> NOTIFY=NEVER\r\n");
}

#[test]
fn a_typed_parameter_that_would_break_the_line_stops_the_review() {
    let mut s = in_tls("PLAIN");
    compose_message(&mut s);
    let c = s.app.composer_mut().expect("open");
    c.mail_params = tui_input::Input::new("=oops".into());
    ctrl(&mut s.app, 's');
    let c = s.app.composer().expect("open");
    assert!(!c.confirming);
    assert!(
        matches!(c.error, Some(NotReady::Command(_))),
        "{:?}",
        c.error
    );
}

#[test]
fn an_html_version_makes_the_message_multipart_alternative() {
    use mail_parser::MessageParser;
    let mut s = in_tls("PLAIN");
    compose_message(&mut s);
    let c = s.app.composer_mut().expect("open");
    c.focus = Field::Html;
    type_text(&mut s.app, "<p>Hi, <b>HTML</b></p>");
    let text = screen(&mut s.app, 120, 40);
    assert!(text.contains("multipart/alternative"), "{text}");
    ctrl(&mut s.app, 's');
    let effects = press(&mut s.app, KeyCode::Enter);
    let [Effect::Intent(Intent::Transaction(plan))] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    let parsed = MessageParser::default()
        .parse(&plan.content)
        .expect("parses");
    assert_eq!(
        parsed.body_text(0).as_deref(),
        Some("Hi,\r\n.a line with a dot\r\nbye\r\n")
    );
    assert!(
        parsed
            .body_html(0)
            .is_some_and(|h| h.contains("<p>Hi, <b>HTML</b></p>"))
    );
}
