//! `smtpx replay`'s background warm-up driven by the real event loop, in a real terminal:
//! tmux (on a private socket) runs it on a transcript long enough that End right after
//! opening is a seek (`src/app/replay_warm.rs`); the seek lands at the end, Home and End go
//! back and forth, a key pressed while the checkpoints are still being made is answered,
//! and it quits with the terminal restored. Only the screen's contents are checked, polled
//! under a timeout — never how long anything took.
//!
//! Needs tmux; CI installs it, so there a missing tmux fails the test instead of skipping.

mod support;

use smtpx::testkit::generate;
use support::tmux::{Tmux, explorer_command, tmux_available};

/// More than `SEEK_BEYOND` (16,384) events past the first checkpoint.
const EVENTS: usize = 40_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn end_right_after_opening_a_long_transcript_lands_at_the_end_in_a_real_terminal() {
    if !tmux_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("long.jsonl");
    generate::write_transcript(&file, EVENTS);
    let tmux = Tmux::new("replay-warm");
    let args = format!("replay {}", file.display());
    let command = explorer_command(&dir.path().join("pid"), "", &args);
    tmux.start("warm", 100, 30, &command);
    let t = "warm";

    tmux.wait_for(t, &["event 0/40000", "paused x1"]).await;
    // Pressed as soon as the first frame is up, before the warm-up has gone far: a seek
    // that the loop's slices of warm-up finish (or, on a fast machine, a jump).
    tmux.keys(t, &["End"]);
    tmux.wait_for(t, &["event 40000/40000", "end of the recording"])
        .await;
    tmux.keys(t, &["Home"]);
    tmux.wait_for(t, &["event 0/40000"]).await;
    tmux.keys(t, &["Right", "Right"]);
    tmux.wait_for(t, &["event 2/40000"]).await;
    tmux.keys(t, &["End"]);
    tmux.wait_for(t, &["event 40000/40000", "end of the recording"])
        .await;

    tmux.keys(t, &["q"]);
    let screen = tmux.wait_for(t, &["EXITED 0", "TTY-COOKED"]).await;
    assert_eq!(tmux.display(t, "#{alternate_on}"), "0", "{screen}");
}
