//! The terminal is restored on every exit path — `/quit`, SIGINT, SIGTERM, SIGHUP, SIGQUIT and a
//! panic — and a resize to 20x5 and back neither crashes nor corrupts the screen. Each case
//! runs smtpx in tmux (private socket) against the sandbox; after it ends, the shell echoes
//! a marker and whether the tty is still raw, and tmux says whether the alternate screen,
//! mouse reporting and a hidden cursor were left behind.
//!
//! The panic uses `SMTPX_TEST_PANIC=1`, which only debug builds (what `cargo test` runs)
//! read: see `src/tui/recording.rs`.

mod support;

use std::path::Path;

use smtpx::sandbox::{self, SandboxConfig};
use support::tmux::{Tmux, explorer_command, tmux_available};

/// How a case ends the explorer.
#[derive(Debug, Clone, Copy)]
enum Ending {
    Quit,
    Signal(&'static str, i32),
    Panic,
}

fn read_pid(path: &Path) -> Option<u32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

async fn assert_restored(tmux: &Tmux, name: &str, code: i32) -> String {
    let screen = tmux
        .wait_for(name, &[&format!("EXITED {code}"), "TTY-"])
        .await;
    assert!(screen.contains("TTY-COOKED"), "raw mode left on:\n{screen}");
    assert_eq!(tmux.display(name, "#{alternate_on}"), "0", "{screen}");
    assert_eq!(tmux.display(name, "#{mouse_any_flag}"), "0", "{screen}");
    assert_eq!(tmux.display(name, "#{cursor_flag}"), "1", "{screen}");
    // The explorer's screen is gone; the shell's output is what shows.
    assert!(!screen.contains("smtp>"), "{screen}");
    screen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminal_is_restored_on_every_exit_path() {
    if !tmux_available() {
        return;
    }
    let sandbox = sandbox::start(SandboxConfig::default())
        .await
        .expect("start the sandbox");
    let dir = tempfile::tempdir().expect("temp dir");
    let tmux = Tmux::new("exits");
    let cases = [
        ("quit", Ending::Quit),
        ("int", Ending::Signal("INT", 2)),
        ("term", Ending::Signal("TERM", 15)),
        ("hup", Ending::Signal("HUP", 1)),
        ("quit-signal", Ending::Signal("QUIT", 3)),
        ("panic", Ending::Panic),
    ];
    for (name, ending) in cases {
        let pid_file = dir.path().join(format!("{name}.pid"));
        let env = match ending {
            Ending::Panic => "SMTPX_TEST_PANIC=1 RUST_BACKTRACE=0",
            _ => "",
        };
        let args = format!("{} --no-record", sandbox.plain_addr());
        tmux.start(name, 80, 24, &explorer_command(&pid_file, env, &args));
        match ending {
            Ending::Quit => {
                tmux.wait_for(name, &["S< 220"]).await;
                tmux.type_line(name, "/quit");
                assert_restored(&tmux, name, 0).await;
            }
            Ending::Signal(signal, number) => {
                tmux.wait_for(name, &["S< 220"]).await;
                let pid = read_pid(&pid_file).expect("the explorer's pid");
                let sent = std::process::Command::new("kill")
                    .args(["-s", signal, &pid.to_string()])
                    .status()
                    .expect("run kill");
                assert!(sent.success());
                assert_restored(&tmux, name, 128 + number).await;
            }
            Ending::Panic => {
                let screen = assert_restored(&tmux, name, 101).await;
                assert!(screen.contains("deliberate panic"), "{screen}");
            }
        }
    }
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resizing_to_20x5_and_back_keeps_the_session() {
    if !tmux_available() {
        return;
    }
    let sandbox = sandbox::start(SandboxConfig::default())
        .await
        .expect("start the sandbox");
    let dir = tempfile::tempdir().expect("temp dir");
    let tmux = Tmux::new("resize");
    let t = "resize";
    let args = format!("{} --no-record", sandbox.plain_addr());
    tmux.start(
        t,
        100,
        30,
        &explorer_command(&dir.path().join("pid"), "", &args),
    );
    tmux.wait_for(t, &["S< 220"]).await;
    tmux.type_line(t, "EHLO x");
    tmux.wait_for(t, &["250-STARTTLS"]).await;

    tmux.run(&["resize-window", "-t", t, "-x", "20", "-y", "5"]);
    tmux.wait_until("the 20x5 size", || {
        tmux.display(t, "#{window_width}x#{window_height}") == "20x5"
    })
    .await;
    // Still running and drawing at the tiny size: the prompt row is there.
    tmux.wait_for(t, &["smtp>"]).await;
    tmux.type_line(t, "NOOP");

    tmux.run(&["resize-window", "-t", t, "-x", "100", "-y", "30"]);
    let screen = tmux
        .wait_for(t, &["C> NOOP", "S< 250 2.0.0", "C> EHLO x", "smtp>"])
        .await;
    // Redrawn, not corrupted: the status bar is on the first row again.
    let first = screen.lines().next().unwrap_or_default();
    assert!(first.contains("smtpx"), "{screen}");
    assert!(!screen.contains("EXITED"), "{screen}");
    tmux.type_line(t, "/quit");
    assert_restored(&tmux, t, 0).await;
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_z_suspends_and_fg_resumes_with_a_full_redraw() {
    if !tmux_available() {
        return;
    }
    let sandbox = sandbox::start(SandboxConfig::default())
        .await
        .expect("start the sandbox");
    let tmux = Tmux::new("suspend");
    // An interactive shell with job control, as a person has over SSH.
    tmux.start(
        "z",
        100,
        30,
        "env -i PATH=/usr/bin:/bin TERM=xterm-256color PS1='shell$ ' bash --norc --noprofile -i",
    );
    tmux.wait_for("z", &["shell$"]).await;
    tmux.type_line(
        "z",
        &format!(
            "XDG_STATE_HOME={} {} {} --no-record",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/xdg-state"),
            env!("CARGO_BIN_EXE_smtpx"),
            sandbox.plain_addr()
        ),
    );
    tmux.wait_for("z", &["S< 220"]).await;
    tmux.keys("z", &["C-z"]);
    let stopped = tmux.wait_for("z", &["Stopped"]).await;
    assert_eq!(tmux.display("z", "#{alternate_on}"), "0", "{stopped}");
    tmux.type_line("z", "fg");
    // Back in the explorer, redrawn whole: the greeting and the prompt are on screen again.
    let resumed = tmux.wait_for("z", &["S< 220", "smtp>"]).await;
    assert_eq!(tmux.display("z", "#{alternate_on}"), "1", "{resumed}");
    tmux.type_line("z", "EHLO after-resume");
    tmux.wait_for("z", &["S< 250", "after-resume"]).await;
    tmux.type_line("z", "/quit");
    tmux.wait_for("z", &["shell$"]).await;
}

/// SIGKILL cannot be caught: the terminal stays raw on the alternate screen. The next start
/// notices the killed process's marker and says, once, how to get the terminal back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_kill_9_the_next_start_says_how_to_get_the_terminal_back() {
    if !tmux_available() {
        return;
    }
    let sandbox = sandbox::start(SandboxConfig::default())
        .await
        .expect("start the sandbox");
    let dir = tempfile::tempdir().expect("temp dir");
    // A state directory of its own: the marker must not reach the other tests.
    let env = format!("XDG_STATE_HOME={}", dir.path().join("state").display());
    let args = format!("{} --no-record", sandbox.plain_addr());
    let tmux = Tmux::new("killed");
    let first = dir.path().join("first.pid");
    tmux.start("first", 200, 24, &explorer_command(&first, &env, &args));
    tmux.wait_for("first", &["S< 220"]).await;
    let pid = read_pid(&first).expect("the explorer's pid");
    let sent = std::process::Command::new("kill")
        .args(["-s", "KILL", &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(sent.success());
    tmux.wait_for("first", &["EXITED 137"]).await;
    for (name, says) in [("second", true), ("third", false)] {
        let pid_file = dir.path().join(format!("{name}.pid"));
        tmux.start(name, 200, 24, &explorer_command(&pid_file, &env, &args));
        tmux.wait_for(name, &["S< 220"]).await;
        tmux.type_line(name, "/quit");
        let screen = assert_restored(&tmux, name, 0).await;
        assert_eq!(
            screen.contains("was killed while it had the terminal"),
            says,
            "{name}:\n{screen}"
        );
        if says {
            assert!(screen.contains("`reset`"), "{screen}");
        }
    }
    sandbox.shutdown().await;
}
