//! The explorer in a real terminal: tmux (on a private socket) runs `smtpx` against the
//! sandbox server started in-process, types EHLO, STARTTLS, EHLO, QUIT with `send-keys`,
//! and reads the screen with `capture-pane`, polling under a timeout. The tmux server is
//! killed at the end whatever happens.
//!
//! Needs tmux; CI (`.ci/run`, `SMTPX_INTEROP=1` or `CI`) installs it, so there a missing
//! tmux fails the test instead of skipping it.

use std::process::Command;
use std::time::{Duration, Instant};

use smtpx::sandbox::{self, SandboxConfig};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> String {
        let output = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "explore"])
    }

    fn type_line(&self, line: &str) {
        self.run(&["send-keys", "-t", "explore", "-l", line]);
        self.run(&["send-keys", "-t", "explore", "Enter"]);
    }

    /// Polls the screen until every needle is on it.
    async fn wait_for(&self, needles: &[&str]) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let screen = self.screen();
            if needles.iter().all(|n| screen.contains(n)) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {needles:?}; the screen:\n{screen}"
            );
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

fn tmux_available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explorer_drives_starttls_in_a_real_terminal() {
    if !tmux_available() {
        let in_ci = std::env::var_os("CI").is_some() || std::env::var_os("SMTPX_INTEROP").is_some();
        assert!(!in_ci, "tmux is required in CI (.ci/run installs it)");
        eprintln!("skipping: tmux is not installed");
        return;
    }
    let sandbox = sandbox::start(SandboxConfig::default())
        .await
        .expect("start the sandbox");
    let state = tempfile::tempdir().expect("temp dir");
    let tmux = Tmux {
        socket: format!("smtpx-test-{}", std::process::id()),
    };
    let command = format!(
        "env XDG_STATE_HOME={} TERM=xterm-256color {} {} --verify-name localhost --ca-file {}; \
         echo EXITED $?; sleep 30",
        state.path().display(),
        env!("CARGO_BIN_EXE_smtpx"),
        sandbox.plain_addr(),
        sandbox.ca_pem_path().display()
    );
    tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "explore",
        "-x",
        "100",
        "-y",
        "30",
        &command,
    ]);

    tmux.wait_for(&["S< 220", "plaintext"]).await;
    tmux.type_line("EHLO x");
    tmux.wait_for(&["C> EHLO x", "250-STARTTLS"]).await;
    tmux.type_line("STARTTLS");
    let screen = tmux
        .wait_for(&[
            "S< 220",
            "TLS 1.3",
            "certificate VERIFIED",
            "TLS1.3 VERIFIED",
        ])
        .await;
    assert!(screen.contains("C> STARTTLS"), "{screen}");
    tmux.type_line("EHLO x");
    tmux.wait_for(&["C~ EHLO x", "S~ 250-"]).await;
    tmux.type_line("QUIT");
    tmux.wait_for(&["S~ 221", "connection closed by the server"])
        .await;
    tmux.run(&["send-keys", "-t", "explore", "C-c"]);
    let screen = tmux.wait_for(&["EXITED 0"]).await;
    // The terminal was restored: the shell's output is on the normal screen.
    assert!(screen.contains("the transcript was not saved"), "{screen}");
    // History was kept in the state directory given, without the secret-free lines lost.
    let history = std::fs::read_to_string(state.path().join("smtpx/history")).unwrap_or_default();
    assert!(history.contains("STARTTLS"), "{history}");
    sandbox.shutdown().await;
}
