//! The AUTH form and the composer in a real terminal: tmux (on a private socket) runs the
//! explorer against the sandbox started in-process; the test types EHLO, STARTTLS, EHLO,
//! authenticates through the form (F4), composes a message through the composer (F5),
//! reads the exact bytes off the confirmation screen, sends, and checks that the message
//! the sandbox stored is byte for byte what the screen said. The password must appear in
//! no screen capture and not in the transcript file. Polls under a timeout; no bare sleeps.
//!
//! Needs tmux; in CI (`CI` or `SMTPX_INTEROP` set) a missing tmux fails instead of skipping.

mod support;

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use smtpx::sandbox::{self, SandboxConfig};
use support::tmux::{Tmux, explorer_command, tmux_available};

/// Captures kept to check that no secret was ever on screen.
struct Screens(Vec<String>);

impl Screens {
    async fn wait(&mut self, tmux: &Tmux, t: &str, needles: &[&str]) -> String {
        let screen = tmux.wait_for(t, needles).await;
        self.0.push(screen.clone());
        screen
    }

    /// Presses `key` until `needle` is on screen (a field reached by Tab), at most `max` times.
    async fn press_until(&mut self, tmux: &Tmux, t: &str, key: &str, needle: &str, max: usize) {
        for _ in 0..max {
            let screen = tmux.screen(t);
            self.0.push(screen.clone());
            if screen.contains(needle) {
                return;
            }
            let before = screen;
            tmux.keys(t, &[key]);
            tmux.wait_until("the screen to change", || tmux.screen(t) != before)
                .await;
        }
        let screen = tmux.wait_for(t, &[needle]).await;
        self.0.push(screen);
    }
}

/// `escape_bytes` undone: `\r`, `\n`, `\t`, `\\`, `\xHH`.
fn unescape(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        match chars.next() {
            Some('r') => out.push(b'\r'),
            Some('n') => out.push(b'\n'),
            Some('t') => out.push(b'\t'),
            Some('\\') => out.push(b'\\'),
            Some('x') => {
                let hex: String = chars.by_ref().take(2).collect();
                out.push(u8::from_str_radix(&hex, 16).expect("\\xHH"));
            }
            other => panic!("unexpected escape \\{other:?} in {text:?}"),
        }
    }
    out
}

/// The wire bytes the confirmation screen lists after the commands, end marker included.
fn previewed_wire(screen: &str) -> Vec<u8> {
    let mut rows = Vec::new();
    let mut inside = false;
    for line in screen.lines() {
        let line = line.trim_end();
        let line = line.strip_prefix('│').unwrap_or(line);
        let line = line.strip_suffix('│').unwrap_or(line).trim_end();
        if line.starts_with("── exact bytes after 354") {
            inside = true;
            continue;
        }
        if !inside {
            continue;
        }
        let (text, end) = match line.split_once("  ← ") {
            Some((text, note)) => (text, note == "end of data"),
            None => (line, false),
        };
        rows.push(text.to_string());
        if end {
            break;
        }
    }
    assert!(inside, "no preview on the confirmation screen:\n{screen}");
    rows.iter().flat_map(|row| unescape(row)).collect()
}

/// DATA content back to the message: the end marker off, leading dots unstuffed
/// (RFC 5321 §4.5.2).
fn unstuff(wire: &[u8]) -> Vec<u8> {
    let body = wire
        .strip_suffix(b".\r\n")
        .expect("ends with the end marker");
    let mut out = Vec::new();
    for line in body.split_inclusive(|&b| b == b'\n') {
        out.extend_from_slice(
            line.strip_prefix(b".")
                .filter(|_| line.starts_with(b".."))
                .unwrap_or(line),
        );
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_form_and_composer_deliver_the_previewed_bytes_to_the_sandbox() {
    if !tmux_available() {
        return;
    }
    let sandbox = sandbox::start(SandboxConfig::default())
        .await
        .expect("start the sandbox");
    let mut stored = sandbox.messages();
    let user = sandbox.credentials().user.clone();
    let password = sandbox.credentials().password.clone();
    let state = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
    let record = state.path().join("compose.jsonl");
    let args = format!(
        "{} --verify-name localhost --ca-file {} --record {}",
        sandbox.plain_addr(),
        sandbox.ca_pem_path().display(),
        record.display()
    );
    let env = format!("XDG_STATE_HOME={}", state.path().display());
    let tmux = Tmux::new("compose");
    let t = "compose";
    tmux.start(
        t,
        120,
        40,
        &explorer_command(&state.path().join("pid"), &env, &args),
    );
    let mut screens = Screens(Vec::new());

    screens.wait(&tmux, t, &["S< 220"]).await;
    tmux.type_line(t, "EHLO x");
    screens.wait(&tmux, t, &["250-STARTTLS"]).await;
    tmux.type_line(t, "STARTTLS");
    screens.wait(&tmux, t, &["TLS1.3 VERIFIED"]).await;
    tmux.type_line(t, "EHLO x");
    screens.wait(&tmux, t, &["S~ 250-"]).await;

    // AUTH through the form: PLAIN is the first mechanism the sandbox offers.
    tmux.keys(t, &["F4"]);
    screens
        .wait(&tmux, t, &["AUTH — Enter authenticates", "‹PLAIN›"])
        .await;
    tmux.keys(t, &["Tab"]);
    tmux.keys(t, &["-l", &user]);
    tmux.keys(t, &["Tab"]);
    tmux.keys(t, &["-l", &password]);
    let bullets = "•".repeat(password.chars().count());
    let screen = screens.wait(&tmux, t, &[&bullets]).await;
    assert!(!screen.contains(&password), "{screen}");
    tmux.keys(t, &["Enter"]);
    screens
        .wait(
            &tmux,
            t,
            &["S~ 235", "C~ AUTH PLAIN ••••••••  [\\0demo\\0••••]"],
        )
        .await;

    // The message through the composer.
    tmux.keys(t, &["F5"]);
    screens
        .wait(&tmux, t, &["compose a mail transaction", "▸ MAIL FROM"])
        .await;
    tmux.keys(t, &["-l", "me@example.com"]);
    tmux.keys(t, &["Tab"]);
    tmux.keys(t, &["-l", "you@example.org"]);
    screens.wait(&tmux, t, &["you@example.org"]).await;
    screens.press_until(&tmux, t, "Tab", "▸ Subject", 10).await;
    tmux.keys(t, &["-l", "composed in tmux"]);
    screens.press_until(&tmux, t, "Tab", "▸ body", 20).await;
    for line in [
        "Hello from the composer.",
        ".a line with a dot",
        "..two dots",
    ] {
        tmux.keys(t, &["-l", line]);
        tmux.keys(t, &["Enter"]);
    }
    tmux.keys(t, &["-l", "bye"]);
    screens
        .wait(&tmux, t, &["...two dots\\r\\n  ← dot-stuffed", "bye\\r\\n"])
        .await;
    tmux.keys(t, &["C-s"]);
    let confirm = screens
        .wait(
            &tmux,
            t,
            &["send this? Enter sends", "C: DATA", "← end of data"],
        )
        .await;
    let wire = previewed_wire(&confirm);
    let previewed = unstuff(&wire);
    assert!(
        String::from_utf8_lossy(&wire).contains("\r\n..a line with a dot\r\n"),
        "{confirm}"
    );
    tmux.keys(t, &["Enter"]);
    screens
        .wait(&tmux, t, &["S~ 250 2.0.0", "transaction done"])
        .await;

    let message = tokio::time::timeout(Duration::from_secs(20), stored.recv())
        .await
        .expect("stored in time")
        .expect("a stored message");
    let content = message.read_content().expect("read the stored message");
    assert_eq!(
        String::from_utf8_lossy(&content),
        String::from_utf8_lossy(&previewed)
    );
    assert_eq!(content, previewed, "byte for byte what the preview said");
    assert_eq!(message.authenticated.as_deref(), Some(user.as_str()));

    tmux.type_line(t, "/quit");
    screens.wait(&tmux, t, &["EXITED 0"]).await;

    let plain = B64.encode(format!("\0{user}\0{password}"));
    let transcript = std::fs::read_to_string(&record).expect("the transcript");
    for secret in [password.as_str(), &B64.encode(&password), plain.as_str()] {
        assert!(!transcript.contains(secret), "{secret:?} in the transcript");
        for screen in &screens.0 {
            assert!(!screen.contains(secret), "{secret:?} on screen:\n{screen}");
        }
    }
    assert!(transcript.contains("AUTH PLAIN"), "{transcript}");
    let history = std::fs::read_to_string(state.path().join("smtpx/history")).unwrap_or_default();
    assert!(!history.contains(&password), "{history}");
    sandbox.shutdown().await;
}
