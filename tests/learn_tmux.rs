//! `smtpx learn` in a real terminal (tmux, 80x24): the first lesson completed by typing, the
//! lesson box moving on only after the server's reply, the progress file written, the
//! terminal restored, and the list ticking the lesson afterwards.

mod support;

use support::tmux::{Tmux, explorer_command, tmux_available};

#[tokio::test]
async fn the_first_lesson_is_completed_by_typing() {
    if !tmux_available() {
        return;
    }
    let state = tempfile::tempdir().expect("tempdir");
    let tmux = Tmux::new("learn");
    let t = "learn";
    // The progress file sits under the tests' state directory: start without it.
    let progress = concat!(env!("CARGO_TARGET_TMPDIR"), "/xdg-state/smtpx/lessons");
    let _ = std::fs::remove_file(progress);
    let command = explorer_command(&state.path().join("pid"), "", "learn 1");
    tmux.start(t, 80, 24, &command);
    tmux.wait_for(t, &["lesson: Say hello", "step 1 of 2", "S< 220"])
        .await;
    tmux.type_line(t, "EHLO student.example");
    tmux.wait_for(t, &["step 2 of 2", "lesson step 1 of 2 done"])
        .await;
    tmux.type_line(t, "HELP");
    tmux.wait_for(t, &["sequence diagram", "── HELP", "214"])
        .await;
    tmux.keys(t, &["Escape"]);
    tmux.wait_for(t, &["finished", "Recap"]).await;
    tmux.keys(t, &["C-c"]);
    tmux.wait_for(t, &["EXITED 0", "TTY-COOKED"]).await;
    let done = std::fs::read_to_string(progress).expect("progress saved");
    assert!(done.lines().any(|l| l == "01-ehlo"), "{done}");
}

/// `smtpx learn` with no lesson on a terminal: the list; Enter starts the chosen lesson in
/// the explorer; when it ends the list comes back with the lesson ticked and the cursor on
/// the next one; q leaves with the terminal restored.
#[tokio::test]
async fn the_lesson_list_starts_a_lesson_and_comes_back_ticked() {
    if !tmux_available() {
        return;
    }
    let state = tempfile::tempdir().expect("tempdir");
    let env = format!("XDG_STATE_HOME={}", state.path().display());
    let tmux = Tmux::new("learnlist");
    let t = "learnlist";
    let command = explorer_command(&state.path().join("pid"), &env, "learn");
    tmux.start(t, 80, 24, &command);
    let list = tmux
        .wait_for(t, &["0 of 10 finished", "Enter start", "Goal"])
        .await;
    assert!(list.contains(">    1. Say hello"), "{list}");
    tmux.keys(t, &["Enter"]);
    tmux.wait_for(t, &["lesson: Say hello", "S< 220"]).await;
    tmux.type_line(t, "EHLO student.example");
    tmux.wait_for(t, &["step 2 of 2"]).await;
    tmux.type_line(t, "HELP");
    tmux.wait_for(t, &["sequence diagram", "214"]).await;
    tmux.keys(t, &["Escape"]);
    tmux.wait_for(t, &["finished", "Recap"]).await;
    tmux.type_line(t, "/quit");
    let list = tmux.wait_for(t, &["1 of 10 finished"]).await;
    assert!(list.contains("✓  1. Say hello"), "{list}");
    assert!(list.contains(">    2. Send a message"), "{list}");
    tmux.keys(t, &["q"]);
    tmux.wait_for(t, &["EXITED 0", "TTY-COOKED"]).await;
    let done = std::fs::read_to_string(state.path().join("smtpx/lessons")).expect("progress");
    assert!(done.lines().any(|l| l == "01-ehlo"), "{done}");
}
