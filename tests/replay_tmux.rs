//! `smtpx replay FILE` in a real terminal: tmux (on a private socket) runs it on a shipped
//! recording; the test steps, jumps to the error, searches, plays, opens the certificate
//! view and quits, reading the screen with `capture-pane` polled under a timeout, and
//! checks the terminal was restored. Also: without a terminal, `replay` prints the text
//! export, as `--text` does.
//!
//! Needs tmux; CI installs it, so there a missing tmux fails the test instead of skipping.

mod support;

use std::path::Path;
use std::process::Command;

use support::tmux::{Tmux, explorer_command, tmux_available};

fn recording(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("recordings")
        .join(name)
        .display()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_steps_jumps_searches_plays_and_quits_in_a_real_terminal() {
    if !tmux_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let tmux = Tmux::new("replay");
    let args = format!("replay {}", recording("sandbox-rcpt-rejected-5xx.jsonl"));
    let command = explorer_command(&dir.path().join("pid"), "", &args);
    tmux.start("replay", 100, 30, &command);
    let t = "replay";

    tmux.wait_for(t, &["event 0/18", "paused x1", "replay: sandbox-rcpt"])
        .await;
    tmux.keys(t, &["Right", "Right", "l"]);
    tmux.wait_for(
        t,
        &["event 3/18", "S< 220 localhost", "C> EHLO client.example"],
    )
    .await;
    tmux.keys(t, &["Left"]);
    let screen = tmux.wait_for(t, &["event 2/18"]).await;
    assert!(!screen.contains("C> EHLO"), "{screen}");

    // The next 4xx/5xx reply, explained on the line under the transcript.
    tmux.keys(t, &["]"]);
    tmux.wait_for(
        t,
        &[
            "event 14/18",
            "S~ 550 5.1.1",
            "550 5.1.1  Bad destination mailbox",
        ],
    )
    .await;

    // Search back to the start, then forward.
    tmux.keys(t, &["Home"]);
    tmux.wait_for(t, &["event 0/18"]).await;
    tmux.keys(t, &["/"]);
    tmux.wait_for(t, &["search:"]).await;
    tmux.keys(t, &["-l", "STARTTLS"]);
    tmux.keys(t, &["Enter"]);
    // The EHLO reply offers STARTTLS: the first event showing the text.
    tmux.wait_for(t, &["event 4/18", "250-STARTTLS", "/STARTTLS"])
        .await;
    tmux.keys(t, &["n"]);
    tmux.wait_for(t, &["event 5/18", "C> STARTTLS"]).await;

    tmux.keys(t, &["End"]);
    tmux.wait_for(t, &["event 18/18", "end of the recording"])
        .await;
    tmux.keys(t, &["F2"]);
    tmux.wait_for(t, &["Certificate", "Chain as sent"]).await;
    tmux.keys(t, &["Escape"]);
    tmux.wait_until("the certificate view to close", || {
        !tmux.screen(t).contains("Chain as sent")
    })
    .await;

    // Play from the start at x64: it runs to the end by itself.
    tmux.keys(t, &["Home", "+", "+", "+", "+", "+", "Space"]);
    tmux.wait_for(t, &["event 18/18", "x64", "end of the recording"])
        .await;

    tmux.keys(t, &["q"]);
    let screen = tmux.wait_for(t, &["EXITED 0", "TTY-COOKED"]).await;
    assert_eq!(tmux.display(t, "#{alternate_on}"), "0", "{screen}");
}

#[test]
fn without_a_terminal_replay_prints_the_text_export() {
    let file = recording("sandbox-rcpt-rejected-5xx.jsonl");
    let state = concat!(env!("CARGO_TARGET_TMPDIR"), "/xdg-state");
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_smtpx"))
            .env("XDG_STATE_HOME", state)
            .arg("replay")
            .args(extra)
            .arg(&file)
            .output()
            .expect("run smtpx replay")
    };
    let piped = run(&[]);
    assert!(piped.status.success());
    let text = String::from_utf8_lossy(&piped.stdout);
    assert!(text.contains("550 5.1.1"), "{text}");
    let forced = run(&["--text"]);
    assert_eq!(forced.stdout, piped.stdout);
}
