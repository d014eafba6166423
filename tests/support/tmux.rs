//! A tmux server on a private socket for the real-terminal tests: start a session running
//! a shell command, type into it, read the screen and tmux's view of the terminal state,
//! polling under a timeout (no bare sleeps). The server is killed when dropped.
//! Each test crate uses part of it.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    pub socket: String,
}

impl Tmux {
    /// A private server; `tag` keeps the sockets of tests in one process apart.
    pub fn new(tag: &str) -> Tmux {
        Tmux {
            socket: format!("smtpx-test-{}-{tag}", std::process::id()),
        }
    }

    pub fn run(&self, args: &[&str]) -> String {
        let output = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Starts session `name` at `width`x`height` running `command` in a shell.
    pub fn start(&self, name: &str, width: u16, height: u16, command: &str) {
        self.run(&[
            "new-session",
            "-d",
            "-s",
            name,
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
            command,
        ]);
    }

    pub fn screen(&self, name: &str) -> String {
        self.run(&["capture-pane", "-p", "-t", name])
    }

    /// A tmux format about the pane (`#{alternate_on}`, `#{cursor_flag}`, …).
    pub fn display(&self, name: &str, format: &str) -> String {
        self.run(&["display-message", "-p", "-t", name, format])
            .trim()
            .to_string()
    }

    pub fn keys(&self, name: &str, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", name];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    pub fn type_line(&self, name: &str, line: &str) {
        self.keys(name, &["-l", line]);
        self.keys(name, &["Enter"]);
    }

    /// Polls the screen until every needle is on it in two captures in a row, and returns
    /// the later one: a capture taken while the program is still writing a frame can hold
    /// half of the new frame over the old one (an overlay drawn to half its height, the
    /// needles found in the view behind it); 50 ms later the frame is whole.
    pub async fn wait_for(&self, name: &str, needles: &[&str]) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut matched_before = false;
        loop {
            let screen = self.screen(name);
            let matched = needles.iter().all(|n| screen.contains(n));
            if matched && matched_before {
                return screen;
            }
            matched_before = matched;
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {needles:?}; the screen:\n{screen}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Polls until `check` holds.
    pub async fn wait_until(&self, what: &str, mut check: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !check() {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

/// Whether the test can run; in CI a missing tmux fails instead.
pub fn tmux_available() -> bool {
    let found = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        let in_ci = std::env::var_os("CI").is_some() || std::env::var_os("SMTPX_INTEROP").is_some();
        assert!(!in_ci, "tmux is required in CI (.ci/run installs it)");
        eprintln!("skipping: tmux is not installed");
    }
    found
}

/// The shell command that runs smtpx with `env` and `args`, writes its pid to `pid_file`
/// (the `exec` keeps the pid), then reports how it ended and whether the terminal was left
/// in raw mode, and stays open so the screen can be read.
pub fn explorer_command(pid_file: &Path, env: &str, args: &str) -> String {
    format!(
        "sh -c 'echo $$ > {pid}; exec env TERM=xterm-256color XDG_STATE_HOME={state} {env} {bin} {args}'; \
         echo EXITED $?; if stty -a | grep -q -- -icanon; then echo TTY-RAW; \
         else echo TTY-COOKED; fi; sleep 60",
        pid = pid_file.display(),
        // Never the real home: history and transcripts go under the target directory.
        state = concat!(env!("CARGO_TARGET_TMPDIR"), "/xdg-state"),
        bin = env!("CARGO_BIN_EXE_smtpx"),
    )
}
