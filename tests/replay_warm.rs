//! `smtpx replay`'s background warm-up and seeks, through the app's public actions with no
//! terminal: transcripts written by the real recorder (the benchmarks' generator: STARTTLS,
//! AUTH, then mail transactions with a 550 every 40th), warmed up in slices as the loop
//! does (`Action::ReplayWarmUp`), then compared with stepping there key by key — the frame
//! drawn on a `TestBackend` and the state behind it. Work is counted in parses
//! (`Indexed::parses`), never timed.

use std::path::{Path, PathBuf};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use smtpx::app::replay::{CHECKPOINT_EVERY, WINDOW_STEP};
use smtpx::app::{Action, App};
use smtpx::testkit::generate;
use smtpx::transcript::index::Indexed;

/// For the certificate's "days left": 2026-11-28.
const NOW: i64 = 1_795_842_811;
/// Far enough past the first checkpoint that End on a fresh open is a seek.
const LARGE: usize = 20_000;

/// A generated transcript of `events` events, in a file of the test's own (`name`): tests
/// run in parallel, and one writing a file another is reading made the reader see it cut.
fn transcript(name: &str, events: usize) -> PathBuf {
    let path =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("replay-warm-{name}-{events}.jsonl"));
    generate::write_transcript(&path, events);
    path
}

fn open(path: &Path) -> App {
    let mut app = App::replay(Indexed::open(path).expect("opens"), path.to_path_buf());
    app.fix_cert_clock(NOW);
    app
}

fn press(app: &mut App, code: KeyCode) {
    app.update(Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn position(app: &App) -> usize {
    app.replay.as_ref().map_or(usize::MAX, |r| r.position)
}

fn len(app: &App) -> usize {
    app.replay.as_ref().map_or(0, |r| r.len())
}

fn parses(app: &App) -> u64 {
    app.replay.as_ref().map_or(0, |r| r.source.parses())
}

fn message(app: &App) -> String {
    app.replay
        .as_ref()
        .and_then(|r| r.message.clone())
        .unwrap_or_default()
}

/// The frame at 100x30, as text.
fn frame(app: &mut App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).expect("test terminal");
    let areas = smtpx::ui::areas(terminal.get_frame().area(), app);
    app.update(Action::Viewport(
        areas.transcript.width,
        areas.transcript.height,
    ));
    terminal.draw(|f| smtpx::ui::draw(f, app)).expect("draws");
    let buffer = terminal.backend().buffer();
    let mut text = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            text.push_str(buffer[(x, y)].symbol());
        }
        text.push('\n');
    }
    text
}

/// The state behind the views (session, connection, TLS, certificate view).
fn state(app: &App) -> String {
    format!(
        "{:?} {} {:?} {:?} {:?}",
        app.session,
        app.connected(),
        app.tls,
        app.connected_for(),
        app.cert()
    )
}

/// Warm-up in slices of `slice` until done, checking that no call parses more than that.
fn warm_fully(app: &mut App, slice: usize) -> usize {
    let mut calls = 0;
    while app.replay_warming() {
        let before = parses(app);
        app.update(Action::ReplayWarmUp(slice));
        assert!(parses(app) - before <= slice as u64);
        calls += 1;
        assert!(
            calls <= len(app) / slice + 1,
            "warm-up ends in bounded slices"
        );
    }
    calls
}

#[test]
fn warmed_up_jumps_show_what_stepping_there_shows() {
    let path = transcript("stepping", 6_000);
    let mut warmed = open(&path);
    frame(&mut warmed);
    let calls = warm_fully(&mut warmed, 700);
    assert!(calls >= len(&warmed) / CHECKPOINT_EVERY * CHECKPOINT_EVERY / 700);
    assert_eq!(position(&warmed), 0, "warm-up does not move the replay");
    let mut stepped = open(&path);
    frame(&mut stepped);
    let end = len(&stepped);
    for target in [1, 511, 512, 2_000, 4_321, end - 1, end] {
        while position(&stepped) < target {
            press(&mut stepped, KeyCode::Right);
        }
        let before = parses(&warmed);
        warmed.replay_seek(target);
        assert!(
            parses(&warmed) - before < (CHECKPOINT_EVERY + WINDOW_STEP) as u64,
            "a jump once warmed folds from a near checkpoint"
        );
        for app in [&mut warmed, &mut stepped] {
            if let Some(replay) = app.replay.as_mut() {
                replay.message = None;
            }
        }
        assert_eq!(state(&warmed), state(&stepped), "state at event {target}");
        assert_eq!(frame(&mut warmed), frame(&mut stepped), "frame at {target}");
    }
}

#[test]
fn end_once_warmed_parses_less_than_a_checkpoint_interval_and_a_window() {
    let mut app = open(&transcript("end-warmed", LARGE));
    warm_fully(&mut app, CHECKPOINT_EVERY);
    let before = parses(&app);
    press(&mut app, KeyCode::End);
    assert_eq!(position(&app), len(&app));
    assert_eq!(message(&app), "end of the recording");
    let parsed = parses(&app) - before;
    assert!(
        parsed < (CHECKPOINT_EVERY + WINDOW_STEP) as u64,
        "End parsed {parsed} events"
    );
}

#[test]
fn end_on_a_fresh_large_file_seeks_showing_progress_and_lands_at_the_end() {
    let path = transcript("seek", LARGE);
    let mut app = open(&path);
    frame(&mut app);
    press(&mut app, KeyCode::End);
    assert!(app.replay_seeking());
    assert_eq!(position(&app), 0);
    assert!(frame(&mut app).contains("seeking to event 20000 of 20000: 0% read"));
    app.update(Action::ReplayWarmUp(8 * CHECKPOINT_EVERY));
    assert!(frame(&mut app).contains("seeking to event 20000 of 20000: 20% read"));
    let mut slices = 1;
    while app.replay_seeking() {
        app.update(Action::ReplayWarmUp(8 * CHECKPOINT_EVERY));
        slices += 1;
        assert!(
            slices <= LARGE / (8 * CHECKPOINT_EVERY) + 1,
            "the seek lands"
        );
    }
    assert_eq!(position(&app), LARGE);
    assert_eq!(message(&app), "end of the recording");
    let mut stepped = open(&path);
    frame(&mut stepped);
    while position(&stepped) < LARGE {
        press(&mut stepped, KeyCode::Right);
    }
    press(&mut stepped, KeyCode::Right); // says "end of the recording" too
    assert_eq!(state(&app), state(&stepped));
    assert_eq!(frame(&mut app), frame(&mut stepped));
}

#[test]
fn a_cut_file_warms_up_to_its_last_whole_event_and_stops() {
    let path = transcript("cut", 3_000);
    let bytes = std::fs::read(&path).expect("reads");
    let cut = Path::new(env!("CARGO_TARGET_TMPDIR")).join("replay-warm-cut.jsonl");
    std::fs::write(&cut, &bytes[..bytes.len() - 30]).expect("writes");
    let mut app = open(&cut);
    assert!(app.replay.as_ref().is_some_and(|r| r.source.cut));
    assert_eq!(len(&app), 2_999, "the cut line is left out");
    warm_fully(&mut app, 300);
    let before = parses(&app);
    app.update(Action::ReplayWarmUp(300));
    assert_eq!(parses(&app), before, "nothing is left to do");
    press(&mut app, KeyCode::End);
    assert_eq!(position(&app), 2_999);
    assert!(message(&app).contains("cut off"), "{}", message(&app));
}
