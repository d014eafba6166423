//! Tests of the step alignment and of each comparison on aligned pairs.

use super::*;
use crate::transcript::format::{Annotation, Header, Transport};
use crate::transcript::read::{Entry, read_bytes};
use crate::transcript::testdata::received;

/// A session from (command, reply) pairs; `None` as command is the greeting.
fn session(pairs: &[(Option<&str>, &str)]) -> Transcript {
    let mut events = vec![SessionEvent::Connected {
        at: std::time::Duration::ZERO,
        peer: "127.0.0.1:25".parse().expect("address"),
        took: std::time::Duration::ZERO,
    }];
    for (command, reply) in pairs {
        if let Some(command) = command {
            events.push(SessionEvent::Sent {
                at: std::time::Duration::ZERO,
                layer: Layer::Plain,
                shown: (*command).into(),
                bytes: format!("{command}\r\n").into_bytes(),
                secret: false,
                revealed: None,
            });
        }
        events.push(received(1, Layer::Plain, reply.as_bytes()));
    }
    Transcript {
        header: Header::new("mx.example.com", 25, Transport::Plain, 1_700_000_000),
        entries: events
            .into_iter()
            .enumerate()
            .map(|(i, event)| Entry {
                line: i + 2,
                event,
                annotation: Annotation::default(),
            })
            .collect(),
        warnings: Vec::new(),
    }
}

const GREETING: (Option<&str>, &str) = (None, "220 mx.example.com ESMTP\r\n");
const EHLO: (Option<&str>, &str) = (
    Some("EHLO me"),
    "250-mx.example.com Hello me\r\n250-PIPELINING\r\n250 8BITMIME\r\n",
);
const MAIL: (Option<&str>, &str) = (Some("MAIL FROM:<a@b>"), "250 2.1.0 Ok\r\n");
const RCPT: (Option<&str>, &str) = (Some("RCPT TO:<c@d>"), "250 2.1.5 Ok\r\n");
const NOOP: (Option<&str>, &str) = (Some("NOOP"), "250 2.0.0 Ok\r\n");
const QUIT: (Option<&str>, &str) = (Some("QUIT"), "221 2.0.0 Bye\r\n");

fn lines(a: &Transcript, b: &Transcript) -> Vec<String> {
    diff(a, b).iter().map(ToString::to_string).collect()
}

#[test]
fn the_same_session_has_no_differences() {
    let a = session(&[GREETING, EHLO, MAIL, RCPT, QUIT]);
    assert!(diff(&a, &a).is_empty());
}

#[test]
fn one_missing_step_is_shown_as_missing_and_the_rest_still_pairs() {
    let a = session(&[GREETING, EHLO, NOOP, MAIL, RCPT, QUIT]);
    let b = session(&[GREETING, EHLO, MAIL, RCPT, QUIT]);
    let found = diff(&a, &b);
    assert_eq!(found.len(), 1, "{:?}", lines(&a, &b));
    assert_eq!(found[0].kind, DiffKind::Missing);
    assert_eq!(
        found[0].to_string(),
        "step A3/B- NOOP: missing in B (A: NOOP → 250 2.0.0 Ok)"
    );
    // And the other way round: inserted.
    let found = diff(&b, &a);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].kind, DiffKind::Inserted);
    assert!(
        found[0]
            .to_string()
            .starts_with("step A-/B3 NOOP: only in B")
    );
}

#[test]
fn an_inserted_step_and_a_changed_reply_after_it_are_both_reported_where_they_are() {
    let refused = (Some("RCPT TO:<c@d>"), "550 5.1.1 <c@d>: unknown user\r\n");
    let a = session(&[GREETING, EHLO, MAIL, RCPT, QUIT]);
    let b = session(&[GREETING, EHLO, NOOP, MAIL, refused, QUIT]);
    let found = lines(&a, &b);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0].starts_with("step A-/B3 NOOP: only in B"),
        "{found:?}"
    );
    assert_eq!(
        found[1],
        "step A4/B5 RCPT TO: reply: A 250 2.1.5 Ok, B 550 5.1.1 <c@d>: unknown user"
    );
}

#[test]
fn the_right_rcpt_of_several_pairs_up_by_its_whole_command() {
    let first = (Some("RCPT TO:<x@d>"), "250 2.1.5 Ok\r\n");
    let second = (Some("RCPT TO:<y@d>"), "250 2.1.5 Ok\r\n");
    let a = session(&[GREETING, MAIL, first, second, QUIT]);
    let b = session(&[GREETING, MAIL, second, QUIT]);
    let found = lines(&a, &b);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("RCPT TO:<x@d>"), "{found:?}");
}

#[test]
fn enhanced_code_text_greeting_and_capabilities_are_compared() {
    let a = session(&[GREETING, EHLO, MAIL, QUIT]);
    let b = session(&[
        (None, "220 other.example.com ESMTP\r\n"),
        (
            Some("EHLO another.name"),
            "250-mx.example.com Hello another.name\r\n250-PIPELINING\r\n250 SMTPUTF8\r\n",
        ),
        (Some("MAIL FROM:<a@b>"), "250 2.0.0 Ok\r\n"),
        (Some("QUIT"), "221 2.0.0 See you\r\n"),
    ]);
    let found = lines(&a, &b);
    assert_eq!(
        found,
        [
            "step A1/B1 greeting: text: A \"mx.example.com ESMTP\", B \"other.example.com ESMTP\"",
            "step A2/B2 EHLO: capability in plaintext only in A: 8BITMIME",
            "step A2/B2 EHLO: capability in plaintext only in B: SMTPUTF8",
            "step A3/B3 MAIL FROM: enhanced code: A 2.1.0, B 2.0.0",
            "step A4/B4 QUIT: text: A \"2.0.0 Bye\", B \"2.0.0 See you\"",
        ],
        "the client's own EHLO name in the banner is not a difference"
    );
}

#[test]
fn queue_ids_and_other_tokens_with_digits_are_not_text_differences() {
    let a = session(&[(Some("DATA"), "250 2.0.0 Ok: queued as 4XyZ12\r\n")]);
    let b = session(&[(Some("DATA"), "250 2.0.0 Ok: queued as 7AbC99\r\n")]);
    assert!(diff(&a, &b).is_empty(), "{:?}", lines(&a, &b));
}

#[test]
fn a_recording_and_itself_without_a_step_differ_by_that_step_only() {
    let bytes = include_bytes!("../../../recordings/sandbox-starttls-auth-message.jsonl");
    let a = read_bytes(bytes).expect("reads");
    let text = String::from_utf8_lossy(bytes);
    // Take out the first MAIL and its reply (two lines).
    let mut lines_of: Vec<&str> = text.lines().collect();
    let at = lines_of
        .iter()
        .position(|l| l.contains("\"text\":\"MAIL FROM"))
        .expect("a MAIL line");
    lines_of.drain(at..at + 2);
    let b = read_bytes(format!("{}\n", lines_of.join("\n")).as_bytes()).expect("reads");
    let found = diff(&a, &b);
    assert_eq!(found.len(), 1, "{:?}", lines(&a, &b));
    assert_eq!(found[0].kind, DiffKind::Missing);
    assert_eq!(
        found[0].at.as_ref().map(|at| at.key.as_str()),
        Some("MAIL FROM")
    );
}

#[test]
fn a_too_large_middle_is_compared_by_position_and_says_so() {
    let many: Vec<(Option<&str>, &str)> = std::iter::once(GREETING)
        .chain(std::iter::repeat_n(NOOP, 2100))
        .chain(std::iter::once(QUIT))
        .collect();
    let mut other = many.clone();
    other[1] = MAIL;
    let other: Vec<_> = other
        .into_iter()
        .chain(std::iter::repeat_n(RCPT, 2100))
        .collect();
    let (sa, sb) = (steps(&session(&many)), steps(&session(&other)));
    let (rows, too_large) = align(&sa, &sb);
    assert!(too_large);
    assert_eq!(rows.len(), sa.len().max(sb.len()));
}

#[test]
fn addresses_the_server_echoes_from_the_command_are_not_text_differences() {
    let a = session(&[(Some("MAIL FROM:<a@b>"), "250 2.1.0 Sender <a@b> ok\r\n")]);
    let b = session(&[(Some("MAIL FROM:<x@y>"), "250 2.1.0 Sender <x@y> ok\r\n")]);
    assert!(diff(&a, &b).is_empty(), "{:?}", lines(&a, &b));
}
