//! The binary's own commands as a new user runs them: `smtpx demo` (the README's run
//! command) and `smtpx serve` stopped by a signal, plus the probe against the sandbox.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn smtpx() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_smtpx"));
    // Sessions are recorded by default: keep the transcripts out of the real home.
    command.env(
        "XDG_STATE_HOME",
        concat!(env!("CARGO_TARGET_TMPDIR"), "/xdg-state"),
    );
    command
}

#[test]
fn demo_runs_a_whole_submission_against_the_sandbox() {
    let output = smtpx()
        .args(["demo", "--headless"])
        .output()
        .expect("run smtpx demo --headless");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    for expected in [
        "C> STARTTLS",
        "=== certificate: trusted (ca-file",
        "C~ AUTH PLAIN <redacted",
        "S~ 235 2.7.0",
        "S~ 250 2.0.0 Ok: queued as",
        "The sandbox stored the message",
        // The stored file shows the line as written (the wire carried it dot-stuffed).
        "  | .A line starting with a dot",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in:\n{stdout}"
        );
    }
    assert!(
        !stdout.contains("!!!"),
        "no security finding in the demo:\n{stdout}"
    );
}

/// Starts `smtpx serve` on free ports and returns the child and its stdout lines.
fn serve(extra: &[&str]) -> (std::process::Child, mpsc::Receiver<String>) {
    let mut child = smtpx()
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("run smtpx serve");
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

/// Reads lines until one contains `needle` (bounded wait); returns everything read.
fn wait_for(rx: &mpsc::Receiver<String>, needle: &str) -> Vec<String> {
    let mut seen = Vec::new();
    loop {
        match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(line) => {
                let done = line.contains(needle);
                seen.push(line);
                if done {
                    return seen;
                }
            }
            Err(_) => panic!("no line containing {needle:?}; saw:\n{}", seen.join("\n")),
        }
    }
}

fn field(lines: &[String], label: &str) -> String {
    lines
        .iter()
        .find_map(|l| {
            l.trim_start()
                .strip_prefix(label)
                .map(|r| r.trim().to_string())
        })
        .unwrap_or_else(|| panic!("no {label:?} line in:\n{}", lines.join("\n")))
}

#[test]
fn serve_accepts_a_probe_submission_and_stops_cleanly_on_sigterm() {
    let (mut child, rx) = serve(&["--submission"]);
    let banner = wait_for(&rx, "Press Ctrl-C");
    let addr = field(&banner, "plain + STARTTLS");
    let ca = field(&banner, "trust this CA");
    let ca = ca.split_whitespace().next().expect("CA path").to_string();

    let probe = smtpx()
        .args([
            "probe",
            &addr,
            "--starttls",
            "--ca-file",
            &ca,
            "--verify-name",
            "localhost",
        ])
        .args([
            "--auth",
            "login",
            "--user",
            "demo",
            "--password-env",
            "DEMO_PW",
        ])
        .args([
            "--from",
            "demo@localhost",
            "--to",
            "someone@localhost",
            "--body",
            "hi",
        ])
        .env("DEMO_PW", "demo-password")
        .output()
        .expect("run smtpx probe");
    let probe_out = String::from_utf8_lossy(&probe.stdout);
    assert_eq!(probe.status.code(), Some(0), "{probe_out}");
    assert!(
        probe_out.contains("=== certificate: trusted"),
        "{probe_out}"
    );
    // The server lists the stored message as it arrives.
    wait_for(&rx, ".eml");

    let status = Command::new("sh")
        .args(["-c", &format!("kill -TERM {}", child.id())])
        .status()
        .expect("send SIGTERM");
    assert!(status.success());
    let tail = wait_for(&rx, "summary:");
    assert!(
        tail.iter()
            .any(|l| l.contains("1 messages stored") || l.contains("1 message stored")),
        "{}",
        tail.join("\n")
    );
    let exit = child.wait().expect("serve exits");
    assert!(exit.success(), "serve exits 0 after SIGTERM: {exit:?}");
}
