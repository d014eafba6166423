//! Tests of the background checkpoints and seeks (`warm.rs`): the checkpoints warm-up
//! makes are the ones stepping makes, whichever order they are made in; each call does
//! bounded work; a far jump waits as a seek and lands where stepping lands; a cut file
//! warms up to its last whole event. Counting parses, never timing.

use std::path::PathBuf;

use super::warm::SEEK_BEYOND;
use crate::app::replay::{CHECKPOINT_EVERY, WINDOW_STEP};
use crate::app::{Action, App};
use crate::transcript::index::Indexed;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

const SAMPLE: &[u8] = include_bytes!("../../../recordings/sandbox-starttls-auth-message.jsonl");

/// The shipped session (connect, STARTTLS, AUTH, a message, close) repeated until there
/// are at least `events` events, with one defective line early on: reconnects, TLS
/// handshakes and capabilities change the state across many checkpoints.
fn transcript(events: usize) -> Vec<u8> {
    let text = String::from_utf8_lossy(SAMPLE);
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    let session: Vec<&str> = lines.filter(|l| !l.trim().is_empty()).collect();
    let mut out = format!("{header}\n");
    let mut count = 0;
    while count < events {
        for line in &session {
            if count == events {
                break;
            }
            if count == 100 {
                out.push_str("{\"at\":1.0,\"kind\":7}\n");
            } else {
                out.push_str(line);
                out.push('\n');
            }
            count += 1;
        }
    }
    out.into_bytes()
}

fn open(bytes: Vec<u8>) -> App {
    let source = Indexed::from_bytes(bytes).expect("the test transcript indexes");
    let mut app = App::replay(source, PathBuf::from("test.jsonl"));
    app.update(Action::Viewport(80, 20));
    app
}

fn press(app: &mut App, code: KeyCode) {
    app.update(Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn parses(app: &App) -> u64 {
    app.replay.as_ref().map_or(0, |r| r.source.parses())
}

fn position(app: &App) -> usize {
    app.replay.as_ref().map_or(usize::MAX, |r| r.position)
}

fn checkpoints(app: &App) -> Vec<String> {
    app.replay.as_ref().map_or_else(Vec::new, |r| {
        r.checkpoints.iter().map(|c| format!("{c:?}")).collect()
    })
}

/// What the views show of the state (not the entries).
fn state(app: &App) -> String {
    format!(
        "{:?} {} {:?} {:?} {:?}",
        app.session, app.connected, app.tls, app.connected_for, app.cert
    )
}

/// Calls warm-up with `budget` until it is done; the number of calls.
fn warm_fully(app: &mut App, budget: usize) -> usize {
    let mut calls = 0;
    while app.replay_warming() {
        let before = parses(app);
        app.replay_warm_up(budget);
        let done = parses(app) - before;
        assert!(done as usize <= budget, "one call parsed {done} > {budget}");
        calls += 1;
        assert!(calls < 100_000, "warm-up does not end");
    }
    calls
}

/// Stepped forward over every event: the checkpoints stepping makes.
fn stepped(bytes: Vec<u8>) -> App {
    let mut app = open(bytes);
    while app.step_forward() {}
    app
}

#[test]
fn warm_up_makes_the_checkpoints_stepping_makes_in_bounded_slices() {
    let bytes = transcript(3 * CHECKPOINT_EVERY + 300);
    let mut warmed = open(bytes.clone());
    let len = warmed.replay.as_ref().map_or(0, |r| r.len());
    let calls = warm_fully(&mut warmed, 300);
    // Folded: the events up to the last checkpoint; each call but the last a full budget.
    let folded = len / CHECKPOINT_EVERY * CHECKPOINT_EVERY;
    assert_eq!(calls, folded.div_ceil(300));
    assert_eq!(position(&warmed), 0, "warm-up does not move the replay");
    assert!(warmed.entries.is_empty(), "nor give entries to events");
    let reference = stepped(bytes);
    assert_eq!(checkpoints(&warmed).len(), len / CHECKPOINT_EVERY + 1);
    assert_eq!(checkpoints(&warmed), checkpoints(&reference));
    // Warmed, nothing is left to do and a further call parses nothing.
    let before = parses(&warmed);
    warmed.replay_warm_up(1000);
    assert_eq!(parses(&warmed), before);
}

#[test]
fn warm_up_mixed_with_stepping_and_jumps_makes_the_same_checkpoints() {
    let bytes = transcript(6 * CHECKPOINT_EVERY + 17);
    let mut app = open(bytes.clone());
    app.replay_warm_up(CHECKPOINT_EVERY + 188);
    // Stepping past the cursor makes checkpoints of its own; the cursor starts again.
    for _ in 0..(2 * CHECKPOINT_EVERY + 5) {
        press(&mut app, KeyCode::Right);
    }
    app.replay_warm_up(CHECKPOINT_EVERY / 2);
    app.replay_seek(3 * CHECKPOINT_EVERY + 100);
    app.replay_warm_up(7);
    warm_fully(&mut app, 1000);
    assert_eq!(checkpoints(&app), checkpoints(&stepped(bytes.clone())));
    // And the state at a few places is what stepping there shows.
    for target in [
        CHECKPOINT_EVERY - 1,
        2 * CHECKPOINT_EVERY,
        5 * CHECKPOINT_EVERY + 3,
    ] {
        let mut walked = open(bytes.clone());
        for _ in 0..target {
            walked.step_forward();
        }
        app.replay_seek(target);
        assert_eq!(state(&app), state(&walked), "at event {target}");
    }
}

#[test]
fn end_after_warm_up_folds_less_than_one_checkpoint_interval() {
    // The last event is as far from a checkpoint as it can be.
    let bytes = transcript(4 * CHECKPOINT_EVERY + CHECKPOINT_EVERY - 1);
    let mut app = open(bytes);
    warm_fully(&mut app, CHECKPOINT_EVERY);
    let before = parses(&app);
    press(&mut app, KeyCode::End);
    let len = app.replay.as_ref().map_or(0, |r| r.len());
    assert_eq!(position(&app), len);
    // The state: at most CHECKPOINT_EVERY - 1 events; the entries: one window's worth.
    let parsed = (parses(&app) - before) as usize;
    assert!(
        parsed < CHECKPOINT_EVERY + WINDOW_STEP,
        "End parsed {parsed} events"
    );
}

#[test]
fn a_far_jump_waits_as_a_seek_and_lands_where_stepping_lands() {
    let bytes = transcript(SEEK_BEYOND + 3 * CHECKPOINT_EVERY + 41);
    let mut app = open(bytes.clone());
    let len = app.replay.as_ref().map_or(0, |r| r.len());
    press(&mut app, KeyCode::End);
    assert!(app.replay_seeking());
    assert_eq!(position(&app), 0, "a seek does not move before it lands");
    let said = app.replay.as_ref().and_then(|r| r.message.clone());
    assert!(
        said.as_deref()
            .is_some_and(|m| m.starts_with("seeking to event")),
        "{said:?}"
    );
    let mut slices = 0;
    while app.replay_seeking() {
        app.replay_warm_up(4 * CHECKPOINT_EVERY);
        slices += 1;
        assert!(slices <= len / (4 * CHECKPOINT_EVERY) + 1, "the seek ends");
    }
    assert_eq!(position(&app), len);
    // (The made-up file stops mid-session, so the notice goes on to say it is incomplete.)
    let said = app.replay.as_ref().and_then(|r| r.message.clone());
    assert!(
        said.as_deref()
            .is_some_and(|m| m.starts_with("end of the recording")),
        "{said:?}"
    );
    let reference = stepped(bytes);
    assert_eq!(state(&app), state(&reference));
    assert_eq!(
        app.entries.last().map(|e| e.lines.clone()),
        reference.entries.last().map(|e| e.lines.clone())
    );
}

#[test]
fn any_key_stops_a_seek_and_does_what_it_does() {
    let mut app = open(transcript(SEEK_BEYOND + 2 * CHECKPOINT_EVERY));
    press(&mut app, KeyCode::End);
    app.replay_warm_up(CHECKPOINT_EVERY);
    press(&mut app, KeyCode::Right);
    assert!(!app.replay_seeking());
    assert_eq!(position(&app), 1);
    // The checkpoints made meanwhile are kept; warming goes on from them.
    assert_eq!(checkpoints(&app).len(), 2);
    assert!(app.replay_warming());
}

#[test]
fn a_cut_file_warms_up_to_its_last_whole_event() {
    let mut bytes = transcript(2 * CHECKPOINT_EVERY + 30);
    bytes.truncate(bytes.len() - 20);
    let mut app = open(bytes.clone());
    let len = app.replay.as_ref().map_or(0, |r| r.len());
    assert!(app.replay.as_ref().is_some_and(|r| r.source.cut));
    warm_fully(&mut app, 100);
    assert_eq!(checkpoints(&app).len(), len / CHECKPOINT_EVERY + 1);
    assert_eq!(checkpoints(&app), checkpoints(&stepped(bytes)));
    press(&mut app, KeyCode::End);
    assert_eq!(position(&app), len);
}

#[test]
fn a_file_cut_between_two_events_says_it_is_incomplete_at_the_start_and_the_end() {
    // The sample without its last line (`closed`): every line whole, the session unended.
    let body = &SAMPLE[..SAMPLE.len() - 1];
    let end = body.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let mut app = open(SAMPLE[..end].to_vec());
    let message = |app: &App| {
        app.replay
            .as_ref()
            .and_then(|r| r.message.clone())
            .unwrap_or_default()
    };
    assert!(app.replay.as_ref().is_some_and(|r| r.source.cut));
    assert!(message(&app).contains("incomplete"), "{}", message(&app));
    press(&mut app, KeyCode::End);
    let at_end = message(&app);
    assert!(
        at_end.starts_with("end of the recording") && at_end.contains("incomplete"),
        "{at_end}"
    );
}
