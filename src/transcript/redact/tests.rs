use super::*;
use crate::event::{Layer, SessionEvent};
use crate::transcript::testdata::{received, secret, sent};

const KEEP_SECRETS: RedactionPolicy = RedactionPolicy {
    secrets: false,
    body: false,
};
const DEFAULT: RedactionPolicy = RedactionPolicy {
    secrets: true,
    body: false,
};
const NO_BODY: RedactionPolicy = RedactionPolicy {
    secrets: true,
    body: true,
};

/// The JSON lines a session becomes under `policy`.
fn written(policy: RedactionPolicy, events: &[SessionEvent]) -> Vec<String> {
    let mut redactor = Redactor::new(policy);
    events
        .iter()
        .map(|event| {
            let mut line = EventLine::from_event(event);
            redactor.apply(&mut line);
            serde_json::to_string(&line).expect("serialises")
        })
        .collect()
}

fn typed(line: &str) -> SessionEvent {
    sent(1, Layer::Tls, line.as_bytes())
}

fn server(line: &str) -> SessionEvent {
    received(1, Layer::Tls, line.as_bytes())
}

#[test]
fn hand_typed_auth_plain_and_xoauth2_initial_responses_are_redacted() {
    let lines = written(
        DEFAULT,
        &[
            typed("AUTH PLAIN AHVzZXIAcGFzc3dvcmQ=\r\n"),
            server("535 5.7.8 no\r\n"),
            typed("auth xoauth2 dXNlcj1hAWF1dGg9QmVhcmVyIHRvawEB\r\n"),
            server("235 ok\r\n"),
            typed("MAIL FROM:<a@b>\r\n"),
        ],
    );
    assert!(!lines[0].contains("AHVzZXIAcGFzc3dvcmQ="), "{}", lines[0]);
    assert!(
        lines[0].contains(r#""shown":"AUTH PLAIN <redacted 20 bytes>""#),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains(r#""secret":true"#));
    assert!(
        lines[0].contains(r#""redacted":{"what":"secret","bytes":33}"#),
        "{}",
        lines[0]
    );
    assert!(!lines[2].contains("dXNlcj1h"), "{}", lines[2]);
    assert!(lines[4].contains("MAIL FROM:<a@b>"), "{}", lines[4]);
}

#[test]
fn hand_typed_login_and_cram_md5_responses_are_redacted() {
    let lines = written(
        DEFAULT,
        &[
            typed("AUTH LOGIN\r\n"),
            server("334 VXNlcm5hbWU6\r\n"),
            typed("dXNlcm5hbWU=\r\n"),
            server("334 UGFzc3dvcmQ6\r\n"),
            typed("c2VjcmV0LXB3\r\n"),
            server("235 2.7.0 ok\r\n"),
            typed("AUTH CRAM-MD5\r\n"),
            server("334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2U+\r\n"),
            typed("dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\n"),
            server("503 already\r\n"),
            typed("NOOP dGltIGI5\r\n"),
        ],
    );
    assert!(lines[0].contains("AUTH LOGIN"));
    for i in [2, 4, 8] {
        assert!(lines[i].contains(r#""shown":"<redacted"#), "{}", lines[i]);
        assert!(!lines[i].contains(r#""text""#), "{}", lines[i]);
    }
    assert!(
        lines[10].contains("NOOP dGltIGI5"),
        "after the exchange: {}",
        lines[10]
    );
}

#[test]
fn a_cancel_star_is_not_a_secret() {
    let lines = written(
        DEFAULT,
        &[
            typed("AUTH LOGIN\r\n"),
            server("334 VXNlcm5hbWU6\r\n"),
            typed("*\r\n"),
        ],
    );
    assert!(lines[2].contains(r#""text":"*\r\n""#), "{}", lines[2]);
}

#[test]
fn driver_secrets_stay_redacted_even_if_revealed_unless_asked() {
    let event = secret(
        1,
        "AUTH PLAIN <redacted 8 bytes>",
        Some(b"AUTH PLAIN AGEAYg==\r\n"),
    );
    let lines = written(DEFAULT, std::slice::from_ref(&event));
    assert!(!lines[0].contains("AGEAYg=="), "{}", lines[0]);
    let lines = written(KEEP_SECRETS, &[event]);
    assert!(lines[0].contains("AUTH PLAIN AGEAYg=="), "{}", lines[0]);
}

#[test]
fn record_secrets_keeps_hand_typed_secrets() {
    let lines = written(KEEP_SECRETS, &[typed("AUTH PLAIN AGEAYg==\r\n")]);
    assert!(lines[0].contains("AUTH PLAIN AGEAYg=="), "{}", lines[0]);
}

#[test]
fn redact_body_replaces_data_content_with_size_and_sha256() {
    let events = [
        typed("DATA\r\n"),
        server("354 go\r\n"),
        typed("Subject: hi\r\n\r\nsecret body\r\n.\r\n"),
        server("250 queued\r\n"),
        typed("QUIT\r\n"),
    ];
    let lines = written(NO_BODY, &events);
    assert!(!lines[2].contains("secret body"), "{}", lines[2]);
    let digest = hex(&Sha256::digest(b"Subject: hi\r\n\r\nsecret body\r\n.\r\n"));
    assert!(
        lines[2].contains(&format!(
            r#""redacted":{{"what":"body","size":31,"sha256":"{digest}"}}"#
        )),
        "{}",
        lines[2]
    );
    assert!(lines[4].contains("QUIT"));
    let lines = written(DEFAULT, &events);
    assert!(lines[2].contains("secret body"));
}

#[test]
fn a_body_typed_line_by_line_is_redacted_until_the_end_marker() {
    let lines = written(
        NO_BODY,
        &[
            typed("DATA\r\n"),
            server("354 go\r\n"),
            typed("line one\r\n"),
            typed(".\r\n"),
            typed("RSET\r\n"),
        ],
    );
    assert!(!lines[2].contains("line one"));
    assert!(lines[3].contains(r#""what":"body""#));
    assert!(lines[4].contains("RSET"), "{}", lines[4]);
}

#[test]
fn redact_body_keeps_the_bdat_command_line() {
    let lines = written(NO_BODY, &[typed("BDAT 5 LAST\r\nhello")]);
    assert!(
        lines[0].contains(r#""text":"BDAT 5 LAST\r\n""#),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains(r#""size":5"#), "{}", lines[0]);
    assert!(!lines[0].contains("hello"));
}
