//! `smtpx probe` against a real Postfix + Dovecot on loopback, set up by
//! `tests/interop/postfix-up.sh` (see `tests/interop/README.md`).
//!
//! With `SMTPX_INTEROP=1` (set by `.ci/run`) these tests fail loudly when Postfix is not
//! reachable; without it (a plain `cargo test` on a laptop) they print a note and pass
//! without running.

mod support;

use support::postfix;
use support::postfix::{delivered, unique};

use postfix::{
    CERT, MTA, PASSWORD, SUBMISSION, SUBMISSIONS, USER, exits, login, probe, smtpx, smtpx_with,
    stdout,
};

/// Whether to run; panics if asked to run and Postfix is not there.
fn enabled() -> bool {
    postfix::enabled("interop test")
}

/// Submits a message from the test user to `to` with the subject `subject`, logged in
/// with `mechanism` on `port` secured by `tls` (`--starttls` or `--tls-on-connect`); then
/// the arguments `rest`.
fn submit(
    port: &str,
    tls: &str,
    mechanism: &str,
    to: &str,
    subject: &str,
    rest: &[&str],
) -> std::process::Output {
    let mut args = vec![port, tls];
    args.extend(login(mechanism));
    args.extend([
        "--from",
        "smtpxtest@smtpx.test",
        "--to",
        to,
        "--subject",
        subject,
    ]);
    args.extend(rest);
    probe(&args)
}

#[test]
fn starttls_auth_plain_submission_is_delivered_byte_for_byte() {
    if !enabled() {
        return;
    }
    let subject = unique("plain");
    let body = "first line\n.a line that starts with a dot\n..two dots\nlast line";
    let output = submit(
        SUBMISSION,
        "--starttls",
        "plain",
        "smtpxtest@smtpx.test",
        &subject,
        &["--ehlo", "client.test", "--body", body],
    );
    let out = exits(&output, 0);
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
    let output = submit(
        SUBMISSIONS,
        "--tls-on-connect",
        "login",
        "smtpxtest@localhost",
        &subject,
        &["--body", "via implicit TLS"],
    );
    let out = exits(&output, 0);
    assert!(out.contains("=== TLS TLSv1.3"), "{out}");
    delivered(&subject);
}

#[test]
fn tls_verdict_is_untrusted_by_default_and_trusted_with_the_ca_file() {
    if !enabled() {
        return;
    }
    let default = probe(&[MTA, "--starttls", "--quit-after", "tls"]);
    let out = exits(&default, 0);
    assert!(out.contains("NOT trusted: self-signed"), "{out}");

    let trusted = probe(&[
        MTA,
        "--starttls",
        "--ca-file",
        CERT,
        "--verify-name",
        "localhost",
        "--quit-after",
        "tls",
    ]);
    let out = exits(&trusted, 0);
    // Postfix's certificate is self-signed: given as --ca-file it is the server's own
    // certificate, trusted as pinned.
    assert!(
        out.contains("=== certificate: pinned: the server's certificate is in ca-file"),
        "{out}"
    );
    assert!(!out.contains("!!!"), "no finding when verified: {out}");
}

#[test]
fn auth_before_starttls_on_submission_gets_530() {
    if !enabled() {
        return;
    }
    // The server's 530 is what this test provokes: AUTH in plaintext on purpose.
    let mut args = vec![SUBMISSION, "--no-starttls", "--allow-insecure-auth"];
    args.extend(login("plain"));
    let output = probe(&args);
    let out = exits(&output, 24);
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
    let output = probe(&[MTA, "--starttls", "--quit-after", "tls", "--json"]);
    let out = exits(&output, 0);
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
    let output = smtpx_with(
        &[
            "probe",
            SUBMISSION,
            "--starttls",
            "--auth",
            "plain",
            "--user",
            USER,
            "--password-env",
            "WRONG_PASSWORD",
            "--ca-file",
            CERT,
        ],
        &[("WRONG_PASSWORD", "not-the-password")],
    );
    let out = exits(&output, 24);
    assert!(out.contains("S~ 535 5.7.8"), "{out}");
    // Still in sync after the failure: QUIT gets its 221.
    assert!(out.contains("S~ 221 2.0.0"), "{out}");
}

#[test]
fn relay_to_a_foreign_domain_is_refused() {
    if !enabled() {
        return;
    }
    let output = probe(&[
        MTA,
        "--starttls",
        "--from",
        "someone@smtpx.test",
        "--to",
        "nobody@example.com",
    ]);
    let out = exits(&output, 26);
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
    let output = probe(&[
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
    let out = exits(&output, 0);
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
    let (first, again) = (
        first.to_str().expect("utf-8 path"),
        again.to_str().expect("utf-8 path"),
    );
    let subject = unique("replay");
    let output = submit(
        SUBMISSION,
        "--starttls",
        "plain",
        "smtpxtest@smtpx.test",
        &subject,
        &["--record", first],
    );
    exits(&output, 0);
    delivered(&subject);

    // Reading the file back gives the session as it was shown.
    let export = smtpx(&["export", first, "--format", "text"]);
    let text = exits(&export, 0);
    assert!(text.contains("STARTTLS") && text.contains("235"), "{text}");
    assert!(!text.contains(PASSWORD));

    // Re-running the client side against the same Postfix gives the same replies.
    let mut args = vec!["replay", first, "--against", SUBMISSION];
    args.extend(&login("plain")[2..]);
    args.extend(["--record", again]);
    let replay = smtpx(&args);
    let out = stdout(&replay);
    assert_eq!(
        replay.status.code(),
        Some(0),
        "same result expected:\n{out}\n{}",
        String::from_utf8_lossy(&replay.stderr)
    );
    let diff = smtpx(&["diff", first, again]);
    exits(&diff, 0);
}

/// Round trips in a probe's `--json` timeline: the greeting, each TLS handshake, and each
/// write that waits for a reply (consecutive `sent` events went out before any reply).
fn round_trips(json_lines: &str) -> usize {
    let mut count = 0;
    let mut last = String::new();
    for line in json_lines.lines() {
        let Ok(event) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let kind = event["event"].as_str().unwrap_or_default();
        match kind {
            "reply" if last.is_empty() => count += 1,
            "tls" => count += 1,
            "sent" if last != "sent" => count += 1,
            _ => {}
        }
        if matches!(kind, "sent" | "reply" | "tls") {
            last = kind.to_string();
        }
    }
    count
}

#[test]
fn pipelined_submission_takes_seven_round_trips_and_is_delivered() {
    if !enabled() {
        return;
    }
    let subject = unique("pipelined");
    let body = "pipelined\n.a line that starts with a dot";
    let output = submit(
        SUBMISSION,
        "--starttls",
        "plain",
        "smtpxtest@smtpx.test",
        &subject,
        &["--body", body, "--json"],
    );
    let out = exits(&output, 0);
    // Greeting, EHLO, STARTTLS, TLS, EHLO, AUTH, then MAIL + RCPT + BDAT n LAST with the
    // message + QUIT in one write (Postfix advertises PIPELINING and CHUNKING).
    assert_eq!(round_trips(&out), 7, "{out}");
    assert!(out.contains(" LAST <chunk: "), "{out}");
    let message = delivered(&subject);
    assert!(
        message.contains("\npipelined\n.a line that starts with a dot\n"),
        "{message}"
    );

    let subject = unique("one-at-a-time");
    let output = submit(
        SUBMISSION,
        "--starttls",
        "plain",
        "smtpxtest@smtpx.test",
        &subject,
        &["--body", body, "--json", "--no-pipeline"],
    );
    let out = exits(&output, 0);
    // MAIL, RCPT, DATA, the message and QUIT each wait for their reply.
    assert_eq!(round_trips(&out), 11, "{out}");
    delivered(&subject);
}

#[test]
fn pipelined_data_with_a_refused_recipient_delivers_to_the_other() {
    if !enabled() {
        return;
    }
    let subject = unique("pipelined-data");
    // Bare LF line ends: the message goes with DATA (which sends them as CRLF), not BDAT.
    let file = std::env::temp_dir().join(format!("{subject}.eml"));
    std::fs::write(&file, format!("Subject: {subject}\n\nsent with DATA\n")).expect("write");
    let path = file.to_str().expect("utf-8 path");
    let mut args = vec![SUBMISSION, "--starttls"];
    args.extend(login("plain"));
    args.extend([
        "--from",
        "smtpxtest@smtpx.test",
        "--to",
        "nobody@nowhere.invalid",
        "--to",
        "smtpxtest@smtpx.test",
        "--data",
        path,
        "--json",
    ]);
    let output = probe(&args);
    let _ = std::fs::remove_file(&file);
    let out = exits(&output, 0);
    assert!(out.contains("1 of 2 recipients accepted"), "{out}");
    // Six to AUTH, MAIL + RCPT + RCPT + DATA, then the message and QUIT.
    assert_eq!(round_trips(&out), 8, "{out}");
    delivered(&subject);
}
