//! `smtpx probe` against servers we did not write, where they answer AUTH oddly: Postfix's
//! `smtp-sink` (shipped with the postfix package, started here on a free loopback port),
//! which answers `250` to AUTH, and the interop Postfix + Dovecot (see
//! `tests/interop/README.md`), which answers a mechanism it does not run with
//! `535 5.7.8 … Invalid authentication mechanism`.
//!
//! With `SMTPX_INTEROP` set (as `.ci/run` sets it) these fail loudly when `smtp-sink` or
//! Postfix is missing; without it they print a note and pass without running.

use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod support;

use support::postfix;

const SMTP_SINK: &str = "/usr/sbin/smtp-sink";

/// Whether to run the smtp-sink tests; panics if asked to and `smtp-sink` is not there.
fn sink_enabled() -> bool {
    if std::env::var_os("SMTPX_INTEROP").is_none() {
        eprintln!("note: SMTPX_INTEROP is not set; skipping the smtp-sink interop test");
        return false;
    }
    assert!(
        std::path::Path::new(SMTP_SINK).exists(),
        "SMTPX_INTEROP is set but {SMTP_SINK} is missing: install the postfix package"
    );
    true
}

/// A running `smtp-sink`, stopped when dropped.
struct Sink {
    child: Child,
    addr: SocketAddr,
}

impl Sink {
    /// Starts `smtp-sink flags… 127.0.0.1:PORT` on a free port and waits until it listens.
    fn start(flags: &[&str]) -> Sink {
        let addr = SocketAddr::from(([127, 0, 0, 1], support::unused_port()));
        let mut command = Command::new(SMTP_SINK);
        // As root it insists on dropping privileges to a named user.
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
        if root {
            command.args(["-u", "nobody"]);
        }
        let child = command
            .args(flags)
            .arg(addr.to_string())
            .arg("10")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {SMTP_SINK}: {e}"));
        let mut sink = Sink { child, addr };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if let Ok(Some(status)) = sink.child.try_wait() {
                panic!("{SMTP_SINK} exited with {status} before listening on {addr}");
            }
            assert!(
                Instant::now() < deadline,
                "{SMTP_SINK} never listened on {addr}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        sink
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `smtpx probe` logging in to `target` in plaintext with `mechanism` (the named opt-in lets
/// credentials go there), stopping after AUTH.
fn login(target: &str, mechanism: &str, rest: &[&str]) -> std::process::Output {
    let mut args = vec![
        target,
        "--no-starttls",
        "--allow-insecure-auth",
        "--auth",
        mechanism,
        "--user",
        postfix::USER,
        "--password-env",
        postfix::PASSWORD_ENV,
        "--quit-after",
        "auth",
        "--no-record",
        "--timeout",
        "10",
    ];
    args.extend(rest);
    postfix::probe(&args)
}

#[test]
fn smtp_sinks_250_to_auth_is_explained_and_the_steps_are_decoded() {
    if !sink_enabled() {
        return;
    }
    let sink = Sink::start(&[]);
    let target = sink.addr.to_string();
    for (mechanism, decoded) in [
        ("plain", format!("[\\0{}\\0••••]", postfix::USER)),
        ("login", format!("[{}]", postfix::USER)),
    ] {
        let output = login(&target, mechanism, &[]);
        let stdout = postfix::exits(&output, 24);
        assert!(
            stdout.contains(&decoded),
            "{mechanism}: {decoded} missing:\n{stdout}"
        );
        assert!(
            stdout.contains("protocol breach: the server answered AUTH with 250, not 235"),
            "{mechanism}: the 250 is not explained:\n{stdout}"
        );
        assert!(!stdout.contains(postfix::PASSWORD), "{stdout}");
    }
}

#[test]
fn postfix_refusing_a_mechanism_is_not_called_a_wrong_password() {
    if !postfix::enabled("interop test") {
        return;
    }
    // Postfix offers PLAIN and LOGIN after STARTTLS; CRAM-MD5 is not among them. The
    // certificate is trusted, so only the mechanism needs the opt-in.
    let output = postfix::probe(&[
        postfix::SUBMISSION,
        "--starttls",
        "--ca-file",
        postfix::CERT,
        "--allow-insecure-auth",
        "--auth",
        "cram-md5",
        "--user",
        postfix::USER,
        "--password-env",
        postfix::PASSWORD_ENV,
        "--no-record",
        "--json",
    ]);
    let stdout = postfix::exits(&output, 24);
    let diagnosis = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| e["event"] == "note")
        .filter_map(|e| e["message"].as_str().map(str::to_string))
        .find(|m| m.starts_with("diagnosis:") && m.contains("SASL mechanism"))
        .unwrap_or_else(|| panic!("no mechanism diagnosis:\n{stdout}"));
    assert!(
        diagnosis.contains("CRAM-MD5")
            && diagnosis.contains("not a wrong password")
            && diagnosis.contains("PLAIN"),
        "{diagnosis}"
    );
}

/// `smtp-sink -e` does not speak ESMTP: EHLO gets `500 5.5.1`, and the probe falls back to
/// HELO as RFC 5321 §4.1.4 allows, says so, and carries on without extensions.
#[test]
fn smtp_sink_without_esmtp_gets_helo_after_the_refused_ehlo() {
    if !sink_enabled() {
        return;
    }
    let sink = Sink::start(&["-e"]);
    let target = sink.addr.to_string();
    let output = postfix::probe(&[
        &target,
        "--json",
        "--no-record",
        "--timeout",
        "10",
        "--from",
        "a@smtpx.test",
        "--to",
        "b@smtpx.test",
    ]);
    let stdout = postfix::exits(&output, 0);
    let sent: Vec<String> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| e["event"] == "sent")
        .filter_map(|e| e["line"].as_str().map(str::to_owned))
        .collect();
    assert!(
        sent.first().is_some_and(|l| l.starts_with("EHLO "))
            && sent.get(1).is_some_and(|l| l.starts_with("HELO ")),
        "{stdout}"
    );
    assert!(
        stdout.contains("EHLO refused with a permanent reply; falling back to HELO"),
        "{stdout}"
    );
}
