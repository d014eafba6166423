//! The explorer's screens drawn into ratatui's `TestBackend` at 80x24 and 120x40 and
//! compared with reviewed insta snapshots (text only; `tests/snapshots/`). Sessions are
//! scripted (`smtpx::app::script`), so times and latencies are fixed.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use smtpx::app::script::Script;
use smtpx::app::{Action, App};

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

mod support;

use support::render::render;

fn check(name: &str, script: &mut Script) {
    for (w, h) in SIZES {
        let terminal = render(&mut script.app, w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), terminal.backend());
    }
}

fn greeting() -> Script {
    let mut s = Script::new("127.0.0.1:2525");
    s.connected()
        .server(b"220 mx.example.com ESMTP Postfix\r\n");
    s
}

fn after_ehlo() -> Script {
    let mut s = greeting();
    s.client("EHLO laptop.example").server(
        b"250-mx.example.com\r\n250-PIPELINING\r\n250-SIZE 35882577\r\n250-STARTTLS\r\n\
          250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
    );
    s
}

fn after_starttls() -> Script {
    let mut s = after_ehlo();
    s.client("STARTTLS")
        .server(b"220 2.0.0 Ready to start TLS\r\n")
        .tls(true);
    s
}

#[test]
fn greeting_screen() {
    check("greeting", &mut greeting());
}

#[test]
fn after_ehlo_screen() {
    check("after_ehlo", &mut after_ehlo());
}

#[test]
fn after_starttls_screen() {
    check("after_starttls", &mut after_starttls());
}

#[test]
fn unverified_tls_screen() {
    let mut s = after_ehlo();
    s.client("STARTTLS")
        .server(b"220 2.0.0 Ready to start TLS\r\n")
        .tls(false);
    check("unverified_tls", &mut s);
}

#[test]
fn message_mode_screen() {
    let mut s = after_starttls();
    s.client("EHLO laptop.example")
        .server(b"250-mx.example.com\r\n250-AUTH PLAIN LOGIN\r\n250 PIPELINING\r\n")
        .client("AUTH PLAIN AGRlbW8AZGVtby1wYXNzd29yZA==")
        .server(b"235 2.7.0 Authentication successful\r\n")
        .client("MAIL FROM:<me@example.com>")
        .server(b"250 2.1.0 Ok\r\n")
        .client("RCPT TO:<you@example.org>")
        .server(b"250 2.1.5 Ok\r\n")
        .client("DATA")
        .server(b"354 End data with <CR><LF>.<CR><LF>\r\n");
    for line in ["Subject: hello", "", ".a line with a dot"] {
        s.app.input = tui_input::Input::new(line.into());
        s.app
            .update(Action::Key(ratatui::crossterm::event::KeyEvent::from(
                ratatui::crossterm::event::KeyCode::Enter,
            )));
    }
    s.app.input = tui_input::Input::new("last line".into());
    check("message_mode", &mut s);
}

#[test]
fn message_sent_screen() {
    let mut s = after_starttls();
    s.client("EHLO x")
        .server(b"250 mx.example.com\r\n")
        .client("MAIL FROM:<me@example.com>")
        .server(b"250 2.1.0 Ok\r\n")
        .client("RCPT TO:<you@example.org>")
        .server(b"250 2.1.5 Ok\r\n")
        .client("DATA")
        .server(b"354 go ahead\r\n")
        .message(b"Subject: hello\r\n\r\n.a line with a dot\r\n")
        .server(b"250 2.0.0 Ok: queued as 4XyZ\r\n");
    check("message_sent", &mut s);
}

#[test]
fn help_overlay_screen() {
    let mut s = greeting();
    s.app
        .update(Action::Key(ratatui::crossterm::event::KeyEvent::from(
            ratatui::crossterm::event::KeyCode::F(1),
        )));
    check("help_overlay", &mut s);
}

/// At 80x24 the help is taller than the screen: it scrolls to its last `/command` and no
/// further (one ↑ from the bottom moves it), and opening it again starts at the top.
#[test]
fn help_scrolls_to_its_end_on_a_short_screen() {
    use ratatui::crossterm::event::{KeyCode, KeyEvent};
    let key = |app: &mut App, code: KeyCode| app.update(Action::Key(KeyEvent::from(code)));
    let text = |terminal: &Terminal<TestBackend>| {
        let buffer = terminal.backend().buffer();
        buffer
            .content()
            .iter()
            .map(|c| c.symbol())
            .collect::<String>()
    };
    let mut s = greeting();
    let app = &mut s.app;
    key(app, KeyCode::F(1));
    let screen = Rect::new(0, 0, 80, 24);
    let max = smtpx::ui::help_max_scroll(screen, app);
    assert!(max > 0, "the help fits 80x24: nothing to test");
    app.update(Action::HelpBounds(max));
    let last = smtpx::app::keymap::SLASH_COMMANDS
        .last()
        .map(|(_, what)| *what)
        .expect("a /command");
    assert!(!text(&render(app, 80, 24)).contains(last));
    for _ in 0..max + 30 {
        key(app, KeyCode::PageDown);
    }
    assert_eq!(app.help_scroll(), max);
    let bottom = text(&render(app, 80, 24));
    assert!(bottom.contains(last), "{bottom}");
    assert!(bottom.contains("↑ more"), "{bottom}");
    key(app, KeyCode::Up);
    assert_eq!(app.help_scroll(), max - 1);
    key(app, KeyCode::Esc);
    key(app, KeyCode::F(1));
    assert_eq!(app.help_scroll(), 0);
    // A taller screen that fits it all: the bounds shrink and so does the scroll.
    app.update(Action::HelpBounds(0));
    assert_eq!(app.help_scroll(), 0);
    assert!(text(&render(app, 120, 60)).contains(last));
}

#[test]
fn permanent_failure_screen() {
    let mut s = after_ehlo();
    s.client("MAIL FROM:<me@example.com>")
        .server(b"250 2.1.0 Ok\r\n")
        .client("RCPT TO:<nobody@example.org>")
        .server(b"550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown\r\n");
    check("permanent_failure", &mut s);
}

#[test]
fn connection_failure_screen() {
    let mut s = Script::new("127.0.0.1:1");
    s.failed("cannot connect to 127.0.0.1:1: connection refused (127.0.0.1:1)");
    check("connection_failure", &mut s);
}

#[test]
fn escape_sequences_from_the_server_are_shown_escaped() {
    let mut s = Script::new("127.0.0.1:2525");
    s.connected()
        .server(b"220 evil \x1b]0;pwned\x07\x1b[2J\x1b[31mred \x9b\xff\r\n")
        .client("EHLO me")
        .server(b"250-evil\r\n250 X-\x1b[5mBLINK\r\n");
    for (w, h) in SIZES {
        let terminal = render(&mut s.app, w, h);
        let text = format!("{}", terminal.backend());
        assert!(!text.contains('\x1b'), "raw ESC reached the screen");
        assert!(text.contains("\\x1b]0;pwned\\x07"), "{text}");
    }
    check("escape_sequences", &mut s);
}

#[test]
fn long_transcripts_draw_only_the_visible_rows() {
    let mut s = after_ehlo();
    for i in 0..2000 {
        s.client(&format!("NOOP {i}")).server(b"250 2.0.0 Ok\r\n");
    }
    let terminal = render(&mut s.app, 80, 24);
    let text = format!("{}", terminal.backend());
    assert!(text.contains("NOOP 1999"), "{text}");
}

fn key(code: ratatui::crossterm::event::KeyCode) -> Action {
    Action::Key(ratatui::crossterm::event::KeyEvent::from(code))
}

#[test]
fn explanation_panel_screen() {
    use ratatui::crossterm::event::KeyCode;
    let mut s = after_ehlo();
    s.client("MAIL FROM:<me@example.com>")
        .server(b"250 2.1.0 Ok\r\n")
        .client("RCPT TO:<nobody@example.org>")
        .server(b"550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown\r\n")
        .client("RSET")
        .server(b"250 2.0.0 Ok\r\n");
    // Esc on the empty prompt picks the latest line; Up moves to the 550.
    s.app.update(key(KeyCode::Esc));
    s.app.update(key(KeyCode::Up));
    s.app.update(key(KeyCode::Up));
    for (w, h) in SIZES {
        let text = format!("{}", render(&mut s.app, w, h).backend());
        assert!(text.contains("Explain: line"), "{text}");
        assert!(text.contains("5.1.1"), "{text}");
    }
    check("explanation_panel", &mut s);
    s.app.update(key(KeyCode::Enter));
    assert_eq!(s.app.overlay_kind(), None);
}

/// At 80x24 the 550's explanation is longer than the panel: the title says so, PgDn shows
/// its end, and the panel never grows past three fifths of the transcript.
#[test]
fn a_long_explanation_scrolls_in_its_panel() {
    use ratatui::crossterm::event::KeyCode;
    let mut s = after_ehlo();
    s.client("MAIL FROM:<me@example.com>")
        .server(b"250 2.1.0 Ok\r\n")
        .client("RCPT TO:<nobody@example.org>")
        .server(b"550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown\r\n");
    s.app.update(key(KeyCode::Esc));
    let top = format!("{}", render(&mut s.app, 80, 24).backend());
    assert!(top.contains("more below"), "{top}");
    assert!(top.contains("550 to RCPT"), "{top}");
    for _ in 0..20 {
        s.app.update(key(KeyCode::PageDown));
    }
    let end = format!("{}", render(&mut s.app, 80, 24).backend());
    assert!(!end.contains("more below"), "{end}");
    assert!(
        !end.contains("550 to RCPT"),
        "scrolled past the top:\n{end}"
    );
    // The picked line stays visible beside the panel.
    assert!(end.contains("> 0."), "{end}");
}

#[test]
fn warning_before_sending_screen() {
    use ratatui::crossterm::event::KeyCode;
    let mut s = greeting();
    s.app.input = tui_input::Input::new("MAIL FROM:<me@example.com>".into());
    let effects = s.app.update(key(KeyCode::Enter));
    assert!(effects.is_empty(), "held back, not sent: {effects:?}");
    assert_eq!(s.app.input.value(), "MAIL FROM:<me@example.com>");
    check("warning_before_sending", &mut s);
    // The second Enter sends it anyway.
    let effects = s.app.update(key(KeyCode::Enter));
    assert!(
        effects.contains(&smtpx::app::Effect::Intent(
            smtpx::driver::task::Intent::Line("MAIL FROM:<me@example.com>".into())
        )),
        "{effects:?}"
    );
}

#[test]
fn picking_the_first_line_keeps_it_visible() {
    use ratatui::crossterm::event::KeyCode;
    let mut s = after_ehlo();
    s.app.update(key(KeyCode::Esc));
    for _ in 0..10 {
        s.app.update(key(KeyCode::Up));
    }
    for (w, h) in SIZES {
        let text = format!("{}", render(&mut s.app, w, h).backend());
        assert!(text.contains("> 0.010 == connected"), "{text}");
        assert!(text.contains("Explain: line 1"), "{text}");
    }
}

#[test]
fn status_bar_shows_the_recording_shortened_when_narrow() {
    let mut s = greeting();
    s.app.set_recording(Some(
        "/home/me/.local/state/smtpx/sessions/20261128T044000Z-mx.jsonl".into(),
    ));
    let wide = format!("{}", render(&mut s.app, 120, 40).backend());
    let first = wide.lines().next().unwrap_or_default().to_string();
    assert!(
        first.contains("rec: …/20261128T044000Z-mx.jsonl"),
        "{first}"
    );
    assert!(!first.contains("/home/me"), "{first}");
    let narrow = format!("{}", render(&mut s.app, 80, 24).backend());
    let first = narrow.lines().next().unwrap_or_default().to_string();
    assert!(first.contains(" rec"), "{first}");
    assert!(!first.contains("jsonl"), "{first}");
    s.app.record_failed("cannot create /x: denied".into());
    let narrow = format!("{}", render(&mut s.app, 80, 24).backend());
    assert!(narrow.contains("rec FAILED"), "{narrow}");
    assert!(narrow.contains("recording failed"), "{narrow}");
}
