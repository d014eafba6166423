//! `smtpx replay FILE` in the explorer, with no terminal: stepping through the shipped
//! recordings with `App::update` and checking what every view would show at each step
//! (entries, session state, capabilities, the certificate after the TLS event), jumping to
//! errors, searching, playing on a scripted clock, a cut file, a window of entries on a
//! large transcript; and the screens at a few steps as insta snapshots at 80x24 and 120x40.
//! The whole-file checks (every shipped recording, a cut file, a long transcript) are in
//! `replay_tui/files.rs`; the snapshots stay here, so their names keep this module's path.

use std::path::{Path, PathBuf};
use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use smtpx::app::{Action, App, Effect, OverlayKind};
use smtpx::proto::session::State;
use smtpx::transcript::index::Indexed;

// This crate's own files, tests/replay_tui/*.rs. The inline module is what puts them there: a
// crate root's `mod x;` looks for tests/x.rs.
mod replay_tui {
    mod files;
}

const SANDBOX: &str = "recordings/sandbox-starttls-auth-message.jsonl";
const REJECTED: &str = "recordings/sandbox-rcpt-rejected-5xx.jsonl";
/// For the certificate's "days left": 2026-11-28.
const NOW: i64 = 1_795_842_811;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn open_path(path: &Path) -> App {
    let mut app = App::replay(Indexed::open(path).expect("opens"), path.to_path_buf());
    app.update(Action::Viewport(80, 20));
    app.fix_cert_clock(NOW);
    app
}

fn open(path: &str) -> App {
    open_path(&repo(path))
}

fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(Action::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn position(app: &App) -> usize {
    app.replay.as_ref().map_or(usize::MAX, |r| r.position)
}

fn len(app: &App) -> usize {
    app.replay.as_ref().map_or(0, |r| r.len())
}

fn message(app: &App) -> String {
    app.replay
        .as_ref()
        .and_then(|r| r.message.clone())
        .unwrap_or_default()
}

/// The text of the last entry shown.
fn last_line(app: &App) -> String {
    app.entries
        .last()
        .map(|e| e.lines.join("\n"))
        .unwrap_or_default()
}

fn keywords(app: &App) -> Vec<String> {
    app.session
        .capabilities()
        .map(|c| c.extensions.iter().map(|e| e.raw_line.clone()).collect())
        .unwrap_or_default()
}

/// What the views show at a step, for comparing one way of getting there with another.
fn view(app: &App) -> String {
    let entries: Vec<String> = app.entries.iter().map(|e| e.lines.join("|")).collect();
    format!(
        "{} {:?} {:?} {} {:?} {:?} {}",
        app.state_name(),
        app.tls,
        app.connected_for(),
        app.connected(),
        keywords(app),
        app.cert().tls.as_ref().map(|t| t.0.version.clone()),
        entries.join("\n")
    )
}

#[test]
fn stepping_forward_follows_the_session_through_tls_auth_and_a_message() {
    let mut app = open(SANDBOX);
    assert_eq!((position(&app), len(&app)), (0, 22));
    assert!(app.entries.is_empty());
    assert!(!app.connected());

    press(&mut app, KeyCode::Right);
    assert_eq!(position(&app), 1);
    assert!(last_line(&app).starts_with("connected to 127.0.0.1:25251"));
    assert_eq!(app.session.state(), State::ExpectGreeting);

    press(&mut app, KeyCode::Right);
    assert!(last_line(&app).starts_with("220 localhost ESMTP"));
    assert!(app.session.greeted());

    press(&mut app, KeyCode::Char('l'));
    press(&mut app, KeyCode::Right);
    assert_eq!(position(&app), 4);
    assert!(keywords(&app).iter().any(|k| k == "STARTTLS"));
    assert_eq!(
        app.cert().caps_before.as_ref().map(|c| c.extensions.len()),
        Some(10)
    );
    assert!(
        app.latest_reply_explained()
            .is_some_and(|e| e.starts_with("250"))
    );

    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::Right);
    assert_eq!(app.session.state(), State::TlsHandshake);
    assert!(
        app.cert().tls.is_none(),
        "no certificate before the TLS event"
    );

    press(&mut app, KeyCode::Right);
    assert_eq!(position(&app), 7);
    assert_eq!(app.tls, Some(("TLSv1.3".to_string(), true)));
    let (info, _) = app
        .cert()
        .tls
        .as_ref()
        .expect("the certificate after the TLS event");
    assert_eq!(info.cipher_suite, "TLS13_AES_256_GCM_SHA384");
    assert!(app.session.tls_active());
    assert!(
        keywords(&app).is_empty(),
        "capabilities are forgotten after TLS"
    );

    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::Right);
    assert!(keywords(&app).iter().any(|k| k.starts_with("AUTH PLAIN")));
    assert!(!keywords(&app).iter().any(|k| k == "STARTTLS"));
    assert!(app.cert().caps_after.is_some());

    press(&mut app, KeyCode::Right);
    assert_eq!(app.session.state(), State::ExpectAuthChallenge);
    assert!(last_line(&app).contains("AUTH PLAIN <redacted"));
    press(&mut app, KeyCode::Right);
    assert!(app.session.authenticated());
    assert_eq!(app.state_name(), "authenticated");

    for _ in 0..6 {
        press(&mut app, KeyCode::Right);
    }
    assert_eq!(position(&app), 17);
    assert!(app.session.in_message_mode());
    press(&mut app, KeyCode::Right);
    assert_eq!(app.session.state(), State::ExpectDataReply);
}

#[test]
fn stepping_back_shows_exactly_what_stepping_forward_showed() {
    for name in [SANDBOX, REJECTED] {
        let mut app = open(name);
        let mut forward = vec![view(&app)];
        while position(&app) < len(&app) {
            press(&mut app, KeyCode::Right);
            forward.push(view(&app));
        }
        for step in (0..len(&app)).rev() {
            press(&mut app, KeyCode::Left);
            assert_eq!(position(&app), step);
            assert_eq!(view(&app), forward[step], "{name} at step {step}");
        }
        press(&mut app, KeyCode::Left);
        assert_eq!(position(&app), 0, "stepping back stops at the start");
    }
}

#[test]
fn home_and_end_jump_to_before_the_first_event_and_to_the_close() {
    let mut app = open(SANDBOX);
    press(&mut app, KeyCode::End);
    assert_eq!(position(&app), 22);
    assert_eq!(last_line(&app), "connection closed");
    assert!(!app.connected());
    assert_eq!(app.state_name(), "closed");
    assert!(message(&app).contains("end of the recording"));
    assert!(
        app.cert().tls.is_some(),
        "the certificate view keeps the session's handshake"
    );
    press(&mut app, KeyCode::Right);
    assert_eq!(position(&app), 22, "nothing after the end");
    press(&mut app, KeyCode::Home);
    assert_eq!(position(&app), 0);
    assert!(app.entries.is_empty());
    assert!(app.cert().tls.is_none());
    press(&mut app, KeyCode::Char('G'));
    assert_eq!(position(&app), 22);
    press(&mut app, KeyCode::Char('g'));
    assert_eq!(position(&app), 0);
}

#[test]
fn brackets_jump_to_the_next_and_previous_4xx_5xx_reply() {
    let mut app = open(REJECTED);
    press(&mut app, KeyCode::Char(']'));
    assert!(last_line(&app).starts_with("550 5.1.1 <someone@blocked.test>"));
    let at_error = position(&app);
    assert!(
        app.latest_reply_explained()
            .is_some_and(|e| e.starts_with("550 5.1.1"))
    );
    press(&mut app, KeyCode::Char(']'));
    assert_eq!(position(&app), at_error, "no later error");
    assert!(message(&app).contains("no 4xx/5xx reply after"));
    press(&mut app, KeyCode::End);
    press(&mut app, KeyCode::Char('['));
    assert_eq!(position(&app), at_error);
    press(&mut app, KeyCode::Char('['));
    assert_eq!(position(&app), at_error);
    assert!(message(&app).contains("no 4xx/5xx reply before"));

    let mut clean = open(SANDBOX);
    press(&mut clean, KeyCode::Char(']'));
    assert_eq!(position(&clean), 0);
}

#[test]
fn search_jumps_to_the_next_event_showing_the_text_and_n_repeats_it() {
    let mut app = open(SANDBOX);
    press(&mut app, KeyCode::Char('/'));
    assert!(app.replay.as_ref().is_some_and(|r| r.search.is_some()));
    for c in "ehlo".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    // Keys that step in replay mode are text while the search line is open.
    assert_eq!(position(&app), 0);
    press(&mut app, KeyCode::Enter);
    assert_eq!(position(&app), 3);
    assert_eq!(last_line(&app), "EHLO client.example");
    press(&mut app, KeyCode::Char('n'));
    assert_eq!(position(&app), 8);
    assert!(app.session.tls_active());
    press(&mut app, KeyCode::Char('n'));
    assert_eq!(position(&app), 8);
    assert!(message(&app).contains("\"ehlo\" is not found after"));
    press(&mut app, KeyCode::Char('N'));
    assert_eq!(position(&app), 3);

    press(&mut app, KeyCode::Char('/'));
    press(&mut app, KeyCode::Char('x'));
    press(&mut app, KeyCode::Esc);
    assert!(app.replay.as_ref().is_some_and(|r| r.search.is_none()));
    assert_eq!(
        position(&app),
        3,
        "Esc closes the search line without searching"
    );

    // Pasted text goes into the search line (a line break becomes a space), and is
    // ignored when no search line is open.
    app.update(Action::Paste("EHLO\r\n".into()));
    assert_eq!(position(&app), 3);
    press(&mut app, KeyCode::Home);
    press(&mut app, KeyCode::Char('/'));
    app.update(Action::Paste("ehlo client\n".into()));
    let typed = app
        .replay
        .as_ref()
        .and_then(|r| r.search.as_ref())
        .map(|s| s.value().to_owned());
    assert_eq!(typed.as_deref(), Some("ehlo client "));
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Enter);
    assert_eq!(position(&app), 3);
}

#[test]
fn play_applies_the_events_due_on_the_clock_and_speed_scales_it() {
    let mut app = open(SANDBOX);
    app.update(Action::ReplayTick(Duration::ZERO));
    assert_eq!(
        app.replay_next_due(),
        None,
        "paused: nothing to wake up for"
    );
    press(&mut app, KeyCode::Char(' '));
    // Events at 0.302, 0.794, 0.976, 1.307 ms.
    assert_eq!(app.replay_next_due(), Some(Duration::from_micros(302)));
    app.update(Action::ReplayTick(Duration::from_micros(1000)));
    assert_eq!(position(&app), 3);
    press(&mut app, KeyCode::Char('+'));
    assert_eq!(app.replay.as_ref().map(|r| r.speed()), Some(2));
    // Twice as fast from 1.0 ms: the event at 1.307 ms is due at 1.0 + 0.307 / 2.
    assert_eq!(app.replay_next_due(), Some(Duration::from_nanos(1_153_500)));
    app.update(Action::ReplayTick(Duration::from_micros(2000)));
    // Played until 3.0 ms of the session: also 1.611 and 1.787 ms.
    assert_eq!(position(&app), 6);
    press(&mut app, KeyCode::Char(' '));
    app.update(Action::ReplayTick(Duration::from_secs(60)));
    assert_eq!(position(&app), 6, "paused: the clock moves nothing");
    assert_eq!(app.replay_next_due(), None);
    press(&mut app, KeyCode::Char(' '));
    app.update(Action::ReplayTick(Duration::from_secs(120)));
    assert_eq!(position(&app), 22);
    assert!(app.replay.as_ref().is_some_and(|r| r.playing.is_none()));
    assert!(message(&app).contains("end of the recording"));

    for _ in 0..10 {
        press(&mut app, KeyCode::Char('+'));
    }
    assert_eq!(app.replay.as_ref().map(|r| r.speed()), Some(64));
    for _ in 0..10 {
        press(&mut app, KeyCode::Char('-'));
    }
    assert_eq!(app.replay.as_ref().map(|r| r.speed()), Some(1));
    // Space at the end plays from the start.
    press(&mut app, KeyCode::Char(' '));
    assert_eq!(position(&app), 0);
}

#[test]
fn overlays_show_the_step_and_q_quits() {
    let mut app = open(SANDBOX);
    press(&mut app, KeyCode::F(2));
    assert_eq!(
        app.overlay_kind(),
        None,
        "no certificate before the handshake"
    );
    app.replay_seek(7);
    press(&mut app, KeyCode::F(2));
    assert_eq!(app.overlay_kind(), Some(OverlayKind::Certificate));
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::End);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.overlay_kind(), Some(OverlayKind::Pick));
    assert_eq!(app.picked_entry(), Some(app.entries.len() - 1));
    press(&mut app, KeyCode::Up);
    press(&mut app, KeyCode::Up);
    assert_eq!(
        position(&app),
        22,
        "arrows move the pick cursor, not the step"
    );
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::F(1));
    assert_eq!(app.overlay_kind(), Some(OverlayKind::Help));
    press(&mut app, KeyCode::Esc);
    // The live explorer's keys say why they do nothing here, and so does `s` in F2.
    press(&mut app, KeyCode::F(4));
    assert!(
        message(&app).contains("a replay sends nothing"),
        "{}",
        message(&app)
    );
    press(&mut app, KeyCode::F(5));
    assert!(message(&app).contains("F5 (compose)"), "{}", message(&app));
    press(&mut app, KeyCode::Char('x'));
    assert!(message(&app).contains("F1 lists them"), "{}", message(&app));
    press(&mut app, KeyCode::F(2));
    press(&mut app, KeyCode::Char('s'));
    assert!(
        app.notice()
            .is_some_and(|n| n.contains("a replay writes no files")),
        "{:?}",
        app.notice()
    );
    press(&mut app, KeyCode::Esc);
    assert!(press(&mut app, KeyCode::Char('q')).contains(&Effect::Quit));
    let ctrl_c = app.update(Action::Key(KeyEvent::new(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
    )));
    assert!(ctrl_c.contains(&Effect::Quit));
}

#[test]
fn f6_shows_the_timeline_as_of_the_current_step() {
    use smtpx::app::timeline::StepKind;
    let mut app = open(SANDBOX);
    press(&mut app, KeyCode::End);
    press(&mut app, KeyCode::F(6));
    assert_eq!(app.overlay_kind(), Some(OverlayKind::Timeline));
    let kinds: Vec<StepKind> = app.timeline().steps.iter().map(|s| s.kind).collect();
    for kind in [
        StepKind::Connect,
        StepKind::Greeting,
        StepKind::Tls,
        StepKind::Auth,
        StepKind::Message,
    ] {
        assert!(kinds.contains(&kind), "{kind:?} missing from {kinds:?}");
    }
    let at_end = app.timeline().steps.len();
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.overlay_kind(), None);
    // Back at the start only the connection has happened.
    press(&mut app, KeyCode::Home);
    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::F(6));
    assert!(app.timeline().steps.len() < at_end);
    assert!(
        app.timeline()
            .steps
            .iter()
            .all(|s| s.kind == StepKind::Connect),
        "{:?}",
        app.timeline().steps
    );
}

fn screen(app: &mut App, width: u16, height: u16) -> String {
    let terminal = render(app, width, height);
    format!("{}", terminal.backend())
}

fn render(app: &mut App, width: u16, height: u16) -> Terminal<TestBackend> {
    let areas = smtpx::ui::areas(Rect::new(0, 0, width, height), app);
    app.update(Action::Viewport(
        areas.transcript.width,
        areas.transcript.height,
    ));
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
    terminal
        .draw(|frame| smtpx::ui::draw(frame, app))
        .expect("draw");
    terminal
}

fn check(name: &str, app: &mut App) {
    for (w, h) in [(80, 24), (120, 40)] {
        let terminal = render(app, w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), terminal.backend());
    }
}

#[test]
fn replay_screens_at_a_few_steps() {
    let mut app = open(SANDBOX);
    check("replay_start", &mut app);
    for _ in 0..5 {
        press(&mut app, KeyCode::Right);
    }
    check("replay_step_5_starttls_sent", &mut app);
    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::Right);
    check("replay_step_9_after_tls_ehlo", &mut app);
    press(&mut app, KeyCode::F(2));
    check("replay_step_9_certificate", &mut app);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Char('+'));
    check("replay_playing_x2", &mut app);

    let mut rejected = open(REJECTED);
    press(&mut rejected, KeyCode::Char(']'));
    check("replay_at_the_550", &mut rejected);
    press(&mut rejected, KeyCode::F(1));
    check("replay_help", &mut rejected);
}
