//! `smtpx replay` on a 1,000,000-event transcript: opening it and
//! drawing the first frame, stepping forward and back, jumping to the end and to the next
//! 4xx/5xx reply, scrolling, and the background warm-up that makes far jumps cheap — each
//! with a draw on ratatui's `TestBackend` at 80x24 and 200x60, so the figures are "key to
//! frame drawn".
//!
//! The transcript is generated once per run into a temp dir through the real recorder
//! (`smtpx::testkit::generate`). `SMTPX_REPLAY_GENERATE=PATH cargo bench --bench replay`
//! only writes the file (used by `benches/replay_open.sh`).
//!
//! ```sh
//! cargo bench --bench replay
//! ```

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use smtpx::app::{Action, App};
use smtpx::testkit::generate;
use smtpx::transcript::index::Indexed;

const EVENTS: usize = 1_000_000;

fn main() {
    if let Some(path) = std::env::var_os("SMTPX_REPLAY_GENERATE") {
        generate::write_transcript(Path::new(&path), EVENTS);
        return;
    }
    divan::main();
}

/// The generated transcript (written on first use, removed with the temp dir at exit —
/// the dir is leaked into a static so it lives for the whole run).
fn transcript() -> &'static Path {
    static FILE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = FILE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("million.jsonl");
        generate::write_transcript(&path, EVENTS);
        (dir, path)
    });
    path
}

fn size(width: u16) -> (u16, u16) {
    if width >= 200 { (200, 60) } else { (80, 24) }
}

fn terminal(width: u16) -> Terminal<TestBackend> {
    let (w, h) = size(width);
    Terminal::new(TestBackend::new(w, h)).expect("test terminal")
}

fn draw(terminal: &mut Terminal<TestBackend>, app: &mut App) {
    let area = terminal.get_frame().area();
    let areas = smtpx::ui::areas(area, app);
    let viewport = (areas.transcript.width, areas.transcript.height);
    if app.viewport() != viewport {
        app.update(Action::Viewport(viewport.0, viewport.1));
    }
    terminal
        .draw(|frame| smtpx::ui::draw(frame, app))
        .expect("draw");
}

fn key(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn open(path: &Path) -> App {
    App::replay(Indexed::open(path).expect("opens"), path.to_path_buf())
}

/// Opening the file and drawing the first frame (what the person waits for).
#[divan::bench(consts = [80, 200], sample_count = 5, sample_size = 1)]
fn open_and_first_frame<const W: u16>(bencher: divan::Bencher) {
    let path = transcript();
    bencher.bench_local(|| {
        let mut app = open(path);
        let mut terminal = terminal(W);
        draw(&mut terminal, &mut app);
        app
    });
}

thread_local! {
    /// One opened replay per width, positioned in the middle of the file.
    static APPS: RefCell<Vec<(u16, App, Terminal<TestBackend>)>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` on the shared replay for width `W` (opened and moved to the middle once).
fn with_app<const W: u16>(f: impl FnOnce(&mut App, &mut Terminal<TestBackend>)) {
    APPS.with(|apps| {
        let mut apps = apps.borrow_mut();
        if !apps.iter().any(|(w, _, _)| *w == W) {
            let mut app = open(transcript());
            let mut terminal = terminal(W);
            draw(&mut terminal, &mut app);
            // The middle, reached once (makes the checkpoints on the way).
            app.replay_seek(EVENTS / 2);
            draw(&mut terminal, &mut app);
            apps.push((W, app, terminal));
        }
        if let Some((_, app, terminal)) = apps.iter_mut().find(|(w, _, _)| *w == W) {
            f(app, terminal);
        }
    });
}

/// → then draw, and ← then draw (the back step rebuilds the state from a checkpoint).
#[divan::bench(consts = [80, 200])]
fn step_forward_and_back<const W: u16>(bencher: divan::Bencher) {
    with_app::<W>(|_, _| {});
    bencher.bench_local(|| {
        with_app::<W>(|app, terminal| {
            app.update(key(KeyCode::Right));
            draw(terminal, app);
            app.update(key(KeyCode::Left));
            draw(terminal, app);
        })
    });
}

/// ← then draw, → then draw: a step back at the worst distance from its checkpoint.
#[divan::bench(consts = [80, 200])]
fn step_back_far_from_checkpoint<const W: u16>(bencher: divan::Bencher) {
    with_app::<W>(|app, _| {
        // Just before a checkpoint: the rebuild replays CHECKPOINT_EVERY - 1 events.
        let every = smtpx::app::replay::CHECKPOINT_EVERY;
        let position = app.replay.as_ref().map_or(0, |r| r.position);
        let target = (position / every + 1) * every - 1;
        while app.replay.as_ref().is_some_and(|r| r.position < target + 1) {
            app.update(key(KeyCode::Right));
        }
    });
    bencher.bench_local(|| {
        with_app::<W>(|app, terminal| {
            app.update(key(KeyCode::Left));
            draw(terminal, app);
            app.update(key(KeyCode::Right));
            draw(terminal, app);
        })
    });
}

/// PgUp then draw, PgDn then draw (scrolling back extends the window of entries).
#[divan::bench(consts = [80, 200])]
fn scroll_page_up_and_down<const W: u16>(bencher: divan::Bencher) {
    with_app::<W>(|_, _| {});
    bencher.bench_local(|| {
        with_app::<W>(|app, terminal| {
            app.update(key(KeyCode::PageUp));
            draw(terminal, app);
            app.update(key(KeyCode::PageDown));
            draw(terminal, app);
        })
    });
}

/// `]` then draw: the next 4xx/5xx reply (every 40th transaction has one), then back.
#[divan::bench(consts = [80, 200])]
fn next_error_and_back<const W: u16>(bencher: divan::Bencher) {
    with_app::<W>(|_, _| {});
    bencher.bench_local(|| {
        with_app::<W>(|app, terminal| {
            app.update(key(KeyCode::Char(']')));
            draw(terminal, app);
            app.update(key(KeyCode::Char('[')));
            draw(terminal, app);
        })
    });
}

/// End from the start on a freshly opened file, as the loop does it when the person does
/// not wait for the background warm-up: End starts a seek, then slices of warm-up
/// (`SEEK_SLICE` events) each followed by a frame showing the progress, until it lands
/// (the cold case: every event is parsed once and the checkpoints are made).
#[divan::bench(sample_count = 3, sample_size = 1)]
fn end_from_a_fresh_open(bencher: divan::Bencher) {
    let path = transcript();
    bencher
        .with_inputs(|| (open(path), terminal(80)))
        .bench_local_values(|(mut app, mut terminal)| {
            app.update(key(KeyCode::End));
            draw(&mut terminal, &mut app);
            while app.replay_seeking() {
                app.update(Action::ReplayWarmUp(smtpx::tui::replay::SEEK_SLICE));
                draw(&mut terminal, &mut app);
            }
            app
        });
}

/// The same jump made at once on a freshly opened file (`replay_seek`, what End did before
/// seeks: every event folded before the next frame, the screen frozen meanwhile).
#[divan::bench(sample_count = 3, sample_size = 1)]
fn end_at_once_from_a_fresh_open(bencher: divan::Bencher) {
    let path = transcript();
    bencher
        .with_inputs(|| (open(path), terminal(80)))
        .bench_local_values(|(mut app, mut terminal)| {
            app.replay_seek(EVENTS);
            draw(&mut terminal, &mut app);
            app
        });
}

/// The whole background warm-up of a freshly opened file, in the loop's slices
/// (`WARM_SLICE` events each, no frames: nothing on the screen changes).
#[divan::bench(sample_count = 3, sample_size = 1)]
fn warm_up_a_fresh_open(bencher: divan::Bencher) {
    let path = transcript();
    bencher
        .with_inputs(|| open(path))
        .bench_local_values(|mut app| {
            while app.replay_warming() {
                app.update(Action::ReplayWarmUp(smtpx::tui::replay::WARM_SLICE));
            }
            app
        });
}

/// One slice of background warm-up (what a key may have to wait for while warming).
#[divan::bench(sample_count = 50)]
fn one_warm_up_slice(bencher: divan::Bencher) {
    let mut app = open(transcript());
    bencher.bench_local(|| {
        if app.replay_warming() {
            app.update(Action::ReplayWarmUp(smtpx::tui::replay::WARM_SLICE));
        }
    });
}

/// End then draw, back to the middle then draw (two jumps, two frames), once the
/// background warm-up has made every checkpoint: each jump folds at most
/// `CHECKPOINT_EVERY - 1` events from a checkpoint. (It leaves the shared replay where the
/// other benchmarks expect it.)
#[divan::bench(consts = [80, 200])]
fn end_and_back_after_warm_up<const W: u16>(bencher: divan::Bencher) {
    with_app::<W>(|app, _| {
        while app.replay_warming() {
            app.update(Action::ReplayWarmUp(smtpx::tui::replay::WARM_SLICE));
        }
    });
    bencher.bench_local(|| {
        with_app::<W>(|app, terminal| {
            app.update(key(KeyCode::End));
            draw(terminal, app);
            app.replay_seek(EVENTS / 2);
            draw(terminal, app);
        })
    });
}
