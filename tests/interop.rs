//! `smtpx probe` against a real Postfix + Dovecot on loopback, set up by
//! `tests/interop/postfix-up.sh` (see `tests/interop/README.md`).
//!
//! With `SMTPX_INTEROP=1` (set by `.ci/run`) these tests fail loudly when Postfix is not
//! reachable; without it (a plain `cargo test` on a laptop) they print a note and pass
//! without running.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const MTA: &str = "127.0.0.1:10025";
const SUBMISSION: &str = "127.0.0.1:10587";
const SUBMISSIONS: &str = "127.0.0.1:10465";
const USER: &str = "smtpxtest";
const PASSWORD: &str = "smtpx-test-password";
const CERT: &str = "/etc/smtpx-interop/cert.pem";
const MAILDIR: &str = "/home/smtpxtest/Maildir";

/// Whether to run; panics if asked to run and Postfix is not there.
fn enabled() -> bool {
    if std::env::var_os("SMTPX_INTEROP").is_none() {
        eprintln!("note: SMTPX_INTEROP is not set; skipping the Postfix interop test");
        return false;
    }
    for addr in [MTA, SUBMISSION, SUBMISSIONS] {
        let parsed = addr.parse().expect("valid address");
        if std::net::TcpStream::connect_timeout(&parsed, Duration::from_secs(2)).is_err() {
            panic!(
                "SMTPX_INTEROP is set but Postfix is not listening on {addr}: run tests/interop/postfix-up.sh"
            );
        }
    }
    true
}

fn smtpx(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_smtpx"))
        .env(
            "XDG_STATE_HOME",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/xdg-state"),
        )
        .arg("probe")
        .args(args)
        .env("INTEROP_PASSWORD", PASSWORD)
        .output()
        .expect("run smtpx")
}

fn unique(tag: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("smtpx-interop-{tag}-{nanos}-{}", std::process::id())
}

/// Waits (bounded) for a delivered message whose text contains `needle`.
fn delivered(needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        for dir in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(Path::new(MAILDIR).join(dir)) else {
                continue;
            };
            for entry in entries.flatten() {
                if let Ok(bytes) = std::fs::read(entry.path()) {
                    let text = String::from_utf8_lossy(&bytes);
                    if text.contains(needle) {
                        return text.into_owned();
                    }
                }
            }
        }
        assert!(
            Instant::now() < deadline,
            "no message containing {needle:?} in {MAILDIR}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn starttls_auth_plain_submission_is_delivered_byte_for_byte() {
    if !enabled() {
        return;
    }
    let subject = unique("plain");
    let body = "first line\n.a line that starts with a dot\n..two dots\nlast line";
    let output = smtpx(&[
        SUBMISSION,
        "--starttls",
        "--ehlo",
        "client.test",
        "--auth",
        "plain",
        "--user",
        USER,
        "--password-env",
        "INTEROP_PASSWORD",
        "--from",
        "smtpxtest@smtpx.test",
        "--to",
        "smtpxtest@smtpx.test",
        "--subject",
        &subject,
        "--body",
        body,
    ]);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{out}");
    assert!(out.contains("S~ 235 2.7.0"), "{out}");
    assert!(!out.contains(PASSWORD));
    let message = delivered(&subject);
    // Dot-stuffing was undone by Postfix: the body arrives as written.
    assert!(
        message.contains("\n\nfirst line\n.a line that starts with a dot\n..two dots\nlast line\n"),
        "{message}"
    );
}

#[test]
fn implicit_tls_auth_login_submission_is_delivered() {
    if !enabled() {
        return;
    }
    let subject = unique("login");
    let output = smtpx(&[
        SUBMISSIONS,
        "--tls-on-connect",
        "--auth",
        "login",
        "--user",
        USER,
        "--password-env",
        "INTEROP_PASSWORD",
        "--from",
        "smtpxtest@smtpx.test",
        "--to",
        "smtpxtest@localhost",
        "--subject",
        &subject,
        "--body",
        "via implicit TLS",
    ]);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{out}");
    assert!(out.contains("=== TLS TLSv1.3"), "{out}");
    delivered(&subject);
}

#[test]
fn tls_verdict_is_untrusted_by_default_and_trusted_with_the_ca_file() {
    if !enabled() {
        return;
    }
    let default = smtpx(&[MTA, "--starttls", "--quit-after", "tls"]);
    let out = stdout(&default);
    assert_eq!(default.status.code(), Some(0), "{out}");
    assert!(out.contains("NOT trusted: self-signed"), "{out}");

    let trusted = smtpx(&[
        MTA,
        "--starttls",
        "--ca-file",
        CERT,
        "--verify-name",
        "localhost",
        "--quit-after",
        "tls",
    ]);
    let out = stdout(&trusted);
    assert_eq!(trusted.status.code(), Some(0), "{out}");
    assert!(out.contains("=== certificate: trusted"), "{out}");
    assert!(!out.contains("!!!"), "no finding when verified: {out}");
}

#[test]
fn auth_before_starttls_on_submission_gets_530() {
    if !enabled() {
        return;
    }
    let output = smtpx(&[
        SUBMISSION,
        "--no-starttls",
        "--auth",
        "plain",
        "--user",
        USER,
        "--password-env",
        "INTEROP_PASSWORD",
    ]);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(24), "{out}");
    assert!(out.contains("S< 530 5.7.0"), "{out}");
}

/// The EHLO replies of a session, as lists of keyword lines, from `--json` output.
fn ehlo_replies(json_lines: &str) -> Vec<Vec<String>> {
    json_lines
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| e["event"] == "reply" && e["lines"].as_array().is_some_and(|l| l.len() > 1))
        .map(|e| {
            e["lines"]
                .as_array()
                .map(|lines| {
                    lines
                        .iter()
                        .filter_map(|l| l.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect()
}

#[test]
fn starttls_is_offered_in_plaintext_and_gone_after_tls() {
    if !enabled() {
        return;
    }
    let output = smtpx(&[MTA, "--starttls", "--quit-after", "tls", "--json"]);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{out}");
    let ehlos = ehlo_replies(&out);
    assert_eq!(ehlos.len(), 2, "one EHLO before and one after TLS: {out}");
    assert!(ehlos[0].iter().any(|l| l == "STARTTLS"), "{:?}", ehlos[0]);
    assert!(!ehlos[1].iter().any(|l| l == "STARTTLS"), "{:?}", ehlos[1]);
    assert!(ehlos[1].iter().any(|l| l == "CHUNKING"), "{:?}", ehlos[1]);
}

#[test]
fn wrong_password_gets_535_and_the_session_goes_on() {
    if !enabled() {
        return;
    }
    let output = Command::new(env!("CARGO_BIN_EXE_smtpx"))
        .env(
            "XDG_STATE_HOME",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/xdg-state"),
        )
        .args([
            "probe",
            SUBMISSION,
            "--starttls",
            "--auth",
            "plain",
            "--user",
            USER,
        ])
        .args(["--password-env", "WRONG_PASSWORD"])
        .env("WRONG_PASSWORD", "not-the-password")
        .output()
        .expect("run smtpx");
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(24), "{out}");
    assert!(out.contains("S~ 535 5.7.8"), "{out}");
    // Still in sync after the failure: QUIT gets its 221.
    assert!(out.contains("S~ 221 2.0.0"), "{out}");
}

#[test]
fn relay_to_a_foreign_domain_is_refused() {
    if !enabled() {
        return;
    }
    let output = smtpx(&[
        MTA,
        "--starttls",
        "--from",
        "someone@smtpx.test",
        "--to",
        "nobody@example.com",
    ]);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(26), "{out}");
    assert!(
        out.contains("S~ 554 5.7.1") || out.contains("S~ 550 "),
        "relay refused: {out}"
    );
}

#[test]
fn bdat_chunked_message_is_delivered() {
    if !enabled() {
        return;
    }
    let subject = unique("bdat");
    let output = smtpx(&[
        MTA,
        "--starttls",
        "--from",
        "someone@smtpx.test",
        "--to",
        "smtpxtest@localhost",
        "--subject",
        &subject,
        "--body",
        "sent in BDAT chunks\n.this dot is not stuffed",
        "--bdat",
        "--chunk-size",
        "64",
    ]);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{out}");
    assert!(out.contains("C~ BDAT 64 <chunk: 64 bytes>"), "{out}");
    assert!(out.contains(" LAST <chunk: "), "{out}");
    let message = delivered(&subject);
    assert!(
        message.contains("\nsent in BDAT chunks\n.this dot is not stuffed\n"),
        "{message}"
    );
}

#[test]
fn recorded_postfix_session_replays_with_the_same_events() {
    if !enabled() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let first = dir.path().join("first.jsonl");
    let again = dir.path().join("again.jsonl");
    let subject = unique("replay");
    let output = smtpx(&[
        SUBMISSION,
        "--starttls",
        "--auth",
        "plain",
        "--user",
        USER,
        "--password-env",
        "INTEROP_PASSWORD",
        "--from",
        "smtpxtest@smtpx.test",
        "--to",
        "smtpxtest@smtpx.test",
        "--subject",
        &subject,
        "--record",
        first.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    delivered(&subject);

    // Reading the file back gives the session as it was shown.
    let export = Command::new(env!("CARGO_BIN_EXE_smtpx"))
        .args([
            "export",
            first.to_str().expect("utf-8 path"),
            "--format",
            "text",
        ])
        .output()
        .expect("run smtpx export");
    let text = stdout(&export);
    assert_eq!(export.status.code(), Some(0), "{text}");
    assert!(text.contains("STARTTLS") && text.contains("235"), "{text}");
    assert!(!text.contains(PASSWORD));

    // Re-running the client side against the same Postfix gives the same replies.
    let replay = Command::new(env!("CARGO_BIN_EXE_smtpx"))
        .env(
            "XDG_STATE_HOME",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/xdg-state"),
        )
        .args([
            "replay",
            first.to_str().expect("utf-8 path"),
            "--against",
            SUBMISSION,
        ])
        .args([
            "--user",
            USER,
            "--password-env",
            "INTEROP_PASSWORD",
            "--record",
        ])
        .arg(&again)
        .env("INTEROP_PASSWORD", PASSWORD)
        .output()
        .expect("run smtpx replay --against");
    let out = stdout(&replay);
    assert_eq!(
        replay.status.code(),
        Some(0),
        "same result expected:\n{out}\n{}",
        String::from_utf8_lossy(&replay.stderr)
    );
    let diff = Command::new(env!("CARGO_BIN_EXE_smtpx"))
        .args(["diff"])
        .arg(&first)
        .arg(&again)
        .output()
        .expect("run smtpx diff");
    assert_eq!(diff.status.code(), Some(0), "{}", stdout(&diff));
}
