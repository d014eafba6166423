//! The explorer's shell conveniences in a real terminal (tmux on a private socket, the
//! sandbox in-process): F8 lets go of the mouse so the terminal selects text and takes it
//! back, a click picks a transcript line and explains it, `/copy` puts the transcript on the clipboard with OSC 52 (tmux with
//! `set-clipboard on` turns it into a paste buffer), and `/find` picks and highlights
//! matches with n / N to move between them.

mod support;

use smtpx::sandbox::{self, SandboxConfig};
use support::tmux::{Tmux, explorer_command, tmux_available};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mouse_toggle_copy_and_find_in_a_real_terminal() {
    if !tmux_available() {
        return;
    }
    let sandbox = sandbox::start(SandboxConfig::default())
        .await
        .expect("start the sandbox");
    let state = tempfile::tempdir().expect("temp dir");
    let tmux = Tmux::new("shell");
    let args = format!("{} --no-record", sandbox.plain_addr());
    let env = format!("XDG_STATE_HOME={}", state.path().display());
    let command = explorer_command(&state.path().join("pid"), &env, &args);
    tmux.start("explore", 100, 30, &command);
    tmux.run(&["set-option", "-g", "set-clipboard", "on"]);
    let t = "explore";
    tmux.wait_for(t, &["S< 220"]).await;

    // The mouse: captured at the start, let go with F7, taken back with F7.
    let mouse = || tmux.display(t, "#{mouse_any_flag}");
    tmux.wait_until("mouse captured", || mouse() == "1").await;
    tmux.keys(t, &["F8"]);
    tmux.wait_for(t, &["mouse off: the terminal selects text"])
        .await;
    tmux.wait_until("mouse released", || mouse() == "0").await;
    tmux.keys(t, &["F8"]);
    tmux.wait_for(t, &["mouse on:"]).await;
    tmux.wait_until("mouse captured again", || mouse() == "1")
        .await;

    tmux.type_line(t, "EHLO shell.test");
    tmux.wait_for(t, &["C> EHLO shell.test", "250-STARTTLS"])
        .await;
    tmux.type_line(t, "NOOP");
    tmux.wait_for(t, &["C> NOOP"]).await;

    // A left click (the terminal's SGR mouse report) on the EHLO line picks and explains it.
    let screen = tmux.screen(t);
    let row = screen
        .lines()
        .position(|l| l.contains("C> EHLO shell.test"))
        .expect("the EHLO line on screen");
    let column = 12;
    tmux.keys(
        t,
        &[
            "-l",
            &format!(
                "\u{1b}[<0;{column};{}M\u{1b}[<0;{column};{}m",
                row + 1,
                row + 1
            ),
        ],
    );
    let screen = tmux
        .wait_for(t, &["Explain: line", "EHLO  Extended hello"])
        .await;
    // The cursor (`>` in the first column) is on the line clicked.
    let picked = screen
        .lines()
        .find(|l| l.contains("C> EHLO shell.test"))
        .unwrap_or_default();
    assert!(picked.trim_start_matches('│').starts_with('>'), "{screen}");
    tmux.keys(t, &["Escape"]);
    tmux.wait_until("line-pick closed", || {
        !tmux.screen(t).contains("Explain: line")
    })
    .await;

    // /copy: the transcript, as text, reaches tmux's paste buffer through OSC 52.
    tmux.type_line(t, "/copy");
    tmux.wait_for(t, &["copied the transcript to the clipboard"])
        .await;
    let mut buffer = String::new();
    tmux.wait_until("the paste buffer", || {
        buffer = tmux.run(&["show-buffer"]);
        buffer.contains("C> EHLO shell.test")
    })
    .await;
    assert!(buffer.contains("S< 220"), "{buffer}");
    assert!(!buffer.contains('\u{1b}'), "{buffer:?}");

    // /find: the latest match is picked and counted; N goes to the one above.
    tmux.type_line(t, "/find 250");
    let screen = tmux.wait_for(t, &["\"250\": match "]).await;
    let (_, count) = screen
        .split_once("\"250\": match ")
        .expect("the match notice");
    let (nth, total) = count
        .split_once(" of ")
        .map(|(n, rest)| (n.to_string(), rest.split_whitespace().next().unwrap_or("")))
        .expect("N of M");
    assert_eq!(nth, total, "the latest match first: {screen}");
    // Matches are highlighted (reverse video) on the screen.
    let styled = tmux.run(&["capture-pane", "-p", "-e", "-t", t]);
    assert!(
        styled.contains("\u{1b}[7m") || styled.contains(";7m"),
        "{styled:?}"
    );
    tmux.keys(t, &["N"]);
    let above = format!("match {} of {total}", nth.parse::<usize>().unwrap_or(1) - 1);
    tmux.wait_for(t, &[above.as_str()]).await;
    tmux.keys(t, &["n"]);
    tmux.wait_for(t, &[format!("match {nth} of {total}").as_str()])
        .await;
    // c copies the picked line alone.
    tmux.keys(t, &["c"]);
    tmux.wait_for(t, &["copied the line to the clipboard"])
        .await;
    tmux.wait_until("the line in the paste buffer", || {
        let line = tmux.run(&["show-buffer"]);
        line.contains("250") && !line.contains("C> EHLO")
    })
    .await;
    // Esc alone (a key right after it would read as Alt+key), then quit.
    tmux.keys(t, &["Escape"]);
    tmux.wait_until("line-pick closed", || {
        !tmux.screen(t).contains("Explain: line")
    })
    .await;
    tmux.keys(t, &["C-c"]);
    tmux.wait_for(t, &["EXITED 0", "TTY-COOKED"]).await;
    sandbox.shutdown().await;
}
