//! Whole files in the replay explorer: every shipped recording steps to its end and back,
//! a cut file says so, and a long transcript keeps a bounded window of entries.

use std::path::PathBuf;
use std::time::Duration;

use ratatui::crossterm::event::KeyCode;

use crate::{SANDBOX, last_line, len, message, open_path, position, press, repo, screen, view};

#[test]
fn every_shipped_recording_steps_to_its_end_and_back_to_its_start() {
    let mut checked = 0;
    for file in std::fs::read_dir(repo("recordings")).expect("recordings/") {
        let path = file.expect("entry").path();
        if path.extension().is_none_or(|e| e != "jsonl") {
            continue;
        }
        let mut app = open_path(&path);
        while position(&app) < len(&app) {
            press(&mut app, KeyCode::Right);
        }
        let stepped = view(&app);
        assert!(
            !app.connected(),
            "{}: the session ends closed",
            path.display()
        );
        assert_eq!(app.state_name(), "closed", "{}", path.display());
        assert!(
            app.cert().tls.is_some(),
            "{}: every sample has TLS",
            path.display()
        );
        assert!(
            app.entries
                .iter()
                .all(|e| e.kind != smtpx::app::Kind::Error),
            "{}: every line reads",
            path.display()
        );
        press(&mut app, KeyCode::Home);
        press(&mut app, KeyCode::End);
        assert_eq!(
            view(&app),
            stepped,
            "{}: End shows what stepping showed",
            path.display()
        );
        while position(&app) > 0 {
            press(&mut app, KeyCode::Left);
        }
        assert!(app.entries.is_empty());
        assert!(!app.connected());
        checked += 1;
    }
    assert!(checked >= 4, "the four samples at least");
}

fn temp(name: &str) -> PathBuf {
    let dir = PathBuf::from(concat!(env!("CARGO_TARGET_TMPDIR"), "/replay-tui"));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

#[test]
fn a_cut_file_says_so_at_the_start_in_the_status_bar_and_at_the_end() {
    let bytes = std::fs::read(repo(SANDBOX)).expect("sample");
    let path = temp("cut.jsonl");
    std::fs::write(&path, &bytes[..bytes.len() - 30]).expect("write");
    let mut app = open_path(&path);
    assert_eq!(len(&app), 21);
    assert!(message(&app).contains("cut off"), "{}", message(&app));
    let screen = screen(&mut app, 120, 40);
    assert!(screen.contains("(cut off)"), "{screen}");
    press(&mut app, KeyCode::End);
    assert!(
        message(&app).contains("cut off in the middle"),
        "{}",
        message(&app)
    );
}

/// A transcript of `count` NOOP exchanges written by the real recorder.
fn long_transcript(count: usize) -> PathBuf {
    use smtpx::driver::{Layer, SessionEvent};
    use smtpx::transcript::{Header, Recorder, Transport};
    let path = temp(&format!("long-{count}.jsonl"));
    let header = Header::new("127.0.0.1", 2525, Transport::Plain, 1_795_842_811);
    let mut recorder = Recorder::create(&path, &header).expect("create");
    let reply = smtpx::proto::reply::Reply::parse_all(b"250 2.0.0 Ok\r\n")
        .expect("parses")
        .remove(0);
    for i in 0..count as u64 {
        let at = Duration::from_micros(i * 100);
        recorder.record(&if i % 2 == 0 {
            SessionEvent::Sent {
                at,
                layer: Layer::Plain,
                shown: format!("NOOP {i}").into(),
                bytes: format!("NOOP {i}\r\n").into_bytes(),
                secret: false,
                revealed: None,
            }
        } else {
            SessionEvent::Received {
                at,
                layer: Layer::Plain,
                reply: reply.clone(),
                latency: None,
            }
        });
    }
    path
}

#[test]
fn a_long_transcript_keeps_a_window_of_entries_and_scrolls_back_past_it() {
    let count = 12_000;
    let mut app = open_path(&long_transcript(count));
    press(&mut app, KeyCode::End);
    assert_eq!(position(&app), count);
    assert!(
        app.entries.len() <= 300,
        "a jump gives entries to a window only"
    );
    assert_eq!(last_line(&app), "250 2.0.0 Ok");
    // Scrolling back past the window's top brings earlier events in.
    for _ in 0..30 {
        press(&mut app, KeyCode::PageUp);
    }
    let first = app.replay.as_ref().map_or(0, |r| r.window_first);
    assert!(
        first < count - 256,
        "the window grew backwards (first event {first})"
    );
    let rows = smtpx::app::transcript::scroll::visible_rows(&app.entries, app.scroll, 80, 20);
    assert_eq!(rows.len(), 20);
    // Stepping forward from far back keeps the window bounded.
    press(&mut app, KeyCode::Home);
    for _ in 0..9_000 {
        press(&mut app, KeyCode::Right);
    }
    assert!(app.entries.len() <= smtpx::app::replay::WINDOW_MAX * 2);
    assert_eq!(last_line(&app), "250 2.0.0 Ok");
    // And stepping back across a trimmed window edge and a checkpoint still agrees.
    let mut fresh = open_path(&long_transcript(count));
    fresh.replay_seek(6_000);
    for _ in 0..3_000 {
        press(&mut app, KeyCode::Left);
    }
    assert_eq!(position(&app), 6_000);
    assert_eq!(app.session.state(), fresh.session.state());
    assert_eq!(last_line(&app), last_line(&fresh));
}
