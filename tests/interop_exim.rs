//! `smtpx probe`, `replay --against` and `diff` against a real Exim on loopback, set up by
//! `tests/interop/exim-up.sh` (see `tests/interop/README.md`): the pipelined paths (RFC 2920,
//! BDAT LAST in the group as RFC 3030 §4.2 allows), a refusal in the middle of a group,
//! `--no-pipeline`, CHUNKING and DATA byte for byte, SMTPUTF8, `--to a,b`, and a Postfix
//! recording re-run against Exim.
//!
//! With `SMTPX_INTEROP=1` (set by `.ci/run`) these tests fail loudly when Exim (or, for the
//! replay test, Postfix) is not reachable; without it they print a note and pass without
//! running.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

mod support;

use support::exim::{self, CERT, DOMAIN, MTA, SUBMISSION, SUBMISSIONS, delivered, delivered_one};
use support::postfix::{self, PASSWORD, exits, probe, smtpx};

fn enabled() -> bool {
    exim::enabled("interop test")
}

fn unique(tag: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("smtpx-exim-{tag}-{nanos}-{}", std::process::id())
}

/// The events of a `--json` run, one per line.
fn events(out: &str) -> Vec<Value> {
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON {l:?}: {e}")))
        .collect()
}

/// One write of the client and the replies read before the next one.
#[derive(Debug)]
struct Exchange {
    /// The lines sent together, before any reply.
    sent: Vec<String>,
    /// `(code, lines)` of each reply, in the order they came.
    replies: Vec<(i64, Vec<String>)>,
}

impl Exchange {
    fn codes(&self) -> Vec<i64> {
        self.replies.iter().map(|(code, _)| *code).collect()
    }

    /// The text of reply `n` (its lines joined with `/`).
    fn text(&self, n: usize) -> String {
        self.replies[n].1.join("/")
    }
}

/// The session as the client's writes: consecutive `sent` events went out before any reply
/// (one write), and the replies after them answer them in order. The greeting is the
/// first exchange, with nothing sent.
fn exchanges(events: &[Value]) -> Vec<Exchange> {
    let mut all = vec![Exchange {
        sent: Vec::new(),
        replies: Vec::new(),
    }];
    for event in events {
        match event["event"].as_str() {
            Some("sent") => {
                let line = event["line"].as_str().unwrap_or_default().to_string();
                let Some(last) = all.last_mut() else { continue };
                if last.replies.is_empty() {
                    last.sent.push(line);
                } else {
                    all.push(Exchange {
                        sent: vec![line],
                        replies: Vec::new(),
                    });
                }
            }
            Some("reply") => {
                let code = event["code"].as_i64().unwrap_or(-1);
                let lines = event["lines"]
                    .as_array()
                    .map(|l| {
                        l.iter()
                            .filter_map(|l| l.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                if let Some(last) = all.last_mut() {
                    last.replies.push((code, lines));
                }
            }
            _ => {}
        }
    }
    all
}

/// Every exchange answered once per command sent (a message or a chunk with its BDAT is one
/// command); panics with the session otherwise.
fn assert_one_reply_per_command(all: &[Exchange]) {
    for exchange in &all[1..] {
        assert_eq!(
            exchange.sent.len(),
            exchange.replies.len(),
            "each command has its reply: {all:#?}"
        );
    }
}

/// A message file of `body_lines` with CRLF line ends and every header Exim could otherwise
/// add, so what Exim delivers ends with exactly these bytes (LF for CRLF).
fn message(subject: &str, to: &str, body_lines: &[&str]) -> String {
    let mut text = format!(
        "From: smtpx interop <sender@{DOMAIN}>\r\nTo: <{to}>\r\nSubject: {subject}\r\n\
         Date: Sat, 05 Dec 2026 00:00:00 +0000\r\nMessage-ID: <{subject}@{DOMAIN}>\r\n\r\n"
    );
    for line in body_lines {
        text.push_str(line);
        text.push_str("\r\n");
    }
    text
}

/// Writes `text` to a temporary file that lives as long as the returned guard.
fn message_file(text: &str) -> tempfile::NamedTempFile {
    let file = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(file.path(), text).expect("write message");
    file
}

/// A body with what dot-stuffing and chunking must carry through: leading dots, a lone
/// dot, a line longer than a 64-octet chunk, trailing blanks.
const TRICKY_BODY: [&str; 6] = [
    "first line",
    ".a line that starts with a dot",
    ".",
    "..two dots",
    "a line longer than one 64-octet chunk: 0123456789abcdefghijklmnopqrstuvwxyz",
    "last line  ",
];

#[test]
fn pipelined_submission_groups_mail_rcpt_bdat_and_quit_and_is_delivered() {
    if !enabled() {
        return;
    }
    let subject = unique("pipelined");
    let mut args = vec![SUBMISSION, "--starttls"];
    args.extend(exim::login("plain"));
    let to = format!("pipelined@{DOMAIN}");
    args.extend([
        "--from",
        "smtpxtest@exim.test",
        "--to",
        &to,
        "--subject",
        &subject,
        "--body",
        "pipelined to Exim",
        "--json",
        "--no-record",
    ]);
    let output = probe(&args);
    let out = exits(&output, 0);
    assert!(!out.contains(PASSWORD));
    let all = exchanges(&events(&out));
    // Greeting, EHLO, STARTTLS, EHLO, AUTH, then one write: MAIL + RCPT + BDAT n LAST with
    // the message + QUIT (Exim advertises PIPELINING and CHUNKING).
    assert_eq!(all.len(), 6, "{all:#?}");
    assert_eq!(all[4].codes(), [235], "{all:#?}");
    let group = &all[5];
    assert_eq!(group.sent.len(), 4, "{group:#?}");
    assert!(group.sent[0].starts_with("MAIL FROM:<smtpxtest@exim.test>"));
    assert_eq!(group.sent[1], format!("RCPT TO:<{to}>"));
    assert!(
        group.sent[2].starts_with("BDAT ") && group.sent[2].contains(" LAST <chunk: "),
        "{group:#?}"
    );
    assert_eq!(group.sent[3], "QUIT");
    // Each reply is Exim's own answer to the command at its place: Exim words them
    // differently, so a reply matched to the wrong command shows.
    assert_eq!(group.codes(), [250, 250, 250, 221], "{group:#?}");
    assert_eq!(group.text(0), "OK");
    assert_eq!(group.text(1), "Accepted");
    assert!(group.text(2).contains("byte chunk, total"), "{group:#?}");
    assert!(group.text(2).contains("OK id="), "{group:#?}");
    assert!(group.text(3).contains("closing connection"), "{group:#?}");
    assert_one_reply_per_command(&all);

    let message = delivered_one(&subject);
    assert!(
        message.contains(&format!("Envelope-to: {to}\n")),
        "{message}"
    );
    assert!(message.ends_with("\npipelined to Exim\n"), "{message}");
}

#[test]
fn no_pipeline_sends_one_command_per_write_with_the_same_result() {
    if !enabled() {
        return;
    }
    let subject = unique("one-at-a-time");
    let mut args = vec![SUBMISSION, "--starttls"];
    args.extend(exim::login("login"));
    args.extend([
        "--from",
        "smtpxtest@exim.test",
        "--to",
        "one@exim.test",
        "--subject",
        &subject,
        "--body",
        "one command at a time",
        "--json",
        "--no-record",
        "--no-pipeline",
    ]);
    let output = probe(&args);
    let out = exits(&output, 0);
    let all = exchanges(&events(&out));
    for exchange in &all[1..] {
        assert_eq!(exchange.sent.len(), 1, "one command per write: {all:#?}");
        assert_eq!(exchange.replies.len(), 1, "{all:#?}");
    }
    let sent: Vec<&str> = all[1..].iter().map(|e| e.sent[0].as_str()).collect();
    // --no-pipeline keeps DATA: MAIL, RCPT, DATA, the message and QUIT each wait for their
    // reply (AUTH LOGIN takes three steps before them).
    let tail = &sent[sent.len() - 5..];
    assert!(tail[0].starts_with("MAIL FROM:"), "{sent:?}");
    assert_eq!(tail[1], "RCPT TO:<one@exim.test>");
    assert_eq!(tail[2], "DATA");
    assert!(tail[3].starts_with("<message: "), "{sent:?}");
    assert_eq!(tail[4], "QUIT");
    let codes: Vec<i64> = all.iter().flat_map(Exchange::codes).collect();
    assert_eq!(
        codes[codes.len() - 5..],
        [250, 250, 354, 250, 221],
        "{all:#?}"
    );
    let message = delivered_one(&subject);
    assert!(message.ends_with("\none command at a time\n"), "{message}");
}

#[test]
fn implicit_tls_submission_with_auth_login_is_delivered() {
    if !enabled() {
        return;
    }
    let subject = unique("implicit-tls");
    let mut args = vec![SUBMISSIONS, "--tls-on-connect"];
    args.extend(exim::login("login"));
    args.extend([
        "--from",
        "smtpxtest@exim.test",
        "--to",
        "implicit@exim.test",
        "--subject",
        &subject,
        "--body",
        "via implicit TLS",
    ]);
    let out = exits(&probe(&args), 0);
    assert!(out.contains("=== TLS TLSv1.3"), "{out}");
    assert!(out.contains("S~ 235 Authentication succeeded"), "{out}");
    delivered_one(&subject);
}

#[test]
fn a_refused_recipient_in_a_pipelined_bdat_group_leaves_the_other_delivered() {
    if !enabled() {
        return;
    }
    let subject = unique("refused-bdat");
    let dir = tempfile::tempdir().expect("temp dir");
    let record = dir.path().join("partly.jsonl");
    let record = record.to_str().expect("utf-8 path");
    let output = probe(&[
        MTA,
        "--starttls",
        "--ca-file",
        CERT,
        "--from",
        "sender@exim.test",
        "--to",
        "kept@exim.test",
        "--to",
        "refuse1@exim.test",
        "--subject",
        &subject,
        "--body",
        "to one of two",
        "--json",
        "--record",
        record,
    ]);
    // The documented exit code: 0 when the message is taken for some of the recipients.
    let out = exits(&output, 0);
    let events = events(&out);
    let all = exchanges(&events);
    let group = all.last().expect("exchanges");
    assert_eq!(
        group.sent.len(),
        5,
        "MAIL, 2 RCPT, BDAT LAST, QUIT: {group:#?}"
    );
    assert_eq!(group.sent[2], "RCPT TO:<refuse1@exim.test>");
    assert_eq!(group.codes(), [250, 250, 550, 250, 221], "{group:#?}");
    assert!(
        group
            .text(2)
            .contains("<refuse1@exim.test>: recipient refused"),
        "the 550 is the second RCPT's: {group:#?}"
    );
    let notes: Vec<&str> = events
        .iter()
        .filter(|e| e["event"] == "note")
        .filter_map(|e| e["message"].as_str())
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("1 of 2 recipients accepted")),
        "{notes:?}"
    );
    let message = delivered_one(&subject);
    // One file per recipient delivered: only the accepted one's.
    assert!(
        message.contains("Envelope-to: kept@exim.test\n"),
        "{message}"
    );

    // The report made from the recording says the same: delivered, one recipient refused.
    let report = exits(&smtpx(&["export", record, "--format", "markdown"]), 0);
    assert!(
        report.contains(
            "| outcome | 1 of 2 recipients accepted; refused: `RCPT TO:<refuse1@exim.test> → 550 5.1.1"
        ),
        "{report}"
    );
}

#[test]
fn a_refused_recipient_in_a_pipelined_data_group_leaves_the_other_delivered() {
    if !enabled() {
        return;
    }
    let subject = unique("refused-data");
    // Bare LF line ends: the message goes with DATA (which sends them as CRLF), not BDAT.
    let file = message_file(&format!("Subject: {subject}\n\nsent with DATA\n"));
    let output = probe(&[
        MTA,
        "--starttls",
        "--ca-file",
        CERT,
        "--from",
        "sender@exim.test",
        "--to",
        "refuse1@exim.test,kept-data@exim.test",
        "--data",
        file.path().to_str().expect("utf-8 path"),
        "--json",
        "--no-record",
    ]);
    let out = exits(&output, 0);
    assert!(out.contains("1 of 2 recipients accepted"), "{out}");
    let all = exchanges(&events(&out));
    let n = all.len();
    // MAIL + RCPT + RCPT + DATA in one write; the message only after the 354, with QUIT.
    let group = &all[n - 2];
    assert_eq!(group.sent.len(), 4, "{all:#?}");
    assert_eq!(group.sent[3], "DATA");
    assert_eq!(group.codes(), [250, 550, 250, 354], "{group:#?}");
    assert!(all[n - 1].sent[0].starts_with("<message: "), "{all:#?}");
    assert_eq!(all[n - 1].codes(), [250, 221], "{all:#?}");
    let message = delivered_one(&subject);
    assert!(
        message.contains("Envelope-to: kept-data@exim.test\n"),
        "{message}"
    );
}

#[test]
fn all_recipients_refused_sends_no_message_after_data_and_says_why() {
    if !enabled() {
        return;
    }
    let file = message_file("Subject: never sent\n\nnobody takes this\n");
    let output = probe(&[
        MTA,
        "--starttls",
        "--ca-file",
        CERT,
        "--from",
        "sender@exim.test",
        "--to",
        "refuse1@exim.test,refuse2@exim.test",
        "--data",
        file.path().to_str().expect("utf-8 path"),
        "--json",
        "--no-record",
    ]);
    let out = exits(&output, 26);
    let events = events(&out);
    let all = exchanges(&events);
    let n = all.len();
    let group = &all[n - 2];
    assert_eq!(group.sent.last().map(String::as_str), Some("DATA"));
    // Exim answers DATA 503 after the refusals; RFC 2920 §3.1: no message follows.
    assert_eq!(group.codes(), [250, 550, 550, 503], "{group:#?}");
    assert_eq!(all[n - 1].sent, ["QUIT"], "{all:#?}");
    assert_eq!(all[n - 1].codes(), [221]);
    assert!(
        !all.iter()
            .flat_map(|e| &e.sent)
            .any(|l| l.starts_with("<message")),
        "{all:#?}"
    );
    let notes: Vec<&str> = events
        .iter()
        .filter(|e| e["event"] == "note")
        .filter_map(|e| e["message"].as_str())
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("no recipient was accepted")),
        "{notes:?}"
    );
    let text = probe(&[
        MTA,
        "--starttls",
        "--ca-file",
        CERT,
        "--from",
        "sender@exim.test",
        "--to",
        "refuse1@exim.test",
        "--body",
        "nobody takes this",
        "--no-record",
    ]);
    let out = exits(&text, 26);
    assert!(out.contains("S~ 550 5.1.1 <refuse1@exim.test>"), "{out}");
    assert!(out.contains("=== no recipient was accepted"), "{out}");
    // With CHUNKING the chunk went in the group (RFC 3030 §4.2 lets BDAT follow RCPT
    // unanswered); Exim refuses it and the session stays in step to QUIT.
    assert!(
        out.contains("S~ 503 Valid RCPT command must precede BDAT"),
        "{out}"
    );
    assert!(out.contains("S~ 221 "), "{out}");
    assert!(out.contains("stopped at rcpt (exit code 26)"), "{out}");
}

#[test]
fn bdat_chunks_arrive_byte_for_byte() {
    if !enabled() {
        return;
    }
    let subject = unique("bdat");
    let to = format!("bdat@{DOMAIN}");
    let sent = message(&subject, &to, &TRICKY_BODY);
    let file = message_file(&sent);
    let output = probe(&[
        MTA,
        "--starttls",
        "--ca-file",
        CERT,
        "--from",
        "sender@exim.test",
        "--to",
        &to,
        "--data",
        file.path().to_str().expect("utf-8 path"),
        "--bdat",
        "--chunk-size",
        "64",
    ]);
    let out = exits(&output, 0);
    assert!(out.contains("C~ BDAT 64 <chunk: 64 bytes>"), "{out}");
    assert!(out.contains(" LAST <chunk: "), "{out}");
    assert!(out.contains("S~ 250 64 byte chunk received"), "{out}");
    let message = delivered_one(&subject);
    // Exim stores lines with LF and puts its trace headers on top; the rest is as sent.
    assert!(
        message.ends_with(&sent.replace("\r\n", "\n")),
        "{message}\n---- sent:\n{sent}"
    );
}

#[test]
fn data_with_dot_stuffing_arrives_byte_for_byte() {
    if !enabled() {
        return;
    }
    let subject = unique("data");
    let to = format!("data@{DOMAIN}");
    let sent = message(&subject, &to, &TRICKY_BODY);
    let file = message_file(&sent);
    let output = probe(&[
        MTA,
        "--starttls",
        "--ca-file",
        CERT,
        "--from",
        "sender@exim.test",
        "--to",
        &to,
        "--data",
        file.path().to_str().expect("utf-8 path"),
        "--no-pipeline",
    ]);
    let out = exits(&output, 0);
    assert!(out.contains("C~ DATA"), "{out}");
    assert!(out.contains("3 lines dot-stuffed"), "{out}");
    let message = delivered_one(&subject);
    assert!(
        message.ends_with(&sent.replace("\r\n", "\n")),
        "{message}\n---- sent:\n{sent}"
    );
}

#[test]
fn smtputf8_addresses_are_sent_with_smtputf8_and_accepted() {
    if !enabled() {
        return;
    }
    let subject = unique("utf8");
    let output = probe(&[
        MTA,
        "--starttls",
        "--ca-file",
        CERT,
        "--from",
        "jürgen@exämple.test",
        "--to",
        "empfänger@exim.test",
        "--subject",
        &subject,
        "--body",
        "grüße",
    ]);
    let out = exits(&output, 0);
    // This Exim (Debian's, built with I18N) offers SMTPUTF8 (RFC 6531): the probe asks for it.
    assert!(out.contains("S~ 250-SMTPUTF8"), "{out}");
    assert!(
        out.contains("C~ MAIL FROM:<jürgen@exämple.test> ") && out.contains(" SMTPUTF8"),
        "{out}"
    );
    assert!(out.contains("C~ RCPT TO:<empfänger@exim.test>"), "{out}");
    let message = delivered_one(&subject);
    assert!(
        message.contains("Return-path: <jürgen@exämple.test>"),
        "{message}"
    );
    assert!(
        message.contains("Envelope-to: empfänger@exim.test"),
        "{message}"
    );
}

#[test]
fn comma_separated_to_goes_out_as_two_rcpts() {
    if !enabled() {
        return;
    }
    let subject = unique("comma");
    let output = probe(&[
        MTA,
        "--starttls",
        "--ca-file",
        CERT,
        "--from",
        "sender@exim.test",
        "--to",
        "a@exim.test,b@exim.test",
        "--subject",
        &subject,
        "--body",
        "to two",
    ]);
    let out = exits(&output, 0);
    assert!(out.contains("C~ RCPT TO:<a@exim.test>\n"), "{out}");
    assert!(out.contains("C~ RCPT TO:<b@exim.test>\n"), "{out}");
    assert_eq!(out.matches("S~ 250 Accepted").count(), 2, "{out}");
    let mut to: Vec<String> = delivered(&subject, 2)
        .iter()
        .filter_map(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("Envelope-to: ").map(str::to_string))
        })
        .collect();
    to.sort();
    assert_eq!(to, ["a@exim.test", "b@exim.test"]);
}

/// The `step …` lines of a replay or diff report.
fn steps(said: &str) -> Vec<&str> {
    said.lines().filter(|l| l.starts_with("step ")).collect()
}

#[test]
fn a_postfix_recording_re_runs_against_exim_and_diff_aligns_the_two() {
    if !enabled() || !postfix::enabled("replay of a Postfix recording against Exim") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let from_postfix = dir.path().join("postfix.jsonl");
    let from_exim = dir.path().join("exim.jsonl");
    let (from_postfix, from_exim) = (
        from_postfix.to_str().expect("utf-8"),
        from_exim.to_str().expect("utf-8"),
    );
    let body = unique("replayed");
    let mut args = vec![postfix::SUBMISSION, "--starttls"];
    args.extend(postfix::login("plain"));
    args.extend([
        "--from",
        "smtpxtest@smtpx.test",
        "--to",
        "smtpxtest@smtpx.test",
        "--body",
        &body,
        "--record",
        from_postfix,
    ]);
    exits(&probe(&args), 0);

    // The same client steps against Exim's submission port, to a recipient Exim takes.
    let replay = smtpx(&[
        "replay",
        from_postfix,
        "--against",
        SUBMISSION,
        "--user",
        postfix::USER,
        "--password-env",
        postfix::PASSWORD_ENV,
        "--ca-file",
        CERT,
        "--to",
        "replayed@exim.test",
        "--record",
        from_exim,
        "--timeout",
        "10",
    ]);
    let said = format!(
        "{}\n{}",
        String::from_utf8_lossy(&replay.stdout),
        String::from_utf8_lossy(&replay.stderr)
    );
    // Exit 1: the run is complete and differs from the recording.
    assert_eq!(replay.status.code(), Some(1), "{said}");
    assert!(said.contains("re-ran all"), "{said}");
    assert!(said.contains("S~ 250 Accepted"), "{said}");
    assert!(
        said.contains("differences from the recording (A: recorded, B: now)"),
        "{said}"
    );
    check_aligned(&said);
    assert!(
        said.contains("step A1/B1 greeting: text: A \"localhost ESMTP Postfix"),
        "{said}"
    );
    let message = delivered_one(&body);
    assert!(
        message.contains("Envelope-to: replayed@exim.test\n"),
        "{message}"
    );

    // diff of the Postfix recording and the Exim one: step N with step N, no cascade.
    let diff = smtpx(&["diff", from_postfix, from_exim]);
    let said = String::from_utf8_lossy(&diff.stdout).into_owned();
    assert_eq!(diff.status.code(), Some(1), "{said}");
    check_aligned(&said);
    assert!(
        said.contains("RCPT TO: text: A \"2.1.5 Ok\", B \"Accepted\""),
        "{said}"
    );
}

/// Every step line pairs step N of A with step N of B, none is missing or inserted, and the
/// nine client steps (greeting, EHLO, STARTTLS, EHLO, AUTH, MAIL, RCPT, BDAT, QUIT) appear.
fn check_aligned(said: &str) {
    let steps = steps(said);
    assert!(!steps.is_empty(), "{said}");
    let mut seen = std::collections::BTreeSet::new();
    for step in &steps {
        let pair = step
            .strip_prefix("step A")
            .and_then(|rest| rest.split_once(' '))
            .map(|(pair, _)| pair)
            .unwrap_or_else(|| panic!("a step pair: {step}"));
        let (a, b) = pair
            .split_once("/B")
            .unwrap_or_else(|| panic!("a step pair: {step}"));
        assert_eq!(a, b, "aligned: {step}\n{said}");
        assert!(
            !step.contains("missing in") && !step.contains("inserted"),
            "{said}"
        );
        seen.insert(a.parse::<u32>().expect("a step number"));
    }
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        (1..=9).collect::<Vec<_>>(),
        "{said}"
    );
}
