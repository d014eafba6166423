//! Every screen of the explorer in the three looks: the normal theme uses the 16 named
//! colours only (a 16-colour terminal draws them all); `NO_COLOR` leaves no colour at all,
//! only bold, dim and reverse; the high-contrast theme (`--theme high-contrast`) has no dim
//! text and no grey. Checked cell by cell on ratatui's `TestBackend`, at 80x24 and 120x40,
//! plus a snapshot of the high-contrast main screen.

mod support;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::{Color, Modifier};
use smtpx::app::script::Script;
use smtpx::app::{Action, App, OverlayKind};
use support::render::render;

fn press(app: &mut App, code: KeyCode) {
    app.update(Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

/// A session with something of every kind: TLS, a slow reply, a 5xx, a warning held back.
fn session() -> Script {
    let mut s = Script::new("127.0.0.1:2525");
    s.connected()
        .server(b"220 mx.example.com ESMTP\r\n")
        .client("EHLO laptop.example")
        .server(b"250-mx.example.com\r\n250-STARTTLS\r\n250 8BITMIME\r\n")
        .client("STARTTLS")
        .server(b"220 2.0.0 Ready to start TLS\r\n")
        .tls(true)
        .client("EHLO laptop.example")
        .server(b"250-mx.example.com\r\n250-PIPELINING\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n")
        .client("MAIL FROM:<a@example.com>")
        .server_after(b"250 2.1.0 Ok\r\n", std::time::Duration::from_secs(9))
        .client("RCPT TO:<nobody@example.org>")
        .server(b"550 5.1.1 <nobody@example.org>: Recipient address rejected\r\n");
    s
}

/// Each screen: the main view, then every overlay the explorer opens with one key.
fn screens(app: &mut App, width: u16, height: u16) -> Vec<(String, Terminal<TestBackend>)> {
    let mut out = vec![("main".to_string(), render(app, width, height))];
    for (name, open, kind) in [
        ("help", KeyCode::F(1), OverlayKind::Help),
        ("cert", KeyCode::F(2), OverlayKind::Certificate),
        ("auth", KeyCode::F(4), OverlayKind::AuthForm),
        ("compose", KeyCode::F(5), OverlayKind::Composer),
        ("timeline", KeyCode::F(6), OverlayKind::Timeline),
        ("ladder", KeyCode::F(7), OverlayKind::Ladder),
        ("explain", KeyCode::Esc, OverlayKind::Pick),
    ] {
        press(app, open);
        assert_eq!(app.overlay_kind(), Some(kind), "{name}");
        out.push((name.to_string(), render(app, width, height)));
        press(app, KeyCode::Esc);
        if app.overlay_kind().is_some() {
            press(app, KeyCode::Esc);
        }
        assert_eq!(app.overlay_kind(), None, "{name} closes");
    }
    // A held-back warning on the notice row.
    app.input = tui_input::Input::new("AUTH PLAIN AGEAYg==".into());
    press(app, KeyCode::Enter);
    out.push(("warning".to_string(), render(app, width, height)));
    out
}

fn each_cell(terminal: &Terminal<TestBackend>, mut check: impl FnMut(&ratatui::buffer::Cell)) {
    for cell in terminal.backend().buffer().content() {
        check(cell);
    }
}

fn is_named(color: Color) -> bool {
    !matches!(color, Color::Rgb(..) | Color::Indexed(_))
}

#[test]
fn the_normal_theme_uses_the_sixteen_named_colours_only() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut s = session();
        let mut coloured = 0;
        for (name, terminal) in screens(&mut s.app, w, h) {
            each_cell(&terminal, |cell| {
                assert!(is_named(cell.fg) && is_named(cell.bg), "{name}: {cell:?}");
                coloured += usize::from(cell.fg != Color::Reset);
            });
        }
        assert!(coloured > 0, "the normal theme has colour");
    }
}

#[test]
fn no_color_leaves_no_colour_on_any_screen() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut s = session();
        s.app.set_look(true, false);
        for (name, terminal) in screens(&mut s.app, w, h) {
            each_cell(&terminal, |cell| {
                assert_eq!(
                    (cell.fg, cell.bg),
                    (Color::Reset, Color::Reset),
                    "{name}: {cell:?}"
                );
            });
        }
    }
}

#[test]
fn high_contrast_has_no_dim_text_and_no_grey() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut s = session();
        s.app.set_high_contrast(true);
        for (name, terminal) in screens(&mut s.app, w, h) {
            each_cell(&terminal, |cell| {
                assert!(!cell.modifier.contains(Modifier::DIM), "{name}: {cell:?}");
                assert!(
                    !matches!(cell.fg, Color::Gray | Color::DarkGray),
                    "{name}: {cell:?}"
                );
                assert!(is_named(cell.fg) && is_named(cell.bg), "{name}: {cell:?}");
            });
        }
    }
    // The normal theme does dim (so the test above tests something).
    let mut s = session();
    let mut dimmed = false;
    for (_, terminal) in screens(&mut s.app, 80, 24) {
        each_cell(&terminal, |cell| {
            dimmed |= cell.modifier.contains(Modifier::DIM)
        });
    }
    assert!(dimmed);
}

#[test]
fn high_contrast_main_screen() {
    let mut s = session();
    s.app.set_high_contrast(true);
    insta::assert_snapshot!("high_contrast_80x24", render(&mut s.app, 80, 24).backend());
}
